/**
 * A lock held by one process at a time: an exclusive `flock` on a lock file
 * (`Deno.FsFile.lock`). The kernel drops the lock when its process dies,
 * even by SIGKILL, so a lock is never left held by a dead run; the file a
 * killed run leaves is taken over by the next one. Releasing removes the
 * file (the taker checks, after locking, that the path still names the
 * file it locked, so removing it never lets two processes hold the lock).
 *
 * @module
 */

/** A lock this process holds; {@linkcode acquireLock} takes one. */
export interface HeldLock {
  /** The lock file. */
  readonly path: string;
  /** Removes the lock file and releases the lock (idempotent). */
  release(): Promise<void>;
}

/** Options of {@linkcode acquireLock}. */
export interface LockOptions {
  /**
   * What the lock protects, for the message when another process holds
   * it, e.g. `"Cannot train pipeline default"`.
   *
   * @default {"Cannot lock <path>"}
   */
  what?: string;
  /**
   * What to do about it, appended to that message.
   *
   * @default {"wait for it to finish"}
   */
  hint?: string;
}

/** The pid a holder wrote into its lock file, if readable. */
async function holderPid(path: string): Promise<number | undefined> {
  try {
    const pid = Number((await Deno.readTextFile(path)).trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Whether `path` still names the file open as `file`. */
async function stillNamed(path: string, file: Deno.FsFile): Promise<boolean> {
  const mine = await file.stat();
  try {
    const now = await Deno.stat(path);
    return now.ino === mine.ino && now.dev === mine.dev;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/**
 * Takes the lock of `path` (creating the file), or fails at once when
 * another process holds it: `Deno.errors.Busy`, naming the lock file and
 * the holder's pid. The holder's pid is written into the file.
 *
 * @param path The lock file, e.g. `<models>/.<pipeline>.lock`.
 * @param options What the lock protects, for the message.
 * @returns The held lock; call `release()` when done.
 * @throws {Deno.errors.Busy} when another process holds the lock.
 *
 * @example
 * ```ts
 * import { acquireLock } from "./lock.ts";
 * import { deepStrictEqual as assertEquals, rejects as assertRejects } from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const held = await acquireLock(`${dir}/.p.lock`);
 * // a second holder (another open file, as another process would be) is refused
 * await assertRejects(() => acquireLock(`${dir}/.p.lock`, { what: "Cannot train p" }), Deno.errors.Busy);
 * await held.release();
 * assertEquals([...Deno.readDirSync(dir)], []); // the file is removed
 * const again = await acquireLock(`${dir}/.p.lock`);
 * await again.release();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function acquireLock(
  path: string,
  options: LockOptions = {},
): Promise<HeldLock> {
  for (;;) {
    const file = await Deno.open(path, {
      read: true,
      write: true,
      create: true,
      mode: 0o644,
    });
    let locked = false;
    try {
      locked = await file.tryLock(true);
      if (locked && !(await stillNamed(path, file))) {
        // released (removed) by its holder after we opened it: retry
        file.close();
        continue;
      }
    } catch (error) {
      file.close();
      throw error;
    }
    if (!locked) {
      file.close();
      const pid = await holderPid(path);
      throw new Deno.errors.Busy(
        `${options.what ?? `Cannot lock ${path}`}: another run${
          pid === undefined ? "" : ` (pid ${pid})`
        } holds its lock ${path}; ${options.hint ?? "wait for it to finish"}`,
      );
    }
    try {
      await file.truncate(0);
      await file.write(new TextEncoder().encode(`${Deno.pid}\n`));
    } catch { /* the pid is for messages only (e.g. a full disk) */ }
    let released = false;
    return {
      path,
      async release() {
        if (released) return;
        released = true;
        // removed while held: a process that opened it meanwhile retries
        await Deno.remove(path).catch(() => {});
        file.close();
      },
    };
  }
}
