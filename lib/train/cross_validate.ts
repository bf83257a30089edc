/**
 * Blocked cross-validation of one trainer on one component: the error a
 * model makes on stretches of time it has not seen, with its spread, and
 * the out-of-fold residuals that calibrate its interval.
 *
 * Kepler samples 3 s apart are strongly autocorrelated: a random k-fold
 * puts a near-copy of every test row into training and reports the error of
 * interpolation. Here the rows (in time order) are cut into `k` contiguous
 * folds; each fold is scored by a model fitted on the other folds minus a
 * gap of `gap` rows on either side of it, so no training row is next to a
 * test row.
 *
 * The out-of-fold residuals also calibrate the model's conformal interval
 * (the "CV" variant of jackknife+: the quantile of |y − ŷ| over rows each
 * scored by a model that did not train on them), so the interval is no
 * longer calibrated on the rows whose error is reported; and each fold's
 * coverage is measured with a quantile taken from the other folds only,
 * which is the coverage on truly unseen blocks.
 *
 * @module
 */
import { conformalInterval, type PredictionInterval } from "./interval.ts";
import { type ComponentMetrics, regressionMetrics } from "./metrics.ts";
import {
  type Columns,
  FitError,
  type FitOptions,
  type Trainer,
} from "./model.ts";
import { type Split, take } from "./split.ts";
import type { FoldPredictions } from "./fold_predictions.ts";
import type { TuneParams } from "./tune.ts";
import { finish, type Steps } from "./steps.ts";

/** Options of {@linkcode blockedFolds}. */
export interface BlockedFoldsOptions {
  /**
   * Rows left out of training on either side of a test fold.
   *
   * @default {20} one minute of 3 s samples, the holdout's block
   */
  gap?: number;
  /**
   * The fewest test rows a fold may have.
   *
   * @default {10}
   */
  minTestRows?: number;
}

/**
 * `k` blocked folds over `n` rows in time order: fold `i` tests rows
 * `[⌊i·n/k⌋, ⌊(i+1)·n/k⌋)` and trains on the rest, less `gap` rows on
 * either side of the test rows.
 *
 * @param n The number of rows (in time order).
 * @param k The number of folds (≥ 2).
 * @param options The gap and the fewest test rows per fold.
 * @returns One split per fold; the test rows of all folds partition `0..n−1`.
 * @throws {RangeError} when `k` is not an integer ≥ 2, or a fold would have
 *   fewer than `minTestRows` test rows or no training row.
 *
 * @example
 * ```ts
 * import { blockedFolds } from "./cross_validate.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const folds = blockedFolds(12, 3, { gap: 1, minTestRows: 1 });
 * assertEquals([...folds[1]!.test], [4, 5, 6, 7]);
 * assertEquals([...folds[1]!.train], [0, 1, 2, 9, 10, 11]);
 * ```
 */
export function blockedFolds(
  n: number,
  k: number,
  options: BlockedFoldsOptions = {},
): Split[] {
  const gap = options.gap ?? 20;
  const minTest = options.minTestRows ?? 10;
  if (!Number.isInteger(k) || k < 2) {
    throw new RangeError(
      `Cannot make blocked folds: k must be an integer ≥ 2, got ${k}`,
    );
  }
  const folds: Split[] = [];
  for (let i = 0; i < k; i++) {
    const start = Math.floor((i * n) / k);
    const end = Math.floor(((i + 1) * n) / k);
    const train: number[] = [];
    for (let r = 0; r < n; r++) {
      if (r < start - gap || r >= end + gap) train.push(r);
    }
    if (end - start < minTest || train.length === 0) {
      throw new RangeError(
        `Cannot make ${k} blocked folds of ${n} rows: fold ${
          i + 1
        } would have ${
          end - start
        } test rows (at least ${minTest}) and ${train.length} training rows`,
      );
    }
    const test = Uint32Array.from({ length: end - start }, (_, j) => start + j);
    folds.push({ train: Uint32Array.from(train), test });
  }
  return folds;
}

