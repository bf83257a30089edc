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
import { resolveGrid, resolveSourcesNoise } from "./_resolve_common.ts";
import { parseEnergySource, vocabularyParser } from "../types.ts";
import type { Labels } from "../query/format.ts";
import { KEPLER_NAMINGS, SIMULATED_SOURCES } from "./_engine.ts";
import type {
  ContainerRole,
  IntervalResult,
  KeplerNaming,
  MetricType,
  SimulatedContainer,
  SimulatedSource,
} from "./_engine.ts";
import { simulateNode } from "./_simulate_node.ts";
import type { SimulateSettings } from "./_simulate_node.ts";
import { DEFAULT_NODE_MODEL } from "./node_model.ts";
import type { NodeModel } from "./node_model.ts";
import { workloadPlan } from "./workload_plan.ts";
import type { WorkloadPlanOptions } from "./workload_plan.ts";
import { FAULT_KINDS } from "./simulation.ts";
import type {
  FaultEvent,
  FaultKind,
  NodeTruth,
  SimulatedNode,
  SimulatedSeries,
  Simulation,
  SimulationMetadata,
} from "./simulation.ts";

export { FAULT_KINDS, KEPLER_NAMINGS, SIMULATED_SOURCES };
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
  Simulation,
  SimulationMetadata,
};

/** Options of {@linkcode simulate}. */
export interface SimulateOptions {
  /**
   * Time of the first sample, unix seconds.
   *
   * @default {@linkcode defaultStartTime} (now minus the duration, aligned to the step)
   */
  start?: number;
  /**
   * Seconds of data.
   *
   * @default {3600}
   */
  duration?: number;
  /**
   * Sample period (Kepler's SAMPLE_PERIOD_SEC and the query step), seconds.
   *
   * @default {3}
   */
  step?: number;
  /**
   * Application containers per node, stress-ng workers included; the
   * `system_processes` and `kernel_processes` pseudo-containers come on top.
   *
   * @default {50}
   */
  containers?: number;
  /**
   * Containers (of `containers`) the stress-ng instances run in.
   *
   * @default {undefined} min(4, max(1, ⌊containers / 2⌋))
   */
  stressContainers?: number;
  /**
   * Nodes (Kepler instances) in the dataset.
   *
   * @default {1}
   */
  nodes?: number;
  /**
   * Seed of every random draw: noise, usage, container ids, node
   * variation and (see `planSeed`) the workload plan.
   *
   * @default {1}
   */
  seed?: number;
  /**
   * Seed of the drawn workload: the plan's instance counts, frequency caps,
   * slot lengths and order, and when background containers start working;
   * null runs the canonical plan (every background container from the
   * start). The default seed 1 keeps the canonical plan, so the default
   * output is the one of the simulator's first versions.
   *
   * @default {undefined} the seed, or null when the seed is 1
   */
  planSeed?: number | null;
  /**
   * Energy sources to emit.
   *
   * @default {["rapl-sysfs", "acpi"]}
   */
  sources?: readonly SimulatedSource[];
  /**
   * Measurement noise: standard deviation in watts of each component's
   * measured node power per sample (Gaussian, clipped at ±4σ, split evenly
   * over sockets). A perfect model has MAE ≈ 0.8 × noise.
   *
   * @default {2}
   */
  noise?: number;
  /**
   * Kepler naming version.
   *
   * @default {"v0.7.12"}
   */
  naming?: KeplerNaming;
  /**
   * Faults to inject.
   *
   * @default {undefined} none
   */
  faults?: readonly FaultKind[];
  /**
   * The node model.
   *
   * @default {@linkcode DEFAULT_NODE_MODEL}
   */
  model?: NodeModel;
  /**
   * Node-to-node variation v within the machine type, in [0, 0.3]: every
   * node (node 0 too) draws its power coefficients as nominal ×
   * (1 + U(−v, v)) from the seed (see `varyNodeModel`); the drawn
   * coefficients are each node's `model`.
   *
   * @default {undefined} 0 (every node is the nominal model)
   */
  nodeVariation?: number;
  /**
   * Prometheus `job` label.
   *
   * @default {"kepler-exporter"}
   */
  job?: string;
  /**
   * Node names are `<prefix><index>`.
   *
   * @default {"sim-node-"}
   */
  nodePrefix?: string;
  /**
   * Workload plan options (cores and frequency come from the model).
   *
   * @default {undefined} the workload plan's defaults
   */
  plan?: Omit<WorkloadPlanOptions, "cores" | "maxFrequency" | "seed">;
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
 * @param input The source's name; trimmed, any case.
 * @returns `rapl-sysfs` or `acpi`.
 * @throws {RangeError} when `input` is not an energy source, or one the
 *   simulator does not emit (e.g. `redfish`).
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

/** The default seed; it keeps the canonical workload plan. */
const DEFAULT_SEED = 1;

function check(ok: boolean, message: string): void {
  if (!ok) throw new RangeError(`Cannot simulate: ${message}`);
}

/** The time grid and sizes of `options`, validated. */
function resolveSizes(options: SimulateOptions) {
  const { duration, step, start } = resolveGrid(options, check);
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
  const seed = options.seed ?? DEFAULT_SEED;
  check(Number.isInteger(seed), `seed must be an integer, got ${seed}`);
  const planSeed = options.planSeed === undefined
    ? (seed === DEFAULT_SEED ? null : seed)
    : options.planSeed;
  check(
    planSeed === null || Number.isInteger(planSeed),
    `planSeed must be an integer or null, got ${planSeed}`,
  );
  return {
    duration,
    step,
    start,
    containers,
    stressContainers,
    nodes,
    seed,
    planSeed,
  };
}

/** What the nodes emit and how they vary, validated. */
function resolveEmission(options: SimulateOptions) {
  const { sources, noise } = resolveSourcesNoise(options, check);
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
      nodeVariation <= 0.3,
    `nodeVariation must be a fraction in [0, 0.3], got ${nodeVariation}`,
  );
  return { sources, noise, naming, faults, nodeVariation };
}

