/**
 * Training: the ten upstream trainers, SaturatingRegressionTrainer (a
 * saturating curve of all the features, ours) and EnsembleTrainer which
 * weights the best of them by their blocked CV error, behind one small contract (`Trainer`
 * → `fit` → immutable `FittedModel` with `predict` and `toJSON`), the MaxAbs
 * scaler Kepler's weight files store, splits, error metrics, conformal
 * prediction intervals and `loadModel`.
 *
 * @module
 */
export { trainPipeline } from "./pipeline.ts";
export { trainFromFrame } from "./train_from_data.ts";
export { SPLITS, trainModel } from "./train_model.ts";
export { makeTrainer } from "./trainers.ts";
export { ensembleOf } from "./ensemble.ts";
export { ENSEMBLE_DEFAULTS, ENSEMBLE_WEIGHTINGS } from "./ensemble_weights.ts";
export { loadModel } from "./load_model.ts";
export {
  applicableDerived,
  DERIVED_FEATURES,
  DERIVED_MODES,
  derivedColumns,
  derivedFeatureNames,
  withDerived,
} from "./derived_features.ts";
export type {
  DerivedFeature,
  DerivedMode,
  DerivedModel,
  DerivedSpec,
} from "./derived_features.ts";
export { FitError } from "./model.ts";
export {
  MAPE_FLOOR_W,
  meanAbsolutePercentageError,
  regressionMetrics,
} from "./metrics.ts";
export { conformalInterval } from "./interval.ts";
export { trainArguments } from "./train_arguments.ts";
export type { ConformalOptions, PredictionInterval } from "./interval.ts";
export type { CrossValidation } from "./cross_validate.ts";
export type {
  TrainFromFrameOptions,
  TrainFromFrameReport,
} from "./train_from_data.ts";
export type { ComponentMetrics } from "./metrics.ts";
export type {
  QuerySource,
  ReportedModel,
  TrainFailure,
  TrainPipelineOptions,
  TrainProgress,
  TrainReport,
} from "./pipeline.ts";
export type { TrainerParams } from "./trainers.ts";
export type { Columns, FitOptions, FittedModel, Trainer } from "./model.ts";
export type {
  EnsembleOptions,
  SplitKind,
  TrainedComponent,
  TrainedModel,
  TrainModelOptions,
} from "./train_model.ts";
export type {
  EnsembleChoiceOptions,
  EnsembleWeighting,
} from "./ensemble_weights.ts";
export type {
  EnsembleMember,
  EnsembleModel,
  EnsembleParams,
} from "./trainers/ensemble.ts";
export type { TrainArgumentsInput } from "./train_arguments.ts";
export type { CurveFitParams } from "./trainers/curve_fit.ts";
export type { LoadedModel } from "./loaded_model.ts";
export type { GradientBoostingParams } from "./trainers/gradient_boosting.ts";
export type { XgboostFitParams } from "./trainers/xgboost_fit.ts";
export type { PolynomialRegressionParams } from "./trainers/polynomial_regression.ts";
export type { SvrParams } from "./trainers/svr_regressor.ts";
export type { LinearRegressionParams } from "./trainers/linear_regression.ts";
export type { SgdRegressorParams } from "./trainers/sgd_regressor.ts";
export type {
  KNeighborsParams,
  KnnWeights,
} from "./trainers/k_neighbors_regressor.ts";
export type {
  SaturatingModel,
  SaturatingModelJson,
  SaturatingRegressionParams,
} from "./trainers/saturating_regression.ts";
export {
  chooseVmNormalization,
  crossValidateVms,
  thinRowsPerVm,
} from "./vm_train.ts";
export type {
  VmCrossValidation,
  VmCrossValidationOptions,
  VmFold,
} from "./vm_train.ts";
export { trainVmPipeline } from "./vm_pipeline.ts";
export type { TrainVmPipelineOptions, VmTrainReport } from "./vm_pipeline.ts";
export type { SweepResult } from "../io/stale_temps.ts";
export {
  OFFLINE_ISOLATORS,
  OfflineTrainError,
  parseOfflineTrainRequest,
  trainOffline,
} from "./offline_trainer.ts";
export type {
  OfflineTrainRequest,
  TrainOfflineOptions,
} from "./offline_trainer.ts";
