/**
 * Estimate: power per component from a query with pipeline models and
 * Kepler weight files, errors and interval coverage per model, the best
 * model, and the files of upstream's `estimate` command.
 *
 * @module
 */
export { estimate } from "./estimate.ts";
export { compareEstimates } from "./compare_estimates.ts";
export { writeEstimate } from "./write_estimate.ts";
export { estimationTable } from "./estimation_table.ts";
export { listPipelines } from "./find_models.ts";
export type { ComponentPrediction } from "./estimator_model.ts";
export type { EstimateTarget } from "./find_models.ts";
export type { EstimationTable } from "./estimation_table.ts";
export type {
  ComponentEstimate,
  EstimateOptions,
  EstimateReport,
  ModelEstimate,
  SourceEstimate,
} from "./estimate_types.ts";
export type { RankedEstimate } from "./compare_estimates.ts";
export type { CsvCell } from "../io/csv.ts";
export { estimateVm } from "./vm_estimate.ts";
export type {
  EstimateVmOptions,
  VmComponentEstimate,
  VmEstimate,
} from "./vm_estimate.ts";
export { writeVmEstimates } from "./write_vm_estimate.ts";
