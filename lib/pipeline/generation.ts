/**
 * Publishing a pipeline as a whole generation: a training builds the new
 * pipeline aside and swaps it in with one rename, so a reader sees either
 * the complete old pipeline or the complete new one, never a mix of two
 * trainings (see the contract in `mod.ts`).
 *
 * ```
 * <models>/<pipeline>                  symlink → .<pipeline>.generations/<n>
 * <models>/.<pipeline>.generations/<n>/   published generations (n grows)
 * <models>/.<pipeline>.building-<id>/     a generation being built
 * <models>/<pipeline>.zip              the current generation, zipped
 * ```
 *
 * @module
 */
import { basename, dirname, join, relative } from "node:path";
import { zipDirToFile } from "../io/zip.ts";
import { pipelineDir, pipelineZip } from "../layout.ts";

/** A generation being built; {@linkcode beginGeneration} makes one. */
export interface Generation {
  /** The folder the new generation is written into (hidden, aside). */
  readonly dir: string;
  /** The pipeline's public folder, `<models>/<pipeline>`. */
  readonly pipelineDir: string;
  /** The pipeline's archive, `<models>/<pipeline>.zip`. */
  readonly zip: string;
  /**
   * Swaps the new generation in (one rename of a symlink), then writes the
   * zip (unless `zip` is false) and removes generations older than the
   * previous one.
   */
  publish(options?: PublishOptions): Promise<void>;
  /** Removes the folder being built; the published pipeline is untouched. */
  abort(): Promise<void>;
}

/** Options of {@linkcode Generation.publish}. */
export interface PublishOptions {
  /**
   * Write `<pipeline>.zip` from the new generation.
   *
   * @default {true}
   */
  zip?: boolean;
}

/** Options of {@linkcode beginGeneration}. */
export interface BeginGenerationOptions {
  /**
   * Start from a copy of the published generation (hard links: every
   * write is a rename, so the published files never change).
   *
   * @default {true}
   */
  copy?: boolean;
}

/** `<models>/.<pipeline>.generations`: the published generations. */
export function generationsDir(modelPath: string, pipeline: string): string {
  const link = pipelineDir(modelPath, pipeline);
  return join(dirname(link), `.${basename(link)}.generations`);
}

async function lstatOrUndefined(
  path: string,
): Promise<Deno.FileInfo | undefined> {
  try {
    return await Deno.lstat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

/** Copies a folder's tree, hard-linking its files (copying where linking fails). */
async function linkTree(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const e of Deno.readDir(from)) {
    const src = join(from, e.name), dst = join(to, e.name);
    if (e.name.endsWith(".tmp")) continue;
    if (e.isDirectory) await linkTree(src, dst);
    else if (e.isFile) {
      await Deno.link(src, dst).catch(() => Deno.copyFile(src, dst));
    }
  }
}

/** The published generation numbers, ascending. */
async function generationNumbers(gens: string): Promise<number[]> {
  const out: number[] = [];
  try {
    for await (const e of Deno.readDir(gens)) {
      if (e.isDirectory && /^\d+$/.test(e.name)) out.push(Number(e.name));
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return out.sort((a, b) => a - b);
}

/** Moves `dir` into the generations folder under the next free number. */
async function storeGeneration(gens: string, dir: string): Promise<number> {
  await Deno.mkdir(gens, { recursive: true });
  for (let attempt = 0;; attempt++) {
    const n = ((await generationNumbers(gens)).at(-1) ?? 0) + 1;
    try {
      await Deno.rename(dir, join(gens, String(n)));
      return n;
    } catch (error) {
      // another writer took n (a non-empty folder cannot be replaced)
      if (attempt >= 10) throw error;
    }
  }
}

/** Points `<models>/<pipeline>` at generation n: a new symlink renamed over it. */
async function pointAt(link: string, gens: string, n: number): Promise<void> {
  const tmp = join(
    dirname(link),
    `.${basename(link)}.link-${crypto.randomUUID().slice(0, 8)}`,
  );
  await Deno.symlink(relative(dirname(link), join(gens, String(n))), tmp);
  try {
    await Deno.rename(tmp, link);
  } catch (error) {
    await Deno.remove(tmp).catch(() => {});
    throw error;
  }
}

/**
 * A pipeline folder of the layout before generations (a real folder):
 * moved into the generations folder and replaced by a symlink to it.
 */
async function migrateFolder(link: string, gens: string): Promise<void> {
  const info = await lstatOrUndefined(link);
  if (info === undefined || info.isSymlink || !info.isDirectory) return;
  const n = await storeGeneration(gens, link);
  await pointAt(link, gens, n);
}

/** Removes published generations older than `keepFrom`. */
async function pruneGenerations(gens: string, keepFrom: number) {
  for (const n of await generationNumbers(gens)) {
    if (n >= keepFrom) continue;
    await Deno.remove(join(gens, String(n)), { recursive: true }).catch(
      () => {},
    );
  }
}

/**
 * Starts a new generation of a pipeline: a hidden folder beside it, filled
 * with (hard links to) the published generation unless `copy` is false.
 * Write the new pipeline into `dir`, then `publish()` (or `abort()`).
 *
 * @param modelPath MODEL_PATH, the folder that holds pipelines.
 * @param pipeline The pipeline name.
 * @param options Whether to start from the published generation.
 * @returns The generation being built.
 *
 * @example
 * ```ts
 * import { beginGeneration } from "./generation.ts";
 * import { writeFileAtomic } from "../io/atomic.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const models = await Deno.makeTempDir();
 * const g1 = await beginGeneration(models, "p");
 * await writeFileAtomic(`${g1.dir}/metadata.json`, "1");
 * await g1.publish();
 * // g2 starts from hard links to g1's files: write by replacing (atomic)
 * const g2 = await beginGeneration(models, "p");
 * await writeFileAtomic(`${g2.dir}/metadata.json`, "2");
 * assertEquals(await Deno.readTextFile(`${models}/p/metadata.json`), "1");
 * await g2.publish();
 * assertEquals(await Deno.readTextFile(`${models}/p/metadata.json`), "2");
 * await Deno.remove(models, { recursive: true });
 * ```
 */
export async function beginGeneration(
  modelPath: string,
  pipeline: string,
  options: BeginGenerationOptions = {},
): Promise<Generation> {
  const link = pipelineDir(modelPath, pipeline);
  const gens = generationsDir(modelPath, pipeline);
  const dir = join(
    dirname(link),
    `.${basename(link)}.building-${crypto.randomUUID().slice(0, 8)}`,
  );
  await Deno.mkdir(dirname(link), { recursive: true });
  // stat, not lstat: a link whose generation was removed is no pipeline
  const current = await Deno.stat(link).catch(() => undefined);
  if ((options.copy ?? true) && current?.isDirectory) {
    await linkTree(link, dir);
  } else await Deno.mkdir(dir);
  const zip = pipelineZip(modelPath, pipeline);
  return {
    dir,
    pipelineDir: link,
    zip,
    async publish(publishOptions: PublishOptions = {}) {
      await migrateFolder(link, gens);
      const n = await storeGeneration(gens, dir);
      await pointAt(link, gens, n);
      if (publishOptions.zip ?? true) {
        await zipDirToFile(join(gens, String(n)), zip);
      }
      await pruneGenerations(gens, n - 1);
    },
    async abort() {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}
