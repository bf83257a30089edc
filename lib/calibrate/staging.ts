/**
 * Calibrate's staging folders: `<state dir>/staging-<cycle>`, where a
 * candidate pipeline is trained before it is published. A candidate's
 * folder is removed when it is published or rejected; one that a killed
 * calibrate left is removed at the next start ({@linkcode sweepStaging}).
 *
 * @module
 */
import { join } from "node:path";

/**
 * The staging folder of the candidate of cycle `cycle`.
 *
 * @param stateDir Calibrate's state folder (`--state-dir`).
 * @param cycle The cycle number.
 * @returns `<stateDir>/staging-<cycle>`.
 *
 * @example
 * ```ts
 * import { stagingDir } from "./staging.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(stagingDir("/m/.calibrate", 7), "/m/.calibrate/staging-7");
 * ```
 */
export function stagingDir(stateDir: string, cycle: number): string {
  return join(stateDir, `staging-${cycle}`);
}

/**
 * Removes the staging folders a killed calibrate left in `stateDir` (one
 * calibrate keeps a state folder; its candidates are never resumed).
 *
 * @param stateDir Calibrate's state folder; a missing one holds nothing.
 * @returns The folders removed.
 * @throws {Deno.errors.PermissionDenied} when a folder cannot be removed.
 *
 * @example
 * ```ts
 * import { stagingDir, sweepStaging } from "./staging.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const state = await Deno.makeTempDir();
 * await Deno.mkdir(`${stagingDir(state, 38)}/p`, { recursive: true });
 * await Deno.writeTextFile(`${state}/decisions.jsonl`, "");
 * assertEquals(await sweepStaging(state), [stagingDir(state, 38)]);
 * assertEquals(await sweepStaging(state), []);
 * await Deno.remove(state, { recursive: true });
 * ```
 */
export async function sweepStaging(stateDir: string): Promise<string[]> {
  const removed: string[] = [];
  try {
    for await (const e of Deno.readDir(stateDir)) {
      if (!e.isDirectory || !/^staging-\d+$/.test(e.name)) continue;
      const path = join(stateDir, e.name);
      await Deno.remove(path, { recursive: true });
      removed.push(path);
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return removed.sort();
}
