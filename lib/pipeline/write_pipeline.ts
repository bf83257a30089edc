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

/** The pipeline-level files {@linkcode writePipelineFiles} writes. */
export interface PipelineFiles {
  /** `metadata.json`. */
  metadata?: PipelineMetadata;
  /** `train_arguments.json`. */
  trainArguments?: Record<string, unknown>;
  /** `node_type_index.json`. */
  nodeTypeIndex?: NodeTypeIndex;
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
  if (files.nodeTypeIndex !== undefined) {
    await writeJsonFile(
      pipelineFile(dir, "nodeTypeIndex"),
      files.nodeTypeIndex,
      compact,
    );
  }
}
