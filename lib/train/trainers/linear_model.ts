/**
 * The fitted linear model shared by `LinearRegressionTrainer` and
 * `SGDRegressorTrainer` (kind `"linear"`): MaxAbs-scale the raw features,
 * then `ŷ = intercept + Σ_j coef_j · x_j / scale_j`. That is exactly Kepler's
 * local-regressor formula, so the model is also a Kepler weight file.
 *
 * @module
 */
import type {
  Columns,
  KeplerWeights,
  ModelJson,
  WeightExportable,
} from "../model.ts";
import { maxAbsScaler } from "../scaler.ts";
import {
  checkPredictColumns,
  checkVersion,
  jsonNumber,
  jsonNumbers,
} from "./_validate.ts";

/** Trainers that produce a linear model. */
export type LinearTrainerName =
  | "LinearRegressionTrainer"
  | "SGDRegressorTrainer";

/** The JSON form of a linear model. */
export interface LinearModelJson extends ModelJson {
  /** Model kind. */
  kind: "linear";
  /** Format version. */
  version: 1;
  /** The trainer that fitted it. */
  trainer: LinearTrainerName;
  /** MaxAbs scale per feature. */
  scale: number[];
  /** Coefficients on the scaled features (Kepler's `weight`). */
  coef: number[];
  /** Intercept (Kepler's `Bias_Weight`). */
  intercept: number;
  /** Extra facts about the fit (e.g. epochs, seed); informational. */
  info?: Record<string, number>;
}

/** A fitted linear model. */
export interface LinearModel extends WeightExportable {
  /** Model kind. */
  readonly kind: "linear";
  /** The trainer that fitted it. */
  readonly trainer: LinearTrainerName;
  /** MaxAbs scale per feature. */
  readonly scale: readonly number[];
  /** Coefficients on the scaled features. */
  readonly coef: readonly number[];
  /** Intercept. */
  readonly intercept: number;
  /** The model as JSON. */
  toJSON(): LinearModelJson;
}

/** The parts of a linear model. */
export interface LinearModelParts {
  /** The trainer that fitted it. */
  trainer: LinearTrainerName;
  /** MaxAbs scale per feature. */
  scale: ArrayLike<number>;
  /** Coefficients on the scaled features. */
  coef: ArrayLike<number>;
  /** Intercept. */
  intercept: number;
  /** Extra facts about the fit. Default: none. */
  info?: Record<string, number>;
}

/**
 * Builds a linear model from its parts. Throws a `RangeError` if the scale
 * and coefficients differ in length or a scale is not positive.
 *
 * @example
 * ```ts
 * import { linearModel } from "./linear_model.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const m = linearModel({ trainer: "SGDRegressorTrainer", scale: [10], coef: [4], intercept: 1 });
 * assertEquals(m.predict([Float64Array.of(0, 5)]), Float64Array.of(1, 3));
 * assertEquals(m.keplerWeights(["bpf_cpu_time_ms"]).All_Weights.Bias_Weight, 1);
 * ```
 */
export function linearModel(parts: LinearModelParts): LinearModel {
  const scale = Float64Array.from(maxAbsScaler(parts.scale).scale);
  const coef = Float64Array.from(parts.coef);
  const p = scale.length;
  if (coef.length !== p) {
    throw new RangeError(
      `Cannot make a linear model: ${coef.length} coefficients for ${p} scales`,
    );
  }
  const intercept = parts.intercept;
  const info = parts.info === undefined ? undefined : { ...parts.info };
  const trainer = parts.trainer;
  return Object.freeze({
    kind: "linear" as const,
    trainer,
    nFeatures: p,
    scale: Object.freeze(Array.from(scale)),
    coef: Object.freeze(Array.from(coef)),
    intercept,
    predict(x: Columns): Float64Array {
      const n = checkPredictColumns("linear", x, p);
      const out = new Float64Array(n).fill(intercept);
      for (let j = 0; j < p; j++) {
        const col = x[j]!;
        const w = coef[j]!;
        const s = scale[j]!;
        for (let i = 0; i < n; i++) out[i] = out[i]! + w * (col[i]! / s);
      }
      return out;
    },
    keplerWeights(features: readonly string[]): KeplerWeights {
      if (features.length !== p) {
        throw new RangeError(
          `Cannot write Kepler weights: the model has ${p} features, got ${features.length} names`,
        );
      }
      const numerical: Record<string, { scale: number; weight: number }> = {};
      features.forEach((f, j) => {
        numerical[f] = { scale: scale[j]!, weight: coef[j]! };
      });
      return {
        All_Weights: {
          Bias_Weight: intercept,
          Categorical_Variables: {},
          Numerical_Variables: numerical,
        },
      };
    },
    toJSON(): LinearModelJson {
      const json: LinearModelJson = {
        kind: "linear",
        version: 1,
        trainer,
        scale: Array.from(scale),
        coef: Array.from(coef),
        intercept,
      };
      if (info !== undefined) json.info = { ...info };
      return json;
    },
  });
}

/**
 * Loads a linear model from its JSON. Throws a `TypeError` or `RangeError`
 * on a malformed document.
 *
 * @example
 * ```ts
 * import { linearModel, loadLinearModel } from "./linear_model.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const m = linearModel({ trainer: "LinearRegressionTrainer", scale: [2], coef: [1], intercept: 0 });
 * const back = loadLinearModel(JSON.parse(JSON.stringify(m)));
 * assertEquals(back.predict([Float64Array.of(4)]), Float64Array.of(2));
 * ```
 */
export function loadLinearModel(json: ModelJson): LinearModel {
  checkVersion("linear", json, 1);
  const trainer = json.trainer;
  if (
    trainer !== "LinearRegressionTrainer" && trainer !== "SGDRegressorTrainer"
  ) {
    throw new TypeError(
      `Cannot load a linear model: trainer ${
        String(trainer)
      } is not a linear trainer`,
    );
  }
  const scale = jsonNumbers("linear", "scale", json.scale);
  const coef = jsonNumbers("linear", "coef", json.coef, scale.length);
  const intercept = jsonNumber("linear", "intercept", json.intercept);
  const parts: LinearModelParts = { trainer, scale, coef, intercept };
  if (json.info !== undefined) {
    if (typeof json.info !== "object" || json.info === null) {
      throw new TypeError(
        "Cannot load a linear model: field info is not an object",
      );
    }
    parts.info = json.info as Record<string, number>;
  }
  return linearModel(parts);
}
