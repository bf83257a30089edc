/**
 * The export filter of kepler-model-db (upstream's
 * `train/exporter/validator.py`): a model is dropped when its MAE or MAPE
 * is above the hard threshold (100), and kept when its MAPE is at most 20 %
 * or its MAE at most 10 W.
 *
 * One deliberate difference: upstream writes an undefined MAPE as −1 (all
 * test labels 0; ours: no test label at or above the 1 W MAPE floor), and `−1 ≤ 20` let such a model through on MAPE alone,
 * whatever its MAE (up to the hard threshold). Here an undefined MAPE never
 * passes on MAPE: the model must pass on MAE.
 *
 * @module
 */

/** Export thresholds. */
export interface ExportThresholds {
  /** Keep a model whose MAE (W) is at most this. Upstream: 10. */
  mae: number;
  /** Keep a model whose (defined) MAPE (%) is at most this. Upstream: 20. */
  mape: number;
  /** Drop a model whose MAE or MAPE is above this. Upstream: 100. */
  hard: number;
}

/**
 * Upstream's thresholds: MAE 10 W, MAPE 20 %, hard 100.
 *
 * @example
 * ```ts
 * import { DEFAULT_EXPORT_THRESHOLDS } from "./thresholds.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(DEFAULT_EXPORT_THRESHOLDS, { mae: 10, mape: 20, hard: 100 });
 * ```
 */
export const DEFAULT_EXPORT_THRESHOLDS: Readonly<ExportThresholds> = Object
  .freeze({ mae: 10, mape: 20, hard: 100 });

/**
 * Checks thresholds given by a user: each a finite number ≥ 0. Throws a
 * `RangeError` naming the bad one.
 *
 * @param thresholds The thresholds given; a missing one (or none: the
 *   default) keeps upstream's value.
 * @returns All three thresholds, the given ones over
 *   {@linkcode DEFAULT_EXPORT_THRESHOLDS}.
 * @throws {RangeError} when a threshold is not a finite number ≥ 0.
 *
 * @example
 * ```ts
 * import { checkThresholds } from "./thresholds.ts";
 * import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
 * assertEquals(checkThresholds({ mae: 5 }), { mae: 5, mape: 20, hard: 100 });
 * assertThrows(() => checkThresholds({ mape: -1 }), RangeError);
 * ```
 */
export function checkThresholds(
  thresholds: Partial<ExportThresholds> = {},
): ExportThresholds {
  const out = { ...DEFAULT_EXPORT_THRESHOLDS, ...thresholds };
  for (const key of ["mae", "mape", "hard"] as const) {
    const v = out[key];
    if (!(Number.isFinite(v) && v >= 0)) {
      throw new RangeError(
        `Invalid ${key} threshold ${v}: it must be a number ≥ 0`,
      );
    }
  }
  return out;
}

/**
 * Whether a model with these errors passes the export filter. `mape` below
 * 0 (upstream's −1) or NaN means undefined: it neither passes nor fails
 * the model on MAPE. A non-finite MAE never passes.
 *
 * @example
 * ```ts
 * import { passesThresholds } from "./thresholds.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(passesThresholds({ mae: 42, mape: 18 }), true);   // MAPE ≤ 20
 * assertEquals(passesThresholds({ mae: 8, mape: 60 }), true);    // MAE ≤ 10
 * assertEquals(passesThresholds({ mae: 8, mape: 120 }), false);  // MAPE > 100
 * assertEquals(passesThresholds({ mae: 17, mape: -1 }), false);  // upstream kept it
 * assertEquals(passesThresholds({ mae: 9, mape: -1 }), true);
 * ```
 */
export function passesThresholds(
  errors: { mae: number; mape: number },
  thresholds: Readonly<ExportThresholds> = DEFAULT_EXPORT_THRESHOLDS,
): boolean {
  const { mae, mape } = errors;
  if (!Number.isFinite(mae)) return false;
  const mapeDefined = Number.isFinite(mape) && mape >= 0;
  if (mae > thresholds.hard) return false;
  if (mapeDefined && mape > thresholds.hard) return false;
  return (mapeDefined && mape <= thresholds.mape) || mae <= thresholds.mae;
}
