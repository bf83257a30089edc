/**
 * Atomic file writes: the content goes to a temporary file in the target's
 * folder, then a rename puts it in place, so a reader never sees a
 * half-written file and an interrupted run leaves the old file intact.
 *
 * Temp names are `.<name>.<8 hex>.tmp` (and `.<name>.<8 hex>.old` for a
 * folder moved aside), built by `tempPath`: one naming for every writer
 * (atomic files and folders, a pipeline's generation being built, an
 * export's commit in ./commit.ts). The writer holds an exclusive lock (`flock`) on its
 * temp from creation until after the rename, which the kernel releases when
 * the process dies, even by SIGKILL: so a temp nobody holds locked is a
 * leftover of a killed run, and ./stale_temps.ts sweeps it at the next run.
 *
 * @module
 */
import { basename, dirname, join } from "node:path";

/** Options of {@linkcode writeFileAtomic}. */
export interface WriteAtomicOptions {
  /** Create missing parent folders. Default: true. */
  mkdir?: boolean;
  /** File mode of the new file. Default: 0o644 (subject to the umask). */
  mode?: number;
}

/** What {@linkcode writeFileAtomic} writes: text, bytes, or their pieces in order. */
export type AtomicContent =
  | string
  | Uint8Array
  | Iterable<string | Uint8Array>
  | AsyncIterable<string | Uint8Array>;

/** Pieces are gathered up to this size before a write. */
const FLUSH_BYTES = 1 << 20;
/** Pieces of at least this size are written as they are, not copied. */
const DIRECT_BYTES = 1 << 16;

/**
 * Gathers pieces into writes: small pieces are copied into one buffer
 * flushed at {@linkcode FLUSH_BYTES}, large ones go out as they are.
 * `add` and `end` return the chunks to write now, in order.
 */
class PieceBuffer {
  #encoder = new TextEncoder();
  // Grown on demand: a fresh 1 MiB buffer per small file costs more (its
  // zeroing and page faults) than the write itself.
  #buffer = new Uint8Array(0);
  #used = 0;

