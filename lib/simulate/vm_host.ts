/**
 * `simulateVmHost()`: a host running several VMs of different sizes, with
 * a known ground truth per VM, as two kinds of Kepler v0.7.12 see it.
 *
 * - The host's Kepler (job `kepler-exporter`, instance the host's name):
 *   node energy per component, socket and mode, `kepler_node_info`, and
 *   per VM the `kepler_vm_*` usage counters (all eight, `vm_id` and
 *   `source="bpf"`) and `kepler_vm_<component>_joules_total` (`vm_id`,
 *   `mode`, `source`; no `kepler_vm_joules_total`, as Kepler has none),
 *   the VM's QEMU process (`kepler_process_*` with `pid`, `container_id`,
 *   `vm_id` and `command`, energy included) and the `system_processes`
 *   pseudo-container the QEMU processes live in (the sum over VMs).
 * - Each guest's Kepler (job `vmJobName`, upstream's VM_JOB_NAME, default
 *   `vm`; instance the VM's name): `kepler_container_*` and
 *   `kepler_process_*` usage counters of its containers (one process
 *   each) and `kepler_node_info` (`components_power_source="estimator"`,
 *   `platform_power_source="none"`: a VM has no RAPL and no ACPI meter);
 *   no energy series, and no node-level usage (Kepler v0.7.12 registers
 *   none). A VM usually has no virtual PMU, so by default the guest
 *   exports only the eBPF counters (`bpf_cpu_time_ms`,
 *   `bpf_page_cache_hit` and the three IRQ counters), not `cpu_cycles`,
 *   `cpu_instructions` or `cache_miss` (`guestHardwareCounters`).
 *
 * How it is simulated. Each VM is a small node of the `simulate()` engine:
 * its vCPUs are its hardware threads (usage capped at them), its
 * containers run a workload plan of their own scaled to its vCPUs. From
 * the host a VM is like a container: its usage increments are the sum of
 * its guest's (the guest's CPU time is the VM's vCPU time, seen alike by
 * both Keplers), they add into the host's usage, and the host's true
 * power is `truePower()` of the summed rates. The host's measured energy
 * (truth + noise, split into idle and dynamic as `simulate()` does) is
 * shared among the VMs as Kepler's ratio model shares it among
 * containers: dynamic energy by the VM's share of the component's
 * feature (instructions for package, core and uncore, cache misses for
 * dram, CPU time for platform and other; evenly when no VM used any),
 * idle energy by vCPUs (`idleShare: "vcpus"`, the default) or evenly
 * (`"even"`, Kepler v0.7.12's per-process rule).
 *
 * Ground truth per VM (`SimulatedVm.truth`): the power the host attributes
 * to it, from the noise-free truth: its share of the host's true dynamic
 * power (the rule above) plus its idle share (vCPUs / Σ vCPUs of the
 * host's true idle power, or 1 / VMs); the sum over VMs is the host's
 * power. Also its own true dynamic power, `truePower()` of its rates alone
 * minus idle (the sum over VMs differs from the host's dynamic power by
 * the model's nonlinearity), and what the host's VM counters show.
 *
 * Simplifications, on purpose: the host runs nothing but the VMs (no
 * host daemons or kernel work of its own); no overcommit (the VMs' vCPUs
 * and memory fit the host); the host sees the guests' page-cache hits and
 * IRQs as the guests do; memory size draws no power; no faults; the host's
 * Kepler starts with the window (its counters start at zero) while each
 * guest's has been up for one to three days.
 *
 * @module
 */
