/**
 * `estimate`: power estimated per component from a query with every model
 * found (upstream's `estimate` command), the error of each model against
 * the measured power, and the best model — the one with the lowest error
 * recorded on its training holdout (`ERROR_KEY`, default `mae`: the model's
 * metadata, else its row of the pipeline's model metadata CSV), as `train`
 * sorts its summary, `export` publishes and `serve` selects. Upstream ranked
 * by the error on the estimated query instead, which, when the query is
 * the training data, favours the models that overfit it. Models without a
 * recorded error (most weight files) rank after those with one; among
 * them, and on ties, the lower max-over-components MAE on the query wins.
 *
 * The input is extracted as each model's pipeline extracted its training
 * data (the pipeline metadata's extractor; for DynPower also its
 * isolator); weight files and single model files use the default
 * extractor (Kepler's own rates) and the `min` isolator. Errors are
 * computed per row of the extracted data (one row per timestamp and Kepler
 * instance), which for one instance is upstream's per-timestamp error.
 * Interval coverage is the share of rows whose measured power lies in the
 * model's conformal interval.
 *
 * @module
 */
import { ImplausibleDataError } from "../extract/data_checks.ts";
import type { Frame } from "../extract/frame.ts";
import type { QueryData } from "../extract/read_query.ts";
import { missingFeatureMetrics } from "../extract/valid_feature_groups.ts";
import { backgroundContainers } from "../isolate/background_containers.ts";
import { prepareFrames } from "../isolate/prepare_frames.ts";
import { readIdleProfiles } from "../isolate/profile.ts";
import { formatUtc } from "../query/format.ts";
import { regressionMetrics } from "../train/metrics.ts";
import { rankingError } from "../pipeline/model_metadata.ts";
import type {
  Component,
  EnergySource,
  ErrorKey,
  ExtractorName,
  FeatureGroup,
  IsolatorName,
  OutputType,
} from "../types.ts";
import type { ComponentPrediction, EstimatorModel } from "./estimator_model.ts";
import { estimationTable } from "./estimation_table.ts";
import { compareEstimates, recordedError } from "./compare_estimates.ts";
import {
  type EstimateTarget,
  listPipelines,
  type ModelCandidate,
  modelFileCandidate,
  pipelineModelCandidates,
  readPipelineInfo,
} from "./find_models.ts";

export type {
  ComponentEstimate,
  EstimateOptions,
  EstimateReport,
  ModelEstimate,
  SourceEstimate,
} from "./estimate_types.ts";
import type {
  ComponentEstimate,
  EstimateOptions,
  EstimateReport,
  ModelEstimate,
  SourceEstimate,
} from "./estimate_types.ts";

interface FrameKey {
  extractor: ExtractorName;
  isolator: IsolatorName;
  folder?: string;
  group: FeatureGroup;
}

/** Why a group's input cannot be extracted from the queries. */
interface Unextractable {
  /** The error's message. */
  unextractable: string;
}

/** The frames models are evaluated on, by key (or why there is none). */
type FrameOf = (key: FrameKey) => Promise<Frame | Unextractable>;

function describeMissing(
  missing: readonly {
    feature: string;
    metric: string;
    problem: string;
    tooFew?: boolean;
    origin: string;
  }[],
): string {
  return missing.map((m) =>
    `${m.feature} (${m.metric} ${
      m.problem === "missing"
        ? "is missing from"
        : m.tooFew
        ? "has fewer than 2 samples per series in"
        : "has no usable samples in"
    } ${m.origin})`
  ).join(", ");
}

