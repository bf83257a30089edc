/**
 * `simulate()`: a synthetic Kepler v0.7 with a known ground truth. It runs
 * the workload plan on one or more simulated nodes and records, at every
 * sample, each Kepler counter (node energy per socket and mode, container
 * usage and energy, node info) plus the true and measured power per
 * component. The writers (`queryJson`, `openMetrics`, `truthCsv`,
 * `writeSimulation`) turn the result into files.
 *
 * Simplifications, on purpose: every container lives through the whole
 * simulation; usage is split evenly over sockets; `bpf_page_cache_hit`
 * counts events (Kepler divides them by 10⁶, so real values are mostly 0);
 * container energy is attributed as Kepler's ratio model does (dynamic by
 * instructions, dram by cache misses, platform and other by CPU time; idle
 * evenly); Kepler's idle counter gets min(true idle, measured) and the
 * dynamic counter the rest, so both stay monotonic.
 *
 * @module
 */
import { parseEnergySource, vocabularyParser } from "../types.ts";
import type { Component, MachineSpec } from "../types.ts";
import type { Labels } from "../query/format.ts";
import {
  advanceNode,
  createNodeEngine,
  KEPLER_NAMINGS,
  resetCounters,
  SIMULATED_SOURCES,
} from "./_engine.ts";
import type {
  ContainerRole,
  IntervalResult,
  KeplerNaming,
  MetricType,
  SimulatedContainer,
  SimulatedSource,
} from "./_engine.ts";
import { createRng } from "./_rng.ts";
import {
  DEFAULT_NODE_MODEL,
  idlePower,
  scaleNodeModel,
  SIMULATED_FEATURES,
} from "./node_model.ts";
import type {
  ComponentPower,
  NodeModel,
  SimulatedFeature,
} from "./node_model.ts";
import { workloadPlan } from "./workload_plan.ts";
import type { WorkloadPhase, WorkloadPlanOptions } from "./workload_plan.ts";

export { KEPLER_NAMINGS, SIMULATED_SOURCES };
export type {
  ContainerRole,
  IntervalResult,
  KeplerNaming,
  MetricType,
  SimulatedContainer,
  SimulatedSource,
};

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

/** Options of {@linkcode simulate}. */
export interface SimulateOptions {
  /**
   * Time of the first sample, unix seconds. Default:
   * {@linkcode defaultStartTime} (now minus the duration, aligned to the step).
   */
  start?: number;
  /** Seconds of data. Default: 3600. */
  duration?: number;
  /** Sample period (Kepler's SAMPLE_PERIOD_SEC and the query step), seconds. Default: 3. */
  step?: number;
  /**
   * Application containers per node, stress-ng workers included; the
   * `system_processes` and `kernel_processes` pseudo-containers come on top.
   * Default: 50.
   */
  containers?: number;
  /**
   * Containers (of `containers`) the stress-ng instances run in.
   * Default: min(4, max(1, ⌊containers / 2⌋)).
   */
  stressContainers?: number;
  /** Nodes (Kepler instances) in the dataset. Default: 1. */
  nodes?: number;
  /** Seed of every random draw. Default: 1. */
  seed?: number;
  /** Energy sources to emit. Default: `["rapl-sysfs", "acpi"]`. */
  sources?: readonly SimulatedSource[];
  /**
   * Measurement noise: standard deviation in watts of each component's
   * measured node power per sample (Gaussian, clipped at ±4σ, split evenly
   * over sockets). A perfect model has MAE ≈ 0.8 × noise. Default: 2.
   */
  noise?: number;
  /** Kepler naming version. Default: `"v0.7.12"`. */
  naming?: KeplerNaming;
  /** Faults to inject. Default: none. */
  faults?: readonly FaultKind[];
  /** The node model. Default: {@linkcode DEFAULT_NODE_MODEL}. */
  model?: NodeModel;
  /**
   * Relative standard deviation of per-node scaling of idle power and
   * coefficients (node 0 is never scaled). Default: 0 (identical nodes).
   */
  nodeVariation?: number;
  /** Prometheus `job` label. Default: `"kepler-exporter"`. */
  job?: string;
  /** Node names are `<prefix><index>`. Default: `"sim-node-"`. */
  nodePrefix?: string;
  /** Workload plan options (cores and frequency come from the model). Default: `{}`. */
  plan?: Omit<WorkloadPlanOptions, "cores" | "maxFrequency">;
}

