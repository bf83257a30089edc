/**
 * Finding the models to estimate with: the pipelines of MODEL_PATH (or one
 * given by name or path), the models of a pipeline's feature-group folders
 * (model folders, model zips, and, in an exported kepler-model-db
 * pipeline, weight files `<Trainer>_<nt>.json`), and single model files.
 *
 * Upstream's model zips hold Python pickles, which cannot be read: such a
 * model is used through its weight file when it has one, and otherwise
 * skipped with a note. A corrupt zip is an error.
 *
 * @module
 */
import { basename, extname, join } from "node:path";
import { collectDir, readZipFile, zipEntries } from "../io/zip.ts";
import type { ZipEntries } from "../io/zip.ts";
import { readJsonFile } from "../io/json.ts";
import { exists, readBinaryFile } from "../io/read.ts";
import {
  listPipelineNames,
  pipelineFolder,
} from "../pipeline/list_pipelines.ts";
import { type PipelineModel, readPipeline } from "../pipeline/read_pipeline.ts";
import {
  type LoadedModel,
  readModelDir,
  readModelZipEntries,
} from "../train/loaded_model.ts";
import {
  ALL_FEATURE_GROUPS,
  type EnergySource,
  type ExtractorName,
  EXTRACTORS,
  type FeatureGroup,
  type IsolatorName,
  ISOLATORS,
  type OutputType,
} from "../types.ts";
import {
  type EstimatorModel,
  featureGroupOf,
  pipelineEstimatorModel,
  weightEstimatorModel,
} from "./estimator_model.ts";

/** What is estimated: an energy source's power of one output type. */
export interface EstimateTarget {
  /** Energy source. */
  source: EnergySource;
  /** AbsPower or DynPower. */
  outputType: OutputType;
}

/** A pipeline to estimate with. */
export interface PipelineInfo {
  /** Its name (metadata.json's, else the folder's). */
  name: string;
  /** Its folder. */
  folder: string;
  /**
   * The generation its files are read from, when `folder` is a link to one
   * (a pipeline published by `train`): resolved once, so one estimate
   * reads one generation even if a training swaps in another meanwhile.
   */
  generation?: string;
  /** The extractor its data was extracted with. */
  extractor: ExtractorName;
  /** The isolator of its DynPower data. */
  isolator: IsolatorName;
  /** Set when it is a VM pipeline (`train --vm-train`, `"vm": true`). */
  vm?: true;
}