  add(piece: string | Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    if (typeof piece === "string") {
      // UTF-8 takes at most 3 bytes per UTF-16 unit
      this.#reserve(piece.length * 3, out);
      this.#used += this.#encoder.encodeInto(
        piece,
        this.#buffer.subarray(this.#used),
      ).written;
    } else if (piece.length >= DIRECT_BYTES) {
      this.#flush(out);
      out.push(piece);
    } else {
      this.#reserve(piece.length, out);
      this.#buffer.set(piece, this.#used);
      this.#used += piece.length;
    }
    return out;
  }

  end(): Uint8Array[] {
    const out: Uint8Array[] = [];
    this.#flush(out);
    return out;
  }

  /**
   * Moves the buffered bytes out, as a copy: `#reserve` flushes and then
   * fills the same buffer before the caller writes what it returned.
   */
  #flush(out: Uint8Array[]): void {
    if (this.#used === 0) return;
    out.push(this.#buffer.slice(0, this.#used));
    this.#used = 0;
  }

  #reserve(n: number, out: Uint8Array[]): void {
    const used = this.#used;
    if (used + n <= this.#buffer.length) return;
    if (used + n > FLUSH_BYTES) this.#flush(out);
    if (this.#used + n <= this.#buffer.length) return;
    const grown = new Uint8Array(
      Math.max(
        this.#used + n,
        Math.min(FLUSH_BYTES, 2 * this.#buffer.length || 16_384),
      ),
    );
    grown.set(this.#buffer.subarray(0, this.#used));
    this.#buffer = grown;
  }
}

/** Text or bytes as pieces. */
function asPieces(
  data: AtomicContent,
): Iterable<string | Uint8Array> | AsyncIterable<string | Uint8Array> {
  return typeof data === "string" || data instanceof Uint8Array ? [data] : data;
}

async function writePieces(
  file: Deno.FsFile,
  data: AtomicContent,
): Promise<void> {
  const pieces = asPieces(data);
  const buffer = new PieceBuffer();
  const writeAll = async (chunks: Uint8Array[]) => {
    for (const bytes of chunks) {
      for (let at = 0; at < bytes.length;) {
        at += await file.write(bytes.subarray(at));
      }
    }
  };
  for await (const piece of pieces) await writeAll(buffer.add(piece));
  await writeAll(buffer.end());
}

function writePiecesSync(file: Deno.FsFile, data: SyncContent): void {
  const writeAll = (chunks: Uint8Array[]) => {
    for (const bytes of chunks) {
      for (let at = 0; at < bytes.length;) {
        at += file.writeSync(bytes.subarray(at));
      }
    }
  };
  // One piece goes out as it is (a string encoded once, to its exact size):
  // gathering it first would only copy it.
  if (typeof data === "string") return writeAll([ENCODER.encode(data)]);
  if (data instanceof Uint8Array) return writeAll([data]);
  const buffer = new PieceBuffer();
  for (const piece of data) writeAll(buffer.add(piece));
  writeAll(buffer.end());
}

const ENCODER = new TextEncoder();

/**
 * The temp name of the one naming scheme every writer uses:
 * `<folder>/.<name>.<8 hex>.<kind>`, beside `target` (see ./stale_temps.ts).
 *
 * @param target The file or folder the temp stands for.
 * @param kind `tmp` (new content), `old` (old content moved aside) or
 *   `journal` (a commit's record, ./commit.ts).
 * @param id The 8 hex digits (default: random), to pair names of one write.
 * @returns The temp's path.
 *
 * @example
 * ```ts
 * import { tempPath } from "./atomic.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(tempPath("/m/p.zip", "tmp", "0123abcd"), "/m/.p.zip.0123abcd.tmp");
 * ```
 */
export function tempPath(
  target: string,
  kind: "tmp" | "old" | "journal",
  id: string = crypto.randomUUID().slice(0, 8),
): string {
  return join(dirname(target), `.${basename(target)}.${id}.${kind}`);
}

/** A temp file written and still locked; see {@linkcode writeLockedTemp}. */
export interface LockedTemp {
  /** The temp's path. */
  readonly path: string;
  /** Closes the file, which releases its lock. */
  close(): void;
}

/**
 * Writes `data` into a new temp file beside `path` (see
 * {@linkcode tempPath}) and keeps it locked, so that no sweep takes it for
 * a dead run's until `close()`. On failure the temp is removed and the
 * error names `path`.
 *
 * @param path The file the temp stands for (its folder must exist).
 * @param data The content.
 * @param options The file mode.
 * @returns The temp, written and locked.
 * @throws {Error} the write's error, explained (see {@linkcode explainWriteError}).
 *
 * @example
 * ```ts
 * import { writeLockedTemp } from "./atomic.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const temp = await writeLockedTemp(`${dir}/f.txt`, "new");
 * await Deno.rename(temp.path, `${dir}/f.txt`);
 * temp.close();
 * assertEquals(await Deno.readTextFile(`${dir}/f.txt`), "new");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeLockedTemp(
  path: string,
  data: AtomicContent,
  options: Pick<WriteAtomicOptions, "mode"> = {},
): Promise<LockedTemp> {
  if (isSyncContent(data)) return writeLockedTempSync(path, data, options);
  const tmp = tempPath(path, "tmp");
  let file: Deno.FsFile | undefined;
  try {
    file = await Deno.open(tmp, tempOpenOptions(options));
    // Held until after the rename: an unlocked temp is a dead run's.
    await file.lock(true);
    await writePieces(file, data);
  } catch (error) {
    await Deno.remove(tmp).catch(() => {});
    closeQuietly(file);
    throw explainWriteError(error, path);
  }
  return lockedTemp(tmp, file);
}

/**
 * Content whose pieces are at hand without waiting: text, bytes or a
 * synchronous iterable. It is written with synchronous calls, which on
 * this project's train (1,400 small files) take 0.31 s of CPU where the
 * asynchronous ones take 0.51–0.62 s: each asynchronous call hops to
 * Deno's blocking-task threads and back.
 */
type SyncContent = string | Uint8Array | Iterable<string | Uint8Array>;

function isSyncContent(data: AtomicContent): data is SyncContent {
  return typeof data === "string" || data instanceof Uint8Array ||
    Symbol.iterator in data;
}

/** {@linkcode writeLockedTemp} with synchronous calls. */
function writeLockedTempSync(
  path: string,
  data: SyncContent,
  options: Pick<WriteAtomicOptions, "mode">,
): LockedTemp {
  const tmp = tempPath(path, "tmp");
  let file: Deno.FsFile | undefined;
  try {
    file = Deno.openSync(tmp, tempOpenOptions(options));
    file.lockSync(true);
    writePiecesSync(file, data);
  } catch (error) {
    try {
      Deno.removeSync(tmp);
    } catch { /* never created */ }
    closeQuietly(file);
    throw explainWriteError(error, path);
  }
  return lockedTemp(tmp, file);
}

function tempOpenOptions(
  options: Pick<WriteAtomicOptions, "mode">,
): Deno.OpenOptions {
  return { write: true, createNew: true, mode: options.mode ?? 0o644 };
}

function closeQuietly(file: Deno.FsFile | undefined): void {
  try {
    file?.close();
  } catch { /* already closed */ }
}

function lockedTemp(path: string, file: Deno.FsFile): LockedTemp {
  return { path, close: () => closeQuietly(file) };
}

/**
 * Writes text, bytes or a sequence of pieces to `path` atomically (temp
 * file in the same folder, then rename). Pieces (strings are UTF-8 encoded)
 * are written as they come, so a large file never has to exist in memory
 * whole. Parent folders are created unless `mkdir` is false.
 *
 * @example
 * ```ts
 * import { writeFileAtomic } from "./atomic.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await writeFileAtomic(`${dir}/a/b.txt`, "hello");
 * assertEquals(await Deno.readTextFile(`${dir}/a/b.txt`), "hello");
 * function* pieces() { yield "h"; yield new Uint8Array([0xc3, 0xa9]); yield "llo ✓"; }
 * await writeFileAtomic(`${dir}/a/b.txt`, pieces());
 * assertEquals(await Deno.readTextFile(`${dir}/a/b.txt`), "héllo ✓");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeFileAtomic(
  path: string,
  data: AtomicContent,
  options: WriteAtomicOptions = {},
): Promise<void> {
  if (isSyncContent(data)) return writeFileAtomicSync(path, data, options);
  const dir = dirname(path);
  try {
    if (options.mkdir ?? true) await Deno.mkdir(dir, { recursive: true });
  } catch (error) {
    throw explainWriteError(error, path);
  }
  const temp = await writeLockedTemp(path, data, modeOf(options));
  try {
    await Deno.rename(temp.path, path);
  } catch (error) {
    await Deno.remove(temp.path).catch(() => {});
    throw explainWriteError(error, path);
  } finally {
    temp.close();
  }
}

/** {@linkcode writeFileAtomic} with synchronous calls (see `SyncContent`). */
function writeFileAtomicSync(
  path: string,
  data: SyncContent,
  options: WriteAtomicOptions,
): void {
  try {
    if (options.mkdir ?? true) {
      Deno.mkdirSync(dirname(path), { recursive: true });
    }
  } catch (error) {
    throw explainWriteError(error, path);
  }
  const temp = writeLockedTempSync(path, data, modeOf(options));
  try {
    Deno.renameSync(temp.path, path);
  } catch (error) {
    try {
      Deno.removeSync(temp.path);
    } catch { /* gone already */ }
    throw explainWriteError(error, path);
  } finally {
    temp.close();
  }
}

/**
 * Puts at `path` a hard link to the file `existing`: the same content with
 * no byte written. The link is made under a temp name and renamed into
 * place, so a file already at `path` is replaced, never written through
 * (it may be a hard link of a published generation's file, see
 * lib/pipeline/generation.ts). Where the file system refuses the link, the
 * file's content `data` is written (with {@linkcode writeFileAtomic}).
 *
 * The temp is not locked (a link cannot be): use it where no sweep of dead
 * runs' temps can run meanwhile, in a folder being built under a lock.
 *
 * @example
 * ```ts
 * import { linkFileAtomic } from "./atomic.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/a.json`, "{}");
 * await Deno.writeTextFile(`${dir}/b.json`, "old");
 * await linkFileAtomic(`${dir}/a.json`, `${dir}/b.json`, "{}");
 * assertEquals(await Deno.readTextFile(`${dir}/b.json`), "{}");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function linkFileAtomic(
  existing: string,
  path: string,
  data: string | Uint8Array,
): Promise<void> {
  try {
    Deno.mkdirSync(dirname(path), { recursive: true });
  } catch (error) {
    throw explainWriteError(error, path);
  }
  const tmp = tempPath(path, "tmp");
  try {
    Deno.linkSync(existing, tmp);
  } catch {
    return await writeFileAtomic(path, data); // no hard links here
  }
  try {
    Deno.renameSync(tmp, path);
  } catch (error) {
    try {
      Deno.removeSync(tmp);
    } catch { /* gone already */ }
    throw explainWriteError(error, path);
  }
}

