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
import { componentUnit, RAPL_COMPONENTS } from "../types.ts";
import type { Component } from "../types.ts";
import type { Labels } from "../query/format.ts";
import { createRng, randomHex } from "./_rng.ts";
import type { Rng } from "./_rng.ts";
import { SIMULATED_FEATURES, truePower } from "./node_model.ts";
import type {
  ComponentPower,
  NodeModel,
  SimulatedFeature,
} from "./node_model.ts";
import { MIXED_KINDS, STRESS_PROFILES } from "./workload_plan.ts";
import type { UsageProfile, WorkloadPhase } from "./workload_plan.ts";

/** The components with an energy counter (`other` is what is left over). */
const METERED = ["package", "core", "uncore", "dram", "platform"] as const;

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

interface EngineState {
  workRng: Rng;
  noiseRng: Record<Component, Rng>;
  profiles: UsageProfile[]; // per non-stress container (index c - stress)
  wave: Float64Array; // per container: period, amplitude, phase (×3)
  ar: Float64Array; // per container AR(1) state
  carry: Float64Array; // per container × feature
  raw: Float64Array; // per container × feature, scratch
  inc: Float64Array; // per container × feature, integer increments
  phaseLoads: Float64Array[]; // per phase: stress containers × 7
  nodeSlots: NodeSlot[];
  containerSlots: Int32Array; // per container × container component × mode
  containerComponents: ContainerComponent[];
}

type Mode = 0 | 1; // 0 dynamic, 1 idle
type ContainerComponent = Component | "other" | "total";

interface NodeSlot {
  component: Component | "other";
  socket: number; // -1 for node-wide
  mode: Mode;
  slot: number;
}

const F = SIMULATED_FEATURES.length;
const CPU = 0, CYC = 1, INS = 2, MISS = 3, PC = 4, BLK = 5, RX = 6, TX = 7;

const BACKGROUND: readonly (readonly [string, string])[] = [
  ["coredns", "kube-system"],
  ["etcd", "kube-system"],
  ["kube-apiserver", "kube-system"],
  ["kube-controller-manager", "kube-system"],
  ["kube-scheduler", "kube-system"],
  ["kube-proxy", "kube-system"],
  ["kindnet-cni", "kube-system"],
  ["kepler-exporter", "kepler"],
  ["prometheus", "monitoring"],
  ["config-reloader", "monitoring"],
  ["node-exporter", "monitoring"],
  ["kube-state-metrics", "monitoring"],
  ["alertmanager", "monitoring"],
  ["grafana", "monitoring"],
  ["local-path-provisioner", "local-path-storage"],
  ["tekton-pipelines-controller", "tekton-pipelines"],
  ["tekton-pipelines-webhook", "tekton-pipelines"],
  ["nginx", "default"],
  ["redis", "default"],
  ["postgres", "default"],
];

const MODES = ["dynamic", "idle"] as const;

function sortLabels(labels: Labels): Labels {
  const out: Labels = {};
  for (const key of Object.keys(labels).sort()) out[key] = labels[key]!;
  return out;
}

function podName(rng: Rng, base: string): string {
  const alnum = "bcdfghjklmnpqrstvwxz2456789";
  let suffix = "";
  for (let i = 0; i < 5; i++) {
    suffix += alnum[Math.floor(rng.next() * alnum.length)];
  }
  return `${base}-${randomHex(rng, 10)}-${suffix}`;
}

function makeContainers(config: EngineConfig, rng: Rng): SimulatedContainer[] {
  const out: SimulatedContainer[] = [];
  const stressPod = `stressng-${randomHex(rng, 5)}`;
  for (let j = 0; j < config.stressContainers; j++) {
    out.push({
      id: randomHex(rng, 64),
      pod: stressPod,
      name: `stress-ng-${j}`,
      namespace: "default",
      role: "stress",
    });
  }
  for (let b = 0; b < config.containers - config.stressContainers; b++) {
    const known = BACKGROUND[b];
    const name = known ? known[0] : `app-${b - BACKGROUND.length}`;
    const namespace = known ? known[1] : "default";
    out.push({
      id: randomHex(rng, 64),
      pod: podName(rng, name),
      name,
      namespace,
      role: "background",
    });
  }
  for (
    const [name, namespace, role] of [
      ["system_processes", "system", "system"],
      ["kernel_processes", "kernel", "kernel"],
    ] as const
  ) {
    out.push({ id: name, pod: name, name, namespace, role });
  }
  return out;
}

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

