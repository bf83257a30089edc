/**
 * Plot: pure figure builders (data in, plotly figure JSON out) for the five
 * `plot --target-data` kinds (preprocess, estimate, error, metadata,
 * power_curve), and self-contained HTML reports with plotly.js inlined.
 *
 * @module
 */
export type { AxisValue, Figure, Layout, Trace } from "./figure.ts";
export {
  featureColumns,
  plotTableFromCsv,
  plotTableFromFrame,
  powerColumnComponent,
} from "./plot_table.ts";
export type { PlotTable, PlotTableFromCsvOptions } from "./plot_table.ts";
export { featureAxisTitle, featureUnit } from "./feature_unit.ts";
export {
  POWER_INTERVAL_SUFFIXES,
  powerIntervalColumns,
  PREDICTED_POWER_PREFIX,
  predictedPowerColumn,
} from "./estimate_columns.ts";
export {
  estimatedComponents,
  estimationSources,
} from "./estimation_sources.ts";
export { readEstimationResults } from "./estimation_results.ts";
export type { EstimationResults } from "./estimation_results.ts";
export { preprocessFigure } from "./preprocess_figure.ts";
export type { PreprocessFigureOptions } from "./preprocess_figure.ts";
export {
  estimateFigure,
  estimateScatterFigure,
  estimateStats,
} from "./estimate_figure.ts";
export type {
  EstimateFigureOptions,
  EstimateStats,
} from "./estimate_figure.ts";
export {
  bestWeightSupportModels,
  modelSummaryFromCsv,
  modelSummaryFromMetadata,
  summaryNodeType,
} from "./model_summary.ts";
export type {
  BestModelOptions,
  ModelSummaryFromCsvOptions,
  ModelSummaryRow,
} from "./model_summary.ts";
export { errorFigure } from "./error_figure.ts";
export type { ErrorFigureOptions } from "./error_figure.ts";
export { metadataFigure } from "./metadata_figure.ts";
export type { MetadataFigureOptions } from "./metadata_figure.ts";
export { powerCurveFigure } from "./power_curve_figure.ts";
export type {
  PowerCurve,
  PowerCurveFigureOptions,
} from "./power_curve_figure.ts";
export {
  figureHtmlFragment,
  figuresToHtml,
  plotlySource,
  writeHtmlReport,
} from "./html_report.ts";
export type {
  FragmentOptions,
  HtmlReportOptions,
  PlotlySourceOptions,
} from "./html_report.ts";