/**
 * Estimates power with every model found and picks the best per energy
 * source. Throws a `Deno.errors.NotFound` for a missing pipeline or model
 * file, a `SyntaxError` for a corrupt zip, and a `RangeError` for an empty
 * query, a query without usable rows, a requested model whose features
 * are absent from the query (naming them), a non-finite prediction, or
 * when no model can be evaluated.
 *
 * @param queries The query data to estimate on (at least one), e.g. from
 *   `readQueryData` or `queryDataFrom`.
 * @param options Where the models are (MODEL_PATH, pipelines or Kepler
 *   weight files), which sources, output type, feature group and model,
 *   the idle data to remove, the ranking error key and a callback per
 *   model.
 * @returns One estimate per energy source, in the order of
 *   `options.sources`: every model's errors, the best model, its table and
 *   its archive.
 * @throws {Deno.errors.NotFound} when a pipeline or model file is missing.
 * @throws {SyntaxError} when a model zip is corrupt.
 * @throws {RangeError} when no query is given, the queries have no usable
 *   rows, a requested model's features are absent from the query, a
 *   prediction is not finite, or no model can be evaluated.
 *
 * @example
 * ```ts
 * import { estimate } from "./estimate.ts";
 * import { queryResult, simulate } from "../simulate/mod.ts";
 * import { queryDataFrom } from "../extract/mod.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/acpi.json`, JSON.stringify({ platform: { All_Weights: { Bias_Weight: 60,
 *   Categorical_Variables: {}, Numerical_Variables: { bpf_cpu_time_ms: { scale: 4000, weight: 60 } } } } }));
 * const sim = simulate({ start: 1_700_000_001, duration: 300, containers: 2 });
 * const report = await estimate([queryDataFrom(queryResult(sim))],
 *   { modelFiles: [`${dir}/acpi.json`], sources: ["acpi"] });
 * const { best, table } = report.sources[0]!;
 * assertEquals([best.name, best.featureGroup], ["acpi", "BPFOnly"]);
 * assertEquals(table.header.at(-1), "default_platform_power");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function estimate(
  queries: readonly QueryData[],
  options: EstimateOptions,
): Promise<EstimateReport> {
  checkQueries(queries);
  const sources = options.sources ?? ["rapl-sysfs"];
  const outputType = options.outputType ?? "AbsPower";
  const files = await fileCandidates(sources, outputType, options);
  const background = options.idle === undefined
    ? undefined
    : backgroundContainers(options.idle);
  const report: EstimateReport = { sources: [] };
  for (const source of sources) {
    const target = { source, outputType };
    const found = await findCandidates(target, files, options);
    const frameOf = frameCache(queries, target, options, background);
    report.sources.push(
      await evaluateSource(queries, target, found, frameOf, options),
    );
  }
  return report;
}

function checkQueries(queries: readonly QueryData[]): void {
  if (queries.length === 0) {
    throw new RangeError("Cannot estimate: no query was given");
  }
  for (const q of queries) {
    if (q.metrics.size === 0) {
      throw new RangeError(
        `Cannot estimate: ${q.origin} holds no metrics (is it the output of query?)`,
      );
    }
  }
}

/** The single model files given, checked against the energy sources. */
async function fileCandidates(
  sources: readonly EnergySource[],
  outputType: OutputType,
  options: EstimateOptions,
): Promise<ModelCandidate[]> {
  const out: ModelCandidate[] = [];
  for (const path of options.modelFiles ?? []) {
    const c = await modelFileCandidate(path, {
      outputType,
      ...(options.featureGroup ? { featureGroup: options.featureGroup } : {}),
    });
    if (!sources.includes(c.source)) {
      throw new RangeError(
        `Cannot estimate with ${path}: it predicts ${c.source} power, but the energy sources are ${
          sources.join(", ")
        } (add -e ${c.source})`,
      );
    }
    out.push(c);
  }
  return out;
}

/** The candidates of one energy source, with notes on what was skipped. */
interface Found {
  candidates: ModelCandidate[];
  notes: string[];
}

/** The pipeline folders to read: given, else MODEL_PATH's. */
async function pipelineFolders(
  target: EstimateTarget,
  options: EstimateOptions,
): Promise<readonly string[]> {
  const modelFiles = options.modelFiles ?? [];
  if (options.pipelines !== undefined || modelFiles.length > 0) {
    return options.pipelines ?? [];
  }
  if (options.modelPath === undefined) {
    throw new RangeError(
      "Cannot estimate: give pipelines, model files or a model path",
    );
  }
  return await listPipelines(options.modelPath, target);
}

/**
 * Why a VM pipeline cannot estimate a node's power: its models take a
 * guest's usage and the VM's size.
 */
function vmPipelineMessage(name: string): string {
  return `Cannot estimate with pipeline ${name}: it is a VM pipeline (train --vm-train); estimate a VM with estimate --vm -i <guest query> (estimateVm())`;
}

