/**
 * The estimator's static models: upstream's `<LEVEL>_<COVERAGE>_INIT_URL`
 * settings (`NODE_COMPONENTS_INIT_URL=https://…/SGDRegressorTrainer_0.zip`,
 * from the environment, a configuration file or Kepler's `MODEL_CONFIG`).
 * A request on the estimator socket for the energy source and output type
 * of a setting is answered by the model at its URL, not by a selection
 * among the served pipelines.
 *
 * What each key stands for is Kepler's: the coverage `TOTAL` is the
 * platform power (`acpi`), `COMPONENTS` the RAPL components
 * (`rapl-sysfs`); the level `NODE` asks for AbsPower, `CONTAINER` and
 * `PROCESS` for DynPower (Kepler's node estimators are absolute, its
 * process ones dynamic). Upstream's estimator matched only the energy
 * source, so a NODE URL also answered DynPower requests; here each key
 * answers its own output type, and a model whose metadata says another
 * output type is refused.
 *
 * The URL is `http(s)` or `file`, and names a model zip or a Kepler weight
 * file (`.json`). kepler-model-db's zips hold scikit-learn pickles, which
 * kepler-model does not run; for those the weight file published beside
 * the zip (the same URL ending in `.json`) is used, evaluated as Kepler's
 * local estimator evaluates it. The feature group is the URL's folder
 * (kepler-model-db's layout), else the group whose features are the
 * model's.
 *
 * @module
 */
import {
  ALL_FEATURE_GROUPS,
  type EnergySource,
  FEATURE_GROUP_FEATURES,
  type FeatureGroup,
  type OutputType,
} from "../types.ts";
import { parseJsonText } from "../io/json.ts";
import { unzipEntries, type ZipEntries, type ZipLimits } from "../io/zip.ts";
import { downloadBytes, type DownloadLimits } from "./_download.ts";
import { isObject } from "./_fields.ts";
import { loadPipelineZip, type ServedModel } from "./pipeline_catalog.ts";
import { INIT_URL_TARGETS } from "../vocabulary/model_config.ts";

/** One static model, loaded. */
export interface InitUrlModel {
  /** The setting, e.g. `NODE_COMPONENTS_INIT_URL`, or `"the model server"`. */
  readonly key: string;
  /** Its URL. */
  readonly url: string;
  /** The URL the model was read from (the weight file beside a pickled zip). */
  readonly readFrom: string;
  /** The model. */
  readonly model: ServedModel;
}

/** Limits of {@linkcode loadInitUrlModel}. */
export interface InitUrlOptions extends DownloadLimits {
  /**
   * Bounds on what a zip may inflate to.
   *
   * @default {ZIP_LIMITS} 1 GiB, 10,000 entries, ratio 200
   */
  zipLimits?: ZipLimits;
}

/** The model name of a URL: its file name cut at the first `.`, as Kepler's. */
function modelNameOf(url: URL): string {
  const file = decodeURIComponent(url.pathname.split("/").pop() ?? "");
  return file.split(".")[0] ?? "";
}

/** The features a model zip's metadata or a weight file lists. */
/**
 * The `metadata.json` of a model zip, parsed (`{}` when it has none).
 * Throws naming `origin` when the zip or the JSON is corrupt.
 */
export function zipMetadata(
  zip: Uint8Array,
  origin: string,
): Record<string, unknown> {
  const meta = unzipEntries(zip, origin)["metadata.json"];
  const parsed = meta && parseJsonText(new TextDecoder().decode(meta), origin);
  return isObject(parsed) ? parsed : {};
}

function featuresOf(entries: ZipEntries, name: string): string[] {
  const text = (path: string) => new TextDecoder().decode(entries[path]);
  const zip = entries[`${name}.zip`];
  if (zip !== undefined) {
    const { features } = zipMetadata(zip, name);
    return Array.isArray(features) ? features.map(String) : [];
  }
  const weights = parseJsonText(text(`${name}.json`), name);
  const first = isObject(weights)
    ? Object.values(weights).find(isObject)
    : undefined;
  const all = isObject(first) ? first.All_Weights : undefined;
  return isObject(all) && isObject(all.Numerical_Variables)
    ? Object.keys(all.Numerical_Variables)
    : [];
}

/** The feature group: the folder named, else the group of the features. */
function featureGroupOf(
  folder: string,
  entries: ZipEntries,
  name: string,
  origin: string,
): FeatureGroup {
  const named = ALL_FEATURE_GROUPS.find((g) => g === folder);
  if (named !== undefined) return named;
  const features = new Set(featuresOf(entries, name));
  const group = ALL_FEATURE_GROUPS.find((g) => {
    const f = FEATURE_GROUP_FEATURES[g];
    return f.length === features.size && f.every((x) => features.has(x));
  });
  if (group === undefined) {
    throw new RangeError(
      `cannot tell the feature group of ${origin}: it is in no feature group folder and its features (${
        [...features].join(",")
      }) are those of no group`,
    );
  }
  return group;
}

/** What a model's files are for and where they came from. */
export interface ModelFilesOrigin {
  /** What asked for it, in messages and as the pipeline's name. */
  readonly label: string;
  /** The energy source it must answer for. */
  readonly source: EnergySource;
  /** The output type it must answer for. */
  readonly outputType: OutputType;
  /** Where the files came from (a URL). */
  readonly origin: string;
  /** A feature group named by the origin (its folder), or `""`. */
  readonly folder: string;
}

