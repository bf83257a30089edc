/**
 * GradientBoostingRegressorTrainer: scikit-learn's `GradientBoostingRegressor`
 * with its defaults (squared error, 100 trees, `max_depth` 3,
 * `learning_rate` 0.1, `min_samples_leaf` 1, `subsample` 1.0, initial
 * prediction the mean of y), which upstream trains as is.
 *
 * Each round fits a regression tree to the residuals `y − pred` and adds
 * `learning_rate ×` its leaf means. The trees are grown on histograms (each
 * feature cut into at most 255 quantile bins, see `lib/numeric/histogram.ts`) instead of
 * scikit-learn's exact sorted search, so a fit scales to 100k+ rows; on a
 * feature with at most 255 distinct values the splits are the exact ones
 * (thresholds half-way between neighbouring values). The split criterion is
 * the squared-error reduction, which for unweighted rows equals
 * scikit-learn's default `friedman_mse`. Trees are scale-invariant, so no
 * input scaling is done; thresholds are in raw feature units.
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
import { checkNumber, checkTrainingData } from "./_validate.ts";
import { binColumnsKept, MAX_BINS } from "../../numeric/histogram.ts";
import { boost } from "../../numeric/boost.ts";
import { checkTreeParams, forestModel, loadForest } from "./_forest.ts";

const NAME = "GradientBoostingRegressorTrainer";

/** Hyperparameters of {@linkcode gradientBoostingRegressor}. */
export interface GradientBoostingParams {
  /** Number of boosting rounds (trees). Default: 100. */
  nEstimators?: number;
  /** Maximum depth of each tree, the root being depth 0. Default: 3. */
  maxDepth?: number;
  /** Shrinkage applied to every tree's leaf values. Default: 0.1. */
  learningRate?: number;
  /** Minimum number of rows in a leaf. Default: 1. */
  minSamplesLeaf?: number;
  /**
   * Fraction of rows drawn (without replacement, from the fit's seed) to
   * grow each tree; below 1 this is stochastic gradient boosting. Default: 1.
   */
  subsample?: number;
  /** Maximum histogram bins per feature, 2–255. Default: 255. */
  maxBins?: number;
}

/** A fitted gradient-boosting model (JSON kind `"gbdt"`). */
export interface GradientBoostingModel extends FittedModel {
  /** Always `"gbdt"`. */
  readonly kind: "gbdt";
  /** Number of trees. */
  readonly nTrees: number;
  /** The initial prediction: the mean of the training y. */
  readonly baseScore: number;
}

/**
 * The GradientBoostingRegressorTrainer: scikit-learn
 * `GradientBoostingRegressor` defaults, histogram-based. `fit` ignores
 * `init` and `mainFeature`; its seed only matters when `subsample < 1`.
 *
 * @example
 * ```ts
 * import { gradientBoostingRegressor } from "./gradient_boosting.ts";
 * import { ok as assert } from "node:assert/strict";
 * const x = [Float64Array.from({ length: 200 }, (_, i) => i / 20)];
 * const y = x[0]!.map((v) => Math.sin(v));
 * const model = gradientBoostingRegressor().fit(x, y);
 * const pred = model.predict(x);
 * const rmse = Math.sqrt(pred.reduce((s, p, i) => s + (p - y[i]!) ** 2, 0) / 200);
 * assert(rmse < 0.02);
 * ```
 */
export function gradientBoostingRegressor(
  params: GradientBoostingParams = {},
): Trainer {
  const p = {
    nEstimators: params.nEstimators ?? 100,
    maxDepth: params.maxDepth ?? 3,
    learningRate: params.learningRate ?? 0.1,
    minSamplesLeaf: params.minSamplesLeaf ?? 1,
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
    ): GradientBoostingModel {
      checkTreeParams(NAME, p);
      checkNumber(NAME, "minSamplesLeaf", p.minSamplesLeaf, {
        min: 1,
        integer: true,
      });
      const seed = options.seed ?? 42;
      const n = checkTrainingData(NAME, x, y, 2);
      let sum = 0;
      for (let i = 0; i < n; i++) sum += y[i]!;
      const baseScore = sum / n + 0;
      const binned = binColumnsKept(x, { maxBins: p.maxBins });
      const { trees } = boost(binned, y, {
        nEstimators: p.nEstimators,
        maxDepth: p.maxDepth,
        learningRate: p.learningRate,
        minSamplesLeaf: p.minSamplesLeaf,
        subsample: p.subsample,
        lambda: 0,
        gamma: 0,
        minChildWeight: 0,
        seed,
        start: new Float64Array(n).fill(baseScore),
      });
      return forestModel(
        "gbdt",
        { nFeatures: x.length, baseScore, trees },
        { params: p, seed },
      );
    },
  });
}

/**
 * Rebuilds a gradient-boosting model from its JSON (kind `"gbdt"`); it
 * predicts bit for bit as the model that wrote it. Throws a `TypeError` for
 * JSON that is not such a model.
 *
 * @example
 * ```ts
 * import { gradientBoostingRegressor, loadGradientBoosting } from "./gradient_boosting.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const x = [new Float64Array([1, 2, 3, 4])];
 * const model = gradientBoostingRegressor({ nEstimators: 5 })
 *   .fit(x, new Float64Array([1, 1, 5, 5]));
 * const copy = loadGradientBoosting(JSON.parse(JSON.stringify(model)));
 * assertEquals(copy.predict(x), model.predict(x));
 * ```
 */
export function loadGradientBoosting(json: ModelJson): GradientBoostingModel {
  return loadForest(json, "gbdt");
}
