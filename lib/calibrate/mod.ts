/**
 * `calibrate`: keeps served models right on a running cluster. Every period
 * it measures the served model's error against the nodes' power meters,
 * retrains on a bounded reservoir of windows when the median error exceeds
 * a bound, validates the candidate on rows it did not train on, and
 * publishes it atomically into MODEL_PATH only when it beats the current
 * model; new node types are onboarded with a validation report.
 *
 * @module
 */
export { Calibrator } from "./calibrator.ts";
export { CalibrateMetrics } from "./calibrate_metrics.ts";
export { errorOf, median, parseMaxError } from "./max_error.ts";
export { WindowReservoir } from "./window_reservoir.ts";
export { publishCandidate, stagePipeline } from "./publish_candidate.ts";
export type { CalibratorOptions, CycleReport, Decision } from "./calibrator.ts";
export type { CounterName, ErrorLabels } from "./calibrate_metrics.ts";
export type { MaxError } from "./max_error.ts";
export type {
  StoredWindow,
  WindowReservoirOptions,
} from "./window_reservoir.ts";
export { DecisionLog } from "./decision_log.ts";
export { stagingDir, sweepStaging } from "./staging.ts";
export { serveCalibrateMetrics } from "./serve_calibrate_metrics.ts";
export type { CalibrateMetricsServerOptions } from "./serve_calibrate_metrics.ts";
export { DEFAULT_TRAINERS } from "./calibrator.ts";
export { checkModelServer } from "./check_model_server.ts";
export type { CheckModelServerOptions } from "./check_model_server.ts";