/**
 * The one model of `entries` (`<name>.zip` and/or the weight file
 * `<name>.json`), read as a pipeline in memory; a string says why there is
 * none. Throws when the model's metadata names another output type.
 */
export async function modelFromFiles(
  o: ModelFilesOrigin,
  entries: ZipEntries,
  name: string,
  options: InitUrlOptions,
): Promise<ServedModel | string> {
  const group = featureGroupOf(o.folder, entries, name, o.origin);
  const folder = `${o.source}/${o.outputType}/${group}`;
  const files: ZipEntries = {
    "metadata.json": new TextEncoder().encode("{}"),
  };
  for (const [file, bytes] of Object.entries(entries)) {
    files[`${folder}/${file}`] = bytes;
  }
  const pipeline = await loadPipelineZip(files, {
    name: o.label.toLowerCase().replace(/[^a-z0-9_.-]+/g, "-"),
    origin: o.origin,
    ...(options.zipLimits ? { zipLimits: options.zipLimits } : {}),
  });
  const model = pipeline.models[0];
  if (model === undefined) {
    return pipeline.warnings.join("; ") || "no model in it";
  }
  const declared = model.metadata.output_type;
  if (typeof declared === "string" && declared !== o.outputType) {
    throw new RangeError(
      `${o.label} asks for a ${o.outputType} model, and the model at ${o.origin} is ${declared}`,
    );
  }
  return model;
}

/**
 * Downloads and reads the model of one `<LEVEL>_<COVERAGE>_INIT_URL`
 * setting. Throws, with the key and URL in the message, when the key is
 * unknown, the URL cannot be read, or it holds no model kepler-model can
 * evaluate.
 *
 * @param key The setting, one of {@linkcode INIT_URL_TARGETS}.
 * @param url Its `http(s)` or `file` URL of a model zip or weight file.
 * @param options Time and size limits.
 * @returns The loaded model.
 * @throws {RangeError} when the key is unknown, the URL is not http(s) or
 *   file, or its model cannot be evaluated.
 *
 * @example
 * ```ts
 * import { loadInitUrlModel } from "./init_url_models.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const weights = { platform: { All_Weights: { Bias_Weight: 50, Categorical_Variables: {},
 *   Numerical_Variables: { bpf_cpu_time_ms: { scale: 1000, weight: 2 } } } } };
 * await Deno.mkdir(`${dir}/BPFOnly`);
 * await Deno.writeTextFile(`${dir}/BPFOnly/SGDRegressorTrainer_0.json`, JSON.stringify(weights));
 * const m = await loadInitUrlModel("NODE_TOTAL_INIT_URL", `file://${dir}/BPFOnly/SGDRegressorTrainer_0.json`);
 * assertEquals([m.model.name, m.model.source, m.model.outputType, m.model.featureGroup],
 *   ["SGDRegressorTrainer_0", "acpi", "AbsPower", "BPFOnly"]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function loadInitUrlModel(
  key: string,
  url: string,
  options: InitUrlOptions = {},
): Promise<InitUrlModel> {
  if (INIT_URL_TARGETS[key] === undefined) {
    throw new RangeError(`${key} is not a model URL setting`);
  }
  try {
    return await loadFrom(key, url, options);
  } catch (error) {
    const message = (error as Error).message;
    if (message.includes(key)) throw error;
    throw new RangeError(`${key}=${url}: ${message}`, { cause: error });
  }
}

/** {@linkcode loadInitUrlModel} for a known key. */
async function loadFrom(
  key: string,
  url: string,
  options: InitUrlOptions,
): Promise<InitUrlModel> {
  const parsed = new URL(url);
  if (!["http:", "https:", "file:"].includes(parsed.protocol)) {
    throw new RangeError(
      `${key}=${url}: only http, https and file URLs are supported`,
    );
  }
  const name = modelNameOf(parsed);
  const kind = parsed.pathname.endsWith(".json") ? "json" : "zip";
  const origin: ModelFilesOrigin = {
    label: key,
    ...INIT_URL_TARGETS[key]!,
    origin: url,
    folder: parsed.pathname.split("/").slice(-2)[0] ?? "",
  };
  const entries: ZipEntries = {
    [`${name}.${kind}`]: await downloadBytes(url, `${key} model`, options),
  };
  const first = await modelFromFiles(origin, entries, name, options);
  if (typeof first !== "string" && first.estimable) {
    return { key, url, readFrom: url, model: first };
  }
  if (kind === "zip") {
    // kepler-model-db's zips hold pickles: the weight file beside it
    const beside = new URL(parsed.href);
    beside.pathname = beside.pathname.replace(/\.zip$/i, ".json");
    try {
      const weights = await downloadBytes(beside.href, `${key} model`, options);
      const second = await modelFromFiles(
        origin,
        { ...entries, [`${name}.json`]: weights },
        name,
        options,
      );
      if (typeof second !== "string" && second.estimable) {
        return { key, url, readFrom: beside.href, model: second };
      }
    } catch { /* reported below with the zip's own reason */ }
  }
  throw new RangeError(
    `${key}=${url}: ${
      typeof first === "string"
        ? first
        : `its model cannot be evaluated here (scikit-learn pickles, which kepler-model does not run${
          kind === "zip" ? ", and no Kepler weight file beside it" : ""
        })`
    }`,
  );
}
