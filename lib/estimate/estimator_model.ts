/**
 * A model the estimator can evaluate, whatever it came from: a model of
 * one of our pipelines (folder or zip, with its conformal intervals), or a
 * Kepler weight file (kepler-model-db `<Trainer>_<nt>.json`, Kepler's own
 * `model_weight/*.json`), which is evaluated exactly as Kepler v0.7 does
 * (`keplerPredict`, per row, on the raw per-second features).
 *
 * @module
 */
import { featureOf, type Frame } from "../extract/frame.ts";
import { zipEntries } from "../io/zip.ts";
import type { IntervalModel } from "../train/interval.ts";
import {
  type KeplerCurve,
  keplerCurveOf,
  keplerPredict,
  readWeightFile,
  toV0711WeightJson,
  type WeightFile,
} from "../pipeline/kepler_weight_file.ts";
import { modelTrainer } from "../pipeline/model_metadata.ts";
import type { FittedModel } from "../train/model.ts";
import type { LoadedModel } from "../train/loaded_model.ts";
import {
  ALL_FEATURE_GROUPS,
  type Component,
  type EnergySource,
  type FeatureGroup,
  featureGroupFeatures,
  type OutputType,
  SOURCE_COMPONENTS,
} from "../types.ts";

/** The prediction of one component over a frame's rows. */
export interface ComponentPrediction {
  /** Predicted power, W. */
  yHat: Float64Array;
  /** Lower interval bound, when the model carries an interval. */
  lo?: Float64Array;
  /** Upper interval bound, when the model carries an interval. */
  hi?: Float64Array;
  /** Nominal coverage of the interval (e.g. 0.9). */
  nominal?: number;
}

/** A model ready to estimate power from a frame. */
export interface EstimatorModel {
  /** Model name, e.g. `SGDRegressorTrainer_0`. */
  readonly name: string;
  /** `model`: a pipeline model (JSON); `weight`: a Kepler weight file. */
  readonly kind: "model" | "weight";
  /** Trainer, when known. */
  readonly trainer?: string;
  /** Energy source it predicts. */
  readonly source: EnergySource;
  /** AbsPower or DynPower. */
  readonly outputType: OutputType;
  /** The feature group its input is extracted as. */
  readonly featureGroup: FeatureGroup;
  /** Input features, in model order. */
  readonly features: readonly string[];
  /** Components it predicts, in the source's order. */
  readonly components: readonly Component[];
  /** Node type, when known. */
  readonly nodeType?: number;
  /** Where it was read from, for messages. */
  readonly origin: string;
  /** The archive written as `model.zip` when it is the best model. */
  readonly archive: Uint8Array;
  /**
   * What training recorded about it: a pipeline model's `metadata.json`
   * (with the errors on its holdout: `mae`, `mape`, `<c>_mae`, ...); for a
   * weight file, its top-level `mae` when it has one (a model server reply).
   * Undefined when nothing is recorded.
   */
  readonly recorded?: Readonly<Record<string, unknown>>;
  /** Predicts every component over the frame's rows. */
  predict(frame: Frame): Partial<Record<Component, ComponentPrediction>>;
}

function missingFeatures(
  model: { name: string; features: readonly string[] },
  frame: Frame,
): void {
  const missing = model.features.filter((f) => frame.features[f] === undefined);
  if (missing.length > 0) {
    throw new RangeError(
      `Cannot estimate with ${model.name}: its features ${
        missing.join(", ")
      } are not in the extracted data (which has ${
        frame.featureNames.join(", ") || "no features"
      })`,
    );
  }
}

function isIntervalModel(m: FittedModel): m is IntervalModel {
  return typeof (m as Partial<IntervalModel>).predictInterval === "function";
}

/** What a pipeline model is, besides its files. */
export interface PipelineModelKey {
  /** Energy source (the model's folder). */
  source: EnergySource;
  /** Output type (the model's folder). */
  outputType: OutputType;
  /** Feature group (the model's folder). */
  featureGroup: FeatureGroup;
  /** Where it was read from. */
  origin: string;
  /** Its archive (the model zip, or the folder zipped). */
  archive: Uint8Array;
}

