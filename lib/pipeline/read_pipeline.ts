/**
 * Reading a pipeline: its `metadata.json`, node type index, model
 * summaries and every model with its forms, from a folder or from the
 * entries of a pipeline zip held in memory. Three layouts are read:
 *
 * - ours after `train` (and upstream's after unpacking):
 *   `<source>/<ot>/<FG>/<Trainer>_<nt>/{metadata.json, weight.json, ...}`
 *   plus `<Trainer>_<nt>.zip` beside the folder;
 * - kepler-model-db's (exported, published): `<source>/<ot>/<FG>/`
 *   `<Trainer>_<nt>.json` (the weight file) and/or `<Trainer>_<nt>.zip`,
 *   with the metadata in `<source>_<ot>_model_metadata.csv`;
 * - a mix (a model with only a zip gets its metadata from inside it).
 *
 * Paths are built from the vocabulary and from directory listings. A model
 * that cannot be read is left out with a warning; it does not stop the
 * pipeline.
 *
 * @module
 */
import { parseJsonText } from "../io/json.ts";
import { type CsvTable, parseCsv } from "../io/csv.ts";
import { entryText, unzipEntries, type ZipEntries } from "../io/zip.ts";
import {
  exportedWeightFile,
  groupDir,
  MODEL_FILES,
  modelDir,
  modelFile,
  modelMetadataCsv,
  modelZip,
  parseModelName,
  type PIPELINE_FILES,
  pipelineFile,
} from "../layout.ts";
import {
  ALL_FEATURE_GROUPS,
  ENERGY_SOURCES,
  type EnergySource,
  type FeatureGroup,
  OUTPUT_TYPES,
  type OutputType,
} from "../types.ts";
import {
  featuresOf,
  modelNodeType,
  modelTrainer,
  parseSummaryRow,
} from "./model_metadata.ts";
import { checkNodeTypeIndex, type NodeTypeIndex } from "./node_type_index.ts";
import { dirSource, type PipelineSource } from "./pipeline_source.ts";

/** The files a model has, as paths inside its pipeline. */
export interface ModelForms {
  /** Its folder `<group>/<model>/`. */
  readonly folder?: string;
  /** Its archive `<group>/<model>.zip`. */
  readonly zip?: string;
  /** Its exported weight file `<group>/<model>.json`. */
  readonly weight?: string;
}

/** Where a model's metadata was read from. */
export type MetadataOrigin = "folder" | "summary" | "zip" | "none";

/** A model of a pipeline. */
export interface PipelineModel {
  /** Energy source. */
  readonly source: EnergySource;
  /** Output type. */
  readonly outputType: OutputType;
  /** Feature group (its folder). */
  readonly featureGroup: FeatureGroup;
  /** `<Trainer>_<node type>` (its file name). */
  readonly name: string;
  /** Its feature-group folder `<source>/<ot>/<FG>`, inside the pipeline. */
  readonly group: string;
  /** Its files. */
  readonly forms: ModelForms;
  /**
   * Its metadata: the folder's `metadata.json`, else its summary row
   * (Python-repr cells parsed), else its zip's `metadata.json`, else
   * `{ model_name }`.
   */
  readonly metadata: Readonly<Record<string, unknown>>;
  /**
   * Where {@linkcode PipelineModel.metadata} came from; `"folder"` whenever
   * its folder has a `metadata.json`, even one that cannot be read.
   */
  readonly metadataFrom: MetadataOrigin;
  /**
   * Why its `metadata.json` (in its folder, or in its zip when it is read
   * from there) could not be read: not JSON, or a corrupt zip.
   */
  readonly metadataError?: Error;
  /** Trainer (see `modelTrainer`), when known. */
  readonly trainer?: string;
  /** Node type (see `modelNodeType`), when known. */
  readonly nodeType?: number;
  /** Input features (metadata's `features`), when known. */
  readonly features?: readonly string[];
  /**
   * How many of the pipeline's warnings were given before it was read, so
   * a caller can put its own warnings about it in reading order.
   */
  readonly warningsBefore: number;
  /** Its row of the summary CSV, cells as text, when it has one. */
  readonly summary?: Readonly<Record<string, string>>;
  /**
   * The text of its weight file and where it is (a full path): the
   * folder's `weight.json`, else the exported `<model>.json`, else (with
   * `fromZip`) the zip's `weight.json`.
   */
  readWeight(
    options?: { fromZip?: boolean },
  ): Promise<{ text: string; path: string } | undefined>;
  /** The bytes of its zip, when it has one. */
  readZip(): Promise<Uint8Array | undefined>;
  /** The entries of its zip (read once), when it has one; a corrupt zip is a `SyntaxError`. */
  zipEntries(): Promise<ZipEntries | undefined>;
  /** The text of a file in its folder (e.g. the model dict), when present. */
  readFolderText(file: string): Promise<string | undefined>;
  /** All files of its folder, as zip entries (empty without a folder). */
  collectFolder(): Promise<ZipEntries>;
}

