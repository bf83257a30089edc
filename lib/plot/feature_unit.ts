/**
 * Units of the features as the extract stage produces them: counters become
 * per-second rates, the system gauges keep their unit.
 *
 * @module
 */

const UNITS: Readonly<Record<string, string>> = {
  cpu_instructions: "instructions/s",
  cpu_cycles: "cycles/s",
  cache_miss: "cache misses/s",
  bpf_cpu_time_ms: "CPU ms/s",
  bpf_page_cache_hit: "page cache hits/s",
  bpf_block_irq: "IRQs/s",
  bpf_net_rx_irq: "IRQs/s",
  bpf_net_tx_irq: "IRQs/s",
  cpu_scaling_frequency_hertz: "Hz",
  node_info: "",
  cgroupfs_cpu_usage_us: "µs/s",
  cgroupfs_system_cpu_usage_us: "µs/s",
  cgroupfs_user_cpu_usage_us: "µs/s",
  cgroupfs_memory_usage_bytes: "bytes/s",
  kubelet_memory_bytes: "bytes/s",
};

/**
 * The unit of a feature's values: a per-second rate for counters (`/s` for
 * unknown and third-party metrics), `Hz` for the CPU frequency gauge, and
 * `""` for `node_info`.
 *
 * @example
 * ```ts
 * import { featureUnit } from "./feature_unit.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(featureUnit("bpf_cpu_time_ms"), "CPU ms/s");
 * assertEquals(featureUnit("my_thirdparty_metric"), "/s");
 * ```
 */
export function featureUnit(feature: string): string {
  return UNITS[feature] ?? "/s";
}

/**
 * An axis title for a feature: `name (unit)`, or the name alone when it
 * has no unit.
 *
 * @example
 * ```ts
 * import { featureAxisTitle } from "./feature_unit.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(featureAxisTitle("cpu_instructions"), "cpu_instructions (instructions/s)");
 * assertEquals(featureAxisTitle("node_info"), "node_info");
 * ```
 */
export function featureAxisTitle(feature: string): string {
  const unit = featureUnit(feature);
  return unit === "" ? feature : `${feature} (${unit})`;
}
