/**
 * The Kepler v0.7 metric names and labels (re-exported by `lib/types.ts`):
 * which metric a feature or a component's energy is read from, and the
 * aliases of older Kepler versions.
 *
 * @module
 */
import type { Component } from "../types.ts";
import { ACCELERATOR_FEATURES, FEATURES, SYSTEM_FEATURES } from "./features.ts";

// ----------------------------------------------------------- metric names

/** Prefix of every Kepler metric. */
export const KEPLER_PREFIX = "kepler_";

/** Levels a Kepler usage or energy metric is exported at. */
export const METRIC_LEVELS = ["node", "container", "process", "vm"] as const;
/** One metric level. */
export type MetricLevel = typeof METRIC_LEVELS[number];

/** Kepler's node information metric (upstream queries a wrong name). */
export const NODE_INFO_METRIC = "kepler_node_info";

/** Label of `kepler_node_info` that carries the CPU micro-architecture. */
export const CPU_ARCHITECTURE_LABEL = "cpu_architecture";

/** Labels that identify a container in Kepler's container metrics. */
export const CONTAINER_ID_LABELS = [
  "container_id",
  "pod_name",
  "container_name",
  "container_namespace",
] as const;
/** Labels that identify a process in Kepler's process metrics. */
export const PROCESS_ID_LABELS = ["container_id", "pid"] as const;
/** Label that identifies a VM in Kepler's VM metrics. */
export const VM_ID_LABELS = ["vm_id"] as const;

/** Kepler's pseudo-containers for host processes. */
export const PSEUDO_CONTAINERS = [
  { container_name: "system_processes", container_namespace: "system" },
  { container_name: "kernel_processes", container_namespace: "kernel" },
] as const;

/** Energy mode label values. */
export const ENERGY_MODES = ["dynamic", "idle"] as const;
/** One energy mode. */
export type EnergyMode = typeof ENERGY_MODES[number];

/** Prometheus job name of VM metrics (upstream's `VM_JOB_NAME`). */
export const DEFAULT_VM_JOB_NAME = "vm";

/**
 * The metric a feature is read from.
 *
 * Workload features are `kepler_<level>_<f>_total` (level `container` for
 * bare-metal training, `process` or `vm` for VM training); `node_info` is
 * `kepler_node_info`; other system and accelerator features are
 * `kepler_node_<f>`; third-party features are their own metric names.
 *
 * @param feature The feature name, e.g. `cpu_cycles`, `node_info` or a
 *   third-party metric name.
 * @param level The level of workload features: `container` (bare metal),
 *   `process` or `vm`.
 * @returns The Prometheus metric name the feature is read from.
 *
 * @example
 * ```ts
 * import { featureMetric } from "../types.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(featureMetric("cpu_cycles"), "kepler_container_cpu_cycles_total");
 * assertEquals(featureMetric("cpu_cycles", "process"), "kepler_process_cpu_cycles_total");
 * assertEquals(featureMetric("node_info"), "kepler_node_info");
 * assertEquals(featureMetric("my_metric"), "my_metric");
 * ```
 */
export function featureMetric(
  feature: string,
  level: Exclude<MetricLevel, "node"> = "container",
): string {
  if (feature === "node_info") return NODE_INFO_METRIC;
  if (
    (SYSTEM_FEATURES as readonly string[]).includes(feature) ||
    (ACCELERATOR_FEATURES as readonly string[]).includes(feature)
  ) {
    return `kepler_node_${feature}`;
  }
  if ((FEATURES as readonly string[]).includes(feature)) {
    return `kepler_${level}_${feature}_total`;
  }
  return feature;
}

/**
 * The energy counter of a component: `kepler_node_<c>_joules_total`, or
 * `kepler_vm_<c>_joules_total` for VM training.
 *
 * @param component The power component, e.g. `package`.
 * @param level `node`, or `vm` for the VM's own counters in VM training.
 * @returns The counter's metric name (joules).
 *
 * @example
 * ```ts
 * import { powerMetric } from "../types.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(powerMetric("package"), "kepler_node_package_joules_total");
 * assertEquals(powerMetric("platform", "vm"), "kepler_vm_platform_joules_total");
 * ```
 */
export function powerMetric(
  component: Component,
  level: "node" | "vm" = "node",
): string {
  return `kepler_${level}_${component}_joules_total`;
}

/**
 * The power column of a component in frames and CSVs: `<c>_power`.
 *
 * @param component The power component, e.g. `package`.
 * @returns The column name, in watts, e.g. `package_power`.
 *
 * @example
 * ```ts
 * import { powerColumn } from "../types.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(powerColumn("dram"), "dram_power");
 * ```
 */
export function powerColumn(component: Component): `${Component}_power` {
  return `${component}_power`;
}

/** A metric of an older Kepler that is read as a current one. */
export interface MetricAlias {
  /** The old metric name as found in a query. */
  readonly from: string;
  /** The current metric name it is read as. */
  readonly to: string;
  /** Factor applied to values (`to = from × factor`). */
  readonly factor: number;
}

/**
 * Older metric names read through aliases: `bpf_cpu_time_us` was renamed to
 * `bpf_cpu_time_ms` in Kepler v0.7.3, so its microseconds are divided by
 * 1000; `kepler_node_node_info` and `kepler_node_nodeInfo` are node info.
 */
export const METRIC_ALIASES: readonly MetricAlias[] = [
  {
    from: "kepler_container_bpf_cpu_time_us_total",
    to: "kepler_container_bpf_cpu_time_ms_total",
    factor: 1e-3,
  },
  {
    from: "kepler_process_bpf_cpu_time_us_total",
    to: "kepler_process_bpf_cpu_time_ms_total",
    factor: 1e-3,
  },
  {
    from: "kepler_vm_bpf_cpu_time_us_total",
    to: "kepler_vm_bpf_cpu_time_ms_total",
    factor: 1e-3,
  },
  { from: "kepler_node_node_info", to: NODE_INFO_METRIC, factor: 1 },
  { from: "kepler_node_nodeInfo", to: NODE_INFO_METRIC, factor: 1 },
];

/**
 * Resolves a metric name read from a query to its current name and value
 * factor; names without an alias map to themselves with factor 1.
 *
 * @param metric A metric name as found in a query JSON.
 * @returns The current name and the factor its values are multiplied by
 *   (0.001 for the microsecond BPF counters).
 *
 * @example
 * ```ts
 * import { resolveMetricAlias } from "../types.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(resolveMetricAlias("kepler_container_bpf_cpu_time_us_total"), {
 *   name: "kepler_container_bpf_cpu_time_ms_total", factor: 0.001 });
 * assertEquals(resolveMetricAlias("kepler_node_info"), { name: "kepler_node_info", factor: 1 });
 * ```
 */
export function resolveMetricAlias(
  metric: string,
): { name: string; factor: number } {
  const alias = METRIC_ALIASES.find((a) => a.from === metric);
  return alias
    ? { name: alias.to, factor: alias.factor }
    : { name: metric, factor: 1 };
}