/** A model summary `<source>_<ot>_model_metadata.csv`. */
export interface ModelSummary {
  /** Energy source. */
  readonly source: EnergySource;
  /** Output type. */
  readonly outputType: OutputType;
  /** Its path inside the pipeline. */
  readonly path: string;
  /** The table, when it parsed. */
  readonly table?: CsvTable;
  /** Why it did not parse. */
  readonly error?: Error;
}

/** A pipeline read. */
export interface Pipeline {
  /** Where it was read from (a folder or a URL), for messages. */
  readonly origin: string;
  /** Its files. */
  readonly files: PipelineSource;
  /**
   * Where a model's file of a form is or would be (a full path, for
   * messages), e.g. the zip a summary row names.
   */
  pathOf(
    model: Pick<
      PipelineModel,
      "source" | "outputType" | "featureGroup" | "name"
    >,
    form: keyof ModelForms,
  ): string;
  /** Where its own files are (full paths, for messages). */
  readonly paths: {
    readonly metadata: string;
    readonly nodeTypeIndex: string;
  };
  /** Its `metadata.json` (an object, else `{}`), undefined when missing. */
  readonly metadata?: Readonly<Record<string, unknown>>;
  /** Its node type index, undefined when missing. */
  readonly nodeTypeIndex?: NodeTypeIndex;
  /** Its summaries, in source then output type order. */
  readonly summaries: readonly ModelSummary[];
  /** Its models, by source, output type, feature group, then name. */
  readonly models: readonly PipelineModel[];
  /** Folders under `<source>/<ot>/` that are not feature groups. */
  readonly otherFolders: readonly string[];
  /** Models or files left out, and why. */
  readonly warnings: readonly string[];
}

/** Options of {@linkcode readPipeline}. */
export interface ReadPipelineOptions {
  /**
   * Read only these energy sources.
   *
   * @default {undefined} all
   */
  sources?: readonly EnergySource[];
  /**
   * Read only these output types.
   *
   * @default {undefined} all
   */
  outputTypes?: readonly OutputType[];
  /**
   * Read (and check) the node type index.
   *
   * @default {true}
   */
  nodeTypeIndex?: boolean;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

async function readSummary(
  files: PipelineSource,
  source: EnergySource,
  outputType: OutputType,
): Promise<ModelSummary | undefined> {
  const path = modelMetadataCsv("", source, outputType);
  const text = await files.readText(path);
  if (text === undefined) return undefined;
  try {
    return {
      source,
      outputType,
      path,
      table: parseCsv(text, `${files.origin}/${path}`),
    };
  } catch (error) {
    return { source, outputType, path, error: error as Error };
  }
}

/** A summary's rows by `<FG>/<model_name>`, cells as text. */
function summaryRows(
  summary: ModelSummary | undefined,
): Map<string, { header: string[]; cells: string[] }> {
  const out = new Map<string, { header: string[]; cells: string[] }>();
  const table = summary?.table;
  if (table === undefined) return out;
  const nameAt = table.header.indexOf("model_name");
  const fgAt = table.header.indexOf("feature_group");
  if (nameAt < 0) return out;
  for (const cells of table.rows) {
    const key = `${fgAt < 0 ? "" : cells[fgAt]}/${cells[nameAt]}`;
    out.set(key, { header: table.header, cells });
  }
  return out;
}

/** The models of a feature-group folder by name, with their forms. */
async function groupForms(
  files: PipelineSource,
  group: string,
  warnings: string[],
): Promise<Map<string, ModelForms>> {
  const byName = new Map<string, ModelForms>();
  for (const e of await files.list(group)) {
    let stem = e.name, form: keyof ModelForms = "folder";
    if (!e.isDirectory) {
      if (e.name.endsWith(".zip")) [stem, form] = [e.name.slice(0, -4), "zip"];
      else if (e.name.endsWith(".json")) {
        [stem, form] = [e.name.slice(0, -5), "weight"];
      } else continue;
    }
    if (e.isDirectory && e.name === "checkpoint") continue;
    if (parseModelName(stem) === undefined) {
      warnings.push(
        `${files.origin}/${group}/${e.name}: not a model name, skipped`,
      );
      continue;
    }
    const path = form === "folder"
      ? modelDir(group, stem)
      : form === "zip"
      ? modelZip(group, stem)
      : exportedWeightFile(group, stem);
    byName.set(stem, { ...byName.get(stem), [form]: path });
  }
  return new Map([...byName].sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0));
}

interface ModelKey {
  source: EnergySource;
  outputType: OutputType;
  featureGroup: FeatureGroup;
  name: string;
  group: string;
}

