/**
 * The content of a pipeline's `train_arguments.json` for `train`: upstream's
 * argparse namespace of its `train` command (every flag of its flat parser,
 * the ones `train` does not use at their defaults).
 *
 * @module
 */
import type { DerivedMode } from "./derived_features.ts";
import type {
  EnergySource,
  ExtractorName,
  FeatureGroup,
  IsolatorName,
  TrainerName,
} from "../types.ts";

/** What `train` was given, for {@linkcode trainArguments}. */
export interface TrainArgumentsInput {
  /** The data folder (DATAPATH). */
  dataPath: string;
  /** The query names, as given to `-i` (comma separated). */
  input: string;
  /** PROM_SERVER. */
  server: string;
  /** PROM_QUERY_INTERVAL, seconds. */
  interval: number;
  /** PROM_QUERY_STEP, seconds. */
  step: number;
  /** Third-party metrics. */
  thirdParty: readonly string[];
  /** The pipeline name. */
  pipelineName: string;
  /** The extractor. */
  extractor: ExtractorName;
  /** The isolator. */
  isolator: IsolatorName;
  /** The idle query name (`--profile`). Default: none (null). */
  profile?: string;
  /** Trainer isolator: target hints. Default: none (null). */
  targetHints?: readonly string[];
  /** Trainer isolator: background hints. Default: none (null). */
  bgHints?: readonly string[];
  /** Trainer isolator: AbsPower pipeline. Default: `""`. */
  absPipelineName?: string;
  /** Energy sources. */
  sources: readonly EnergySource[];
  /** AbsPower trainers. */
  absTrainers: readonly TrainerName[];
  /** DynPower trainers. */
  dynTrainers: readonly TrainerName[];
  /** Feature groups asked for. Default: every valid one (`""`). */
  featureGroups?: readonly FeatureGroup[];
  /** The machine id. Default: none (null). */
  id?: string;
  /** The held-out split. */
  split: string;
  /**
   * Blocked cross-validation folds.
   *
   * @default {3}
   */
  cvFolds?: number;
  /**
   * The `--tune` budget (recorded only when a search ran).
   *
   * @default {0}
   */
  tune?: number;
  /**
   * `--derived-features` (recorded only when `auto`).
   *
   * @default {"none"}
   */
  derivedFeatures?: DerivedMode;
  /** The seed. */
  seed: number;
}

/**
 * The `train_arguments.json` object of a `train` run, keys in upstream's
 * order.
 *
 * @param a What `train` was given.
 * @returns The JSON object.
 *
 * @example
 * ```ts
 * import { trainArguments } from "./train_arguments.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const args = trainArguments({
 *   dataPath: "data", input: "q", server: "http://localhost:9090", interval: 300, step: 3,
 *   thirdParty: [], pipelineName: "p", extractor: "default", isolator: "min",
 *   sources: ["rapl-sysfs"], absTrainers: ["SGDRegressorTrainer"], dynTrainers: ["SGDRegressorTrainer"],
 *   split: "time", seed: 42,
 * });
 * assertEquals([args.command, args.profile, args.feature_group, args.id], ["train", null, "", null]);
 * ```
 */
export function trainArguments(
  a: TrainArgumentsInput,
): Record<string, unknown> {
  return {
    command: "train",
    data_path: a.dataPath,
    input: a.input,
    output: "output",
    server: a.server,
    interval: a.interval,
    start_time: "",
    end_time: "",
    step: a.step,
    metric_prefix: "kepler_",
    thirdparty_metrics: a.thirdParty.join(","),
    to_csv: false,
    pipeline_name: a.pipelineName,
    extractor: a.extractor,
    isolator: a.isolator,
    profile: a.profile ?? null,
    target_hints: a.targetHints?.join(",") ?? null,
    bg_hints: a.bgHints?.join(",") ?? null,
    abs_pipeline_name: a.absPipelineName ?? "",
    energy_source: a.sources.join(","),
    abs_trainers: a.absTrainers.join(","),
    dyn_trainers: a.dynTrainers.join(","),
    trainers: "XgboostFitTrainer",
    vm_train: false,
    benchmark: null,
    output_type: "AbsPower",
    feature_group: a.featureGroups?.join(",") ?? "",
    model_name: null,
    target_data: null,
    scenario: null,
    publisher: null,
    include_raw: null,
    collect_date: null,
    zip: false,
    id: a.id ?? null,
    split: a.split,
    cv_folds: a.cvFolds ?? 3,
    ...(a.tune !== undefined && a.tune > 0 ? { tune: a.tune } : {}),
    ...(a.derivedFeatures === "auto" ? { derived_features: "auto" } : {}),
    seed: a.seed,
  };
}
