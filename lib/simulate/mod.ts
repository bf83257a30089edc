/**
 * A synthetic Kepler v0.7 with a known ground truth: node and workload
 * models, the query JSON, OpenMetrics, ground-truth CSV and file writer, a
 * live exporter, and a host running VMs seen by the host's Kepler and by
 * each guest's (`simulateVmHost`).
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
export type { ExporterDrift } from "./exporter.ts";
export {
  DEFAULT_NODE_MODEL,
  SIMULATED_FEATURES,
  truePower,
} from "./node_model.ts";
export { STRESS_KINDS } from "./workload_plan.ts";
export { simulateVmHost } from "./vm_host.ts";
export { VM_IDLE_SHARES, VM_WORKLOADS } from "./vm_host_types.ts";
export {
  DEFAULT_VMS,
  keplerVmId,
  parseVmSpecs,
  parseVmWorkload,
} from "./vm_spec.ts";
export { VM_TRUTH_COLUMNS, vmTruthCsv } from "./vm_truth_csv.ts";
export { writeVmHostSimulation } from "./write_vm_host.ts";
export type {
  SimulatedVm,
  VmHostMetadata,
  VmHostOptions,
  VmHostSimulation,
  VmIdleShare,
  VmSpec,
  VmTruth,
  VmWorkload,
} from "./vm_host_types.ts";
export type { WrittenVmHostSimulation } from "./write_vm_host.ts";
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
