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
import { basename } from "node:path";
import { parseCsv } from "../io/csv.ts";
import {
  entryText,
  unzipEntries,
  type ZipEntries,
  zipEntries,
} from "../io/zip.ts";
import {
  exportedWeightFile,
  groupDir,
  MODEL_FILES,
  modelDictFile,
  modelDir,
  modelFile,
  modelMetadataCsv,
  modelZip,
  parseModelName,
  pipelineDir,
  pipelineFile,
} from "../layout.ts";
import {
  ALL_FEATURE_GROUPS,
  type Component,
  ENERGY_SOURCES,
  type EnergySource,
  FEATURE_GROUP_FEATURES,
  type FeatureGroup,
  type MachineSpec,
  OUTPUT_TYPES,
  type OutputType,
} from "../types.ts";
import {
  readWeightFile,
  toV0711WeightJson,
} from "../pipeline/kepler_weight_file.ts";
import type { KeplerWeights } from "../train/model.ts";
import { type LoadedModel, readModelZipEntries } from "../train/loaded_model.ts";
import {
  checkNodeTypeIndex,
  type NodeTypeIndex,
} from "../pipeline/node_type_index.ts";
import { checkPipelineName, isObject } from "./_fields.ts";
import {
  dirSource as dirTree,
  type PipelineSource as PipelineTree,
  zipSource as zipTree,
} from "../pipeline/pipeline_source.ts";

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

const MODEL_NAME = /^[A-Za-z][A-Za-z0-9_]{0,127}_-?\d{1,9}$/;

/** Reads Python's repr of a list of strings (`['a', 'b']`). */
function pythonList(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/'([^']*)'|"([^"]*)"/g)) {
    out.push((m[1] ?? m[2]) as string);
  }
  return out;
}

function csvValue(cell: string): unknown {
  const t = cell.trim();
  if (t === "") return undefined;
  if (/^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t)) return Number(t);
  if (t.startsWith("[")) return pythonList(t);
  return t;
}

