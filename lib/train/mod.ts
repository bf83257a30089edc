/**
 * Training: the ten upstream trainers behind one small contract (`Trainer`
 * → `fit` → immutable `FittedModel` with `predict` and `toJSON`), the MaxAbs
 * scaler Kepler's weight files store, splits, error metrics, conformal
 * prediction intervals and `loadModel`.
 *
 * @module
 */
export { FitError, isWeightExportable } from "./model.ts";
export type {
  Columns,
  FitOptions,
  FittedModel,
  Trainer,
  WeightExportable,
} from "./model.ts";
export { fitMaxAbsScaler, maxAbsScaler } from "./scaler.ts";
export type { MaxAbsScaler } from "./scaler.ts";
export type {
  LinearModel,
  LinearModelJson,
  LinearTrainerName,
} from "./trainers/linear_model.ts";
export { linearRegression } from "./trainers/linear_regression.ts";
export type { LinearRegressionParams } from "./trainers/linear_regression.ts";
export { sgdRegressor } from "./trainers/sgd_regressor.ts";
export type { SgdRegressorParams } from "./trainers/sgd_regressor.ts";
export {
  polynomialFeatures,
  polynomialRegression,
} from "./trainers/polynomial_regression.ts";
export type {
  PolynomialModel,
  PolynomialModelJson,
  PolynomialRegressionParams,
} from "./trainers/polynomial_regression.ts";
export {
  CURVES,
  exponentialRegression,
  initialValues,
  logarithmicRegression,
  logisticRegression,
} from "./trainers/curve_fit.ts";
export type {
  Curve,
  CurveFitModel,
  CurveFitModelJson,
  CurveFitParams,
} from "./trainers/curve_fit.ts";
export { kNeighborsRegressor } from "./trainers/k_neighbors_regressor.ts";
export type {
  KNeighborsModel,
  KNeighborsModelJson,
  KNeighborsParams,
} from "./trainers/k_neighbors_regressor.ts";
export { scaleGamma, svrRegressor } from "./trainers/svr_regressor.ts";
export type {
  SvrModel,
  SvrModelJson,
  SvrParams,
} from "./trainers/svr_regressor.ts";
export { gradientBoostingRegressor } from "./trainers/gradient_boosting.ts";
export type {
  GradientBoostingModel,
  GradientBoostingParams,
} from "./trainers/gradient_boosting.ts";
export { xgboostFit } from "./trainers/xgboost_fit.ts";
export type {
  XgboostFitModel,
  XgboostFitParams,
} from "./trainers/xgboost_fit.ts";
export { makeTrainer } from "./trainers.ts";
export type { TrainerParams } from "./trainers.ts";
export { loadModel } from "./load_model.ts";
export {
  blockedHoldout,
  take,
  takeColumnRows,
  trainTestSplit,
} from "./split.ts";
export type {
  BlockedHoldoutOptions,
  Split,
  TrainTestSplitOptions,
} from "./split.ts";
export { regressionMetrics, summarizeMetrics } from "./metrics.ts";
export type { ComponentMetrics, ModelMetrics } from "./metrics.ts";
export { conformalInterval, withInterval } from "./interval.ts";
export type {
  ConformalOptions,
  IntervalModel,
  PredictionInterval,
} from "./interval.ts";
export {
  frameNodeTypes,
  nodeTypeRows,
  splitRows,
  SPLITS,
  trainModel,
} from "./train_model.ts";
export type {
  SplitKind,
  TrainedComponent,
  TrainedModel,
  TrainModelOptions,
} from "./train_model.ts";
export {
  readCheckpoints,
  readModelDir,
  readModelZipEntries,
} from "./loaded_model.ts";
export type { LoadedModel } from "./loaded_model.ts";
export {
  commonFeatureGroups,
  trainPipeline,
  writeSummary,
} from "./pipeline.ts";
export type {
  ReportedModel,
  TrainFailure,
  TrainPipelineOptions,
  TrainProgress,
  TrainReport,
} from "./pipeline.ts";
export { featureGroupOfColumns, trainFromFrame } from "./train_from_data.ts";
export type {
  TrainFromFrameOptions,
  TrainFromFrameReport,
} from "./train_from_data.ts";
export { backgroundModels } from "./background_models.ts";
export type { BackgroundModelsOptions } from "./background_models.ts";
export { trainArguments } from "./train_arguments.ts";
export type { TrainArgumentsInput } from "./train_arguments.ts";
