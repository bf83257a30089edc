/**
 * Joining the results of several `query_range` chunks into one result, as
 * one request would have returned it.
 *
 * @module
 */
import type { Labels, PromSeries } from "./format.ts";

/**
 * Compares label sets as Prometheus orders series: label by label in name
 * order, first by name, then by value; a prefix sorts first.
 *
 * @example
 * ```ts
 * import { compareLabels } from "./merge_series.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(compareLabels({ a: "1" }, { a: "2" }) < 0, true);
 * assertEquals(compareLabels({ a: "1" }, { a: "1", b: "0" }) < 0, true);
 * assertEquals(compareLabels({ b: "1" }, { a: "1", b: "0" }) > 0, true);
 * ```
 */
export function compareLabels(a: Labels, b: Labels): number {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  const n = Math.min(ka.length, kb.length);
  for (let i = 0; i < n; i++) {
    const na = ka[i] as string;
    const nb = kb[i] as string;
    if (na !== nb) return na < nb ? -1 : 1;
    const va = a[na] as string;
    const vb = b[nb] as string;
    if (va !== vb) return va < vb ? -1 : 1;
  }
  return ka.length - kb.length;
}

/**
 * A stable key of a label set (sorted `name, value` pairs), the same for any
 * key order.
 *
 * @param labels The series' labels, `__name__` included when present.
 * @returns A JSON text of the sorted `[name, value]` pairs; `[]` for no
 *   labels.
 *
 * @example
 * ```ts
 * import { labelsKey } from "./merge_series.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(labelsKey({ b: "2", a: "1" }), labelsKey({ a: "1", b: "2" }));
 * ```
 */
export function labelsKey(labels: Labels): string {
  return JSON.stringify(Object.keys(labels).sort().map((k) => [k, labels[k]]));
}

/**
 * Joins chunk results of one query (chunks in time order): samples of the
 * same series are concatenated, a timestamp already seen for a series is
 * dropped, and series are sorted as Prometheus sorts them.
 *
 * @example
 * ```ts
 * import { mergeSeries } from "./merge_series.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const a = [{ metric: { i: "1" }, values: [[0, "1"], [3, "2"]] as [number, string][] }];
 * const b = [
 *   { metric: { i: "0" }, values: [[6, "9"]] as [number, string][] },
 *   { metric: { i: "1" }, values: [[3, "2"], [6, "3"]] as [number, string][] },
 * ];
 * assertEquals(mergeSeries([a, b]), [
 *   { metric: { i: "0" }, values: [[6, "9"]] },
 *   { metric: { i: "1" }, values: [[0, "1"], [3, "2"], [6, "3"]] },
 * ]);
 * ```
 */
export function mergeSeries(
  chunks: readonly (readonly PromSeries[])[],
): PromSeries[] {
  if (chunks.length === 1) return [...(chunks[0] ?? [])];
  const byKey = new Map<string, PromSeries & { last: number }>();
  for (const chunk of chunks) {
    for (const series of chunk) {
      const key = labelsKey(series.metric);
      let merged = byKey.get(key);
      if (merged === undefined) {
        merged = { metric: series.metric, values: [], last: -Infinity };
        byKey.set(key, merged);
      }
      for (const sample of series.values) {
        if (sample[0] > merged.last) {
          merged.values.push(sample);
          merged.last = sample[0];
        }
      }
    }
  }
  return [...byKey.values()]
    .map(({ metric, values }) => ({ metric, values }))
    .sort((x, y) => compareLabels(x.metric, y.metric));
}
