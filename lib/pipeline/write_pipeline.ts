/**
 * The writers a training uses on a pipeline folder (a generation being
 * built, see `generation.ts`): preprocessed data, models, checkpoints read
 * back to continue from, and the pipeline-level files (`metadata.json`,
 * `train_arguments.json`, `node_type_index.json`, the summary CSVs).
 *
 * @module
 */
import type { Frame } from "../extract/frame.ts";
import { writeFrameCsv } from "../extract/frame_csv.ts";
import { readJsonFile, writeJsonFile } from "../io/json.ts";
import { exists } from "../io/read.ts";
import {
  groupDir,
  pipelineFile,
  preprocessedFile,
  type PreprocessedKey,
} from "../layout.ts";
import type {
  Component,
  EnergySource,
  FeatureGroup,
  OutputType,
  TrainerName,
} from "../types.ts";
import {
  type ModelJson,
  type ModelToWrite,
  readCheckpointJson,
  writeModel,
  type WriteModelOptions,
} from "./model_files.ts";
import { type NodeTypeIndex, readNodeTypeIndex } from "./node_type_index.ts";
import type { PipelineMetadata } from "./pipeline_metadata.ts";

/** Where a model group sits in a pipeline. */
export interface GroupKey {
  /** Energy source. */
  source: EnergySource;
  /** Output type. */
  outputType: OutputType;
  /** Feature group. */
  featureGroup: FeatureGroup;
}

/**
 * Writes a frame as a preprocessed CSV of the pipeline
 * (`preprocessed_data/preprocess_{abs_<ext>|dyn_<ext>_<iso>}_<source>_<FG>.csv`).
 *
 * @param dir The pipeline folder.
 * @param key What the frame is.
 * @param frame The frame (AbsPower: extracted layout; DynPower: isolated).
 */
export async function writePreprocessed(
  dir: string,
  key: PreprocessedKey,
  frame: Frame,
): Promise<void> {
  await writeFrameCsv(preprocessedFile(dir, key), frame, {
    layout: key.outputType === "AbsPower" ? "extracted" : "isolated",
  });
}

/**
 * Writes a trained model (folder, checkpoints, zip) into its group.
 *
 * @param dir The pipeline folder.
 * @param key The model's group.
 * @param model The model.
 * @param options The weight file's form.
 * @returns The model folder.
 */
export function writePipelineModel(
  dir: string,
  key: GroupKey,
  model: ModelToWrite,
  options: WriteModelOptions = {},
): Promise<string> {
  return writeModel(
    groupDir(dir, key.source, key.outputType, key.featureGroup),
    model,
    options,
  );
}

/**
 * The checkpoints a trainer continues from (XgboostFit), as model JSON.
 *
 * @param dir The pipeline folder.
 * @param key The model's group.
 * @param trainer The trainer.
 * @param nodeType The node type.
 * @param components The components wanted.
 * @returns Model JSON per component that has a checkpoint.
 */
export function readPipelineCheckpoints(
  dir: string,
  key: GroupKey,
  trainer: TrainerName,
  nodeType: number,
  components: readonly Component[],
): Promise<Partial<Record<Component, ModelJson>>> {
  return readCheckpointJson(
    groupDir(dir, key.source, key.outputType, key.featureGroup),
    trainer,
    nodeType,
    components,
  );
}

/**
 * A pipeline's node type index (empty when it has none).
 *
 * @param dir The pipeline folder.
 * @returns The index.
 */
export function readPipelineNodeTypeIndex(dir: string): Promise<NodeTypeIndex> {
  return readNodeTypeIndex(pipelineFile(dir, "nodeTypeIndex"));
}

/**
 * A pipeline's `metadata.json`, or undefined when it has none.
 *
 * @param dir The pipeline folder.
 * @returns The metadata.
 */
export async function readPipelineMetadata(
  dir: string,
): Promise<PipelineMetadata | undefined> {
  const path = pipelineFile(dir, "metadata");
  return (await exists(path))
    ? await readJsonFile<PipelineMetadata>(path)
    : undefined;
}

/** What a training reads of the published pipeline before any work. */
export interface ExistingPipeline {
  /** Its `metadata.json`, when it has one. */
  metadata?: PipelineMetadata;
  /** Its node type index (empty when it has none). */
  nodeTypeIndex: NodeTypeIndex;
}

