/**
 * Committing several files and folders together (a journaled commit), for
 * outputs that must change together or not at all but cannot sit behind
 * one link (e.g. an export into a git repository: a folder, its zip, a
 * README and a page):
 *
 * 1. every new file and folder is written aside, as a locked temp beside
 *    its target (`.<name>.<8 hex>.tmp`, the naming of ./atomic.ts); a
 *    failure here (a full disk included) removes the temps and changes
 *    nothing;
 * 2. a journal `<dir>/.<name>.journal` naming each temp, target and
 *    old-copy path is written atomically: from that instant the commit is
 *    decided;
 * 3. each target is moved aside (`.<name>.<8 hex>.old`) and its temp
 *    renamed in; then the old copies and the journal are removed.
 *
 * A run killed before the journal exists leaves temps only, which
 * {@linkcode recoverCommit} sweeps (roll back: the targets never changed);
 * one killed after it is rolled forward by {@linkcode recoverCommit}, which
 * finishes the renames. Committers of one journal must be serialized (a
 * lock, ./lock.ts), and recovery runs under that lock before the next
 * commit.
 *
 * @module
 */
import { dirname, join, relative, resolve } from "node:path";
import {
  type AtomicContent,
  explainWriteError,
  lockedDir,
  tempPath,
  writeFileAtomic,
  writeLockedTemp,
} from "./atomic.ts";
import { parseJsonText } from "./json.ts";
import { type SweepResult, sweepStaleTemps } from "./stale_temps.ts";

/** One output of a commit. */
export type CommitEntry =
  | {
    /** A folder, replaced as a whole. */
    kind: "dir";
    /** The folder. */
    target: string;
    /** Fills the new folder (a temp beside the target). */
    fill: (tmp: string) => Promise<void>;
  }
  | {
    /** A file. */
    kind: "file";
    /** The file. */
    target: string;
    /** Its new content (asked for after the entries before it are written). */
    content: () => AtomicContent | Promise<AtomicContent>;
  };

/** The journal: paths relative to its folder. */
interface Journal {
  entries: { target: string; tmp: string; old: string }[];
}

/**
 * What {@linkcode recoverCommit} did: `removed` lists the temps swept and,
 * for a decided commit, its old copies and journal.
 */
export interface RecoverResult extends SweepResult {
  /** Targets a killed commit had decided and this recovery renamed in. */
  rolledForward: string[];
}

/** The journal of `name` in `dir`. */
function journalPath(dir: string, name: string): string {
  return join(dir, `.${name}.journal`);
}

