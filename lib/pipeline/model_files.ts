/**
 * A trained model on disk, in upstream's layout with JSON instead of
 * pickles:
 *
 * ```
 * <group>/<Trainer>_<nt>/metadata.json        model metadata
 * <group>/<Trainer>_<nt>/<Trainer>_<nt>.json  model dict {component: {model_file, features, fe_files}}
 * <group>/<Trainer>_<nt>/<component>.json     the fitted model (loadModel), with its interval
 * <group>/<Trainer>_<nt>/weight.json          Kepler weights (linear and curve-fit models)
 * <group>/<Trainer>_<nt>.zip                  the folder, weight.json included (upstream left it out)
 * <group>/checkpoint/<Trainer>_<component>_<nt>.json   what the next run continues from
 * ```
 *
 * An `EnsembleTrainer` model embeds its members' models in its component
 * JSON; it has no weight.json (Kepler's local estimator cannot run it) and
 * no checkpoint (nothing continues from it).
 *
 * Every file is written atomically; the zip is written last, so a zip never
 * describes a half-written folder.
 *
 * @module
 */
import { basename, join } from "node:path";
import { linkFileAtomic, writeFileAtomic } from "../io/atomic.ts";
import { readJsonFile } from "../io/json.ts";
import { exists } from "../io/read.ts";
import {
  collectDir,
  entryText,
  zipDirToFile,
  type ZipEntries,
} from "../io/zip.ts";
import {
  checkpointFile,
  componentModelFile,
  modelDictFile,
  modelDir,
  modelFile,
  modelZip,
} from "../layout.ts";
import {
  type Component,
  COMPONENTS,
  ENSEMBLE_TRAINER,
  type ModelKind,
  type TrainerName,
} from "../types.ts";
import {
  type KeplerWeights,
  toKeplerWeightJson,
  type WeightFormat,
} from "./kepler_weight_file.ts";
import type { ModelMetadata } from "./model_metadata.ts";

const ENCODER = new TextEncoder();

/** The JSON form of a fitted model; `kind` selects the loader. */
export interface ModelJson {
  /** Literal model kind, e.g. `"linear"`, `"gbdt"`. */
  kind: ModelKind;
  /** Format version of this kind's JSON. */
  version: number;
  /** Everything else the model needs. */
  [key: string]: unknown;
}

/**
 * What {@linkcode writeModel} writes: a trained model (lib/train's
 * `TrainedModel` has this shape).
 */
export interface ModelToWrite {
  /** `<Trainer>_<node type>`. */
  name: string;
  /** The trainer. */
  trainer: TrainerName;
  /** Feature names in model input order. */
  features: readonly string[];
  /** The fitted components, as their JSON forms. */
  components: Partial<Record<Component, { model: { toJSON(): ModelJson } }>>;
  /** The model's metadata. */
  metadata: ModelMetadata;
  /** Kepler weights per component, for weight-exportable models. */
  weights?: Partial<Record<Component, KeplerWeights>>;
}

/** One component entry of a model dict (`<Trainer>_<nt>.json`). */
export interface ModelDictEntry {
  /** The component's model file, `<component>.json`. */
  model_file: string;
  /** Input features, in order. */
  features: string[];
  /** Transform files applied before the model (none for JSON models). */
  fe_files: string[];
}

/** Options of {@linkcode writeModel}. */
export interface WriteModelOptions {
  /**
   * The form of `weight.json` (see {@linkcode toKeplerWeightJson}): `"v0.7.12"`
   * puts `model_name` first, for a file Kepler v0.7.12 loads from a local
   * path.
   *
   * @default {undefined} `"v0.7.11"` (component keys only)
   */
  weightFormat?: WeightFormat;
}

/**
 * Writes a trained model's folder, its checkpoints and its zip under a
 * feature group folder. Returns the model folder.
 *
 * @param groupFolder The feature group folder, e.g.
 *   `<pipeline>/acpi/AbsPower/BPFOnly`; created if missing.
 * @param trained The trained model: name, trainer, features, the JSON of
 *   each fitted component, metadata and, for weight-exportable models, the
 *   Kepler weights (without them a stale `weight.json` is removed).
 * @param options The form of `weight.json`.
 * @returns The model folder, `<group>/<Trainer>_<node type>`.
 *
 * @example
 * ```ts
 * import { readStoredModelDir, writeModel } from "./model_files.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const name = "SGDRegressorTrainer_0";
 * const folder = await writeModel(dir, {
 *   name,
 *   trainer: "SGDRegressorTrainer",
 *   features: ["bpf_cpu_time_ms"],
 *   components: { package: { model: { toJSON: () => ({ kind: "linear" as const, version: 1 }) } } },
 *   metadata: {
 *     model_name: name, trainer: "SGDRegressorTrainer", model_class: "scikit",
 *     model_file: `${name}.json`, features: ["bpf_cpu_time_ms"], fe_files: [],
 *     output_type: "AbsPower", mae: 1.5, mape: 3, node_type: 0,
 *   },
 * });
 * assertEquals(folder, `${dir}/${name}`);
 * assertEquals((await Deno.stat(`${dir}/${name}.zip`)).isFile, true);
 * assertEquals((await readStoredModelDir(folder)).components.package, { kind: "linear", version: 1 });
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeModel(
  groupFolder: string,
  trained: ModelToWrite,
  options: WriteModelOptions = {},
): Promise<string> {
  const dir = modelDir(groupFolder, trained.name);
  // Each file's bytes, kept for the zip, which then reads nothing back.
  const written = new Map<string, Uint8Array>();
  const write = async (path: string, value: unknown) => {
    const bytes = ENCODER.encode(JSON.stringify(value) + "\n");
    await writeFileAtomic(path, bytes);
    written.set(basename(path), bytes);
    return bytes;
  };
  const dict: Record<string, ModelDictEntry> = {};
  for (const [component, c] of Object.entries(trained.components)) {
    if (c === undefined) continue;
    // The checkpoint is the model file again: formatted once (a tree
    // model's numbers are most of a training's output) and hard-linked.
    const file = componentModelFile(dir, component as Component);
    const bytes = await write(file, c.model.toJSON());
    if (trained.trainer !== ENSEMBLE_TRAINER) {
      await linkFileAtomic(
        file,
        checkpointFile(
          groupFolder,
          trained.trainer,
          component as Component,
          trained.metadata.node_type ?? 0,
        ),
        bytes,
      );
    }
    dict[component] = {
      model_file: `${component}.json`,
      features: [...trained.features],
      fe_files: [],
    };
  }
  await write(modelDictFile(dir, trained.name), dict);
  if (trained.weights !== undefined) {
    const weight = (options.weightFormat ?? "v0.7.11") === "v0.7.11"
      ? trained.weights
      : toKeplerWeightJson(
        { modelName: trained.name, components: trained.weights },
        options.weightFormat,
      );
    await write(modelFile(dir, "weight"), weight);
  } else {
    try {
      Deno.removeSync(modelFile(dir, "weight"));
    } catch { /* none there */ }
  }
  await write(modelFile(dir, "metadata"), trained.metadata);
  await zipDirToFile(dir, modelZip(groupFolder, trained.name), {
    known: written,
  });
  return dir;
}

