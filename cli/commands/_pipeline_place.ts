/**
 * `-p/--pipeline-name` as a place (private to `cli/commands`): a plain
 * name in MODEL_PATH, or a folder path as upstream's `os.path.join` reads
 * it (lib/layout.ts `pipelineLocation`); a name that names no pipeline is
 * a usage error.
 *
 * @module
 */
import { isAbsolute } from "node:path";
import { pipelineLocation } from "../../lib/layout.ts";
import { exists } from "../../lib/io/read.ts";
import { pipelineFolder } from "../../lib/pipeline/mod.ts";
import { UsageError } from "../errors.ts";

/**
 * The MODEL_PATH and pipeline name that `-p NAME` means.
 *
 * @param modelPath MODEL_PATH.
 * @param name The flag's value.
 * @returns The folder holding the pipeline, and its name there.
 * @throws {UsageError} when the name names no pipeline (`.`, `..`, empty).
 */
export function pipelinePlace(
  modelPath: string,
  name: string,
): { modelPath: string; pipeline: string } {
  try {
    return pipelineLocation(modelPath, name);
  } catch (error) {
    if (error instanceof RangeError) {
      throw new UsageError(`-p/--pipeline-name: ${error.message}`);
    }
    throw error;
  }
}

/**
 * {@linkcode pipelinePlace} of an optional `-p` as the `modelPath` and
 * `pipelineName` options of a command that has a default pipeline
 * (`profile`, `isolate`): MODEL_PATH alone when no name is given.
 *
 * @param modelPath MODEL_PATH.
 * @param name The flag's value, if given.
 * @returns The options to spread.
 */
export function pipelineOptionsOf(
  modelPath: string,
  name: string | undefined,
): { modelPath: string; pipelineName?: string } {
  if (name === undefined) return { modelPath };
  const placed = pipelinePlace(modelPath, name);
  return { modelPath: placed.modelPath, pipelineName: placed.pipeline };
}

/**
 * The folder of a pipeline to read (`estimate -p`): the one `-p NAME`
 * means (see {@linkcode pipelinePlace}); for a relative name with folders
 * that holds no pipeline, the folder at that path from the working
 * directory, as `estimate` read it before `-p` followed upstream's join.
 *
 * @param modelPath MODEL_PATH.
 * @param name The flag's value.
 * @returns The pipeline's folder.
 */
export async function pipelineFolderToRead(
  modelPath: string,
  name: string,
): Promise<string> {
  const placed = pipelinePlace(modelPath, name);
  const folder = pipelineFolder(placed.modelPath, placed.pipeline);
  if (!name.includes("/") || isAbsolute(name) || await exists(folder)) {
    return folder;
  }
  return name;
}
