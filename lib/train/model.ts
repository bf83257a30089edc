/**
 * The trainer contract (CONVENTIONS habit 6, after scikit-learn's estimator
 * guide and mljs): a trainer holds hyperparameters; `fit(x, y)` validates
 * its input and returns an immutable fitted model with `predict` and
 * `toJSON`; `loadModel(json)` (in `load_model.ts`) rebuilds a fitted model
 * from its JSON by dispatching on the literal `kind`.
 *
 * Data is columnar: `x` is an array of feature columns (`x[j][i]` is feature
 * j of row i), all the same length as `y`. Models take raw (unscaled)
 * features; a model that scales (MaxAbs, as Kepler's weight files expect)
 * stores its scaler and applies it inside `predict`.
 *
 * @module
 */
import type { ModelKind, TrainerName } from "../types.ts";
import type { KeplerWeights } from "../pipeline/kepler_weight_file.ts";
import type { ModelJson } from "../pipeline/model_files.ts";

export type { KeplerWeights, ModelJson };

/** Feature columns: `x[j][i]` is feature j of row i. */
export type Columns = readonly Float64Array[];

/** Options of {@linkcode Trainer.fit}. */
export interface FitOptions {
  /**
   * Seed for any randomness (shuffles, initial values).
   *
   * @default {42}
   */
  seed?: number;
  /**
   * Index in `x` of the main feature (curve-fit trainers fit on it only;
   * others ignore it).
   *
   * @default {0}
   */
  mainFeature?: number;
  /**
   * A model fitted earlier by the same trainer on the same features, to
   * continue from (XgboostFit adds trees to it; trainers that cannot
   * continue ignore it).
   *
   * @default {undefined} none
   */
  init?: FittedModel;
}

/**
 * A trainer: hyperparameters plus `fit`. `M` is the model type its `fit`
 * returns (defaults to any fitted model).
 */
export interface Trainer<M extends FittedModel = FittedModel> {
  /** The upstream trainer name. */
  readonly name: TrainerName;
  /** The hyperparameters, as given or defaulted. */
  readonly params: Readonly<Record<string, unknown>>;
  /**
   * Fits a model. Throws a `RangeError` for unusable input (mismatched
   * lengths, non-finite values, too few rows) and a `FitError` when the
   * optimisation does not converge.
   */
  fit(x: Columns, y: Float64Array, options?: FitOptions): M;
}

/** A fitted, immutable model. */
export interface FittedModel {
  /** The literal kind written into its JSON. */
  readonly kind: ModelKind;
  /** Number of input features. */
  readonly nFeatures: number;
  /** Predicts one value per row of raw feature columns. */
  predict(x: Columns): Float64Array;
  /** A JSON-safe form that `loadModel` turns back into an equal model. */
  toJSON(): ModelJson;
}

/** A fitted model that can be written as Kepler weights. */
export interface WeightExportable extends FittedModel {
  /** Kepler's weight dict, given the feature names in column order. */
  keplerWeights(features: readonly string[]): KeplerWeights;
}

/** Whether a fitted model can be written as Kepler weights. */
export function isWeightExportable(
  model: FittedModel,
): model is WeightExportable {
  return typeof (model as Partial<WeightExportable>).keplerWeights ===
    "function";
}

/**
 * An optimisation that failed (e.g. a curve fit that did not converge).
 *
 * @example
 * ```ts
 * import { FitError } from "./model.ts";
 * import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
 * const cause = new RangeError("weights overflowed");
 * const error = new FitError("SGDRegressorTrainer", "weights overflowed", { cause });
 * assert(error instanceof Error);
 * assertEquals(error.name, "FitError");
 * assertEquals(error.trainer, "SGDRegressorTrainer");
 * assertEquals(error.message, "SGDRegressorTrainer failed to fit: weights overflowed");
 * assertEquals(error.cause, cause);
 * ```
 */
export class FitError extends Error {
  /** The trainer that failed. */
  readonly trainer: TrainerName;
  /**
   * Creates a fit error for a trainer.
   *
   * @param trainer The upstream name of the trainer that failed; it
   *   prefixes the message.
   * @param message What went wrong, e.g. `non-finite parameters 1, NaN`.
   * @param options The standard error options, e.g. the `cause` that made
   *   the fit fail.
   */
  constructor(trainer: TrainerName, message: string, options?: ErrorOptions) {
    super(`${trainer} failed to fit: ${message}`, options);
    this.name = "FitError";
    this.trainer = trainer;
  }
}
