/**
 * A candidate pipeline is trained in a staging MODEL_PATH, from a copy of
 * the published pipeline, and published into MODEL_PATH only after it was
 * validated: as a whole new generation (lib/pipeline's contract), so
 * `serve` sees the old pipeline or the new one, never a half-written one.
 *
 * @module
 */
import { join } from "node:path";
import { beginGeneration } from "../pipeline/generation.ts";
import { pipelineFolder } from "../pipeline/list_pipelines.ts";

/** The generation's own zip, rebuilt by `publish()`: never copied. */
const GENERATION_ZIP = ".pipeline.zip";

async function copyTree(from: string, to: string): Promise<number> {
  await Deno.mkdir(to, { recursive: true });
  let files = 0;
  for await (const entry of Deno.readDir(from)) {
    if (entry.name === GENERATION_ZIP) continue;
    const src = join(from, entry.name);
    const dst = join(to, entry.name);
    if (entry.isDirectory) files += await copyTree(src, dst);
    else if (entry.isFile) {
      await Deno.copyFile(src, dst);
      files++;
    }
  }
  return files;
}

async function realDir(dir: string): Promise<string | undefined> {
  try {
    const real = await Deno.realPath(dir);
    return (await Deno.stat(real)).isDirectory ? real : undefined;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

/**
 * Copies the pipeline published in `modelPath` (if any) into a fresh
 * staging MODEL_PATH, where a candidate can be trained without touching
 * what is served.
 *
 * @param modelPath MODEL_PATH.
 * @param pipeline The pipeline name.
 * @param staging An empty folder to use as the staging MODEL_PATH.
 * @returns The number of files copied (0 when nothing is published yet).
 *
 * @example
 * ```ts
 * import { publishCandidate, stagePipeline } from "./publish_candidate.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const models = await Deno.makeTempDir();
 * const staging = await Deno.makeTempDir();
 * assertEquals(await stagePipeline(models, "p", staging), 0);
 * await Deno.mkdir(`${staging}/p`);
 * await Deno.writeTextFile(`${staging}/p/metadata.json`, "{}");
 * await publishCandidate(staging, models, "p");
 * assertEquals(await Deno.readTextFile(`${models}/p/metadata.json`), "{}");
 * const again = await Deno.makeTempDir();
 * assertEquals(await stagePipeline(models, "p", again), 1);
 * await Deno.remove(models, { recursive: true });
 * await Deno.remove(staging, { recursive: true });
 * await Deno.remove(again, { recursive: true });
 * ```
 */
export async function stagePipeline(
  modelPath: string,
  pipeline: string,
  staging: string,
): Promise<number> {
  const published = await realDir(pipelineFolder(modelPath, pipeline));
  if (published === undefined) return 0;
  return await copyTree(published, pipelineFolder(staging, pipeline));
}

/**
 * Publishes the pipeline trained in `staging` into `modelPath` as a new
 * generation (built aside, zipped, swapped in with one rename, under the
 * pipeline's lock). A crash before the swap leaves the published pipeline
 * as it was; the next writer sweeps what was left.
 *
 * @param staging The staging MODEL_PATH holding the candidate.
 * @param modelPath MODEL_PATH.
 * @param pipeline The pipeline name.
 * @param options `beforeSwap` runs after the copy and before the swap (for
 *   fault tests).
 * @throws {Deno.errors.NotFound} when the staging folder has no such
 *   pipeline.
 * @throws {Deno.errors.Busy} when another process writes the pipeline.
 *
 * @example
 * ```ts
 * import { publishCandidate } from "./publish_candidate.ts";
 * import { deepStrictEqual as assertEquals, rejects } from "node:assert/strict";
 * const models = await Deno.makeTempDir();
 * const staging = await Deno.makeTempDir();
 * await rejects(publishCandidate(staging, models, "p"), Deno.errors.NotFound);
 * await Deno.mkdir(`${staging}/p`);
 * await Deno.writeTextFile(`${staging}/p/metadata.json`, "{}");
 * await publishCandidate(staging, models, "p");
 * assertEquals(await Deno.readTextFile(`${models}/p/metadata.json`), "{}");
 * await Deno.remove(models, { recursive: true });
 * await Deno.remove(staging, { recursive: true });
 * ```
 */
export async function publishCandidate(
  staging: string,
  modelPath: string,
  pipeline: string,
  options: { beforeSwap?: () => Promise<void> } = {},
): Promise<void> {
  const from = await realDir(pipelineFolder(staging, pipeline));
  if (from === undefined) {
    throw new Deno.errors.NotFound(
      `Cannot publish pipeline ${pipeline}: ${
        pipelineFolder(staging, pipeline)
      } holds no candidate`,
    );
  }
  const generation = await beginGeneration(modelPath, pipeline, {
    copy: false,
  });
  try {
    await copyTree(from, generation.dir);
    await options.beforeSwap?.();
    await generation.publish();
  } catch (error) {
    await generation.abort();
    throw error;
  }
}
