/**
 * Training from a preprocessed CSV (upstream's `train_from_data`): the way
 * to reuse published preprocessed data. The CSV has upstream's columns
 * (`timestamp`, the features, `<component>_power`, `node_type`); the feature
 * group and energy source are inferred from the columns when not given.
 * Unlike upstream, the models are written with the pipeline's summary CSV,
 * node-type index and metadata.json (so `export` can publish them), not
 * only printed; v0.6's BPF column sets (`bpf_cpu_time_us`, no
 * `bpf_page_cache_hit`) are read as their groups.
 *
 * @module
 */
import { releaseKept } from "./trainers/kept.ts";
import type { DerivedMode } from "./derived_features.ts";
import type { Frame } from "../extract/frame.ts";
import {
  ALL_FEATURE_GROUPS,
  type Component,
  type EnergySource,
  ENSEMBLE_TRAINER,
  FEATURE_GROUP_FEATURES,
  type FeatureGroup,
  type IsolatorName,
  type MachineSpec,
  type OutputType,
  type TrainerName,
} from "../types.ts";
import type { SweepResult } from "../io/stale_temps.ts";
import { beginGeneration, lockPipeline } from "../pipeline/generation.ts";
import {
  formatPipelineTime,
  type PipelineMetadata,
} from "../pipeline/pipeline_metadata.ts";
import {
  indexMachine,
  type NodeTypeIndex,
} from "../pipeline/node_type_index.ts";
import {
  mergeSummaryModels,
  readSummaryModels,
  writeSummaryCsv,
} from "../pipeline/summary.ts";
import {
  type GroupKey,
  readExistingPipeline,
  readPipelineCheckpoints,
  writePipelineFiles,
  writePipelineModel,
} from "../pipeline/write_pipeline.ts";
import { loadModel } from "./load_model.ts";
import type { FittedModel } from "./model.ts";
import type { ReportedModel, TrainFailure } from "./train_report.ts";
import {
  frameNodeTypes,
  type SplitKind,
  type TrainedModel,
  trainModel,
} from "./train_model.ts";
import { ensembleOf } from "./ensemble.ts";

/**
 * A group's features as kepler-model-server v0.6 wrote them (its 2023
 * `BPF_FEATURES = ["bpf_cpu_time_us"]`): `bpf_cpu_time_us` for
 * `bpf_cpu_time_ms`, and no `bpf_page_cache_hit`, as in kepler-model-db's
 * `..._v0.6/preprocessed_data` CSVs. Only for the groups where that form
 * differs (those with BPF features); sorted, as the current forms.
 *
 * @example
 * ```ts
 * import { legacyGroupFeatures } from "./train_from_data.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(legacyGroupFeatures("BPFOnly"), ["bpf_cpu_time_us"]);
 * assertEquals(legacyGroupFeatures("CounterOnly"), undefined);
 * ```
 */
export function legacyGroupFeatures(
  group: FeatureGroup,
): string[] | undefined {
  const current: readonly string[] = FEATURE_GROUP_FEATURES[group];
  if (!current.includes("bpf_cpu_time_ms")) return undefined;
  return current
    .filter((f) => f !== "bpf_page_cache_hit")
    .map((f) => f === "bpf_cpu_time_ms" ? "bpf_cpu_time_us" : f)
    .sort();
}

/**
 * The feature group whose features are exactly a frame's feature columns,
 * in the current form or in v0.6's ({@linkcode legacyGroupFeatures}).
 *
 * @example
 * ```ts
 * import { featureGroupOfColumns } from "./train_from_data.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(featureGroupOfColumns(["bpf_page_cache_hit", "bpf_cpu_time_ms"]), "BPFOnly");
 * assertEquals(featureGroupOfColumns(["bpf_cpu_time_us"]), "BPFOnly");
 * assertEquals(featureGroupOfColumns(["x"]), undefined);
 * ```
 */
export function featureGroupOfColumns(
  features: readonly string[],
): FeatureGroup | undefined {
  const key = [...features].sort().join(",");
  const groups = ALL_FEATURE_GROUPS.filter((g) =>
    FEATURE_GROUP_FEATURES[g].length > 0
  );
  return groups.find((g) => FEATURE_GROUP_FEATURES[g].join(",") === key) ??
    groups.find((g) => legacyGroupFeatures(g)?.join(",") === key);
}

