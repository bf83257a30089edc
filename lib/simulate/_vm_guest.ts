/**
 * One guest of a VM host simulation: the node engine of `simulate()` run
 * as a small node (its vCPUs as hardware threads, one socket) for the
 * VM's containers, and the series its Kepler exports: container and
 * process usage counters and the info metrics, no energy.
 *
 * @module
 */
import type { Labels } from "../query/format.ts";
import { createNodeEngine } from "./_engine.ts";
import type { NodeEngine, SeriesDef } from "./_engine.ts";
import { F } from "./_engine_types.ts";
import { infoSeries, sortLabels } from "./_engine_series.ts";
import { createRng } from "./_rng.ts";
import { SIMULATED_FEATURES } from "./node_model.ts";
import type { NodeModel } from "./node_model.ts";
import { backgroundArrivals, workloadPlan } from "./workload_plan.ts";
import type { WorkloadPhase } from "./workload_plan.ts";
import type { VmWorkload } from "./vm_host_types.ts";

/** The hardware (perf) counters, which a VM without a virtual PMU lacks. */
export const HARDWARE_FEATURES: readonly string[] = [
  "cpu_cycles",
  "cpu_instructions",
  "cache_miss",
];

/** A VM with every default applied. */
export interface ResolvedVm {
  name: string;
  vcpus: number;
  memoryGiB: number;
  workload: VmWorkload;
  containers: number;
}

/** What the guests share: the window, the seed and the host's model. */
export interface GuestSettings {
  start: number;
  duration: number;
  seed: number;
  model: NodeModel;
  guestHardwareCounters: boolean;
}

/** One guest: its engine, plan and exported series. */
export interface Guest {
  vm: ResolvedVm;
  model: NodeModel;
  engine: NodeEngine;
  plan: WorkloadPhase[];
  planSeed: number;
  series: SeriesDef[];
}

/** The VM as a node: the host's CPU with `vcpus` threads on one socket. */
function guestModel(host: NodeModel, vm: ResolvedVm): NodeModel {
  return {
    ...host,
    spec: {
      processor: host.spec.processor,
      cores: vm.vcpus,
      chips: 1,
      memory: vm.memoryGiB,
      frequency: host.spec.frequency,
    },
  };
}

/** Kepler's `command` of a container's one process (15 characters kept). */
function commandOf(name: string, role: string): string {
  const command = role === "stress"
    ? "stress-ng"
    : role === "system"
    ? "systemd"
    : role === "kernel"
    ? "ksoftirqd/0"
    : name;
  return command.slice(0, 15);
}

/** Usage series of every container and its one process, and the info. */
function guestSeries(engine: NodeEngine, hardware: boolean): SeriesDef[] {
  const series: SeriesDef[] = [];
  const features = SIMULATED_FEATURES.map((feature, f) => ({ feature, f }))
    .filter(({ feature }) => hardware || !HARDWARE_FEATURES.includes(feature));
  const pidRng = createRng(
    engine.config.seed,
    `vm-pids:${engine.config.nodeIndex}`,
  );
  let pid = 1000 + Math.floor(pidRng.next() * 500);
  const push = (level: string, labels: Labels, c: number) => {
    for (const { feature, f } of features) {
      series.push({
        name: `kepler_${level}_${feature}_total`,
        labels: sortLabels({ ...labels, source: "bpf" }),
        slot: c * F + f,
        scale: 1,
        type: "counter",
        help: `Aggregated value in ${feature} value from bpf`,
      });
    }
  };
  engine.containers.forEach((ct, c) => {
    push("container", {
      container_id: ct.id,
      container_name: ct.name,
      container_namespace: ct.namespace,
      pod_name: ct.pod,
    }, c);
  });
  engine.containers.forEach((ct, c) => {
    push("process", {
      command: commandOf(ct.name, ct.role),
      container_id: ct.id,
      pid: String(pid),
      vm_id: "",
    }, c);
    pid += 1 + Math.floor(pidRng.next() * 300);
  });
  const config = { ...engine.config, sources: [] };
  infoSeries(config, engine.constantSlots[0]!, series);
  return series;
}

/** The plan a VM runs (idle throughout for `background` and `none`). */
function guestPlan(
  settings: GuestSettings,
  vm: ResolvedVm,
  planSeed: number,
): WorkloadPhase[] {
  const { start, duration, model } = settings;
  return workloadPlan(start, duration, {
    cores: vm.vcpus,
    maxFrequency: model.spec.frequency,
    seed: planSeed,
    ...(vm.workload === "stress" ? {} : { idle: duration }),
  });
}

/** The guest of VM `v`, its counters at their start values. */
export function createGuest(
  settings: GuestSettings,
  vm: ResolvedVm,
  v: number,
): Guest {
  const { seed, start, duration } = settings;
  const draws = createRng(seed, `vm:${v}`);
  const planSeed = Math.floor(draws.next() * 2 ** 31);
  const uptime = 86400 * (1 + 2 * draws.next());
  const model = guestModel(settings.model, vm);
  const plan = guestPlan(settings, vm, planSeed);
  const stressContainers = Math.min(
    4,
    Math.max(1, Math.floor(vm.containers / 2)),
  );
  const engine = createNodeEngine({
    model,
    instance: vm.name,
    nodeIndex: v,
    seed,
    containers: vm.containers,
    stressContainers,
    noise: 0,
    sources: ["rapl-sysfs"],
    naming: "v0.7.12",
    plan,
    planPeriod: Infinity,
    planStart: start,
    uptime: vm.workload === "none" ? 0 : uptime,
    ...(vm.workload === "none" ? {} : {
      arrivals: backgroundArrivals(start, duration, {
        count: vm.containers - stressContainers,
        seed: planSeed,
        stream: `arrivals:${v}`,
      }),
    }),
  });
  const series = guestSeries(engine, settings.guestHardwareCounters);
  return { vm, model, engine, plan, planSeed, series };
}