/** Every option of `options` with its default, validated. */
function resolveSettings(options: SimulateOptions): SimulateSettings {
  const sizes = resolveSizes(options);
  const emission = resolveEmission(options);
  const baseModel = options.model ?? DEFAULT_NODE_MODEL;
  const plan = workloadPlan(sizes.start, sizes.duration, {
    ...options.plan,
    cores: baseModel.spec.cores,
    maxFrequency: baseModel.spec.frequency,
    ...(sizes.planSeed === null ? {} : { seed: sizes.planSeed }),
  });
  return {
    ...sizes,
    ...emission,
    baseModel,
    job: options.job ?? "kepler-exporter",
    prefix: options.nodePrefix ?? "sim-node-",
    n: Math.floor(sizes.duration / sizes.step + 1e-9),
    plan,
  };
}

/**
 * Runs the simulation. Deterministic: the same options give the same result
 * (the seed is in `metadata`). Invalid options are a `RangeError` naming
 * the option and its value.
 *
 * @param options The window (start, duration, step), the nodes and their
 *   containers, sources, naming, noise, faults, node model and variation,
 *   labels and workload plan; empty simulates one node with 50 containers
 *   over the last hour at a 3 s step.
 * @returns The nodes with their series, containers and ground truth, the
 *   fault events and the metadata (seed, window, sample count).
 * @throws {RangeError} when an option is out of range (e.g. a duration
 *   shorter than two steps or `containers` below 1).
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
  const settings = resolveSettings(options);
  const events: FaultEvent[] = [];
  const simNodes: SimulatedNode[] = [];
  for (let i = 0; i < settings.nodes; i++) {
    simNodes.push(simulateNode(settings, i, events));
  }
  events.sort((x, y) =>
    x.time - y.time || x.instance.localeCompare(y.instance)
  );
  const { seed, start, n, step, duration, nodes, containers } = settings;
  return {
    metadata: {
      generator: "kepler-model simulate",
      seed,
      planSeed: settings.planSeed,
      start,
      end: start + (n - 1) * step,
      step,
      duration,
      samples: n,
      nodes,
      containers,
      stressContainers: settings.stressContainers,
      sources: settings.sources,
      naming: settings.naming,
      noise: settings.noise,
      faults: settings.faults,
      job: settings.job,
      nodeVariation: settings.nodeVariation,
    },
    spec: { ...settings.baseModel.spec },
    plan: settings.plan,
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
