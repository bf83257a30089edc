/**
 * `PolynomialRegressionTrainer`: upstream's `PolynomialFeatures(degree=2)`
 * then `LinearRegression()` on MaxAbs-scaled features.
 *
 * Features, in scikit-learn's order: `1, x_0 … x_{p−1}, x_0², x_0·x_1, …,
 * x_0·x_{p−1}, x_1², …, x_{p−1}²` (all `x_i·x_j` with `i ≤ j`). Ordinary
 * least squares with a free intercept: the expanded columns are centred,
 * reduced by a Householder QR and solved for the minimum-norm solution with
 * ml-matrix's SVD (as LAPACK gelsd does for scikit-learn), so duplicate or
 * all-zero columns — e.g. `bpf_page_cache_hit`, always 0 — get zero
 * coefficients instead of breaking the solve.
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
import { fitMaxAbsScaler, maxAbsScaler } from "../scaler.ts";
import { centre } from "../../numeric/qr.ts";
import { solveLeastSquares } from "../../numeric/lstsq.ts";
import {
  checkPredictColumns,
  checkTrainingData,
  checkVersion,
  jsonNumber,
  jsonNumbers,
} from "./_validate.ts";

/** Hyperparameters of {@linkcode polynomialRegression}. */
export interface PolynomialRegressionParams {
  /** Polynomial degree; only 2 (upstream's) is supported. Default: `2`. */
  degree?: 2;
}

/** The JSON form of a polynomial model. */
export interface PolynomialModelJson extends ModelJson {
  /** Model kind. */
  kind: "polynomial";
  /** Format version. */
  version: 1;
  /** Degree (2). */
  degree: 2;
  /** MaxAbs scale per raw feature. */
  scale: number[];
  /** One coefficient per expanded feature, in scikit-learn's order. */
  coef: number[];
  /** Intercept. */
  intercept: number;
}

/** A fitted degree-2 polynomial model. */
export interface PolynomialModel extends FittedModel {
  /** Model kind. */
  readonly kind: "polynomial";
  /** Number of raw input features. */
  readonly nFeatures: number;
  /** Coefficients of the expanded features (first is the constant's, 0). */
  readonly coef: readonly number[];
  /** Intercept. */
  readonly intercept: number;
  /** Predicts from raw feature columns. */
  predict(x: Columns): Float64Array;
  /** The model as JSON. */
  toJSON(): PolynomialModelJson;
}

/**
 * Expands scaled columns into degree-2 polynomial features in
 * scikit-learn's order (including the constant column of ones).
 *
 * @example
 * ```ts
 * import { polynomialFeatures } from "./polynomial_regression.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const f = polynomialFeatures([Float64Array.of(2), Float64Array.of(3)]);
 * assertEquals(f.map((c) => c[0]), [1, 2, 3, 4, 6, 9]);
 * ```
 */
export function polynomialFeatures(x: Columns): Float64Array[] {
  const n = x[0]?.length ?? 0;
  const out: Float64Array[] = [new Float64Array(n).fill(1)];
  for (const col of x) out.push(Float64Array.from(col));
  for (let i = 0; i < x.length; i++) {
    for (let j = i; j < x.length; j++) {
      const a = x[i]!, b = x[j]!;
      const c = new Float64Array(n);
      for (let r = 0; r < n; r++) c[r] = a[r]! * b[r]!;
      out.push(c);
    }
  }
  return out;
}

function expandedSize(p: number): number {
  return 1 + p + (p * (p + 1)) / 2;
}