function modelReaders(
  files: PipelineSource,
  forms: ModelForms,
): Pick<
  PipelineModel,
  "readWeight" | "readZip" | "zipEntries" | "readFolderText" | "collectFolder"
> {
  let entries: Promise<ZipEntries | undefined> | undefined;
  const readZip = async () =>
    forms.zip === undefined ? undefined : await files.read(forms.zip);
  const zipEntries = () => {
    entries ??= readZip().then((bytes) =>
      bytes === undefined ? undefined : unzipEntries(
        bytes,
        `${files.origin}/${forms.zip}`,
        files.zipLimits,
      )
    );
    return entries;
  };
  return {
    async readWeight(options = {}) {
      for (
        const path of [
          forms.folder === undefined
            ? undefined
            : modelFile(forms.folder, "weight"),
          forms.weight,
        ]
      ) {
        if (path === undefined) continue;
        const text = await files.readText(path);
        if (text !== undefined) return { text, path: files.where(path) };
      }
      if (!options.fromZip || forms.zip === undefined) return undefined;
      const entries = await zipEntries();
      const text = entries && entryText(entries, MODEL_FILES.weight);
      if (text === undefined) return undefined;
      return {
        text,
        path: `${files.where(forms.zip)} (${MODEL_FILES.weight})`,
      };
    },
    readZip,
    zipEntries,
    async readFolderText(file) {
      if (forms.folder === undefined) return undefined;
      return await files.readText(`${forms.folder}/${file}`);
    },
    async collectFolder() {
      return forms.folder === undefined
        ? {}
        : await files.collect(forms.folder);
    },
  };
}

async function zipMetadata(
  files: PipelineSource,
  zip: string,
  readers: Pick<PipelineModel, "zipEntries">,
): Promise<Record<string, unknown> | undefined> {
  const entries = await readers.zipEntries();
  const text = entries && entryText(entries, MODEL_FILES.metadata);
  if (text === undefined) return undefined;
  const m = parseJsonText(
    text,
    `${files.origin}/${zip}:${MODEL_FILES.metadata}`,
  );
  return isObject(m) ? m : undefined;
}

/**
 * Reads one model's metadata: folder, else summary row, else zip. A
 * metadata file that cannot be read is kept as `metadataError`.
 */
async function readModel(
  files: PipelineSource,
  key: ModelKey,
  forms: ModelForms,
  row: { header: string[]; cells: string[] } | undefined,
): Promise<Omit<PipelineModel, "warningsBefore">> {
  const readers = modelReaders(files, forms);
  let metadata: Record<string, unknown> | undefined;
  let metadataFrom: MetadataOrigin = "none";
  let metadataError: Error | undefined;
  const text = await readers.readFolderText(MODEL_FILES.metadata);
  if (text !== undefined) {
    metadataFrom = "folder";
    const where = `${files.origin}/${forms.folder}/${MODEL_FILES.metadata}`;
    try {
      const m = parseJsonText(text, where);
      if (isObject(m)) metadata = m;
    } catch (error) {
      metadataError = error as Error;
    }
  }
  if (metadata === undefined && row !== undefined) {
    metadata = parseSummaryRow(row.header, row.cells);
    metadataFrom = "summary";
  }
  if (
    metadata === undefined && metadataError === undefined &&
    forms.zip !== undefined
  ) {
    try {
      metadata = await zipMetadata(files, forms.zip, readers);
      if (metadata !== undefined) metadataFrom = "zip";
    } catch (error) {
      metadataError = error as Error;
    }
  }
  metadata = { ...(metadata ?? { model_name: key.name }) };
  const nodeType = modelNodeType(metadata, key.name);
  const trainer = modelTrainer(metadata, key.name);
  const features = featuresOf(metadata.features);
  const summary = row === undefined ? undefined : Object.fromEntries(
    row.header.flatMap((h, j) => h === "" ? [] : [[h, row.cells[j] ?? ""]]),
  );
  return {
    ...key,
    forms,
    metadata,
    metadataFrom,
    ...(trainer === undefined ? {} : { trainer }),
    ...(nodeType === undefined ? {} : { nodeType }),
    ...(features === undefined ? {} : { features }),
    ...(summary === undefined ? {} : { summary }),
    ...(metadataError === undefined ? {} : { metadataError }),
    ...readers,
  };
}

async function readJsonIn<T>(
  files: PipelineSource,
  file: keyof typeof PIPELINE_FILES,
  check: (value: unknown, where: string) => T,
): Promise<T | undefined> {
  const path = pipelineFile("", file);
  const text = await files.readText(path);
  if (text === undefined) return undefined;
  const where = `${files.origin}/${path}`;
  return check(parseJsonText(text, where), where);
}

