/**
 * `SVRRegressorTrainer`: upstream's `SVR(C=1.0, epsilon=0.2)` on
 * MaxAbs-scaled features — epsilon-SVR with scikit-learn's defaults: RBF
 * kernel, `gamma="scale"` = `1 / (n_features · Var(X))` over all entries of
 * the scaled X (1 when that variance is 0), `tol = 1e-3`, a 200 MB kernel
 * cache. Solved by SMO (`lib/numeric/smo.ts`), written here because no maintained
 * JavaScript library does SVR.
 *
 * Kernel SVR costs O(n²) kernel evaluations, so a fit on more than
 * `maxSamples` rows (default 12,000) trains on a seeded uniform subsample of
 * that many rows; the subsample size is recorded in the model's `info`.
 *
 * @module
 */
import {
  type Columns,
  FitError,
  type FitOptions,
  type FittedModel,
  type ModelJson,
  type Trainer,
} from "../model.ts";
import { fitMaxAbsScaler, maxAbsScaler } from "../scaler.ts";
import { solveEpsilonSvr } from "../../numeric/smo.ts";
import {
  predictParts,
  sharedKernelValues,
  type SvrParts,
} from "./_svr_predict.ts";
import { mulberry32, permutation } from "../../numeric/random.ts";
import {
  checkNumber,
  checkTrainingData,
  checkVersion,
  jsonNumber,
  jsonNumbers,
  numberArray,
} from "./_validate.ts";

/** Hyperparameters of {@linkcode svrRegressor} (scikit-learn's names). */
export interface SvrParams {
  /** Box constraint. Default: `1` (upstream). */
  c?: number;
  /** Width of the insensitive tube, in y's unit. Default: `0.2` (upstream). */
  epsilon?: number;
  /** RBF width, or `"scale"`. Default: `"scale"`. */
  gamma?: number | "scale";
  /** Stopping tolerance on the KKT gap. Default: `1e-3`. */
  tol?: number;
  /** Kernel cache in MB. Default: `200`. */
  cacheMb?: number;
  /**
   * Train on a seeded subsample of at most this many rows. Default:
   * `12000`.
   */
  maxSamples?: number;
}

/** The JSON form of an SVR model. */
export interface SvrModelJson extends ModelJson {
  /** Model kind. */
  kind: "svr";
  /** Format version. */
  version: 1;
  /** MaxAbs scale per feature. */
  scale: number[];
  /** RBF width used. */
  gamma: number;
  /** Support vectors (scaled), row-major (`count × scale.length`). */
  supportVectors: number[];
  /** Dual coefficients `α − α*` of the support vectors. */
  dualCoef: number[];
  /** Intercept (−ρ). */
  intercept: number;
  /** Facts about the fit (rows used, iterations, seed). */
  info?: Record<string, number>;
}

/** A fitted SVR model. */
export interface SvrModel extends FittedModel {
  /** Model kind. */
  readonly kind: "svr";
  /** RBF width used. */
  readonly gamma: number;
  /** Number of support vectors. */
  readonly nSupport: number;
  /** The model as JSON. */
  toJSON(): SvrModelJson;
}

const partsOf = new WeakMap<object, SvrParts>();

/**
 * How many kernel values SVR predictions have taken from another model's
 * instead of computing them, in this thread (for tests and benches): see
 * `_svr_predict.ts`.
 *
 * @returns The count since the thread started.
 */
export function svrKernelValuesShared(): number {
  return sharedKernelValues();
}

function makeSvrModel(
  scale: ArrayLike<number>,
  gamma: number,
  sv: Float64Array,
  coef: Float64Array,
  intercept: number,
  info: Record<string, number> | undefined,
): SvrModel {
  const scaler = maxAbsScaler(scale);
  const p = scaler.scale.length;
  const m = coef.length;
  if (sv.length !== m * p) {
    throw new RangeError(
      `Cannot make an svr model: ${sv.length} support-vector values for ${m} vectors of ${p} features`,
    );
  }
  if (!(gamma > 0)) {
    throw new RangeError(`Cannot make an svr model: gamma ${gamma} is not > 0`);
  }
  const svColumns = Array.from(
    { length: p },
    (_, j) => Float64Array.from({ length: m }, (_, v) => sv[v * p + j]!),
  );
  const parts: SvrParts = {
    scale: scaler.scale,
    gamma,
    svColumns,
    coef,
    intercept,
  };
  const model: SvrModel = Object.freeze({
    kind: "svr" as const,
    nFeatures: p,
    gamma,
    nSupport: m,
    predict(x: Columns): Float64Array {
      return predictParts([parts], x)[0]!;
    },
    toJSON(): SvrModelJson {
      const json: SvrModelJson = {
        kind: "svr",
        version: 1,
        scale: [...scaler.scale],
        gamma,
        supportVectors: numberArray(sv),
        dualCoef: numberArray(coef),
        intercept,
      };
      if (info !== undefined) json.info = { ...info };
      return json;
    },
  });
  partsOf.set(model, parts);
  return model;
}

