/**
 * `joinVmViews()`: the training frame of VM power models. The host's
 * Kepler attributes energy to each VM (`kepler_vm_<component>_joules_total`
 * with `vm_id`); each guest's Kepler sees its own usage
 * (`kepler_container_<feature>_total`, no energy). The join matches each
 * guest to its VM by identity (the guest's `instance` is the VM's name,
 * the host's `vm_id` is libvirt's `machine-qemu-<n>-<name>` or the name
 * itself) and by time (the samples both views hold), and gives one row per
 * (timestamp, VM): the guest's usage rates summed over its containers, and
 * the host's power for that VM (idle and dynamic modes summed).
 *
 * VM sizes become node types: node type `i` is the `i`-th smallest vCPU
 * count among the guests, so a pipeline trained on the frame holds one
 * model per VM size.
 *
 * @module
 */
import type { Component, EnergySource, MachineSpec } from "../types.ts";
import { SOURCE_COMPONENTS } from "../types.ts";
import type { Frame } from "./frame.ts";
import type { MetricSeries, QueryData } from "./read_query.ts";

/** How VM size enters the features (`--vm-normalization`). */
export const VM_NORMALIZATIONS = ["per-vcpu", "size-feature", "none"] as const;
/** One VM normalization. */
export type VmNormalization = typeof VM_NORMALIZATIONS[number];

/** The feature column that holds a VM's vCPU count (`size-feature`). */
export const VCPUS_FEATURE = "vm_vcpus";

/** One guest's view: its query and its machine spec (vCPUs as `cores`). */
export interface GuestView {
  /** The guest Kepler's query. */
  query: QueryData;
  /** The VM's machine spec; `cores` is its vCPU count. */
  spec: MachineSpec;
}

/** Options of {@linkcode joinVmViews}. */
export interface VmJoinOptions {
  /**
   * The host's energy source whose per-VM energy is the label.
   *
   * @default {"rapl-sysfs"}
   */
  source?: EnergySource;
  /**
   * The guest features (Kepler names without prefix and `_total`).
   *
   * @default {["bpf_cpu_time_ms", "bpf_page_cache_hit"]} BPFOnly
   */
  features?: readonly string[];
  /**
   * How VM size enters: `per-vcpu` divides usage and power by the vCPUs
   * (a model of one vCPU, scaled back by the caller), `size-feature` adds
   * the vCPU count as the feature {@linkcode VCPUS_FEATURE}, `none` leaves
   * the rows as they are.
   *
   * @default {"none"}
   */
  normalization?: VmNormalization;
  /**
   * Which of the host's energy modes make the label: `all` (idle and
   * dynamic, AbsPower) or `dynamic` (DynPower).
   *
   * @default {"all"}
   */
  mode?: "all" | "dynamic";
}

/** A joined frame and the VMs it holds. */
export interface VmFrame {
  /** One row per (timestamp, VM); `instances` are the VM names. */
  frame: Frame;
  /** vCPUs of each VM, in `frame.instances` order. */
  vcpus: number[];
  /** The VM sizes (vCPUs, ascending): node type `i` is `sizes[i]`. */
  sizes: number[];
  /** The host's `vm_id` of each VM, in `frame.instances` order. */
  vmIds: string[];
}

/**
 * The VM name a host `vm_id` names: libvirt's `machine-qemu-<n>-<name>`
 * gives `<name>`, anything else is the name itself.
 *
 * @param vmId Kepler's `vm_id` label.
 * @returns The VM's name.
 *
 * @example
 * ```ts
 * import { vmNameOfId } from "./vm_join.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(vmNameOfId("machine-qemu-2-db"), "db");
 * assertEquals(vmNameOfId("my-vm"), "my-vm");
 * ```
 */
export function vmNameOfId(vmId: string): string {
  const match = /^machine-qemu-\d+-(.+)$/.exec(vmId);
  return match ? match[1]! : vmId;
}

