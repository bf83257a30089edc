/**
 * Reading and writing the query JSON (`<data>/<name>.json`) in upstream's
 * bytes: Python's `json.dump` of `{metric: [{"metric": {...}, "values":
 * [[t, "v"], ...]}, ...]}` (see ./python_json.ts), written atomically.
 *
 * @module
 */
import { readTextFile, writeFileAtomic } from "../io/mod.ts";
import type { PromSeries, QueryResult } from "./format.ts";
import {
  type CompactResult,
  type CompactSeries,
  promValueText,
} from "./compact_series.ts";
import { ByteBuffer, isSmallInteger, writeText } from "./_byte_pieces.ts";
import { notQueryJson } from "./not_query_json.ts";
import { formatPythonJson } from "./python_json.ts";

const PLAIN_VALUE = /^[-+0-9.eE]+$|^NaN$|^[+-]?Inf$/;

function formatTime(t: number): string {
  return Number.isInteger(t) ? String(t) : formatPythonJson(t);
}

function formatValue(v: string): string {
  return PLAIN_VALUE.test(v) ? `"${v}"` : formatPythonJson(v);
}

function formatValues(series: PromSeries): string {
  const n = series.values.length;
  const parts = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    const [t, v] = series.values[i] as [number, string];
    parts[i] = `[${formatTime(t)}, ${formatValue(v)}]`;
  }
  return `[${parts.join(", ")}]`;
}

/** Writes a compact series' `[[t, "v"], ...]` into `out`, sample by sample. */
function* compactValues(
  out: ByteBuffer,
  s: CompactSeries,
): Generator<Uint8Array | string> {
  const { times, values, texts } = s;
  out.byte(0x5b);
  for (let i = 0; i < times.length; i++) {
    if (out.full()) yield out.take();
    if (i > 0) out.ascii(", ");
    out.byte(0x5b);
    const t = times[i]!;
    if (isSmallInteger(t)) out.integer(t);
    else out.ascii(formatTime(t));
    out.ascii(", ");
    const text = texts?.get(i);
    if (text !== undefined) {
      yield* writeText(out, formatValue(text));
    } else {
      const v = values[i]!;
      out.byte(0x22);
      if (isSmallInteger(v) && !Object.is(v, -0)) out.integer(v);
      else out.ascii(promValueText(v));
      out.byte(0x22);
    }
    out.byte(0x5d);
  }
  out.byte(0x5d);
}

/**
 * The query JSON of {@linkcode formatQueryJson} as bytes, in pieces of a
 * reused buffer (each valid until the next is taken): compact series are
 * written sample by sample without a string per sample, so a large query
 * is written without holding its text or making garbage in proportion.
 *
 * @param result Metric name → series (as Prometheus sends them, or
 *   compact).
 * @returns The pieces: buffer views, or text too long for the buffer.
 *
 * @example
 * ```ts
 * import { formatQueryJson, queryJsonChunks } from "./query_json.ts";
 * import { compactSeries } from "./compact_series.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const s = { metric: { __name__: "a" }, values: [[1, "2"], [1.5, "1e-07"]] as [number, string][] };
 * let text = "";
 * // Each piece is valid until the next is taken: use it at once.
 * for (const p of queryJsonChunks({ a: [compactSeries(s)], b: [] })) text += typeof p === "string" ? p : new TextDecoder().decode(p);
 * assertEquals(text, formatQueryJson({ a: [s], b: [] }));
 * assertEquals(text, '{"a": [{"metric": {"__name__": "a"}, "values": [[1, "2"], [1.5, "1e-07"]]}], "b": []}');
 * ```
 */
export function* queryJsonChunks(
  result: QueryResult | CompactResult,
): Generator<Uint8Array | string> {
  const out = new ByteBuffer();
  yield* writeText(out, "{");
  let firstMetric = true;
  const entries: [string, readonly (PromSeries | CompactSeries)[]][] = Object
    .entries(result);
  for (const [name, series] of entries) {
    yield* writeText(
      out,
      `${firstMetric ? "" : ", "}${formatPythonJson(name)}: [`,
    );
    firstMetric = false;
    for (let i = 0; i < series.length; i++) {
      const s = series[i]!;
      const head = `${i === 0 ? "" : ", "}{"metric": ${
        formatPythonJson(s.metric)
      }, "values": `;
      if (s.values instanceof Float64Array) {
        yield* writeText(out, head);
        yield* compactValues(out, s as CompactSeries);
        yield* writeText(out, "}");
      } else {
        yield* writeText(out, `${head}${formatValues(s as PromSeries)}}`);
      }
    }
    yield* writeText(out, "]");
  }
  yield* writeText(out, "}");
  if (out.used > 0) yield out.take();
}

/**
 * Formats a query result exactly as upstream's `json.dump` writes it.
 *
 * @param result Metric name → series (as Prometheus sends them, or
 *   compact).
 * @returns The JSON text.
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
export function formatQueryJson(result: QueryResult | CompactResult): string {
  const decoder = new TextDecoder();
  const parts: string[] = [];
  for (const piece of queryJsonChunks(result)) {
    parts.push(typeof piece === "string" ? piece : decoder.decode(piece));
  }
  return parts.join("");
}

/**
 * Writes a query result atomically in upstream's format, in pieces (the
 * whole text is never held; see {@linkcode queryJsonChunks}).
 *
 * @param path The file to write, e.g. `<data>/kepler_query.json`; its
 *   folder is created as needed and an existing file replaced.
 * @param result Metric name → series (as Prometheus sends them, or
 *   compact), written in its key order.
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
  result: QueryResult | CompactResult,
): Promise<void> {
  await writeFileAtomic(path, queryJsonChunks(result));
}

/**
 * Reads a query JSON and checks its shape; a wrong shape is a `SyntaxError`
 * naming the file and the metric.
 *
 * @param path The query JSON file.
 * @returns Metric name → series, as in the file (values not checked
 *   further).
 * @throws {SyntaxError} when the file is not JSON (a one-line message:
 *   `<path> is not a query JSON: ...` when it does not start with `{`, as
 *   extract's reader says, else `Cannot parse <path> as a query JSON: ...`),
 *   not an object of metric names, or a series lacks `metric` or `values`.
 * @throws {Deno.errors.NotFound} when the file does not exist.
 *
 * @example
 * ```ts
 * import { readQueryJson } from "./query_json.ts";
 * import { rejects as assertRejects } from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/bad.json`, '{"up": {"metric": {}}}');
 * await assertRejects(() => readQueryJson(`${dir}/bad.json`), SyntaxError);
 * await Deno.writeTextFile(`${dir}/text.json`, "not json\nline2\n");
 * await assertRejects(() => readQueryJson(`${dir}/text.json`), /text.json is not a query JSON: expected an object/);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function readQueryJson(path: string): Promise<QueryResult> {
  const text = await readTextFile(path);
  if (!/^\uFEFF?\s*\{/.test(text)) {
    throw notQueryJson(path, "expected an object from metric name to series");
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    // one line: V8's message quotes the text, line breaks included
    throw new SyntaxError(
      `Cannot parse ${path} as a query JSON: ${
        (error as Error).message.replace(/\r?\n/g, "\\n")
      }`,
      { cause: error },
    );
  }
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
