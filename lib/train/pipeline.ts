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
import type { QueryData } from "../extract/read_query.ts";
import { writeIdleProfiles } from "../isolate/profile.ts";
import {
  type EnergySource,
  ENSEMBLE_TRAINER,
  OUTPUT_TYPES,
  type OutputType,
  type TrainerName,
  TRAINERS,
} from "../types.ts";
import { beginGeneration, lockPipeline } from "../pipeline/generation.ts";
import {
  formatPipelineTime,
  type PipelineMetadata,
} from "../pipeline/pipeline_metadata.ts";
import {
  mergeSummaryModels,
  readSummaryModels,
  type SummaryModel,
  writeSummaryCsv,
} from "../pipeline/summary.ts";
import {
  readExistingPipeline,
  writePipelineFiles,
  writePipelineModel,
} from "../pipeline/write_pipeline.ts";
import {
  type Run,
  type RunContext,
  runContext,
  type Settings,
  settingsOf,
} from "./_train_run.ts";
import { TrainPool } from "./_pool.ts";
import { longestFirst } from "./_job_cost.ts";
import { type SerializedTrained, trainedFromSerialized } from "./_train_job.ts";
import { groupEnsemble, memberDone } from "./_ensemble_group.ts";
import type { TrainedModel } from "./train_model.ts";

export type {
  ReportedModel,
  TrainFailure,
  TrainPipelineOptions,
  TrainProgress,
  TrainReport,
} from "./train_report.ts";
import type {
  ReportedModel,
  TrainPipelineOptions,
  TrainReport,
} from "./train_report.ts";

export { commonFeatureGroups } from "./_train_run.ts";

export { DEFAULT_MIN_ROWS } from "./_plan_jobs.ts";
import {
  DEFAULT_MIN_ROWS,
  type Job,
  planAll,
  prepareAll,
  type Prepared,
} from "./_plan_jobs.ts";

/** Writes a trained model of a job's group and reports it. */
async function writeTrained(
  j: Job,
  trained: TrainedModel,
  run: Run,
): Promise<void> {
  const { options, report, dir } = run;
  await writePipelineModel(
    dir,
    j.key,
    trained,
    options.weightFormat ? { weightFormat: options.weightFormat } : {},
  );
  report.models.push({
    source: j.key.source,
    outputType: j.key.outputType,
    featureGroup: j.key.featureGroup,
    metadata: trained.metadata,
  });
}

/** The progress event of a job's trainer (or of its group's ensemble). */
function trainerEvent(j: Job, trainer: TrainerName, done: number) {
  return {
    kind: "trainer" as const,
    source: j.key.source,
    outputType: j.key.outputType,
    featureGroup: j.key.featureGroup,
    trainer,
    done,
    total: j.total,
  };
}

/** Runs `step`; a failure is reported for the trainer and skipped. */
async function reported(
  j: Job,
  trainer: TrainerName,
  done: number,
  run: Run,
  step: () => Promise<TrainedModel>,
): Promise<void> {
  const event = trainerEvent(j, trainer, done);
  try {
    const trained = await step();
    await writeTrained(j, trained, run);
    run.options.onProgress?.({ ...event, mae: trained.metadata.mae });
  } catch (error) {
    const message = (error as Error).message;
    run.report.failures.push({
      source: j.key.source,
      featureGroup: j.key.featureGroup,
      outputType: j.key.outputType,
      trainer,
      message,
    });
    run.options.onProgress?.({ ...event, error: message });
  }
}

/**
 * Step 3, run jobs: trains on the worker pool and writes each model; a
 * group's EnsembleTrainer is built and written when its last member ends.
 */
async function runJobs(
  jobs: readonly Job[],
  run: Run,
  pool: TrainPool,
): Promise<void> {
  const { report } = run;
  const note = (n: string) => {
    if (!report.notes.includes(n)) report.notes.push(n);
  };
  pool.limit(jobs.length);
  // longest first, so the workers finish together (lib/train/_job_cost.ts)
  await Promise.all(
    longestFirst(jobs).map(async (j) => {
      let result: SerializedTrained | undefined;
      await reported(j, j.trainer, j.index, run, async () => {
        result = await pool.run(j.job);
        const trained = trainedFromSerialized(result);
        trained.notes.forEach(note);
        return trained;
      });
      const members = j.ensemble && memberDone(j.ensemble, result);
      if (members === undefined) return;
      await reported(
        j,
        ENSEMBLE_TRAINER,
        j.total,
        run,
        () => Promise.resolve(groupEnsemble(members, run.s.ensemble)),
      );
    }),
  );
}