/**
 * Reads a pipeline's `metadata.json`. A missing folder or file is a
 * `Deno.errors.NotFound` naming it.
 *
 * @example
 * ```ts
 * import { readPipelineInfo } from "./find_models.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/metadata.json`, '{"name": "std", "extractor": "smooth", "isolator": "none"}');
 * assertEquals(await readPipelineInfo(dir), { name: "std", folder: dir, extractor: "smooth", isolator: "none" });
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function readPipelineInfo(folder: string): Promise<PipelineInfo> {
  if (!(await exists(folder))) {
    throw new Deno.errors.NotFound(
      `Cannot estimate with pipeline ${
        basename(folder)
      }: ${folder} does not exist (train -p ${basename(folder)} writes it)`,
    );
  }
  const generation = await Deno.realPath(folder).catch(() => folder);
  const read = await readPipeline(generation, {
    sources: [],
    nodeTypeIndex: false,
  });
  const path = read.paths.metadata;
  if (read.metadata === undefined) {
    throw new Deno.errors.NotFound(
      `Cannot estimate with pipeline ${
        basename(folder)
      }: ${path} does not exist`,
    );
  }
  const m = read.metadata;
  const pick = <T extends string>(
    key: string,
    values: readonly T[],
    fallback: T,
  ): T => {
    const v = m?.[key];
    if (v === undefined) return fallback;
    if (typeof v !== "string" || !(values as readonly string[]).includes(v)) {
      throw new TypeError(
        `Invalid pipeline metadata ${path}: ${key} is ${
          JSON.stringify(v)
        }, expected one of ${values.join(", ")}`,
      );
    }
    return v as T;
  };
  return {
    name: typeof m?.name === "string" ? m.name : basename(folder),
    folder,
    ...(generation === folder ? {} : { generation }),
    extractor: pick("extractor", EXTRACTORS, "default"),
    isolator: pick("isolator", ISOLATORS, "min"),
    ...(m?.vm === true ? { vm: true as const } : {}),
  };
}

/**
 * The pipeline folders in `modelPath` that have models of a source and
 * output type (a `metadata.json` and a `<source>_<ot>_model_metadata.csv`,
 * as upstream's `list_pipelines`), sorted by name.
 *
 * @param modelPath MODEL_PATH, the folder holding the pipeline folders.
 * @param target The energy source and output type the models must have.
 * @returns The paths of the matching pipeline folders (`modelPath`
 *   joined with the name); empty when none matches.
 * @throws {Deno.errors.NotFound} when `modelPath` does not exist.
 *
 * @example
 * ```ts
 * import { listPipelines } from "./find_models.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await Deno.mkdir(`${dir}/std`);
 * await Deno.writeTextFile(`${dir}/std/metadata.json`, "{}");
 * await Deno.writeTextFile(`${dir}/std/acpi_AbsPower_model_metadata.csv`, "");
 * assertEquals(await listPipelines(dir, { source: "acpi", outputType: "AbsPower" }), [`${dir}/std`]);
 * assertEquals(await listPipelines(dir, { source: "acpi", outputType: "DynPower" }), []);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function listPipelines(
  modelPath: string,
  target: EstimateTarget,
): Promise<string[]> {
  try {
    const names = await listPipelineNames(modelPath, { summary: target });
    return names.map((name) => pipelineFolder(modelPath, name));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Deno.errors.NotFound(
        `Cannot list pipelines: MODEL_PATH ${modelPath} does not exist`,
        { cause: error },
      );
    }
    throw error;
  }
}

/** A model found, not yet read. */
export interface ModelCandidate {
  /** Model name. */
  name: string;
  /** Energy source. */
  source: EnergySource;
  /** Output type. */
  outputType: OutputType;
  /** Feature group its input is extracted as. */
  featureGroup: FeatureGroup;
  /** Its pipeline, when it is a pipeline's. */
  pipeline?: PipelineInfo;
  /** Where it is, for messages. */
  origin: string;
  /**
   * Its row of the pipeline's `<source>_<ot>_model_metadata.csv` (the
   * errors recorded at training, on the holdout), when it has one; the
   * record of a model known only by its weight file.
   */
  recorded?: Readonly<Record<string, string>>;
  /** Reads it. */
  load(): Promise<EstimatorModel>;
}

/** Options of {@linkcode pipelineModelCandidates}. */
export interface PipelineModelOptions {
  /** Only these feature groups. Default: every group folder. */
  featureGroups?: readonly FeatureGroup[];
  /** Only models of this name. Default: all. */
  modelName?: string;
}

function hasPickle(entries: ZipEntries): boolean {
  return Object.keys(entries).some((n) => n.endsWith(".pkl"));
}

/** A pipeline model from its zip entries, or undefined for upstream's pickles. */
function zipModel(
  entries: ZipEntries,
  origin: string,
): LoadedModel | undefined {
  if (hasPickle(entries)) return undefined;
  return readModelZipEntries(entries, origin);
}