function makePolynomialModel(
  scale: ArrayLike<number>,
  coef: Float64Array,
  intercept: number,
): PolynomialModel {
  const scaler = maxAbsScaler(scale);
  const p = scaler.scale.length;
  if (coef.length !== expandedSize(p)) {
    throw new RangeError(
      `Cannot make a polynomial model: ${coef.length} coefficients for ${p} features (expected ${
        expandedSize(p)
      })`,
    );
  }
  return Object.freeze({
    kind: "polynomial" as const,
    nFeatures: p,
    coef: Object.freeze(Array.from(coef)),
    intercept,
    predict(x: Columns): Float64Array {
      const n = checkPredictColumns("polynomial", x, p);
      const xs = scaler.transform(x);
      const out = new Float64Array(n).fill(intercept + coef[0]!);
      let k = 1;
      for (let j = 0; j < p; j++, k++) {
        const c = coef[k]!, col = xs[j]!;
        for (let r = 0; r < n; r++) out[r] = out[r]! + c * col[r]!;
      }
      for (let i = 0; i < p; i++) {
        for (let j = i; j < p; j++, k++) {
          const c = coef[k]!, a = xs[i]!, b = xs[j]!;
          for (let r = 0; r < n; r++) out[r] = out[r]! + c * (a[r]! * b[r]!);
        }
      }
      return out;
    },
    toJSON(): PolynomialModelJson {
      return {
        kind: "polynomial",
        version: 1,
        degree: 2,
        scale: [...scaler.scale],
        coef: Array.from(coef),
        intercept,
      };
    },
  });
}

/**
 * The `PolynomialRegressionTrainer`: degree-2 features (with interactions)
 * of the MaxAbs-scaled input, then ordinary least squares. Needs one row.
 *
 * @example
 * ```ts
 * import { polynomialRegression } from "./polynomial_regression.ts";
 * import { ok as assert } from "node:assert/strict";
 * const x = Float64Array.from({ length: 20 }, (_, i) => i - 10);
 * const y = x.map((v) => 1 + 2 * v + 3 * v * v);
 * const m = polynomialRegression().fit([x], y);
 * assert(Math.abs(m.predict([Float64Array.of(4)])[0]! - 57) < 1e-9);
 * ```
 */
export function polynomialRegression(
  params: PolynomialRegressionParams = {},
): Trainer<PolynomialModel> {
  const degree = params.degree ?? 2;
  return {
    name: "PolynomialRegressionTrainer",
    params: Object.freeze({ degree }),
    fit(x: Columns, y: Float64Array, _options?: FitOptions): PolynomialModel {
      checkTrainingData("PolynomialRegressionTrainer", x, y, 1);
      if (degree !== 2) {
        throw new RangeError(
          `Cannot fit PolynomialRegressionTrainer: only degree 2 is supported, got ${
            String(degree)
          }`,
        );
      }
      const scaler = fitMaxAbsScaler(x);
      const feats = polynomialFeatures(scaler.transform(x));
      const { cols, yc, means, yMean } = centre(feats, y);
      const q = cols.length;
      const coef = solveLeastSquares(cols, yc);
      let intercept = yMean;
      for (let j = 0; j < q; j++) intercept -= coef[j]! * means[j]!;
      return makePolynomialModel(scaler.scale, coef, intercept);
    },
  };
}

/**
 * Loads a polynomial model from its JSON.
 *
 * @example
 * ```ts
 * import { polynomialRegression, loadPolynomialModel } from "./polynomial_regression.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const x = [Float64Array.of(1, 2, 3, 4)], y = Float64Array.of(1, 4, 9, 16);
 * const m = polynomialRegression().fit(x, y);
 * const back = loadPolynomialModel(JSON.parse(JSON.stringify(m)));
 * assertEquals(back.predict(x), m.predict(x));
 * ```
 */
export function loadPolynomialModel(json: ModelJson): PolynomialModel {
  checkVersion("polynomial", json, 1);
  if (json.degree !== 2) {
    throw new TypeError(
      `Cannot load a polynomial model: degree ${String(json.degree)} is not 2`,
    );
  }
  const scale = jsonNumbers("polynomial", "scale", json.scale);
  const coef = jsonNumbers(
    "polynomial",
    "coef",
    json.coef,
    expandedSize(scale.length),
  );
  const intercept = jsonNumber("polynomial", "intercept", json.intercept);
  return makePolynomialModel(scale, coef, intercept);
}
