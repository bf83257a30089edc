/**
 * One step of the simulation engine: advances every counter of a node over
 * a sample interval (usage of every container, true and measured power,
 * node and container energy).
 *
 * @module
 */
import type { Component } from "../types.ts";
import type { Rng } from "./_rng.ts";
import { SIMULATED_FEATURES, truePower } from "./node_model.ts";
import type { ComponentPower, SimulatedFeature } from "./node_model.ts";
import {
  BLK,
  CPU,
  CYC,
  F,
  INS,
  METERED,
  MISS,
  PC,
  RX,
  TX,
} from "./_engine_types.ts";
import type {
  ContainerComponent,
  EngineConfig,
  EngineState,
  IntervalResult,
  NodeEngine,
} from "./_engine_types.ts";

/** Time-weighted phase coverage of `(a, b]`: [phase index or -1, seconds]. */
function coverage(
  config: EngineConfig,
  a: number,
  b: number,
): [number, number][] {
  const out: [number, number][] = [];
  const { plan, planPeriod, planStart } = config;
  // Split (a, b] at period boundaries and map each piece into the plan.
  let t = a;
  while (t < b) {
    let offset = 0;
    let end = b;
    if (Number.isFinite(planPeriod)) {
      const cycle = Math.floor((t - planStart) / planPeriod);
      offset = cycle * planPeriod;
      end = Math.min(b, planStart + offset + planPeriod);
    }
    const lo = t - offset, hi = end - offset;
    let covered = 0;
    for (let p = 0; p < plan.length; p++) {
      const phase = plan[p]!;
      const o = Math.min(hi, phase.end) - Math.max(lo, phase.start);
      if (o > 0) {
        out.push([p, o]);
        covered += o;
      }
    }
    if (hi - lo - covered > 1e-9) out.push([-1, hi - lo - covered]);
    if (end <= t) break;
    t = end;
  }
  return out;
}

function clippedNormal(rng: Rng): number {
  const z = rng.normal();
  return z > 4 ? 4 : z < -4 ? -4 : z;
}

/** The average frequency over `(a, b]` (Hz) and the phase covering most of it. */
function phaseOf(
  config: EngineConfig,
  cover: [number, number][],
  dt: number,
): { fAvgHz: number; midPhase: string } {
  const fmax = config.model.spec.frequency;
  let fSum = 0;
  let midPhase = "break";
  let best = 0;
  for (const [p, seconds] of cover) {
    const phase = p >= 0 ? config.plan[p]! : undefined;
    fSum += seconds * (phase ? phase.frequency : fmax);
    if (seconds > best) {
      best = seconds;
      midPhase = phase ? phase.name : "break";
    }
  }
  return { fAvgHz: fSum / dt * 1e6, midPhase };
}

/** Raw usage of the stress containers over the covered phases. */
function stressUsage(engine: NodeEngine, cover: [number, number][]): void {
  const { config, state } = engine;
  const { raw, workRng } = state;
  const S = config.stressContainers;
  for (const [p, seconds] of cover) {
    if (p < 0) continue;
    const load = state.phaseLoads[p]!;
    const fHz = config.plan[p]!.frequency * 1e6;
    for (let j = 0; j < S; j++) {
      const l = j * 7;
      if (load[l] === 0 && load[l + 3] === 0) continue;
      const o = j * F;
      raw[o + CPU] = raw[o + CPU]! + load[l]! * seconds;
      raw[o + CYC] = raw[o + CYC]! + load[l]! / 1000 * fHz * seconds;
      raw[o + INS] = raw[o + INS]! + load[l + 1]! / 1000 * fHz * seconds;
      raw[o + MISS] = raw[o + MISS]! + load[l + 2]! / 1000 * fHz * seconds;
      raw[o + PC] = raw[o + PC]! + load[l + 3]! * seconds;
      raw[o + BLK] = raw[o + BLK]! + load[l + 4]! * seconds;
      raw[o + RX] = raw[o + RX]! + load[l + 5]! * seconds;
      raw[o + TX] = raw[o + TX]! + load[l + 6]! * seconds;
    }
  }
  for (let j = 0; j < S; j++) {
    const o = j * F;
    const jitter = 1 + 0.01 * workRng.normal();
    for (let f = 0; f < F; f++) raw[o + f] = raw[o + f]! * jitter;
  }
}