function modeOf(options: WriteAtomicOptions): Pick<WriteAtomicOptions, "mode"> {
  return options.mode === undefined ? {} : { mode: options.mode };
}

/**
 * Turns an OS error of a write into one that names the file and the reason
 * (same error class, original as `cause`).
 */
export function explainWriteError(error: unknown, path: string): unknown {
  const reasons: [new (m: string, o?: ErrorOptions) => Error, string][] = [
    [Deno.errors.PermissionDenied, "permission denied"],
    [Deno.errors.NotFound, "a parent folder does not exist"],
    [Deno.errors.AlreadyExists, "a file is in the way of a folder"],
    [Deno.errors.NotADirectory, "a parent path is a file, not a folder"],
  ];
  for (const [kind, reason] of reasons) {
    if (error instanceof kind) {
      return new kind(`Cannot write ${path}: ${reason}`, { cause: error });
    }
  }
  const code = (error as { code?: unknown } | null)?.code;
  const full: Record<string, string> = {
    ENOSPC: "no space left on device",
    EDQUOT: "the disk quota is exceeded",
    EFBIG: "file too large (a file-size limit)",
  };
  if (typeof code === "string" && full[code] !== undefined) {
    return new Error(`Cannot write ${path}: ${full[code]}`, { cause: error });
  }
  return error;
}