/** Finds the candidates: the pipelines' models and the model files. */
async function findCandidates(
  target: EstimateTarget,
  files: readonly ModelCandidate[],
  options: EstimateOptions,
): Promise<Found> {
  const { source, outputType } = target;
  const wanted = (c: ModelCandidate) =>
    options.modelName === undefined || c.name === options.modelName;
  const notes: string[] = [];
  const candidates: ModelCandidate[] = [];
  const available: string[] = [];
  const folders = await pipelineFolders(target, options);
  for (const folder of folders) {
    const info = await readPipelineInfo(folder);
    if (info.vm) throw new TypeError(vmPipelineMessage(info.name));
    const found = await pipelineModelCandidates(info, target, {
      ...(options.featureGroup
        ? { featureGroups: [options.featureGroup] }
        : {}),
    });
    notes.push(...found.notes);
    for (const c of found.candidates) {
      available.push(c.name);
      if (wanted(c)) candidates.push(c);
    }
  }
  for (const c of files) {
    if (c.source === source && wanted(c)) candidates.push(c);
    if (c.source === source) available.push(c.name);
  }
  if (candidates.length > 0) return { candidates, notes };
  const modelFiles = options.modelFiles ?? [];
  const where = folders.length > 0
    ? `pipelines ${folders.join(", ")}`
    : modelFiles.length > 0
    ? `model files ${modelFiles.join(", ")}`
    : `MODEL_PATH ${options.modelPath} (no pipeline has ${source}_${outputType}_model_metadata.csv)`;
  throw new RangeError(
    options.modelName !== undefined
      ? `Cannot estimate ${source} ${outputType}: no model named ${options.modelName} in ${where}${
        available.length > 0
          ? ` (models: ${[...new Set(available)].sort().join(", ")})`
          : ""
      }`
      : `Cannot estimate ${source} ${outputType}: no model in ${where}`,
  );
}

/**
 * The frames models are evaluated on, prepared once per key; a group whose
 * input cannot be extracted (or gives no row) is `Unextractable`, while
 * data that cannot be true still refuses the query.
 */
function frameCache(
  queries: readonly QueryData[],
  target: EstimateTarget,
  options: EstimateOptions,
  background: ReturnType<typeof backgroundContainers> | undefined,
): FrameOf {
  const { source, outputType } = target;
  const frames = new Map<string, Frame | Unextractable>();
  return async (key) => {
    const id = `${key.extractor}|${key.isolator}|${
      key.folder ?? ""
    }|${key.group}`;
    const cached = frames.get(id);
    if (cached) return cached;
    if (outputType === "DynPower" && key.isolator === "trainer") {
      throw new RangeError(
        "Cannot estimate DynPower with a pipeline of the trainer isolator: its background model is not available here",
      );
    }
    const profile = outputType === "DynPower" && key.isolator === "profile" &&
        key.folder !== undefined
      ? (await readIdleProfiles(key.folder, [source]))[source]
      : undefined;
    let frame: Frame | Unextractable;
    try {
      frame = prepareFrames(queries, key.group, outputType, {
        source,
        extractor: key.extractor,
        thirdParty: options.thirdParty ?? [],
        vmJobName: options.vmJobName ?? "vm",
        isolation: {
          isolator: key.isolator,
          ...(profile ? { profile } : {}),
          ...(background ? { backgroundContainers: background } : {}),
        },
      });
    } catch (error) {
      if (
        !(error instanceof RangeError) || error instanceof ImplausibleDataError
      ) throw error;
      frame = { unextractable: error.message };
    }
    if ("length" in frame && frame.length === 0) {
      frame = {
        unextractable: `Cannot estimate with feature group ${key.group}: ${
          queries.map((q) => q.origin).join(", ")
        } give no usable rows (every interval is empty, reset or NaN)`,
      };
    }
    frames.set(id, frame);
    return frame;
  };
}

/** A model evaluated: its result, and what the best one keeps. */
interface Evaluated {
  result: ModelEstimate;
  model: EstimatorModel;
  frame: Frame;
  predictions: Partial<Record<Component, ComponentPrediction>>;
}