/**
 * The models of a pipeline for a source and output type, in feature-group
 * then name order, with notes on what was skipped (upstream pickle zips
 * without a weight file, folders that are not feature groups).
 *
 * @example
 * ```ts
 * import { pipelineModelCandidates } from "./find_models.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await Deno.mkdir(`${dir}/acpi/AbsPower/BPFOnly`, { recursive: true });
 * await Deno.writeTextFile(`${dir}/acpi/AbsPower/BPFOnly/SGDRegressorTrainer_0.json`, JSON.stringify({ platform:
 *   { All_Weights: { Bias_Weight: 1, Categorical_Variables: {}, Numerical_Variables: { bpf_cpu_time_ms: { scale: 1, weight: 1 } } } } }));
 * await Deno.writeTextFile(`${dir}/acpi_AbsPower_model_metadata.csv`,
 *   ",model_name,mae,feature_group\n0,SGDRegressorTrainer_0,2.5,BPFOnly\n");
 * const pipeline = { name: "p", folder: dir, extractor: "default" as const, isolator: "min" as const };
 * const { candidates } = await pipelineModelCandidates(pipeline, { source: "acpi", outputType: "AbsPower" });
 * assertEquals(candidates.map((c) => [c.name, c.featureGroup]), [["SGDRegressorTrainer_0", "BPFOnly"]]);
 * assertEquals(candidates[0]!.recorded?.mae, "2.5"); // the holdout error recorded at training
 * assertEquals((await candidates[0]!.load()).kind, "weight");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function pipelineModelCandidates(
  pipeline: PipelineInfo,
  target: EstimateTarget,
  options: PipelineModelOptions = {},
): Promise<{ candidates: ModelCandidate[]; notes: string[] }> {
  const read = await readPipeline(pipeline.generation ?? pipeline.folder, {
    sources: [target.source],
    outputTypes: [target.outputType],
    nodeTypeIndex: false,
  });
  const notes = [
    ...read.otherFolders.map((f) =>
      `skipped ${join(pipeline.folder, f)}: not a feature group folder`
    ),
    ...read.warnings,
  ];
  const models = read.models.filter((m) =>
    (options.featureGroups === undefined ||
      options.featureGroups.includes(m.featureGroup)) &&
    (options.modelName === undefined || m.name === options.modelName) &&
    (m.metadataFrom === "folder" || m.forms.zip !== undefined ||
      m.forms.weight !== undefined)
  ).sort((a, b) =>
    // ties of the ranking keep this order: feature groups as serve breaks
    // them (the vocabulary's order), then names
    ALL_FEATURE_GROUPS.indexOf(a.featureGroup) -
      ALL_FEATURE_GROUPS.indexOf(b.featureGroup) ||
    (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
  );
  const candidates: ModelCandidate[] = [];
  for (const m of models) {
    const found = await modelCandidate(m, pipeline);
    if (typeof found === "string") notes.push(found);
    else candidates.push(found);
  }
  return { candidates, notes };
}

/** How a pipeline model is read: its folder, else its zip, else its weight file. */
async function modelLoader(
  m: PipelineModel,
  folder: string,
): Promise<{ origin: string; load: () => Promise<EstimatorModel> } | string> {
  const key = {
    source: m.source,
    outputType: m.outputType,
    featureGroup: m.featureGroup,
  };
  const path = (p: string) => join(folder, p);
  const weight = m.forms.weight === undefined
    ? undefined
    : path(m.forms.weight);
  const loadWeight = async () =>
    weightEstimatorModel(await readJsonFile(weight!), {
      name: m.name,
      ...key,
      origin: weight!,
    });
  if (m.metadataFrom === "folder" && m.forms.folder !== undefined) {
    const dir = path(m.forms.folder);
    return {
      origin: dir,
      load: async () => {
        const loaded = await readModelDir(dir);
        const archive = (await m.readZip()) ??
          zipEntries(await m.collectFolder());
        return pipelineEstimatorModel(loaded, { ...key, origin: dir, archive });
      },
    };
  }
  if (m.forms.zip !== undefined) {
    const zipPath = path(m.forms.zip);
    const bytes = (await m.readZip())!;
    const entries = (await m.zipEntries())!;
    if (!hasPickle(entries)) {
      const model = pipelineEstimatorModel(zipModel(entries, zipPath)!, {
        ...key,
        origin: zipPath,
        archive: bytes,
      });
      return { origin: zipPath, load: () => Promise.resolve(model) };
    }
    if (weight === undefined) {
      return `skipped ${zipPath}: an upstream model with Python pickles (only JSON models and weight files can be read)`;
    }
  }
  return { origin: weight!, load: loadWeight };
}

