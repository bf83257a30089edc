/**
 * Series held compactly while `query` collects them: per series, the
 * sample times and values in two `Float64Array`s (16 bytes a sample, where
 * a parsed `[time, "value"]` pair takes about 110), so a large query holds
 * less than the query JSON it writes.
 *
 * The query JSON must keep Prometheus' value texts byte for byte. Prometheus
 * writes a float as Go's shortest round-trip text (`strconv.FormatFloat(v,
 * 'f', -1, 64)`, exponent form below 1e-6 and from 1e21, e.g. `1e-07`;
 * `NaN`, `+Inf`, `-Inf`), which {@linkcode promValueText} rebuilds from the
 * number; a text it does not rebuild (`"1.50"` from another server, or
 * `"+Inf"`, which JavaScript reads as NaN) is kept as it came in the
 * series' `texts`. So {@linkcode expandSeries} gives back exactly the
 * series {@linkcode compactSeries} was given.
 *
 * @module
 */
import type { Labels, PromSeries, QueryResult } from "./format.ts";

/** One series held compactly (see the module doc). */
export interface CompactSeries {
  /** The series' labels, `__name__` included when present. */
  readonly metric: Labels;
  /** Sample times, unix seconds, as Prometheus sent them. */
  readonly times: Float64Array;
  /**
   * Sample values as JavaScript reads their text (`Number(text)`, so
   * `"+Inf"` is NaN, as every reader of the query JSON sees it).
   */
  readonly values: Float64Array;
  /**
   * The texts of the samples whose value text is not
   * `promValueText(values[i])`, by sample index; absent when there are none.
   */
  readonly texts?: ReadonlyMap<number, string>;
}

/** A query result held compactly: metric name → series. */
export type CompactResult = Record<string, CompactSeries[]>;

/**
 * The text Prometheus writes for a float sample value: Go's shortest
 * round-trip form, fixed below 1e21 and from 1e-6, else exponent form with
 * at least two exponent digits; `NaN`, `+Inf`, `-Inf`; `-0` for negative
 * zero.
 *
 * @param value The sample value.
 * @returns Its text as in a Prometheus API answer.
 *
 * @example
 * ```ts
 * import { promValueText } from "./compact_series.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(
 *   [7150.525, 1e-7, 1.5e21, 1e20, -0, Infinity, NaN].map(promValueText),
 *   ["7150.525", "1e-07", "1.5e+21", "100000000000000000000", "-0", "+Inf", "NaN"],
 * );
 * ```
 */
export function promValueText(value: number): string {
  if (value === 0) return Object.is(value, -0) ? "-0" : "0";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  const text = String(value);
  const e = text.indexOf("e");
  // Go writes at least two exponent digits: 1e-07, 1e+21.
  return e === -1 || text.length - e > 3
    ? text
    : `${text.slice(0, e + 2)}0${text.slice(e + 2)}`;
}

/**
 * The value text of sample `i` of a compact series, as it came.
 *
 * @param series The compact series.
 * @param i The sample index.
 * @returns The text, e.g. `"7150.525"`.
 *
 * @example
 * ```ts
 * import { compactSeries, sampleText } from "./compact_series.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const c = compactSeries({ metric: {}, values: [[1, "2.50"], [2, "3.5"]] });
 * assertEquals([sampleText(c, 0), sampleText(c, 1)], ["2.50", "3.5"]);
 * ```
 */
export function sampleText(series: CompactSeries, i: number): string {
  return series.texts?.get(i) ?? promValueText(series.values[i] as number);
}

/**
 * Holds a series compactly; {@linkcode expandSeries} gives it back.
 *
 * @param series A series as Prometheus sends it (times numbers, values
 *   texts).
 * @returns The compact series: labels shared, not copied.
 *
 * @example
 * ```ts
 * import { compactSeries, expandSeries } from "./compact_series.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const s = { metric: { __name__: "x" }, values: [[1, "7150.525"], [2, "+Inf"], [3, "1e-07"]] as [number, string][] };
 * const c = compactSeries(s);
 * assertEquals([...c.values], [7150.525, NaN, 1e-7]);
 * assertEquals(c.texts, new Map([[1, "+Inf"]]));
 * assertEquals(expandSeries(c), s);
 * ```
 */
export function compactSeries(series: PromSeries): CompactSeries {
  const samples = series.values;
  const n = samples.length;
  const times = new Float64Array(n);
  const values = new Float64Array(n);
  let texts: Map<number, string> | undefined;
  for (let i = 0; i < n; i++) {
    const sample = samples[i] as [number, string];
    const text = sample[1];
    times[i] = sample[0];
    const value = Number(text);
    values[i] = value;
    if (promValueText(value) !== text) (texts ??= new Map()).set(i, text);
  }
  return texts === undefined
    ? { metric: series.metric, times, values }
    : { metric: series.metric, times, values, texts };
}

/**
 * A compact series as Prometheus sent it.
 *
 * @param series The compact series.
 * @returns `{ metric, values: [[time, "text"], ...] }`.
 *
 * @example
 * ```ts
 * import { compactSeries, expandSeries } from "./compact_series.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const s = { metric: { a: "1" }, values: [[1.5, "0.1"]] as [number, string][] };
 * assertEquals(expandSeries(compactSeries(s)), s);
 * ```
 */
export function expandSeries(series: CompactSeries): PromSeries {
  const n = series.times.length;
  const values = new Array<[number, string]>(n);
  for (let i = 0; i < n; i++) {
    values[i] = [series.times[i] as number, sampleText(series, i)];
  }
  return { metric: series.metric, values };
}

/**
 * Whether a result's series are compact (an empty result is both).
 *
 * @param result A query result, either form.
 * @returns True when its first series is a {@linkcode CompactSeries}.
 *
 * @example
 * ```ts
 * import { compactSeries, isCompactResult } from "./compact_series.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const s = { metric: {}, values: [[1, "2"]] as [number, string][] };
 * assertEquals([isCompactResult({ x: [s] }), isCompactResult({ x: [compactSeries(s)] })], [false, true]);
 * ```
 */
export function isCompactResult(
  result: QueryResult | CompactResult,
): result is CompactResult {
  for (const list of Object.values(result)) {
    const first = list[0];
    if (first !== undefined) return first.values instanceof Float64Array;
  }
  return true;
}
