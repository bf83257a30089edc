/**
 * Export: publish a trained pipeline in kepler-model-db's layout (models
 * that pass the thresholds, weight files Kepler v0.7.11 loads, reports,
 * figures), as upstream's `export` command does.
 *
 * @module
 */
export { exportPipeline } from "./export_pipeline.ts";
export {
  collectTimeOfBenchmark,
  normalizeCollectDate,
} from "./collect_time.ts";
export { workloadContent } from "./workload_content.ts";
export { checkThresholds, DEFAULT_EXPORT_THRESHOLDS } from "./thresholds.ts";
export { errorReport } from "./error_report.ts";
export type { RecoverResult } from "../io/commit.ts";
export type { SweepResult } from "../io/stale_temps.ts";
export type { ErrorReportOptions, ReportNodeType } from "./error_report.ts";
export type {
  ExportPipelineOptions,
  ExportReport,
  ExportSkip,
} from "./export_pipeline.ts";
export type {
  BestOfGroup,
  ComponentError,
  ExportedModel,
} from "./best_exported_models.ts";
export type { ExportThresholds } from "./thresholds.ts";
export type { ExportedModelUrlOptions } from "./model_url.ts";