import { resolveGrid, resolveSourcesNoise } from "./_resolve_common.ts";
import type { Component } from "../types.ts";
import { COMPONENTS } from "../types.ts";
import { advanceUsage } from "./_advance_node.ts";
import type { SIMULATED_SOURCES } from "./_engine.ts";
import type { SeriesDef } from "./_engine.ts";
import { F } from "./_engine_types.ts";
import { createGuest } from "./_vm_guest.ts";
import type { Guest, GuestSettings, ResolvedVm } from "./_vm_guest.ts";
import {
  advanceHost,
  createHostEngine,
  featureShare,
  VM_ENERGY_COMPONENTS,
} from "./_vm_host_engine.ts";
import type { HostEngine } from "./_vm_host_engine.ts";
import { ratioFeature } from "./_advance_node.ts";
import { createRng } from "./_rng.ts";
import {
  DEFAULT_NODE_MODEL,
  idlePower,
  SIMULATED_FEATURES,
  truePower,
} from "./node_model.ts";
import type { NodeModel, SimulatedFeature } from "./node_model.ts";
import type { SimulatedNode, Simulation } from "./simulation.ts";
import { DEFAULT_VM_JOB_NAME } from "../types.ts";
import { VM_IDLE_SHARES } from "./vm_host_types.ts";
import type {
  SimulatedVm,
  VmHostMetadata,
  VmHostOptions,
  VmHostSimulation,
  VmTruth,
} from "./vm_host_types.ts";
import { checkVmsOnHost, DEFAULT_VMS, keplerVmId } from "./vm_spec.ts";

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

/** `options` with every default, checked. */
interface VmHostSettings extends GuestSettings {
  step: number;
  n: number;
  noise: number;
  sources: (typeof SIMULATED_SOURCES[number])[];
  vmJobName: string;
  hostJob: string;
  hostName: string;
  idleShare: "vcpus" | "even";
  vms: ResolvedVm[];
}

function check(ok: boolean, message: string): void {
  if (!ok) throw new RangeError(`Cannot simulate a VM host: ${message}`);
}

function resolveWindow(options: VmHostOptions) {
  const { duration, step, start } = resolveGrid(options, check);
  const seed = options.seed ?? 1;
  check(Number.isInteger(seed), `seed must be an integer, got ${seed}`);
  return { duration, step, start, seed, n: Math.floor(duration / step + 1e-9) };
}

function resolveVmHost(options: VmHostOptions): VmHostSettings {
  const window = resolveWindow(options);
  const model = options.model ?? DEFAULT_NODE_MODEL;
  const specs = options.vms ?? DEFAULT_VMS;
  checkVmsOnHost(specs, model.spec);
  const { sources, noise } = resolveSourcesNoise(options, check);
  const idleShare = options.idleShare ?? "vcpus";
  check(
    (VM_IDLE_SHARES as readonly string[]).includes(idleShare),
    `idleShare must be one of ${VM_IDLE_SHARES.join(", ")}, got ${idleShare}`,
  );
  const names = {
    vmJobName: options.vmJobName ?? DEFAULT_VM_JOB_NAME,
    hostJob: options.hostJob ?? "kepler-exporter",
    hostName: options.hostName ?? "sim-host-0",
  };
  for (const [key, value] of Object.entries(names)) {
    check(value.trim() !== "", `${key} must not be empty`);
  }
  return {
    ...window,
    ...names,
    model,
    noise,
    sources,
    idleShare,
    guestHardwareCounters: options.guestHardwareCounters ?? false,
    vms: specs.map((vm) => ({
      name: vm.name,
      vcpus: vm.vcpus,
      memoryGiB: vm.memoryGiB,
      workload: vm.workload ?? "stress",
      containers: vm.containers ?? 4 + Math.floor(vm.vcpus / 4),
    })),
  };
}

/** Per-component arrays of `n` samples. */
function componentArrays(n: number): Record<Component, Float64Array> {
  const out = {} as Record<Component, Float64Array>;
  for (const c of COMPONENTS) out[c] = new Float64Array(n);
  return out;
}

function featureArrays(n: number): Record<SimulatedFeature, Float64Array> {
  const out = {} as Record<SimulatedFeature, Float64Array>;
  for (const f of SIMULATED_FEATURES) out[f] = new Float64Array(n);
  return out;
}

