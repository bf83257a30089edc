/**
 * XgboostFitTrainer: a native TypeScript implementation of the XGBoost
 * algorithm (Chen & Guestrin 2016), **not the xgboost library**. Upstream
 * trains `xgb.XGBRegressor(n_estimators=100, learning_rate=0.1)`; no
 * maintained JavaScript port of xgboost exists (`ml-xgboost`, an emscripten
 * build, was last released in 2018 and needs manual `free()`), so this file
 * re-implements the algorithm with XGBoost's defaults and its `hist` tree
 * method:
 *
 * - squared error, second order: gradients `pred − y`, hessians 1;
 * - `base_score` = mean of y;
 * - per node, gradient/hessian histograms over at most 255 quantile bins per
 *   feature (see `lib/numeric/histogram.ts`), depth-wise growth to `max_depth` 6;
 * - leaf weight `w = −G/(H+λ)`, scaled by `eta` (0.1);
 * - split gain `½[G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ)] − γ`, with λ = 1,
 *   γ = 0 and `min_child_weight` 1 (minimum hessian sum in each child); a
 *   node splits only when its best gain is positive.
 *
 * Differences from the library: γ is applied when a split is chosen instead
 * of by pruning afterwards (the same with the default γ = 0); no
 * `max_delta_step`, L1 `alpha`, column sampling or missing-value default
 * directions (inputs are validated finite); the model is saved as this
 * project's tree JSON (kind `"xgboost"`), not xgboost's JSON.
 *
 * Like upstream's `fit(..., xgb_model=model)`, `fit(x, y, { init })`
 * continues from a saved model: it keeps its trees and base score and adds
 * `nEstimators` trees fitted on top of its predictions.
 *
 * @module
 */
import type {
  Columns,
  FitOptions,
  FittedModel,
  ModelJson,
  Trainer,
} from "../model.ts";
import type { Tree } from "../../numeric/boost.ts";
import { checkNumber, checkTrainingData } from "./_validate.ts";
import { binColumnsKept, MAX_BINS } from "../../numeric/histogram.ts";
import { boost } from "../../numeric/boost.ts";
import {
  checkTreeParams,
  forestModel,
  loadForest,
  parseForest,
  predictForest,
} from "./_forest.ts";

const NAME = "XgboostFitTrainer";

/** Hyperparameters of {@linkcode xgboostFit}, named after XGBoost's. */
export interface XgboostFitParams {
  /** Boosting rounds (trees) added per fit (`n_estimators`). Default: 100. */
  nEstimators?: number;
  /** Maximum depth of a tree, the root being depth 0. Default: 6. */
  maxDepth?: number;
  /** Shrinkage `eta` applied to every leaf weight. Default: 0.1. */
  learningRate?: number;
  /** L2 regularisation λ of leaf weights (`reg_lambda`). Default: 1. */
  lambda?: number;
  /** Minimum split gain γ (`gamma`, `min_split_loss`). Default: 0. */
  gamma?: number;
  /** Minimum sum of hessians in each child. Default: 1. */
  minChildWeight?: number;
  /**
   * Fraction of rows drawn (without replacement, from the fit's seed) to
   * grow each tree. Default: 1.
   */
  subsample?: number;
  /** Maximum histogram bins per feature, 2–255. Default: 255. */
  maxBins?: number;
}

/** A fitted XGBoost-algorithm model (JSON kind `"xgboost"`). */
export interface XgboostFitModel extends FittedModel {
  /** Always `"xgboost"`. */
  readonly kind: "xgboost";
  /** Number of trees, including those of the model it continued from. */
  readonly nTrees: number;
  /** `base_score`: the mean of the first training y. */
  readonly baseScore: number;
}

