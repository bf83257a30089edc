/**
 * Steps 1 and 2 of a training run (private to lib/train): prepare every
 * group's frames without writing anything (so a run that cannot train
 * fails before any write), then write their preprocessed data into the
 * generation being built and plan one job per trainer.
 *
 * @module
 */
import type { EnsembleGroup } from "./_ensemble_group.ts";
import type { Frame } from "../extract/frame.ts";
import type { ExtractOptions } from "../extract/extract.ts";
import { ImplausibleDataError } from "../extract/data_checks.ts";
import type { QueryData } from "../extract/read_query.ts";
import { perContainerProblem } from "../extract/valid_feature_groups.ts";
import {
  extractBatch,
  type FrameBatch,
  prepareFrames,
} from "../isolate/prepare_frames.ts";
import {
  type Component,
  type EnergySource,
  ENSEMBLE_TRAINER,
  type ExtractorName,
  type FeatureGroup,
  type OutputType,
  type TrainerName,
} from "../types.ts";
import {
  type GroupKey,
  readPipelineCheckpoints,
  writePreprocessed,
} from "../pipeline/write_pipeline.ts";
import { isolationOf, type Run } from "./_train_run.ts";
import { loadModel } from "./load_model.ts";
import { type SerializedJob, serializeFrame } from "./_train_job.ts";
import type { ModelJson } from "./model.ts";

/** The fewest rows a frame needs to be trained (`minRows`). */
export const DEFAULT_MIN_ROWS = 5;

/** A training job: one trainer on one group's frame. */
export interface Job {
  key: GroupKey;
  trainer: TrainerName;
  index: number;
  total: number;
  job: SerializedJob;
  /** The group's EnsembleTrainer, when asked for: this job is a member. */
  ensemble?: EnsembleGroup;
}

/** The frames of one source, extracted once for every group. */
interface SourceFrames {
  source: EnergySource;
  base: {
    source: EnergySource;
    extractor: ExtractorName;
    thirdParty: readonly string[];
    vmJobName: string;
    nodeType: number;
    maxPowerWatts?: number;
    maxExcludedFraction?: number;
    onExcluded?: NonNullable<ExtractOptions["onExcluded"]>;
  };
  node: FrameBatch;
  container: FrameBatch;
}

/** A group's frames that have enough rows (none: the group failed). */
export interface Prepared {
  key: Omit<GroupKey, "outputType">;
  abs?: Frame;
  dyn?: Frame;
}

/**
 * Step 1, prepare frames: a group's AbsPower frame (node level) and
 * DynPower frame (container level, isolated), or the failure reported; a
 * frame with fewer than `minRows` rows is a failure of its output type.
 * A group whose usage is node-level only has no DynPower frame: AbsPower is
 * trained, and DynPower is a failure when DynPower trainers were asked for.
 * Nothing is written.
 */
async function prepareGroup(
  queries: readonly QueryData[],
  frames: SourceFrames,
  group: FeatureGroup,
  run: Run,
): Promise<Prepared> {
  const { s, ctx, options, report } = run;
  const source = frames.source;
  const key = { source, featureGroup: group };
  const nodeOnly = queries.map((q) =>
    perContainerProblem(q, group, { thirdParty: s.thirdParty })
  ).find((problem) => problem !== undefined);
  let abs: Frame, dyn: Frame | undefined;
  try {
    abs = prepareFrames(queries, group, "AbsPower", {
      ...frames.base,
      extracted: frames.node,
    });
    const isolation = await isolationOf(source, group, s, ctx, options);
    dyn = nodeOnly !== undefined ? undefined : prepareFrames(
      queries,
      group,
      "DynPower",
      { ...frames.base, extracted: frames.container, isolation },
    );
  } catch (error) {
    // data that cannot be true refuses the whole run, not one group
    if (error instanceof ImplausibleDataError) throw error;
    report.failures.push({ ...key, message: (error as Error).message });
    return { key };
  }
  if (nodeOnly !== undefined && s.dynTrainers.length > 0) {
    report.failures.push({ ...key, outputType: "DynPower", message: nodeOnly });
  }
  const minRows = options.minRows ?? DEFAULT_MIN_ROWS;
  const prepared: Prepared = { key };
  for (
    const [outputType, frame] of [["AbsPower", abs], ["DynPower", dyn]] as const
  ) {
    if (frame === undefined) continue;
    if (frame.length >= minRows) {
      prepared[outputType === "AbsPower" ? "abs" : "dyn"] = frame;
    } else {
      report.failures.push({
        ...key,
        outputType,
        message:
          `${frame.length} ${outputType} rows, fewer than the minimum ${minRows} (--min-rows)`,
      });
    }
  }
  if (prepared.abs === undefined && prepared.dyn === undefined) return prepared;
  if (!report.featureGroups.includes(group)) report.featureGroups.push(group);
  options.onProgress?.({
    kind: "group",
    source,
    featureGroup: group,
    rows: { abs: abs.length, dyn: dyn?.length ?? 0 },
  });
  return prepared;
}