/** The idle share of each VM under the rule. */
function idleShares(settings: VmHostSettings): number[] {
  const V = settings.vms.length;
  const vcpus = settings.vms.reduce((sum, vm) => sum + vm.vcpus, 0);
  return settings.vms.map((vm) =>
    settings.idleShare === "even" ? 1 / V : vm.vcpus / vcpus
  );
}

/** Everything the run records. */
interface Recording {
  timestamps: Float64Array;
  hostData: Float64Array;
  guestData: Float64Array[];
  host: SimulatedNode["truth"];
  vms: VmTruth[];
}

function newRecording(
  settings: VmHostSettings,
  host: HostEngine,
  guests: readonly Guest[],
  shares: readonly number[],
): Recording {
  const { n, start, step, model } = settings;
  const idle = idlePower(model);
  return {
    timestamps: Float64Array.from(
      { length: n },
      (_, k) => Math.round((start + k * step) * 1000) / 1000,
    ),
    hostData: new Float64Array(host.series.length * n),
    guestData: guests.map((g) => new Float64Array(g.series.length * n)),
    host: {
      rates: featureArrays(n),
      power: componentArrays(n),
      measured: componentArrays(n),
      idle,
      phase: [],
    },
    vms: shares.map((share) => {
      const vmIdle = {} as Record<Component, number>;
      for (const c of COMPONENTS) vmIdle[c] = idle[c] * share;
      return {
        rates: featureArrays(n),
        power: componentArrays(n),
        dynamic: componentArrays(n),
        idle: vmIdle,
        trueDynamic: componentArrays(n),
        measured: componentArrays(n),
        phase: [],
      };
    }),
  };
}

/** Writes every series' value at sample `k`. */
function recordSeries(
  series: readonly SeriesDef[],
  counters: Float64Array,
  data: Float64Array,
  n: number,
  k: number,
): void {
  for (let s = 0; s < series.length; s++) {
    const def = series[s]!;
    const v = counters[def.slot]!;
    data[s * n + k] = def.scale < 1 ? v / Math.round(1 / def.scale) : v;
  }
}

/** The ground truth of every VM at sample `k`. */
function recordVmTruth(
  rec: Recording,
  host: HostEngine,
  inc: Float64Array,
  hostTruth: Record<Component, number>,
  model: NodeModel,
  k: number,
  dt: number,
): void {
  const V = rec.vms.length;
  const idle = rec.host.idle;
  for (let v = 0; v < V; v++) {
    const truth = rec.vms[v]!;
    const rates = {} as Record<SimulatedFeature, number>;
    SIMULATED_FEATURES.forEach((f, i) => {
      rates[f] = inc[v * F + i]! / dt;
      truth.rates[f][k] = rates[f];
    });
    const own = truePower(model, rates);
    for (const c of COMPONENTS) {
      const share = featureShare(inc, V, v, ratioFeature(c));
      const dynamic = (hostTruth[c] - idle[c]) * share;
      truth.dynamic[c][k] = dynamic;
      truth.power[c][k] = dynamic + truth.idle[c];
      truth.trueDynamic[c][k] = own[c] - idle[c];
      const e = VM_ENERGY_COMPONENTS.indexOf(c);
      const mj = host.vmMj[(v * VM_ENERGY_COMPONENTS.length + e) * 2]! +
        host.vmMj[(v * VM_ENERGY_COMPONENTS.length + e) * 2 + 1]!;
      truth.measured[c][k] = mj / 1000 / dt;
    }
  }
}

