/**
 * A training run's settings (options with defaults applied), what it knows
 * before extracting (node type, feature groups, idle data) and how it
 * isolates DynPower data. Private to lib/train.
 *
 * @module
 */
import type { DerivedMode } from "./derived_features.ts";
import type { QueryData } from "../extract/read_query.ts";
import { backgroundContainers } from "../isolate/background_containers.ts";
import type { IsolateOptions } from "../isolate/isolate.ts";
import { type IdleProfiles, idleProfiles } from "../isolate/profile.ts";
import { defaultAbsPipelineName } from "../default_pipelines.ts";
import {
  indexMachine,
  type NodeTypeIndex,
} from "../pipeline/node_type_index.ts";
import { readPipelineNodeTypeIndex } from "../pipeline/write_pipeline.ts";
import {
  ALL_FEATURE_GROUPS,
  DEFAULT_TRAIN_TRAINERS,
  type EnergySource,
  ENSEMBLE_TRAINER,
  type ExtractorName,
  type FeatureGroup,
  type IsolatorName,
  type MachineSpec,
  type TrainerName,
} from "../types.ts";
import { backgroundModels } from "./background_models.ts";
import {
  featureGroupShortfall,
  validFeatureGroups,
} from "../extract/valid_feature_groups.ts";
import type { SplitKind } from "./train_model.ts";
import type { EnsembleChoiceOptions } from "./ensemble_weights.ts";
import type { TrainPipelineOptions, TrainReport } from "./train_report.ts";

/** The options of a run with their defaults applied. */
export interface Settings {
  name: string;
  sources: readonly EnergySource[];
  extractor: ExtractorName;
  isolator: IsolatorName;
  absTrainers: readonly TrainerName[];
  dynTrainers: readonly TrainerName[];
  seed: number;
  split: SplitKind;
  cvFolds: number;
  tune: number;
  derivedFeatures: DerivedMode;
  thirdParty: readonly string[];
  ensemble: EnsembleChoiceOptions;
}

/**
 * The options of a run with their defaults applied. Throws a `RangeError`
 * when EnsembleTrainer is asked for with fewer than two other trainers.
 */
export function settingsOf(options: TrainPipelineOptions): Settings {
  for (
    const [flag, list] of [
      ["--abs-trainers", options.absTrainers],
      ["--dyn-trainers", options.dynTrainers],
    ] as const
  ) {
    if (list === undefined || !list.includes(ENSEMBLE_TRAINER)) continue;
    const others = list.filter((t) => t !== ENSEMBLE_TRAINER);
    if (others.length < 2) {
      throw new RangeError(
        `Cannot train ${ENSEMBLE_TRAINER}: it weights the other trainers of ${flag}, which has ${others.length} (${
          others.join(", ") || "none"
        }); give at least two`,
      );
    }
  }
  return {
    name: options.pipelineName ?? "default",
    sources: options.sources ?? ["rapl-sysfs"],
    extractor: options.extractor ?? "default",
    isolator: options.isolator ?? "floor",
    // EnsembleTrainer is opt-in (see TrainPipelineOptions.absTrainers)
    absTrainers: options.absTrainers ?? DEFAULT_TRAIN_TRAINERS,
    dynTrainers: options.dynTrainers ?? DEFAULT_TRAIN_TRAINERS,
    seed: options.seed ?? 42,
    split: options.split ?? "time",
    cvFolds: options.cvFolds ?? 3,
    tune: options.tune ?? 0,
    derivedFeatures: options.derivedFeatures ?? "none",
    thirdParty: options.thirdParty ?? [],
    ensemble: options.ensemble ?? {},
  };
}

/** What a run knows before extracting: node type, groups, idle data. */
export interface RunContext {
  index: NodeTypeIndex;
  nodeType: number;
  machineSpec?: MachineSpec;
  groups: FeatureGroup[];
  profiles?: IdleProfiles;
  background?: Set<string>;
}

/** Node type (indexing the machine spec), feature groups and idle data. */
export async function runContext(
  dir: string,
  queries: readonly QueryData[],
  s: Settings,
  options: TrainPipelineOptions,
): Promise<RunContext> {
  let index = await readPipelineNodeTypeIndex(dir);
  let nodeType = 0;
  if (options.machineSpec !== undefined) {
    const r = indexMachine(
      index,
      options.machineSpec,
      options.machineId ?? "unknown",
    );
    index = r.index;
    nodeType = r.nodeType;
  }
  const machineSpec = index[String(nodeType)]?.attrs;
  const groups = options.featureGroups ??
    commonFeatureGroups(queries, { thirdParty: s.thirdParty });
  if (groups.length === 0) {
    throw new RangeError(
      `Cannot train: ${
        featureGroupShortfall(queries, { thirdParty: s.thirdParty }) ??
          "no feature group has all its metrics in the input (run `validate` to see what is missing)"
      }`,
    );
  }
  const ctx: RunContext = { index, nodeType, groups: [...groups] };
  if (machineSpec) ctx.machineSpec = machineSpec;
  if (options.idle !== undefined) {
    ctx.profiles = idleProfiles(options.idle, { sources: s.sources, nodeType });
    ctx.background = backgroundContainers(options.idle);
  }
  if (s.isolator === "profile" && ctx.profiles === undefined) {
    throw new RangeError(
      "Cannot isolate with the profile isolator: no idle query was given (--profile)",
    );
  }
  return ctx;
}

/** How a group's DynPower frames are isolated. */
export async function isolationOf(
  source: EnergySource,
  group: FeatureGroup,
  s: Settings,
  ctx: RunContext,
  options: TrainPipelineOptions,
): Promise<IsolateOptions> {
  const profile = ctx.profiles?.[source];
  return {
    isolator: s.isolator,
    ...(profile ? { profile } : {}),
    ...(ctx.background ? { backgroundContainers: ctx.background } : {}),
    ...(options.targetHints ? { targetHints: options.targetHints } : {}),
    ...(options.bgHints ? { bgHints: options.bgHints } : {}),
    ...(s.isolator === "trainer"
      ? {
        predict: await backgroundModels(
          options.modelPath,
          options.absPipelineName ?? defaultAbsPipelineName(options.modelPath),
          { source, featureGroups: [group] },
        ),
      }
      : {}),
  };
}

/** A run in progress: settings, context, report and the folder built. */
export interface Run {
  s: Settings;
  ctx: RunContext;
  options: TrainPipelineOptions;
  report: TrainReport;
  /** The generation being built. */
  dir: string;
}

/** The feature groups valid in every query (upstream's intersection). */
export function commonFeatureGroups(
  queries: readonly QueryData[],
  options: {
    thirdParty?: readonly string[];
    groups?: readonly FeatureGroup[];
  } = {},
): FeatureGroup[] {
  let common: FeatureGroup[] | undefined;
  for (const q of queries) {
    const valid = validFeatureGroups(q, {
      thirdParty: options.thirdParty ?? [],
      groups: options.groups ?? ALL_FEATURE_GROUPS,
    });
    common = common === undefined
      ? valid
      : common.filter((g) => valid.includes(g));
  }
  return common ?? [];
}