/** Orders the report's models (source, output type, group, trainer). */
function sortModels(report: TrainReport, s: Settings, ctx: RunContext) {
  const order = (m: ReportedModel) =>
    `${s.sources.indexOf(m.source)}|${m.outputType}|${
      ctx.groups.indexOf(m.featureGroup)
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
}

/** The pipeline's metadata.json after this run (merged with the old one). */
function pipelineMetadata(
  old: PipelineMetadata | undefined,
  s: Settings,
  time: string,
): PipelineMetadata {
  const union = (
    a: readonly TrainerName[] | undefined,
    b: readonly TrainerName[],
  ) => [...new Set([...(a ?? []), ...b])];
  return {
    name: s.name,
    isolator: s.isolator,
    extractor: s.extractor,
    abs_trainers: union(old?.abs_trainers, s.absTrainers),
    dyn_trainers: union(old?.dyn_trainers, s.dynTrainers),
    metric_type: "bm_metrics",
    init_time: old?.init_time ?? time,
    last_update_time: time,
    energy_sources: [
      ...new Set([...(old?.energy_sources ?? []), ...s.sources]),
    ],
    split: s.split,
    seed: s.seed,
  };
}

/**
 * Step 4, write files: idle profiles, metadata.json, train_arguments.json,
 * node_type_index.json and the summary CSVs (from the kept models and the
 * ones trained now).
 */
async function writeFiles(
  run: Run,
  kept: SummaryModel[][],
  old: PipelineMetadata | undefined,
): Promise<void> {
  const { s, ctx, options, report, dir } = run;
  if (ctx.profiles !== undefined) await writeIdleProfiles(dir, ctx.profiles);
  const now = options.now ?? (() => new Date());
  await writePipelineFiles(dir, {
    metadata: pipelineMetadata(old, s, formatPipelineTime(now())),
    trainArguments: options.trainArguments ?? {
      pipeline_name: s.name,
      energy_source: s.sources.join(","),
      extractor: s.extractor,
      isolator: s.isolator,
      abs_trainers: s.absTrainers.join(","),
      dyn_trainers: s.dynTrainers.join(","),
      split: s.split,
      cv_folds: s.cvFolds,
      ...(s.tune > 0 ? { tune: s.tune } : {}),
      ...(s.derivedFeatures === "auto" ? { derived_features: "auto" } : {}),
      seed: s.seed,
    },
    nodeTypeIndex: ctx.index,
  });
  let i = 0;
  for (const source of s.sources) {
    for (const outputType of OUTPUT_TYPES) {
      const trained = report.models.filter((m) =>
        m.source === source && m.outputType === outputType
      );
      await writeSummaryCsv(
        dir,
        source,
        outputType,
        mergeSummaryModels(kept[i++]!, trained),
      );
    }
  }
}

/** The models of the previous generation, per source and output type. */
async function keptModels(dir: string, s: Settings): Promise<SummaryModel[][]> {
  const out: SummaryModel[][] = [];
  for (const source of s.sources) {
    for (const outputType of OUTPUT_TYPES) {
      out.push(await readSummaryModels(dir, source, outputType));
    }
  }
  return out;
}

/**
 * Runs the training pipeline on one or more queries and publishes the
 * pipeline as a new generation (built aside, swapped in at once: readers
 * see the old pipeline until the new one is complete). The pipeline's lock
 * is held throughout (a second writer fails at once), what a killed
 * earlier run left is cleaned first, the published pipeline is checked
 * and the data prepared before anything is written. Returns what was
 * trained and what failed.
 *
 * @param queries The queries to learn from, or a function that gives them
 *   (called once, after the lock is taken). Given as a function, the
 *   queries are dropped once their features are extracted, so a caller that
 *   keeps no other reference (the CLI) frees their memory (about 0.3 × the
 *   query file's size) before any model is fitted.
 * @param options Where to write and what to train.
 * @returns What was trained and what failed.
 * @throws {RangeError} When no query is given, no feature group is valid
 *   or has at least `minRows` rows, or every trainer failed (the
 *   published pipeline is then unchanged).
 * @throws {SyntaxError} When the published pipeline's metadata.json or
 *   node type index is not JSON (before any work).
 * @throws {Deno.errors.Busy} When another process writes the pipeline.
 *
 * @example
 * ```ts
 * import { trainPipeline } from "./pipeline.ts";
 * import { queryResult, simulate } from "../simulate/mod.ts";
 * import { queryDataFrom } from "../extract/mod.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const sim = simulate({ start: 1_700_000_001, duration: 600, containers: 2 });
 * const report = await trainPipeline([queryDataFrom(queryResult(sim))], {
 *   modelPath: dir, pipelineName: "demo", sources: ["acpi"], featureGroups: ["BPFOnly"],
 *   absTrainers: ["LinearRegressionTrainer"], dynTrainers: ["LinearRegressionTrainer"],
 *   workers: 0,
 * });
 * assertEquals(report.zip, `${dir}/demo.zip`);
 * assertEquals(report.models.map((m) => [m.outputType, m.metadata.model_name]), [
 *   ["AbsPower", "LinearRegressionTrainer_0"],
 *   ["DynPower", "LinearRegressionTrainer_0"],
 * ]);
 * assertEquals(report.failures, []);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function trainPipeline(
  queries: QuerySource,
  options: TrainPipelineOptions,
): Promise<TrainReport> {
  if (typeof queries !== "function") checkQueries(queries);
  const s = settingsOf(options);
  const minRows = options.minRows ?? DEFAULT_MIN_ROWS;
  if (!Number.isInteger(minRows) || minRows < 1) {
    throw new RangeError(
      `Invalid minimum row count ${minRows}: expected an integer of at least 1`,
    );
  }
  const lock = await lockPipeline(options.modelPath, s.name);
  // started now, the workers load while this thread reads and extracts
  const pool = new TrainPool(options.workers ?? navigator.hardwareConcurrency);
  try {
    const swept = lock.swept;
    if (swept.removed.length + swept.restored.length > 0) {
      options.onSwept?.(swept);
    }
    // the published pipeline (nobody else writes it while the lock is held)
    const published = lock.pipelineDir;
    const existing = await readExistingPipeline(published, s.name);
    const kept = await keptModels(published, s).catch((error) =>
      readExistingFailed(s.name, error)
    );
    const { run, prepared } = await prepare(queries, {
      s,
      options,
      dir: published,
      zip: lock.zip,
    });
    const generation = await beginGeneration(options.modelPath, s.name, {
      lock,
    });
    run.dir = generation.dir;
    try {
      await runJobs(await planAll(prepared, run), run, pool);
      sortModels(run.report, s, run.ctx);
      await writeFiles(run, kept, existing.metadata);
      await generation.publish();
    } catch (error) {
      await generation.abort();
      throw error;
    }
    return run.report;
  } finally {
    pool.close();
    await lock.release();
  }
}

/** The queries of {@linkcode trainPipeline}, or a function that gives them. */
export type QuerySource =
  | readonly QueryData[]
  | (() => readonly QueryData[] | Promise<readonly QueryData[]>);

function checkQueries(queries: readonly QueryData[]): void {
  if (queries.length === 0) {
    throw new RangeError("Cannot train: no query was given");
  }
}

/**
 * The run's context and every group's frames. The queries live only in
 * this call's frame: once it returns, nothing but the caller's own
 * references keeps them.
 */
async function prepare(
  source: QuerySource,
  at: { s: Settings; options: TrainPipelineOptions; dir: string; zip: string },
): Promise<{ run: Run; prepared: Prepared[] }> {
  const queries = typeof source === "function" ? await source() : source;
  checkQueries(queries);
  const { s, options, dir, zip } = at;
  const ctx = await runContext(dir, queries, s, options);
  const run: Run = {
    s,
    ctx,
    options,
    dir,
    report: {
      pipelineDir: dir,
      zip,
      nodeType: ctx.nodeType,
      featureGroups: [],
      models: [],
      failures: [],
      notes: [],
    },
  };
  return { run, prepared: await prepareAll(queries, run) };
}

/** A published model's metadata that cannot be read: the run stops first. */
function readExistingFailed(name: string, error: unknown): never {
  const Kind = error instanceof SyntaxError ? SyntaxError : Error;
  throw new Kind(
    `Cannot train pipeline ${name}: ${
      (error as Error).message
    }; fix or remove it (nothing was changed)`,
    { cause: error },
  );
}

/**
 * Rewrites `<source>_<ot>_model_metadata.csv` from every model folder of a
 * pipeline folder (all feature groups and node types, as upstream collects
 * them).
 *
 * @param dir The pipeline folder.
 * @param source The energy source.
 * @param outputType The output type.
 * @returns The file written, or undefined when the pipeline has no model.
 */
export async function writeSummary(
  dir: string,
  source: EnergySource,
  outputType: OutputType,
): Promise<string | undefined> {
  return await writeSummaryCsv(
    dir,
    source,
    outputType,
    await readSummaryModels(dir, source, outputType),
  );
}
