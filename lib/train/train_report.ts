/**
 * What {@linkcode trainPipeline} takes and reports: its options, progress
 * events, and the report of what was trained and what failed.
 *
 * @module
 */
import type { DerivedMode } from "./derived_features.ts";
import type { QueryData } from "../extract/read_query.ts";
import type { SweepResult } from "../io/stale_temps.ts";
import type { ExtractOptions } from "../extract/extract.ts";
import type { WeightFormat } from "../pipeline/kepler_weight_file.ts";
import type { ModelMetadata } from "../pipeline/model_metadata.ts";
import type {
  EnergySource,
  ExtractorName,
  FeatureGroup,
  IsolatorName,
  MachineSpec,
  OutputType,
  TrainerName,
} from "../types.ts";
import type { SplitKind } from "./train_model.ts";
import type { EnsembleChoiceOptions } from "./ensemble_weights.ts";

/** Options of `trainPipeline`. */
export interface TrainPipelineOptions {
  /** MODEL_PATH: the folder that holds pipelines. */
  modelPath: string;
  /**
   * Pipeline name.
   *
   * @default {undefined} `"default"` (seed 002)
   */
  pipelineName?: string;
  /**
   * Energy sources.
   *
   * @default {["rapl-sysfs"]}
   */
  sources?: readonly EnergySource[];
  /**
   * Feature groups to train.
   *
   * @default {undefined} every group valid in all inputs
   */
  featureGroups?: readonly FeatureGroup[];
  /**
   * Extractor.
   *
   * @default {"default"}
   */
  extractor?: ExtractorName;
  /**
   * Isolator of DynPower data.
   *
   * @default {"floor"} (upstream's `min` when named)
   */
  isolator?: IsolatorName;
  /**
   * AbsPower trainers. `EnsembleTrainer` is built from the other trainers
   * of the list (at least two); it is not in the default list: it adds
   * about 40 % to the pipeline's bytes (its zip embeds its members, and
   * the biggest members, XGBoost, GBR and KNN, are usually among them) for
   * a model that is ranked best in a minority of groups while the single
   * models' CV figures are not nested (BENCHMARKS.md, accuracy).
   *
   * @default {undefined} upstream's ten and SaturatingRegressionTrainer
   *   (`DEFAULT_TRAIN_TRAINERS`)
   */
  absTrainers?: readonly TrainerName[];
  /**
   * DynPower trainers.
   *
   * @default {undefined} upstream's ten and SaturatingRegressionTrainer
   */
  dynTrainers?: readonly TrainerName[];
  /**
   * How EnsembleTrainer chooses and weights its members.
   *
   * @default {undefined} 5 members, inverse-MSE weights
   */
  ensemble?: EnsembleChoiceOptions;
  /**
   * Split for the reported errors.
   *
   * @default {"time"}
   */
  split?: SplitKind;
  /**
   * Blocked cross-validation folds per model (0: none; the interval is
   * then calibrated on the held-out rows).
   *
   * @default {3}
   */
  cvFolds?: number;
  /**
   * Hyperparameter search budget, inner fits per component and trainer
   * (`--tune`; see tune.ts). 0 keeps upstream's settings exactly.
   *
   * @default {0}
   */
  tune?: number;
  /**
   * Derived features (`--derived-features`; see derived_features.ts):
   * `auto` trains each model without and with them and keeps the lower
   * blocked-CV MAE; `none` trains on the raw features only.
   *
   * @default {"none"}
   */
  derivedFeatures?: DerivedMode;
  /**
   * Seed of all randomness.
   *
   * @default {42}
   */
  seed?: number;
  /**
   * Machine spec of the data's node; indexed into node_type_index.json.
   *
   * @default {undefined} none (node type 0, the spec already indexed there if any)
   */
  machineSpec?: MachineSpec;
  /**
   * Machine id recorded as a member of the node type.
   *
   * @default {"unknown"}
   */
  machineId?: string;
  /**
   * Idle query for the `profile` isolator (and profile/<source>.json).
   *
   * @default {undefined} none (the `profile` isolator then fails)
   */
  idle?: QueryData;
  /**
   * Trainer isolator: the pipeline whose AbsPower models predict background
   * power.
   *
   * @default {undefined} `std_v0.7.11` (upstream's)
   */
  absPipelineName?: string;
  /**
   * Trainer isolator: target container name parts.
   *
   * @default {undefined} none
   */
  targetHints?: readonly string[];
  /**
   * Trainer isolator: background container name parts.
   *
   * @default {undefined} none
   */
  bgHints?: readonly string[];
  /**
   * Third-party metrics (ThirdParty feature group).
   *
   * @default {undefined} none
   */
  thirdParty?: readonly string[];
  /**
   * Prometheus job of VM metrics.
   *
   * @default {"vm"}
   */
  vmJobName?: string;
  /**
   * The checks that refuse data that cannot be true: power bound, limit of
   * excluded intervals, and a receiver of what was excluded.
   *
   * @default {undefined} extract()'s defaults
   */
  dataChecks?: Pick<
    ExtractOptions,
    "maxPowerWatts" | "maxExcludedFraction" | "onExcluded"
  >;
  /**
   * Written as train_arguments.json.
   *
   * @default {undefined} the options above
   */
  trainArguments?: Record<string, unknown>;
  /**
   * Receives progress events.
   *
   * @default {undefined} none
   */
  onProgress?: (event: TrainProgress) => void;
  /**
   * The fewest rows a frame (a feature group's AbsPower or DynPower data)
   * needs to be trained: fewer is a failure of that frame, and a run left
   * with no frame fails before writing anything.
   *
   * @default {5}
   */
  minRows?: number;
  /**
   * Receives what taking the pipeline's lock cleaned (temps a killed
   * earlier run left), when it cleaned anything.
   *
   * @default {undefined} none
   */
  onSwept?: (swept: SweepResult) => void;
  /**
   * Training workers; 0 or 1 trains in this thread.
   *
   * @default {undefined} the core count (`navigator.hardwareConcurrency`)
   */
  workers?: number;
  /**
   * Clock for metadata times (tests).
   *
   * @default {undefined} () => new Date()
   */
  now?: () => Date;
  /**
   * The form of each model's `weight.json`: `"v0.7.12"` adds `model_name`
   * for Kepler v0.7.12 loading the file from a local path (see
   * `WEIGHT_FORMATS`).
   *
   * @default {undefined} `"v0.7.11"` (component keys only)
   */
  weightFormat?: WeightFormat;
}

