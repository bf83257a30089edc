/**
 * Estimate: power per component from a query with pipeline models and
 * Kepler weight files, errors and interval coverage per model, the best
 * model, and the files of upstream's `estimate` command.
 *
 * @module
 */
export { estimate } from "./estimate.ts";
export type {
  ComponentEstimate,
  EstimateOptions,
  EstimateReport,
  ModelEstimate,
  SourceEstimate,
} from "./estimate.ts";
export { compareEstimates, recordedError } from "./compare_estimates.ts";
export type { RankedEstimate } from "./compare_estimates.ts";
export { writeEstimate } from "./write_estimate.ts";
export { estimationTable } from "./estimation_table.ts";
export type { EstimationTable } from "./estimation_table.ts";
export {
  featureGroupOf,
  pipelineEstimatorModel,
  weightEstimatorModel,
} from "./estimator_model.ts";
export type {
  ComponentPrediction,
  EstimatorModel,
  PipelineModelKey,
  WeightModelOptions,
} from "./estimator_model.ts";
export {
  listPipelines,
  modelFileCandidate,
  pipelineModelCandidates,
  readPipelineInfo,
} from "./find_models.ts";
export type {
  EstimateTarget,
  ModelCandidate,
  ModelFileOptions,
  PipelineInfo,
  PipelineModelOptions,
} from "./find_models.ts";
