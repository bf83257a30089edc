/**
 * The error bound of `calibrate --max-error`: watts of mean absolute error
 * (`2`, `2W`) or a mean absolute percentage error (`5%`).
 *
 * @module
 */
import { MAPE_FLOOR_W } from "../train/metrics.ts";

/** An error bound: MAE in watts or MAPE in percent. */
export interface MaxError {
  /** `"watts"`: mean absolute error (W); `"mape"`: mean absolute percentage error (%). */
  readonly kind: "watts" | "mape";
  /** The bound. */
  readonly value: number;
}

/**
 * Parses `2`, `2W` or `2.5 w` (watts of MAE) and `5%` (MAPE).
 *
 * @param text The flag's value.
 * @returns The bound.
 * @throws {RangeError} when the text is not a positive number of watts or
 *   percent.
 *
 * @example
 * ```ts
 * import { parseMaxError } from "./max_error.ts";
 * import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
 * assertEquals(parseMaxError("2"), { kind: "watts", value: 2 });
 * assertEquals(parseMaxError("2.5W"), { kind: "watts", value: 2.5 });
 * assertEquals(parseMaxError("5%"), { kind: "mape", value: 5 });
 * assertThrows(() => parseMaxError("-1"), RangeError);
 * ```
 */
export function parseMaxError(text: string): MaxError {
  const m = /^\s*([0-9]*\.?[0-9]+(?:e[+-]?\d+)?)\s*(w|%)?\s*$/i.exec(text);
  const value = m ? Number(m[1]) : NaN;
  if (!m || !(value > 0) || !Number.isFinite(value)) {
    throw new RangeError(
      `"${text}" is not an error bound: expected watts (e.g. 2 or 2W) or a percentage (e.g. 5%)`,
    );
  }
  return { kind: m[2] === "%" ? "mape" : "watts", value };
}

/**
 * The error of predictions against measurements in the bound's unit: mean
 * absolute error (W), or mean absolute percentage error (%) over the rows
 * measuring at least 1 W (as the training metrics count it). NaN when there
 * is no such row.
 *
 * @param kind `"watts"` or `"mape"`.
 * @param predicted Predicted watts, one per row.
 * @param measured Measured watts, one per row.
 * @returns The error.
 *
 * @example
 * ```ts
 * import { errorOf } from "./max_error.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(errorOf("watts", [10, 12], Float64Array.of(11, 11)), 1);
 * assertEquals(errorOf("mape", [110], Float64Array.of(100)), 10);
 * ```
 */
export function errorOf(
  kind: MaxError["kind"],
  predicted: ArrayLike<number>,
  measured: ArrayLike<number>,
): number {
  const n = Math.min(predicted.length, measured.length);
  let sum = 0;
  let rows = 0;
  for (let i = 0; i < n; i++) {
    const d = Math.abs(predicted[i]! - measured[i]!);
    if (kind === "watts") sum += d;
    else if (Math.abs(measured[i]!) >= MAPE_FLOOR_W) {
      sum += 100 * d / Math.abs(measured[i]!);
    } else continue;
    rows++;
  }
  return rows === 0 ? NaN : sum / rows;
}

/**
 * The median of finite values (NaN when there is none).
 *
 * @param values The values; NaN and infinities are left out.
 * @returns The median.
 *
 * @example
 * ```ts
 * import { median } from "./max_error.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(median([3, 1, 2]), 2);
 * assertEquals(median([4, 1, 2, 3]), 2.5);
 * ```
 */
export function median(values: readonly number[]): number {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = v.length >> 1;
  return v.length % 2 === 1 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}
