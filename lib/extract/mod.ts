/**
 * Extract: from a query JSON to columnar training frames of per-second usage
 * features and power labels in watts, and their CSV files.
 *
 * @module
 */
export { extract, extractFeatureGroups } from "./extract.ts";
export { extractFile, extractFiles } from "./extract_file.ts";
export { parseQuery, queryDataFrom, readQueryFile } from "./read_query.ts";
export { validFeatureGroups } from "./valid_feature_groups.ts";
export {
  formatFrameCsv,
  parseFrameCsv,
  readFrameCsv,
  writeFrameCsv,
} from "./frame_csv.ts";
export { frameLevel } from "./frame_level.ts";
export { machineSpecOf, specFromNodeInfo } from "./machine_spec_of.ts";
export { concatNodeFrames } from "./concat.ts";
export { unitPower } from "./unit_power.ts";
export { featureOf, powerOf, rowsByInstance } from "./frame.ts";
export type {
  MetricSeries,
  QueryData,
  ReadQueryOptions,
} from "./read_query.ts";
export type { ContainerKey, Frame, FrameLevel } from "./frame.ts";
export type { UnitPower, UnitPowerOptions } from "./unit_power.ts";
export type { FeatureGroupQueryOptions } from "./valid_feature_groups.ts";
export type { MachineSpecFound } from "./machine_spec_of.ts";
export type { FrameCsvOptions, ReadFrameCsvOptions } from "./frame_csv.ts";
export type { ExtractedFiles, ExtractFileOptions } from "./extract_file.ts";
export type { ExtractOptions } from "./extract.ts";
export {
  DEFAULT_MAX_EXCLUDED_FRACTION,
  DEFAULT_MAX_WATTS_PER_NODE,
  DEFAULT_MAX_WATTS_PER_SOCKET,
  defaultMaxPowerWatts,
  EXCLUSION_REASONS,
  formatExclusions,
  ImplausibleDataError,
  STUCK_INTERVALS,
} from "./data_checks.ts";
export type { ExclusionReason, ExclusionReport } from "./data_checks.ts";
export { checkQueryData, formatDataChecks } from "./check_query.ts";
export type { CheckQueryOptions } from "./check_query.ts";
export {
  guestUsage,
  joinVmViews,
  VCPUS_FEATURE,
  VM_NORMALIZATIONS,
  vmNameOfId,
} from "./vm_join.ts";
export type {
  GuestUsage,
  GuestView,
  VmFrame,
  VmJoinOptions,
  VmNormalization,
} from "./vm_join.ts";
