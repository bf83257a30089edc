/**
 * The column convention of estimation tables (`estimation_result.csv`):
 * measured power is `<c>_power` (the label), the prediction is upstream's
 * `default_<c>_power`, and a prediction interval, when the model carries
 * one, is `default_<c>_power_lo` and `default_<c>_power_hi`: the bounds are
 * named after the prediction they bound. `lib/estimate` writes these names
 * and `lib/plot` reads them, so both import them from here.
 *
 * @module
 */
import type { Component } from "../types.ts";

/** Prefix of a predicted power column (upstream's `default_predicted_col_func`). */
export const PREDICTED_POWER_PREFIX = "default_";

/** Suffixes of the lower and upper bound columns of a prediction. */
export const POWER_INTERVAL_SUFFIXES = { lo: "_lo", hi: "_hi" } as const;

/**
 * The predicted power column of a component: `default_<c>_power`.
 *
 * @example
 * ```ts
 * import { predictedPowerColumn } from "./estimate_columns.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(predictedPowerColumn("package"), "default_package_power");
 * ```
 */
export function predictedPowerColumn(
  component: Component,
): `default_${Component}_power` {
  return `${PREDICTED_POWER_PREFIX}${component}_power`;
}

/**
 * The prediction-interval columns of a component:
 * `default_<c>_power_lo` and `default_<c>_power_hi`.
 *
 * @example
 * ```ts
 * import { powerIntervalColumns } from "./estimate_columns.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(powerIntervalColumns("platform"),
 *   { lo: "default_platform_power_lo", hi: "default_platform_power_hi" });
 * ```
 */
export function powerIntervalColumns(
  component: Component,
): {
  lo: `default_${Component}_power_lo`;
  hi: `default_${Component}_power_hi`;
} {
  const predicted = predictedPowerColumn(component);
  return {
    lo: `${predicted}${POWER_INTERVAL_SUFFIXES.lo}`,
    hi: `${predicted}${POWER_INTERVAL_SUFFIXES.hi}`,
  };
}
