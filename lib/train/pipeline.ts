/**
 * The training pipeline of seeds 000, 002 and 004: for each energy source
 * and valid feature group, extract AbsPower data (node level) and DynPower
 * data (container level, then isolated), train every requested trainer for
 * the node type, and write upstream's pipeline layout:
 *
 * ```
 * <models>/<pipeline>.zip
 * <models>/<pipeline>/metadata.json, train_arguments.json, node_type_index.json
 * <models>/<pipeline>/<source>_<AbsPower|DynPower>_model_metadata.csv
 * <models>/<pipeline>/preprocessed_data/preprocess_{abs_<ext>|dyn_<ext>_<iso>}_<source>_<FG>.csv
 * <models>/<pipeline>/profile/<source>.json            (with an idle profile)
 * <models>/<pipeline>/<source>/<ot>/<FG>/<Trainer>_<nt>/ ... and <Trainer>_<nt>.zip
 * ```
 *
 * Unlike upstream, a trainer or feature group that fails is reported and
 * skipped (upstream aborts the whole run, e.g. KNN on fewer than 7 rows),
 * training again into a pipeline keeps its other node types and continues
 * XgboostFit from its checkpoints, and every number is reproducible from
 * the seed.
 *
 * @module
 */
import { join } from "node:path";
import type { Frame } from "../extract/frame.ts";
import { extract, extractFeatureGroups } from "../extract/extract.ts";
import { writeFrameCsv } from "../extract/frame_csv.ts";
import type { QueryData } from "../extract/read_query.ts";
import { validFeatureGroups } from "../extract/valid_feature_groups.ts";
import { isolate } from "../isolate/isolate.ts";
import { backgroundContainers } from "../isolate/background_containers.ts";
import {
  type IdleProfiles,
  idleProfiles,
  writeIdleProfiles,
} from "../isolate/profile.ts";
import { writeFileAtomic } from "../io/atomic.ts";
import { writeCsvFile } from "../io/csv.ts";
import { readJsonFile, writeJsonFile } from "../io/json.ts";
import { exists } from "../io/read.ts";
import { collectDir, zipEntries } from "../io/zip.ts";
import {
  DEFAULT_PIPELINE_NAME,
  groupDir,
  modelMetadataCsv,
  pipelineDir,
  pipelineFile,
  pipelineZip,
  preprocessedFile,
} from "../layout.ts";
import {
  ALL_FEATURE_GROUPS,
  type Component,
  type EnergySource,
  type ExtractorName,
  type FeatureGroup,
  type IsolatorName,
  type MachineSpec,
  OUTPUT_TYPES,
  type OutputType,
  SOURCE_COMPONENTS,
  type TrainerName,
  TRAINERS,
} from "../types.ts";
import { concatNodeFrames } from "../extract/concat.ts";
import { backgroundModels } from "./background_models.ts";
import { listModelDirs, writeModel } from "../pipeline/model_files.ts";
import { readCheckpoints } from "./loaded_model.ts";
import type { WeightFormat } from "../pipeline/kepler_weight_file.ts";
import {
  indexMachine,
  readNodeTypeIndex,
} from "../pipeline/node_type_index.ts";
import {
  formatPipelineTime,
  modelMetadataTable,
  type PipelineMetadata,
  type SummaryRow,
} from "../pipeline/pipeline_metadata.ts";
import type { ModelMetadata } from "../pipeline/model_metadata.ts";
import type { SplitKind } from "./train_model.ts";
import { TrainPool } from "./_pool.ts";
import {
  type SerializedJob,
  serializeFrame,
  trainedFromSerialized,
} from "./_train_job.ts";
import type { ModelJson } from "./model.ts";

