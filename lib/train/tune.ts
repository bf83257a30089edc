/**
 * Hyperparameter search inside blocked cross-validation (`--tune`).
 *
 * Each trainer has a small grid of settings, upstream's first
 * ({@linkcode TUNE_GRIDS}). A budget of `fits` inner fits per component
 * buys `⌊fits / (k + 1)⌋` candidates (at least 2, at most the grid) for a
 * model cross-validated on `k` folds: one selection per outer fold and one
 * for the final model.
 *
 * A selection ({@linkcode selectParams}) sees only the rows it is given:
 * it cuts them (in time order) into an inner blocked split, fits every
 * candidate on the inner training rows and keeps the one with the lowest
 * MAE on the inner test block (ties keep the earlier, so upstream's
 * settings win a tie). {@linkcode nestedCrossValidate} runs one selection
 * per outer fold on that fold's training rows only, so the reported CV
 * error is that of the whole procedure (search included), never of the
 * setting that happened to score best on the scored fold. The final model's
 * setting is selected the same way on all the training rows.
 *
 * @module
 */
import type { TrainerName } from "../types.ts";
import {
  blockedFolds,
  crossValidateSteps,
  type CrossValidation,
  emptyCrossValidation,
  fitPredictFold,
  recordFold,
} from "./cross_validate.ts";
import { regressionMetrics } from "./metrics.ts";
import {
  type Columns,
  FitError,
  type FitOptions,
  type Trainer,
} from "./model.ts";
import { type Split, take } from "./split.ts";
import { predictSvrModels } from "./trainers/svr_regressor.ts";
import type { FoldPredictions } from "./fold_predictions.ts";
import { finish, type Steps } from "./steps.ts";

/** One setting of a trainer's hyperparameters (keys of its params). */
export type TuneParams = Readonly<Record<string, number | string | boolean>>;

/**
 * The settings tried per trainer, upstream's (`{}`) first, then in the
 * order a small budget should try them (the most likely gain first: more
 * regularisation, which is what helps on unseen stretches of time).
 * Trainers without hyperparameters upstream (linear, polynomial) have only
 * upstream's setting, and so do the logarithmic and logistic curve fits
 * (every starting point tried reached the same fit); the exponential fit
 * also tries a concave start. `EnsembleTrainer` is not tuned (its members
 * are).
 *
 * @example
 * ```ts
 * import { TUNE_GRIDS } from "./tune.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(TUNE_GRIDS.KNeighborsRegressorTrainer[0], {});
 * assertEquals(TUNE_GRIDS.LinearRegressionTrainer.length, 1);
 * ```
 */
export const TUNE_GRIDS: {
  readonly [N in TrainerName]: readonly TuneParams[];
} = {
  GradientBoostingRegressorTrainer: [
    {},
    { maxDepth: 2, minSamplesLeaf: 20 },
    { nEstimators: 200, learningRate: 0.05, minSamplesLeaf: 10 },
    { maxDepth: 4, minSamplesLeaf: 5 },
    { nEstimators: 50, learningRate: 0.2, maxDepth: 2 },
  ],
  XgboostFitTrainer: [
    {},
    { maxDepth: 3, minChildWeight: 20 },
    { nEstimators: 200, learningRate: 0.05, maxDepth: 4 },
    { maxDepth: 2, lambda: 10 },
    { maxDepth: 8, minChildWeight: 5 },
  ],
  KNeighborsRegressorTrainer: [
    {},
    { nNeighbors: 20 },
    { nNeighbors: 3 },
    { nNeighbors: 50 },
    { nNeighbors: 1 },
    { weights: "distance" },
    { nNeighbors: 20, weights: "distance" },
  ],
  SVRRegressorTrainer: [
    {},
    { c: 10 },
    { c: 10, epsilon: 0.05 },
    { c: 100, gamma: 0.1 },
    { c: 0.1 },
  ],
  SGDRegressorTrainer: [
    {},
    { alpha: 1e-2 },
    { alpha: 1e-3 },
    { alpha: 1e-1 },
    { alpha: 1e-6 },
  ],
  LinearRegressionTrainer: [{}],
  PolynomialRegressionTrainer: [{}],
  LogarithmicRegressionTrainer: [{}],
  LogisticRegressionTrainer: [{}],
  // upstream's start is convex; power bends the other way (curve_fit.ts)
  ExponentialRegressionTrainer: [{}, { start: "concave" }],
  SaturatingRegressionTrainer: [{}],
  EnsembleTrainer: [{}],
};