/** Background and pseudo-containers: base profile × a slow wave × AR(1). */
function backgroundUsage(
  engine: NodeEngine,
  a: number,
  b: number,
  fAvgHz: number,
): void {
  const { state } = engine;
  const { raw, workRng } = state;
  const dt = b - a;
  const C = engine.containers.length;
  const S = engine.config.stressContainers;
  const tMid = (a + b) / 2;
  for (let c = S; c < C; c++) {
    const prof = state.profiles[c - S]!;
    const z = 0.98 * state.ar[c]! + 0.2 * Math.sqrt(1 - 0.98 * 0.98) *
        workRng.normal();
    state.ar[c] = z;
    const wave = 1 + state.wave[c * 3 + 1]! *
        Math.sin(
          2 * Math.PI * tMid / state.wave[c * 3]! + state.wave[c * 3 + 2]!,
        );
    const arrival = state.arrival[c]!;
    const present = arrival <= a ? 1 : arrival >= b ? 0 : (b - arrival) / dt;
    const m = Math.exp(z) * wave * present;
    const cpuMs = prof.cpuMs * m * dt;
    const cycles = cpuMs / 1000 * fAvgHz * (1 + 0.005 * workRng.normal());
    const instr = cycles * prof.ipc * (1 + 0.02 * workRng.normal());
    const o = c * F;
    raw[o + CPU] = cpuMs;
    raw[o + CYC] = cycles;
    raw[o + INS] = instr;
    raw[o + MISS] = instr * prof.mpki / 1000 * (1 + 0.05 * workRng.normal());
    raw[o + PC] = prof.pageCacheHits * m * dt;
    raw[o + BLK] = prof.blockIrq * m * dt;
    raw[o + RX] = prof.netRxIrq * m * dt;
    raw[o + TX] = prof.netTxIrq * m * dt;
  }
}

/**
 * Caps CPU-bound usage at the node's `cores` hardware threads, then adds
 * the integer increments (fractions carried) to the usage counters.
 * Returns the node totals per feature.
 */
function usageIncrements(engine: NodeEngine, dt: number): Float64Array {
  const { state, counters } = engine;
  const { raw, inc, carry } = state;
  const C = engine.containers.length;
  let cpuTotal = 0;
  for (let c = 0; c < C; c++) cpuTotal += raw[c * F + CPU]!;
  const cap = engine.config.model.spec.cores * 1000 * dt;
  if (cpuTotal > cap) {
    const k = cap / cpuTotal;
    for (let c = 0; c < C; c++) {
      for (const f of [CPU, CYC, INS, MISS]) {
        raw[c * F + f] = raw[c * F + f]! * k;
      }
    }
  }
  const totals = new Float64Array(F);
  for (let i = 0; i < C * F; i++) {
    const v = Math.max(0, raw[i]!) + carry[i]!;
    const n = Math.floor(v);
    carry[i] = v - n;
    inc[i] = n;
    counters[i] = counters[i]! + n;
    totals[i % F] = totals[i % F]! + n;
  }
  return totals;
}

/** Node energy increments (mJ) per component and mode (dynamic, idle). */
export type NodeMj = Record<Component | "other", [number, number]>;

/**
 * What {@linkcode nodeEnergy} reads and writes: the node's model and noise,
 * its noise streams, its node energy slots and the counters.
 */
export interface NodeEnergyTarget {
  readonly config: Pick<EngineConfig, "model" | "noise">;
  readonly state: Pick<EngineState, "noiseRng" | "nodeSlots">;
  readonly counters: Float64Array;
}

/**
 * Measurements per socket, the idle/dynamic split and the node energy
 * counters. Returns the measured power and the node energy increments
 * per component and mode (mJ), summed over sockets.
 */
export function nodeEnergy(
  engine: NodeEnergyTarget,
  truth: ComponentPower,
  dt: number,
): { measured: ComponentPower; nodeMj: NodeMj } {
  const { config, state, counters } = engine;
  const { model } = config;
  const chips = model.spec.chips;
  const sigma = config.noise;
  const measured: ComponentPower = {
    package: 0,
    core: 0,
    uncore: 0,
    dram: 0,
    platform: 0,
  };
  const nodeMj: NodeMj = {
    package: [0, 0],
    core: [0, 0],
    uncore: [0, 0],
    dram: [0, 0],
    platform: [0, 0],
    other: [0, 0],
  };
  const socketMj = new Map<string, number>();
  for (const component of METERED) {
    const sockets = component === "platform" ? 1 : chips;
    const rng = state.noiseRng[component];
    for (let s = 0; s < sockets; s++) {
      const sd = sigma / Math.sqrt(sockets);
      const watts = Math.max(
        0,
        truth[component] / sockets + sd * clippedNormal(rng),
      );
      const idleW = model.idle[component] / sockets;
      const totalMj = Math.round(watts * dt * 1000);
      const idleMj = Math.round(Math.min(idleW, watts) * dt * 1000);
      socketMj.set(`${component}:${s}:0`, totalMj - idleMj);
      socketMj.set(`${component}:${s}:1`, idleMj);
      nodeMj[component][0] += totalMj - idleMj;
      nodeMj[component][1] += idleMj;
      measured[component] += totalMj / 1000 / dt;
    }
  }
  for (const mode of [0, 1] as const) {
    nodeMj.other[mode] = Math.max(
      0,
      nodeMj.platform[mode] - nodeMj.package[mode] - nodeMj.dram[mode],
    );
  }
  for (const ns of state.nodeSlots) {
    const add = ns.component === "other"
      ? nodeMj.other[ns.mode]
      : socketMj.get(`${ns.component}:${Math.max(0, ns.socket)}:${ns.mode}`)!;
    counters[ns.slot] = counters[ns.slot]! + add;
  }
  return { measured, nodeMj };
}

