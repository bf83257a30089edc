/**
 * The simulation engine of one node, shared by the batch simulator and the
 * live exporter: the node's containers and Kepler series, and a step
 * function that advances every counter over one sample interval.
 *
 * Counters live in one Float64Array of slots: usage counters in their own
 * unit (integers), energy in integer millijoules as Kepler keeps them. A
 * series maps a slot to its exposed value with a scale (mJ → J, ms → µs).
 *
 * @module
 */
import type { Component } from "../types.ts";
import { createRng } from "./_rng.ts";
import type { Rng } from "./_rng.ts";
import type { UsageProfile, WorkloadPhase } from "./workload_plan.ts";
import { MIXED_KINDS, STRESS_PROFILES } from "./workload_plan.ts";
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
  EngineConfig,
  NodeEngine,
  SimulatedContainer,
} from "./_engine_types.ts";
import { defineSeries, makeContainers } from "./_engine_series.ts";

export { KEPLER_NAMINGS, SIMULATED_SOURCES } from "./_engine_types.ts";
export type {
  ContainerRole,
  EngineConfig,
  IntervalResult,
  KeplerNaming,
  MetricType,
  NodeEngine,
  SeriesDef,
  SimulatedContainer,
  SimulatedSource,
} from "./_engine_types.ts";
export { advanceNode } from "./_advance_node.ts";

function backgroundProfile(rng: Rng): UsageProfile {
  const u = (a: number, b: number) => a + (b - a) * rng.next();
  return {
    cpuMs: Math.exp(u(Math.log(2), Math.log(100))),
    ipc: u(0.6, 1.8),
    mpki: u(0.5, 6),
    pageCacheHits: u(0, 40),
    blockIrq: u(0, 1),
    netRxIrq: u(0, 30),
    netTxIrq: u(0, 20),
  };
}

const SYSTEM_PROFILE: UsageProfile = {
  cpuMs: 80,
  ipc: 1.1,
  mpki: 2,
  pageCacheHits: 150,
  blockIrq: 4,
  netRxIrq: 30,
  netTxIrq: 20,
};
const KERNEL_PROFILE: UsageProfile = {
  cpuMs: 30,
  ipc: 0.7,
  mpki: 3,
  pageCacheHits: 20,
  blockIrq: 60,
  netRxIrq: 400,
  netTxIrq: 250,
};

/** Per stress container: Σ cpuMs, Σ cpuMs·ipc, Σ cpuMs·ipc·mpki/1000, pc, blk, rx, tx. */
function phaseLoad(phase: WorkloadPhase, stress: number): Float64Array {
  const out = new Float64Array(stress * 7);
  if (phase.kind === "idle" || stress === 0) return out;
  for (let i = 0; i < phase.instances; i++) {
    const kind = phase.kind === "mixed"
      ? MIXED_KINDS[i % MIXED_KINDS.length]!
      : phase.kind;
    const prof = STRESS_PROFILES[kind];
    const o = (i % stress) * 7;
    out[o] = out[o]! + prof.cpuMs;
    out[o + 1] = out[o + 1]! + prof.cpuMs * prof.ipc;
    out[o + 2] = out[o + 2]! + prof.cpuMs * prof.ipc * prof.mpki / 1000;
    out[o + 3] = out[o + 3]! + prof.pageCacheHits;
    out[o + 4] = out[o + 4]! + prof.blockIrq;
    out[o + 5] = out[o + 5]! + prof.netRxIrq;
    out[o + 6] = out[o + 6]! + prof.netTxIrq;
  }
  return out;
}

/** Usage profiles and slow waves of the non-stress containers. */
function usageProfiles(
  containers: readonly SimulatedContainer[],
  S: number,
  workRng: Rng,
): { profiles: UsageProfile[]; wave: Float64Array } {
  const C = containers.length;
  const profiles: UsageProfile[] = [];
  const wave = new Float64Array(C * 3);
  for (let c = S; c < C; c++) {
    const role = containers[c]!.role;
    profiles.push(
      role === "system"
        ? SYSTEM_PROFILE
        : role === "kernel"
        ? KERNEL_PROFILE
        : backgroundProfile(workRng),
    );
    wave[c * 3] = 300 + 1500 * workRng.next();
    wave[c * 3 + 1] = role === "background" ? 0.4 * workRng.next() : 0.1;
    wave[c * 3 + 2] = 2 * Math.PI * workRng.next();
  }
  return { profiles, wave };
}

/**
 * Per container, when its work starts (−Infinity: before the window);
 * records the arrival on the containers whose work starts in the window.
 */
