/**
 * Publishing a pipeline as a whole generation: a training builds the new
 * pipeline aside and swaps it in with one rename, so a reader sees either
 * the complete old pipeline or the complete new one, never a mix of two
 * trainings (see the contract in `mod.ts`).
 *
 * ```
 * <models>/<pipeline>                  symlink → .<pipeline>.generations/<n>
 * <models>/<pipeline>.zip              symlink → <pipeline>/.pipeline.zip
 * <models>/.<pipeline>.generations/<n>/   the current and the previous generation
 * <models>/.<pipeline>.generations/<n>/.pipeline.zip   that generation, zipped
 * <models>/.<pipeline>.<8 hex>.tmp/    a generation being built (locked)
 * <models>/.<pipeline>.lock            held by the one writer while it runs
 * ```
 *
 * The zip lives inside its generation and `<pipeline>.zip` reaches it
 * through `<pipeline>`, so the one rename of `<pipeline>` swaps the folder
 * and the zip together.
 *
 * @module
 */
import { basename, dirname, join, relative, resolve } from "node:path";
import { lockedDir, tempPath } from "../io/atomic.ts";
import { acquireLock } from "../io/lock.ts";
import { type SweepResult, sweepStaleTemps } from "../io/stale_temps.ts";
import { zipDirToFile } from "../io/zip.ts";
import {
  generationZip,
  lockFile,
  pipelineDir,
  pipelineGenerationsDir,
  pipelineZip,
} from "../layout.ts";

/**
 * The lock of one pipeline's writer ({@linkcode lockPipeline}): while it is
 * held no other process writes the pipeline.
 */
export interface PipelineLock {
  /** MODEL_PATH. */
  readonly modelPath: string;
  /** The pipeline. */
  readonly pipeline: string;
  /**
   * The published pipeline, `<models>/<pipeline>` (read it while the lock
   * is held: nobody swaps it meanwhile).
   */
  readonly pipelineDir: string;
  /** Its archive, `<models>/<pipeline>.zip`. */
  readonly zip: string;
  /**
   * What taking the lock cleaned: temps and folders of a killed earlier
   * writer removed, generations no longer kept removed, and the pipeline
   * link put back after a killed migration.
   */
  readonly swept: SweepResult;
  /** Releases the lock (idempotent). */
  release(): Promise<void>;
}

/** A generation being built; {@linkcode beginGeneration} makes one. */
export interface Generation {
  /** The folder the new generation is written into (hidden, aside). */
  readonly dir: string;
  /** The pipeline's public folder, `<models>/<pipeline>`. */
  readonly pipelineDir: string;
  /** The pipeline's archive, `<models>/<pipeline>.zip`. */
  readonly zip: string;
  /** What taking the pipeline's lock cleaned (see {@linkcode PipelineLock}). */
  readonly swept: SweepResult;
  /**
   * Zips the new generation into itself, swaps it in (one rename of a
   * symlink: folder and zip at once) and removes generations older than
   * the previous one. When it throws, call `abort()`.
   */
  publish(): Promise<void>;
  /** Removes the folder being built; the published pipeline is untouched. */
  abort(): Promise<void>;
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
  /**
   * The pipeline's lock, already held (see {@linkcode lockPipeline}); it
   * stays held after publish or abort.
   *
   * @default {undefined} taken here and released by publish or abort
   */
  lock?: PipelineLock;
}

/**
 * `<models>/.<pipeline>.generations`: the published generations.
 *
 * @param modelPath MODEL_PATH.
 * @param pipeline The pipeline name.
 * @returns The folder.
 *
 * @example
 * ```ts
 * import { generationsDir } from "./generation.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(generationsDir("/m", "std"), "/m/.std.generations");
 * ```
 */
