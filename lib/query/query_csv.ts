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
  formatCsv,
  replaceDirAtomic,
  writeFileAtomic,
} from "../io/mod.ts";
import { metricCsvFile } from "../layout.ts";
import type { PromSeries, QueryResult } from "./format.ts";

/** A header and rows ready for {@linkcode formatCsv}. */
export interface QueryCsvTable {
  /** `["", "__name__", ...labels, "timestamp", metric]`. */
  header: string[];
  /** One row per sample. */
  rows: CsvCell[][];
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
  series: readonly PromSeries[],
): QueryCsvTable {
  const names = new Set<string>();
  for (const s of series) for (const k of Object.keys(s.metric)) names.add(k);
  names.delete("__name__");
  const labels = [...names].sort();
  const header = ["", "__name__", ...labels, "timestamp", metric];
  const rows: CsvCell[][] = [];
  let index = 0;
  for (const s of series) {
    const fixed = [
      s.metric.__name__ ?? metric,
      ...labels.map((l) => s.metric[l]),
    ];
    for (const [t, v] of s.values) rows.push([index++, ...fixed, t, v]);
  }
  return { header, rows };
}

/**
 * Writes `<dir>/<metric>.csv` for every metric of a query result, replacing
 * the folder atomically (an interrupted run leaves the old folder).
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
  result: QueryResult,
): Promise<void> {
  await replaceDirAtomic(dir, async (tmp) => {
    for (const [metric, series] of Object.entries(result)) {
      const table = queryCsvTable(metric, series);
      await writeFileAtomic(
        metricCsvFile(tmp, metric),
        formatCsv(table.header, table.rows),
      );
    }
  });
}