/** Advances every guest and the host over each sample interval. */
function run(
  settings: VmHostSettings,
  guests: readonly Guest[],
  host: HostEngine,
  rec: Recording,
): void {
  const { n, step, model } = settings;
  const V = guests.length;
  const inc = new Float64Array(V * F);
  for (let k = 0; k < n; k++) {
    const b = rec.timestamps[k]!;
    const a = k === 0 ? b - step : rec.timestamps[k - 1]!;
    inc.fill(0);
    const phases: string[] = [];
    guests.forEach((guest, v) => {
      let phase = "none";
      if (guest.vm.workload !== "none") {
        const usage = advanceUsage(guest.engine, a, b);
        inc.set(usage.totals, v * F);
        phase = usage.phase;
      }
      phases.push(phase);
      rec.vms[v]!.phase.push(phase);
      recordSeries(
        guest.series,
        guest.engine.counters,
        rec.guestData[v]!,
        n,
        k,
      );
    });
    const step_ = advanceHost(host, inc, b - a);
    recordSeries(host.series, host.counters, rec.hostData, n, k);
    for (const c of COMPONENTS) {
      rec.host.power[c][k] = step_.truth[c];
      rec.host.measured[c][k] = step_.measured[c];
    }
    for (const f of SIMULATED_FEATURES) rec.host.rates[f][k] = step_.rates[f];
    rec.host.phase.push(phases.join("+"));
    recordVmTruth(rec, host, inc, step_.truth, model, k, b - a);
  }
}

/** A node of the result: its series with the recorded values. */
function nodeOf(
  base: Omit<SimulatedNode, "series" | "emitted">,
  defs: readonly SeriesDef[],
  data: Float64Array,
): SimulatedNode {
  const n = base.timestamps.length;
  return {
    ...base,
    emitted: Int32Array.from({ length: n }, (_, k) => k),
    series: defs.map((def, s) => ({
      name: def.name,
      labels: def.labels,
      type: def.type,
      help: def.help,
      values: data.subarray(s * n, (s + 1) * n),
    })),
  };
}

/** The metadata every simulation of the result shares. */
function sharedMetadata(settings: VmHostSettings) {
  const { seed, start, n, step, duration } = settings;
  return {
    generator: "kepler-model simulate" as const,
    seed,
    start,
    end: start + (n - 1) * step,
    step,
    duration,
    samples: n,
    nodes: 1,
    naming: "v0.7.12" as const,
    faults: [],
    nodeVariation: 0,
  };
}

/** The host Kepler's view as a simulation of one node. */
function hostSimulation(
  settings: VmHostSettings,
  host: HostEngine,
  rec: Recording,
): Simulation {
  return {
    metadata: {
      ...sharedMetadata(settings),
      planSeed: null,
      containers: settings.vms.length,
      stressContainers: 0,
      sources: settings.sources,
      noise: settings.noise,
      job: settings.hostJob,
    },
    spec: { ...settings.model.spec },
    plan: [],
    nodes: [nodeOf(
      {
        instance: settings.hostName,
        model: settings.model,
        containers: [{
          id: "system_processes",
          pod: "system_processes",
          name: "system_processes",
          namespace: "system",
          role: "system",
        }],
        timestamps: rec.timestamps,
        truth: rec.host,
      },
      host.series,
      rec.hostData,
    )],
    events: [],
  };
}

/** Guest `v`'s Kepler's view as a simulation of one node. */
function guestSimulation(
  settings: VmHostSettings,
  guest: Guest,
  rec: Recording,
  v: number,
): Simulation {
  const truth = rec.vms[v]!;
  return {
    metadata: {
      ...sharedMetadata(settings),
      planSeed: guest.planSeed,
      containers: guest.vm.containers,
      stressContainers: guest.engine.config.stressContainers,
      sources: [],
      noise: 0,
      job: settings.vmJobName,
    },
    spec: { ...guest.model.spec },
    plan: guest.vm.workload === "none" ? [] : guest.plan,
    nodes: [nodeOf(
      {
        instance: guest.vm.name,
        model: guest.model,
        containers: [...guest.engine.containers],
        timestamps: rec.timestamps,
        truth: {
          rates: truth.rates,
          power: truth.power,
          measured: truth.measured,
          idle: truth.idle,
          phase: truth.phase,
        },
      },
      guest.series,
      rec.guestData[v]!,
    )],
    events: [],
  };
}

