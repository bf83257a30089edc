/**
 * kepler-model: train, export and serve power models for Kepler from
 * Prometheus metrics. The public API, as named re-exports of `lib/`.
 *
 * @module
 */
export {
  ACCELERATOR_FEATURES,
  ALL_FEATURE_GROUPS,
  BPF_FEATURES,
  COMPONENTS,
  COUNTER_FEATURES,
  CURVE_FIT_TRAINERS,
  ENERGY_SOURCES,
  EXTRACTORS,
  FEATURE_GROUP_FEATURES,
  FEATURE_GROUPS,
  featureGroupFeatures,
  featureMetric,
  IRQ_FEATURES,
  ISOLATORS,
  mainFeature,
  NODE_ATTRIBUTES,
  NODE_INFO_METRIC,
  OUTPUT_TYPES,
  parseEnergySource,
  parseExtractorName,
  parseFeatureGroup,
  parseIsolatorName,
  parseList,
  parseOutputType,
  parseTrainerName,
  powerColumn,
  powerMetric,
  resolveMetricAlias,
  SOURCE_COMPONENTS,
  TRAINERS,
  WEIGHT_SUPPORT_TRAINERS,
} from "./lib/types.ts";
export type {
  Component,
  EnergySource,
  ExtractorName,
  Feature,
  FeatureGroup,
  IsolatorName,
  MachineSpec,
  OutputType,
  TrainerName,
} from "./lib/types.ts";
export type {
  BenchmarkWindow,
  PromSeries,
  QueryResult,
} from "./lib/query/format.ts";
export { formatUtc, parseUtc } from "./lib/query/format.ts";