/** The error of each component a model predicts. */
function componentEstimates(
  model: EstimatorModel,
  frame: Frame,
  predictions: Partial<Record<Component, ComponentPrediction>>,
): ComponentEstimate[] {
  const components: ComponentEstimate[] = [];
  for (const component of model.components) {
    const y = frame.power[component];
    const p = predictions[component];
    if (y === undefined || p === undefined) continue;
    for (let i = 0; i < p.yHat.length; i++) {
      if (!Number.isFinite(p.yHat[i]!)) {
        throw new RangeError(
          `Cannot estimate with ${model.name} (${model.origin}): its ${component} prediction at ${
            formatUtc(frame.timestamp[i]!)
          } (row ${i + 1}) is ${p.yHat[i]}`,
        );
      }
    }
    const m = regressionMetrics(y, p.yHat);
    const e: ComponentEstimate = {
      component,
      mae: m.mae,
      mape: m.mape,
      mse: m.mse,
      n: y.length,
    };
    if (p.lo !== undefined && p.hi !== undefined) {
      let inside = 0;
      for (let i = 0; i < y.length; i++) {
        if (y[i]! >= p.lo[i]! && y[i]! <= p.hi[i]!) inside++;
      }
      e.coverage = inside / y.length;
      if (p.nominal !== undefined) e.nominal = p.nominal;
    }
    components.push(e);
  }
  return components;
}

/** A model's result from its component errors. */
function modelEstimate(
  c: ModelCandidate,
  model: EstimatorModel,
  components: ComponentEstimate[],
  errorKey: ErrorKey,
): ModelEstimate {
  let mape = -1;
  for (const e of components) {
    if (e.mape >= 0) mape = Math.max(mape, e.mape);
  }
  const holdoutError = recordedError(model.recorded, errorKey) ??
    recordedError(c.recorded, errorKey);
  const result: ModelEstimate = {
    name: model.name,
    kind: model.kind,
    ...(c.pipeline ? { pipeline: c.pipeline.name } : {}),
    origin: model.origin,
    source: c.source,
    outputType: c.outputType,
    featureGroup: c.featureGroup,
    ...(holdoutError === undefined ? {} : { holdoutError }),
    ...cvRank(model.recorded ?? c.recorded, errorKey),
    mae: Math.max(...components.map((e) => e.mae)),
    mape,
    components,
  };
  const covered = components.filter((e) => e.coverage !== undefined);
  if (covered.length > 0) {
    result.coverage = Math.min(...covered.map((e) => e.coverage!));
    const nominal = covered.filter((e) => e.nominal !== undefined);
    if (nominal.length > 0) {
      result.nominal = Math.min(...nominal.map((e) => e.nominal!));
    }
  }
  return result;
}

/** The features of a candidate's group that the queries lack. */
function missingOf(
  queries: readonly QueryData[],
  c: ModelCandidate,
  thirdParty: readonly string[],
) {
  return queries.flatMap((q) =>
    missingFeatureMetrics(q, c.featureGroup, { thirdParty }).map((m) => ({
      ...m,
      origin: q.origin,
    }))
  );
}

/** Why a model asked for by name cannot be used with the queries. */
async function absentFeatures(
  c: ModelCandidate,
  missing: ReturnType<typeof missingOf>,
): Promise<RangeError> {
  const model = await c.load();
  const own = missing.filter((m) => model.features.includes(m.feature));
  return new RangeError(
    own.length > 0
      ? `Cannot estimate with ${model.name} (${model.origin}): its features ${
        [...new Set(own.map((m) => m.feature))].join(", ")
      } are absent from the query: ${describeMissing(own)}`
      : `Cannot estimate with ${model.name} (${model.origin}): its input is extracted as feature group ${c.featureGroup}, whose features ${
        [...new Set(missing.map((m) => m.feature))].join(", ")
      } are absent from the query: ${describeMissing(missing)}`,
  );
}

/**
 * Evaluates one candidate on its frame; a note when it predicts nothing,
 * or why its group's input cannot be extracted.
 */
