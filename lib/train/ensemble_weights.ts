/**
 * How `EnsembleTrainer` picks and weights its members from their
 * out-of-fold predictions: the `size` candidates with the lowest MAE on the
 * rows given, weighted either by the inverse of their mean squared error
 * (`inverse-mse`, weights summing to 1) or by non-negative least squares of
 * the labels on their predictions (`nnls`, stacked regression after
 * Breiman, "Stacked regressions", Machine Learning 24, 1996; the weights
 * need not sum to 1).
 *
 * Each candidate's predictions are first clipped to the range of the labels
 * chosen on, widened by half that range on either side
 * ({@linkcode labelBounds}): a member that extrapolates wildly where the
 * others do not (a polynomial far outside its training data, say) then
 * costs a bounded error instead of millions of watts. The fitted ensemble
 * applies the same bounds.
 *
 * The choice only ever sees out-of-fold predictions, and the ensemble's own
 * cross-validation error is measured with a choice made without the fold
 * it scores ({@linkcode nestedEnsemblePredictions}), so the error reported
 * is not the one the weights were tuned on.
 *
 * @module
 */
import { nnls } from "../numeric/nnls.ts";

/** The ways of weighting an ensemble's members. */
export const ENSEMBLE_WEIGHTINGS = ["inverse-mse", "nnls"] as const;
/** One way of weighting an ensemble's members. */
export type EnsembleWeighting = typeof ENSEMBLE_WEIGHTINGS[number];

/**
 * The default size and weighting: on the simulator's demo loads (seeds
 * 1–3, 30 min, and seed 1 over 1 h; 8 AbsPower groups each), inverse-MSE
 * weights gave a lower nested CV MAE than NNLS stacking on 3 of the 4 data
 * sets and on average (7.6 W against 7.9 W at 4–5 members; the best single
 * model chosen the same nested way: 8.7 W): stacking fits k weights to
 * strongly correlated predictions on two folds and overfits them.
 */
export const ENSEMBLE_DEFAULTS: Readonly<
  Required<Pick<EnsembleChoiceOptions, "size" | "weighting">>
> = Object.freeze({ size: 5, weighting: "inverse-mse" });

/** Options of {@linkcode chooseMembers}. */
export interface EnsembleChoiceOptions {
  /**
   * The most members: the candidates with the lowest MAE.
   *
   * @default {5} (`ENSEMBLE_DEFAULTS`)
   */
  size?: number;
  /**
   * How the members are weighted.
   *
   * @default {"inverse-mse"} (`ENSEMBLE_DEFAULTS`)
   */
  weighting?: EnsembleWeighting;
}

/** The members chosen (indices into the candidates) and their weights. */
export interface EnsembleChoice {
  /** Candidate indices, best MAE first. */
  members: number[];
  /** The weight of each member, aligned with `members` (all > 0). */
  weights: number[];
  /** Each member's prediction is clipped to `[lo, hi]` before weighting. */
  bounds: [number, number];
}

/** How far beyond the labels' range predictions may go, in ranges. */
export const BOUND_MARGIN = 0.5;

/**
 * The range of the labels on `rows`, widened by {@linkcode BOUND_MARGIN}
 * of it on either side (by 1 when the labels are all equal).
 *
 * @param y The labels.
 * @param rows The rows whose labels count.
 * @returns `[lo, hi]`.
 *
 * @example
 * ```ts
 * import { labelBounds } from "./ensemble_weights.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(labelBounds(Float64Array.of(10, 30, 99), [0, 1]), [0, 40]);
 * ```
 */