/** Metadata of a simulation: every option that shaped it. */
export interface SimulationMetadata {
  /** Always `"kepler-model simulate"`. */
  generator: "kepler-model simulate";
  /** The seed. */
  seed: number;
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
  /** Per-node variation. */
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
  /** Its model (possibly scaled by `nodeVariation`). */
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

/** Options of {@linkcode defaultStartTime}. */
export interface DefaultStartOptions {
  /** Step to align to, seconds. Default: 3. */
  step?: number;
  /** Current time, unix seconds. Default: `Date.now() / 1000`. */
  now?: number;
}

/**
 * The default start: `now − duration`, rounded down to a multiple of the
 * step, so the last sample is at or before now.
 *
 * @example
 * ```ts
 * import { defaultStartTime } from "./simulate.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(defaultStartTime(3600, { now: 1_700_003_601 }), 1_700_000_001);
 * assertEquals(defaultStartTime(60, { step: 5, now: 1_000_062 }), 1_000_000);
 * ```
 */
export function defaultStartTime(
  duration: number,
  options: DefaultStartOptions = {},
): number {
  const step = options.step ?? 3;
  const now = options.now ?? Date.now() / 1000;
  return Math.floor((now - duration) / step) * step;
}

/**
 * The default number of stress-ng worker containers for `containers`
 * application containers: min(4, max(1, ⌊containers / 2⌋)).
 *
 * @example
 * ```ts
 * import { defaultStressContainers } from "./simulate.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals([1, 3, 50].map(defaultStressContainers), [1, 1, 4]);
 * ```
 */
export function defaultStressContainers(containers: number): number {
  return Math.min(4, Math.max(1, Math.floor(containers / 2)));
}

/**
 * Parses an energy source the simulator can emit (`rapl-sysfs`, also as
 * `rapl` or `intel_rapl`, or `acpi`); others are a `RangeError`.
 *
 * @example
 * ```ts
 * import { parseSimulatedSource } from "./simulate.ts";
 * import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
 * assertEquals(parseSimulatedSource("rapl"), "rapl-sysfs");
 * assertThrows(() => parseSimulatedSource("redfish"), RangeError);
 * ```
 */
export function parseSimulatedSource(input: string): SimulatedSource {
  const source = parseEnergySource(input);
  if (!(SIMULATED_SOURCES as readonly string[]).includes(source)) {
    throw new RangeError(
      `Cannot simulate energy source "${input}": valid sources are ${
        SIMULATED_SOURCES.join(", ")
      }`,
    );
  }
  return source as SimulatedSource;
}

/**
 * Parses a Kepler naming version (`v0.7.12` or `legacy`).
 *
 * @example
 * ```ts
 * import { parseKeplerNaming } from "./simulate.ts";
 * import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
 * assertEquals(parseKeplerNaming("legacy"), "legacy");
 * assertThrows(() => parseKeplerNaming("v0.9"), RangeError);
 * ```
 */
export const parseKeplerNaming: (input: string) => KeplerNaming =
  vocabularyParser("Kepler naming", KEPLER_NAMINGS);

/**
 * Parses a fault kind (`reset`, `gap`, `irregular`, `duplicate`).
 *
 * @example
 * ```ts
 * import { parseFaultKind } from "./simulate.ts";
 * import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
 * assertEquals(parseFaultKind(" gap"), "gap");
 * assertThrows(() => parseFaultKind("fire"), RangeError);
 * ```
 */
export const parseFaultKind: (input: string) => FaultKind = vocabularyParser(
  "fault",
  FAULT_KINDS,
);

function check(ok: boolean, message: string): void {
  if (!ok) throw new RangeError(`Cannot simulate: ${message}`);
}

function nodeTimestamps(
  start: number,
  step: number,
  n: number,
  irregular: boolean,
  seed: number,
  node: number,
): Float64Array {
  const t = new Float64Array(n);
  const rng = createRng(seed, `jitter:${node}`);
  for (let k = 0; k < n; k++) {
    const jitter = irregular && k > 0 && k < n - 1
      ? (rng.next() * 0.6 - 0.3) * step
      : 0;
    t[k] = Math.round((start + k * step + jitter) * 1000) / 1000;
  }
  return t;
}

/**
 * Runs the simulation. Deterministic: the same options give the same result
 * (the seed is in `metadata`). Invalid options are a `RangeError` naming
 * the option and its value.
 *
 * @example
 * ```ts
 * import { simulate } from "./simulate.ts";
 * import { ok as assert, deepStrictEqual as assertEquals } from "node:assert/strict";
 * const sim = simulate({ start: 1_700_000_000, duration: 60, containers: 3 });
 * assertEquals(sim.metadata.samples, 20);
 * const node = sim.nodes[0]!;
 * assertEquals(node.containers.length, 3 + 2);
 * const pkg = node.series.filter((s) => s.name === "kepler_node_package_joules_total");
 * assertEquals(pkg.length, 2 * 2); // 2 sockets × 2 modes
 * assert(node.truth.power.package.every((w) => w >= 36));
 * ```
 */
export function simulate(options: SimulateOptions = {}): Simulation {
  const duration = options.duration ?? 3600;
  const step = options.step ?? 3;
  check(
    Number.isFinite(step) && step > 0,
    `step must be a number of seconds > 0, got ${step}`,
  );
  check(
    Number.isFinite(duration) && duration >= 2 * step,
    `duration must be at least two steps (${2 * step} s), got ${duration}`,
  );
  const start = options.start ?? defaultStartTime(duration, { step });
  check(
    Number.isFinite(start) && start >= 0,
    `start must be a unix time in seconds, got ${start}`,
  );
  const containers = options.containers ?? 50;
  check(
    Number.isInteger(containers) && containers >= 1,
    `containers must be an integer ≥ 1, got ${containers}`,
  );
  const stressContainers = options.stressContainers ??
    defaultStressContainers(containers);
  check(
    Number.isInteger(stressContainers) && stressContainers >= 0 &&
      stressContainers <= containers,
    `stressContainers must be an integer in [0, ${containers}], got ${stressContainers}`,
  );
  const nodes = options.nodes ?? 1;
  check(
    Number.isInteger(nodes) && nodes >= 1,
    `nodes must be an integer ≥ 1, got ${nodes}`,
  );
  const seed = options.seed ?? 1;
  check(Number.isInteger(seed), `seed must be an integer, got ${seed}`);
  const sources = [...new Set(options.sources ?? SIMULATED_SOURCES)];
  check(
    sources.length > 0 &&
      sources.every((s) =>
        (SIMULATED_SOURCES as readonly string[]).includes(s)
      ),
    `sources must be a non-empty list of ${
      SIMULATED_SOURCES.join(", ")
    }, got [${sources.join(", ")}]`,
  );
  const noise = options.noise ?? 2;
  check(
    Number.isFinite(noise) && noise >= 0,
    `noise must be a number of watts ≥ 0, got ${noise}`,
  );
  const naming = options.naming ?? "v0.7.12";
  check(
    (KEPLER_NAMINGS as readonly string[]).includes(naming),
    `naming must be one of ${KEPLER_NAMINGS.join(", ")}, got ${naming}`,
  );
  const faults = [...new Set(options.faults ?? [])];
  for (const fault of faults) {
    check(
      (FAULT_KINDS as readonly string[]).includes(fault),
      `unknown fault "${fault}"; valid faults are ${FAULT_KINDS.join(", ")}`,
    );
  }
  const nodeVariation = options.nodeVariation ?? 0;
  check(
    Number.isFinite(nodeVariation) && nodeVariation >= 0 &&
      nodeVariation < 0.3,
    `nodeVariation must be in [0, 0.3), got ${nodeVariation}`,
  );
  const baseModel = options.model ?? DEFAULT_NODE_MODEL;
  const job = options.job ?? "kepler-exporter";
  const prefix = options.nodePrefix ?? "sim-node-";
  const n = Math.floor(duration / step + 1e-9);
  const plan = workloadPlan(start, duration, {
    ...options.plan,
    cores: baseModel.spec.cores,
    maxFrequency: baseModel.spec.frequency,
  });

  const events: FaultEvent[] = [];
  const simNodes: SimulatedNode[] = [];
  for (let i = 0; i < nodes; i++) {
    const instance = `${prefix}${i}`;
    const varRng = createRng(seed, `variation:${i}`);
    const model = i > 0 && nodeVariation > 0
      ? scaleNodeModel(baseModel, Math.exp(nodeVariation * varRng.normal()))
      : baseModel;
    const engine = createNodeEngine({
      model,
      instance,
      nodeIndex: i,
      seed,
      containers,
      stressContainers,
      noise,
      sources,
      naming,
      plan,
      planPeriod: Infinity,
      planStart: start,
      uptime: 86400 * (1 + 2 * varRng.next()),
    });
    const timestamps = nodeTimestamps(
      start,
      step,
      n,
      faults.includes("irregular"),
      seed,
      i,
    );

    // Fault positions.
    const faultRng = createRng(seed, `faults:${i}`);
    const pick = (lo: number, hi: number) =>
      Math.min(n - 1, Math.floor(n * (lo + (hi - lo) * faultRng.next())));
    const resetAt = faults.includes("reset") && n >= 4
      ? Math.max(1, pick(0.55, 0.65))
      : -1;
    const missing = new Set<number>();
    if (faults.includes("gap") && n >= 6) {
      const len = Math.max(1, Math.min(5, Math.floor(n / 20)));
      const from = Math.max(1, pick(0.3, 0.35));
      for (let k = from; k < Math.min(n - 1, from + len); k++) missing.add(k);
      const single = pick(0.78, 0.82);
      if (single > 0 && single < n - 1) missing.add(single);
    }
    const duplicated = new Set<number>();
    if (faults.includes("duplicate")) {
      for (const at of [0.2, 0.5, 0.9]) {
        const k = Math.min(n - 1, Math.floor(n * at));
        if (!missing.has(k)) duplicated.add(k);
      }
    }

    // Run.
    const S = engine.series.length;
    const data = new Float64Array(S * n);
    const divisors = engine.series.map((s) =>
      s.scale < 1 ? Math.round(1 / s.scale) : 0
    );
    const power = {} as Record<Component, Float64Array>;
    const measured = {} as Record<Component, Float64Array>;
    for (
      const c of ["package", "core", "uncore", "dram", "platform"] as const
    ) {
      power[c] = new Float64Array(n);
      measured[c] = new Float64Array(n);
    }
    const rates = {} as Record<SimulatedFeature, Float64Array>;
    for (const f of SIMULATED_FEATURES) rates[f] = new Float64Array(n);
    const phase: string[] = [];
    const counters = engine.counters;
    for (let k = 0; k < n; k++) {
      const b = timestamps[k]!;
      const a = k === 0 ? b - step : timestamps[k - 1]!;
      if (k === resetAt) {
        resetCounters(engine);
        events.push({ kind: "reset", instance, index: k, time: b });
      }
      const result = advanceNode(engine, a, b);
      for (let s = 0; s < S; s++) {
        const def = engine.series[s]!;
        const v = counters[def.slot]!;
        const d = divisors[s]!;
        data[s * n + k] = d > 0 ? v / d : v * def.scale;
      }
      for (
        const c of ["package", "core", "uncore", "dram", "platform"] as const
      ) {
        power[c][k] = result.truth[c];
        measured[c][k] = result.measured[c];
      }
      for (const f of SIMULATED_FEATURES) rates[f][k] = result.rates[f];
      phase.push(result.phase);
    }
    const emitted: number[] = [];
    for (let k = 0; k < n; k++) {
      if (missing.has(k)) {
        events.push({ kind: "gap", instance, index: k, time: timestamps[k]! });
        continue;
      }
      emitted.push(k);
      if (duplicated.has(k)) {
        emitted.push(k);
        events.push({
          kind: "duplicate",
          instance,
          index: k,
          time: timestamps[k]!,
        });
      }
    }
    simNodes.push({
      instance,
      model,
      containers: [...engine.containers],
      timestamps,
      emitted: Int32Array.from(emitted),
      series: engine.series.map((def, s) => ({
        name: def.name,
        labels: def.labels,
        type: def.type,
        help: def.help,
        values: data.subarray(s * n, (s + 1) * n),
      })),
      truth: { rates, power, measured, idle: idlePower(model), phase },
    });
  }
  events.sort((x, y) =>
    x.time - y.time || x.instance.localeCompare(y.instance)
  );
  return {
    metadata: {
      generator: "kepler-model simulate",
      seed,
      start,
      end: start + (n - 1) * step,
      step,
      duration,
      samples: n,
      nodes,
      containers,
      stressContainers,
      sources,
      naming,
      noise,
      faults,
      job,
      nodeVariation,
    },
    spec: { ...baseModel.spec },
    plan,
    nodes: simNodes,
    events,
  };
}

/** Options of {@linkcode scrapedLabels}. */
export interface ScrapedLabelsOptions {
  /** Whether to add `__name__` first. Default: true. */
  name?: boolean;
}

/**
 * The labels a Prometheus scrape gives a series: `__name__`, Kepler's labels
 * with its own `instance` renamed `exported_instance` (empty values
 * dropped, as Prometheus does), and the scrape's `instance` (the node name)
 * and `job`; sorted by name.
 *
 * @example
 * ```ts
 * import { scrapedLabels, simulate } from "./simulate.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const sim = simulate({ start: 1_700_000_000, duration: 30, containers: 1 });
 * const node = sim.nodes[0]!;
 * const pkg = node.series.find((s) => s.name === "kepler_node_package_joules_total")!;
 * assertEquals(scrapedLabels(sim, node, pkg), {
 *   __name__: "kepler_node_package_joules_total", exported_instance: "sim-node-0",
 *   instance: "sim-node-0", job: "kepler-exporter", mode: "dynamic", package: "0", source: "rapl-sysfs",
 * });
 * ```
 */
export function scrapedLabels(
  sim: Simulation,
  node: SimulatedNode,
  series: SimulatedSeries,
  options: ScrapedLabelsOptions = {},
): Labels {
  const all: Labels = { instance: node.instance, job: sim.metadata.job };
  for (const [key, value] of Object.entries(series.labels)) {
    if (value === "") continue; // Prometheus stores no empty labels
    all[key === "instance" ? "exported_instance" : key] = value;
  }
  const out: Labels = {};
  if (options.name ?? true) out.__name__ = series.name;
  for (const key of Object.keys(all).sort()) out[key] = all[key]!;
  return out;
}

/**
 * The metric names of a simulation, sorted, each with its series in node
 * order: the order every writer uses.
 *
 * @example
 * ```ts
 * import { metricGroups, simulate } from "./simulate.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const sim = simulate({ start: 1_700_000_000, duration: 30, containers: 1, nodes: 2 });
 * const groups = metricGroups(sim);
 * const info = groups.find((g) => g.name === "kepler_node_info")!;
 * assertEquals(info.series.map(([node]) => node.instance), ["sim-node-0", "sim-node-1"]);
 * ```
 */
export function metricGroups(
  sim: Simulation,
): { name: string; series: [SimulatedNode, SimulatedSeries][] }[] {
  const groups = new Map<string, [SimulatedNode, SimulatedSeries][]>();
  for (const node of sim.nodes) {
    for (const series of node.series) {
      let list = groups.get(series.name);
      if (!list) groups.set(series.name, list = []);
      list.push([node, series]);
    }
  }
  return [...groups.keys()].sort().map((name) => ({
    name,
    series: groups.get(name)!,
  }));
}