async function evaluate(
  c: ModelCandidate,
  frameOf: FrameOf,
  errorKey: ErrorKey,
): Promise<Evaluated | Unextractable | string> {
  const model = await c.load();
  const frame = await frameOf({
    extractor: c.pipeline?.extractor ?? "default",
    isolator: c.pipeline?.isolator ?? "min",
    ...(c.pipeline ? { folder: c.pipeline.folder } : {}),
    group: c.featureGroup,
  });
  if ("unextractable" in frame) return frame;
  const predictions = model.predict(frame);
  const components = componentEstimates(model, frame, predictions);
  if (components.length === 0) {
    return `skipped ${model.name} (${model.origin}): it predicts none of ${
      frame.components.join(", ")
    }`;
  }
  const result = modelEstimate(c, model, components, errorKey);
  return { result, model, frame, predictions };
}

/**
 * Why no model of a source can be used: the groups whose metrics the
 * queries lack and those whose input cannot be extracted.
 */
function noModelError(
  queries: readonly QueryData[],
  target: EstimateTarget,
  candidates: number,
  skippedGroups: ReadonlyMap<FeatureGroup, string>,
  unextractable: ReadonlyMap<FeatureGroup, string>,
): RangeError {
  const reasons = [
    ...[...skippedGroups].map(([g, why]) => `${g} needs ${why}`),
    ...[...unextractable].map(([g, why]) => `${g}: ${why}`),
  ];
  return new RangeError(
    `Cannot estimate ${target.source} ${target.outputType}: none of the ${candidates} models can be used with ${
      queries.map((q) => q.origin).join(", ")
    }: ${reasons.join("; ")}`,
  );
}

/**
 * Evaluates every candidate of one energy source and picks the best. A
 * group whose metrics the queries lack, or whose input cannot be extracted
 * from them, is skipped (unless a model, group or file was asked for).
 */
async function evaluateSource(
  queries: readonly QueryData[],
  target: EstimateTarget,
  found: Found,
  frameOf: FrameOf,
  options: EstimateOptions,
): Promise<SourceEstimate> {
  const errorKey = options.errorKey ?? "mae";
  const explicit = (options.modelFiles ?? []).length > 0 ||
    options.modelName !== undefined || options.featureGroup !== undefined;
  const { candidates, notes } = found;
  const models: ModelEstimate[] = [];
  const skippedGroups = new Map<FeatureGroup, string>();
  const unextractable = new Map<FeatureGroup, string>();
  let best: Evaluated | undefined;
  for (const c of candidates) {
    const missing = missingOf(queries, c, options.thirdParty ?? []);
    if (missing.length > 0) {
      if (explicit) throw await absentFeatures(c, missing);
      skippedGroups.set(c.featureGroup, describeMissing(missing));
      continue;
    }
    const evaluated = await evaluate(c, frameOf, errorKey);
    if (typeof evaluated === "string") {
      notes.push(evaluated);
      continue;
    }
    if ("unextractable" in evaluated) {
      if (explicit) throw new RangeError(evaluated.unextractable);
      if (!unextractable.has(c.featureGroup)) {
        unextractable.set(c.featureGroup, evaluated.unextractable);
      }
      continue;
    }
    models.push(evaluated.result);
    options.onModel?.(evaluated.result);
    if (
      best === undefined || compareEstimates(evaluated.result, best.result) < 0
    ) {
      best = evaluated;
    }
  }
  for (const [group, why] of skippedGroups) {
    notes.push(`skipped the ${group} models: the query lacks ${why}`);
  }
  if (best === undefined) {
    throw noModelError(
      queries,
      target,
      candidates.length,
      skippedGroups,
      unextractable,
    );
  }
  return {
    ...target,
    models,
    best: best.result,
    errorKey,
    rankedBy: best.result.holdoutError === undefined ? "query" : "holdout",
    table: estimationTable(best.frame, best.predictions),
    archive: best.model.archive,
    notes,
    skippedGroups: [...unextractable].map(([group, why]) =>
      `skipped the ${group} models: ${why}`
    ),
  };
}

/** The CV ranking error of a cross-validated model (none otherwise). */
function cvRank(
  recorded: Readonly<Record<string, unknown>> | undefined,
  errorKey: ErrorKey,
): { rankError?: number } {
  return typeof recorded?.cv_folds === "number"
    ? { rankError: rankingError(recorded, errorKey) }
    : {};
}