/**
 * The features of `group` that a frame lacks (none for a group without a
 * fixed feature list, e.g. ThirdParty, and none when the frame has the
 * group's v0.6 form, {@linkcode legacyGroupFeatures}).
 *
 * @param features The frame's feature columns.
 * @param group The feature group asked for.
 * @returns The missing feature columns of the current form, in the group's
 *   order.
 *
 * @example
 * ```ts
 * import { missingGroupFeatures } from "./train_from_data.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(missingGroupFeatures(["bpf_cpu_time_ms"], "BPFOnly"), ["bpf_page_cache_hit"]);
 * assertEquals(missingGroupFeatures(["bpf_page_cache_hit", "bpf_cpu_time_ms"], "BPFOnly"), []);
 * assertEquals(missingGroupFeatures(["bpf_cpu_time_us"], "BPFOnly"), []);
 * ```
 */
export function missingGroupFeatures(
  features: readonly string[],
  group: FeatureGroup,
): string[] {
  const have = new Set(features);
  const legacy = legacyGroupFeatures(group);
  if (legacy !== undefined && legacy.every((f) => have.has(f))) return [];
  return FEATURE_GROUP_FEATURES[group].filter((f) => !have.has(f));
}

/** Options of {@linkcode trainFromFrame}. */
export interface TrainFromFrameOptions {
  /** MODEL_PATH. */
  modelPath: string;
  /**
   * Pipeline name.
   *
   * @default {"default"}
   */
  pipelineName?: string;
  /**
   * Trainers; `EnsembleTrainer` weights the models of the others.
   *
   * @default {undefined} `["XgboostFitTrainer"]` (upstream's `--trainers`)
   */
  trainers?: readonly TrainerName[];
  /**
   * Output type of the data.
   *
   * @default {"AbsPower"}
   */
  outputType?: OutputType;
  /**
   * Feature group.
   *
   * @default {undefined} inferred from the feature columns
   */
  featureGroup?: FeatureGroup;
  /**
   * Split.
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
   * Seed.
   *
   * @default {42}
   */
  seed?: number;
  /**
   * Machine spec: indexed, and its node type replaces the CSV's node_type.
   *
   * @default {undefined} none (the CSV's node_type is kept)
   */
  machineSpec?: MachineSpec;
  /**
   * Machine id for the index.
   *
   * @default {"unknown"}
   */
  machineId?: string;
  /**
   * Where the frame came from, for errors.
   *
   * @default {"the data"}
   */
  origin?: string;
  /**
   * The fewest rows the frame needs; fewer fails before anything is
   * written.
   *
   * @default {5}
   */
  minRows?: number;
  /**
   * What isolated the data (a DynPower CSV's isolator, e.g. `min` of
   * `preprocess_dyn_default_min_...`): recorded in the metadata.json of a
   * pipeline that has none yet.
   *
   * @default {undefined} `none` (train_from_data isolates nothing)
   */
  isolator?: IsolatorName;
  /**
   * Receives what taking the pipeline's lock cleaned (temps a killed
   * earlier run left), when it cleaned anything.
   *
   * @default {undefined} none
   */
  onSwept?: (swept: SweepResult) => void;
}

/** What {@linkcode trainFromFrame} trained. */
export interface TrainFromFrameReport {
  /** The pipeline folder. */
  pipelineDir: string;
  /** The energy source of the data. */
  source: EnergySource;
  /** The feature group. */
  featureGroup: FeatureGroup;
  /** Models trained. */
  models: ReportedModel[];
  /** Failures skipped. */
  failures: TrainFailure[];
}

/** The checkpoints a trainer continues from, as fitted models. */
async function checkpoints(
  dir: string,
  key: GroupKey,
  trainer: TrainerName,
  nodeType: number,
  components: readonly Component[],
): Promise<Partial<Record<Component, FittedModel>>> {
  const out: Partial<Record<Component, FittedModel>> = {};
  if (trainer !== "XgboostFitTrainer") return out;
  const json = await readPipelineCheckpoints(
    dir,
    key,
    trainer,
    nodeType,
    components,
  );
  for (const [c, m] of Object.entries(json)) {
    if (m !== undefined) out[c as Component] = loadModel(m);
  }
  return out;
}

/** What {@linkcode trainInto} writes into and reports to. */
interface Target {
  dir: string;
  key: GroupKey;
  report: TrainFromFrameReport;
}

/** Trains one model with `train`, writes it and reports it (or its failure). */
async function trainOne(
  target: Target,
  trainer: TrainerName,
  train: () => Promise<TrainedModel>,
): Promise<TrainedModel | undefined> {
  const { source, featureGroup, outputType } = target.key;
  try {
    const trained = await train();
    await writePipelineModel(target.dir, target.key, trained);
    target.report.models.push({
      source,
      outputType,
      featureGroup,
      metadata: trained.metadata,
    });
    return trained;
  } catch (error) {
    target.report.failures.push({
      source,
      featureGroup,
      outputType,
      trainer,
      message: (error as Error).message,
    });
    return undefined;
  }
}