/** A progress event. */
export type TrainProgress =
  | {
    kind: "group";
    source: EnergySource;
    featureGroup: FeatureGroup;
    rows: { abs: number; dyn: number };
  }
  | {
    kind: "trainer";
    source: EnergySource;
    outputType: OutputType;
    featureGroup: FeatureGroup;
    trainer: TrainerName;
    done: number;
    total: number;
    mae?: number;
    error?: string;
  };

/** A trained model in the report. */
export interface ReportedModel {
  /** Energy source. */
  source: EnergySource;
  /** Output type. */
  outputType: OutputType;
  /** Feature group. */
  featureGroup: FeatureGroup;
  /** The model's metadata. */
  metadata: ModelMetadata;
}

/** A failure that was reported and skipped. */
export interface TrainFailure {
  /** Energy source. */
  source: EnergySource;
  /** Feature group. */
  featureGroup: FeatureGroup;
  /** Output type, when the failure was one trainer's. */
  outputType?: OutputType;
  /** Trainer, when the failure was one trainer's. */
  trainer?: TrainerName;
  /** What went wrong. */
  message: string;
}

/** What a pipeline run did. */
export interface TrainReport {
  /** The pipeline folder. */
  pipelineDir: string;
  /** The pipeline archive. */
  zip: string;
  /** The node type trained. */
  nodeType: number;
  /** Feature groups trained. */
  featureGroups: FeatureGroup[];
  /** Models trained in this run. */
  models: ReportedModel[];
  /** Failures that were skipped. */
  failures: TrainFailure[];
  /** Notes (split fallbacks and the like), without duplicates. */
  notes: string[];
}
