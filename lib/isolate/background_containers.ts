/**
 * Background containers: those seen while the node was idle. The profile
 * and trainer isolators leave their usage out of the features (upstream's
 * `get_background_containers`, which reads the names from one metric; here
 * every container metric of the idle query counts).
 *
 * @module
 */
import type { QueryData } from "../extract/mod.ts";

/**
 * The `container_name` of every container in an idle query's
 * `kepler_container_*` metrics.
 *
 * @example
 * ```ts
 * import { backgroundContainers } from "./background_containers.ts";
 * import { parseQuery } from "../extract/mod.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const idle = parseQuery(JSON.stringify({
 *   kepler_container_bpf_cpu_time_ms_total: [{ metric: { container_name: "coredns" }, values: [] }],
 *   kepler_container_cpu_cycles_total: [{ metric: { container_name: "etcd" }, values: [] }],
 *   kepler_node_package_joules_total: [{ metric: { container: "kepler-exporter" }, values: [] }],
 * }));
 * assertEquals([...backgroundContainers(idle)].sort(), ["coredns", "etcd"]);
 * ```
 */
export function backgroundContainers(idle: QueryData): Set<string> {
  const names = new Set<string>();
  for (const [metric, series] of idle.metrics) {
    if (!metric.startsWith("kepler_container_")) continue;
    for (const s of series) {
      const name = s.labels.container_name;
      if (name !== undefined) names.add(name);
    }
  }
  return names;
}
