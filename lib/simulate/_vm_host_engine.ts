/**
 * The host side of a VM host simulation: the host Kepler's counters and
 * series (per-VM usage and energy, the VMs' QEMU processes, the
 * `system_processes` pseudo-container they run in, node energy, info) and
 * one step that adds the VMs' usage increments, measures the host's true
 * power and shares its energy among the VMs as Kepler's ratio model does.
 *
 * Counters live in one Float64Array: VM `v`'s usage at `v * F + f`, the
 * pseudo-container's (the sum over VMs) at `V * F + f`, then energy in
 * integer millijoules.
 *
 * @module
 */
import { RAPL_COMPONENTS } from "../types.ts";
import type { Component } from "../types.ts";
import type { Labels } from "../query/format.ts";
import { createRng } from "./_rng.ts";
import type { Rng } from "./_rng.ts";
import { SIMULATED_FEATURES, truePower } from "./node_model.ts";
import type {
  ComponentPower,
  NodeModel,
  SimulatedFeature,
} from "./node_model.ts";
import { F, METERED } from "./_engine_types.ts";
import type {
  ContainerComponent,
  NodeSlot,
  SeriesDef,
  SimulatedSource,
} from "./_engine_types.ts";
import { nodeEnergy, ratioFeature } from "./_advance_node.ts";
import type { NodeMj } from "./_advance_node.ts";
import {
  infoSeries,
  MODES,
  nodeEnergySeries,
  sortLabels,
  sourceLabel,
} from "./_engine_series.ts";

/** Kepler's `command` of a QEMU process (the kernel keeps 15 characters). */
export const QEMU_COMMAND = "qemu-system-x86";

/** The components a VM's energy is split into, `other` included. */
export const VM_ENERGY_COMPONENTS = [...METERED, "other"] as const;
const E = VM_ENERGY_COMPONENTS.length;

/** One VM as the host sees it. */
export interface HostVm {
  /** Kepler's `vm_id`. */
  vmId: string;
  /** Its QEMU process's PID. */
  pid: number;
  /** Its share of the host's idle power. */
  idleShare: number;
}

/** Configuration of the host's engine. */
export interface HostEngineConfig {
  model: NodeModel;
  instance: string;
  seed: number;
  noise: number;
  sources: readonly SimulatedSource[];
  vms: readonly HostVm[];
}

/** The state of the simulated host. */
export interface HostEngine {
  readonly config: HostEngineConfig & { naming: "v0.7.12" };
  readonly series: readonly SeriesDef[];
  readonly counters: Float64Array;
  readonly state: {
    noiseRng: Record<Component, Rng>;
    nodeSlots: NodeSlot[];
  };
  /** The VM energy components the sources give, in series order. */
  readonly comps: readonly ContainerComponent[];
  /** Slot of VM `v`'s component `k` in mode `m`: `(v * K + k) * 2 + m`. */
  readonly vmSlots: Int32Array;
  /** Slot of VM `v`'s process total in mode `m`: `v * 2 + m`. */
  readonly procTotalSlots: Int32Array;
  /** Slot of the pseudo-container's component `k` (K: total) in mode `m`. */
  readonly containerSlots: Int32Array;
  /** Energy of each VM in the last step (mJ): `(v * E + e) * 2 + m`. */
  readonly vmMj: Float64Array;
}

/** What one host step produced. */
export interface HostStep {
  /** The host's per-second usage rates: the sum over VMs. */
  rates: Record<SimulatedFeature, number>;
  /** The host's true power per component (W). */
  truth: ComponentPower;
  /** The host's measured power per component (W). */
  measured: ComponentPower;
}

function energyComponents(
  sources: readonly SimulatedSource[],
): ContainerComponent[] {
  const rapl = sources.includes("rapl-sysfs");
  const acpi = sources.includes("acpi");
  const out: ContainerComponent[] = [];
  if (rapl) out.push(...RAPL_COMPONENTS);
  if (acpi) out.push("platform");
  if (rapl && acpi) out.push("other");
  return out;
}

