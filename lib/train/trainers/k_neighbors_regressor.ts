/**
 * `KNeighborsRegressorTrainer`: upstream's `KNeighborsRegressor(n_neighbors=6)`
 * on MaxAbs-scaled features — the prediction is the plain mean of the y of
 * the k nearest training rows by Euclidean distance (uniform weights), or,
 * with `weights: "distance"` (scikit-learn's option, which `--tune` may
 * pick), their mean weighted by 1 / distance; a query that coincides with
 * training rows takes the mean of those rows.
 *
 * Search is exact: a KD-tree (lib/numeric/kd_tree.ts, built on the first
 * predict) returns the same neighbours as a brute-force scan, distance ties
 * broken by the lower training row index. A query row with a NaN feature
 * predicts NaN. Fitting only stores the scaled rows, so the model JSON holds
 * the whole training set, as upstream's pickle does.
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
import { type KdTree, kdTree } from "../../numeric/kd_tree.ts";
import { fitMaxAbsScaler, maxAbsScaler } from "../scaler.ts";
import {
  checkNumber,
  checkPredictColumns,
  checkTrainingData,
  checkVersion,
  jsonNumbers,
} from "./_validate.ts";

/** Hyperparameters of {@linkcode kNeighborsRegressor}. */
export interface KNeighborsParams {
  /** Number of neighbours k. Default: `6` (upstream). */
  nNeighbors?: number;
  /**
   * How the neighbours' y are averaged: `"uniform"` (upstream) or
   * `"distance"` (weights 1 / distance). Default: `"uniform"`.
   */
  weights?: KnnWeights;
}

/** How a k-nearest-neighbours model averages its neighbours. */
export type KnnWeights = "uniform" | "distance";

/** The JSON form of a k-nearest-neighbours model. */
export interface KNeighborsModelJson extends ModelJson {
  /** Model kind. */
  kind: "knn";
  /** Format version. */
  version: 1;
  /** Number of neighbours. */
  k: number;
  /** MaxAbs scale per feature. */
  scale: number[];
  /** Scaled training rows, row-major (`rows × scale.length`). */
  x: number[];
  /** Training targets. */
  y: number[];
  /** `"distance"` for 1 / distance weights; absent: uniform. */
  weights?: "distance";
}

/** A fitted k-nearest-neighbours model. */
export interface KNeighborsModel extends FittedModel {
  /** Model kind. */
  readonly kind: "knn";
  /** Number of neighbours. */
  readonly k: number;
  /** Number of stored training rows. */
  readonly nRows: number;
  /** How the neighbours are averaged. */
  readonly weights: KnnWeights;
  /** The model as JSON. */
  toJSON(): KNeighborsModelJson;
}

/**
 * The 1 / distance weighted mean of the neighbours' y (distances squared,
 * as the tree returns them); the mean of the exact matches if any.
 */
function distanceWeighted(
  y: Float64Array,
  near: { indices: Int32Array; distances: Float64Array },
  k: number,
): number {
  let exact = 0, exactSum = 0;
  for (let t = 0; t < k; t++) {
    if (near.distances[t] === 0) {
      exact++;
      exactSum += y[near.indices[t]!]!;
    }
  }
  if (exact > 0) return exactSum / exact;
  let s = 0, w = 0;
  for (let t = 0; t < k; t++) {
    const wt = 1 / Math.sqrt(near.distances[t]!);
    s += wt * y[near.indices[t]!]!;
    w += wt;
  }
  return s / w;
}

