/**
 * Plot: pure figure builders (data in, plotly figure JSON out) for the five
 * `plot --target-data` kinds (preprocess, estimate, error, metadata,
 * power_curve) and the holdout against blocked cross-validation errors,
 * and self-contained HTML reports with plotly.js inlined.
 *
 * @module
 */
export {
  figureHtmlFragment,
  figuresToHtml,
  plotlySource,
  writeHtmlReport,
} from "./html_report.ts";
export { preprocessFigure } from "./preprocess_figure.ts";
export { estimateFigure, estimateScatterFigure } from "./estimate_figure.ts";
export { errorFigure } from "./error_figure.ts";
export { cvErrorFigure } from "./cv_error_figure.ts";
export { metadataFigure } from "./metadata_figure.ts";
export { powerCurveFigure } from "./power_curve_figure.ts";
export { plotTableFromCsv, plotTableFromFrame } from "./plot_table.ts";
export { readEstimationResults } from "./estimation_results.ts";
export {
  modelSummaryFromCsv,
  modelSummaryFromMetadata,
} from "./model_summary.ts";
export type {
  FragmentOptions,
  HtmlReportOptions,
  PlotlySourceOptions,
} from "./html_report.ts";
export type { PlotTable, PlotTableFromCsvOptions } from "./plot_table.ts";
export type {
  ModelSummaryFromCsvOptions,
  ModelSummaryRow,
} from "./model_summary.ts";
export type { EstimationResults } from "./estimation_results.ts";
export type { MetadataFigureOptions } from "./metadata_figure.ts";
export type { PreprocessFigureOptions } from "./preprocess_figure.ts";
export type {
  PowerCurve,
  PowerCurveFigureOptions,
} from "./power_curve_figure.ts";
export type { ErrorFigureOptions } from "./error_figure.ts";
export type { CvErrorFigureOptions } from "./cv_error_figure.ts";
export type { AxisValue, Figure, Layout, Trace } from "./figure.ts";
export type { CsvTable } from "../io/csv.ts";
export type { EstimateFigureOptions } from "./estimate_figure.ts";