/** What {@linkcode crossValidate} measured for one component. */
export interface CrossValidation {
  /** The number of folds. */
  folds: number;
  /** Each fold's test metrics, in fold order. */
  metrics: ComponentMetrics[];
  /** Out-of-fold labels, fold after fold. */
  y: Float64Array;
  /** Out-of-fold predictions, aligned with `y`. */
  yHat: Float64Array;
  /** The fold of each out-of-fold row. */
  fold: Uint8Array;
}

/**
 * Fits `trainer` on each fold's training rows and predicts its test rows.
 *
 * @param trainer The trainer (fitted afresh per fold).
 * @param x Feature columns of the rows, in time order.
 * @param y The component's power for the same rows.
 * @param folds The folds ({@linkcode blockedFolds}).
 * @param fitOptions Passed to every fit (seed, main feature).
 * @param reuse A store of held-out predictions of this table and fit
 *   options, and the setting `trainer` is: a fold already predicted by it
 *   is not fitted again, and a fold fitted here is stored.
 * @returns Per-fold metrics and the out-of-fold predictions.
 * @throws {FitError} when a fold's model cannot be fitted or predicts
 *   non-finite values.
 *
 * @example
 * ```ts
 * import { blockedFolds, crossValidate } from "./cross_validate.ts";
 * import { makeTrainer } from "./trainers.ts";
 * import { ok as assert } from "node:assert/strict";
 * const n = 200;
 * const x = [Float64Array.from({ length: n }, (_, i) => i % 17)];
 * const y = x[0]!.map((v) => 10 + 2 * v);
 * const cv = crossValidate(makeTrainer("LinearRegressionTrainer"), x, y,
 *   blockedFolds(n, 4), { seed: 42, mainFeature: 0 });
 * assert(cv.metrics.every((m) => m.mae < 1e-9)); // exactly linear
 * ```
 */
export function crossValidate(
  trainer: Trainer,
  x: Columns,
  y: Float64Array,
  folds: readonly Split[],
  fitOptions: FitOptions,
  reuse?: { store: FoldPredictions; setting: TuneParams },
): CrossValidation {
  return finish(crossValidateSteps(trainer, x, y, folds, fitOptions, reuse));
}

/**
 * {@linkcode crossValidate} in steps (see `steps.ts`): it yields before
 * each fold.
 */
export function* crossValidateSteps(
  trainer: Trainer,
  x: Columns,
  y: Float64Array,
  folds: readonly Split[],
  fitOptions: FitOptions,
  reuse?: { store: FoldPredictions; setting: TuneParams },
): Steps<CrossValidation> {
  const out = emptyCrossValidation(folds);
  let at = 0;
  for (const [i, f] of folds.entries()) {
    yield;
    const fit = () =>
      fitPredictFold(
        trainer,
        x.map((c) => take(c, f.train)),
        take(y, f.train),
        x.map((c) => take(c, f.test)),
        i,
        fitOptions,
      );
    const yHat = reuse === undefined
      ? fit()
      : reuse.store.recall(reuse.setting, f.train, f.test, fit);
    at = recordFold(out, i, at, take(y, f.test), yHat);
  }
  return out;
}

/** A cross-validation with room for every fold's test rows, no fold yet. */
export function emptyCrossValidation(folds: readonly Split[]): CrossValidation {
  const total = folds.reduce((s, f) => s + f.test.length, 0);
  return {
    folds: folds.length,
    metrics: [],
    y: new Float64Array(total),
    yHat: new Float64Array(total),
    fold: new Uint8Array(total),
  };
}

/**
 * Fit on a fold's training rows and predict its test rows; a non-finite
 * prediction is a {@linkcode FitError} naming the fold (1-based).
 */
export function fitPredictFold(
  trainer: Trainer,
  xTrain: Columns,
  yTrain: Float64Array,
  xTest: Columns,
  fold: number,
  fitOptions: FitOptions,
): Float64Array {
  const yHat = trainer.fit(xTrain, yTrain, fitOptions).predict(xTest);
  if (!yHat.every(Number.isFinite)) {
    throw new FitError(
      trainer.name,
      `fold ${fold + 1} predicts non-finite values`,
    );
  }
  return yHat;
}