function series(query: QueryData, name: string): readonly MetricSeries[] {
  return query.metrics.get(name) ?? [];
}

/** Sum of counters over series, by timestamp (ms), NaN-free samples only. */
function sumByTime(all: readonly MetricSeries[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const s of all) {
    for (let i = 0; i < s.timestamps.length; i++) {
      const v = s.values[i]!;
      if (!Number.isFinite(v)) continue;
      const t = Math.round(s.timestamps[i]! * 1000);
      out.set(t, (out.get(t) ?? 0) + v);
    }
  }
  return out;
}

function guestName(query: QueryData): string {
  for (const list of query.metrics.values()) {
    for (const s of list) {
      const instance = s.labels.instance;
      if (instance) return instance;
    }
  }
  throw new RangeError(
    `Cannot join VM views: ${query.origin} has no series with an instance label (the VM's name)`,
  );
}

interface VmColumns {
  name: string;
  vmId: string;
  vcpus: number;
  counters: Map<string, Map<number, number>>;
}

/**
 * Joins the host's per-VM energy with each guest's usage (see the module
 * doc).
 *
 * @param host The host Kepler's query (`kepler_vm_*_joules_total`).
 * @param guests Each guest's query and machine spec.
 * @param options The energy source, features and normalization.
 * @returns The frame (node level, one instance per VM, node type by size)
 *   and the VMs' sizes and ids.
 * @throws {RangeError} when a guest has no VM on the host, a metric is
 *   missing, or no timestamp is shared.
 *
 * @example
 * ```ts
 * import { joinVmViews } from "./vm_join.ts";
 * import type { QueryData } from "./read_query.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const ts = Float64Array.of(0, 3, 6);
 * const q = (origin: string, entries: [string, Record<string, string>, number[]][]): QueryData => ({
 *   origin,
 *   metrics: new Map(entries.map(([name, labels, v]) => [name, [{ labels, timestamps: ts, values: Float64Array.from(v) }]])),
 * });
 * const host = q("host", [["kepler_vm_package_joules_total", { vm_id: "machine-qemu-1-web", mode: "dynamic", source: "rapl-sysfs" }, [0, 30, 90]]]);
 * const guest = q("web", [
 *   ["kepler_container_bpf_cpu_time_ms_total", { instance: "web" }, [100, 400, 1000]],
 *   ["kepler_container_bpf_page_cache_hit_total", { instance: "web" }, [0, 0, 0]],
 * ]);
 * const spec = { processor: "x", cores: 2, chips: 1, memory: 8, frequency: 3000 };
 * const { frame, sizes } = joinVmViews(host, [{ query: guest, spec }]);
 * assertEquals([...frame.features.bpf_cpu_time_ms!], [100, 200]);
 * assertEquals([...frame.power.package!], [10, 20]);
 * assertEquals(sizes, [2]);
 * ```
 */