function energyHelp(component: ContainerComponent): string {
  if (component === "total") return "Aggregated value in  value from ";
  const source = component === "platform" ? "acpi" : "rapl-sysfs";
  return `Aggregated value in ${component} value from ${
    sourceLabel(source, "v0.7.12")
  }`;
}

function energyName(level: string, component: ContainerComponent): string {
  return component === "total"
    ? `kepler_${level}_joules_total`
    : `kepler_${level}_${component}_joules_total`;
}

/** Usage series (every feature) of one entity at `base + f`. */
function usageDefs(
  level: string,
  labels: Labels,
  base: number,
  series: SeriesDef[],
): void {
  SIMULATED_FEATURES.forEach((feature, f) => {
    series.push({
      name: `kepler_${level}_${feature}_total`,
      labels: sortLabels({ ...labels, source: "bpf" }),
      slot: base + f,
      scale: 1,
      type: "counter",
      help: `Aggregated value in ${feature} value from bpf`,
    });
  });
}

/** Energy series of one entity per component and mode, at `slotOf(k, m)`. */
function energyDefs(
  level: string,
  labels: Labels,
  comps: readonly ContainerComponent[],
  slotOf: (k: number, mode: 0 | 1) => number,
  series: SeriesDef[],
): void {
  comps.forEach((component, k) => {
    for (const mode of [0, 1] as const) {
      const all: Labels = { ...labels, mode: MODES[mode] };
      if (component !== "total") {
        all.source = sourceLabel(
          component === "platform" ? "acpi" : "rapl-sysfs",
          "v0.7.12",
        );
      }
      series.push({
        name: energyName(level, component),
        labels: sortLabels(all),
        slot: slotOf(k, mode),
        scale: 1e-3,
        type: "counter",
        help: energyHelp(component),
      });
    }
  });
}

/** The host's engine: every series and its slot, counters at zero. */
export function createHostEngine(config: HostEngineConfig): HostEngine {
  const V = config.vms.length;
  const comps = energyComponents(config.sources);
  const K = comps.length;
  const series: SeriesDef[] = [];
  let slots = (V + 1) * F;
  const vmSlots = Int32Array.from({ length: V * K * 2 }, () => slots++);
  const procTotalSlots = Int32Array.from({ length: V * 2 }, () => slots++);
  const containerSlots = Int32Array.from(
    { length: (K + 1) * 2 },
    () => slots++,
  );
  const withTotal = [...comps, "total" as const];
  config.vms.forEach((vm, v) => {
    const vmLabels = { vm_id: vm.vmId };
    usageDefs("vm", vmLabels, v * F, series);
    energyDefs(
      "vm",
      vmLabels,
      comps,
      (k, m) => vmSlots[(v * K + k) * 2 + m]!,
      series,
    );
  });
  config.vms.forEach((vm, v) => {
    const labels = {
      command: QEMU_COMMAND,
      container_id: "system_processes",
      pid: String(vm.pid),
      vm_id: vm.vmId,
    };
    usageDefs("process", labels, v * F, series);
    energyDefs(
      "process",
      labels,
      withTotal,
      (k, m) =>
        k < K ? vmSlots[(v * K + k) * 2 + m]! : procTotalSlots[v * 2 + m]!,
      series,
    );
  });
  const pseudo = {
    container_id: "system_processes",
    container_name: "system_processes",
    container_namespace: "system",
    pod_name: "system_processes",
  };
  usageDefs("container", pseudo, V * F, series);
  energyDefs(
    "container",
    pseudo,
    withTotal,
    (k, m) => containerSlots[k * 2 + m]!,
    series,
  );
  const full = { ...config, naming: "v0.7.12" as const };
  const node = nodeEnergySeries(full, slots, series);
  slots = infoSeries(full, node.slots, series);
  const counters = new Float64Array(slots);
  counters[slots - 2] = 1;
  counters[slots - 1] = 1;
  const noiseRng = {} as Record<Component, Rng>;
  for (const component of METERED) {
    noiseRng[component] = createRng(config.seed, `vm-host-noise:${component}`);
  }
  return {
    config: full,
    series,
    counters,
    state: { noiseRng, nodeSlots: node.nodeSlots },
    comps,
    vmSlots,
    procTotalSlots,
    containerSlots,
    vmMj: new Float64Array(V * E * 2),
  };
}

