/**
 * The table the time-series figures read: numeric columns by name, in the
 * layouts of upstream's preprocessed CSVs (`timestamp`, the features,
 * `<c>_power`, `node_type`) and `estimation_result.csv` (the same plus the
 * predictions `default_<c>_power`, see `estimate_columns.ts`).
 *
 * @module
 */
import type { CsvTable } from "../io/mod.ts";
import type { Frame } from "../extract/mod.ts";
import { type Component, COMPONENTS, powerColumn } from "../types.ts";
import { PREDICTED_POWER_PREFIX } from "./estimate_columns.ts";

/**
 * Numeric columns by name, all of one length. Column order is the object's
 * key order. Missing values are `NaN`.
 */
export type PlotTable = Readonly<Record<string, ArrayLike<number>>>;

/** Options of {@linkcode plotTableFromCsv}. */
export interface PlotTableFromCsvOptions {
  /**
   * Where the CSV came from, for error messages.
   *
   * @default {"CSV table"}
   */
  source?: string;
}

const NAN_CELLS = new Set(["", "nan", "NaN", "None", "null"]);

function parseCell(cell: string): number | undefined {
  const s = cell.trim();
  if (NAN_CELLS.has(s)) return Number.NaN;
  if (s === "inf") return Number.POSITIVE_INFINITY;
  if (s === "-inf") return Number.NEGATIVE_INFINITY;
  const n = Number(s);
  return Number.isNaN(n) ? undefined : n;
}

/**
 * Keeps the numeric columns of a CSV table (empty and `nan` cells become
 * `NaN`); text columns (`id`, `instance`) and pandas' index column (named
 * `""` or `Unnamed: 0`) are left out. Throws a `RangeError` when there is no
 * `timestamp` column or it is not numeric.
 *
 * @param table The parsed CSV: a header and rows of text cells.
 * @param options Where the CSV came from, for the error message.
 * @returns The numeric columns, in header order.
 * @throws {RangeError} when the table has no numeric `timestamp` column.
 *
 * @example
 * ```ts
 * import { plotTableFromCsv } from "./plot_table.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const t = plotTableFromCsv({
 *   header: ["", "timestamp", "id", "bpf_cpu_time_ms", "package_power"],
 *   rows: [["0", "10", "a/b", "5.5", ""], ["1", "13", "c/d", "6", "40"]],
 * });
 * assertEquals(Object.keys(t), ["timestamp", "bpf_cpu_time_ms", "package_power"]);
 * assertEquals(Array.from(t.package_power!), [NaN, 40]);
 * ```
 */
export function plotTableFromCsv(
  table: CsvTable,
  options: PlotTableFromCsvOptions = {},
): PlotTable {
  const source = options.source ?? "CSV table";
  const out: Record<string, Float64Array> = {};
  table.header.forEach((name, j) => {
    if (name === "" || name === "Unnamed: 0" || name in out) return;
    const column = new Float64Array(table.rows.length);
    for (let i = 0; i < table.rows.length; i++) {
      const v = parseCell(table.rows[i]![j] ?? "");
      if (v === undefined) return; // a text column
      column[i] = v;
    }
    out[name] = column;
  });
  if (!("timestamp" in out)) {
    throw new RangeError(
      `Cannot plot ${source}: it has no numeric timestamp column; columns are ${
        table.header.join(", ")
      }`,
    );
  }
  return out;
}

/**
 * A node- or container-level frame of `lib/extract` as a plot table:
 * `timestamp`, the features, `<c>_power` and `node_type` (no copies).
 *
 * @param frame The training frame.
 * @returns Its columns by upstream's CSV names, sharing the frame's arrays.
 *
 * @example
 * ```ts
 * import { plotTableFromFrame } from "./plot_table.ts";
 * import type { Frame } from "../extract/mod.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const frame: Frame = {
 *   level: "node", source: "acpi", length: 1,
 *   timestamp: Float64Array.of(3), instances: [""], instance: new Uint32Array(1),
 *   containers: [], featureNames: ["x"], features: { x: Float64Array.of(0.5) },
 *   components: ["platform"], power: { platform: Float64Array.of(100) }, nodeType: new Int32Array(1),
 * };
 * assertEquals(Object.keys(plotTableFromFrame(frame)), ["timestamp", "x", "platform_power", "node_type"]);
 * ```
 */
export function plotTableFromFrame(frame: Frame): PlotTable {
  const out: Record<string, ArrayLike<number>> = {
    timestamp: frame.timestamp,
  };
  for (const f of frame.featureNames) {
    const column = frame.features[f];
    if (column !== undefined) out[f] = column;
  }
  for (const c of frame.components) {
    const column = frame.power[c];
    if (column !== undefined) out[powerColumn(c)] = column;
  }
  out.node_type = frame.nodeType;
  return out;
}

/** Columns that are neither features nor power in upstream's CSVs. */
const NON_FEATURE_COLUMNS = new Set([
  "",
  "Unnamed: 0",
  "timestamp",
  "node_type",
  "instance",
  "id",
]);

/**
 * The component of a measured power column `<c>_power`, or undefined.
 *
 * @example
 * ```ts
 * import { powerColumnComponent } from "./plot_table.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(powerColumnComponent("dram_power"), "dram");
 * assertEquals(powerColumnComponent("default_dram_power"), undefined);
 * ```
 */
export function powerColumnComponent(name: string): Component | undefined {
  return COMPONENTS.find((c) => powerColumn(c) === name);
}

/**
 * The feature columns of a table: every column that is not the timestamp,
 * `node_type`, `id`, `instance`, a `<c>_power` label, a `default_*`
 * prediction (or its bounds) or upstream's `packge_ratio_*` artefact.
 *
 * @example
 * ```ts
 * import { featureColumns } from "./plot_table.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const t = { timestamp: [1], bpf_cpu_time_ms: [2], package_power: [3], node_type: [0],
 *   packge_ratio_package: [1], default_package_power: [3] };
 * assertEquals(featureColumns(t), ["bpf_cpu_time_ms"]);
 * ```
 */
export function featureColumns(table: PlotTable): string[] {
  return Object.keys(table).filter((name) =>
    !NON_FEATURE_COLUMNS.has(name) &&
    powerColumnComponent(name) === undefined &&
    !name.startsWith(PREDICTED_POWER_PREFIX) &&
    !name.startsWith("packge_ratio_") &&
    !name.startsWith("package_ratio_")
  );
}
