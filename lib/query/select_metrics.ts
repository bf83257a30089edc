/**
 * Which of the server's metrics the query step collects.
 *
 * @module
 */
import { KEPLER_PREFIX } from "../types.ts";

/** Options of {@linkcode selectMetrics}. */
export interface SelectMetricsOptions {
  /**
   * Metric name prefix (`--metric-prefix`).
   *
   * @default {undefined} kepler_
   */
  prefix?: string;
  /**
   * Extra metric names (`--thirdparty-metrics`).
   *
   * @default {undefined} none
   */
  thirdParty?: readonly string[];
}

/**
 * Selects the metric names that start with the prefix, plus the third-party
 * names, keeping the server's order. Unlike upstream (`prefix in name`, a
 * substring match that also picks e.g. `node_kepler_up`), this is a real
 * prefix match. Third-party names the server does not know are left out, as
 * upstream does.
 *
 * @param names The server's metric names, in its order.
 * @param options The prefix and the third-party names; empty selects the
 *   `kepler_` metrics.
 * @returns The selected names, in the order of `names`; empty when none
 *   matches.
 *
 * @example
 * ```ts
 * import { selectMetrics } from "./select_metrics.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const names = ["kepler_node_info", "node_kepler_up", "up", "node_cpu_seconds_total"];
 * assertEquals(selectMetrics(names), ["kepler_node_info"]);
 * assertEquals(selectMetrics(names, { thirdParty: ["up", "missing"] }), ["kepler_node_info", "up"]);
 * ```
 */
export function selectMetrics(
  names: readonly string[],
  options: SelectMetricsOptions = {},
): string[] {
  const prefix = options.prefix ?? KEPLER_PREFIX;
  const extra = new Set(options.thirdParty ?? []);
  return names.filter((name) => name.startsWith(prefix) || extra.has(name));
}