/**
 * An estimator model of a pipeline model read with `readModelDir` or
 * `readModelZipEntries`. Throws a `TypeError` naming the origin when it has
 * no component of the source.
 *
 * @example
 * ```ts
 * import { pipelineEstimatorModel } from "./estimator_model.ts";
 * import { linearModel } from "../train/trainers/linear_model.ts";
 * import { withInterval } from "../train/interval.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const m = withInterval(linearModel({ trainer: "SGDRegressorTrainer", scale: [100], coef: [50], intercept: 10 }),
 *   { coverage: 0.9, halfWidth: 2, n: 50 });
 * const model = pipelineEstimatorModel({ metadata: { model_name: "SGDRegressorTrainer_0" } as never,
 *   features: ["bpf_cpu_time_ms"], components: { platform: m } },
 *   { source: "acpi", outputType: "AbsPower", featureGroup: "BPFOnly", origin: "x", archive: new Uint8Array() });
 * const frame = { featureNames: ["bpf_cpu_time_ms"], features: { bpf_cpu_time_ms: Float64Array.of(50) } } as never;
 * const p = model.predict(frame).platform!;
 * assertEquals([p.lo![0], p.yHat[0], p.hi![0], p.nominal], [33, 35, 37, 0.9]);
 * ```
 */
export function pipelineEstimatorModel(
  loaded: LoadedModel,
  key: PipelineModelKey,
): EstimatorModel {
  const components = SOURCE_COMPONENTS[key.source].filter((c) =>
    loaded.components[c] !== undefined
  );
  const name = loaded.metadata.model_name;
  if (components.length === 0) {
    throw new TypeError(
      `Cannot use the model in ${key.origin}: it has no ${key.source} component (${
        SOURCE_COMPONENTS[key.source].join(", ")
      })`,
    );
  }
  const features = [...loaded.features];
  const model: EstimatorModel = {
    name,
    kind: "model",
    ...(typeof loaded.metadata.trainer === "string"
      ? { trainer: loaded.metadata.trainer }
      : {}),
    source: key.source,
    outputType: key.outputType,
    featureGroup: key.featureGroup,
    features,
    components,
    ...(typeof loaded.metadata.node_type === "number"
      ? { nodeType: loaded.metadata.node_type }
      : {}),
    origin: key.origin,
    archive: key.archive,
    recorded: loaded.metadata as unknown as Readonly<Record<string, unknown>>,
    predict(frame) {
      missingFeatures({ name, features }, frame);
      const columns = features.map((f) => featureOf(frame, f));
      const out: Partial<Record<Component, ComponentPrediction>> = {};
      for (const c of components) {
        const m = loaded.components[c]!;
        if (isIntervalModel(m)) {
          const { yHat, lo, hi } = m.predictInterval(columns);
          out[c] = { yHat, lo, hi, nominal: m.interval.coverage };
        } else {
          out[c] = { yHat: m.predict(columns) };
        }
      }
      return out;
    },
  };
  return Object.freeze(model);
}

/** Options of {@linkcode weightEstimatorModel}. */
export interface WeightModelOptions {
  /** Model name. Default: the file's `model_name`, else `"weight"`. */
  name?: string;
  /**
   * Energy source. Default: `acpi` for a `platform` file, else
   * `rapl-sysfs`. A source whose components the file lacks is a
   * `RangeError`.
   */
  source?: EnergySource;
  /** Output type. Default: `"AbsPower"`. */
  outputType?: OutputType;
  /**
   * Feature group the input is extracted as. Default: the smallest group
   * that has all the file's features.
   */
  featureGroup?: FeatureGroup;
  /** Where it came from, for messages. Default: `"weight file"`. */
  origin?: string;
}

/**
 * The smallest feature group that has all of `features`, or undefined.
 *
 * @example
 * ```ts
 * import { featureGroupOf } from "./estimator_model.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(featureGroupOf(["bpf_cpu_time_ms"]), "BPFOnly");
 * assertEquals(featureGroupOf(["cpu_cycles", "bpf_cpu_time_ms"]), "Basic");
 * assertEquals(featureGroupOf(["nope"]), undefined);
 * ```
 */
export function featureGroupOf(
  features: readonly string[],
): FeatureGroup | undefined {
  let best: { group: FeatureGroup; size: number } | undefined;
  for (const group of ALL_FEATURE_GROUPS) {
    const have = featureGroupFeatures(group);
    if (have.length === 0 || !features.every((f) => have.includes(f))) {
      continue;
    }
    if (best === undefined || have.length < best.size) {
      best = { group, size: have.length };
    }
  }
  return best?.group;
}

/** The features of a weight file's components, in first-seen order. */
function weightFeatures(
  file: WeightFile,
  components: readonly Component[],
): string[] {
  const features: string[] = [];
  for (const c of components) {
    for (
      const f of Object.keys(
        file.components[c]!.All_Weights.Numerical_Variables,
      )
    ) {
      if (!features.includes(f)) features.push(f);
    }
  }
  return features;
}

