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
import { extract } from "../extract/extract.ts";
import type { Frame } from "../extract/frame.ts";
import type { QueryData } from "../extract/read_query.ts";
import { missingFeatureMetrics } from "../extract/valid_feature_groups.ts";
import { backgroundContainers } from "../isolate/background_containers.ts";
import { isolate } from "../isolate/isolate.ts";
import { readIdleProfiles } from "../isolate/profile.ts";
import { formatUtc } from "../query/format.ts";
import { regressionMetrics } from "../train/metrics.ts";
import type {
  Component,
  EnergySource,
  ExtractorName,
  FeatureGroup,
  IsolatorName,
  OutputType,
} from "../types.ts";
import { concatNodeFrames as concatFrames } from "../extract/concat.ts";
import type { ComponentPrediction, EstimatorModel } from "./estimator_model.ts";
import { type EstimationTable, estimationTable } from "./estimation_table.ts";
import { compareEstimates, recordedError } from "./compare_estimates.ts";
import {
  listPipelines,
  type ModelCandidate,
  modelFileCandidate,
  pipelineModelCandidates,
  readPipelineInfo,
} from "./find_models.ts";

/** Options of {@linkcode estimate}. */
export interface EstimateOptions {
  /**
   * MODEL_PATH: where pipelines are listed when neither `pipelines` nor
   * `modelFiles` is given. Default: none.
   */
  modelPath?: string;
  /** Pipeline folders to use. Default: every pipeline in `modelPath` with models of the source and output type. */
  pipelines?: readonly string[];
  /** Single model files (weight JSON, model zip or folder). Default: none. */
  modelFiles?: readonly string[];
  /** Energy sources. Default: `["rapl-sysfs"]`. */
  sources?: readonly EnergySource[];
  /** Output type. Default: `"AbsPower"`. */
  outputType?: OutputType;
  /** Only this feature group. Default: every group the query has. */
  featureGroup?: FeatureGroup;
  /** Only models of this name. Default: all. */
  modelName?: string;
  /** Third-party metric names. Default: none. */
  thirdParty?: readonly string[];
  /** Prometheus job of VM metrics, left out. Default: `"vm"`. */
  vmJobName?: string;
  /** Idle query: background containers of the `profile` isolator. Default: none. */
  idle?: QueryData;
  /**
   * The recorded training error that ranks models (`ERROR_KEY`): a key of
   * the model metadata such as `mae` or `mape`. Default: `"mae"`.
   */
  errorKey?: string;
  /** Called after each model is evaluated. Default: none. */
  onModel?: (result: ModelEstimate) => void;
}

/** The error of one component. */
export interface ComponentEstimate {
  /** The component. */
  component: Component;
  /** Mean absolute error, W. */
  mae: number;
  /** Mean absolute percentage error, %, or −1 when no measured value is > 0. */
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
  errorKey: string;
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
}

/** The result of {@linkcode estimate}. */
export interface EstimateReport {
  /** One entry per energy source, in the order given. */
  sources: SourceEstimate[];
}

interface FrameKey {
  extractor: ExtractorName;
  isolator: IsolatorName;
  folder?: string;
  group: FeatureGroup;
}