function arrivalTimes(
  config: EngineConfig,
  containers: SimulatedContainer[],
): Float64Array {
  const out = new Float64Array(containers.length).fill(-Infinity);
  const arrivals = config.arrivals ?? [];
  const S = config.stressContainers;
  for (let i = 0; i < arrivals.length; i++) {
    const c = S + i;
    const container = containers[c];
    if (container?.role !== "background") {
      throw new RangeError(
        `Cannot simulate ${config.instance}: ${arrivals.length} arrival times for fewer background containers`,
      );
    }
    if (arrivals[i]! > config.planStart) {
      out[c] = arrivals[i]!;
      container.arrival = arrivals[i]!;
    }
  }
  return out;
}

/** Creates the engine of one node, counters at their start values. */
export function createNodeEngine(config: EngineConfig): NodeEngine {
  const { nodeIndex, seed } = config;
  const idRng = createRng(seed, `ids:${nodeIndex}`);
  const workRng = createRng(seed, `work:${nodeIndex}`);
  const containers = makeContainers(config, idRng);
  const C = containers.length;
  const S = config.stressContainers;
  const arrival = arrivalTimes(config, containers);
  const { series, slots, nodeSlots, containerSlots, containerComponents } =
    defineSeries(config, containers);
  const infoSlot = slots - 2;
  const buildSlot = slots - 1;
  const counters = new Float64Array(slots);
  counters[infoSlot] = 1;
  counters[buildSlot] = 1;

  const { profiles, wave } = usageProfiles(containers, S, workRng);
  const noiseRng = {} as Record<Component, Rng>;
  for (const component of METERED) {
    noiseRng[component] = createRng(seed, `noise:${nodeIndex}:${component}`);
  }

  const engine: NodeEngine = {
    config,
    containers,
    series,
    counters,
    constantSlots: [infoSlot, buildSlot],
    state: {
      workRng,
      noiseRng,
      profiles,
      wave,
      ar: new Float64Array(C),
      arrival,
      carry: new Float64Array(C * F),
      raw: new Float64Array(C * F),
      inc: new Float64Array(C * F),
      phaseLoads: config.plan.map((phase) => phaseLoad(phase, S)),
      nodeSlots,
      containerSlots,
      containerComponents,
    },
  };
  initialCounters(engine, config.uptime ?? 0);
  return engine;
}

/** Counter values as if Kepler had been running `uptime` seconds at base load. */
function initialCounters(engine: NodeEngine, uptime: number): void {
  if (uptime <= 0) return;
  const { counters, config, state } = engine;
  const S = config.stressContainers;
  const fHz = config.model.spec.frequency * 1e6;
  for (let c = S; c < engine.containers.length; c++) {
    if (state.arrival[c]! > -Infinity) continue; // a new container
    const p = state.profiles[c - S]!;
    const cpuS = p.cpuMs / 1000 * uptime;
    const o = c * F;
    counters[o + CPU] = Math.floor(p.cpuMs * uptime);
    counters[o + CYC] = Math.floor(cpuS * fHz);
    counters[o + INS] = Math.floor(cpuS * fHz * p.ipc);
    counters[o + MISS] = Math.floor(cpuS * fHz * p.ipc * p.mpki / 1000);
    counters[o + PC] = Math.floor(p.pageCacheHits * uptime);
    counters[o + BLK] = Math.floor(p.blockIrq * uptime);
    counters[o + RX] = Math.floor(p.netRxIrq * uptime);
    counters[o + TX] = Math.floor(p.netTxIrq * uptime);
  }
  const idle = config.model.idle;
  const chips = config.model.spec.chips;
  for (const ns of state.nodeSlots) {
    const idleW = ns.component === "other"
      ? idle.platform - idle.package - idle.dram
      : idle[ns.component] / (ns.socket >= 0 ? chips : 1);
    const watts = ns.mode === 1 ? idleW : idleW * 0.08;
    counters[ns.slot] = Math.round(watts * uptime * 1000);
  }
  const C = engine.containers.length;
  const K = state.containerComponents.length;
  for (let c = 0; c < C; c++) {
    if (state.arrival[c]! > -Infinity) continue; // a new container
    for (let k = 0; k < K; k++) {
      for (const mode of [0, 1]) {
        const watts = mode === 1 ? 2 : c >= S ? 0.1 : 0;
        counters[state.containerSlots[(c * K + k) * 2 + mode]!] = Math.round(
          watts * uptime * 1000,
        );
      }
    }
  }
}

/** Sets every counter but the constants to zero, as a Kepler restart does. */
export function resetCounters(engine: NodeEngine): void {
  const keep = engine.constantSlots.map((s) => engine.counters[s]!);
  engine.counters.fill(0);
  engine.constantSlots.forEach((s, i) => engine.counters[s] = keep[i]!);
}

/** Replaces the workload plan (a new workload class appears). */
export function setEnginePlan(
  engine: NodeEngine,
  plan: readonly WorkloadPhase[],
): void {
  const S = engine.config.stressContainers;
  engine.config.plan = plan;
  engine.state.phaseLoads = plan.map((phase) => phaseLoad(phase, S));
}