function sourceLabel(source: SimulatedSource, naming: KeplerNaming): string {
  return naming === "legacy" && source === "rapl-sysfs" ? "rapl" : source;
}

function usageMetricName(feature: SimulatedFeature, naming: KeplerNaming) {
  return feature === "bpf_cpu_time_ms" && naming === "legacy"
    ? "kepler_container_bpf_cpu_time_us_total"
    : `kepler_container_${feature}_total`;
}

/** Creates the engine of one node, counters at their start values. */
export function createNodeEngine(config: EngineConfig): NodeEngine {
  const { model, naming, sources, nodeIndex, seed } = config;
  const idRng = createRng(seed, `ids:${nodeIndex}`);
  const workRng = createRng(seed, `work:${nodeIndex}`);
  const containers = makeContainers(config, idRng);
  const C = containers.length;
  const S = config.stressContainers;
  const rapl = sources.includes("rapl-sysfs");
  const acpi = sources.includes("acpi");
  const series: SeriesDef[] = [];
  let slots = 0;

  // Usage series: slot = c * F + f.
  slots = C * F;
  for (let c = 0; c < C; c++) {
    const ct = containers[c]!;
    const base: Labels = {
      container_id: ct.id,
      container_name: ct.name,
      container_namespace: ct.namespace,
      pod_name: ct.pod,
    };
    if (naming !== "legacy") base.source = "bpf";
    SIMULATED_FEATURES.forEach((feature, f) => {
      const legacyUs = feature === "bpf_cpu_time_ms" && naming === "legacy";
      const name = usageMetricName(feature, naming);
      series.push({
        name,
        labels: sortLabels(base),
        slot: c * F + f,
        scale: legacyUs ? 1000 : 1,
        type: "counter",
        help: `Aggregated value in ${
          legacyUs ? "bpf_cpu_time_us" : feature
        } value from bpf`,
      });
    });
  }

  // Node energy series.
  const nodeSlots: NodeSlot[] = [];
  const nodeComponents: (Component | "other")[] = [];
  if (rapl) nodeComponents.push(...RAPL_COMPONENTS);
  if (acpi) nodeComponents.push("platform");
  if (rapl && acpi) nodeComponents.push("other");
  for (const component of nodeComponents) {
    const source: SimulatedSource = component === "platform"
      ? "acpi"
      : "rapl-sysfs";
    const perSocket = component !== "other" &&
      componentUnit(component) === "package";
    const sockets = perSocket ? model.spec.chips : 1;
    for (let s = 0; s < sockets; s++) {
      for (const mode of [0, 1] as const) {
        const labels: Labels = { instance: config.instance, mode: MODES[mode] };
        if (perSocket) labels.package = String(s);
        if (component === "other" && naming !== "legacy") {
          labels.package = "socket0";
        }
        if (component !== "other" || naming !== "legacy") {
          labels.source = sourceLabel(source, naming);
        }
        const slot = slots++;
        nodeSlots.push({
          component,
          socket: perSocket ? s : -1,
          mode,
          slot,
        });
        series.push({
          name: `kepler_node_${component}_joules_total`,
          labels: sortLabels(labels),
          slot,
          scale: 1e-3,
          type: "counter",
          help: `Aggregated value in ${component} value from ${
            sourceLabel(source, naming)
          }`,
        });
      }
    }
  }

  // Container energy series.
  const containerComponents: ContainerComponent[] = [];
  if (rapl) containerComponents.push(...RAPL_COMPONENTS);
  if (acpi) containerComponents.push("platform");
  if (rapl && acpi) containerComponents.push("other");
  containerComponents.push("total");
  const K = containerComponents.length;
  const containerSlots = new Int32Array(C * K * 2);
  for (let c = 0; c < C; c++) {
    const ct = containers[c]!;
    for (let k = 0; k < K; k++) {
      const component = containerComponents[k]!;
      for (const mode of [0, 1] as const) {
        const labels: Labels = {
          container_id: ct.id,
          container_name: ct.name,
          container_namespace: ct.namespace,
          mode: MODES[mode],
          pod_name: ct.pod,
        };
        const source = component === "platform" ? "acpi" : "rapl-sysfs";
        if (component !== "total" && naming !== "legacy") {
          labels.source = sourceLabel(source, naming);
        }
        const slot = slots++;
        containerSlots[(c * K + k) * 2 + mode] = slot;
        series.push({
          name: component === "total"
            ? "kepler_container_joules_total"
            : `kepler_container_${component}_joules_total`,
          labels: sortLabels(labels),
          slot,
          scale: 1e-3,
          type: "counter",
          help: component === "total"
            ? "Aggregated value in  value from "
            : `Aggregated value in ${component} value from ${
              sourceLabel(source, naming)
            }`,
        });
      }
    }
  }

  // Info metrics: constants.
  const infoSlot = slots++;
  const buildSlot = slots++;
  const info: Labels = naming === "legacy"
    ? { cpu_architecture: model.cpuArchitecture }
    : {
      components_power_source: rapl ? "rapl-sysfs" : "estimator",
      cpu_architecture: model.cpuArchitecture,
      platform_power_source: acpi ? "acpi" : "none",
      source: "os",
    };
  series.push({
    name: "kepler_node_info",
    labels: sortLabels(info),
    slot: infoSlot,
    scale: 1,
    type: "gauge",
    help: "Aggregated value in  value from os",
  });
  series.push({
    name: "kepler_exporter_build_info",
    labels: sortLabels({
      arch: "amd64",
      branch: "",
      os: "linux",
      revision: "simulated",
      version: naming === "legacy" ? "v0.7.2" : "v0.7.12",
    }),
    slot: buildSlot,
    scale: 1,
    type: "gauge",
    help:
      "A metric with a constant '1' value labeled by version, revision, branch, os and arch from which kepler_exporter was built.",
  });

  const counters = new Float64Array(slots);
  counters[infoSlot] = 1;
  counters[buildSlot] = 1;

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
  if (!(dt > 0)) {
    throw new RangeError(
      `Cannot advance the simulation of ${engine.config.instance}: interval (${a}, ${b}] is empty`,
    );
  }
  const { config, state, counters, containers } = engine;
  const { model } = config;
  const { raw, inc, carry, workRng } = state;
  const C = containers.length;
  const S = config.stressContainers;
  const fmax = model.spec.frequency;
  raw.fill(0);

  // Phase coverage and the average frequency cap.
  const cover = coverage(config, a, b);
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
  const fAvgHz = fSum / dt * 1e6;

  // Stress containers.
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

  // Background and pseudo-containers: base profile × a slow wave × AR(1).
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
    const m = Math.exp(z) * wave;
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

  // The node has `cores` hardware threads: scale CPU-bound counters down.
  let cpuTotal = 0;
  for (let c = 0; c < C; c++) cpuTotal += raw[c * F + CPU]!;
  const cap = model.spec.cores * 1000 * dt;
  if (cpuTotal > cap) {
    const k = cap / cpuTotal;
    for (let c = 0; c < C; c++) {
      for (const f of [CPU, CYC, INS, MISS]) {
        raw[c * F + f] = raw[c * F + f]! * k;
      }
    }
  }

  // Integer increments with carried fractions; node totals.
  const totals = new Float64Array(F);
  for (let i = 0; i < C * F; i++) {
    const v = Math.max(0, raw[i]!) + carry[i]!;
    const n = Math.floor(v);
    carry[i] = v - n;
    inc[i] = n;
    counters[i] = counters[i]! + n;
    totals[i % F] = totals[i % F]! + n;
  }
  const rates = {} as Record<SimulatedFeature, number>;
  SIMULATED_FEATURES.forEach((f, i) => rates[f] = totals[i]! / dt);
  const truth = truePower(model, rates);

  // Measurements per socket, idle/dynamic split, node energy counters.
  const chips = model.spec.chips;
  const sigma = config.noise;
  const measured: ComponentPower = {
    package: 0,
    core: 0,
    uncore: 0,
    dram: 0,
    platform: 0,
  };
  // Node energy increments per component and mode (mJ), summed over sockets.
  const nodeMj: Record<Component | "other", [number, number]> = {
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

  // Container energy: dynamic by a usage ratio, idle evenly.
  const comps = state.containerComponents;
  const K = comps.length;
  const rapl = config.sources.includes("rapl-sysfs");
  const ratioFeature = (component: ContainerComponent): number =>
    component === "dram"
      ? MISS
      : component === "platform" || component === "other"
      ? CPU
      : INS;
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
  // kepler_container_joules_total = package + dram + other (or platform).
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
  return { rates, truth, measured, phase: midPhase };
}