function describeMissing(
  missing: readonly {
    feature: string;
    metric: string;
    problem: string;
    origin: string;
  }[],
): string {
  return missing.map((m) =>
    `${m.feature} (${m.metric} ${
      m.problem === "missing" ? "is missing from" : "has no usable samples in"
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
  const sources = options.sources ?? ["rapl-sysfs"];
  const errorKey = options.errorKey ?? "mae";
  const outputType = options.outputType ?? "AbsPower";
  const thirdParty = options.thirdParty ?? [];
  const modelFiles = options.modelFiles ?? [];
  const explicit = modelFiles.length > 0 || options.modelName !== undefined ||
    options.featureGroup !== undefined;
  const fileCandidates: ModelCandidate[] = [];
  for (const path of modelFiles) {
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
    fileCandidates.push(c);
  }
  const background = options.idle === undefined
    ? undefined
    : backgroundContainers(options.idle);

  const report: EstimateReport = { sources: [] };
  for (const source of sources) {
    const target = { source, outputType };
    const notes: string[] = [];
    const candidates: ModelCandidate[] = [];
    let folders: readonly string[] = options.pipelines ?? [];
    if (options.pipelines === undefined && modelFiles.length === 0) {
      if (options.modelPath === undefined) {
        throw new RangeError(
          "Cannot estimate: give pipelines, model files or a model path",
        );
      }
      folders = await listPipelines(options.modelPath, target);
    }
    const available: string[] = [];
    for (const folder of folders) {
      const info = await readPipelineInfo(folder);
      const found = await pipelineModelCandidates(info, target, {
        ...(options.featureGroup
          ? { featureGroups: [options.featureGroup] }
          : {}),
      });
      notes.push(...found.notes);
      for (const c of found.candidates) {
        available.push(c.name);
        if (options.modelName === undefined || c.name === options.modelName) {
          candidates.push(c);
        }
      }
    }
    for (const c of fileCandidates) {
      if (
        c.source === source &&
        (options.modelName === undefined || c.name === options.modelName)
      ) candidates.push(c);
      if (c.source === source) available.push(c.name);
    }
    if (candidates.length === 0) {
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

    const frames = new Map<string, Frame>();
    const frameOf = async (key: FrameKey): Promise<Frame> => {
      const id = `${key.extractor}|${key.isolator}|${
        key.folder ?? ""
      }|${key.group}`;
      const cached = frames.get(id);
      if (cached) return cached;
      const base = {
        source,
        extractor: key.extractor,
        thirdParty,
        vmJobName: options.vmJobName ?? "vm",
      };
      let parts: Frame[];
      if (outputType === "AbsPower") {
        parts = queries.map((q) =>
          extract(q, key.group, { ...base, level: "node" })
        );
      } else {
        if (key.isolator === "trainer") {
          throw new RangeError(
            "Cannot estimate DynPower with a pipeline of the trainer isolator: its background model is not available here",
          );
        }
        const profile = key.isolator === "profile" && key.folder !== undefined
          ? (await readIdleProfiles(key.folder, [source]))[source]
          : undefined;
        parts = queries.map((q) =>
          isolate(extract(q, key.group, { ...base, level: "container" }), {
            isolator: key.isolator,
            ...(profile ? { profile } : {}),
            ...(background ? { backgroundContainers: background } : {}),
          })
        );
      }
      const frame = concatFrames(parts);
      if (frame.length === 0) {
        throw new RangeError(
          `Cannot estimate with feature group ${key.group}: ${
            queries.map((q) => q.origin).join(", ")
          } give no usable rows (every interval is empty, reset or NaN)`,
        );
      }
      frames.set(id, frame);
      return frame;
    };

    const models: ModelEstimate[] = [];
    const skippedGroups = new Map<FeatureGroup, string>();
    let best:
      | {
        result: ModelEstimate;
        model: EstimatorModel;
        frame: Frame;
        predictions: Partial<Record<Component, ComponentPrediction>>;
      }
      | undefined;
    for (const c of candidates) {
      const missing = queries.flatMap((q) =>
        missingFeatureMetrics(q, c.featureGroup, { thirdParty }).map((m) => ({
          ...m,
          origin: q.origin,
        }))
      );
      if (missing.length > 0) {
        if (!explicit) {
          skippedGroups.set(c.featureGroup, describeMissing(missing));
          continue;
        }
        const model = await c.load();
        const own = missing.filter((m) => model.features.includes(m.feature));
        throw new RangeError(
          own.length > 0
            ? `Cannot estimate with ${model.name} (${model.origin}): its features ${
              [...new Set(own.map((m) => m.feature))].join(", ")
            } are absent from the query: ${describeMissing(own)}`
            : `Cannot estimate with ${model.name} (${model.origin}): its input is extracted as feature group ${c.featureGroup}, whose features ${
              [...new Set(missing.map((m) => m.feature))].join(", ")
            } are absent from the query: ${describeMissing(missing)}`,
        );
      }
      const model = await c.load();
      const frame = await frameOf({
        extractor: c.pipeline?.extractor ?? "default",
        isolator: c.pipeline?.isolator ?? "min",
        ...(c.pipeline ? { folder: c.pipeline.folder } : {}),
        group: c.featureGroup,
      });
      const predictions = model.predict(frame);
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
      if (components.length === 0) {
        notes.push(
          `skipped ${model.name} (${model.origin}): it predicts none of ${
            frame.components.join(", ")
          }`,
        );
        continue;
      }
      const covered = components.filter((e) => e.coverage !== undefined);
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
        source,
        outputType,
        featureGroup: c.featureGroup,
        ...(holdoutError === undefined ? {} : { holdoutError }),
        mae: Math.max(...components.map((e) => e.mae)),
        mape,
        components,
      };
      if (covered.length > 0) {
        result.coverage = Math.min(...covered.map((e) => e.coverage!));
        const nominal = covered.filter((e) => e.nominal !== undefined);
        if (nominal.length > 0) {
          result.nominal = Math.min(...nominal.map((e) => e.nominal!));
        }
      }
      models.push(result);
      options.onModel?.(result);
      if (best === undefined || compareEstimates(result, best.result) < 0) {
        best = { result, model, frame, predictions };
      }
    }
    for (const [group, why] of skippedGroups) {
      notes.push(`skipped the ${group} models: the query lacks ${why}`);
    }
    if (best === undefined) {
      throw new RangeError(
        `Cannot estimate ${source} ${outputType}: none of the ${candidates.length} models can be used with ${
          queries.map((q) => q.origin).join(", ")
        }: ${
          [...skippedGroups].map(([g, why]) => `${g} needs ${why}`).join("; ")
        }`,
      );
    }
    report.sources.push({
      source,
      outputType,
      models,
      best: best.result,
      errorKey,
      rankedBy: best.result.holdoutError === undefined ? "query" : "holdout",
      table: estimationTable(best.frame, best.predictions),
      archive: best.model.archive,
      notes,
    });
  }
  return report;
}
