/**
 * The shapes the simulation engine shares between its files: sources,
 * namings, containers, series, the engine's configuration and state, and
 * the counter layout (usage slot `c * F + f`).
 *
 * @module
 */
import type { Component } from "../types.ts";
import type { Labels } from "../query/format.ts";
import type { Rng } from "./_rng.ts";
import { SIMULATED_FEATURES } from "./node_model.ts";
import type {
  ComponentPower,
  NodeModel,
  SimulatedFeature,
} from "./node_model.ts";
import type { UsageProfile, WorkloadPhase } from "./workload_plan.ts";

/** The components with an energy counter (`other` is what is left over). */
export const METERED = [
  "package",
  "core",
  "uncore",
  "dram",
  "platform",
] as const;

/** Energy sources the simulator can emit. */
export const SIMULATED_SOURCES = ["rapl-sysfs", "acpi"] as const;
/** One simulated energy source. */
export type SimulatedSource = typeof SIMULATED_SOURCES[number];

/** Kepler naming versions: v0.7.12 names, or the older names. */
export const KEPLER_NAMINGS = ["v0.7.12", "legacy"] as const;
/**
 * `v0.7.12`: current names. `legacy`: `bpf_cpu_time_us` (microseconds),
 * `source="rapl"`, no `source` label on container series and a
 * `kepler_node_info` with only `cpu_architecture`, as Kepler ≤ v0.7.2.
 */
export type KeplerNaming = typeof KEPLER_NAMINGS[number];

/** What a container is in the simulation. */
export type ContainerRole = "stress" | "background" | "system" | "kernel";

/** A simulated container and its Kepler labels. */
export interface SimulatedContainer {
  /** `container_id`. */
  id: string;
  /** `pod_name`. */
  pod: string;
  /** `container_name`. */
  name: string;
  /** `container_namespace`. */
  namespace: string;
  /** Its role: a stress-ng worker, a background container or a pseudo-container. */
  role: ContainerRole;
  /**
   * When it starts working, unix seconds, for a background container
   * whose work arrives during the window (absent: from the start).
   */
  arrival?: number;
}

/** Metric type in expositions. */
export type MetricType = "counter" | "gauge";

/** One Kepler series: a metric name, Kepler's own labels and its counter slot. */
export interface SeriesDef {
  /** Metric name, e.g. `kepler_node_package_joules_total`. */
  name: string;
  /** Kepler's own labels (no `__name__`, no scrape labels), sorted by name. */
  labels: Labels;
  /** Slot in the counter array. */
  slot: number;
  /** Multiplier from the slot's unit to the exposed value. */
  scale: number;
  /** Counter or gauge. */
  type: MetricType;
  /** HELP text. */
  help: string;
}

/** Configuration of one node's engine. */
export interface EngineConfig {
  model: NodeModel;
  instance: string;
  nodeIndex: number;
  seed: number;
  containers: number;
  stressContainers: number;
  noise: number;
  sources: readonly SimulatedSource[];
  naming: KeplerNaming;
  plan: readonly WorkloadPhase[];
  /** Period after which the plan repeats (Infinity: it does not). */
  planPeriod: number;
  /** Time the plan's period is counted from. */
  planStart: number;
  /** Uptime of Kepler before the first interval, seconds (initial counter values). */
  uptime?: number;
  /**
   * When each background container starts working (unix seconds, in
   * container order after the stress workers); one arriving after the
   * first interval starts with zero counters and runs nothing before.
   * Default: all work from the start.
   */
  arrivals?: readonly number[];
}

/** What one interval produced (node level). */
export interface IntervalResult {
  /** Per-second usage rates summed over containers. */
  rates: Record<SimulatedFeature, number>;
  /** True power per component (W). */
  truth: ComponentPower;
  /** Measured power per component (W): what Δjoules/Δt shows. */
  measured: ComponentPower;
  /** Name of the phase covering the middle of the interval, or `break`. */
  phase: string;
}

/** The state of one simulated node. */
export interface NodeEngine {
  readonly config: EngineConfig;
  readonly containers: readonly SimulatedContainer[];
  readonly series: readonly SeriesDef[];
  readonly counters: Float64Array;
  /** Slots that hold constants (info metrics) and survive a reset. */
  readonly constantSlots: readonly number[];
  /** Private state. */
  readonly state: EngineState;
}

export interface EngineState {
  workRng: Rng;
  noiseRng: Record<Component, Rng>;
  profiles: UsageProfile[]; // per non-stress container (index c - stress)
  wave: Float64Array; // per container: period, amplitude, phase (×3)
  ar: Float64Array; // per container AR(1) state
  arrival: Float64Array; // per container: when its work starts (-Infinity: always)
  carry: Float64Array; // per container × feature
  raw: Float64Array; // per container × feature, scratch
  inc: Float64Array; // per container × feature, integer increments
  phaseLoads: Float64Array[]; // per phase: stress containers × 7
  nodeSlots: NodeSlot[];
  containerSlots: Int32Array; // per container × container component × mode
  containerComponents: ContainerComponent[];
}

export type Mode = 0 | 1; // 0 dynamic, 1 idle
export type ContainerComponent = Component | "other" | "total";

export interface NodeSlot {
  component: Component | "other";
  socket: number; // -1 for node-wide
  mode: Mode;
  slot: number;
}

/** Features per container: usage slot `c * F + f`. */
export const F = SIMULATED_FEATURES.length;
/** Feature offsets in a container's usage slots. */
export const CPU = 0,
  CYC = 1,
  INS = 2,
  MISS = 3,
  PC = 4,
  BLK = 5,
  RX = 6,
  TX = 7;
