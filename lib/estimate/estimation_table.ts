/**
 * The table of `estimation_result.csv`: upstream's columns (`timestamp`,
 * the features, the measured `<c>_power`, `node_type`), then the
 * predictions `default_<c>_power` and, for a model with a conformal
 * interval, `default_<c>_power_lo` and `default_<c>_power_hi` (the column
 * convention of `lib/plot/estimate_columns.ts`). An `instance` column
 * follows `timestamp` when the data holds several Kepler instances.
 * Upstream's `packge_ratio_<unit>` column is not written: the frames sum
 * the sockets, so there is no per-socket ratio.
 *
 * @module
 */
import type { Frame } from "../extract/frame.ts";
import type { CsvCell } from "../io/csv.ts";
import {
  powerIntervalColumns,
  predictedPowerColumn,
} from "../plot/estimate_columns.ts";
import { COMPONENTS, powerColumn } from "../types.ts";
import type { Component } from "../types.ts";
import type { ComponentPrediction } from "./estimator_model.ts";

/** A CSV table: header and rows. */
export interface EstimationTable {
  /** Column names. */
  header: string[];
  /** Rows of cells. */
  rows: CsvCell[][];
}

/**
 * The estimation table of a frame and a model's predictions. Throws a
 * `RangeError` when a prediction's length differs from the frame's.
 *
 * @param frame The node frame estimated on: timestamps, features, measured
 *   power and node types, one row each.
 * @param predictions The model's predicted watts per component, one value
 *   per frame row, with interval bounds when it has them; components
 *   without a prediction get no column.
 * @returns The header and rows of `estimation_result.csv`, one row per
 *   frame row.
 * @throws {RangeError} when a prediction or bound has a different length
 *   than the frame.
 *
 * @example
 * ```ts
 * import { estimationTable } from "./estimation_table.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const frame = { level: "node", source: "acpi", length: 1, timestamp: Float64Array.of(1702462614),
 *   instances: ["n"], instance: new Uint32Array(1), containers: [], featureNames: ["bpf_cpu_time_ms"],
 *   features: { bpf_cpu_time_ms: Float64Array.of(335.8) }, components: ["platform"],
 *   power: { platform: Float64Array.of(114.6) }, nodeType: new Int32Array(1) } as const;
 * const t = estimationTable(frame as never, { platform: { yHat: Float64Array.of(110),
 *   lo: Float64Array.of(100), hi: Float64Array.of(120), nominal: 0.9 } });
 * assertEquals(t.header, ["timestamp", "bpf_cpu_time_ms", "platform_power", "node_type",
 *   "default_platform_power", "default_platform_power_lo", "default_platform_power_hi"]);
 * assertEquals(t.rows, [[1702462614, 335.8, 114.6, 0, 110, 100, 120]]);
 * ```
 */
export function estimationTable(
  frame: Frame,
  predictions: Readonly<Partial<Record<Component, ComponentPrediction>>>,
): EstimationTable {
  const n = frame.length;
  const predicted = COMPONENTS.filter((c) => predictions[c] !== undefined);
  const withInterval = predicted.filter((c) =>
    predictions[c]!.lo !== undefined && predictions[c]!.hi !== undefined
  );
  for (const c of predicted) {
    const p = predictions[c]!;
    for (const col of [p.yHat, p.lo, p.hi]) {
      if (col !== undefined && col.length !== n) {
        throw new RangeError(
          `Cannot tabulate the ${c} prediction: ${col.length} values for ${n} rows`,
        );
      }
    }
  }
  const multi = frame.instances.length > 1;
  const header = [
    "timestamp",
    ...(multi ? ["instance"] : []),
    ...frame.featureNames,
    ...frame.components.map(powerColumn),
    "node_type",
    ...predicted.map(predictedPowerColumn),
    ...withInterval.flatMap((c) => {
      const { lo, hi } = powerIntervalColumns(c);
      return [lo, hi];
    }),
  ];
  const features = frame.featureNames.map((f) => frame.features[f]!);
  const powers = frame.components.map((c) => frame.power[c]!);
  const rows: CsvCell[][] = new Array(n);
  for (let i = 0; i < n; i++) {
    const row: CsvCell[] = [frame.timestamp[i]!];
    if (multi) row.push(frame.instances[frame.instance[i]!]!);
    for (const col of features) row.push(col[i]!);
    for (const col of powers) row.push(col[i]!);
    row.push(frame.nodeType[i]!);
    for (const c of predicted) row.push(predictions[c]!.yHat[i]!);
    for (const c of withInterval) {
      row.push(predictions[c]!.lo![i]!, predictions[c]!.hi![i]!);
    }
    rows[i] = row;
  }
  return { header, rows };
}