/** The VMs' identities on the host: `vm_id`, QEMU PID and idle share. */
function hostVms(settings: VmHostSettings) {
  const shares = idleShares(settings);
  const rng = createRng(settings.seed, "vm-host-pids");
  let pid = 2000 + Math.floor(rng.next() * 1000);
  return settings.vms.map((vm, v) => {
    const out = {
      vmId: keplerVmId(v + 1, vm.name),
      pid,
      idleShare: shares[v]!,
    };
    pid += 1 + Math.floor(rng.next() * 500);
    return out;
  });
}

/**
 * Simulates a host running VMs (see the module doc): the host Kepler's
 * view, each guest Kepler's view and the ground truth per VM.
 * Deterministic: the same options give the same result, byte for byte
 * once written.
 *
 * @param options The VMs (default: {@linkcode DEFAULT_VMS}), the window,
 *   seed, noise, the host's sources and model, the job names, the idle
 *   rule and whether guests export hardware counters; empty simulates
 *   the four default VMs over the last hour at a 3 s step.
 * @returns The metadata, the host's spec, the host's and the guests'
 *   simulations (what the writers of `simulate()` take) and the VMs with
 *   their truth.
 * @throws {RangeError} when an option is out of range, a VM is invalid,
 *   or the VMs do not fit the host (vCPUs or memory).
 *
 * @example
 * ```ts
 * import { simulateVmHost } from "./vm_host.ts";
 * import { ok as assert, deepStrictEqual as assertEquals } from "node:assert/strict";
 * const sim = simulateVmHost({ start: 1_700_000_000, duration: 60 });
 * assertEquals(sim.vms.map((vm) => vm.vcpus), [2, 4, 8, 16]);
 * assertEquals(sim.guests[0]!.metadata.job, "vm");
 * // The VMs' attributed power adds up to the host's true power.
 * const k = 10;
 * const sum = sim.vms.reduce((s, vm) => s + vm.truth.power.package[k]!, 0);
 * assert(Math.abs(sum - sim.host.nodes[0]!.truth.power.package[k]!) < 1e-9);
 * ```
 */
export function simulateVmHost(
  options: VmHostOptions = {},
): VmHostSimulation {
  const settings = resolveVmHost(options);
  const guests = settings.vms.map((vm, v) => createGuest(settings, vm, v));
  const identities = hostVms(settings);
  const host = createHostEngine({
    model: settings.model,
    instance: settings.hostName,
    seed: settings.seed,
    noise: settings.noise,
    sources: settings.sources,
    vms: identities,
  });
  const rec = newRecording(
    settings,
    host,
    guests,
    identities.map((vm) => vm.idleShare),
  );
  run(settings, guests, host, rec);
  const { generator, seed, start, end, step, duration, samples } =
    sharedMetadata(settings);
  const metadata: VmHostMetadata = {
    generator,
    seed,
    start,
    end,
    step,
    duration,
    samples,
    sources: settings.sources,
    noise: settings.noise,
    host: settings.hostName,
    hostJob: settings.hostJob,
    vmJobName: settings.vmJobName,
    idleShare: settings.idleShare,
    guestHardwareCounters: settings.guestHardwareCounters,
  };
  return {
    metadata,
    spec: { ...settings.model.spec },
    host: hostSimulation(settings, host, rec),
    guests: guests.map((g, v) => guestSimulation(settings, g, rec, v)),
    vms: settings.vms.map((vm, v): SimulatedVm => ({
      name: vm.name,
      vmId: identities[v]!.vmId,
      pid: identities[v]!.pid,
      vcpus: vm.vcpus,
      memoryGiB: vm.memoryGiB,
      workload: vm.workload,
      idleShare: identities[v]!.idleShare,
      truth: rec.vms[v]!,
    })),
  };
}