/** The feature group of a weight file's features, checked. */
function weightFeatureGroup(
  features: readonly string[],
  origin: string,
  options: WeightModelOptions,
): FeatureGroup {
  const featureGroup = options.featureGroup ?? featureGroupOf(features);
  if (featureGroup === undefined) {
    throw new RangeError(
      `Cannot use weight file ${origin}: its features ${
        features.join(", ")
      } are not all in one feature group`,
    );
  }
  const groupFeatures = featureGroupFeatures(featureGroup);
  const outside = features.filter((f) => !groupFeatures.includes(f));
  if (outside.length > 0) {
    throw new RangeError(
      `Cannot use weight file ${origin} with feature group ${featureGroup}: features ${
        outside.join(", ")
      } are not in it`,
    );
  }
  return featureGroup;
}

/** Kepler's evaluation of a weight file, row by row. */
function weightPredict(
  file: WeightFile,
  curve: KeplerCurve,
  model: {
    name: string;
    features: readonly string[];
    components: readonly Component[];
  },
  frame: Frame,
): Partial<Record<Component, ComponentPrediction>> {
  const { features, components } = model;
  missingFeatures(model, frame);
  const columns = features.map((f) => featureOf(frame, f));
  const n = frame.length ?? columns[0]?.length ?? 0;
  const out: Partial<Record<Component, ComponentPrediction>> = {};
  const values: Record<string, number> = {};
  for (const c of components) {
    const w = file.components[c]!;
    const yHat = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < features.length; j++) {
        values[features[j]!] = columns[j]![i]!;
      }
      yHat[i] = keplerPredict(w, curve, values);
    }
    out[c] = { yHat };
  }
  return out;
}

/**
 * An estimator model of a Kepler weight file's JSON value: each component
 * is `keplerPredict` of the file's weights on the row's raw features,
 * with the predictor Kepler v0.7.12 picks for the model name (linear for
 * SGD and unnamed files; the curve of Logarithmic, Logistic and
 * Exponential). Weight files carry no interval. Throws a `TypeError` for a
 * malformed file and a `RangeError` for a source or feature group that
 * does not fit it.
 *
 * @example
 * ```ts
 * import { weightEstimatorModel } from "./estimator_model.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const model = weightEstimatorModel({ platform: { All_Weights: { Bias_Weight: 10, Categorical_Variables: {},
 *   Numerical_Variables: { bpf_cpu_time_ms: { scale: 100, weight: 50 } } } } });
 * assertEquals([model.source, model.featureGroup, model.components], ["acpi", "BPFOnly", ["platform"]]);
 * const frame = { featureNames: ["bpf_cpu_time_ms", "bpf_page_cache_hit"],
 *   features: { bpf_cpu_time_ms: Float64Array.of(0, 50), bpf_page_cache_hit: Float64Array.of(0, 0) } } as never;
 * assertEquals([...model.predict(frame).platform!.yHat], [10, 35]); // 10 + 50 · x/100
 * ```
 */
export function weightEstimatorModel(
  json: unknown,
  options: WeightModelOptions = {},
): EstimatorModel {
  const origin = options.origin ?? "weight file";
  const file = readWeightFile(json, origin);
  const name = options.name ?? file.modelName ?? "weight";
  const platform = file.components.platform !== undefined;
  const source = options.source ?? (platform ? "acpi" : "rapl-sysfs");
  const components = SOURCE_COMPONENTS[source].filter((c) =>
    file.components[c] !== undefined
  );
  if (components.length === 0) {
    throw new RangeError(
      `Cannot use weight file ${origin} for ${source}: it has weights for ${
        Object.keys(file.components).join(", ")
      }, not ${SOURCE_COMPONENTS[source].join(", ")}`,
    );
  }
  const features = weightFeatures(file, components);
  const featureGroup = weightFeatureGroup(features, origin, options);
  const curve = keplerCurveOf(file.modelName ?? name);
  const outputType = options.outputType ?? "AbsPower";
  const metadata = {
    model_name: name,
    source_file: origin,
    features,
    output_type: outputType,
    energy_source: source,
    feature_group: featureGroup,
    kepler_predictor: curve,
  };
  const recordedMae = typeof json === "object" && json !== null &&
      typeof (json as { mae?: unknown }).mae === "number"
    ? (json as { mae: number }).mae
    : undefined;
  const enc = new TextEncoder();
  const archive = zipEntries({
    "weight.json": enc.encode(JSON.stringify(toV0711WeightJson(file))),
    "metadata.json": enc.encode(JSON.stringify(metadata)),
  });
  const model: EstimatorModel = {
    name,
    kind: "weight",
    ...(file.modelName
      ? { trainer: modelTrainer({}, file.modelName) ?? file.modelName }
      : {}),
    source,
    outputType,
    featureGroup,
    features,
    components,
    origin,
    archive,
    ...(recordedMae === undefined ? {} : { recorded: { mae: recordedMae } }),
    predict: (frame) =>
      weightPredict(file, curve, { name, features, components }, frame),
  };
  return Object.freeze(model);
}
