/**
 * Joining the results of several `query_range` chunks into one result, as
 * one request would have returned it.
 *
 * @module
 */
import type { Labels, PromSeries } from "./format.ts";
import {
  type CompactSeries,
  compactSeries,
  expandSeries,
} from "./compact_series.ts";

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

/** A series being joined: room for every sample of its chunks. */
interface Joining {
  metric: Labels;
  times: Float64Array;
  values: Float64Array;
  texts: Map<number, string> | undefined;
  used: number;
}

/** Appends the samples of `part` after the last time `into` holds. */
function append(into: Joining, part: CompactSeries): void {
  let last = into.used === 0 ? -Infinity : into.times[into.used - 1]!;
  const n = part.times.length;
  for (let i = 0; i < n; i++) {
    const t = part.times[i]!;
    if (!(t > last)) continue;
    const text = part.texts?.get(i);
    if (text !== undefined) (into.texts ??= new Map()).set(into.used, text);
    into.times[into.used] = t;
    into.values[into.used] = part.values[i]!;
    into.used++;
    last = t;
  }
}

/**
 * Joins the compact chunk results of one query (chunks in time order):
 * samples of the same series are concatenated, a time already seen for a
 * series is dropped, and series are sorted as Prometheus sorts them.
 *
 * @param chunks The series of each chunk, chunks in time order.
 * @returns The joined series; one chunk's series are returned as they are.
 *
 * @example
 * ```ts
 * import { mergeCompact } from "./merge_series.ts";
 * import { compactSeries, expandSeries } from "./compact_series.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const c = (i: string, values: [number, string][]) => compactSeries({ metric: { i }, values });
 * const merged = mergeCompact([[c("1", [[0, "1"], [3, "2.0"]])], [c("0", [[6, "9"]]), c("1", [[3, "2.0"], [6, "3"]])]]);
 * assertEquals(merged.map(expandSeries), [
 *   { metric: { i: "0" }, values: [[6, "9"]] },
 *   { metric: { i: "1" }, values: [[0, "1"], [3, "2.0"], [6, "3"]] },
 * ]);
 * ```
 */
export function mergeCompact(
  chunks: readonly (readonly CompactSeries[])[],
): CompactSeries[] {
  if (chunks.length === 1) return [...(chunks[0] ?? [])];
  const parts = new Map<string, CompactSeries[]>();
  for (const chunk of chunks) {
    for (const series of chunk) {
      const key = labelsKey(series.metric);
      const list = parts.get(key);
      if (list === undefined) parts.set(key, [series]);
      else list.push(series);
    }
  }
  const out: CompactSeries[] = [];
  for (const list of parts.values()) {
    let room = 0;
    for (const part of list) room += part.times.length;
    const into: Joining = {
      metric: list[0]!.metric,
      times: new Float64Array(room),
      values: new Float64Array(room),
      texts: undefined,
      used: 0,
    };
    for (const part of list) append(into, part);
    const { metric, texts, used } = into;
    const times = used === room ? into.times : into.times.slice(0, used);
    const values = used === room ? into.values : into.values.slice(0, used);
    out.push(
      texts === undefined
        ? { metric, times, values }
        : { metric, times, values, texts },
    );
  }
  return out.sort((x, y) => compareLabels(x.metric, y.metric));
}

/**
 * Joins chunk results of one query (chunks in time order): samples of the
 * same series are concatenated, a timestamp already seen for a series is
 * dropped, and series are sorted as Prometheus sorts them (see
 * {@linkcode mergeCompact}).
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
  return mergeCompact(chunks.map((c) => c.map(compactSeries))).map(
    expandSeries,
  );
}
