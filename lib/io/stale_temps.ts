/**
 * Sweeping the temps a killed run left: `writeFileAtomic` and
 * `replaceDirAtomic` (./atomic.ts) write `.<name>.<8 hex>.tmp` (and move a
 * replaced folder aside as `.<name>.<8 hex>.old`) and hold an exclusive lock
 * on it until it is renamed into place. A SIGKILL leaves the temp behind but
 * the kernel drops the lock; so a temp older than this run that nobody holds
 * locked is a leftover, removed here. A live writer's temp (locked) is never
 * touched. A `.old` folder whose target is missing (killed between the two
 * renames) is put back, so what was there stays. A temp symbolic link (a
 * link renamed over its target, as a pipeline's generation link is) cannot
 * carry a lock; its writer renames it right after creating it, so one older
 * than the run is a leftover too. Journals (`.journal`, ./commit.ts) are not
 * temps: a commit's recovery reads them.
 *
 * @module
 */
import { join } from "node:path";

/** Options of {@linkcode sweepStaleTemps}. */
export interface SweepOptions {
  /**
   * Only temps last modified before this time (ms since the epoch) are
   * considered: a temp a live writer is creating right now is newer.
   * Default: now.
   */
  before?: number;
}

/** What {@linkcode sweepStaleTemps} did. */
export interface SweepResult {
  /** Temps removed (paths). */
  removed: string[];
  /** `.old` folders put back in place of their missing target (target paths). */
  restored: string[];
}

const TEMP_NAME = /^\.(.+)\.([0-9a-f]{8})\.(tmp|old)$/;

/** True when nobody holds a lock on `path` (its writer is gone). */
async function unlocked(path: string): Promise<boolean> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch {
    return false;
  }
  try {
    return await file.tryLock(true);
  } catch {
    return false;
  } finally {
    file.close();
  }
}

async function isMissing(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return false;
  } catch (error) {
    return error instanceof Deno.errors.NotFound;
  }
}

/**
 * Removes the stale temps of `targets` (file or folder names) in `dir`:
 * those older than `before` that no live writer holds locked. A missing
 * `dir` is nothing to sweep.
 *
 * @param dir The folder the targets are in.
 * @param targets Names (not paths) of the files and folders whose temps to
 *   sweep, or `"any"` for every temp in `dir` (a folder one writer owns).
 * @param options When a temp counts as old.
 * @returns The temps removed and the folders restored.
 *
 * @example
 * ```ts
 * import { sweepStaleTemps } from "./stale_temps.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/.out.json.0123abcd.tmp`, "half");
 * await Deno.writeTextFile(`${dir}/.other.json.0123abcd.tmp`, "not ours");
 * const swept = await sweepStaleTemps(dir, ["out.json"], { before: Date.now() + 1000 });
 * assertEquals(swept.removed, [`${dir}/.out.json.0123abcd.tmp`]);
 * assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), [".other.json.0123abcd.tmp"]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function sweepStaleTemps(
  dir: string,
  targets: readonly string[] | "any",
  options: SweepOptions = {},
): Promise<SweepResult> {
  const before = options.before ?? Date.now();
  const wanted = targets === "any" ? undefined : new Set(targets);
  const result: SweepResult = { removed: [], restored: [] };
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) names.push(entry.name);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return result;
    throw error;
  }
  // `.old` first: a target missing beside its `.old` is put back.
  names.sort((a, b) => Number(b.endsWith(".old")) - Number(a.endsWith(".old")));
  for (const name of names) {
    const match = TEMP_NAME.exec(name);
    if (match === null) continue;
    if (wanted !== undefined && !wanted.has(match[1] ?? "")) continue;
    const path = join(dir, name);
    const info = await Deno.lstat(path).catch(() => undefined);
    if (info === undefined || (info.mtime?.getTime() ?? 0) >= before) continue;
    if (!info.isSymlink && !(await unlocked(path))) continue;
    const target = join(dir, match[1] ?? "");
    if (match[3] === "old" && await isMissing(target)) {
      await Deno.rename(path, target);
      result.restored.push(target);
      continue;
    }
    try {
      await Deno.remove(path, { recursive: true });
      result.removed.push(path);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  return result;
}