async function readOutputType(
  files: PipelineSource,
  source: EnergySource,
  outputType: OutputType,
  out: { models: PipelineModel[]; otherFolders: string[]; warnings: string[] },
  summary: ModelSummary | undefined,
): Promise<void> {
  const rows = summaryRows(summary);
  const top = `${source}/${outputType}`;
  const folders = new Set<string>();
  for (const e of await files.list(top)) {
    if (!e.isDirectory) continue;
    if ((ALL_FEATURE_GROUPS as readonly string[]).includes(e.name)) {
      folders.add(e.name);
    } else out.otherFolders.push(`${top}/${e.name}`);
  }
  for (const featureGroup of ALL_FEATURE_GROUPS) {
    if (!folders.has(featureGroup)) continue;
    const group = groupDir("", source, outputType, featureGroup);
    const forms = await groupForms(files, group, out.warnings);
    for (const [name, form] of forms) {
      const key = { source, outputType, featureGroup, name, group };
      try {
        const model = await readModel(
          files,
          key,
          form,
          rows.get(`${featureGroup}/${name}`),
        );
        out.models.push({ ...model, warningsBefore: out.warnings.length });
      } catch (error) {
        out.warnings.push(
          `${files.origin}/${group}/${name}: skipped: ${
            (error as Error).message
          }`,
        );
      }
    }
  }
}

/**
 * Reads a pipeline: a folder's path, or a {@linkcode PipelineSource} (e.g.
 * `zipSource` over a pipeline zip in memory). Nothing is required: a
 * missing `metadata.json`, node type index or summary is undefined or
 * absent, and each caller decides what it needs. Throws a `SyntaxError`
 * when `metadata.json` or the node type index is not JSON and a
 * `TypeError` when the index is malformed.
 *
 * @param pipeline The pipeline folder, or its files.
 * @param options Sources and output types to read.
 * @returns The pipeline's metadata, summaries and models.
 *
 * @example
 * ```ts
 * import { readPipeline } from "./read_pipeline.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await Deno.mkdir(`${dir}/acpi/AbsPower/BPFOnly`, { recursive: true });
 * await Deno.writeTextFile(`${dir}/metadata.json`, '{"name": "p"}');
 * await Deno.writeTextFile(`${dir}/acpi/AbsPower/BPFOnly/SGDRegressorTrainer_0.json`, "{}");
 * await Deno.writeTextFile(`${dir}/acpi_AbsPower_model_metadata.csv`,
 *   ",model_name,trainer,features,node_type,feature_group\n0,SGDRegressorTrainer_0,SGDRegressorTrainer,['bpf_cpu_time_ms'],2,BPFOnly\n");
 * const p = await readPipeline(dir);
 * assertEquals(p.metadata, { name: "p" });
 * const [m] = p.models;
 * assertEquals([m!.name, m!.nodeType, m!.features, m!.metadataFrom], ["SGDRegressorTrainer_0", 2, ["bpf_cpu_time_ms"], "summary"]);
 * assertEquals(m!.forms, { weight: "acpi/AbsPower/BPFOnly/SGDRegressorTrainer_0.json" });
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function readPipeline(
  pipeline: string | PipelineSource,
  options: ReadPipelineOptions = {},
): Promise<Pipeline> {
  const files = typeof pipeline === "string" ? dirSource(pipeline) : pipeline;
  const metadata = await readJsonIn(
    files,
    "metadata",
    (m) => isObject(m) ? m : {},
  );
  const nodeTypeIndex = options.nodeTypeIndex === false
    ? undefined
    : await readJsonIn(
      files,
      "nodeTypeIndex",
      checkNodeTypeIndex,
    );
  const out = {
    models: [] as PipelineModel[],
    otherFolders: [] as string[],
    warnings: [] as string[],
  };
  const summaries: ModelSummary[] = [];
  for (const source of options.sources ?? ENERGY_SOURCES) {
    for (const outputType of options.outputTypes ?? OUTPUT_TYPES) {
      const summary = await readSummary(files, source, outputType);
      if (summary !== undefined) summaries.push(summary);
      if (summary?.error !== undefined) {
        out.warnings.push(
          `${files.origin}/${summary.path}: ${summary.error.message}`,
        );
      }
      await readOutputType(files, source, outputType, out, summary);
    }
  }
  return {
    origin: files.origin,
    files,
    pathOf(m, form) {
      const group = groupDir("", m.source, m.outputType, m.featureGroup);
      return files.where(
        form === "folder"
          ? modelDir(group, m.name)
          : form === "zip"
          ? modelZip(group, m.name)
          : exportedWeightFile(group, m.name),
      );
    },
    paths: {
      metadata: files.where(pipelineFile("", "metadata")),
      nodeTypeIndex: files.where(pipelineFile("", "nodeTypeIndex")),
    },
    ...(metadata === undefined ? {} : { metadata }),
    ...(nodeTypeIndex === undefined ? {} : { nodeTypeIndex }),
    summaries,
    ...out,
  };
}
