/**
 * What the model server serves: each pipeline read into memory as a list of
 * models with their metadata, weight reply and a way to fetch their archive
 * or fitted model. Three layouts are read, from a folder or from a pipeline
 * zip held in memory:
 *
 * - ours after `train` (and upstream's after unpacking):
 *   `<source>/<ot>/<FG>/<Trainer>_<nt>/{metadata.json, weight.json, ...}`
 *   plus `<Trainer>_<nt>.zip` beside the folder;
 * - kepler-model-db's (exported, published): `<source>/<ot>/<FG>/`
 *   `<Trainer>_<nt>.json` (the weight file) and/or `<Trainer>_<nt>.zip`,
 *   with the metadata in `<source>_<ot>_model_metadata.csv`;
 * - a mix (a model with only a zip gets its metadata from inside it).
 *
 * A pipeline is a folder with `metadata.json`. Paths are built from the
 * vocabulary and from directory listings, never from a client's input.
 * Models that cannot be read are skipped with a warning; they do not stop
 * the pipeline.
 *
 * @module
 */
import { parseJsonText } from "../io/json.ts";
import { basename } from "node:path";
import {
  checkZip,
  entryText,
  unzipEntries,
  type ZipEntries,
  zipEntries,
  type ZipLimits,
} from "../io/zip.ts";
import {
  type Component,
  type EnergySource,
  FEATURE_GROUP_FEATURES,
  type FeatureGroup,
  type MachineSpec,
  type OutputType,
} from "../types.ts";
import {
  type KeplerWeights,
  readWeightFile,
  toV0711WeightJson,
} from "../pipeline/kepler_weight_file.ts";
import type { NodeTypeIndex } from "../pipeline/node_type_index.ts";
import {
  dirSource,
  type PipelineSource,
  zipSource,
} from "../pipeline/pipeline_source.ts";
import { listPipelineNames } from "../pipeline/list_pipelines.ts";
import { type PipelineModel, readPipeline } from "../pipeline/read_pipeline.ts";
import {
  type LoadedModel,
  readModelZipEntries,
} from "../train/loaded_model.ts";
import { checkPipelineName, isObject } from "./_fields.ts";

/** One servable model. */
export interface ServedModel {
  /** Its pipeline's name. */
  readonly pipeline: string;
  /** Energy source. */
  readonly source: EnergySource;
  /** Output type. */
  readonly outputType: OutputType;
  /** Feature group (its folder). */
  readonly featureGroup: FeatureGroup;
  /** `<Trainer>_<node type>`. */
  readonly name: string;
  /** Trainer name. */
  readonly trainer: string;
  /** Node type (a number, never matched as a substring). */
  readonly nodeType: number;
  /** Input features, in model order. */
  readonly features: readonly string[];
  /** Model metadata (errors for ranking and filters). */
  readonly metadata: Readonly<Record<string, unknown>>;
  /** Machine spec of its node type, when known. */
  readonly machineSpec?: Readonly<MachineSpec>;
  /** Kepler weights per component, when the model has a weight file. */
  readonly weights?: Readonly<Partial<Record<Component, KeplerWeights>>>;
  /** The weight reply: component keys only (Kepler v0.7.11's form). */
  readonly weightBody?: Uint8Array<ArrayBuffer>;
  /** Whether an archive (zip) can be served. */
  readonly hasArchive: boolean;
  /** Whether `POST /estimate` can evaluate it (JSON models or weights). */
  readonly estimable: boolean;
  /** The model's zip archive. */
  archive(): Promise<Uint8Array<ArrayBuffer> | undefined>;
  /**
   * The fitted models (JSON models with their intervals), loaded on first
   * use; undefined for weight-only or pickled models.
   */
  load(): Promise<LoadedModel | undefined>;
}

/** A pipeline in memory. */
export interface ServedPipeline {
  /** Pipeline name (its folder or zip name). */
  readonly name: string;
  /** Where it was read from (folder or URL). */
  readonly origin: string;
  /** `"dir"` (MODEL_PATH) or `"url"` (INITIAL_PIPELINE_URL). */
  readonly kind: "dir" | "url";
  /** The pipeline's `metadata.json`. */
  readonly metadata: Readonly<Record<string, unknown>>;
  /** Its node type index (empty when it has none). */
  readonly nodeTypeIndex: NodeTypeIndex;
  /** Its models. */
  readonly models: readonly ServedModel[];
  /** Energy sources it has models for. */
  readonly sources: readonly EnergySource[];
  /** Models or files that were skipped, and why. */
  readonly warnings: readonly string[];
  /** When it was loaded (ms since the epoch). */
  readonly loadedAt: number;
}

