/**
 * Rows that share a timestamp (container-level tables) combined into one
 * point per timestamp, as upstream aggregates to node level: usage features
 * and predictions are summed, measured power (repeated on every container
 * row) is averaged. Private to lib/plot.
 *
 * @module
 */
import type { PlotTable } from "./plot_table.ts";

/** How a column is combined over the rows of one timestamp. */
export type Combine = "sum" | "mean";

/** Columns combined per timestamp, timestamps ascending; gaps are `NaN`. */
export interface ByTimestamp {
  /** Distinct timestamps, ascending (unix seconds). */
  timestamp: number[];
  /** Combined columns by name. */
  columns: Record<string, Float64Array>;
  /** Whether some timestamp had more than one row. */
  combined: boolean;
}

/**
 * Combines the requested columns per timestamp. NaN cells are skipped; a
 * timestamp with no finite value gives NaN. Throws a `RangeError` naming
 * the table when a column is missing or has the wrong length.
 */
export function byTimestamp(
  table: PlotTable,
  columns: Readonly<Record<string, Combine>>,
  what: string,
): ByTimestamp {
  const time = table.timestamp;
  if (time === undefined) {
    throw new RangeError(
      `Cannot plot ${what}: the table has no timestamp column; columns are ${
        Object.keys(table).join(", ")
      }`,
    );
  }
  const n = time.length;
  const index = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const t = time[i]!;
    if (!Number.isFinite(t)) {
      throw new RangeError(
        `Cannot plot ${what}: timestamp of row ${i} is ${t}, not a number`,
      );
    }
    if (!index.has(t)) index.set(t, 0);
  }
  const timestamp = [...index.keys()].sort((a, b) => a - b);
  timestamp.forEach((t, k) => index.set(t, k));
  const m = timestamp.length;
  const out: Record<string, Float64Array> = {};
  for (const [name, how] of Object.entries(columns)) {
    const values = table[name];
    if (values === undefined) {
      throw new RangeError(
        `Cannot plot ${what}: column ${name} is missing; columns are ${
          Object.keys(table).join(", ")
        }`,
      );
    }
    if (values.length !== n) {
      throw new RangeError(
        `Cannot plot ${what}: column ${name} has ${values.length} rows, timestamp has ${n}`,
      );
    }
    const sum = new Float64Array(m);
    const count = new Uint32Array(m);
    for (let i = 0; i < n; i++) {
      const v = values[i]!;
      if (!Number.isFinite(v)) continue;
      const k = index.get(time[i]!)!;
      sum[k]! += v;
      count[k]!++;
    }
    const column = new Float64Array(m);
    for (let k = 0; k < m; k++) {
      const c = count[k]!;
      column[k] = c === 0 ? Number.NaN : how === "sum" ? sum[k]! : sum[k]! / c;
    }
    out[name] = column;
  }
  return { timestamp, columns: out, combined: m < n };
}