export function generationsDir(modelPath: string, pipeline: string): string {
  return pipelineGenerationsDir(modelPath, pipeline);
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

/** Hidden names (the generation's own zip, temps) are not pipeline files. */
const hidden = (rel: string) => rel.split("/").some((s) => s.startsWith("."));

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

/** The generation `<models>/<pipeline>` links to, if it is one of ours. */
async function currentNumber(
  link: string,
  gens: string,
): Promise<number | undefined> {
  let target: string;
  try {
    target = resolve(dirname(link), await Deno.readLink(link));
  } catch {
    return undefined; // missing, or a real folder
  }
  const name = basename(target);
  return dirname(target) === resolve(gens) && /^\d+$/.test(name)
    ? Number(name)
    : undefined;
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

/** Renames a new symlink `link → target` over `link`: one atomic step. */
async function swapLink(link: string, target: string): Promise<void> {
  const tmp = tempPath(link, "tmp");
  await Deno.symlink(target, tmp);
  try {
    await Deno.rename(tmp, link);
  } catch (error) {
    await Deno.remove(tmp).catch(() => {});
    throw error;
  }
}

/** Points `<models>/<pipeline>` at generation n. */
function pointAt(link: string, gens: string, n: number): Promise<void> {
  return swapLink(link, relative(dirname(link), join(gens, String(n))));
}

/**
 * A pipeline folder of the layout before generations (a real folder):
 * copied (hard links) into the generations folder, then moved aside as
 * `.<pipeline>.<8 hex>.old` and replaced by a symlink to its copy. A kill
 * between those two renames leaves the `.old` folder with no pipeline
 * beside it, which the next sweep puts back (lib/io/stale_temps.ts).
 */
async function migrateFolder(link: string, gens: string): Promise<void> {
  const info = await lstatOrUndefined(link);
  if (info === undefined || info.isSymlink || !info.isDirectory) return;
  const dir = tempPath(link, "tmp");
  await linkTree(link, dir);
  const n = await storeGeneration(gens, dir);
  const old = tempPath(link, "old");
  await Deno.rename(link, old);
  await pointAt(link, gens, n);
  await Deno.remove(old, { recursive: true });
}

/**
 * Removes generations other than `current` and the newest one before it
 * (kept for readers still in it); newer ones are a killed publish's.
 */
async function pruneGenerations(
  gens: string,
  current: number,
): Promise<string[]> {
  const numbers = await generationNumbers(gens);
  const previous = numbers.filter((n) => n < current).at(-1);
  const removed: string[] = [];
  for (const n of numbers) {
    if (n === current || n === previous) continue;
    const path = join(gens, String(n));
    await Deno.remove(path, { recursive: true }).then(
      () => removed.push(path),
      () => {},
    );
  }
  return removed;
}

/** Writes a folder's zip (its visible files) into the folder itself. */
async function zipInto(dir: string): Promise<void> {
  // streamed one file at a time, never the whole archive in memory
  await zipDirToFile(dir, generationZip(dir), { skip: hidden });
}

/** Builds a generation aside with `fill`, stores it and points at it. */
async function publishAside(
  link: string,
  gens: string,
  fill: (dir: string) => Promise<void>,
): Promise<void> {
  const dir = tempPath(link, "tmp");
  await Deno.mkdir(dir);
  const held = await lockedDir(dir);
  try {
    await fill(dir);
    await pointAt(link, gens, await storeGeneration(gens, dir));
  } catch (error) {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw error;
  } finally {
    held.close();
  }
}

/**
 * Makes `<models>/<pipeline>.zip` the link `<pipeline>/.pipeline.zip`
 * (once per pipeline of an earlier layout, where it was a file written
 * after the swap). When there was such a file, the current generation is
 * first republished with that file inside it, so every step leaves folder
 * and zip matching; without one, the link is made at once (it reaches no
 * zip until a generation with one is swapped in, as readers saw before).
 */
async function settleZipLink(link: string, gens: string, zip: string) {
  const want = join(basename(link), basename(generationZip("")));
  const info = await lstatOrUndefined(zip);
  if (info?.isSymlink && await Deno.readLink(zip) === want) return;
  await migrateFolder(link, gens);
  const current = await currentNumber(link, gens);
  if (current !== undefined && info !== undefined) {
    await publishAside(link, gens, async (dir) => {
      await linkTree(join(gens, String(current)), dir);
      await Deno.remove(generationZip(dir)).catch(() => {});
      if (info.isFile) {
        await Deno.link(zip, generationZip(dir))
          .catch(() => Deno.copyFile(zip, generationZip(dir)));
      } else await zipInto(dir);
    });
  }
  await swapLink(zip, want);
}

/** Removes the temp names of the layout before `lib/io` naming. */
async function sweepLegacy(
  modelPath: string,
  pipeline: string,
  before: number,
): Promise<string[]> {
  const removed: string[] = [];
  const legacy = [`.${pipeline}.building-`, `.${pipeline}.link-`];
  for await (const e of Deno.readDir(modelPath)) {
    if (!legacy.some((prefix) => e.name.startsWith(prefix))) continue;
    const path = join(modelPath, e.name);
    const info = await lstatOrUndefined(path);
    if ((info?.mtime?.getTime() ?? 0) >= before) continue;
    await Deno.remove(path, { recursive: true }).then(
      () => removed.push(path),
      () => {},
    );
  }
  return removed;
}

/**
 * What a killed writer left, cleaned under the pipeline's lock: its temps
 * (one sweep, lib/io/stale_temps.ts, which also puts back a folder moved
 * aside by a killed migration), and generations no longer kept or never
 * pointed at.
 */
async function tidyPipeline(
  modelPath: string,
  pipeline: string,
  before: number,
): Promise<SweepResult> {
  const link = pipelineDir(modelPath, pipeline);
  const gens = generationsDir(modelPath, pipeline);
  const swept = await sweepStaleTemps(
    modelPath,
    [pipeline, basename(pipelineZip(modelPath, pipeline))],
    { before },
  );
  swept.removed.push(...await sweepLegacy(modelPath, pipeline, before));
  const current = await currentNumber(link, gens);
  if (current !== undefined) {
    swept.removed.push(...await pruneGenerations(gens, current));
  }
  return swept;
}

/**
 * Takes a pipeline's writer lock (`<models>/.<pipeline>.lock`) and cleans
 * what a killed earlier writer left (see {@linkcode PipelineLock.swept}).
 * Fails at once when another process is writing the pipeline.
 *
 * @param modelPath MODEL_PATH (created when missing).
 * @param pipeline The pipeline name.
 * @returns The lock, held; release it when done.
 * @throws {Deno.errors.Busy} when another process holds the lock.
 *
 * @example
 * ```ts
 * import { lockPipeline } from "./generation.ts";
 * import { deepStrictEqual as assertEquals, rejects as assertRejects } from "node:assert/strict";
 * const models = await Deno.makeTempDir();
 * // a generation being built by a killed run: nobody holds it
 * await Deno.mkdir(`${models}/.p.0123abcd.tmp`);
 * await Deno.utime(`${models}/.p.0123abcd.tmp`, 0, 0);
 * const lock = await lockPipeline(models, "p");
 * assertEquals(lock.swept.removed, [`${models}/.p.0123abcd.tmp`]);
 * await assertRejects(() => lockPipeline(models, "p"), Deno.errors.Busy);
 * await lock.release();
 * await Deno.remove(models, { recursive: true });
 * ```
 */
export async function lockPipeline(
  modelPath: string,
  pipeline: string,
): Promise<PipelineLock> {
  const started = Date.now();
  await Deno.mkdir(modelPath, { recursive: true });
  const held = await acquireLock(lockFile(modelPath, pipeline), {
    what: `Cannot write pipeline ${pipeline}`,
    hint:
      "another train or train_from_data is writing it; wait for it to finish",
  });
  try {
    const swept = await tidyPipeline(modelPath, pipeline, started);
    return {
      modelPath,
      pipeline,
      pipelineDir: pipelineDir(modelPath, pipeline),
      zip: pipelineZip(modelPath, pipeline),
      swept,
      release: () => held.release(),
    };
  } catch (error) {
    await held.release();
    throw error;
  }
}

/** Creates the locked folder a generation is built in. */
async function buildingDir(link: string, copy: boolean) {
  const dir = tempPath(link, "tmp");
  await Deno.mkdir(dir);
  const held = await lockedDir(dir);
  try {
    // the published generation, resolved once: a copy of one generation
    const current = await Deno.realPath(link).catch(() => undefined);
    if (
      copy && current !== undefined && (await Deno.stat(current)).isDirectory
    ) {
      await linkTree(current, dir);
    }
  } catch (error) {
    held.close();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw error;
  }
  return { dir, held };
}

/**
 * Starts a new generation of a pipeline: a hidden folder beside it, filled
 * with (hard links to) the published generation unless `copy` is false.
 * Write the new pipeline into `dir`, then `publish()` (or `abort()`).
 * Without a `lock`, takes the pipeline's lock (see
 * {@linkcode lockPipeline}) until publish or abort.
 *
 * @param modelPath MODEL_PATH, the folder that holds pipelines.
 * @param pipeline The pipeline name.
 * @param options Whether to start from the published generation; the lock.
 * @returns The generation being built.
 * @throws {Deno.errors.Busy} when another process is writing the pipeline.
 *
 * @example
 * ```ts
 * import { beginGeneration } from "./generation.ts";
 * import { writeFileAtomic } from "../io/atomic.ts";
 * import { readZipFile } from "../io/zip.ts";
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
 * const zip = await readZipFile(`${models}/p.zip`); // swapped with the folder
 * assertEquals(new TextDecoder().decode(zip["metadata.json"]), "2");
 * await Deno.remove(models, { recursive: true });
 * ```
 */
export async function beginGeneration(
  modelPath: string,
  pipeline: string,
  options: BeginGenerationOptions = {},
): Promise<Generation> {
  const own = options.lock === undefined;
  const lock = options.lock ?? await lockPipeline(modelPath, pipeline);
  const link = pipelineDir(modelPath, pipeline);
  const gens = generationsDir(modelPath, pipeline);
  const zip = pipelineZip(modelPath, pipeline);
  let building: Awaited<ReturnType<typeof buildingDir>>;
  try {
    building = await buildingDir(link, options.copy ?? true);
  } catch (error) {
    if (own) await lock.release();
    throw error;
  }
  const { dir, held } = building;
  const done = async () => {
    held.close();
    if (own) await lock.release();
  };
  let closed = false;
  return {
    dir,
    pipelineDir: link,
    zip,
    swept: lock.swept,
    async publish() {
      await zipInto(dir);
      await settleZipLink(link, gens, zip);
      const n = await storeGeneration(gens, dir);
      await pointAt(link, gens, n); // the commit: folder and zip at once
      await pruneGenerations(gens, n);
      closed = true;
      await done();
    },
    async abort() {
      if (closed) return;
      closed = true;
      await Deno.remove(dir, { recursive: true }).catch(() => {});
      await done();
    },
  };
}