/**
 * The XgboostFitTrainer: XGBoost's algorithm with `XGBRegressor` defaults
 * (see the module doc). `fit(x, y, { init })` adds trees to `init`, an
 * earlier XgboostFit model on the same features; the seed only matters when
 * `subsample < 1`.
 *
 * @example
 * ```ts
 * import { xgboostFit } from "./xgboost_fit.ts";
 * import { ok as assert, deepStrictEqual as assertEquals } from "node:assert/strict";
 * const x = [Float64Array.from({ length: 200 }, (_, i) => i / 20)];
 * const y = x[0]!.map((v) => Math.sin(v));
 * const trainer = xgboostFit({ nEstimators: 20 });
 * const first = trainer.fit(x, y);
 * const more = trainer.fit(x, y, { init: first });
 * assertEquals((more.toJSON().trees as unknown[]).slice(0, 20), first.toJSON().trees);
 * const sse = (m: typeof first) =>
 *   m.predict(x).reduce((s, p, i) => s + (p - y[i]!) ** 2, 0);
 * assert(sse(more) < sse(first));
 * ```
 */
export function xgboostFit(params: XgboostFitParams = {}): Trainer {
  const p = {
    nEstimators: params.nEstimators ?? 100,
    maxDepth: params.maxDepth ?? 6,
    learningRate: params.learningRate ?? 0.1,
    lambda: params.lambda ?? 1,
    gamma: params.gamma ?? 0,
    minChildWeight: params.minChildWeight ?? 1,
    subsample: params.subsample ?? 1,
    maxBins: params.maxBins ?? MAX_BINS,
  };
  return Object.freeze({
    name: NAME,
    params: Object.freeze({ ...p }),
    fit(
      x: Columns,
      y: Float64Array,
      options: FitOptions = {},
    ): XgboostFitModel {
      checkTreeParams(NAME, p);
      checkNumber(NAME, "lambda", p.lambda, { min: 0 });
      checkNumber(NAME, "gamma", p.gamma, { min: 0 });
      checkNumber(NAME, "minChildWeight", p.minChildWeight, { min: 0 });
      const seed = options.seed ?? 42;
      const n = checkTrainingData(NAME, x, y, 2);

      let baseScore: number;
      let oldTrees: readonly Tree[] = [];
      let start: Float64Array;
      if (options.init !== undefined) {
        const json = options.init.toJSON();
        if (json.kind !== "xgboost") {
          throw new TypeError(
            `Cannot fit ${NAME}: init is a ${
              JSON.stringify(json.kind)
            } model, expected an "xgboost" model`,
          );
        }
        const { forest } = parseForest(json, "xgboost");
        if (forest.nFeatures !== x.length) {
          throw new RangeError(
            `Cannot fit ${NAME}: init takes ${forest.nFeatures} features but x has ${x.length} columns`,
          );
        }
        baseScore = forest.baseScore;
        oldTrees = forest.trees;
        start = predictForest(forest, x);
      } else {
        let sum = 0;
        for (let i = 0; i < n; i++) sum += y[i]!;
        baseScore = sum / n + 0;
        start = new Float64Array(n).fill(baseScore);
      }
      const binned = binColumnsKept(x, { maxBins: p.maxBins });
      const { trees } = boost(binned, y, {
        nEstimators: p.nEstimators,
        maxDepth: p.maxDepth,
        learningRate: p.learningRate,
        lambda: p.lambda,
        gamma: p.gamma,
        minChildWeight: p.minChildWeight,
        minSamplesLeaf: 1,
        subsample: p.subsample,
        seed,
        start,
      });
      return forestModel(
        "xgboost",
        { nFeatures: x.length, baseScore, trees: [...oldTrees, ...trees] },
        { params: p, seed },
      );
    },
  });
}

/**
 * Rebuilds an XgboostFit model from its JSON (kind `"xgboost"`); it predicts
 * bit for bit as the model that wrote it. Throws a `TypeError` for JSON that
 * is not such a model.
 *
 * @example
 * ```ts
 * import { loadXgboostFit, xgboostFit } from "./xgboost_fit.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const x = [new Float64Array([1, 2, 3, 4])];
 * const model = xgboostFit({ nEstimators: 5 }).fit(x, new Float64Array([1, 1, 5, 5]));
 * const copy = loadXgboostFit(JSON.parse(JSON.stringify(model)));
 * assertEquals(copy.predict(x), model.predict(x));
 * ```
 */
export function loadXgboostFit(json: ModelJson): XgboostFitModel {
  return loadForest(json, "xgboost");
}