/**
 * Store fold `fold`'s labels, predictions and metrics in `cv` from row `at`;
 * returns the row after them.
 */
export function recordFold(
  cv: CrossValidation,
  fold: number,
  at: number,
  yTest: Float64Array,
  yHat: Float64Array,
): number {
  cv.metrics.push(regressionMetrics(yTest, yHat));
  cv.y.set(yTest, at);
  cv.yHat.set(yHat, at);
  cv.fold.fill(fold, at, at + yTest.length);
  return at + yTest.length;
}

/**
 * The interval calibrated on out-of-fold residuals, for the model fitted
 * on all the rows.
 *
 * @param cv The cross-validation of the component.
 * @param coverage The nominal coverage.
 * @returns The interval, or `undefined` when there are too few rows.
 *
 * @example
 * ```ts
 * import { cvInterval } from "./cross_validate.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const yHat = Float64Array.from({ length: 19 }, (_, i) => i / 10);
 * const cv = { folds: 2, metrics: [], y: new Float64Array(19), yHat,
 *   fold: new Uint8Array(19) };
 * // the ⌈(19 + 1) · 0.9⌉ = 18th smallest of the 19 residuals
 * assertEquals(cvInterval(cv, 0.9)?.halfWidth, 1.7);
 * ```
 */
export function cvInterval(
  cv: CrossValidation,
  coverage: number,
): PredictionInterval | undefined {
  try {
    return conformalInterval(cv.y, cv.yHat, { coverage });
  } catch {
    return undefined;
  }
}

/**
 * The coverage on unseen blocks: each fold's rows checked against an
 * interval calibrated on the other folds' residuals only.
 *
 * @param cv The cross-validation of the component.
 * @param coverage The nominal coverage.
 * @returns The fraction of out-of-fold rows inside their interval, or
 *   `undefined` when a fold's complement is too small to calibrate.
 *
 * @example
 * ```ts
 * import { cvCoverage } from "./cross_validate.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * // fold 0 errs by 1, fold 1 by 3: each fold's interval comes from the other
 * const y = new Float64Array(40);
 * const yHat = Float64Array.from({ length: 40 }, (_, i) => (i < 20 ? 1 : 3));
 * const fold = Uint8Array.from({ length: 40 }, (_, i) => (i < 20 ? 0 : 1));
 * assertEquals(cvCoverage({ folds: 2, metrics: [], y, yHat, fold }, 0.9), 0.5);
 * ```
 */
export function cvCoverage(
  cv: CrossValidation,
  coverage: number,
): number | undefined {
  let inside = 0;
  for (let f = 0; f < cv.folds; f++) {
    const other: number[] = [];
    const mine: number[] = [];
    cv.fold.forEach((g, i) => (g === f ? mine : other).push(i));
    let iv: PredictionInterval;
    try {
      iv = conformalInterval(take(cv.y, other), take(cv.yHat, other), {
        coverage,
      });
    } catch {
      return undefined;
    }
    for (const i of mine) {
      if (Math.abs(cv.y[i]! - cv.yHat[i]!) <= iv.halfWidth) inside++;
    }
  }
  return cv.y.length > 0 ? inside / cv.y.length : undefined;
}

/**
 * The mean and (sample) standard deviation of values.
 *
 * @param values The values (at least one).
 * @returns `{ mean, std }`; `std` is 0 for one value.
 *
 * @example
 * ```ts
 * import { meanStd } from "./cross_validate.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(meanStd([2, 4, 6]), { mean: 4, std: 2 });
 * ```
 */
export function meanStd(
  values: readonly number[],
): { mean: number; std: number } {
  const n = values.length;
  const mean = values.reduce((s, v) => s + v, 0) / n;
  if (n < 2) return { mean, std: 0 };
  const ss = values.reduce((s, v) => s + (v - mean) ** 2, 0);
  return { mean, std: Math.sqrt(ss / (n - 1)) };
}
