/**
 * A synthetic Kepler v0.7 with a known ground truth: node and workload
 * models, the query JSON, OpenMetrics, ground-truth CSV and file writer, and
 * a live exporter.
 *
 * @module
 */
export {
  FAULT_KINDS,
  KEPLER_NAMINGS,
  parseFaultKind,
  parseKeplerNaming,
  parseSimulatedSource,
  simulate,
  SIMULATED_SOURCES,
} from "./simulate.ts";
export { writeSimulation } from "./write_simulation.ts";
export { queryJson, queryJsonBytes, queryResult } from "./query_json.ts";
export { openMetrics, openMetricsBytes } from "./open_metrics.ts";
export { KeplerExporter } from "./exporter.ts";
export {
  DEFAULT_NODE_MODEL,
  SIMULATED_FEATURES,
  truePower,
} from "./node_model.ts";
export { STRESS_KINDS } from "./workload_plan.ts";
export type {
  ContainerRole,
  FaultEvent,
  FaultKind,
  IntervalResult,
  KeplerNaming,
  MetricType,
  NodeTruth,
  SimulatedContainer,
  SimulatedNode,
  SimulatedSeries,
  SimulatedSource,
  SimulateOptions,
  Simulation,
  SimulationMetadata,
} from "./simulate.ts";
export type {
  StressKind,
  WorkloadKind,
  WorkloadPhase,
  WorkloadPlanOptions,
} from "./workload_plan.ts";
export type {
  WriteSimulationOptions,
  WrittenSimulation,
} from "./write_simulation.ts";
export type {
  ComponentPower,
  NodeModel,
  NodeRates,
  SimulatedFeature,
} from "./node_model.ts";