/**
 * Step 2, plan jobs: writes a group's preprocessed data and one job per
 * trainer (XgboostFit continuing from its checkpoints).
 */
async function planGroup(
  key: Omit<GroupKey, "outputType">,
  outputType: OutputType,
  frame: Frame,
  run: Run,
): Promise<Job[]> {
  const { s, ctx, dir } = run;
  const groupKey: GroupKey = { ...key, outputType };
  await writePreprocessed(dir, {
    outputType,
    extractor: s.extractor,
    isolator: s.isolator,
    source: key.source,
    featureGroup: key.featureGroup,
  }, frame);
  const trainers = outputType === "AbsPower" ? s.absTrainers : s.dynTrainers;
  const members = trainers.filter((t) => t !== ENSEMBLE_TRAINER);
  const ensemble: EnsembleGroup | undefined = members.length < trainers.length
    ? { pending: members.length, members: [] }
    : undefined;
  const serialized = serializeFrame(frame);
  const jobs: Job[] = [];
  for (const trainer of members) {
    const init: Partial<Record<Component, ModelJson>> = {};
    if (trainer === "XgboostFitTrainer") {
      const checkpoints = await readPipelineCheckpoints(
        dir,
        groupKey,
        trainer,
        ctx.nodeType,
        frame.components,
      );
      for (const [c, m] of Object.entries(checkpoints)) {
        if (m) init[c as Component] = loadModel(m).toJSON();
      }
    }
    jobs.push({
      key: groupKey,
      trainer,
      index: jobs.length + 1,
      total: trainers.length,
      ...(ensemble ? { ensemble } : {}),
      job: {
        frame: serialized,
        trainer,
        init,
        predictions: ensemble !== undefined,
        options: {
          featureGroup: key.featureGroup,
          outputType,
          nodeType: ctx.nodeType,
          split: s.split,
          cvFolds: s.cvFolds,
          tune: s.tune,
          ...(s.derivedFeatures === "auto"
            ? { derivedFeatures: "auto" as const }
            : {}),
          seed: s.seed,
          thirdParty: s.thirdParty,
          ...(ctx.machineSpec ? { machineSpec: ctx.machineSpec } : {}),
        },
      },
    });
  }
  return jobs;
}

/**
 * Step 1 for every source and group, before anything is written; throws
 * when no frame is left to train.
 */
export async function prepareAll(
  queries: readonly QueryData[],
  run: Run,
): Promise<Prepared[]> {
  const { s, ctx, options } = run;
  const out: Prepared[] = [];
  for (const source of s.sources) {
    const base = {
      source,
      extractor: s.extractor,
      thirdParty: s.thirdParty,
      vmJobName: options.vmJobName ?? "vm",
      nodeType: ctx.nodeType,
      ...options.dataChecks,
    };
    // Every group of a query at once: each metric is read once, not once per
    // group. A batch that fails (one group's metrics broken) falls back to
    // per-group extraction, so the failure is reported for its group.
    const frames: SourceFrames = {
      source,
      base,
      node: extractBatch(queries, ctx.groups, "AbsPower", base),
      container: extractBatch(queries, ctx.groups, "DynPower", base),
    };
    for (const group of ctx.groups) {
      out.push(await prepareGroup(queries, frames, group, run));
    }
  }
  if (out.some((p) => p.abs !== undefined || p.dyn !== undefined)) return out;
  const failures = run.report.failures;
  const first = failures[0];
  throw new RangeError(
    `Cannot train pipeline ${s.name}: no feature group has data to train${
      first === undefined
        ? ""
        : ` (${failures.length} failures; first: ${first.source} ${first.featureGroup}: ${first.message})`
    }; nothing was written`,
  );
}

/** Step 2 for every prepared frame, into the generation being built. */
export async function planAll(
  prepared: readonly Prepared[],
  run: Run,
): Promise<Job[]> {
  const jobs: Job[] = [];
  for (const p of prepared) {
    if (p.abs) jobs.push(...await planGroup(p.key, "AbsPower", p.abs, run));
    if (p.dyn) jobs.push(...await planGroup(p.key, "DynPower", p.dyn, run));
  }
  return jobs;
}