function specOf(value: unknown): MachineSpec | undefined {
  if (!isObject(value)) return undefined;
  return value as unknown as MachineSpec;
}

/** Whether a model dict lists only JSON models (no pickles, no transforms). */
function jsonModelDict(text: string | undefined): boolean {
  if (text === undefined) return false;
  try {
    const dict = JSON.parse(text);
    if (!isObject(dict)) return false;
    const entries = Object.values(dict);
    return entries.length > 0 &&
      entries.every((e) =>
        isObject(e) && typeof e.model_file === "string" &&
        e.model_file.endsWith(".json") &&
        (!Array.isArray(e.fe_files) || e.fe_files.length === 0)
      );
  } catch {
    return false;
  }
}

/** The model dict `<model>.json`: in its folder, else in its zip. */
async function modelDictText(m: PipelineModel): Promise<string | undefined> {
  const dict = `${m.name}.json`;
  const text = await m.readFolderText(dict);
  if (text !== undefined || m.forms.zip === undefined) return text;
  const entries = await m.zipEntries();
  return entries === undefined ? undefined : entryText(entries, dict);
}

/** Its Kepler weights (v0.7.11's form), or undefined with a warning. */
async function weightsOf(
  m: PipelineModel,
  warnings: string[],
): Promise<Partial<Record<Component, KeplerWeights>> | undefined> {
  const file = await m.readWeight();
  if (file === undefined) return undefined;
  const where = file.path;
  try {
    return toV0711WeightJson(
      readWeightFile(parseJsonText(file.text, where), where),
    );
  } catch (error) {
    warnings.push(`${where}: weight file skipped: ${(error as Error).message}`);
    return undefined;
  }
}

/** Its fitted models, from its folder or else its zip. */
async function loadFitted(
  m: PipelineModel,
  origin: string,
  limits: ZipLimits | undefined,
): Promise<LoadedModel | undefined> {
  const { folder, zip } = m.forms;
  let entries: ZipEntries = await m.collectFolder();
  if (Object.keys(entries).length === 0 && zip !== undefined) {
    const bytes = await m.readZip();
    if (bytes !== undefined) {
      entries = unzipEntries(bytes, `${origin}/${zip}`, limits);
    }
  }
  if (Object.keys(entries).length === 0) return undefined;
  const loaded = readModelZipEntries(entries, `${origin}/${folder ?? zip}`);
  return Object.keys(loaded.components).length > 0 ? loaded : undefined;
}

/** Its archive: its zip, else its folder zipped. */
async function archiveOf(
  m: PipelineModel,
): Promise<Uint8Array<ArrayBuffer> | undefined> {
  const bytes = await m.readZip();
  if (bytes !== undefined) return bytes as Uint8Array<ArrayBuffer>;
  const entries = await m.collectFolder();
  if (Object.keys(entries).length > 0) {
    return zipEntries(entries) as Uint8Array<ArrayBuffer>;
  }
  return undefined;
}

/** Known metadata fields and the type each must have when present. */
const METADATA_TYPES: readonly (readonly [string, string])[] = [
  ["model_name", "string"],
  ["trainer", "string"],
  ["mae", "number"],
  ["mape", "number"],
  ["node_type", "number"],
  ["features", "list of strings"],
  ["machine_spec", "object"],
];

/** Throws a `TypeError` for a metadata field of the wrong type. */
function checkMetadataTypes(m: PipelineModel): void {
  if (m.metadataFrom !== "folder" && m.metadataFrom !== "zip") return;
  for (const [field, type] of METADATA_TYPES) {
    const v = m.metadata[field];
    if (v === undefined || v === null) continue;
    const ok = type === "list of strings"
      ? Array.isArray(v) && v.every((f) => typeof f === "string")
      : type === "object"
      ? isObject(v)
      : type === "number"
      ? typeof v === "number" && Number.isFinite(v)
      : typeof v === "string";
    if (!ok) {
      throw new TypeError(
        `its metadata.json has ${field} = ${
          JSON.stringify(v)?.slice(0, 40)
        }, expected a ${type}`,
      );
    }
  }
}

/** Throws a `SyntaxError` when the model's zip is not a readable archive. */
async function checkModelZip(m: PipelineModel, origin: string): Promise<void> {
  if (m.forms.zip === undefined) return;
  const bytes = await m.readZip();
  if (bytes === undefined) return;
  checkZip(bytes, `${origin}/${m.forms.zip}`);
}

