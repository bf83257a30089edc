/**
 * `loadModel(json)`: rebuilds a fitted model from its JSON by dispatching
 * on the literal `kind` through a registry of loaders — no `eval`, no
 * pickles. Every model round-trips exactly: `loadModel(JSON.parse(
 * JSON.stringify(model)))` predicts bit-identically (JSON numbers are
 * written with shortest round-trip precision).
 *
 * A JSON carrying an `interval` field (see `withInterval`) is loaded as the
 * model wrapped with that interval.
 *
 * @module
 */
import type { FittedModel, ModelJson } from "./model.ts";
import { MODEL_KINDS, type ModelKind } from "../types.ts";
import { loadLinearModel } from "./trainers/linear_model.ts";
import { loadPolynomialModel } from "./trainers/polynomial_regression.ts";
import { loadCurveFitModel } from "./trainers/curve_fit.ts";
import { loadKNeighborsModel } from "./trainers/k_neighbors_regressor.ts";
import { loadSvrModel } from "./trainers/svr_regressor.ts";
import { loadGradientBoosting } from "./trainers/gradient_boosting.ts";
import { loadXgboostFit } from "./trainers/xgboost_fit.ts";
import { loadEnsembleModel } from "./trainers/ensemble.ts";
import { loadSaturatingModel } from "./trainers/saturating_regression.ts";
import { loadDerivedModel } from "./derived_features.ts";
import { readInterval, withInterval } from "./interval.ts";

/** The loader of each model kind. */
const LOADERS: Readonly<
  Record<ModelKind, (json: ModelJson) => FittedModel>
> = Object.freeze({
  linear: loadLinearModel,
  polynomial: loadPolynomialModel,
  curvefit: loadCurveFitModel,
  knn: loadKNeighborsModel,
  svr: loadSvrModel,
  gbdt: loadGradientBoosting,
  xgboost: loadXgboostFit,
  saturating: loadSaturatingModel,
  // its members load through loadModel (an ensemble of ensembles is refused)
  ensemble: (json) => loadEnsembleModel(json, loadModel),
  // derived features computed from raw columns around an inner model
  derived: (json) => loadDerivedModel(json, loadModel),
});

/**
 * Loads a fitted model from its parsed JSON. Throws a `TypeError` when the
 * value is not a model JSON and a `RangeError` for an unknown kind or
 * version.
 *
 * @param json The parsed JSON of a model file (`JSON.parse` of what a
 *   fitted model's `toJSON` wrote), with its literal `kind` and `version`.
 * @returns The fitted model, carrying its prediction interval when the JSON
 *   stores one.
 * @throws {TypeError} when the value is not an object or lacks a string
 *   `kind` or a numeric `version`.
 * @throws {RangeError} when the kind or its version is unknown.
 *
 * @example
 * ```ts
 * import { loadModel } from "./load_model.ts";
 * import { linearRegression } from "./trainers/linear_regression.ts";
 * import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
 * const x = [Float64Array.of(1, 2, 3)], y = Float64Array.of(2, 4, 6.5);
 * const m = linearRegression().fit(x, y);
 * const back = loadModel(JSON.parse(JSON.stringify(m)));
 * assertEquals(back.predict(x), m.predict(x));
 * assertThrows(() => loadModel({ kind: "pickle", version: 1 }), RangeError);
 * ```
 */
export function loadModel(json: unknown): FittedModel {
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new TypeError(
      `Cannot load a model: expected a JSON object, got ${
        json === null ? "null" : Array.isArray(json) ? "an array" : typeof json
      }`,
    );
  }
  const doc = json as Record<string, unknown>;
  if (typeof doc.kind !== "string") {
    throw new TypeError(
      `Cannot load a model: field kind is ${
        String(doc.kind)
      }, expected a string`,
    );
  }
  if (typeof doc.version !== "number") {
    throw new TypeError(
      `Cannot load a ${doc.kind} model: field version is ${
        String(doc.version)
      }, expected a number`,
    );
  }
  const kind = MODEL_KINDS.find((k) => k === doc.kind);
  if (kind === undefined) {
    throw new RangeError(
      `Cannot load a model of kind "${doc.kind}": known kinds are ${
        MODEL_KINDS.join(", ")
      }`,
    );
  }
  const model = LOADERS[kind](doc as ModelJson);
  const interval = readInterval(doc as ModelJson);
  return interval === undefined ? model : withInterval(model, interval);
}