/**
 * The usage feature (offset in a container's usage slots) a component's
 * dynamic energy is shared by: cache misses for dram, CPU time for
 * platform and other, instructions otherwise.
 */
export function ratioFeature(component: ContainerComponent): number {
  return component === "dram"
    ? MISS
    : component === "platform" || component === "other"
    ? CPU
    : INS;
}

/** Container energy: dynamic by a usage ratio, idle evenly. */
function containerEnergy(
  engine: NodeEngine,
  totals: Float64Array,
  nodeMj: NodeMj,
): void {
  const { state, counters } = engine;
  const { inc } = state;
  const C = engine.containers.length;
  const comps = state.containerComponents;
  const K = comps.length;
  for (let k = 0; k < K; k++) {
    const component = comps[k]!;
    if (component === "total") continue;
    const f = ratioFeature(component);
    const total = totals[f]!;
    for (const mode of [0, 1] as const) {
      const node = nodeMj[component][mode];
      for (let c = 0; c < C; c++) {
        const share = mode === 1 || total === 0
          ? 1 / C
          : inc[c * F + f]! / total;
        const slot = state.containerSlots[(c * K + k) * 2 + mode]!;
        counters[slot] = counters[slot]! + Math.round(node * share);
      }
    }
  }
}

/** kepler_container_joules_total = package + dram + other (or platform). */
function containerTotals(
  engine: NodeEngine,
  totals: Float64Array,
  nodeMj: NodeMj,
): void {
  const { config, state, counters } = engine;
  const { inc } = state;
  const C = engine.containers.length;
  const comps = state.containerComponents;
  const K = comps.length;
  const rapl = config.sources.includes("rapl-sysfs");
  const kTotal = K - 1;
  const parts = rapl
    ? ["package", "dram", "other"].map((x) =>
      comps.indexOf(x as ContainerComponent)
    ).filter((k) => k >= 0)
    : [comps.indexOf("platform")];
  for (let c = 0; c < C; c++) {
    for (const mode of [0, 1] as const) {
      let sum = 0;
      for (const k of parts) {
        const component = comps[k]!;
        const f = ratioFeature(component);
        const total = totals[f]!;
        const node = nodeMj[component as Component | "other"][mode];
        const share = mode === 1 || total === 0
          ? 1 / C
          : inc[c * F + f]! / total;
        sum += Math.round(node * share);
      }
      const slot = state.containerSlots[(c * K + kTotal) * 2 + mode]!;
      counters[slot] = counters[slot]! + sum;
    }
  }
}

/**
 * Advances the node over the interval `(a, b]` (unix seconds): usage of every
 * container, the true and measured power, and every counter.
 */
export function advanceNode(
  engine: NodeEngine,
  a: number,
  b: number,
): IntervalResult {
  const dt = b - a;
  const { totals, rates, phase } = advanceUsage(engine, a, b);
  const truth = truePower(engine.config.model, rates);
  const { measured, nodeMj } = nodeEnergy(engine, truth, dt);
  containerEnergy(engine, totals, nodeMj);
  containerTotals(engine, totals, nodeMj);
  return { rates, truth, measured, phase };
}

/** What {@linkcode advanceUsage} produced over one interval. */
export interface UsageStep {
  /** Integer increments per feature, summed over containers (slot order). */
  totals: Float64Array;
  /** Per-second rates of the summed increments. */
  rates: Record<SimulatedFeature, number>;
  /** Name of the phase covering most of the interval, or `break`. */
  phase: string;
}

/**
 * Advances only the usage counters of every container over `(a, b]`
 * (unix seconds); the per-container increments are left in
 * `engine.state.inc`. {@linkcode advanceNode} adds the energy.
 */
export function advanceUsage(
  engine: NodeEngine,
  a: number,
  b: number,
): UsageStep {
  const dt = b - a;
  if (!(dt > 0)) {
    throw new RangeError(
      `Cannot advance the simulation of ${engine.config.instance}: interval (${a}, ${b}] is empty`,
    );
  }
  engine.state.raw.fill(0);
  const cover = coverage(engine.config, a, b);
  const { fAvgHz, midPhase } = phaseOf(engine.config, cover, dt);
  stressUsage(engine, cover);
  backgroundUsage(engine, a, b, fAvgHz);
  const totals = usageIncrements(engine, dt);
  const rates = {} as Record<SimulatedFeature, number>;
  SIMULATED_FEATURES.forEach((f, i) => rates[f] = totals[i]! / dt);
  return { totals, rates, phase: midPhase };
}