/**
 * Trains every trainer for every node type of the data into `dir`;
 * EnsembleTrainer last, from the models of the other trainers.
 */
async function trainInto(
  target: Target,
  data: Frame,
  index: NodeTypeIndex,
  options: TrainFromFrameOptions,
): Promise<void> {
  const { featureGroup, outputType } = target.key;
  const trainers = options.trainers ?? ["XgboostFitTrainer"];
  for (const nodeType of frameNodeTypes(data)) {
    const members: TrainedModel[] = [];
    for (const trainer of trainers) {
      if (trainer === ENSEMBLE_TRAINER) continue;
      const trained = await trainOne(target, trainer, async () => {
        const init = await checkpoints(
          target.dir,
          target.key,
          trainer,
          nodeType,
          data.components,
        );
        const spec = index[String(nodeType)]?.attrs;
        return trainModel(data, trainer, {
          featureGroup,
          // Columns beyond the group's are its third-party metrics (all of
          // ThirdParty's), so ThirdParty has a main feature to fit on.
          thirdParty: data.featureNames.filter((f) =>
            !FEATURE_GROUP_FEATURES[featureGroup].includes(f)
          ),
          outputType,
          nodeType,
          split: options.split ?? "time",
          cvFolds: options.cvFolds ?? 3,
          tune: options.tune ?? 0,
          ...(options.derivedFeatures === "auto"
            ? { derivedFeatures: "auto" as const }
            : {}),
          seed: options.seed ?? 42,
          init,
          ...(spec ? { machineSpec: spec } : {}),
        });
      });
      if (trained !== undefined) members.push(trained);
    }
    if (trainers.includes(ENSEMBLE_TRAINER)) {
      await trainOne(
        target,
        ENSEMBLE_TRAINER,
        () => Promise.resolve(ensembleOf(members)),
      );
    }
  }
}

/**
 * Trains models from a frame read from a preprocessed CSV, and publishes
 * the pipeline as a new generation with its zip (see lib/pipeline's
 * contract), under the pipeline's lock. Too few rows, a corrupt published
 * metadata.json or node type index, and a run where every trainer fails
 * leave the published pipeline as it was.
 *
 * @param frame The preprocessed data.
 * @param options Where to write and what to train.
 * @returns What was trained and what failed.
 * @throws {RangeError} When the feature group cannot be told, the frame
 *   lacks a feature of the group asked for, has fewer than `minRows` rows,
 *   or every trainer failed.
 * @throws {SyntaxError} When the published pipeline's metadata.json or
 *   node type index is not JSON.
 * @throws {Deno.errors.Busy} When another process writes the pipeline.
 *
 * @example
 * ```ts
 * import { trainFromFrame } from "./train_from_data.ts";
 * import type { Frame } from "../extract/frame.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const n = 300;
 * const cpu = Float64Array.from({ length: n }, (_, i) => (i * 37) % 1000);
 * const frame: Frame = {
 *   level: "node", source: "acpi", length: n,
 *   timestamp: Float64Array.from({ length: n }, (_, i) => 3 * i),
 *   instances: ["node-1"], instance: new Uint32Array(n), containers: [],
 *   featureNames: ["bpf_cpu_time_ms", "bpf_page_cache_hit"],
 *   features: { bpf_cpu_time_ms: cpu, bpf_page_cache_hit: cpu.map((c) => c / 10) },
 *   components: ["platform"], power: { platform: cpu.map((c) => 60 + 0.05 * c) },
 *   nodeType: new Int32Array(n),
 * };
 * const dir = await Deno.makeTempDir();
 * const report = await trainFromFrame(frame,
 *   { modelPath: dir, pipelineName: "demo", trainers: ["LinearRegressionTrainer"] });
 * assertEquals(report.featureGroup, "BPFOnly"); // inferred from the columns
 * assertEquals(report.pipelineDir, `${dir}/demo`);
 * assertEquals(report.models.map((m) => m.metadata.model_name), ["LinearRegressionTrainer_0"]);
 * assertEquals(report.failures, []);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function trainFromFrame(
  frame: Frame,
  options: TrainFromFrameOptions,
): Promise<TrainFromFrameReport> {
  const featureGroup = options.featureGroup ??
    featureGroupOfColumns(frame.featureNames);
  if (featureGroup === undefined) {
    throw new RangeError(
      `Cannot tell the feature group of columns [${
        frame.featureNames.join(", ")
      }]: pass --feature-group`,
    );
  }
  const missing = missingGroupFeatures(frame.featureNames, featureGroup);
  if (missing.length > 0) {
    throw new RangeError(
      `Cannot train ${featureGroup} models from ${
        options.origin ?? "the data"
      }: it lacks the feature column${missing.length === 1 ? "" : "s"} ${
        missing.join(", ")
      } of ${featureGroup} (feature columns present: ${
        frame.featureNames.join(", ") || "none"
      })`,
    );
  }
  const minRows = options.minRows ?? 5;
  if (frame.length < minRows) {
    throw new RangeError(
      `Cannot train from ${
        options.origin ?? "the data"
      }: ${frame.length} rows, fewer than the minimum ${minRows} (--min-rows); nothing was written`,
    );
  }
  const outputType = options.outputType ?? "AbsPower";
  const key: GroupKey = { source: frame.source, outputType, featureGroup };
  const name = options.pipelineName ?? "default";
  const lock = await lockPipeline(options.modelPath, name);
  try {
    const swept = lock.swept;
    if (swept.removed.length + swept.restored.length > 0) {
      options.onSwept?.(swept);
    }
    const published = lock.pipelineDir;
    const existing = await readExistingPipeline(published, name);
    const generation = await beginGeneration(options.modelPath, name, {
      lock,
    });
    try {
      const report = await trainGeneration(generation.dir, frame, key, {
        ...options,
        index: existing.nodeTypeIndex,
        pipelineDir: generation.pipelineDir,
        metadata: fromDataMetadata(existing.metadata, name, key, options),
      });
      await generation.publish();
      return report;
    } catch (error) {
      await generation.abort();
      throw error;
    }
  } finally {
    // calibrate trains here, in a long-lived process
    releaseKept();
    await lock.release();
  }
}

/**
 * The pipeline's metadata.json after this run: the old one with the
 * trainers added to its output type's list and the update time, or a new
 * one (what `export` needs: name, extractor, isolator, trainers, times).
 * Before, train_from_data wrote none, so its pipelines could not be
 * exported.
 */