export function joinVmViews(
  host: QueryData,
  guests: readonly GuestView[],
  options: VmJoinOptions = {},
): VmFrame {
  const source = options.source ?? "rapl-sysfs";
  const features = [
    ...(options.features ?? [
      "bpf_cpu_time_ms",
      "bpf_page_cache_hit",
    ]),
  ].sort();
  const normalization = options.normalization ?? "none";
  const mode = options.mode ?? "all";
  const components = SOURCE_COMPONENTS[source].filter((c) =>
    series(host, `kepler_vm_${c}_joules_total`).some((s) =>
      s.labels.source === source
    )
  );
  if (components.length === 0) {
    throw new RangeError(
      `Cannot join VM views: ${host.origin} has no kepler_vm_<component>_joules_total series with source="${source}"`,
    );
  }
  const vms: VmColumns[] = guests.map(({ query, spec }) => {
    const name = guestName(query);
    const counters = new Map<string, Map<number, number>>();
    let vmId = "";
    for (const c of components) {
      const mine = series(host, `kepler_vm_${c}_joules_total`).filter((s) =>
        s.labels.source === source &&
        vmNameOfId(s.labels.vm_id ?? "") === name &&
        (mode === "all" || s.labels.mode === "dynamic")
      );
      if (mine.length === 0) {
        throw new RangeError(
          `Cannot join VM views: guest "${name}" (${query.origin}) has no kepler_vm_${c}_joules_total on the host ${host.origin} (no vm_id naming it)`,
        );
      }
      vmId = mine[0]!.labels.vm_id!;
      counters.set(`power:${c}`, sumByTime(mine));
    }
    for (const f of features) {
      const all = series(query, `kepler_container_${f}_total`);
      if (all.length === 0) {
        throw new RangeError(
          `Cannot join VM views: metric kepler_container_${f}_total is missing from ${query.origin}`,
        );
      }
      counters.set(f, sumByTime(all));
    }
    return { name, vmId, vcpus: spec.cores, counters };
  });
  vms.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  for (let i = 1; i < vms.length; i++) {
    if (vms[i]!.name === vms[i - 1]!.name) {
      throw new RangeError(
        `Cannot join VM views: two guests are the VM "${vms[i]!.name}"`,
      );
    }
  }
  return buildFrame(vms, features, components, source, normalization);
}

/** The timestamps (ms) every column of a VM holds, ascending. */
function sharedTimes(vm: VmColumns): number[] {
  const maps = [...vm.counters.values()];
  return [...maps[0]!.keys()].filter((t) => maps.every((m) => m.has(t)))
    .sort((a, b) => a - b);
}

interface Row {
  t: number;
  vm: number;
  values: number[];
}

function buildFrame(
  vms: readonly VmColumns[],
  features: readonly string[],
  components: readonly Component[],
  source: EnergySource,
  normalization: VmNormalization,
): VmFrame {
  const keys = [...features, ...components.map((c) => `power:${c}`)];
  const rows: Row[] = [];
  vms.forEach((vm, v) => {
    const times = sharedTimes(vm);
    const cols = keys.map((k) => vm.counters.get(k)!);
    for (let i = 1; i < times.length; i++) {
      const a = times[i - 1]!, b = times[i]!;
      const dt = (b - a) / 1000;
      const values = cols.map((m) => (m.get(b)! - m.get(a)!) / dt);
      if (values.some((x) => !(x >= 0))) continue; // a counter reset
      const scale = normalization === "per-vcpu" ? 1 / vm.vcpus : 1;
      rows.push({ t: b / 1000, vm: v, values: values.map((x) => x * scale) });
    }
  });
  if (rows.length === 0) {
    throw new RangeError(
      "Cannot join VM views: the host and the guests share no two consecutive timestamps",
    );
  }
  rows.sort((a, b) => a.t - b.t || a.vm - b.vm);
  const n = rows.length;
  const sizes = [...new Set(vms.map((vm) => vm.vcpus))].sort((a, b) => a - b);
  const featureNames = normalization === "size-feature"
    ? [...features, VCPUS_FEATURE].sort()
    : [...features];
  const column = (j: number) => Float64Array.from(rows, (r) => r.values[j]!);
  const featureColumns: Record<string, Float64Array> = {};
  features.forEach((f, j) => featureColumns[f] = column(j));
  if (normalization === "size-feature") {
    featureColumns[VCPUS_FEATURE] = Float64Array.from(
      rows,
      (r) => vms[r.vm]!.vcpus,
    );
  }
  const power: Partial<Record<Component, Float64Array>> = {};
  components.forEach((c, j) => power[c] = column(features.length + j));
  const frame: Frame = {
    level: "node",
    source,
    length: n,
    timestamp: Float64Array.from(rows, (r) => r.t),
    instances: vms.map((vm) => vm.name),
    instance: Uint32Array.from(rows, (r) => r.vm),
    containers: [],
    featureNames,
    features: featureColumns,
    components: [...components],
    power,
    nodeType: Int32Array.from(
      rows,
      (r) => sizes.indexOf(vms[r.vm]!.vcpus),
    ),
  };
  return {
    frame,
    vcpus: vms.map((vm) => vm.vcpus),
    sizes,
    vmIds: vms.map((vm) => vm.vmId),
  };
}