/**
 * The default `--tune` budget: inner fits per component and trainer
 * (with 3 CV folds, 2 candidates: upstream's and the grid's next).
 */
export const DEFAULT_TUNE_FITS = 8;

/**
 * The candidates a budget buys for a trainer.
 *
 * @param grid The trainer's settings, upstream's first.
 * @param fits The budget: inner fits per component (0 = no search).
 * @param folds Outer CV folds (0 when not cross-validated).
 * @returns The first `max(2, ⌊fits / (folds + 1)⌋)` settings (all of a
 *   shorter grid); only upstream's when `fits` is 0.
 *
 * @example
 * ```ts
 * import { tuneCandidates, TUNE_GRIDS } from "./tune.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const grid = TUNE_GRIDS.KNeighborsRegressorTrainer;
 * assertEquals(tuneCandidates(grid, 8, 3).length, 2);
 * assertEquals(tuneCandidates(grid, 20, 3).length, 5);
 * assertEquals(tuneCandidates(grid, 0, 3), [{}]);
 * ```
 */
export function tuneCandidates(
  grid: readonly TuneParams[],
  fits: number,
  folds: number,
): TuneParams[] {
  if (fits <= 0) return grid.slice(0, 1);
  const n = Math.max(2, Math.floor(fits / (folds + 1)));
  return grid.slice(0, n);
}

/**
 * Where {@linkcode selectParams} finds and stores its candidates'
 * predictions: a store of one table, and the table's rows that `x` and `y`
 * are (`rows[i]` is row `i`; absent: the table itself).
 */
export interface SearchReuse {
  store: FoldPredictions;
  rows?: Uint32Array;
}

/** Makes a trainer of one setting. */
export type TrainerFactory = (params: TuneParams) => Trainer;

/** What {@linkcode selectParams} chose and why. */
export interface Selection {
  /** Index of the chosen candidate. */
  index: number;
  /** The chosen setting. */
  params: TuneParams;
  /** Inner-test MAE per candidate (`Infinity` when its fit failed). */
  scores: number[];
}

/**
 * Chooses a setting on the given rows only: an inner blocked split (the
 * last third in time order tests, 20 rows either side left out), each
 * candidate fitted on the inner training rows and scored by MAE on the
 * inner test rows. Too few rows for a split keeps the first candidate.
 *
 * @param make Makes the trainer of a setting.
 * @param candidates The settings, the default first (wins ties).
 * @param x Feature columns of the rows, in time order.
 * @param y Labels of the rows.
 * @param fitOptions Passed to every fit.
 * @param reuse Where candidates' predictions of the inner test rows are
 *   found (not fitted again) and stored.
 * @returns The chosen setting with every candidate's score.
 *
 * @example
 * ```ts
 * import { selectParams } from "./tune.ts";
 * import { makeTrainer } from "./trainers.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * // y = x² on repeated x: one neighbour predicts exactly, six average
 * const x = [Float64Array.from({ length: 300 }, (_, i) => i % 200)];
 * const y = x[0]!.map((v) => v * v);
 * const chosen = selectParams(
 *   (p) => makeTrainer("KNeighborsRegressorTrainer", p),
 *   [{}, { nNeighbors: 1 }], x, y, { seed: 42 });
 * assertEquals(chosen.params, { nNeighbors: 1 });
 * ```
 */