async function modelCandidate(
  m: PipelineModel,
  pipeline: PipelineInfo,
): Promise<ModelCandidate | string> {
  const found = await modelLoader(m, pipeline.generation ?? pipeline.folder);
  if (typeof found === "string") return found;
  return {
    name: m.name,
    source: m.source,
    outputType: m.outputType,
    featureGroup: m.featureGroup,
    pipeline,
    origin: found.origin,
    ...(m.summary === undefined ? {} : { recorded: m.summary }),
    load: found.load,
  };
}

/** Options of {@linkcode modelFileCandidate}. */
export interface ModelFileOptions {
  /** Energy source. Default: the file's (`acpi` for platform weights, else `rapl-sysfs`; a model's metadata). */
  source?: EnergySource;
  /** Output type. Default: the model's metadata, else `"AbsPower"`. */
  outputType?: OutputType;
  /** Feature group. Default: the smallest group with all the model's features. */
  featureGroup?: FeatureGroup;
}

/**
 * A single model file given by path: a weight JSON (kepler-model-db,
 * Kepler's `model_weight/*.json`, a pipeline's `weight.json`), a model zip
 * or a model folder of our pipelines. A missing file is a
 * `Deno.errors.NotFound`, a corrupt zip a `SyntaxError`, an upstream pickle
 * zip a `TypeError`.
 *
 * @example
 * ```ts
 * import { modelFileCandidate } from "./find_models.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/acpi_AbsPowerModel.json`, JSON.stringify({ platform: { All_Weights: {
 *   Bias_Weight: 1, Categorical_Variables: {}, Numerical_Variables: { bpf_cpu_time_ms: { scale: 1, weight: 1 } } } } }));
 * const c = await modelFileCandidate(`${dir}/acpi_AbsPowerModel.json`);
 * assertEquals([c.name, c.source, c.featureGroup], ["acpi_AbsPowerModel", "acpi", "BPFOnly"]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function modelFileCandidate(
  path: string,
  options: ModelFileOptions = {},
): Promise<ModelCandidate> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Deno.errors.NotFound(
        `Cannot read model file ${path}: it does not exist`,
        { cause: error },
      );
    }
    throw error;
  }
  let loaded: LoadedModel | undefined;
  let archive: Uint8Array | undefined;
  if (info.isDirectory) {
    loaded = await readModelDir(path);
    archive = zipEntries(await collectDir(path));
  } else if (extname(path) === ".zip") {
    archive = await readBinaryFile(path);
    const entries = await readZipFile(path);
    if (hasPickle(entries)) {
      throw new TypeError(
        `Cannot read model file ${path}: an upstream model with Python pickles; use its weight file (<model>.json) instead`,
      );
    }
    loaded = readModelZipEntries(entries, path);
  }
  if (loaded !== undefined && archive !== undefined) {
    const l = loaded, a = archive;
    const outputType = options.outputType ??
      (l.metadata.output_type === "DynPower" ? "DynPower" : "AbsPower");
    const source = options.source ??
      (l.components.platform !== undefined ? "acpi" : "rapl-sysfs");
    const featureGroup = options.featureGroup ?? featureGroupOf(l.features);
    if (featureGroup === undefined) {
      throw new RangeError(
        `Cannot use model file ${path}: its features ${
          l.features.join(", ")
        } are not all in one feature group`,
      );
    }
    const model = pipelineEstimatorModel(l, {
      source,
      outputType,
      featureGroup,
      origin: path,
      archive: a,
    });
    return {
      name: model.name,
      source,
      outputType,
      featureGroup,
      origin: path,
      load: () => Promise.resolve(model),
    };
  }
  const model = weightEstimatorModel(await readJsonFile(path), {
    name: basename(path).replace(/\.json$/, ""),
    ...(options.source ? { source: options.source } : {}),
    outputType: options.outputType ?? "AbsPower",
    ...(options.featureGroup ? { featureGroup: options.featureGroup } : {}),
    origin: path,
  });
  return {
    name: model.name,
    source: model.source,
    outputType: model.outputType,
    featureGroup: model.featureGroup,
    origin: path,
    load: () => Promise.resolve(model),
  };
}
