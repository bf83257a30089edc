/**
 * Labels added by the scrape (Prometheus, kube-prometheus) rather than by
 * Kepler, and the identity of a counter without them: `extract` and
 * `validate` read two series that differ only in these as one counter.
 *
 * @module
 */

/**
 * Labels added by the scrape rather than by Kepler: two series that differ
 * only in these are the same counter (e.g. scraped by two jobs, or before
 * and after an exporter pod restart).
 *
 * @example
 * ```ts
 * import { SCRAPE_LABELS } from "./scrape_labels.ts";
 * import { ok as assert } from "node:assert/strict";
 * assert(SCRAPE_LABELS.has("job") && !SCRAPE_LABELS.has("instance"));
 * ```
 */
export const SCRAPE_LABELS: ReadonlySet<string> = new Set([
  "__name__",
  "job",
  "endpoint",
  "service",
  "pod",
  "container",
  "namespace",
  "exported_instance",
  "prometheus",
  "prometheus_replica",
]);

/**
 * The identity of a counter: its labels without the scrape labels, in a
 * fixed order.
 *
 * @param labels A series' labels.
 * @returns A key equal for two series of the same counter.
 *
 * @example
 * ```ts
 * import { counterIdentity } from "./scrape_labels.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const a = { instance: "n1", source: "rapl-sysfs", job: "kepler" };
 * const b = { job: "kepler-2", source: "rapl-sysfs", instance: "n1" };
 * assertEquals(counterIdentity(a), counterIdentity(b));
 * ```
 */
export function counterIdentity(
  labels: Readonly<Record<string, string>>,
): string {
  const keys = Object.keys(labels).filter((k) => !SCRAPE_LABELS.has(k)).sort();
  return keys.map((k) => `${k}=${labels[k]}`).join("\u0000");
}