async function servedModel(
  m: PipelineModel,
  pipeline: {
    name: string;
    origin: string;
    index: NodeTypeIndex;
    zipLimits?: ZipLimits;
  },
  warnings: string[],
): Promise<ServedModel | undefined> {
  if (m.metadataError !== undefined) throw m.metadataError;
  checkMetadataTypes(m);
  await checkModelZip(m, pipeline.origin);
  const dictText = await modelDictText(m);
  const weights = await weightsOf(m, warnings);
  const { folder, zip } = m.forms;
  if (folder === undefined && zip === undefined && weights === undefined) {
    return undefined;
  }
  const nodeType = m.nodeType!;
  const features = m.features ??
    (weights
      ? Object.keys(
        Object.values(weights)[0]?.All_Weights.Numerical_Variables ?? {},
      )
      : undefined) ??
    [...FEATURE_GROUP_FEATURES[m.featureGroup]];
  const machineSpec = specOf(m.metadata.machine_spec) ??
    pipeline.index[String(nodeType)]?.attrs;
  const estimableDict = jsonModelDict(dictText);
  // loaded now, so a model whose files do not load is skipped here rather
  // than failing a request later
  const fitted = estimableDict
    ? await loadFitted(m, pipeline.origin, pipeline.zipLimits)
    : undefined;
  return {
    pipeline: pipeline.name,
    source: m.source,
    outputType: m.outputType,
    featureGroup: m.featureGroup,
    name: m.name,
    trainer: m.trainer!,
    nodeType,
    features: [...features],
    metadata: m.metadata,
    ...(machineSpec ? { machineSpec } : {}),
    ...(weights
      ? {
        weights,
        weightBody: new TextEncoder().encode(JSON.stringify(weights)),
      }
      : {}),
    hasArchive: zip !== undefined || folder !== undefined,
    estimable: weights !== undefined || estimableDict,
    archive: () => archiveOf(m),
    load: () => Promise.resolve(fitted),
  };
}

/** Options of {@linkcode loadPipelineDir} and {@linkcode loadPipelineZip}. */
export interface LoadPipelineOptions {
  /**
   * Pipeline name.
   *
   * @default {undefined} the folder name or the URL's file name
   */
  name?: string;
  /**
   * Bounds on inflating the pipeline zip and its model zips, checked from
   * their central directories before anything is inflated.
   *
   * @default {ZIP_LIMITS} 1 GiB, 10,000 entries, ratio 200
   */
  zipLimits?: ZipLimits;
}

async function loadPipeline(
  tree: PipelineSource,
  name: string,
  kind: "dir" | "url",
): Promise<ServedPipeline> {
  checkPipelineName(name);
  const read = await readPipeline(tree);
  if (read.metadata === undefined) {
    throw new TypeError(
      `Cannot serve ${tree.origin}: it has no metadata.json, so it is not a pipeline`,
    );
  }
  const index = read.nodeTypeIndex ?? {};
  // the pipeline's warnings and each model's, in reading order
  const warnings: string[] = [];
  let own = 0; // warnings of the models (the rest are the pipeline's)
  const catchUp = (n: number) =>
    warnings.push(...read.warnings.slice(warnings.length - own, n));
  const models: ServedModel[] = [];
  for (const m of read.models) {
    catchUp(m.warningsBefore);
    const before = warnings.length;
    try {
      const served = await servedModel(
        m,
        {
          name,
          origin: tree.origin,
          index,
          ...(tree.zipLimits ? { zipLimits: tree.zipLimits } : {}),
        },
        warnings,
      );
      if (served !== undefined) models.push(served);
    } catch (error) {
      warnings.push(
        `${tree.origin}/${m.group}/${m.name}: skipped: ${
          (error as Error).message
        }`,
      );
    }
    own += warnings.length - before;
  }
  catchUp(read.warnings.length);
  return {
    name,
    origin: tree.origin,
    kind,
    metadata: read.metadata ?? {},
    nodeTypeIndex: index,
    models,
    sources: [...new Set(models.map((m) => m.source))],
    warnings,
    loadedAt: Date.now(),
  };
}