export function selectParams(
  make: TrainerFactory,
  candidates: readonly TuneParams[],
  x: Columns,
  y: Float64Array,
  fitOptions: FitOptions,
  reuse?: SearchReuse,
): Selection {
  const first = { index: 0, params: candidates[0] ?? {}, scores: [] };
  if (candidates.length < 2) return first;
  let split: Split;
  try {
    split = blockedFolds(y.length, 3)[2]!;
  } catch {
    return first;
  }
  const rows = reuse?.rows;
  const train = rows === undefined
    ? split.train
    : split.train.map((r) => rows[r]!);
  const test = rows === undefined
    ? split.test
    : split.test.map((r) => rows[r]!);
  const known = candidates.map((p) => reuse?.store.get(p, train, test));
  const xTrain = x.map((c) => take(c, split.train));
  const yTrain = take(y, split.train);
  const xTest = x.map((c) => take(c, split.test));
  const yTest = take(y, split.test);
  // all candidates first, then their predictions together: SVR's share
  // their kernel values (predictSvrModels)
  const fitted = candidates.map((p, i) =>
    known[i] !== undefined
      ? undefined
      : failsAs(undefined, () => make(p).fit(xTrain, yTrain, fitOptions))
  );
  const ok = fitted.filter((m) => m !== undefined);
  const joint = failsAs(undefined, () => predictSvrModels(ok, xTest));
  let k = 0;
  const scores = fitted.map((m, i) => {
    let yHat = known[i];
    if (yHat === undefined) {
      if (m === undefined) return Infinity;
      const shared = joint?.[k++];
      yHat = failsAs(undefined, () => shared ?? m.predict(xTest));
      if (yHat === undefined) return Infinity;
      reuse?.store.set(candidates[i]!, train, test, yHat);
    }
    const predicted = yHat;
    return failsAs(
      Infinity,
      () =>
        predicted.every(Number.isFinite)
          ? regressionMetrics(yTest, predicted).mae
          : Infinity,
    );
  });
  let index = 0;
  scores.forEach((s, i) => {
    if (s < scores[index]!) index = i;
  });
  return { index, params: candidates[index]!, scores };
}

/** `fn()`, or `value` when it throws a fit's error (FitError, RangeError). */
function failsAs<T, U>(value: U, fn: () => T): T | U {
  try {
    return fn();
  } catch (error) {
    if (error instanceof FitError || error instanceof RangeError) return value;
    throw error;
  }
}

/** What {@linkcode nestedCrossValidate} measured. */
export interface NestedCrossValidation {
  /** The cross-validation of the whole procedure (search included). */
  cv: CrossValidation;
  /** The setting chosen for each outer fold (on its training rows only). */
  choices: TuneParams[];
}

/**
 * Blocked cross-validation of "select a setting, then fit it": for each
 * outer fold the setting is chosen by {@linkcode selectParams} on that
 * fold's training rows only, fitted on them and scored on the fold.
 *
 * @param make Makes the trainer of a setting.
 * @param candidates The settings, the default first.
 * @param x Feature columns of the rows, in time order.
 * @param y Labels of the rows.
 * @param folds The outer folds.
 * @param fitOptions Passed to every fit.
 * @param store Held-out predictions of this table and fit options
 *   already made (by the cross-validation of the first candidate on the
 *   same folds, by a search on the same rows): a fold's choice predicted
 *   there, or a search's candidate, is not fitted again; what is fitted
 *   here is stored.
 * @returns The nested cross-validation and each fold's choice.
 * @throws {FitError} when a fold's chosen model cannot be fitted or
 *   predicts non-finite values.
 *
 * @example
 * ```ts
 * import { nestedCrossValidate } from "./tune.ts";
 * import { blockedFolds } from "./cross_validate.ts";
 * import { makeTrainer } from "./trainers.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const x = [Float64Array.from({ length: 600 }, (_, i) => i % 200)];
 * const y = x[0]!.map((v) => v * v);
 * const nested = nestedCrossValidate(
 *   (p) => makeTrainer("KNeighborsRegressorTrainer", p),
 *   [{}, { nNeighbors: 1 }], x, y, blockedFolds(600, 3), { seed: 42 });
 * assertEquals(nested.choices, [{ nNeighbors: 1 }, { nNeighbors: 1 }, { nNeighbors: 1 }]);
 * assertEquals(nested.cv.metrics.map((m) => m.mae), [0, 0, 0]);
 * ```
 */
