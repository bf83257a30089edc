/**
 * `query --to-csv`: one CSV per metric in upstream's layout (the pandas
 * `to_csv` of the metric's frame, as in upstream commit 85db8ab's
 * `tests/data/prom_output/*.csv`): an unnamed index column, `__name__`, the
 * other labels in name order, `timestamp`, and a value column named after
 * the metric; one row per sample, series after series.
 *
 * @module
 */
import {
  type CsvCell,
  csvPieces,
  formatCsvRow,
  replaceDirAtomic,
  writeFileAtomic,
} from "../io/mod.ts";
import { metricCsvFile } from "../layout.ts";
import type { PromSeries, QueryResult } from "./format.ts";
import {
  type CompactResult,
  type CompactSeries,
  promValueText,
  sampleText,
} from "./compact_series.ts";
import { ByteBuffer, isSmallInteger, writeText } from "./_byte_pieces.ts";

/** A header and rows ready for {@linkcode formatCsv}. */
export interface QueryCsvTable {
  /** `["", "__name__", ...labels, "timestamp", metric]`. */
  header: string[];
  /** One row per sample. */
  rows: CsvCell[][];
}

/** The CSV header of a metric's series: index, name, labels, time, value. */
function csvHeader(
  metric: string,
  series: readonly (PromSeries | CompactSeries)[],
): string[] {
  const names = new Set<string>();
  for (const s of series) for (const k of Object.keys(s.metric)) names.add(k);
  names.delete("__name__");
  return ["", "__name__", ...[...names].sort(), "timestamp", metric];
}

/** The CSV rows of a metric's series, one per sample, made as read. */
function* csvRows(
  header: readonly string[],
  series: readonly (PromSeries | CompactSeries)[],
): Generator<CsvCell[]> {
  const metric = header[header.length - 1] as string;
  const labels = header.slice(2, -2);
  let index = 0;
  for (const s of series) {
    const fixed = [
      s.metric.__name__ ?? metric,
      ...labels.map((l) => s.metric[l]),
    ];
    if (s.values instanceof Float64Array) {
      const c = s as CompactSeries;
      for (let i = 0; i < c.times.length; i++) {
        yield [index++, ...fixed, c.times[i], sampleText(c, i)];
      }
    } else {
      for (const [t, v] of (s as PromSeries).values) {
        yield [index++, ...fixed, t, v];
      }
    }
  }
}

/**
 * Builds the CSV table of one metric. Values are written as Prometheus sent
 * them (e.g. `7150.525`); a label a series lacks is an empty cell.
 *
 * @example
 * ```ts
 * import { queryCsvTable } from "./query_csv.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const table = queryCsvTable("m_total", [
 *   { metric: { __name__: "m_total", mode: "idle", a: "x" }, values: [[10, "1.5"], [13, "2"]] },
 * ]);
 * assertEquals(table.header, ["", "__name__", "a", "mode", "timestamp", "m_total"]);
 * assertEquals(table.rows, [[0, "m_total", "x", "idle", 10, "1.5"], [1, "m_total", "x", "idle", 13, "2"]]);
 * ```
 */
export function queryCsvTable(
  metric: string,
  series: readonly (PromSeries | CompactSeries)[],
): QueryCsvTable {
  const header = csvHeader(metric, series);
  return { header, rows: [...csvRows(header, series)] };
}

const PLAIN_VALUE = /^[-+0-9.eE]+$|^NaN$|^[+-]?Inf$/;
const encoder = new TextEncoder();

/** Writes a compact series' rows into `out`, from row `index` on. */
function* compactRows(
  out: ByteBuffer,
  s: CompactSeries,
  labels: readonly string[],
  metric: string,
  index: number,
): Generator<Uint8Array | string> {
  const fixedText = `,${
    formatCsvRow([
      s.metric.__name__ ?? metric,
      ...labels.map((l) => s.metric[l]),
    ])
  },`;
  const fixed = encoder.encode(fixedText);
  const fits = fixed.length <= out.bytes.length / 2;
  const { times, values, texts } = s;
  for (let i = 0; i < times.length; i++) {
    if (out.full(fits ? fixed.length : 0)) yield out.take();
    out.integer(index + i);
    if (fits) out.copy(fixed);
    else yield* writeText(out, fixedText);
    const t = times[i]!;
    if (isSmallInteger(t)) out.integer(t);
    else out.ascii(String(t));
    out.byte(0x2c);
    const text = texts?.get(i);
    if (text !== undefined) {
      yield* writeText(
        out,
        PLAIN_VALUE.test(text) ? text : formatCsvRow([text]),
      );
    } else {
      const v = values[i]!;
      if (isSmallInteger(v) && !Object.is(v, -0)) out.integer(v);
      else out.ascii(promValueText(v));
    }
    out.byte(0x0a);
  }
}

/**
 * The CSV text of one metric (as `formatCsv` of {@linkcode queryCsvTable})
 * in pieces: compact series are written row by row into a reused buffer
 * (each piece valid until the next is taken), other series through
 * `csvPieces`.
 *
 * @param metric The metric name (the value column's name).
 * @param series Its series, as Prometheus sends them or compact.
 * @returns The pieces: buffer views, or texts.
 *
 * @example
 * ```ts
 * import { queryCsvChunks } from "./query_csv.ts";
 * import { compactSeries } from "./compact_series.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const s = compactSeries({ metric: { __name__: "up", job: "k" }, values: [[1, "1"], [2, "0.50"]] });
 * let text = "";
 * // Each piece is valid until the next is taken: use it at once.
 * for (const p of queryCsvChunks("up", [s])) text += typeof p === "string" ? p : new TextDecoder().decode(p);
 * assertEquals(text, ",__name__,job,timestamp,up\n0,up,k,1,1\n1,up,k,2,0.50\n");
 * ```
 */
export function* queryCsvChunks(
  metric: string,
  series: readonly (PromSeries | CompactSeries)[],
): Generator<Uint8Array | string> {
  const header = csvHeader(metric, series);
  if (!series.every((s) => s.values instanceof Float64Array)) {
    yield* csvPieces(header, csvRows(header, series));
    return;
  }
  const out = new ByteBuffer();
  yield* writeText(out, `${formatCsvRow(header)}\n`);
  const labels = header.slice(2, -2);
  let index = 0;
  for (const s of series as readonly CompactSeries[]) {
    yield* compactRows(out, s, labels, metric, index);
    index += s.times.length;
  }
  if (out.used > 0) yield out.take();
}

/**
 * Writes `<dir>/<metric>.csv` for every metric of a query result, replacing
 * the folder atomically (an interrupted run leaves the old folder). Each
 * file is written in pieces, never held whole.
 *
 * @example
 * ```ts
 * import { writeQueryCsvs } from "./query_csv.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await writeQueryCsvs(`${dir}/q_csv`, { up: [{ metric: { __name__: "up", job: "k" }, values: [[1, "1"]] }] });
 * assertEquals(await Deno.readTextFile(`${dir}/q_csv/up.csv`), ",__name__,job,timestamp,up\n0,up,k,1,1\n");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeQueryCsvs(
  dir: string,
  result: QueryResult | CompactResult,
): Promise<void> {
  await replaceDirAtomic(dir, async (tmp) => {
    const entries: [string, readonly (PromSeries | CompactSeries)[]][] = Object
      .entries(result);
    for (const [metric, series] of entries) {
      await writeFileAtomic(
        metricCsvFile(tmp, metric),
        queryCsvChunks(metric, series),
      );
    }
  });
}