async function present(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/**
 * Step 3: every target replaced by its temp, then old copies removed;
 * returns the targets replaced and the old copies removed.
 */
async function apply(
  dir: string,
  journal: Journal,
): Promise<{ replaced: string[]; removed: string[] }> {
  const replaced: string[] = [], removed: string[] = [];
  const abs = (p: string) => resolve(dir, p);
  for (const e of journal.entries) {
    if (!(await present(abs(e.tmp)))) continue; // renamed in already
    if ((await present(abs(e.target))) && !(await present(abs(e.old)))) {
      await Deno.rename(abs(e.target), abs(e.old));
    }
    await Deno.rename(abs(e.tmp), abs(e.target));
    replaced.push(abs(e.target));
  }
  for (const e of journal.entries) {
    await Deno.remove(abs(e.old), { recursive: true }).then(
      () => removed.push(abs(e.old)),
      (error) => {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
      },
    );
  }
  return { replaced, removed };
}

/** Step 1 for one entry: its temp, written and locked. */
async function stage(
  entry: CommitEntry,
): Promise<{ tmp: string; close: () => void }> {
  await Deno.mkdir(dirname(entry.target), { recursive: true });
  if (entry.kind === "file") {
    const temp = await writeLockedTemp(entry.target, await entry.content());
    return { tmp: temp.path, close: () => temp.close() };
  }
  const tmp = tempPath(entry.target, "tmp");
  await Deno.mkdir(tmp);
  const held = await lockedDir(tmp);
  const close = () => {
    try {
      held.close();
    } catch { /* closed */ }
  };
  try {
    await entry.fill(tmp);
  } catch (error) {
    close();
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
    throw namingTarget(
      explainWriteError(error, entry.target),
      tmp,
      entry.target,
    );
  }
  return { tmp, close };
}

/** The error with the temp folder's path replaced by its target's. */
function namingTarget(error: unknown, tmp: string, target: string): unknown {
  if (!(error instanceof Error) || !error.message.includes(tmp)) return error;
  const Kind = error.constructor as new (m: string, o?: ErrorOptions) => Error;
  try {
    return new Kind(error.message.replaceAll(tmp, target), { cause: error });
  } catch {
    return error;
  }
}

/** Adds "nothing was changed" to a failure before the commit was decided. */
function unchanged(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const Kind = error.constructor as new (m: string, o?: ErrorOptions) => Error;
  try {
    return new Kind(`${error.message}; nothing was changed`, { cause: error });
  } catch {
    return error;
  }
}

/**
 * Replaces files and folders together: all or none of them change, also
 * when the process is killed (the next {@linkcode recoverCommit} finishes
 * or undoes it) or the disk fills up (nothing changes).
 *
 * @param dir Where the journal is written (the folder the targets are in
 *   or below).
 * @param name The journal's name: `<dir>/.<name>.journal`.
 * @param entries The files and folders, written in this order.
 * @returns Nothing.
 * @throws {Error} the first write's failure, explained, with
 *   "nothing was changed" (the temps are removed).
 *
 * @example
 * ```ts
 * import { commitTogether } from "./commit.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await commitTogether(dir, "out", [
 *   { kind: "dir", target: `${dir}/p`, fill: (tmp) => Deno.writeTextFile(`${tmp}/a.txt`, "1") },
 *   { kind: "file", target: `${dir}/README.md`, content: () => "# p\n" },
 * ]);
 * assertEquals(await Deno.readTextFile(`${dir}/p/a.txt`), "1");
 * assertEquals([...Deno.readDirSync(dir)].map((e) => e.name).sort(), ["README.md", "p"]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function commitTogether(
  dir: string,
  name: string,
  entries: readonly CommitEntry[],
): Promise<void> {
  const staged: { target: string; tmp: string; close: () => void }[] = [];
  const journal = journalPath(dir, name);
  const rel = (p: string) => relative(dir, p);
  try {
    for (const entry of entries) {
      staged.push({ target: entry.target, ...await stage(entry) });
    }
    const record: Journal = {
      entries: staged.map((s) => ({
        target: rel(s.target),
        tmp: rel(s.tmp),
        old: rel(tempPath(s.target, "old", s.tmp.slice(-12, -4))),
      })),
    };
    await writeFileAtomic(journal, JSON.stringify(record, null, 1) + "\n");
  } catch (error) {
    for (const s of staged) {
      s.close();
      await Deno.remove(s.tmp, { recursive: true }).catch(() => {});
    }
    throw unchanged(error);
  }
  try {
    // decided: from here a failure is finished by the next recovery
    await apply(dir, parseJsonText(await Deno.readTextFile(journal), journal));
    await Deno.remove(journal);
  } finally {
    for (const s of staged) s.close();
  }
}

/**
 * Finishes a commit a killed run had decided (its journal exists: roll
 * forward), then sweeps the temps of undecided ones in `folders` (roll
 * back: their targets never changed) and the journal's own temps. Run it
 * under the lock that serializes the commits, before the next one.
 *
 * @param dir The journal's folder (as given to {@linkcode commitTogether}).
 * @param name The journal's name.
 * @param folders The folders whose temps to sweep (every temp in them).
 * @returns What was rolled forward, removed and put back.
 *
 * @example
 * ```ts
 * import { recoverCommit } from "./commit.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * // a commit killed after its journal, before its rename
 * await Deno.writeTextFile(`${dir}/README.md`, "old");
 * await Deno.writeTextFile(`${dir}/.README.md.0123abcd.tmp`, "new");
 * await Deno.writeTextFile(`${dir}/.out.journal`, JSON.stringify({ entries: [
 *   { target: "README.md", tmp: ".README.md.0123abcd.tmp", old: ".README.md.0123abcd.old" }] }));
 * const done = await recoverCommit(dir, "out", [dir]);
 * assertEquals(done.rolledForward, [`${dir}/README.md`]);
 * assertEquals(await Deno.readTextFile(`${dir}/README.md`), "new");
 * assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), ["README.md"]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function recoverCommit(
  dir: string,
  name: string,
  folders: readonly string[],
): Promise<RecoverResult> {
  const before = Date.now();
  const result: RecoverResult = {
    rolledForward: [],
    removed: [],
    restored: [],
  };
  const journal = journalPath(dir, name);
  let text: string | undefined;
  try {
    text = await Deno.readTextFile(journal);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  if (text !== undefined) {
    const record = parseJsonText<Journal>(text, journal);
    const done = await apply(dir, record);
    await Deno.remove(journal);
    result.rolledForward.push(...done.replaced);
    result.removed.push(...done.removed, journal);
  }
  for (const folder of new Set([dir, ...folders])) {
    const swept = await sweepStaleTemps(folder, "any", { before });
    result.removed.push(...swept.removed);
    result.restored.push(...swept.restored);
  }
  return result;
}
