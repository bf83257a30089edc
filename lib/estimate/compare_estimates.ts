/**
 * How `estimate` ranks models: by the error recorded in training (its
 * blocked cross-validation figure when it has one, else the holdout's; the
 * ranking `ERROR_KEY` of the model metadata), as `train`,
 * `export` and `serve` rank them; models with no recorded error after, and
 * the error on the estimated query only for those and for ties.
 *
 * @module
 */

/**
 * The number recorded under `key` (a metadata value or a CSV cell), or
 * undefined when it is missing or not finite; a negative MAPE is upstream's
 * −1 for "undefined".
 *
 * @example
 * ```ts
 * import { recordedError } from "./compare_estimates.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(recordedError({ mae: 2.5 }, "mae"), 2.5);
 * assertEquals(recordedError({ mae: "2.5", mape: "-1" }, "mae"), 2.5);
 * assertEquals(recordedError({ mape: "-1" }, "mape"), undefined);
 * assertEquals(recordedError(undefined, "mae"), undefined);
 * ```
 */
export function recordedError(
  recorded: Readonly<Record<string, unknown>> | undefined,
  key: string,
): number | undefined {
  const v = recorded?.[key];
  const n = typeof v === "number"
    ? v
    : typeof v === "string" && v.trim() !== ""
    ? Number(v)
    : Number.NaN;
  if (!Number.isFinite(n) || (n < 0 && key.endsWith("mape"))) return undefined;
  return n;
}

/** What {@linkcode compareEstimates} reads of a model's estimate. */
export interface RankedEstimate {
  /** The error recorded on the training holdout, if any. */
  holdoutError?: number;
  /**
   * The error to rank by when it differs from the holdout's: the blocked
   * cross-validation figure (Infinity when cross-validation failed).
   */
  rankError?: number;
  /** The max-over-components MAE on the estimated query. */
  mae: number;
}

/**
 * Sort order of estimated models, best first: a recorded holdout error
 * before none, the lower holdout error, then the lower MAE on the query.
 *
 * @param a One model's recorded holdout error and MAE on the query (W).
 * @param b The other model's.
 * @returns A negative number when `a` ranks first, positive when `b`
 *   does, 0 when they tie (for `Array.prototype.sort`).
 *
 * @example
 * ```ts
 * import { compareEstimates } from "./compare_estimates.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const models = [
 *   { name: "overfit", holdoutError: 9, mae: 1 },
 *   { name: "weight file", mae: 0.5 },
 *   { name: "general", holdoutError: 3, mae: 4 },
 * ];
 * assertEquals(models.sort(compareEstimates).map((m) => m.name), ["general", "overfit", "weight file"]);
 * ```
 */
export function compareEstimates(a: RankedEstimate, b: RankedEstimate): number {
  const ha = a.rankError ?? a.holdoutError;
  const hb = b.rankError ?? b.holdoutError;
  if (ha !== undefined && hb === undefined) return -1;
  if (ha === undefined && hb !== undefined) return 1;
  if (ha !== undefined && hb !== undefined && ha !== hb) return ha - hb;
  return a.mae - b.mae;
}