export function labelBounds(
  y: Float64Array,
  rows: ArrayLike<number>,
): [number, number] {
  let lo = Infinity, hi = -Infinity;
  for (let r = 0; r < rows.length; r++) {
    const v = y[rows[r]!]!;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const margin = hi > lo ? BOUND_MARGIN * (hi - lo) : 1;
  return [lo - margin, hi + margin];
}

/** Predictions clipped to `[lo, hi]`. */
function clipped(p: Float64Array, [lo, hi]: [number, number]): Float64Array {
  return p.map((v) => (v < lo ? lo : v > hi ? hi : v));
}

/**
 * The ensemble's predictions: each chosen member's, clipped to the
 * choice's bounds, weighted and summed.
 *
 * @param choice The members, weights and bounds.
 * @param predictions Every candidate's predictions (same rows).
 * @returns The weighted sum.
 *
 * @example
 * ```ts
 * import { combine } from "./ensemble_weights.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const choice = { members: [1], weights: [0.5], bounds: [0, 10] as [number, number] };
 * assertEquals(combine(choice, [Float64Array.of(7), Float64Array.of(40)]), Float64Array.of(5));
 * ```
 */
export function combine(
  choice: EnsembleChoice,
  predictions: readonly Float64Array[],
): Float64Array {
  const out = new Float64Array(predictions[0]?.length ?? 0);
  const [lo, hi] = choice.bounds;
  choice.members.forEach((m, j) => {
    const w = choice.weights[j]!, p = predictions[m]!;
    for (let i = 0; i < out.length; i++) {
      const v = p[i]!;
      out[i] = out[i]! + w * (v < lo ? lo : v > hi ? hi : v);
    }
  });
  return out;
}

/** Mean absolute and mean squared error of `yHat` on `rows`. */
function errorsOn(
  yHat: Float64Array,
  y: Float64Array,
  rows: ArrayLike<number>,
): { mae: number; mse: number } {
  let a = 0, s = 0;
  for (let r = 0; r < rows.length; r++) {
    const i = rows[r]!;
    const e = y[i]! - yHat[i]!;
    a += Math.abs(e);
    s += e * e;
  }
  return { mae: a / rows.length, mse: s / rows.length };
}

function inverseMse(mse: readonly number[]): number[] {
  const perfect = mse.map((m) => m === 0);
  if (perfect.some(Boolean)) {
    const n = perfect.filter(Boolean).length;
    return perfect.map((p) => (p ? 1 / n : 0));
  }
  const inv = mse.map((m) => 1 / m);
  const sum = inv.reduce((a, b) => a + b, 0);
  return inv.map((v) => v / sum);
}

function stacked(
  yHat: readonly Float64Array[],
  y: Float64Array,
  rows: ArrayLike<number>,
): number[] | undefined {
  const m = rows.length, p = yHat.length;
  const a = new Float64Array(m * p);
  const b = new Float64Array(m);
  for (let r = 0; r < m; r++) {
    const i = rows[r]!;
    b[r] = y[i]!;
    for (let j = 0; j < p; j++) a[r * p + j] = yHat[j]![i]!;
  }
  try {
    const w = [...nnls(a, m, p, b).x];
    return w.some((v) => v > 0) ? w : undefined;
  } catch {
    return undefined; // did not converge: the caller falls back
  }
}

/**
 * Picks the members of an ensemble from the candidates' out-of-fold
 * predictions on `rows`, and weights them.
 *
 * @param yHat Each candidate's out-of-fold predictions (all aligned with
 *   `y`).
 * @param y The labels.
 * @param rows The rows to choose on (e.g. every fold but the one scored).
 * @param options The number of members and the weighting.
 * @returns The members, best MAE first, their positive weights, and the
 *   bounds their predictions are clipped to (from the labels of `rows`); a
 *   candidate NNLS gives weight 0 is left out. NNLS that finds no positive
 *   weight (or does not converge) falls back to `inverse-mse`. Errors and
 *   weights are those of the clipped predictions.
 * @throws {RangeError} when there is no candidate or no row, or `size` is
 *   not an integer ≥ 1.
 *
 * @example
 * ```ts
 * import { chooseMembers } from "./ensemble_weights.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const y = Float64Array.of(0, 4, 8, 12);
 * const a = Float64Array.of(1, 5, 9, 13); // errs by 1 everywhere: mse 1
 * const b = Float64Array.of(0, 4, 8, 14); // errs by 2 once: mse 1
 * const c = Float64Array.of(9, 9, 9, 99); // the worst MAE: left out
 * const rows = [0, 1, 2, 3];
 * const w = chooseMembers([a, b, c], y, rows, { size: 2, weighting: "inverse-mse" });
 * assertEquals(w, { members: [1, 0], weights: [0.5, 0.5], bounds: [-6, 18] });
 * ```
 */
export function chooseMembers(
  yHat: readonly Float64Array[],
  y: Float64Array,
  rows: ArrayLike<number>,
  options: EnsembleChoiceOptions = {},
): EnsembleChoice {
  const size = options.size ?? ENSEMBLE_DEFAULTS.size;
  if (!Number.isInteger(size) || size < 1) {
    throw new RangeError(
      `Cannot choose ensemble members: size must be an integer ≥ 1, got ${size}`,
    );
  }
  if (yHat.length === 0 || rows.length === 0) {
    throw new RangeError(
      `Cannot choose ensemble members: ${yHat.length} candidates on ${rows.length} rows`,
    );
  }
  const bounds = labelBounds(y, rows);
  const bounded = yHat.map((p) => clipped(p, bounds));
  const errors = bounded.map((p) => errorsOn(p, y, rows));
  const ranked = errors.map((_, i) => i)
    .sort((i, j) => errors[i]!.mae - errors[j]!.mae || i - j)
    .slice(0, size);
  let weights: number[] | undefined;
  if ((options.weighting ?? ENSEMBLE_DEFAULTS.weighting) === "nnls") {
    weights = stacked(ranked.map((i) => bounded[i]!), y, rows);
  }
  weights ??= inverseMse(ranked.map((i) => errors[i]!.mse));
  const members: number[] = [], kept: number[] = [];
  ranked.forEach((i, j) => {
    if (weights[j]! > 0) {
      members.push(i);
      kept.push(weights[j]!);
    }
  });
  return { members, weights: kept, bounds };
}

/**
 * The ensemble's own out-of-fold predictions, each fold predicted with
 * members, weights and bounds chosen on the other folds only (so no label
 * of the fold scored went into them).
 *
 * @param yHat Each candidate's out-of-fold predictions.
 * @param y The out-of-fold labels.
 * @param fold The fold of each out-of-fold row.
 * @param options The number of members and the weighting.
 * @returns The predictions, aligned with `y`, and each fold's choice.
 * @throws {RangeError} when a fold has no other fold to choose on.
 *
 * @example
 * ```ts
 * import { nestedEnsemblePredictions } from "./ensemble_weights.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * // candidate 0 is exact on fold 0 only, candidate 1 on fold 1 only: each
 * // fold is predicted by the candidate that was best on the other fold
 * const y = Float64Array.of(0, 10, 0, 10);
 * const fold = Uint8Array.of(0, 0, 1, 1);
 * const c0 = Float64Array.of(0, 10, 5, 5), c1 = Float64Array.of(5, 5, 0, 10);
 * const r = nestedEnsemblePredictions([c0, c1], y, fold,
 *   { size: 1, weighting: "inverse-mse" }); // one member: weight 1
 * assertEquals([...r.yHat], [5, 5, 5, 5]);
 * ```
 */
export function nestedEnsemblePredictions(
  yHat: readonly Float64Array[],
  y: Float64Array,
  fold: Uint8Array,
  options: EnsembleChoiceOptions = {},
): { yHat: Float64Array; choices: EnsembleChoice[] } {
  const folds = fold.reduce((m, f) => Math.max(m, f + 1), 0);
  const out = new Float64Array(y.length);
  const choices: EnsembleChoice[] = [];
  for (let f = 0; f < folds; f++) {
    const other: number[] = [], mine: number[] = [];
    fold.forEach((g, i) => (g === f ? mine : other).push(i));
    const choice = chooseMembers(yHat, y, other, options);
    const p = combine(choice, yHat);
    for (const i of mine) out[i] = p[i]!;
    choices.push(choice);
  }
  return { yHat: out, choices };
}