/** A guest's usage rates, summed over its containers (`guestUsage`). */
export interface GuestUsage {
  /** The VM's name (the guest's `instance`). */
  name: string;
  /** End of each interval, unix seconds, ascending. */
  timestamp: Float64Array;
  /** Per-second rate of each feature, by feature name. */
  features: Record<string, Float64Array>;
}

/**
 * A guest's usage as rates per interval (the guest's view alone, no
 * energy): each feature's `kepler_container_<f>_total` summed over the
 * containers, differenced between consecutive timestamps that every
 * feature holds, over the seconds between them; intervals with a counter
 * reset are left out.
 *
 * @param query The guest Kepler's query.
 * @param features The features (Kepler names without prefix and `_total`).
 * @returns The VM's name, the interval ends and the rates.
 * @throws {RangeError} when a feature's metric is missing, the query has
 *   no instance label, or no two timestamps are shared.
 *
 * @example
 * ```ts
 * import { guestUsage } from "./vm_join.ts";
 * import type { QueryData } from "./read_query.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const ts = Float64Array.of(0, 3, 6);
 * const guest: QueryData = { origin: "web", metrics: new Map([
 *   ["kepler_container_bpf_cpu_time_ms_total", [
 *     { labels: { instance: "web", container_id: "a" }, timestamps: ts, values: Float64Array.of(0, 300, 600) },
 *     { labels: { instance: "web", container_id: "b" }, timestamps: ts, values: Float64Array.of(0, 0, 300) },
 *   ]],
 * ]) };
 * const usage = guestUsage(guest, ["bpf_cpu_time_ms"]);
 * assertEquals(usage.name, "web");
 * assertEquals([...usage.timestamp], [3, 6]);
 * assertEquals([...usage.features.bpf_cpu_time_ms!], [100, 200]);
 * ```
 */
export function guestUsage(
  query: QueryData,
  features: readonly string[],
): GuestUsage {
  const hostMetric = [...query.metrics].find(([m, list]) =>
    m.startsWith("kepler_vm_") && list.length > 0
  )?.[0];
  if (hostMetric !== undefined) {
    throw new RangeError(
      `Cannot read the VM's usage: ${query.origin} is a VM host's query (it has ${hostMetric}), not a guest's: give the guest Kepler's query, and the host's as --vm-host`,
    );
  }
  const name = guestName(query);
  const counters = new Map<string, Map<number, number>>();
  for (const f of features) {
    const all = series(query, `kepler_container_${f}_total`);
    if (all.length === 0) {
      throw new RangeError(
        `Cannot read the VM's usage: metric kepler_container_${f}_total is missing from ${query.origin}`,
      );
    }
    counters.set(f, sumByTime(all));
  }
  const times = sharedTimes({ name, vmId: name, vcpus: 0, counters });
  const cols = features.map((f) => counters.get(f)!);
  const ends: number[] = [];
  const rates: number[][] = features.map(() => []);
  for (let i = 1; i < times.length; i++) {
    const a = times[i - 1]!, b = times[i]!;
    const dt = (b - a) / 1000;
    const values = cols.map((m) => (m.get(b)! - m.get(a)!) / dt);
    if (values.some((x) => !(x >= 0))) continue; // a counter reset
    ends.push(b / 1000);
    values.forEach((x, j) => rates[j]!.push(x));
  }
  if (ends.length === 0) {
    throw new RangeError(
      `Cannot read the VM's usage: ${query.origin} has no two consecutive timestamps`,
    );
  }
  return {
    name,
    timestamp: Float64Array.from(ends),
    features: Object.fromEntries(
      features.map((f, j) => [f, Float64Array.from(rates[j]!)]),
    ),
  };
}