/**
 * Reads a pipeline folder (under MODEL_PATH). Throws a `TypeError` when the
 * folder is not a pipeline (no metadata.json) and a `RangeError` when its
 * name is not a valid pipeline name.
 *
 * @param dir The pipeline folder, e.g. `<MODEL_PATH>/std_v0.7.11`.
 * @param options The pipeline's name, when not the folder's.
 * @returns The pipeline's metadata, node type index and servable models
 *   (kind `"dir"`), with a warning for each model skipped.
 * @throws {TypeError} when the folder has no metadata.json.
 * @throws {RangeError} when the name is not a valid pipeline name.
 *
 * @example
 * ```ts
 * import { loadPipelineDir } from "./pipeline_catalog.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await Deno.mkdir(`${dir}/p/acpi/AbsPower/BPFOnly`, { recursive: true });
 * await Deno.writeTextFile(`${dir}/p/metadata.json`, '{"name": "p"}');
 * await Deno.writeTextFile(`${dir}/p/acpi/AbsPower/BPFOnly/SGDRegressorTrainer_0.json`,
 *   '{"platform": {"All_Weights": {"Bias_Weight": 1, "Categorical_Variables": {}, "Numerical_Variables": {"bpf_cpu_time_ms": {"scale": 2, "weight": 3}}}}}');
 * const p = await loadPipelineDir(`${dir}/p`);
 * assertEquals(p.models.map((m) => [m.name, m.nodeType, m.estimable]), [["SGDRegressorTrainer_0", 0, true]]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function loadPipelineDir(
  dir: string,
  options: LoadPipelineOptions = {},
): Promise<ServedPipeline> {
  const source = dirSource(dir);
  return await loadPipeline(
    options.zipLimits ? { ...source, zipLimits: options.zipLimits } : source,
    options.name ?? basename(dir),
    "dir",
  );
}

/** Entries a server keeps from a pipeline zip (no training data). */
function servedEntry(path: string): boolean {
  return !path.startsWith("preprocessed_data/") &&
    !path.includes("/checkpoint/") && !path.startsWith("profile/");
}

/**
 * Reads a pipeline from the bytes (or entries) of its zip, kept in memory
 * (nothing is written to disk). Training data in the zip is dropped. Throws
 * a `SyntaxError` for a corrupt zip, a `RangeError` for an entry that would
 * leave the pipeline and a `TypeError` when it has no metadata.json.
 *
 * @param zip The zip's bytes, or its entries already unzipped.
 * @param options The pipeline's name and where the zip came from (for
 *   messages); the name defaults to the origin's file name without `.zip`.
 * @returns The pipeline's metadata, node type index and servable models
 *   (kind `"url"`), with a warning for each model skipped.
 * @throws {SyntaxError} when the zip is corrupt.
 * @throws {RangeError} when an entry would leave the pipeline or the name
 *   is not a valid pipeline name.
 * @throws {TypeError} when the zip has no metadata.json.
 *
 * @example
 * ```ts
 * import { loadPipelineZip } from "./pipeline_catalog.ts";
 * import { zipEntries } from "../io/zip.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const text = (s: string) => new TextEncoder().encode(s);
 * const zip = zipEntries({ "metadata.json": text('{"name": "z"}'),
 *   "acpi/AbsPower/BPFOnly/SGDRegressorTrainer_3.json": text(
 *     '{"platform": {"All_Weights": {"Bias_Weight": 1, "Categorical_Variables": {}, "Numerical_Variables": {}}}}') });
 * const p = await loadPipelineZip(zip, { name: "z" });
 * assertEquals(p.models.map((m) => m.nodeType), [3]);
 * ```
 */
export async function loadPipelineZip(
  zip: Uint8Array | ZipEntries,
  options: LoadPipelineOptions & { origin?: string } = {},
): Promise<ServedPipeline> {
  const origin = options.origin ?? options.name ?? "pipeline zip";
  const entries = zip instanceof Uint8Array
    ? unzipEntries(zip, origin, options.zipLimits)
    : zip;
  const name = options.name ?? basename(origin).replace(/\.zip$/, "");
  const source = zipSource(entries, origin, servedEntry);
  return await loadPipeline(
    options.zipLimits ? { ...source, zipLimits: options.zipLimits } : source,
    name,
    "url",
  );
}

/**
 * The pipelines under MODEL_PATH: folders with a valid name and a
 * `metadata.json`. A missing MODEL_PATH has none.
 *
 * @example
 * ```ts
 * import { listPipelineDirs } from "./pipeline_catalog.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await Deno.mkdir(`${dir}/p`);
 * await Deno.writeTextFile(`${dir}/p/metadata.json`, "{}");
 * await Deno.mkdir(`${dir}/not_a_pipeline`);
 * assertEquals(await listPipelineDirs(dir), ["p"]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function listPipelineDirs(modelPath: string): Promise<string[]> {
  try {
    return await listPipelineNames(modelPath, {
      accept: (name) => {
        try {
          checkPipelineName(name);
          return true;
        } catch {
          return false;
        }
      },
    });
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
}