/**
 * The share of VM `v` in the feature at offset `f`, from the VMs'
 * increments `inc` (`v * F + f`); evenly when no VM used any.
 */
export function featureShare(
  inc: Float64Array,
  V: number,
  v: number,
  f: number,
): number {
  let total = 0;
  for (let u = 0; u < V; u++) total += inc[u * F + f]!;
  return total === 0 ? 1 / V : inc[v * F + f]! / total;
}

/** Shares the node's energy increments among the VMs into `engine.vmMj`. */
function shareEnergy(engine: HostEngine, inc: Float64Array, nodeMj: NodeMj) {
  const { vms } = engine.config;
  const V = vms.length;
  for (let e = 0; e < E; e++) {
    const component = VM_ENERGY_COMPONENTS[e]!;
    const f = ratioFeature(component);
    for (let v = 0; v < V; v++) {
      const share = featureShare(inc, V, v, f);
      const o = (v * E + e) * 2;
      engine.vmMj[o] = Math.round(nodeMj[component][0] * share);
      engine.vmMj[o + 1] = Math.round(nodeMj[component][1] * vms[v]!.idleShare);
    }
  }
}

/** Adds the shared energy to the VM, process and pseudo-container counters. */
function addEnergy(engine: HostEngine): void {
  const { counters, comps, vmSlots, procTotalSlots, containerSlots, vmMj } =
    engine;
  const V = engine.config.vms.length;
  const K = comps.length;
  const rapl = engine.config.sources.includes("rapl-sysfs");
  const parts = (rapl ? ["package", "dram", "other"] : ["platform"])
    .map((c) => VM_ENERGY_COMPONENTS.indexOf(c as Component | "other"))
    .filter((e) => comps.includes(VM_ENERGY_COMPONENTS[e]!));
  for (let v = 0; v < V; v++) {
    for (const m of [0, 1] as const) {
      for (let k = 0; k < K; k++) {
        const e = VM_ENERGY_COMPONENTS.indexOf(
          comps[k] as Component | "other",
        );
        const mj = vmMj[(v * E + e) * 2 + m]!;
        counters[vmSlots[(v * K + k) * 2 + m]!]! += mj;
        counters[containerSlots[k * 2 + m]!]! += mj;
      }
      let total = 0;
      for (const e of parts) total += vmMj[(v * E + e) * 2 + m]!;
      counters[procTotalSlots[v * 2 + m]!]! += total;
      counters[containerSlots[K * 2 + m]!]! += total;
    }
  }
}

/**
 * Advances the host over an interval of `dt` seconds in which the VMs'
 * usage counters rose by `inc` (`v * F + f`): the usage counters, the
 * host's true and measured power, the node energy and its shares.
 */
export function advanceHost(
  engine: HostEngine,
  inc: Float64Array,
  dt: number,
): HostStep {
  const { counters } = engine;
  const V = engine.config.vms.length;
  const totals = new Float64Array(F);
  for (let i = 0; i < V * F; i++) {
    counters[i]! += inc[i]!;
    counters[V * F + (i % F)]! += inc[i]!;
    totals[i % F]! += inc[i]!;
  }
  const rates = {} as Record<SimulatedFeature, number>;
  SIMULATED_FEATURES.forEach((f, i) => rates[f] = totals[i]! / dt);
  const truth = truePower(engine.config.model, rates);
  const { measured, nodeMj } = nodeEnergy(engine, truth, dt);
  shareEnergy(engine, inc, nodeMj);
  addEnergy(engine);
  return { rates, truth, measured };
}
