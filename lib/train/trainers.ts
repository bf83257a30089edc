/**
 * `makeTrainer(name, params)`: the trainer for each of the ten upstream
 * trainer names, with upstream's hyperparameters as defaults, and ours:
 * `SaturatingRegressionTrainer` and `EnsembleTrainer`, whose members are
 * made here too.
 *
 * @module
 */
import type { MemberTrainerName, TrainerName } from "../types.ts";
import type { Trainer } from "./model.ts";
import {
  polynomialRegression,
  type PolynomialRegressionParams,
} from "./trainers/polynomial_regression.ts";
import {
  type GradientBoostingParams,
  gradientBoostingRegressor,
} from "./trainers/gradient_boosting.ts";
import {
  type KNeighborsParams,
  kNeighborsRegressor,
} from "./trainers/k_neighbors_regressor.ts";
import {
  linearRegression,
  type LinearRegressionParams,
} from "./trainers/linear_regression.ts";
import { type SvrParams, svrRegressor } from "./trainers/svr_regressor.ts";
import { xgboostFit, type XgboostFitParams } from "./trainers/xgboost_fit.ts";
import {
  sgdRegressor,
  type SgdRegressorParams,
} from "./trainers/sgd_regressor.ts";
import {
  type CurveFitParams,
  exponentialRegression,
  logarithmicRegression,
  logisticRegression,
} from "./trainers/curve_fit.ts";
import { type EnsembleParams, ensembleTrainer } from "./trainers/ensemble.ts";
import {
  saturatingRegression,
  type SaturatingRegressionParams,
} from "./trainers/saturating_regression.ts";

/** The hyperparameters each trainer takes. */
export interface TrainerParams {
  /** See `polynomialRegression`. */
  PolynomialRegressionTrainer: PolynomialRegressionParams;
  /** See `gradientBoostingRegressor`. */
  GradientBoostingRegressorTrainer: GradientBoostingParams;
  /** See `kNeighborsRegressor`. */
  KNeighborsRegressorTrainer: KNeighborsParams;
  /** See `linearRegression`. */
  LinearRegressionTrainer: LinearRegressionParams;
  /** See `svrRegressor`. */
  SVRRegressorTrainer: SvrParams;
  /** See `xgboostFit`. */
  XgboostFitTrainer: XgboostFitParams;
  /** See `sgdRegressor`. */
  SGDRegressorTrainer: SgdRegressorParams;
  /** See `logarithmicRegression`. */
  LogarithmicRegressionTrainer: CurveFitParams;
  /** See `logisticRegression`. */
  LogisticRegressionTrainer: CurveFitParams;
  /** See `exponentialRegression`. */
  ExponentialRegressionTrainer: CurveFitParams;
  /** See `saturatingRegression`. */
  SaturatingRegressionTrainer: SaturatingRegressionParams;
  /** See `ensembleTrainer`. */
  EnsembleTrainer: EnsembleParams;
}

const MEMBER_FACTORIES: {
  readonly [N in MemberTrainerName]: (params?: TrainerParams[N]) => Trainer;
} = {
  PolynomialRegressionTrainer: polynomialRegression,
  GradientBoostingRegressorTrainer: gradientBoostingRegressor,
  KNeighborsRegressorTrainer: kNeighborsRegressor,
  LinearRegressionTrainer: linearRegression,
  SVRRegressorTrainer: svrRegressor,
  XgboostFitTrainer: xgboostFit,
  SGDRegressorTrainer: sgdRegressor,
  LogarithmicRegressionTrainer: logarithmicRegression,
  LogisticRegressionTrainer: logisticRegression,
  ExponentialRegressionTrainer: exponentialRegression,
  SaturatingRegressionTrainer: saturatingRegression,
};

const FACTORIES: {
  readonly [N in TrainerName]: (params?: TrainerParams[N]) => Trainer;
} = {
  ...MEMBER_FACTORIES,
  EnsembleTrainer: (params = {}) =>
    ensembleTrainer(params, (name) => MEMBER_FACTORIES[name]()),
};

/**
 * The trainer of an upstream trainer name. Unknown parameter names (e.g.
 * from a config file) are a `RangeError` listing the valid ones; values are
 * checked by `fit`.
 *
 * @param name The upstream trainer name, e.g. `"LinearRegressionTrainer"`.
 * @param params Hyperparameters of that trainer; empty (the default) keeps
 *   every default, and a missing key keeps its default.
 * @returns A trainer whose `params` are the given ones over the defaults.
 * @throws {RangeError} when the name is not one of the twelve trainers or
 *   a parameter name is not one of the trainer's.
 *
 * @example
 * ```ts
 * import { makeTrainer } from "./trainers.ts";
 * import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
 * assertEquals(makeTrainer("KNeighborsRegressorTrainer").params, { nNeighbors: 6, weights: "uniform" });
 * assertEquals(makeTrainer("SVRRegressorTrainer", { c: 2 }).params.c, 2);
 * assertThrows(() => makeTrainer("SGDRegressorTrainer", { alhpa: 1 } as never), RangeError);
 * ```
 */
export function makeTrainer<N extends TrainerName>(
  name: N,
  params: TrainerParams[N] = {} as TrainerParams[N],
): Trainer {
  const factory = FACTORIES[name] as
    | ((p?: TrainerParams[N]) => Trainer)
    | undefined;
  if (factory === undefined) {
    throw new RangeError(
      `Unknown trainer "${String(name)}": valid trainers are ${
        Object.keys(FACTORIES).join(", ")
      }`,
    );
  }
  const trainer = factory(params);
  const known = Object.keys(trainer.params);
  for (const key of Object.keys(params)) {
    if (!known.includes(key)) {
      throw new RangeError(
        `Unknown parameter "${key}" for ${name}: valid parameters are ${
          known.join(", ")
        }`,
      );
    }
  }
  return trainer;
}