/** Options of {@linkcode trainPipeline}. */
export interface TrainPipelineOptions {
  /** MODEL_PATH: the folder that holds pipelines. */
  modelPath: string;
  /** Pipeline name. Default: `"default"` (seed 002). */
  pipelineName?: string;
  /** Energy sources. Default: `["rapl-sysfs"]`. */
  sources?: readonly EnergySource[];
  /** Feature groups to train. Default: every group valid in all inputs. */
  featureGroups?: readonly FeatureGroup[];
  /** Extractor. Default: `"default"`. */
  extractor?: ExtractorName;
  /** Isolator of DynPower data. Default: `"min"`. */
  isolator?: IsolatorName;
  /** AbsPower trainers. Default: all ten. */
  absTrainers?: readonly TrainerName[];
  /** DynPower trainers. Default: all ten. */
  dynTrainers?: readonly TrainerName[];
  /** Split for the reported errors. Default: `"time"`. */
  split?: SplitKind;
  /** Seed of all randomness. Default: 42. */
  seed?: number;
  /** Machine spec of the data's node; indexed into node_type_index.json. */
  machineSpec?: MachineSpec;
  /** Machine id recorded as a member of the node type. Default: `"unknown"`. */
  machineId?: string;
  /** Idle query for the `profile` isolator (and profile/<source>.json). */
  idle?: QueryData;
  /**
   * Trainer isolator: the pipeline whose AbsPower models predict background
   * power. Default: `std_v0.7.11` (upstream's).
   */
  absPipelineName?: string;
  /** Trainer isolator: target container name parts. Default: none. */
  targetHints?: readonly string[];
  /** Trainer isolator: background container name parts. Default: none. */
  bgHints?: readonly string[];
  /** Third-party metrics (ThirdParty feature group). Default: none. */
  thirdParty?: readonly string[];
  /** Prometheus job of VM metrics. Default: `"vm"`. */
  vmJobName?: string;
  /** Written as train_arguments.json. Default: the options above. */
  trainArguments?: Record<string, unknown>;
  /** Receives progress events. Default: none. */
  onProgress?: (event: TrainProgress) => void;
  /**
   * Training workers; 0 or 1 trains in this thread. Default: the core count
   * (`navigator.hardwareConcurrency`).
   */
  workers?: number;
  /** Clock for metadata times (tests). Default: `() => new Date()`. */
  now?: () => Date;
  /**
   * The form of each model's `weight.json`: `"v0.7.12"` adds `model_name`
   * for Kepler v0.7.12 loading the file from a local path (see
   * `WEIGHT_FORMATS`). Default: `"v0.7.11"` (component keys only).
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

/**
 * Runs the training pipeline on one or more queries and writes the
 * pipeline. Returns what was trained and what failed.
 */
export async function trainPipeline(
  queries: readonly QueryData[],
  options: TrainPipelineOptions,
): Promise<TrainReport> {
  if (queries.length === 0) {
    throw new RangeError("Cannot train: no query was given");
  }
  const now = options.now ?? (() => new Date());
  const name = options.pipelineName ?? "default";
  const sources = options.sources ?? ["rapl-sysfs"];
  const extractor = options.extractor ?? "default";
  const isolator = options.isolator ?? "min";
  const absTrainers = options.absTrainers ?? TRAINERS;
  const dynTrainers = options.dynTrainers ?? TRAINERS;
  const seed = options.seed ?? 42;
  const split = options.split ?? "time";
  const thirdParty = options.thirdParty ?? [];
  const dir = pipelineDir(options.modelPath, name);

  // Node type: index the machine spec into the pipeline's node_type_index.json.
  let index = await readNodeTypeIndex(pipelineFile(dir, "nodeTypeIndex"));
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
    commonFeatureGroups(queries, { thirdParty });
  if (groups.length === 0) {
    throw new RangeError(
      "Cannot train: no feature group has all its metrics in the input (run `validate` to see what is missing)",
    );
  }

  let profiles: IdleProfiles | undefined;
  let background: Set<string> | undefined;
  if (options.idle !== undefined) {
    profiles = idleProfiles(options.idle, { sources, nodeType });
    background = backgroundContainers(options.idle);
  }
  if (isolator === "profile" && profiles === undefined) {
    throw new RangeError(
      "Cannot isolate with the profile isolator: no idle query was given (--profile)",
    );
  }

  const report: TrainReport = {
    pipelineDir: dir,
    zip: pipelineZip(options.modelPath, name),
    nodeType,
    featureGroups: [],
    models: [],
    failures: [],
    notes: [],
  };
  const note = (n: string) => {
    if (!report.notes.includes(n)) report.notes.push(n);
  };

  type Job = {
    source: EnergySource;
    group: FeatureGroup;
    outputType: OutputType;
    trainer: TrainerName;
    folder: string;
    index: number;
    total: number;
    job: SerializedJob;
  };
  const jobs: Job[] = [];
  for (const source of sources) {
    const base = {
      source,
      extractor,
      thirdParty,
      vmJobName: options.vmJobName ?? "vm",
      nodeType,
    };
    // Every group of a query at once: each metric is read once, not once per
    // group. A batch that fails (one group's metrics broken) falls back to
    // per-group extraction below, so the failure is reported for its group.
    const batch = (level: "node" | "container") =>
      queries.map((q) => {
        try {
          return extractFeatureGroups(q, groups, { ...base, level });
        } catch {
          return undefined;
        }
      });
    const nodeFrames = batch("node");
    const containerFrames = batch("container");
    const framesOf = (
      group: FeatureGroup,
      level: "node" | "container",
      batched: (Map<FeatureGroup, Frame> | undefined)[],
    ) =>
      queries.map((q, i) =>
        batched[i]?.get(group) ?? extract(q, group, { ...base, level })
      );
    for (const group of groups) {
      let abs: Frame, dyn: Frame;
      try {
        abs = concatNodeFrames(framesOf(group, "node", nodeFrames));
        const isolateOptions = {
          isolator,
          ...(profiles?.[source] ? { profile: profiles[source] } : {}),
          ...(background ? { backgroundContainers: background } : {}),
          ...(options.targetHints ? { targetHints: options.targetHints } : {}),
          ...(options.bgHints ? { bgHints: options.bgHints } : {}),
          ...(isolator === "trainer"
            ? {
              predict: await backgroundModels(
                options.modelPath,
                options.absPipelineName ?? DEFAULT_PIPELINE_NAME,
                { source, featureGroups: [group] },
              ),
            }
            : {}),
        };
        dyn = concatNodeFrames(
          framesOf(group, "container", containerFrames).map((f) =>
            isolate(f, isolateOptions)
          ),
        );
      } catch (error) {
        report.failures.push({
          source,
          featureGroup: group,
          message: (error as Error).message,
        });
        continue;
      }
      if (!report.featureGroups.includes(group)) {
        report.featureGroups.push(group);
      }
      options.onProgress?.({
        kind: "group",
        source,
        featureGroup: group,
        rows: { abs: abs.length, dyn: dyn.length },
      });
      for (
        const [outputType, frame, trainers] of [
          ["AbsPower", abs, absTrainers],
          ["DynPower", dyn, dynTrainers],
        ] as const
      ) {
        await writeFrameCsv(
          preprocessedFile(dir, {
            outputType,
            extractor,
            isolator,
            source,
            featureGroup: group,
          }),
          frame,
          { layout: outputType === "AbsPower" ? "extracted" : "isolated" },
        );
        const folder = groupDir(dir, source, outputType, group);
        const serialized = serializeFrame(frame);
        let position = 0;
        for (const trainer of trainers) {
          const init: Partial<Record<Component, ModelJson>> = {};
          if (trainer === "XgboostFitTrainer") {
            const checkpoints = await readCheckpoints(
              folder,
              trainer,
              nodeType,
              frame.components,
            );
            for (const [c, m] of Object.entries(checkpoints)) {
              if (m) init[c as Component] = m.toJSON();
            }
          }
          jobs.push({
            source,
            group,
            outputType,
            trainer,
            folder,
            index: ++position,
            total: trainers.length,
            job: {
              frame: serialized,
              trainer,
              init,
              options: {
                featureGroup: group,
                outputType,
                nodeType,
                split,
                seed,
                thirdParty,
                ...(machineSpec ? { machineSpec } : {}),
              },
            },
          });
        }
      }
    }
  }

  const pool = new TrainPool(
    Math.min(options.workers ?? navigator.hardwareConcurrency, jobs.length),
  );
  try {
    await Promise.all(jobs.map(async (j) => {
      const event = {
        kind: "trainer" as const,
        source: j.source,
        outputType: j.outputType,
        featureGroup: j.group,
        trainer: j.trainer,
        done: j.index,
        total: j.total,
      };
      try {
        const trained = trainedFromSerialized(await pool.run(j.job));
        trained.notes.forEach(note);
        await writeModel(
          j.folder,
          trained,
          options.weightFormat ? { weightFormat: options.weightFormat } : {},
        );
        report.models.push({
          source: j.source,
          outputType: j.outputType,
          featureGroup: j.group,
          metadata: trained.metadata,
        });
        options.onProgress?.({ ...event, mae: trained.metadata.mae });
      } catch (error) {
        const message = (error as Error).message;
        report.failures.push({
          source: j.source,
          featureGroup: j.group,
          outputType: j.outputType,
          trainer: j.trainer,
          message,
        });
        options.onProgress?.({ ...event, error: message });
      }
    }));
  } finally {
    pool.close();
  }
  const order = (
    m: {
      source: string;
      outputType?: string;
      featureGroup: string;
      trainer?: string;
    },
  ) =>
    `${sources.indexOf(m.source as EnergySource)}|${m.outputType ?? ""}|${
      groups.indexOf(m.featureGroup as FeatureGroup)
    }`;
  report.models.sort((a, b) =>
    order(a) < order(b)
      ? -1
      : order(a) > order(b)
      ? 1
      : TRAINERS.indexOf(a.metadata.trainer) -
        TRAINERS.indexOf(b.metadata.trainer)
  );

  if (report.models.length === 0) {
    const first = report.failures[0];
    throw new RangeError(
      `Cannot train: every trainer failed${
        first
          ? ` (first: ${first.trainer ?? first.featureGroup}: ${first.message})`
          : ""
      }`,
    );
  }

  // Pipeline-level files.
  if (profiles !== undefined) await writeIdleProfiles(dir, profiles);
  const metaPath = pipelineFile(dir, "metadata");
  const old = (await exists(metaPath))
    ? await readJsonFile<PipelineMetadata>(metaPath)
    : undefined;
  const union = (
    a: readonly TrainerName[] | undefined,
    b: readonly TrainerName[],
  ) => [...new Set([...(a ?? []), ...b])];
  const time = formatPipelineTime(now());
  const metadata: PipelineMetadata = {
    name,
    isolator,
    extractor,
    abs_trainers: union(old?.abs_trainers, absTrainers),
    dyn_trainers: union(old?.dyn_trainers, dynTrainers),
    metric_type: "bm_metrics",
    init_time: old?.init_time ?? time,
    last_update_time: time,
    energy_sources: [...new Set([...(old?.energy_sources ?? []), ...sources])],
    split,
    seed,
  };
  await writeJsonFile(metaPath, metadata, { indent: 0 });
  await writeJsonFile(
    pipelineFile(dir, "trainArguments"),
    options.trainArguments ?? {
      pipeline_name: name,
      energy_source: sources.join(","),
      extractor,
      isolator,
      abs_trainers: absTrainers.join(","),
      dyn_trainers: dynTrainers.join(","),
      split,
      seed,
    },
    { indent: 0 },
  );
  await writeJsonFile(pipelineFile(dir, "nodeTypeIndex"), index, { indent: 0 });
  for (const source of sources) {
    for (const outputType of OUTPUT_TYPES) {
      await writeSummary(dir, source, outputType);
    }
  }
  await writeFileAtomic(
    report.zip,
    zipEntries(await collectDir(dir, { prefix: "" })),
  );
  return report;
}

/** Our columns after upstream's in the summary CSV. */
export const SUMMARY_EXTRA_COLUMNS = [
  "split",
  "seed",
  "train_rows",
  "test_rows",
  "interval_coverage",
] as const;

/**
 * Rewrites `<source>_<ot>_model_metadata.csv` from every model folder of the
 * pipeline (all feature groups and node types, as upstream collects them).
 */
export async function writeSummary(
  dir: string,
  source: EnergySource,
  outputType: OutputType,
): Promise<string | undefined> {
  const rows: SummaryRow[] = [];
  const top = join(dir, source, outputType);
  if (!(await exists(top))) return undefined;
  const groups: string[] = [];
  for await (const e of Deno.readDir(top)) {
    if (e.isDirectory) groups.push(e.name);
  }
  for (const group of groups.sort()) {
    for (const modelFolder of await listModelDirs(join(top, group))) {
      const metadata = await readJsonFile<ModelMetadata>(
        join(modelFolder, "metadata.json"),
      );
      rows.push({ metadata, featureGroup: group as FeatureGroup });
    }
  }
  if (rows.length === 0) return undefined;
  const table = modelMetadataTable(rows, {
    components: SOURCE_COMPONENTS[source],
    extraColumns: SUMMARY_EXTRA_COLUMNS,
  });
  const path = modelMetadataCsv(dir, source, outputType);
  await writeCsvFile(path, table.header, table.rows);
  return path;
}
