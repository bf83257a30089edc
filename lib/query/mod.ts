/**
 * The query stage: a Prometheus HTTP client on `fetch` (metric names and
 * range queries, chunked past 11,000 points, bounded concurrency, timeouts,
 * retries, auth, TLS options), the query JSON format in upstream's bytes,
 * the time window, the machine spec, per-metric CSVs and validation.
 *
 * @module
 */
export { formatUtc, parseUtc } from "./format.ts";
export type {
  BenchmarkWindow,
  Labels,
  PromSeries,
  QueryResult,
  Sample,
} from "./format.ts";
export { PrometheusError } from "./prometheus_error.ts";
export type { PrometheusErrorOptions } from "./prometheus_error.ts";
export { parseServerUrl } from "./request.ts";
export type { PrometheusRequestOptions } from "./request.ts";
export { defaultResponseLimit, parseByteSize } from "./response_limit.ts";
export { parseRetryAfter } from "./retry_after.ts";
export { checkMatrix } from "./check_matrix.ts";
export { fetchMetricNames } from "./fetch_metric_names.ts";
export { queryMetrics, queryRange } from "./query_range.ts";
export type {
  MetricsQuery,
  QueryProgress,
  QueryRangeOptions,
  RangeQuery,
  RangeWindow,
} from "./query_range.ts";
export {
  MAX_POINTS_PER_SERIES,
  rangePoints,
  splitRange,
} from "./split_range.ts";
export type { RangeChunk, SplitRangeOptions } from "./split_range.ts";
export { compareLabels, labelsKey, mergeSeries } from "./merge_series.ts";
export { selectMetrics } from "./select_metrics.ts";
export type { SelectMetricsOptions } from "./select_metrics.ts";
export {
  benchmarkWindow,
  parseBenchmarkWindow,
  resolveTimeWindow,
} from "./time_window.ts";
export type { ResolveTimeWindowOptions, TimeWindow } from "./time_window.ts";
export { chooseMachineSpec, SPEC_FROM } from "./choose_machine_spec.ts";
export type {
  ChooseMachineSpecOptions,
  MachineSpecChoice,
  SpecFrom,
} from "./choose_machine_spec.ts";
export {
  discoverMachineSpec,
  inspectMachine,
  machineSpecFromQuery,
  machineSpecFromSeries,
  normalizeProcessorName,
  parseCpuinfo,
  readMachineSpecFile,
  roundFrequency,
  writeMachineSpec,
} from "./machine_spec.ts";
export type {
  CpuInfo,
  DiscoverMachineSpecOptions,
  MachineInspection,
  MachineSpecDocument,
  SpecSeries,
} from "./machine_spec.ts";
export { formatPythonJson } from "./python_json.ts";
export {
  formatQueryJson,
  queryJsonPieces,
  readQueryJson,
  writeQueryJson,
} from "./query_json.ts";
export { queryCsvTable, writeQueryCsvs } from "./query_csv.ts";
export type { QueryCsvTable } from "./query_csv.ts";
export {
  formatValidationSummary,
  VALIDATE_COLUMNS,
  validateQuery,
  validateTableCells,
} from "./validate.ts";
export type {
  EnergyStatus,
  FeatureGroupStatus,
  ValidateOptions,
  ValidateRow,
  ValidationReport,
  ValidationSummary,
} from "./validate.ts";
export { collectQuery } from "./collect_query.ts";
export type {
  CollectQueryOptions,
  CollectQueryResult,
} from "./collect_query.ts";
export { validateQueryFile } from "./validate_query_file.ts";
export type {
  ValidateQueryFileOptions,
  ValidateQueryFileResult,
} from "./validate_query_file.ts";
