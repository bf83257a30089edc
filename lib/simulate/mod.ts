/**
 * A synthetic Kepler v0.7 with a known ground truth: node and workload
 * models, the query JSON, OpenMetrics, ground-truth CSV and file writer, and
 * a live exporter.
 *
 * @module
 */
export {
  DEFAULT_NODE_MODEL,
  idlePower,
  scaleNodeModel,
  SIMULATED_FEATURES,
  truePower,
  zeroRates,
} from "./node_model.ts";
export type {
  ComponentPower,
  NodeModel,
  NodeRates,
  SimulatedFeature,
} from "./node_model.ts";
export {
  MIXED_KINDS,
  phaseAt,
  STRESS_KINDS,
  STRESS_PROFILES,
  workloadPlan,
} from "./workload_plan.ts";
export type {
  StressKind,
  UsageProfile,
  WorkloadKind,
  WorkloadPhase,
  WorkloadPlanOptions,
} from "./workload_plan.ts";
export {
  defaultStartTime,
  defaultStressContainers,
  FAULT_KINDS,
  KEPLER_NAMINGS,
  metricGroups,
  parseFaultKind,
  parseKeplerNaming,
  parseSimulatedSource,
  scrapedLabels,
  simulate,
  SIMULATED_SOURCES,
} from "./simulate.ts";
export type {
  ContainerRole,
  DefaultStartOptions,
  FaultEvent,
  FaultKind,
  IntervalResult,
  KeplerNaming,
  MetricType,
  NodeTruth,
  ScrapedLabelsOptions,
  SimulatedContainer,
  SimulatedNode,
  SimulatedSeries,
  SimulatedSource,
  SimulateOptions,
  Simulation,
  SimulationMetadata,
} from "./simulate.ts";
export { queryJson, queryJsonBytes, queryResult } from "./query_json.ts";
export {
  formatLabels,
  openMetrics,
  openMetricsBytes,
  openMetricsChunks,
} from "./open_metrics.ts";
export { TRUTH_COLUMNS, truthCsv } from "./truth_csv.ts";
export { writeSimulation } from "./write_simulation.ts";
export type {
  WriteSimulationOptions,
  WrittenSimulation,
} from "./write_simulation.ts";
export { formatExposition, KeplerExporter } from "./exporter.ts";
export type { KeplerExporterOptions } from "./exporter.ts";
