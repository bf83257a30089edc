/**
 * The options and the report of {@linkcode estimate}.
 *
 * @module
 */
import type { QueryData } from "../extract/read_query.ts";
import type {
  Component,
  EnergySource,
  ErrorKey,
  FeatureGroup,
  OutputType,
} from "../types.ts";
import type { EstimationTable } from "./estimation_table.ts";

/** Options of {@linkcode estimate}. */
export interface EstimateOptions {
  /**
   * MODEL_PATH: where pipelines are listed when neither `pipelines` nor
   * `modelFiles` is given.
   *
   * @default {undefined} none
   */
  modelPath?: string;
  /**
   * Pipeline folders to use.
   *
   * @default {undefined} every pipeline in `modelPath` with models of the source and output type
   */
  pipelines?: readonly string[];
  /**
   * Single model files (weight JSON, model zip or folder).
   *
   * @default {undefined} none
   */
  modelFiles?: readonly string[];
  /**
   * Energy sources.
   *
   * @default {["rapl-sysfs"]}
   */
  sources?: readonly EnergySource[];
  /**
   * Output type.
   *
   * @default {"AbsPower"}
   */
  outputType?: OutputType;
  /**
   * Only this feature group.
   *
   * @default {undefined} every group the query has
   */
  featureGroup?: FeatureGroup;
  /**
   * Only models of this name.
   *
   * @default {undefined} all
   */
  modelName?: string;
  /**
   * Third-party metric names.
   *
   * @default {undefined} none
   */
  thirdParty?: readonly string[];
  /**
   * Prometheus job of VM metrics, left out.
   *
   * @default {"vm"}
   */
  vmJobName?: string;
  /**
   * Idle query: background containers of the `profile` isolator.
   *
   * @default {undefined} none
   */
  idle?: QueryData;
  /**
   * The recorded training error that ranks models (`ERROR_KEY`): a key of
   * the model metadata such as `mae` or `mape`.
   *
   * @default {"mae"}
   */
  errorKey?: ErrorKey;
  /**
   * Called after each model is evaluated.
   *
   * @default {undefined} none
   */
  onModel?: (result: ModelEstimate) => void;
}

/** The error of one component. */
export interface ComponentEstimate {
  /** The component. */
  component: Component;
  /** Mean absolute error, W. */
  mae: number;
  /**
   * Mean absolute percentage error, %, over the rows measured at 1 W or more
   * (`MAPE_FLOOR_W` of lib/train), or −1 when none is.
   */
  mape: number;
  /** Mean squared error, W². */
  mse: number;
  /** Rows. */
  n: number;
  /** Share of rows inside the interval, when the model has one. */
  coverage?: number;
  /** The interval's nominal coverage. */
  nominal?: number;
}

/** One evaluated model. */
export interface ModelEstimate {
  /** Model name. */
  name: string;
  /** `model` (a pipeline model) or `weight` (a Kepler weight file). */
  kind: "model" | "weight";
  /** Pipeline name, for a pipeline's model. */
  pipeline?: string;
  /** Where it was read from. */
  origin: string;
  /** Energy source. */
  source: EnergySource;
  /** Output type. */
  outputType: OutputType;
  /** Feature group. */
  featureGroup: FeatureGroup;
  /**
   * The error recorded at training on the model's holdout, under the
   * ranking key (`errorKey`): the ranking error. Undefined when none is
   * recorded (weight files).
   */
  holdoutError?: number;
  /**
   * The error it was ranked by when that is its blocked cross-validation
   * figure (`cv_mae`/`cv_mape`; Infinity when its cross-validation failed).
   */
  rankError?: number;
  /** Largest component MAE on the query, W (ranks models without a holdout error, and ties). */
  mae: number;
  /** Largest defined component MAPE, %, or −1. */
  mape: number;
  /** Smallest component interval coverage, when the model has intervals. */
  coverage?: number;
  /** Nominal coverage of its intervals. */
  nominal?: number;
  /** Per component. */
  components: ComponentEstimate[];
}

/** The estimate of one energy source. */
export interface SourceEstimate {
  /** Energy source. */
  source: EnergySource;
  /** Output type. */
  outputType: OutputType;
  /** Every evaluated model, in evaluation order. */
  models: ModelEstimate[];
  /** The best model. */
  best: ModelEstimate;
  /** The metadata key of the holdout error that ranked the models, e.g. `"mae"`. */
  errorKey: ErrorKey;
  /**
   * What picked the best model: `holdout`, its error recorded at training
   * (`errorKey`); `query`, the max-over-components MAE on the query,
   * because no model has a recorded error.
   */
  rankedBy: "holdout" | "query";
  /** The best model's data and predictions (estimation_result.csv). */
  table: EstimationTable;
  /** The best model's archive (model.zip). */
  archive: Uint8Array;
  /** What was skipped, and why. */
  notes: string[];
  /**
   * The feature groups whose input could not be extracted from the query
   * (e.g. no interval with both power and usage data), skipped: one line
   * each, naming the group and why. The CLI always prints them (`notes`
   * only with --verbose).
   *
   * @default {undefined} none
   */
  skippedGroups?: string[];
}

/** The result of {@linkcode estimate}. */
export interface EstimateReport {
  /** One entry per energy source, in the order given. */
  sources: SourceEstimate[];
}