export function nestedCrossValidate(
  make: TrainerFactory,
  candidates: readonly TuneParams[],
  x: Columns,
  y: Float64Array,
  folds: readonly Split[],
  fitOptions: FitOptions,
  store?: FoldPredictions,
): NestedCrossValidation {
  return finish(
    nestedCrossValidateSteps(make, candidates, x, y, folds, fitOptions, store),
  );
}

/**
 * {@linkcode nestedCrossValidate} in steps (see `steps.ts`): it yields
 * before each fold's search and before its fit of the chosen setting.
 */
export function* nestedCrossValidateSteps(
  make: TrainerFactory,
  candidates: readonly TuneParams[],
  x: Columns,
  y: Float64Array,
  folds: readonly Split[],
  fitOptions: FitOptions,
  store?: FoldPredictions,
): Steps<NestedCrossValidation> {
  const cv = emptyCrossValidation(folds);
  const choices: TuneParams[] = [];
  let at = 0;
  for (const [i, f] of folds.entries()) {
    yield;
    const xTrain = x.map((c) => take(c, f.train));
    const yTrain = take(y, f.train);
    const chosen = selectParams(
      make,
      candidates,
      xTrain,
      yTrain,
      fitOptions,
      store && { store, rows: f.train },
    );
    choices.push(chosen.params);
    yield;
    const yTest = take(y, f.test);
    const fit = () =>
      fitPredictFold(
        make(chosen.params),
        xTrain,
        yTrain,
        x.map((c) => take(c, f.test)),
        i,
        fitOptions,
      );
    const yHat = store === undefined
      ? fit()
      : store.recall(chosen.params, f.train, f.test, fit);
    at = recordFold(cv, i, at, yTest, yHat);
  }
  return { cv, choices };
}

/** What {@linkcode crossValidationSteps} measured, or why it could not. */
export type CrossValidations =
  | { cv: CrossValidation; untuned?: CrossValidation }
  | { failure: FitError | RangeError; untuned?: CrossValidation };

/**
 * The blocked cross-validation of upstream's setting and, when there are
 * settings to search, the nested one (the search run inside every fold),
 * which is then the model's figure; the untuned one is kept beside it.
 * A fold that cannot be fitted or predicts non-finite values is a
 * `failure`; when only the nested one fails (a setting the search chose
 * fails its fold), the untuned one is still given: the model's CV has
 * failed, but what upstream's setting scored is known.
 */
export function* crossValidationSteps(
  make: TrainerFactory,
  candidates: readonly TuneParams[],
  x: Columns,
  y: Float64Array,
  folds: readonly Split[],
  fitOptions: FitOptions,
  store: FoldPredictions,
): Steps<CrossValidations> {
  let untuned: CrossValidation | undefined;
  try {
    untuned = yield* crossValidateSteps(make({}), x, y, folds, fitOptions, {
      store,
      setting: {},
    });
    if (candidates.length < 2) return { cv: untuned };
    const nested = yield* nestedCrossValidateSteps(
      make,
      candidates,
      x,
      y,
      folds,
      fitOptions,
      store,
    );
    return { cv: nested.cv, untuned };
  } catch (error) {
    if (error instanceof FitError || error instanceof RangeError) {
      return untuned === undefined
        ? { failure: error }
        : { failure: error, untuned };
    }
    throw error;
  }
}
