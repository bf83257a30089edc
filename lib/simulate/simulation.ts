/**
 * The vocabulary of a simulation: its faults, metadata, nodes, series and
 * ground truth, as `simulate()` returns them and the writers read them.
 *
 * @module
 */
import type { Component, MachineSpec } from "../types.ts";
import type { Labels } from "../query/format.ts";
import type {
  KeplerNaming,
  MetricType,
  SimulatedContainer,
  SimulatedSource,
} from "./_engine.ts";
import type {
  ComponentPower,
  NodeModel,
  SimulatedFeature,
} from "./node_model.ts";
import type { WorkloadPhase } from "./workload_plan.ts";

/** Faults the simulator can inject. */
export const FAULT_KINDS = ["reset", "gap", "irregular", "duplicate"] as const;
/**
 * `reset`: Kepler restarts once per node (every counter restarts from 0);
 * `gap`: missed scrapes (a run of samples and a single one are absent);
 * `irregular`: sample times jitter by up to ±30 % of the step;
 * `duplicate`: a few samples appear twice (same time, same value) in the
 * query JSON.
 */
export type FaultKind = typeof FAULT_KINDS[number];

/** An injected fault at one sample of one node. */
export interface FaultEvent {
  /** What happened (`irregular` is not listed per sample). */
  kind: Exclude<FaultKind, "irregular">;
  /** The node's instance name. */
  instance: string;
  /** Sample index in the node's `timestamps`. */
  index: number;
  /** Unix time of that sample. */
  time: number;
}

/** Metadata of a simulation: every option that shaped it. */
export interface SimulationMetadata {
  /** Always `"kepler-model simulate"`. */
  generator: "kepler-model simulate";
  /** The seed. */
  seed: number;
  /**
   * The seed the workload plan and the background containers' arrivals
   * were drawn from, or null: the canonical plan (the default seed 1).
   */
  planSeed: number | null;
  /** First sample time (unix seconds). */
  start: number;
  /** Last sample time on the regular grid (unix seconds). */
  end: number;
  /** Sample period, seconds. */
  step: number;
  /** Requested duration, seconds. */
  duration: number;
  /** Samples per node (before gaps and duplicates). */
  samples: number;
  /** Number of nodes. */
  nodes: number;
  /** Application containers per node. */
  containers: number;
  /** Stress-ng worker containers per node. */
  stressContainers: number;
  /** Energy sources emitted. */
  sources: SimulatedSource[];
  /** Kepler naming version. */
  naming: KeplerNaming;
  /** Noise standard deviation, W. */
  noise: number;
  /** Injected fault kinds. */
  faults: FaultKind[];
  /** Prometheus job label. */
  job: string;
  /**
   * Node-to-node variation v: each node's coefficients are nominal ×
   * (1 + U(−v, v)), drawn from the seed (see `SimulatedNode.model`).
   */
  nodeVariation: number;
}

/** One series of a node with its value at every simulated sample. */
export interface SimulatedSeries {
  /** Metric name. */
  name: string;
  /** Kepler's own labels, sorted (scrape labels are added by the writers). */
  labels: Labels;
  /** Counter or gauge. */
  type: MetricType;
  /** HELP text. */
  help: string;
  /** Exposed value at each sample index (same length as `timestamps`). */
  values: Float64Array;
}

/** The ground truth of a node, one entry per sample index. */
export interface NodeTruth {
  /**
   * Per-second usage rates over the interval ending at each sample, summed
   * over containers (exactly Σ Δcounter / Δt of the container series).
   */
  rates: Record<SimulatedFeature, Float64Array>;
  /** True power per component over the interval ending at each sample (W). */
  power: Record<Component, Float64Array>;
  /** Measured power (truth + noise): Σ Δjoules / Δt over sockets and modes. */
  measured: Record<Component, Float64Array>;
  /** True idle power per component (W). */
  idle: ComponentPower;
  /** The phase covering most of the interval, or `break`. */
  phase: string[];
}

/** One simulated node (one Kepler instance). */
export interface SimulatedNode {
  /** Node name: Kepler's `instance` label and the scrape `instance`. */
  instance: string;
  /** Its model: the nominal one, or drawn around it by `nodeVariation`. */
  model: NodeModel;
  /** Its containers, stress workers first, pseudo-containers last. */
  containers: SimulatedContainer[];
  /** Sample times (unix seconds), one per simulated sample. */
  timestamps: Float64Array;
  /**
   * Indices of the samples the outputs contain, in order: missed scrapes are
   * absent and duplicated samples repeated.
   */
  emitted: Int32Array;
  /** Every series with its values. */
  series: SimulatedSeries[];
  /** The ground truth. */
  truth: NodeTruth;
}

/** A simulation: metadata, machine spec, workload plan, nodes, faults. */
export interface Simulation {
  /** Options and derived sizes. */
  metadata: SimulationMetadata;
  /** The machine spec of the node type. */
  spec: MachineSpec;
  /** The workload plan (phases with start/end). */
  plan: WorkloadPhase[];
  /** The nodes. */
  nodes: SimulatedNode[];
  /** Injected faults. */
  events: FaultEvent[];
}
