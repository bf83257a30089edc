/**
 * A pipeline's models as fitted models: lib/pipeline reads a model's files
 * (metadata, model dict, component JSON, weights) and `loadModel` turns
 * each component's JSON into a fitted model.
 *
 * @module
 */
import {
  readCheckpointJson,
  readStoredModelDir,
  readStoredModelZipEntries,
  type StoredModel,
} from "../pipeline/model_files.ts";
import type { ModelMetadata } from "../pipeline/model_metadata.ts";
import type { KeplerWeights } from "../pipeline/kepler_weight_file.ts";
import type { ZipEntries } from "../io/zip.ts";
import type { Component, TrainerName } from "../types.ts";
import { loadModel } from "./load_model.ts";
import type { FittedModel } from "./model.ts";

/** A model read back from its folder or zip. */
export interface LoadedModel {
  /** Its metadata. */
  metadata: ModelMetadata;
  /** Input features, in order. */
  features: string[];
  /** Fitted models per component. */
  components: Partial<Record<Component, FittedModel>>;
  /** Kepler weights, when the model has a weight.json. */
  weights?: Partial<Record<Component, KeplerWeights>>;
}

function loaded(stored: StoredModel): LoadedModel {
  const components: Partial<Record<Component, FittedModel>> = {};
  for (const [c, json] of Object.entries(stored.components)) {
    if (json !== undefined) components[c as Component] = loadModel(json);
  }
  return { ...stored, components };
}

/** Reads a model from its folder. */
export async function readModelDir(dir: string): Promise<LoadedModel> {
  return loaded(await readStoredModelDir(dir));
}

/** Reads a model from the entries of its zip (a model folder's files at the top). */
export function readModelZipEntries(
  entries: ZipEntries,
  source = "model zip",
): LoadedModel {
  return loaded(readStoredModelZipEntries(entries, source));
}

/**
 * The checkpoints of a trainer and node type in a group folder, per
 * component, for a run that continues training (XgboostFit).
 */
export async function readCheckpoints(
  groupFolder: string,
  trainer: TrainerName,
  nodeType: number,
  components: readonly Component[],
): Promise<Partial<Record<Component, FittedModel>>> {
  const out: Partial<Record<Component, FittedModel>> = {};
  const json = await readCheckpointJson(
    groupFolder,
    trainer,
    nodeType,
    components,
  );
  for (const [c, m] of Object.entries(json)) {
    if (m !== undefined) out[c as Component] = loadModel(m);
  }
  return out;
}