function makeKnnModel(
  k: number,
  scale: ArrayLike<number>,
  rows: Float64Array,
  y: Float64Array,
  weights: KnnWeights = "uniform",
): KNeighborsModel {
  const scaler = maxAbsScaler(scale);
  const p = scaler.scale.length;
  const n = y.length;
  if (rows.length !== n * p) {
    throw new RangeError(
      `Cannot make a knn model: ${rows.length} stored values for ${n} rows of ${p} features`,
    );
  }
  if (!Number.isInteger(k) || k < 1 || k > n) {
    throw new RangeError(
      `Cannot make a knn model: k = ${k} must be an integer in 1..${n}`,
    );
  }
  // Built on the first predict: fitting stays a copy of the rows.
  let tree: KdTree | undefined;
  return Object.freeze({
    kind: "knn" as const,
    k,
    weights,
    nRows: n,
    nFeatures: p,
    predict(x: Columns): Float64Array {
      const m = checkPredictColumns("knn", x, p);
      const q = scaler.transform(x);
      tree ??= kdTree(rows, p);
      const out = new Float64Array(m);
      const row = new Float64Array(p);
      const near = {
        indices: new Int32Array(k),
        distances: new Float64Array(k),
      };
      for (let r = 0; r < m; r++) {
        let nan = false;
        for (let j = 0; j < p; j++) {
          const v = q[j]![r]!;
          row[j] = v;
          if (Number.isNaN(v)) nan = true;
        }
        if (nan) {
          out[r] = NaN;
          continue;
        }
        tree.nearest(row, k, near);
        if (weights === "distance") {
          out[r] = distanceWeighted(y, near, k);
          continue;
        }
        let s = 0;
        for (let t = 0; t < k; t++) s += y[near.indices[t]!]!;
        out[r] = s / k;
      }
      return out;
    },
    toJSON(): KNeighborsModelJson {
      const json: KNeighborsModelJson = {
        kind: "knn",
        version: 1,
        k,
        scale: [...scaler.scale],
        x: Array.from(rows),
        y: Array.from(y),
      };
      // uniform writes no field: the JSON of before, byte for byte
      if (weights === "distance") json.weights = "distance";
      return json;
    },
  });
}

/**
 * The `KNeighborsRegressorTrainer`. Throws a `RangeError` when there are
 * fewer rows than neighbours (upstream crashed the whole run instead).
 *
 * @example
 * ```ts
 * import { kNeighborsRegressor } from "./k_neighbors_regressor.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const x = Float64Array.of(0, 1, 2, 10, 11, 12);
 * const y = Float64Array.of(1, 1, 1, 5, 5, 5);
 * const m = kNeighborsRegressor({ nNeighbors: 3 }).fit([x], y);
 * assertEquals(m.predict([Float64Array.of(0.5, 11.5)]), Float64Array.of(1, 5));
 * ```
 */
export function kNeighborsRegressor(
  params: KNeighborsParams = {},
): Trainer<KNeighborsModel> {
  const nNeighbors = params.nNeighbors ?? 6;
  const weights = params.weights ?? "uniform";
  const who = "KNeighborsRegressorTrainer";
  return {
    name: who,
    params: Object.freeze({ nNeighbors, weights }),
    fit(x: Columns, y: Float64Array, _options?: FitOptions): KNeighborsModel {
      const k = checkNumber(who, "nNeighbors", nNeighbors, {
        min: 1,
        integer: true,
      });
      if (weights !== "uniform" && weights !== "distance") {
        throw new RangeError(
          `Cannot fit ${who}: parameter weights is ${
            String(weights)
          }, expected "uniform" or "distance"`,
        );
      }
      const n = checkTrainingData(who, x, y, k);
      const scaler = fitMaxAbsScaler(x);
      const cols = scaler.transform(x);
      const p = cols.length;
      const rows = new Float64Array(n * p);
      for (let j = 0; j < p; j++) {
        const c = cols[j]!;
        for (let i = 0; i < n; i++) rows[i * p + j] = c[i]!;
      }
      return makeKnnModel(
        k,
        scaler.scale,
        rows,
        Float64Array.from(y),
        weights,
      );
    },
  };
}

/**
 * Loads a k-nearest-neighbours model from its JSON.
 *
 * @example
 * ```ts
 * import { loadKNeighborsModel } from "./k_neighbors_regressor.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const m = loadKNeighborsModel({ kind: "knn", version: 1, k: 1, scale: [1], x: [0, 1], y: [3, 4] });
 * assertEquals(m.predict([Float64Array.of(0.9)]), Float64Array.of(4));
 * ```
 */
export function loadKNeighborsModel(json: ModelJson): KNeighborsModel {
  checkVersion("knn", json, 1);
  const scale = jsonNumbers("knn", "scale", json.scale);
  const y = jsonNumbers("knn", "y", json.y);
  const rows = jsonNumbers("knn", "x", json.x, y.length * scale.length);
  if (typeof json.k !== "number") {
    throw new TypeError(
      `Cannot load a knn model: field k is ${String(json.k)}`,
    );
  }
  if (json.weights !== undefined && json.weights !== "distance") {
    throw new RangeError(
      `Cannot load a knn model: field weights is ${
        String(json.weights)
      }, expected "distance" or absent`,
    );
  }
  return makeKnnModel(json.k, scale, rows, y, json.weights ?? "uniform");
}
