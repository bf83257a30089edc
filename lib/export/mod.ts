/**
 * Export: publish a trained pipeline in kepler-model-db's layout (models
 * that pass the thresholds, weight files Kepler v0.7.11 loads, reports,
 * figures), as upstream's `export` command does.
 *
 * @module
 */
export { exportPipeline } from "./export_pipeline.ts";
export type {
  ExportPipelineOptions,
  ExportReport,
  ExportSkip,
} from "./export_pipeline.ts";
export {
  checkThresholds,
  DEFAULT_EXPORT_THRESHOLDS,
  passesThresholds,
} from "./thresholds.ts";
export type { ExportThresholds } from "./thresholds.ts";
export {
  collectTimeOfBenchmark,
  normalizeCollectDate,
} from "./collect_time.ts";
export { bestExportedModels, exportGroupKey } from "./best_exported_models.ts";
export type { BestOfGroup, ExportedModel } from "./best_exported_models.ts";
export {
  ERROR_REPORT_COLUMNS,
  errorReport,
  REPORT_FEATURE_GROUP_ORDER,
} from "./error_report.ts";
export type { ErrorReportOptions, ReportNodeType } from "./error_report.ts";
export { pipelineReadme, README_NODE_COLUMNS } from "./pipeline_readme.ts";
export type {
  FigureLink,
  PipelineReadmeContent,
  PipelineReadmeOptions,
  ReadmeNodeType,
  ReadmeSection,
} from "./pipeline_readme.ts";
export { pipelineDocPage } from "./pipeline_doc_page.ts";
export {
  versionReadme,
  versionReadmeHeader,
  versionReadmeRow,
} from "./version_readme.ts";
export type {
  VersionReadmeOptions,
  VersionReadmeRow,
} from "./version_readme.ts";
export {
  cpeBenchmarkContent,
  MAX_WORKLOAD_TEXT_BYTES,
  workloadContent,
} from "./workload_content.ts";
export { exportFigures, POWER_CURVE_FEATURE } from "./export_figures.ts";
export type { ExportFigure, FigureInput } from "./export_figures.ts";
export { exportedModelUrl, KEPLER_MODEL_DB_URL } from "./model_url.ts";
export type { ExportedModelKey, ExportedModelUrlOptions } from "./model_url.ts";
export { markdownTable } from "./markdown_table.ts";
export type { MarkdownCell } from "./markdown_table.ts";