/** Rows of a `<source>_<ot>_model_metadata.csv`, by `<FG>/<model_name>`. */
function csvRows(
  text: string,
  origin: string,
): Map<string, Record<string, unknown>> {
  const table = parseCsv(text, origin);
  const out = new Map<string, Record<string, unknown>>();
  const col = (name: string) => table.header.indexOf(name);
  const nameAt = col("model_name"), fgAt = col("feature_group");
  if (nameAt < 0) return out;
  for (const row of table.rows) {
    const record: Record<string, unknown> = {};
    table.header.forEach((h, i) => {
      if (h === "" || h.startsWith("Unnamed")) return;
      const v = csvValue(row[i] ?? "");
      if (v !== undefined) record[h] = v;
    });
    out.set(`${fgAt < 0 ? "" : row[fgAt]}/${row[nameAt]}`, record);
  }
  return out;
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new SyntaxError(
      `Cannot parse ${where} as JSON: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

function featuresOf(value: unknown): string[] | undefined {
  if (Array.isArray(value) && value.every((v) => typeof v === "string")) {
    return value as string[];
  }
  if (typeof value === "string" && value.startsWith("[")) {
    return pythonList(value);
  }
  return undefined;
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

interface ModelFiles {
  folder?: string;
  zip?: string;
  weight?: string;
}

async function loadModelEntry(
  tree: PipelineTree,
  pipeline: string,
  key: {
    source: EnergySource;
    outputType: OutputType;
    featureGroup: FeatureGroup;
  },
  name: string,
  files: ModelFiles,
  context: {
    csv: Map<string, Record<string, unknown>>;
    index: NodeTypeIndex;
    warnings: string[];
  },
): Promise<ServedModel | undefined> {
  const parsed = parseModelName(name)!;
  let metadata: Record<string, unknown> | undefined;
  let dictText: string | undefined;
  if (files.folder !== undefined) {
    const text = await tree.readText(modelFile(files.folder, "metadata"));
    if (text !== undefined) {
      const m = parseJson(text, `${tree.origin}/${files.folder}/metadata.json`);
      if (isObject(m)) metadata = m;
    }
    dictText = await tree.readText(modelDictFile(files.folder, name));
  }
  metadata ??= context.csv.get(`${key.featureGroup}/${name}`);
  if (
    files.zip !== undefined &&
    (metadata === undefined || dictText === undefined)
  ) {
    const bytes = await tree.read(files.zip);
    if (bytes !== undefined) {
      const zipContent = unzipEntries(bytes, `${tree.origin}/${files.zip}`);
      const text = entryText(zipContent, MODEL_FILES.metadata);
      if (metadata === undefined && text !== undefined) {
        const m = parseJson(text, `${tree.origin}/${files.zip}:metadata.json`);
        if (isObject(m)) metadata = m;
      }
      dictText ??= entryText(zipContent, `${name}.json`);
    }
  }
  metadata = { ...(metadata ?? { model_name: name }) };

  let weights: Partial<Record<Component, KeplerWeights>> | undefined;
  let weightPath = files.folder === undefined
    ? undefined
    : modelFile(files.folder, "weight");
  let weightText = weightPath === undefined
    ? undefined
    : await tree.readText(weightPath);
  if (weightText === undefined && files.weight !== undefined) {
    weightPath = files.weight;
    weightText = await tree.readText(files.weight);
  }
  if (weightText !== undefined) {
    const where = `${tree.origin}/${weightPath}`;
    try {
      weights = toV0711WeightJson(
        readWeightFile(parseJson(weightText, where), where),
      );
    } catch (error) {
      context.warnings.push(
        `${where}: weight file skipped: ${(error as Error).message}`,
      );
    }
  }
  if (
    files.folder === undefined && files.zip === undefined &&
    weights === undefined
  ) {
    return undefined;
  }
  const nodeType = typeof metadata.node_type === "number" &&
      Number.isInteger(metadata.node_type)
    ? metadata.node_type
    : parsed.nodeType;
  const features = featuresOf(metadata.features) ??
    (weights
      ? Object.keys(
        Object.values(weights)[0]?.All_Weights.Numerical_Variables ?? {},
      )
      : undefined) ??
    [...FEATURE_GROUP_FEATURES[key.featureGroup]];
  const machineSpec = specOf(metadata.machine_spec) ??
    context.index[String(nodeType)]?.attrs;
  const folder = files.folder, zip = files.zip;
  const estimableDict = jsonModelDict(dictText);
  let loaded: Promise<LoadedModel | undefined> | undefined;
  const model: ServedModel = {
    pipeline,
    ...key,
    name,
    trainer: typeof metadata.trainer === "string"
      ? metadata.trainer
      : parsed.trainer,
    nodeType,
    features,
    metadata,
    ...(machineSpec ? { machineSpec } : {}),
    ...(weights
      ? {
        weights,
        weightBody: new TextEncoder().encode(JSON.stringify(weights)),
      }
      : {}),
    hasArchive: zip !== undefined || folder !== undefined,
    estimable: weights !== undefined || estimableDict,
    async archive() {
      if (zip !== undefined) {
        const bytes = await tree.read(zip);
        if (bytes !== undefined) return bytes as Uint8Array<ArrayBuffer>;
      }
      if (folder !== undefined) {
        const entries = await tree.collect(folder);
        if (Object.keys(entries).length > 0) {
          return zipEntries(entries) as Uint8Array<ArrayBuffer>;
        }
      }
      return undefined;
    },
    load() {
      loaded ??= (async () => {
        if (!estimableDict) return undefined;
        let entries: ZipEntries = folder === undefined
          ? {}
          : await tree.collect(folder);
        if (Object.keys(entries).length === 0 && zip !== undefined) {
          const bytes = await tree.read(zip);
          if (bytes !== undefined) {
            entries = unzipEntries(bytes, `${tree.origin}/${zip}`);
          }
        }
        if (Object.keys(entries).length === 0) return undefined;
        const m = readModelZipEntries(
          entries,
          `${tree.origin}/${folder ?? zip}`,
        );
        return Object.keys(m.components).length > 0 ? m : undefined;
      })();
      return loaded;
    },
  };
  return model;
}

/** Options of {@linkcode loadPipelineDir} and {@linkcode loadPipelineZip}. */
export interface LoadPipelineOptions {
  /** Pipeline name. Default: the folder name or the URL's file name. */
  name?: string;
}

async function loadPipeline(
  tree: PipelineTree,
  name: string,
  kind: "dir" | "url",
): Promise<ServedPipeline> {
  checkPipelineName(name);
  const metaText = await tree.readText(pipelineFile("", "metadata"));
  if (metaText === undefined) {
    throw new TypeError(
      `Cannot serve ${tree.origin}: it has no metadata.json, so it is not a pipeline`,
    );
  }
  const meta = parseJson(metaText, `${tree.origin}/metadata.json`);
  const indexText = await tree.readText(pipelineFile("", "nodeTypeIndex"));
  const index = indexText === undefined ? {} : checkNodeTypeIndex(
    parseJson(indexText, `${tree.origin}/node_type_index.json`),
    `${tree.origin}/node_type_index.json`,
  );
  const warnings: string[] = [];
  const models: ServedModel[] = [];
  const top = new Set(
    (await tree.list("")).filter((e) => e.isDirectory).map((e) => e.name),
  );
  for (const source of ENERGY_SOURCES) {
    if (!top.has(source)) continue;
    for (const outputType of OUTPUT_TYPES) {
      let csv = new Map<string, Record<string, unknown>>();
      const csvPath = modelMetadataCsv("", source, outputType);
      const csvText = await tree.readText(csvPath);
      if (csvText !== undefined) {
        try {
          csv = csvRows(csvText, `${tree.origin}/${csvPath}`);
        } catch (error) {
          warnings.push(
            `${tree.origin}/${csvPath}: ${(error as Error).message}`,
          );
        }
      }
      for (const featureGroup of ALL_FEATURE_GROUPS) {
        const group = groupDir("", source, outputType, featureGroup);
        const byName = new Map<string, ModelFiles>();
        for (const e of await tree.list(group)) {
          let stem = e.name, kindOf: keyof ModelFiles = "folder";
          if (!e.isDirectory) {
            if (e.name.endsWith(".zip")) {
              stem = e.name.slice(0, -4);
              kindOf = "zip";
            } else if (e.name.endsWith(".json")) {
              stem = e.name.slice(0, -5);
              kindOf = "weight";
            } else continue;
          }
          if (e.isDirectory && e.name === "checkpoint") continue;
          if (!MODEL_NAME.test(stem)) {
            warnings.push(
              `${tree.origin}/${group}/${e.name}: not a model name, skipped`,
            );
            continue;
          }
          const files = byName.get(stem) ?? {};
          files[kindOf] = kindOf === "folder"
            ? modelDir(group, stem)
            : kindOf === "zip"
            ? modelZip(group, stem)
            : exportedWeightFile(group, stem);
          byName.set(stem, files);
        }
        for (const [modelName, files] of byName) {
          try {
            const m = await loadModelEntry(
              tree,
              name,
              {
                source,
                outputType,
                featureGroup,
              },
              modelName,
              files,
              { csv, index, warnings },
            );
            if (m !== undefined) models.push(m);
          } catch (error) {
            warnings.push(
              `${tree.origin}/${group}/${modelName}: skipped: ${
                (error as Error).message
              }`,
            );
          }
        }
      }
    }
  }
  return {
    name,
    origin: tree.origin,
    kind,
    metadata: isObject(meta) ? meta : {},
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
  return await loadPipeline(
    dirTree(dir),
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
  const entries = zip instanceof Uint8Array ? unzipEntries(zip, origin) : zip;
  const name = options.name ?? basename(origin).replace(/\.zip$/, "");
  return await loadPipeline(
    zipTree(entries, origin, servedEntry),
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
  const out: string[] = [];
  try {
    for await (const e of Deno.readDir(modelPath)) {
      if (!e.isDirectory && !e.isSymlink) continue;
      try {
        checkPipelineName(e.name);
      } catch {
        continue;
      }
      try {
        const s = await Deno.stat(
          pipelineFile(pipelineDir(modelPath, e.name), "metadata"),
        );
        if (s.isFile) out.push(e.name);
      } catch { /* not a pipeline */ }
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return out.sort();
}
