/**
 * Reading and writing the query JSON (`<data>/<name>.json`) in upstream's
 * bytes: Python's `json.dump` of `{metric: [{"metric": {...}, "values":
 * [[t, "v"], ...]}, ...]}` (see ./python_json.ts), written atomically.
 *
 * @module
 */
import { readJsonFile, writeFileAtomic } from "../io/mod.ts";
import type { PromSeries, QueryResult } from "./format.ts";
import { notQueryJson } from "./not_query_json.ts";
import { formatPythonJson } from "./python_json.ts";

const PLAIN_VALUE = /^[-+0-9.eE]+$|^NaN$|^[+-]?Inf$/;

function formatValues(values: PromSeries["values"]): string {
  const parts = new Array<string>(values.length);
  for (let i = 0; i < values.length; i++) {
    const [t, v] = values[i] as [number, string];
    const time = Number.isInteger(t) ? String(t) : formatPythonJson(t);
    const value = PLAIN_VALUE.test(v) ? `"${v}"` : formatPythonJson(v);
    parts[i] = `[${time}, ${value}]`;
  }
  return `[${parts.join(", ")}]`;
}

/**
 * Formats a query result exactly as upstream's `json.dump` writes it.
 *
 * @example
 * ```ts
 * import { formatQueryJson } from "./query_json.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(
 *   formatQueryJson({ kepler_node_info: [{ metric: { __name__: "kepler_node_info", cpu_architecture: "Broadwell" }, values: [[1702462599, "1"], [1702462614, "1"]] }] }),
 *   '{"kepler_node_info": [{"metric": {"__name__": "kepler_node_info", "cpu_architecture": "Broadwell"}, "values": [[1702462599, "1"], [1702462614, "1"]]}]}',
 * );
 * ```
 */
export function formatQueryJson(result: QueryResult): string {
  return [...queryJsonPieces(result)].join("");
}

/**
 * The query JSON of {@linkcode formatQueryJson} in pieces, one per series,
 * for writing without holding the whole text.
 *
 * @example
 * ```ts
 * import { formatQueryJson, queryJsonPieces } from "./query_json.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const result = { a: [{ metric: { __name__: "a" }, values: [[1, "2"]] as [number, string][] }], b: [] };
 * assertEquals([...queryJsonPieces(result)].join(""), formatQueryJson(result));
 * assertEquals(formatQueryJson(result), '{"a": [{"metric": {"__name__": "a"}, "values": [[1, "2"]]}], "b": []}');
 * ```
 */
export function* queryJsonPieces(result: QueryResult): Generator<string> {
  yield "{";
  let firstMetric = true;
  for (const [name, series] of Object.entries(result)) {
    yield `${firstMetric ? "" : ", "}${formatPythonJson(name)}: [`;
    firstMetric = false;
    for (let i = 0; i < series.length; i++) {
      const s = series[i]!;
      yield `${i === 0 ? "" : ", "}{"metric": ${
        formatPythonJson(s.metric)
      }, "values": ${formatValues(s.values)}}`;
    }
    yield "]";
  }
  yield "}";
}

/**
 * Writes a query result atomically in upstream's format.
 *
 * @param path The file to write, e.g. `<data>/kepler_query.json`; its
 *   folder is created as needed and an existing file replaced.
 * @param result Metric name → series, written in its key order.
 *
 * @example
 * ```ts
 * import { readQueryJson, writeQueryJson } from "./query_json.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const result = { up: [{ metric: { __name__: "up" }, values: [[1, "1"]] as [number, string][] }] };
 * await writeQueryJson(`${dir}/q.json`, result);
 * assertEquals(await readQueryJson(`${dir}/q.json`), result);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeQueryJson(
  path: string,
  result: QueryResult,
): Promise<void> {
  await writeFileAtomic(path, queryJsonPieces(result));
}

/**
 * Reads a query JSON and checks its shape; a wrong shape is a `SyntaxError`
 * naming the file and the metric.
 *
 * @param path The query JSON file.
 * @returns Metric name → series, as in the file (values not checked
 *   further).
 * @throws {SyntaxError} when the file is not JSON, not an object of
 *   metric names, or a series lacks `metric` or `values`.
 * @throws {Deno.errors.NotFound} when the file does not exist.
 *
 * @example
 * ```ts
 * import { readQueryJson } from "./query_json.ts";
 * import { rejects as assertRejects } from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/bad.json`, '{"up": {"metric": {}}}');
 * await assertRejects(() => readQueryJson(`${dir}/bad.json`), SyntaxError);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function readQueryJson(path: string): Promise<QueryResult> {
  const data = await readJsonFile<unknown>(path);
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    throw notQueryJson(path, "expected an object from metric name to series");
  }
  for (
    const [name, series] of Object.entries(data as Record<string, unknown>)
  ) {
    if (!Array.isArray(series)) {
      throw notQueryJson(path, `metric ${name} is not a list of series`);
    }
    for (const s of series) {
      const ok = s !== null && typeof s === "object" &&
        typeof (s as PromSeries).metric === "object" &&
        Array.isArray((s as PromSeries).values);
      if (!ok) {
        throw notQueryJson(
          path,
          `a series of ${name} lacks "metric" or "values"`,
        );
      }
    }
  }
  return data as QueryResult;
}
