/**
 * One simulated node of `simulate()`: its timestamps, where its faults
 * fall, the engine run over every sample, and which samples it emits.
 *
 * @module
 */
import type { Component } from "../types.ts";
import { advanceNode, createNodeEngine, resetCounters } from "./_engine.ts";
import type { KeplerNaming, NodeEngine, SimulatedSource } from "./_engine.ts";
import { createRng } from "./_rng.ts";
import { idlePower, SIMULATED_FEATURES, varyNodeModel } from "./node_model.ts";
import type { NodeModel, SimulatedFeature } from "./node_model.ts";
import { backgroundArrivals } from "./workload_plan.ts";
import type { WorkloadPhase } from "./workload_plan.ts";
import type { FaultEvent, FaultKind, SimulatedNode } from "./simulation.ts";

/** The options of `simulate()` with their defaults, validated. */
export interface SimulateSettings {
  duration: number;
  step: number;
  start: number;
  containers: number;
  stressContainers: number;
  nodes: number;
  seed: number;
  /** Seed of the drawn workload (plan and arrivals), or null: the canonical plan. */
  planSeed: number | null;
  sources: SimulatedSource[];
  noise: number;
  naming: KeplerNaming;
  faults: FaultKind[];
  nodeVariation: number;
  baseModel: NodeModel;
  job: string;
  prefix: string;
  /** Samples per node. */
  n: number;
  plan: WorkloadPhase[];
}

const COMPONENTS = ["package", "core", "uncore", "dram", "platform"] as const;

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

interface FaultPositions {
  /** Sample index of the counter reset, or -1. */
  resetAt: number;
  /** Samples the scrapes missed. */
  missing: Set<number>;
  /** Samples that appear twice. */
  duplicated: Set<number>;
}

/** Where node `i`'s faults fall among its `n` samples. */
function faultPositions(
  settings: SimulateSettings,
  i: number,
): FaultPositions {
  const { faults, n } = settings;
  const faultRng = createRng(settings.seed, `faults:${i}`);
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
  return { resetAt, missing, duplicated };
}

/** What running the engine over every sample records. */
interface EngineRun {
  /** Series-major exposed values: series `s` at `data[s * n + k]`. */
  data: Float64Array;
  power: Record<Component, Float64Array>;
  measured: Record<Component, Float64Array>;
  rates: Record<SimulatedFeature, Float64Array>;
  phase: string[];
}

/** Advances `engine` over every sample, resetting it at `resetAt`. */
function runEngine(
  engine: NodeEngine,
  timestamps: Float64Array,
  step: number,
  resetAt: number,
  onReset: (index: number, time: number) => void,
): EngineRun {
  const n = timestamps.length;
  const S = engine.series.length;
  const data = new Float64Array(S * n);
  const divisors = engine.series.map((s) =>
    s.scale < 1 ? Math.round(1 / s.scale) : 0
  );
  const power = {} as Record<Component, Float64Array>;
  const measured = {} as Record<Component, Float64Array>;
  for (const c of COMPONENTS) {
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
      onReset(k, b);
    }
    const result = advanceNode(engine, a, b);
    for (let s = 0; s < S; s++) {
      const def = engine.series[s]!;
      const v = counters[def.slot]!;
      const d = divisors[s]!;
      data[s * n + k] = d > 0 ? v / d : v * def.scale;
    }
    for (const c of COMPONENTS) {
      power[c][k] = result.truth[c];
      measured[c][k] = result.measured[c];
    }
    for (const f of SIMULATED_FEATURES) rates[f][k] = result.rates[f];
    phase.push(result.phase);
  }
  return { data, power, measured, rates, phase };
}

/** The emitted sample indices, recording gaps and duplicates in `events`. */
function emittedSamples(
  instance: string,
  timestamps: Float64Array,
  positions: FaultPositions,
  events: FaultEvent[],
): Int32Array {
  const emitted: number[] = [];
  for (let k = 0; k < timestamps.length; k++) {
    if (positions.missing.has(k)) {
      events.push({ kind: "gap", instance, index: k, time: timestamps[k]! });
      continue;
    }
    emitted.push(k);
    if (positions.duplicated.has(k)) {
      emitted.push(k);
      events.push({
        kind: "duplicate",
        instance,
        index: k,
        time: timestamps[k]!,
      });
    }
  }
  return Int32Array.from(emitted);
}

/** Simulates node `i`, appending its fault events to `events`. */
export function simulateNode(
  settings: SimulateSettings,
  i: number,
  events: FaultEvent[],
): SimulatedNode {
  const { seed, start, step, n, nodeVariation, baseModel } = settings;
  const instance = `${settings.prefix}${i}`;
  const varRng = createRng(seed, `variation:${i}`);
  const model = varyNodeModel(
    baseModel,
    nodeVariation,
    createRng(seed, `node:${i}`).next,
  );
  const engine = createNodeEngine({
    model,
    instance,
    nodeIndex: i,
    seed,
    containers: settings.containers,
    stressContainers: settings.stressContainers,
    noise: settings.noise,
    sources: settings.sources,
    naming: settings.naming,
    plan: settings.plan,
    planPeriod: Infinity,
    planStart: start,
    uptime: 86400 * (1 + 2 * varRng.next()),
    ...(settings.planSeed === null ? {} : {
      arrivals: backgroundArrivals(start, settings.duration, {
        count: settings.containers - settings.stressContainers,
        seed: settings.planSeed,
        stream: `arrivals:${i}`,
      }),
    }),
  });
  const irregular = settings.faults.includes("irregular");
  const timestamps = nodeTimestamps(start, step, n, irregular, seed, i);
  const positions = faultPositions(settings, i);
  const run = runEngine(
    engine,
    timestamps,
    step,
    positions.resetAt,
    (index, time) => events.push({ kind: "reset", instance, index, time }),
  );
  const { data, rates, power, measured, phase } = run;
  return {
    instance,
    model,
    containers: [...engine.containers],
    timestamps,
    emitted: emittedSamples(instance, timestamps, positions, events),
    series: engine.series.map((def, s) => ({
      name: def.name,
      labels: def.labels,
      type: def.type,
      help: def.help,
      values: data.subarray(s * n, (s + 1) * n),
    })),
    truth: { rates, power, measured, idle: idlePower(model), phase },
  };
}
