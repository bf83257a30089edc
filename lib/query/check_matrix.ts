/**
 * Checking a `query_range` answer before anything is kept: a matrix of
 * series, each with string labels and `[time, "value"]` samples whose time
 * is a finite number (strictly increasing) and whose value is a Prometheus
 * float as text. `"NaN"`, `"+Inf"` and `"-Inf"` are legal Prometheus values
 * and pass (whether they are plausible is the validate step's concern);
 * anything else (`"abc"`, `""`, a number instead of a string, a missing
 * `values` array, a sample that is not a pair) fails the whole query with a
 * {@linkcode PrometheusError} naming the metric, the series' labels and the
 * bad value.
 *
 * @module
 */
import type { Labels, PromSeries } from "./format.ts";
import { PrometheusError } from "./prometheus_error.ts";

/** Prometheus' float text: decimal or exponent form, NaN, ±Inf. */
const FLOAT_TEXT =
  /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$|^NaN$|^[+-]?Inf$/;

/** The longest bad value quoted in a message. */
const QUOTE_MAX = 60;

function quote(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > QUOTE_MAX ? `${text.slice(0, QUOTE_MAX)}…` : text;
}

/**
 * A series as PromQL writes it: `name{label="value",...}`.
 *
 * @param name The metric name (used when the labels have no `__name__`).
 * @param labels The series' labels.
 * @returns The selector text.
 *
 * @example
 * ```ts
 * import { seriesName } from "./check_matrix.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(seriesName("up", { __name__: "up", job: "k", instance: "n1" }), 'up{instance="n1",job="k"}');
 * ```
 */
export function seriesName(name: string, labels: Labels): string {
  const pairs = Object.keys(labels).filter((k) => k !== "__name__").sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`);
  return `${labels.__name__ ?? name}{${pairs.join(",")}}`;
}

function isLabels(value: unknown): value is Labels {
  return value !== null && typeof value === "object" &&
    !Array.isArray(value) &&
    Object.values(value).every((v) => typeof v === "string");
}

/** The first problem of one series' samples, or undefined. */
function sampleProblem(values: readonly unknown[]): string | undefined {
  let last = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const sample = values[i];
    if (!Array.isArray(sample) || sample.length !== 2) {
      return `sample ${i} is ${quote(sample)}, not a [time, "value"] pair`;
    }
    const [t, v] = sample as [unknown, unknown];
    if (typeof t !== "number" || !Number.isFinite(t)) {
      return `sample ${i} has the time ${quote(t)}, not a number`;
    }
    if (typeof v !== "string" || !FLOAT_TEXT.test(v)) {
      return `the value ${quote(v)} at time ${t} is not a number`;
    }
    if (!(t > last)) {
      return `the time ${t} of sample ${i} is not after the previous ${last}`;
    }
    last = t;
  }
  return undefined;
}

/**
 * Checks a `query_range` answer's `data` and returns its series.
 *
 * @param data The API envelope's `data`.
 * @param context The server, the metric (or expression) queried, and the
 *   request for messages.
 * @returns The series, unchanged.
 * @throws {PrometheusError} When the answer is not a matrix or a series or
 *   sample is malformed, naming the metric, the series and the bad value.
 *
 * @example
 * ```ts
 * import { checkMatrix } from "./check_matrix.ts";
 * import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
 * const context = { server: "http://p:9090", metric: "x_total", what: "query_range x_total" };
 * const good = { resultType: "matrix", result: [{ metric: { __name__: "x_total" }, values: [[1, "2"], [2, "NaN"]] }] };
 * assertEquals(checkMatrix(good, context).length, 1);
 * const bad = { resultType: "matrix", result: [{ metric: { __name__: "x_total", i: "a" }, values: [[1, "abc"]] }] };
 * assertThrows(() => checkMatrix(bad, context), { message: /x_total\{i="a"\}.*"abc"/ });
 * ```
 */
export function checkMatrix(
  data: unknown,
  context: { server: string; metric: string; what: string },
): PromSeries[] {
  const { server, metric, what } = context;
  const fail = (problem: string) =>
    new PrometheusError(
      `Prometheus at ${server} sent garbage for ${metric} (${what}): ${problem}`,
      { server },
    );
  const d = data as { resultType?: unknown; result?: unknown } | null;
  if (d === null || typeof d !== "object" || !Array.isArray(d.result)) {
    throw fail("no result array");
  }
  if (d.resultType !== "matrix") {
    throw fail(`a ${quote(d.resultType)} result, expected a matrix`);
  }
  const result: unknown[] = d.result;
  for (let i = 0; i < result.length; i++) {
    const series = result[i] as { metric?: unknown; values?: unknown } | null;
    if (series === null || typeof series !== "object") {
      throw fail(`series ${i} is ${quote(series)}, not an object`);
    }
    if (!isLabels(series.metric)) {
      throw fail(
        `series ${i} has the labels ${
          quote(series.metric)
        }, not an object of strings`,
      );
    }
    const name = seriesName(metric, series.metric);
    if (!Array.isArray(series.values)) {
      throw fail(
        `series ${name} has no "values" array (got ${quote(series.values)})`,
      );
    }
    const problem = sampleProblem(series.values);
    if (problem !== undefined) throw fail(`series ${name}: ${problem}`);
  }
  return result as PromSeries[];
}
