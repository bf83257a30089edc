/**
 * The ground truth of a simulation as CSV (`<name>_truth.csv`): one row per
 * node and sample with the usage rates that drove it, the true power per
 * component, the true idle power and the measured power (what the energy
 * counters show).
 *
 * @module
 */
import { formatCsv } from "../io/mod.ts";
import type { CsvCell } from "../io/mod.ts";
import { COMPONENTS, powerColumn } from "../types.ts";
import { SIMULATED_FEATURES } from "./node_model.ts";
import type { Simulation } from "./simulate.ts";

/**
 * Columns of the truth CSV: `timestamp` (unix seconds; the row describes the
 * interval that ends there), `instance`, `phase` (the workload phase covering
 * most of the interval, or `break`), `scraped` (1 when the sample is in the
 * query JSON, 0 for a missed scrape), the per-second rate of each usage
 * feature summed over containers, then per component `<c>_power` (true),
 * `<c>_idle_power` (true idle) and `<c>_measured_power` (true + noise).
 */
export const TRUTH_COLUMNS: readonly string[] = [
  "timestamp",
  "instance",
  "phase",
  "scraped",
  ...SIMULATED_FEATURES,
  ...COMPONENTS.map(powerColumn),
  ...COMPONENTS.map((c) => `${c}_idle_power`),
  ...COMPONENTS.map((c) => `${c}_measured_power`),
];

/**
 * The truth table as CSV text with {@linkcode TRUTH_COLUMNS}.
 *
 * @example
 * ```ts
 * import { simulate } from "./mod.ts";
import { truthCsv, TRUTH_COLUMNS } from "./truth_csv.ts";
 * import { parseCsv } from "../io/mod.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const sim = simulate({ start: 1_700_000_000, duration: 30, containers: 2 });
 * const table = parseCsv(truthCsv(sim));
 * assertEquals(table.header, [...TRUTH_COLUMNS]);
 * assertEquals(table.rows.length, 10);
 * assertEquals(table.rows[0]![table.header.indexOf("platform_idle_power")], "95");
 * ```
 */
export function truthCsv(sim: Simulation): string {
  const rows: CsvCell[][] = [];
  for (const node of sim.nodes) {
    const scraped = new Uint8Array(node.timestamps.length);
    for (const k of node.emitted) scraped[k] = 1;
    const { truth } = node;
    for (let k = 0; k < node.timestamps.length; k++) {
      const row: CsvCell[] = [
        node.timestamps[k],
        node.instance,
        truth.phase[k],
        scraped[k],
      ];
      for (const f of SIMULATED_FEATURES) row.push(truth.rates[f][k]);
      for (const c of COMPONENTS) row.push(truth.power[c][k]);
      for (const c of COMPONENTS) row.push(truth.idle[c]);
      for (const c of COMPONENTS) row.push(truth.measured[c][k]);
      rows.push(row);
    }
  }
  return formatCsv(TRUTH_COLUMNS, rows);
}