function fromDataMetadata(
  old: PipelineMetadata | undefined,
  name: string,
  key: GroupKey,
  options: TrainFromFrameOptions,
): PipelineMetadata {
  const time = formatPipelineTime(new Date());
  const union = <T>(a: readonly T[] | undefined, b: readonly T[]) => [
    ...new Set([...(a ?? []), ...b]),
  ];
  const trainers = options.trainers ?? ["XgboostFitTrainer"];
  const abs = key.outputType === "AbsPower" ? trainers : [];
  const dyn = key.outputType === "DynPower" ? trainers : [];
  return {
    ...old,
    name,
    isolator: old?.isolator ?? options.isolator ?? "none",
    extractor: old?.extractor ?? "default",
    abs_trainers: union(old?.abs_trainers, abs),
    dyn_trainers: union(old?.dyn_trainers, dyn),
    metric_type: old?.metric_type ?? "bm_metrics",
    init_time: old?.init_time ?? time,
    last_update_time: time,
    energy_sources: union(old?.energy_sources, [key.source]),
  };
}

/** Trains into the generation being built and writes its summary files. */
async function trainGeneration(
  dir: string,
  frame: Frame,
  key: GroupKey,
  options: TrainFromFrameOptions & {
    index: NodeTypeIndex;
    pipelineDir: string;
    metadata: PipelineMetadata;
  },
): Promise<TrainFromFrameReport> {
  const { source, outputType, featureGroup } = key;
  let index = options.index;
  let data = frame;
  if (options.machineSpec !== undefined) {
    const r = indexMachine(
      index,
      options.machineSpec,
      options.machineId ?? "unknown",
    );
    index = r.index;
    data = {
      ...frame,
      nodeType: new Int32Array(frame.length).fill(r.nodeType),
    };
  }
  const report: TrainFromFrameReport = {
    pipelineDir: options.pipelineDir,
    source,
    featureGroup,
    models: [],
    failures: [],
  };
  const kept = await readSummaryModels(dir, source, outputType);
  await trainInto({ dir, key, report }, data, index, options);
  if (report.models.length === 0) {
    const first = report.failures[0];
    throw new RangeError(
      `Cannot train from ${options.origin ?? "the data"}: every trainer failed${
        first ? ` (first: ${first.trainer}: ${first.message})` : ""
      }; nothing was written`,
    );
  }
  await writePipelineFiles(dir, {
    metadata: options.metadata,
    nodeTypeIndex: index,
  });
  await writeSummaryCsv(
    dir,
    source,
    outputType,
    mergeSummaryModels(kept, report.models),
  );
  return report;
}