/** Why `value` is not a pipeline's metadata, or undefined when it is. */
function metadataProblem(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return `it is ${
      Array.isArray(value) ? "an array" : String(value)
    }, not an object`;
  }
  const m = value as Record<string, unknown>;
  for (const key of ["abs_trainers", "dyn_trainers", "energy_sources"]) {
    const v = m[key];
    if (
      v !== undefined &&
      !(Array.isArray(v) && v.every((x) => typeof x === "string"))
    ) return `${key} is ${JSON.stringify(v)}, not a list of names`;
  }
  for (const key of ["name", "init_time", "last_update_time"]) {
    if (m[key] !== undefined && typeof m[key] !== "string") {
      return `${key} is ${JSON.stringify(m[key])}, not a string`;
    }
  }
  return undefined;
}

/**
 * Reads and checks what a training continues from in a published pipeline
 * (`metadata.json` and `node_type_index.json`), so a corrupt file stops
 * the run before any work. A missing folder is a new pipeline.
 *
 * @param dir The pipeline folder, e.g. `<models>/<pipeline>`.
 * @param name The pipeline's name, for messages.
 * @returns Its metadata and node type index.
 * @throws {SyntaxError} when a file is not JSON.
 * @throws {TypeError} when metadata.json or the node type index is not of
 *   their form.
 *
 * @example
 * ```ts
 * import { readExistingPipeline } from "./write_pipeline.ts";
 * import { deepStrictEqual as assertEquals, rejects as assertRejects } from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * assertEquals(await readExistingPipeline(dir, "p"), { nodeTypeIndex: {} });
 * await Deno.writeTextFile(`${dir}/metadata.json`, '{"name": "p", "abs_trainers": 3}');
 * await assertRejects(() => readExistingPipeline(dir, "p"), /abs_trainers is 3, not a list of names/);
 * await Deno.writeTextFile(`${dir}/metadata.json`, '{"name": "p", "bro');
 * await assertRejects(() => readExistingPipeline(dir, "p"), SyntaxError);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function readExistingPipeline(
  dir: string,
  name: string,
): Promise<ExistingPipeline> {
  const refuse = (error: unknown): never => {
    const message = (error as Error).message;
    const Kind = error instanceof SyntaxError ? SyntaxError : TypeError;
    throw new Kind(
      `Cannot train pipeline ${name}: ${message}; fix or remove it (nothing was changed)`,
      { cause: error },
    );
  };
  const path = pipelineFile(dir, "metadata");
  let metadata: PipelineMetadata | undefined;
  try {
    metadata = await readPipelineMetadata(dir);
  } catch (error) {
    refuse(error);
  }
  const problem = metadata === undefined
    ? undefined
    : metadataProblem(metadata);
  if (problem !== undefined) {
    refuse(new TypeError(`${path} is not a pipeline's metadata: ${problem}`));
  }
  let nodeTypeIndex: NodeTypeIndex = {};
  try {
    nodeTypeIndex = await readPipelineNodeTypeIndex(dir);
  } catch (error) {
    refuse(error);
  }
  return { ...(metadata === undefined ? {} : { metadata }), nodeTypeIndex };
}

/** The pipeline-level files {@linkcode writePipelineFiles} writes. */
export interface PipelineFiles {
  /** `metadata.json`. */
  metadata?: PipelineMetadata;
  /** `train_arguments.json`. */
  trainArguments?: Record<string, unknown>;
  /** `node_type_index.json`. */
  nodeTypeIndex?: NodeTypeIndex;
  /** `vm_cross_validation.json` of a VM pipeline. */
  vmCrossValidation?: unknown;
}

/**
 * Writes the given pipeline-level files, in upstream's compact JSON.
 *
 * @param dir The pipeline folder.
 * @param files The files to write.
 */
export async function writePipelineFiles(
  dir: string,
  files: PipelineFiles,
): Promise<void> {
  const compact = { indent: 0 };
  if (files.metadata !== undefined) {
    await writeJsonFile(pipelineFile(dir, "metadata"), files.metadata, compact);
  }
  if (files.trainArguments !== undefined) {
    await writeJsonFile(
      pipelineFile(dir, "trainArguments"),
      files.trainArguments,
      compact,
    );
  }
  if (files.vmCrossValidation !== undefined) {
    await writeJsonFile(
      pipelineFile(dir, "vmCrossValidation"),
      files.vmCrossValidation,
    );
  }
  if (files.nodeTypeIndex !== undefined) {
    await writeJsonFile(
      pipelineFile(dir, "nodeTypeIndex"),
      files.nodeTypeIndex,
      compact,
    );
  }
}