/**
 * Predictions of several models on the same rows, each the same bits as
 * its own `predict`. SVR models that share their scaling and γ (the
 * settings of a `--tune` search, fitted on the same rows: most of their
 * support vectors are the same training rows) are predicted together: a
 * kernel value between a row and a vector the first of them also has is
 * taken from the first one's, not computed again (about half of SVR's
 * prediction time at 4 h × 100 containers went to the search's second
 * candidate). Each sum still adds its own vectors' terms in its own order.
 * Other models predict on their own.
 *
 * @param models The fitted models.
 * @param x The rows' feature columns.
 * @returns One prediction per model, in order.
 *
 * @example
 * ```ts
 * import { predictSvrModels, svrRegressor } from "./svr_regressor.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const x = [Float64Array.from({ length: 40 }, (_, i) => i / 39)];
 * const y = x[0]!.map((v) => Math.sin(3 * v));
 * const a = svrRegressor().fit(x, y), b = svrRegressor({ c: 10 }).fit(x, y);
 * assertEquals(predictSvrModels([a, b], x), [a.predict(x), b.predict(x)]);
 * ```
 */
export function predictSvrModels(
  models: readonly FittedModel[],
  x: Columns,
): Float64Array[] {
  const first = partsOf.get(models[0]!);
  const joint = first !== undefined && models.length > 1 &&
    models.every((m) => {
      const q = partsOf.get(m);
      return q !== undefined && q.gamma === first.gamma &&
        q.scale.length === first.scale.length &&
        q.scale.every((v, j) => v === first.scale[j]);
    });
  if (!joint) return models.map((m) => m.predict(x));
  return predictParts(models.map((m) => partsOf.get(m)!), x);
}

/**
 * scikit-learn's `gamma="scale"`: `1 / (p · Var(X))`, the variance taken
 * over every entry of the (scaled) matrix; 1 when it is 0.
 *
 * @example
 * ```ts
 * import { scaleGamma } from "./svr_regressor.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * // entries 0, 1, 0, 1: variance 0.25, two features → 1 / 0.5
 * assertEquals(scaleGamma([Float64Array.of(0, 1), Float64Array.of(0, 1)]), 2);
 * ```
 */
export function scaleGamma(x: Columns): number {
  let s = 0, count = 0;
  for (const col of x) {
    for (let i = 0; i < col.length; i++) s += col[i]!;
    count += col.length;
  }
  const mean = s / count;
  let v = 0;
  for (const col of x) {
    for (let i = 0; i < col.length; i++) v += (col[i]! - mean) ** 2;
  }
  const variance = v / count;
  return variance > 0 ? 1 / (x.length * variance) : 1;
}

/**
 * The `SVRRegressorTrainer`. Throws a `FitError` if SMO hits its iteration
 * cap.
 *
 * @example
 * ```ts
 * import { svrRegressor } from "./svr_regressor.ts";
 * import { ok as assert } from "node:assert/strict";
 * const x = Float64Array.from({ length: 60 }, (_, i) => i / 59);
 * const y = x.map((v) => Math.sin(3 * v));
 * const m = svrRegressor({ c: 10, epsilon: 0.01 }).fit([x], y);
 * const err = m.predict([x]).reduce((a, p, i) => Math.max(a, Math.abs(p - y[i]!)), 0);
 * assert(err < 0.05);
 * ```
 */
