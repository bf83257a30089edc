/**
 * The query stage: a Prometheus HTTP client on `fetch` (metric names and
 * range queries, chunked past 11,000 points, bounded concurrency, timeouts,
 * retries, auth, TLS options), the query JSON format in upstream's bytes,
 * the time window, the machine spec, per-metric CSVs and validation.
 *
 * @module
 */
export { collectQuery } from "./collect_query.ts";
export { queryMetrics, queryRange } from "./query_range.ts";
export { fetchMetricNames } from "./fetch_metric_names.ts";
export { PrometheusError } from "./prometheus_error.ts";
export { parseServerUrl } from "./request.ts";
export { benchmarkWindow, resolveTimeWindow } from "./time_window.ts";
export { discoverMachineSpec, readMachineSpecFile } from "./machine_spec.ts";
export { readQueryJson, writeQueryJson } from "./query_json.ts";
export { formatValidationSummary, validateQuery } from "./validate.ts";
export { validateQueryFile } from "./validate_query_file.ts";
export { selectMetrics } from "./select_metrics.ts";
export { labelsKey } from "./merge_series.ts";
export { formatUtc, parseUtc } from "./format.ts";
export { SPEC_FROM } from "./choose_machine_spec.ts";
export type {
  BenchmarkWindow,
  Labels,
  PromSeries,
  QueryResult,
  Sample,
} from "./format.ts";
export type { CompactResult, CompactSeries } from "./compact_series.ts";
export type {
  EnergyStatus,
  FeatureGroupStatus,
  ValidateOptions,
  ValidateRow,
  ValidationReport,
  ValidationSummary,
} from "./validate_types.ts";
export type { SelectMetricsOptions } from "./select_metrics.ts";
export type { DiscoverMachineSpecOptions } from "./machine_spec.ts";
export type {
  CollectQueryOptions,
  CollectQueryResult,
} from "./collect_query.ts";
export type {
  MetricsQuery,
  QueryProgress,
  QueryRangeOptions,
  RangeQuery,
  RangeWindow,
} from "./query_range.ts";
export type { ResolveTimeWindowOptions, TimeWindow } from "./time_window.ts";
export type {
  ValidateQueryFileOptions,
  ValidateQueryFileResult,
} from "./validate_query_file.ts";
export type { PrometheusRequestOptions } from "./request.ts";
export type { MachineSpecChoice, SpecFrom } from "./choose_machine_spec.ts";
export { parseByteSize } from "./response_limit.ts";
