/**
 * `LinearRegressionTrainer`: upstream's `LinearRegression(positive=True)`
 * on MaxAbs-scaled features — least squares with a free intercept and
 * non-negative coefficients.
 *
 * As scikit-learn does, the intercept is removed by centring x and y; the
 * centred problem is reduced by a Householder QR to a p×p one and solved by
 * Lawson–Hanson NNLS (see `lib/numeric/lstsq.ts`); the intercept is then
 * `ȳ − Σ coef_j · x̄_j`.
 *
 * @module
 */
import type { Columns, FitOptions, Trainer } from "../model.ts";
import { type LinearModel, linearModel } from "./linear_model.ts";
import { fitMaxAbsScaler } from "../scaler.ts";
import { centre } from "../../numeric/qr.ts";
import { solveLeastSquares } from "../../numeric/lstsq.ts";
import { checkTrainingData } from "./_validate.ts";

/** Hyperparameters of {@linkcode linearRegression}. */
export interface LinearRegressionParams {
  /**
   * Constrain coefficients to be ≥ 0 (upstream's `positive=True`). With
   * `false` this is ordinary least squares. Default: `true`.
   */
  positive?: boolean;
}

/**
 * The `LinearRegressionTrainer`: fits a {@linkcode LinearModel} whose
 * coefficients (on MaxAbs-scaled features) are non-negative and whose
 * intercept is free. Needs at least one row.
 *
 * @example
 * ```ts
 * import { linearRegression } from "./linear_regression.ts";
 * import { ok as assert } from "node:assert/strict";
 * // y = 3 + 2·x0 − 1·x1: the negative coefficient is clamped to 0.
 * const x0 = Float64Array.of(0, 1, 2, 3, 4), x1 = Float64Array.of(1, 0, 1, 0, 1);
 * const y = x0.map((v, i) => 3 + 2 * v - x1[i]!);
 * const m = linearRegression().fit([x0, x1], y);
 * assert(m.coef[0]! > 0 && m.coef[1] === 0);
 * ```
 */
export function linearRegression(
  params: LinearRegressionParams = {},
): Trainer<LinearModel> {
  const positive = params.positive ?? true;
  return {
    name: "LinearRegressionTrainer",
    params: Object.freeze({ positive }),
    fit(x: Columns, y: Float64Array, _options?: FitOptions): LinearModel {
      checkTrainingData("LinearRegressionTrainer", x, y, 1);
      if (typeof positive !== "boolean") {
        throw new TypeError(
          `Cannot fit LinearRegressionTrainer: parameter positive must be a boolean, got ${
            String(positive)
          }`,
        );
      }
      const scaler = fitMaxAbsScaler(x);
      const { cols, yc, means, yMean } = centre(
        scaler.transform(x),
        y,
      );
      const p = cols.length;
      const coef = solveLeastSquares(cols, yc, { positive });
      let intercept = yMean;
      for (let j = 0; j < p; j++) intercept -= coef[j]! * means[j]!;
      return linearModel({
        trainer: "LinearRegressionTrainer",
        scale: scaler.scale,
        coef,
        intercept,
      });
    },
  };
}