export function svrRegressor(params: SvrParams = {}): Trainer<SvrModel> {
  const resolved = {
    c: params.c ?? 1,
    epsilon: params.epsilon ?? 0.2,
    gamma: params.gamma ?? "scale",
    tol: params.tol ?? 1e-3,
    cacheMb: params.cacheMb ?? 200,
    maxSamples: params.maxSamples ?? 12_000,
  };
  const who = "SVRRegressorTrainer";
  return {
    name: who,
    params: Object.freeze({ ...resolved }),
    fit(x: Columns, y: Float64Array, options: FitOptions = {}): SvrModel {
      const n = checkTrainingData(who, x, y, 1);
      const c = checkNumber(who, "c", resolved.c, {
        min: 0,
        exclusiveMin: true,
      });
      const epsilon = checkNumber(who, "epsilon", resolved.epsilon, { min: 0 });
      const tol = checkNumber(who, "tol", resolved.tol, {
        min: 0,
        exclusiveMin: true,
      });
      const cacheMb = checkNumber(who, "cacheMb", resolved.cacheMb, {
        min: 0,
        exclusiveMin: true,
      });
      const maxSamples = checkNumber(who, "maxSamples", resolved.maxSamples, {
        min: 1,
        integer: true,
      });
      const seed = options.seed ?? 42;
      const scaler = fitMaxAbsScaler(x);
      const cols = scaler.transform(x);
      const gamma = resolved.gamma === "scale"
        ? scaleGamma(cols)
        : checkNumber(who, "gamma", resolved.gamma, {
          min: 0,
          exclusiveMin: true,
        });
      const rowsUsed = rowsToTrain(n, maxSamples, seed);
      const l = rowsUsed.length;
      const p = cols.length;
      const { pts, ty } = trainingPoints(cols, y, rowsUsed);
      const res = solveEpsilonSvr(pts, p, ty, {
        c,
        epsilon,
        gamma,
        tol,
        cacheMb,
      });
      if (!res.converged) {
        throw new FitError(
          who,
          `SMO did not converge in ${res.iterations} iterations`,
        );
      }
      const { sv, coef } = supportVectors(res.beta, pts, p);
      return makeSvrModel(scaler.scale, gamma, sv, coef, -res.rho, {
        rows: l,
        iterations: res.iterations,
        seed,
      });
    },
  };
}

/** Rows to train on: all, or a seeded subsample kept in time order. */
function rowsToTrain(n: number, maxSamples: number, seed: number): Uint32Array {
  if (n > maxSamples) {
    return permutation(n, mulberry32(seed)).slice(0, maxSamples).sort();
  }
  const rowsUsed = new Uint32Array(n);
  for (let i = 0; i < n; i++) rowsUsed[i] = i;
  return rowsUsed;
}

/** The chosen rows as row-major points and their targets. */
function trainingPoints(
  cols: Columns,
  y: Float64Array,
  rowsUsed: Uint32Array,
): { pts: Float64Array; ty: Float64Array } {
  const l = rowsUsed.length;
  const p = cols.length;
  const pts = new Float64Array(l * p);
  const ty = new Float64Array(l);
  for (let r = 0; r < l; r++) {
    const i = rowsUsed[r]!;
    ty[r] = y[i]!;
    for (let j = 0; j < p; j++) pts[r * p + j] = cols[j]![i]!;
  }
  return { pts, ty };
}

/** The points with a non-zero dual coefficient, and those coefficients. */
function supportVectors(
  beta: Float64Array,
  pts: Float64Array,
  p: number,
): { sv: Float64Array; coef: Float64Array } {
  const l = beta.length;
  let m = 0;
  for (let r = 0; r < l; r++) if (beta[r] !== 0) m++;
  const sv = new Float64Array(m * p);
  const coef = new Float64Array(m);
  for (let r = 0, v = 0; r < l; r++) {
    if (beta[r] === 0) continue;
    coef[v] = beta[r]!;
    sv.set(pts.subarray(r * p, r * p + p), v * p);
    v++;
  }
  return { sv, coef };
}

/**
 * Loads an SVR model from its JSON.
 *
 * @example
 * ```ts
 * import { loadSvrModel } from "./svr_regressor.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const m = loadSvrModel({ kind: "svr", version: 1, scale: [1], gamma: 1,
 *   supportVectors: [0], dualCoef: [2], intercept: 1 });
 * assertEquals(m.predict([Float64Array.of(0)]), Float64Array.of(3));
 * ```
 */
export function loadSvrModel(json: ModelJson): SvrModel {
  checkVersion("svr", json, 1);
  const scale = jsonNumbers("svr", "scale", json.scale);
  const coef = jsonNumbers("svr", "dualCoef", json.dualCoef);
  const sv = jsonNumbers(
    "svr",
    "supportVectors",
    json.supportVectors,
    coef.length * scale.length,
  );
  const gamma = jsonNumber("svr", "gamma", json.gamma);
  const intercept = jsonNumber("svr", "intercept", json.intercept);
  let info: Record<string, number> | undefined;
  if (json.info !== undefined) {
    if (typeof json.info !== "object" || json.info === null) {
      throw new TypeError(
        "Cannot load an svr model: field info is not an object",
      );
    }
    info = json.info as Record<string, number>;
  }
  return makeSvrModel(scale, gamma, sv, coef, intercept, info);
}