/**
 * Replaces a whole folder atomically as far as the file system allows: the
 * new content is built by `fill` in a sibling temp folder, the old folder is
 * moved aside, the new one renamed into place, and the old one removed. If
 * `fill` throws, the old folder is left untouched.
 *
 * @example
 * ```ts
 * import { replaceDirAtomic } from "./atomic.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await replaceDirAtomic(`${dir}/out`, async (tmp) => {
 *   await Deno.writeTextFile(`${tmp}/x.txt`, "1");
 * });
 * assertEquals(await Deno.readTextFile(`${dir}/out/x.txt`), "1");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function replaceDirAtomic(
  path: string,
  fill: (tmpDir: string) => Promise<void>,
): Promise<void> {
  await Deno.mkdir(dirname(path), { recursive: true });
  const id = crypto.randomUUID().slice(0, 8);
  const tmp = tempPath(path, "tmp", id);
  const old = tempPath(path, "old", id);
  await Deno.mkdir(tmp);
  // Locks held until the end: an unlocked .tmp/.old is a dead run's.
  const held = [await lockedDir(tmp)];
  try {
    try {
      await fill(tmp);
    } catch (error) {
      await Deno.remove(tmp, { recursive: true }).catch(() => {});
      throw error;
    }
    const current = await lockedDir(path).catch((error) => {
      if (error instanceof Deno.errors.NotFound) return undefined;
      throw error;
    });
    if (current !== undefined) {
      held.push(current);
      await Deno.rename(path, old);
    }
    await Deno.rename(tmp, path);
    if (current !== undefined) await Deno.remove(old, { recursive: true });
  } finally {
    for (const dir of held) dir.close();
  }
}

/**
 * Opens a folder and takes an exclusive lock on it (held until the file is
 * closed), marking it as a live writer's for ./stale_temps.ts.
 *
 * @param path The folder.
 * @returns The open folder; close it to release the lock.
 * @throws {Deno.errors.NotFound} when the folder does not exist.
 *
 * @example
 * ```ts
 * import { lockedDir } from "./atomic.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const held = await lockedDir(dir);
 * const other = await Deno.open(dir, { read: true });
 * assertEquals(await other.tryLock(true), false);
 * other.close();
 * held.close();
 * await Deno.remove(dir);
 * ```
 */
export async function lockedDir(path: string): Promise<Deno.FsFile> {
  const dir = await Deno.open(path, { read: true });
  try {
    await dir.lock(true);
  } catch (error) {
    dir.close();
    throw error;
  }
  return dir;
}