/**
 * A model read back from its folder or zip, its components as JSON
 * (lib/train's `loadModel` turns each into a fitted model).
 */
export interface StoredModel {
  /** Its metadata. */
  metadata: ModelMetadata;
  /** Input features, in order. */
  features: string[];
  /** Model JSON per component. */
  components: Partial<Record<Component, ModelJson>>;
  /** Kepler weights, when the model has a weight.json. */
  weights?: Partial<Record<Component, KeplerWeights>>;
}

function storedEntries(
  read: (name: string) => string | undefined,
  source: string,
): StoredModel {
  const metaText = read("metadata.json");
  if (metaText === undefined) {
    throw new TypeError(
      `Cannot load the model in ${source}: metadata.json is missing`,
    );
  }
  const metadata = JSON.parse(metaText) as ModelMetadata;
  const dictText = read(metadata.model_file ?? `${metadata.model_name}.json`);
  if (dictText === undefined) {
    throw new TypeError(
      `Cannot load the model in ${source}: ${metadata.model_file} is missing`,
    );
  }
  const dict = JSON.parse(dictText) as Record<string, ModelDictEntry>;
  const components: Partial<Record<Component, ModelJson>> = {};
  let features: string[] = metadata.features ?? [];
  for (const [component, entry] of Object.entries(dict)) {
    if (!(COMPONENTS as readonly string[]).includes(component)) continue;
    if (entry.fe_files.length > 0 || entry.model_file.endsWith(".pkl")) {
      throw new TypeError(
        `Cannot load the model in ${source}: ${entry.model_file} is a Python pickle (upstream format); only JSON models and weight files can be read`,
      );
    }
    const text = read(entry.model_file);
    if (text === undefined) {
      throw new TypeError(
        `Cannot load the model in ${source}: ${entry.model_file} is missing`,
      );
    }
    components[component as Component] = JSON.parse(text);
    features = entry.features;
  }
  const out: StoredModel = { metadata, features, components };
  const weight = read("weight.json");
  if (weight !== undefined) {
    // either form: component keys only, or model_name (v0.7.12) first
    const { model_name: _name, machine_spec: _spec, ...components } = JSON
      .parse(weight);
    out.weights = components;
  }
  return out;
}

/** Reads a model's files from its folder. */
export async function readStoredModelDir(dir: string): Promise<StoredModel> {
  const entries = await collectDir(dir);
  return storedEntries((name) => entryText(entries, name), dir);
}

/** Reads a model's files from the entries of its zip (a model folder's files at the top). */
export function readStoredModelZipEntries(
  entries: ZipEntries,
  source = "model zip",
): StoredModel {
  // Accept zips whose files sit in one top folder too.
  const names = Object.keys(entries);
  const prefix = names.every((n) => n.includes("/")) && names.length > 0
    ? names[0]!.slice(0, names[0]!.indexOf("/") + 1)
    : "";
  return storedEntries((name) => entryText(entries, prefix + name), source);
}

/**
 * The checkpoints (model JSON) of a trainer and node type in a group
 * folder, per component, for a run that continues training (XgboostFit).
 */
export async function readCheckpointJson(
  groupFolder: string,
  trainer: TrainerName,
  nodeType: number,
  components: readonly Component[],
): Promise<Partial<Record<Component, ModelJson>>> {
  const out: Partial<Record<Component, ModelJson>> = {};
  for (const c of components) {
    const path = checkpointFile(groupFolder, trainer, c, nodeType);
    if (await exists(path)) out[c] = await readJsonFile<ModelJson>(path);
  }
  return out;
}

/** The model folders (with metadata.json) directly inside a group folder. */
export async function listModelDirs(groupFolder: string): Promise<string[]> {
  const out: string[] = [];
  try {
    for await (const e of Deno.readDir(groupFolder)) {
      if (
        e.isDirectory && e.name !== "checkpoint" &&
        await exists(join(groupFolder, e.name, "metadata.json"))
      ) {
        out.push(join(groupFolder, e.name));
      }
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return out.sort();
}
