/**
 * The types of {@linkcode trainModel}: its options and what it returns
 * (split from train_model.ts, which re-exports them).
 *
 * @module
 */
import type {
  Component,
  FeatureGroup,
  MachineSpec,
  MemberTrainerName,
  OutputType,
  TrainerName,
} from "../types.ts";
import type { EnsembleChoiceOptions } from "./ensemble_weights.ts";
import type { PredictionInterval } from "./interval.ts";
import type { ComponentMetrics } from "./metrics.ts";
import type { FittedModel, KeplerWeights } from "./model.ts";
import type { ModelMetadata } from "../pipeline/model_metadata.ts";
import type { CrossValidation } from "./cross_validate.ts";
import type { DerivedMode } from "./derived_features.ts";

/** How rows are split into training and test rows (`--split`). */
export const SPLITS = ["time", "shuffle"] as const;
/** One split kind. */
export type SplitKind = typeof SPLITS[number];

/** Options of {@linkcode trainModel}. */
export interface TrainModelOptions {
  /** The feature group the frame was extracted for. */
  featureGroup: FeatureGroup;
  /** AbsPower or DynPower (recorded in the metadata). */
  outputType: OutputType;
  /**
   * Node type whose rows are used.
   *
   * @default {undefined} every row (node type 0)
   */
  nodeType?: number;
  /**
   * The split.
   *
   * @default {"time"}
   */
  split?: SplitKind;
  /**
   * Seed of the split and the trainer.
   *
   * @default {42}
   */
  seed?: number;
  /**
   * Nominal coverage of the interval.
   *
   * @default {0.9}
   */
  coverage?: number;
  /**
   * Blocked cross-validation folds over the training rows: each model's
   * error on unseen stretches of time (mean and spread, `cv_*` fields) and
   * the out-of-fold residuals that calibrate its interval. 0 turns it off
   * (the interval is then calibrated on the held-out rows, as before).
   *
   * @default {3}
   */
  cvFolds?: number;
  /**
   * Hyperparameter search budget: inner fits per component (see
   * `tuneCandidates` in tune.ts); each cross-validated figure is then
   * nested (the search runs inside every fold) and the untuned figure is
   * kept beside it. 0 keeps upstream's settings exactly.
   *
   * @default {0} no search (the CLI's default is DEFAULT_TUNE_FITS)
   */
  tune?: number;
  /**
   * Models to continue from, per component (XgboostFit continues).
   *
   * @default {undefined} none (a fresh fit)
   */
  init?: Partial<Record<Component, FittedModel>>;
  /**
   * Machine spec of the node type, recorded in the metadata.
   *
   * @default {undefined} none (no machine spec in the metadata)
   */
  machineSpec?: MachineSpec;
  /**
   * Third-party feature names (for the main feature of ThirdParty).
   *
   * @default {undefined} none
   */
  thirdParty?: readonly string[];
  /**
   * How `EnsembleTrainer` chooses and weights its members, and (when
   * `trainModel` trains them itself) which trainers may be members.
   *
   * @default {undefined} the ten upstream trainers, 5 members, inverse-MSE weights
   */
  ensemble?: EnsembleOptions;
  /**
   * Derived features (see derived_features.ts): `auto` trains each model
   * without and with the derived features that apply to its trainer and
   * features (per-core usage when `machineSpec` is given, the effective
   * frequency where there are cycles and CPU time) and keeps the variant
   * with the lower blocked-CV MAE; `none` trains on the raw features only.
   *
   * @default {"none"}
   */
  derivedFeatures?: DerivedMode;
}

/** Options of `EnsembleTrainer`. */
export interface EnsembleOptions extends EnsembleChoiceOptions {
  /**
   * The trainers that may be members, when `trainModel` trains them.
   *
   * @default {undefined} the ten upstream trainers
   */
  members?: readonly MemberTrainerName[];
}

/** One trained component. */
export interface TrainedComponent {
  /** The fitted model (with its interval when one could be calibrated). */
  model: FittedModel;
  /** Test-split metrics. */
  metrics: ComponentMetrics;
  /** The calibrated interval, if the test split was large enough. */
  interval?: PredictionInterval;
  /** The blocked cross-validation, when it ran. */
  cv?: CrossValidation;
  /** Why cross-validation failed (a fold's fit or its predictions). */
  cvFailure?: string;
  /** Coverage of the interval on the held-out rows (CV-calibrated only). */
  holdoutCoverage?: number;
  /** Coverage on each fold with an interval from the other folds. */
  cvCoverage?: number;
  /** The setting the search chose on all the training rows. */
  tunedParams?: Readonly<Record<string, number | string | boolean>>;
  /** The cross-validation of upstream's setting, when a search ran. */
  cvUntuned?: CrossValidation;
  /** The held-out labels and this model's predictions of them. */
  holdout?: { y: Float64Array; yHat: Float64Array };
}

/** A trained model of one trainer, feature group and node type. */
export interface TrainedModel {
  /** `<Trainer>_<node type>`. */
  name: string;
  /** The trainer. */
  trainer: TrainerName;
  /** Feature names in model input order. */
  features: readonly string[];
  /** Trained components, in the frame's order. */
  components: Partial<Record<Component, TrainedComponent>>;
  /** Upstream's metadata plus ours (split, seed, rows, coverage). */
  metadata: ModelMetadata;
  /** Kepler weights per component, for weight-exportable models. */
  weights?: Partial<Record<Component, KeplerWeights>>;
  /** Notes worth telling the user (e.g. split fallback). */
  notes: string[];
}
