/**
 * Error metrics of a model on a test set, as upstream records them in model
 * metadata: per component `mae`, `mape`, `mse` and `r2`, and for the model
 * `mae` = max over components and `mape` = max over components whose MAPE is
 * defined.
 *
 * Upstream's `save_metadata` wrote the **last** component's MAPE as the
 * model `mape` (dram for RAPL, so published `mape` is dram's MAPE) — a bug.
 * We take the worst component's MAPE instead, consistent with `mae`.
 *
 * MAPE counts only rows whose label is at least {@linkcode MAPE_FLOOR_W}
 * (1 W): upstream's preprocessed CSVs carry DynPower labels of 1e-9 W
 * (rounding leftovers of idle subtraction), whose percentage errors of
 * 1e9 % and more made the mean meaningless. Every MAPE of the project
 * (training metadata, `estimate`, the plots' subplot titles) is
 * {@linkcode meanAbsolutePercentageError}, so the definition is one.
 *
 * Values are not rounded here; upstream rounds to 2 decimals when it writes
 * metadata, which is the writer's business.
 *
 * @module
 */

/**
 * The smallest label, in watts, a MAPE counts: rows below it (an idle
 * DynPower of 1e-9 W, a `core` of 0) make percentages without meaning.
 */
export const MAPE_FLOOR_W = 1;

/**
 * Mean absolute percentage error, in percent, over the rows whose label is
 * at least {@linkcode MAPE_FLOOR_W}: `100 × mean(|ŷ − y| / y)` for
 * `y ≥ 1 W`. Rows below the floor count in MAE, not here.
 *
 * Undefined when no label reaches the floor (an all-zero `core`, a
 * DynPower component that never exceeds 1 W): then the result is −1,
 * upstream's value for an undefined MAPE in its metadata, because JSON has
 * no NaN (Python would write the invalid token `NaN`, `JSON.stringify`
 * writes `null`). Every reader of a MAPE (export thresholds, ranking, the
 * model filter, plots) treats a negative MAPE as undefined.
 *
 * @param y The measured power, W, one per row.
 * @param yHat The predictions, W, one per row of `y`.
 * @returns The MAPE in percent over rows with `y ≥ MAPE_FLOOR_W`, or −1
 *   when there is none; NaN when a counted row's prediction is not finite.
 * @throws {RangeError} when `yHat` and `y` differ in length.
 *
 * @example
 * ```ts
 * import { meanAbsolutePercentageError } from "./metrics.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * // 1e-9 W and 0.5 W are below the 1 W floor: only 10 W and 20 W count.
 * const y = Float64Array.of(1e-9, 0.5, 10, 20), yHat = Float64Array.of(3, 1, 11, 18);
 * assertEquals(meanAbsolutePercentageError(y, yHat), (10 + 10) / 2);
 * assertEquals(meanAbsolutePercentageError(Float64Array.of(0, 0.2), Float64Array.of(1, 1)), -1);
 * ```
 */
export function meanAbsolutePercentageError(
  y: ArrayLike<number>,
  yHat: ArrayLike<number>,
): number {
  if (yHat.length !== y.length) {
    throw new RangeError(
      `Cannot compute a MAPE: ${yHat.length} predictions for ${y.length} values`,
    );
  }
  let pct = 0, n = 0;
  for (let i = 0; i < y.length; i++) {
    const yi = y[i]!;
    if (!(yi >= MAPE_FLOOR_W && Number.isFinite(yi))) continue;
    pct += Math.abs((yHat[i]! - yi) / yi);
    n++;
  }
  return n > 0 ? (pct / n) * 100 : -1;
}

/** Error metrics of one component. */
export interface ComponentMetrics {
  /** Mean absolute error, in y's unit (W). */
  mae: number;
  /**
   * Mean absolute percentage error over rows with `y ≥ MAPE_FLOOR_W` (1 W),
   * in percent; −1 when no row reaches the floor (upstream's value for an
   * undefined MAPE). See {@linkcode meanAbsolutePercentageError}.
   */
  mape: number;
  /** Mean squared error. */
  mse: number;
  /**
   * Coefficient of determination `1 − SS_res / SS_tot`; scikit-learn's
   * convention when `SS_tot = 0`: 1 for a perfect fit, else 0.
   */
  r2: number;
}

/** Model-level error summary. */
export interface ModelMetrics {
  /** Largest component MAE. */
  mae: number;
  /** Largest defined component MAPE, or −1 when none is defined. */
  mape: number;
}

/**
 * Error metrics of predictions `yHat` against truth `y`. Throws a
 * `RangeError` on empty or mismatched input.
 *
 * @param y The true values, one per row.
 * @param yHat The predictions, one per row of `y`.
 * @returns MAE, MAPE (percent over rows with `y ≥ 1 W`, −1 when none; see
 *   {@linkcode meanAbsolutePercentageError}), MSE and R² of the predictions.
 * @throws {RangeError} when `y` is empty or `yHat` has another length.
 *
 * @example
 * ```ts
 * import { regressionMetrics } from "./metrics.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const m = regressionMetrics(Float64Array.of(0, 10, 20), Float64Array.of(1, 11, 18));
 * assertEquals(m.mae, 4 / 3);
 * assertEquals(m.mape, (10 + 10) / 2); // row with y = 0 < 1 W skipped
 * assertEquals(m.mse, 2);
 * assertEquals(m.r2, 1 - 6 / 200);
 * ```
 */
export function regressionMetrics(
  y: Float64Array,
  yHat: Float64Array,
): ComponentMetrics {
  const n = y.length;
  if (n === 0) throw new RangeError("Cannot compute metrics of 0 rows");
  if (yHat.length !== n) {
    throw new RangeError(
      `Cannot compute metrics: ${yHat.length} predictions for ${n} values`,
    );
  }
  let abs = 0, sq = 0, sum = 0;
  for (let i = 0; i < n; i++) {
    const e = yHat[i]! - y[i]!;
    abs += Math.abs(e);
    sq += e * e;
    sum += y[i]!;
  }
  const mean = sum / n;
  let ssTot = 0;
  for (let i = 0; i < n; i++) ssTot += (y[i]! - mean) ** 2;
  const r2 = ssTot > 0 ? 1 - sq / ssTot : sq === 0 ? 1 : 0;
  return {
    mae: abs / n,
    mape: meanAbsolutePercentageError(y, yHat),
    mse: sq / n,
    r2,
  };
}

/**
 * The model-level summary of per-component metrics: the largest MAE and the
 * largest defined MAPE (−1 if none). Throws a `RangeError` for no
 * components.
 *
 * @example
 * ```ts
 * import { summarizeMetrics } from "./metrics.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(summarizeMetrics({
 *   package: { mae: 12, mape: 8, mse: 200, r2: 0.9 },
 *   core: { mae: 0, mape: -1, mse: 0, r2: 1 },
 *   dram: { mae: 3, mape: 5, mse: 10, r2: 0.8 },
 * }), { mae: 12, mape: 8 });
 * ```
 */
export function summarizeMetrics(
  byComponent: Readonly<Record<string, ComponentMetrics>>,
): ModelMetrics {
  const all = Object.values(byComponent);
  if (all.length === 0) {
    throw new RangeError("Cannot summarise metrics of no components");
  }
  let mae = -Infinity, mape = -1;
  for (const m of all) {
    mae = Math.max(mae, m.mae);
    if (m.mape >= 0) mape = Math.max(mape, m.mape);
  }
  return { mae, mape };
}
