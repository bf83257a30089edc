/**
 * The pipelines of a model folder (MODEL_PATH): its entries (folders, or
 * links to the current generation of a pipeline) with a `metadata.json`.
 *
 * @module
 */
import { modelMetadataCsv, pipelineDir, pipelineFile } from "../layout.ts";
import type { EnergySource, OutputType } from "../types.ts";

/** Options of {@linkcode listPipelineNames}. */
export interface ListPipelinesOptions {
  /**
   * Only pipelines with models of this source and output type (a
   * `<source>_<ot>_model_metadata.csv`, as upstream's `list_pipelines`).
   *
   * @default {undefined} any
   */
  summary?: { source: EnergySource; outputType: OutputType };
  /**
   * Only names this accepts.
   *
   * @default {undefined} any
   */
  accept?: (name: string) => boolean;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}

/**
 * The names of the pipelines in `modelPath`, sorted. Entries whose name
 * starts with `.` (generations being built or kept) are not pipelines.
 * Throws `Deno.errors.NotFound` when `modelPath` does not exist.
 *
 * @param modelPath The model folder.
 * @param options What to keep.
 * @returns Pipeline names.
 *
 * @example
 * ```ts
 * import { listPipelineNames } from "./list_pipelines.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await Deno.mkdir(`${dir}/p`);
 * await Deno.writeTextFile(`${dir}/p/metadata.json`, "{}");
 * await Deno.mkdir(`${dir}/not_a_pipeline`);
 * assertEquals(await listPipelineNames(dir), ["p"]);
 * assertEquals(await listPipelineNames(dir, { summary: { source: "acpi", outputType: "AbsPower" } }), []);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function listPipelineNames(
  modelPath: string,
  options: ListPipelinesOptions = {},
): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(modelPath)) {
    if (!e.isDirectory && !e.isSymlink) continue;
    if (e.name.startsWith(".")) continue;
    if (options.accept !== undefined && !options.accept(e.name)) continue;
    const folder = pipelineDir(modelPath, e.name);
    if (!(await isFile(pipelineFile(folder, "metadata")))) continue;
    const s = options.summary;
    if (
      s !== undefined &&
      !(await isFile(modelMetadataCsv(folder, s.source, s.outputType)))
    ) continue;
    out.push(e.name);
  }
  return out.sort();
}

/**
 * A pipeline's folder in `modelPath`.
 *
 * @param modelPath The model folder.
 * @param name The pipeline's name.
 * @returns Its folder.
 *
 * @example
 * ```ts
 * import { pipelineFolder } from "./list_pipelines.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(pipelineFolder("models", "std"), "models/std");
 * ```
 */
export function pipelineFolder(modelPath: string, name: string): string {
  return pipelineDir(modelPath, name);
}
