/**
 * Zip archives: build an archive from a folder or from entries (deflated
 * by node:zlib, see ./_zip_writer.ts), read one, and unpack one without
 * letting an entry escape its folder.
 *
 * @module
 */
import { strFromU8 } from "fflate";
import { dirname, isAbsolute, join, normalize, relative, sep } from "node:path";
import { writeFileAtomic } from "./atomic.ts";
import { readBinaryFile } from "./read.ts";
import {
  inflateEntry,
  readZipDirectory,
  type ZipDirectoryEntry,
} from "./_zip_directory.ts";
import { concatPieces, ZipWriter } from "./_zip_writer.ts";
import { ArchivedEntries } from "./_zip_reuse.ts";
import { type WalkFile, WalkReader } from "./_zip_walk.ts";
import { crc32 } from "node:zlib";

/** Entries of an archive: relative path (with `/`) → bytes. */
export type ZipEntries = Record<string, Uint8Array>;

/**
 * Builds a zip archive from entries, in name order. Entry times are fixed
 * (1980-01-01) so the same entries always give the same bytes; entries
 * that are compressed already (zip, gzip, PNG) are stored, the others
 * deflated (node:zlib, level 3) unless that would not shrink them.
 *
 * @example
 * ```ts
 * import { unzipEntries, zipEntries } from "./zip.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const zip = zipEntries({ "a/b.txt": new TextEncoder().encode("hi") });
 * assertEquals(new TextDecoder().decode(unzipEntries(zip)["a/b.txt"]), "hi");
 * ```
 */
export function zipEntries(entries: ZipEntries): Uint8Array {
  const writer = new ZipWriter();
  const pieces: Uint8Array[] = [];
  for (const name of Object.keys(entries).sort()) {
    const data = entries[name];
    if (data !== undefined) pieces.push(...writer.add(name, data));
  }
  pieces.push(writer.finish());
  return concatPieces(pieces);
}

/** Bounds on what reading a zip archive may inflate (a zip bomb's defence). */
export interface ZipLimits {
  /** Most bytes all entries may inflate to together. Default: 1 GiB. */
  maxTotalBytes?: number;
  /** Most entries (folders included). Default: 10,000. */
  maxEntries?: number;
  /**
   * Largest inflated/compressed size ratio of an entry above 1 MiB
   * (deflate's own limit is about 1,032). Default: 200.
   */
  maxRatio?: number;
}

/** The defaults of {@linkcode ZipLimits}. */
export const ZIP_LIMITS: Readonly<Required<ZipLimits>> = {
  maxTotalBytes: 2 ** 30,
  maxEntries: 10_000,
  maxRatio: 200,
};

/** Refuses an archive whose central directory declares too much. */
function checkDeclared(
  directory: readonly ZipDirectoryEntry[],
  source: string,
  limits: ZipLimits,
): void {
  const { maxTotalBytes, maxEntries, maxRatio } = { ...ZIP_LIMITS, ...limits };
  if (directory.length > maxEntries) {
    throw new RangeError(
      `Cannot read ${source}: ${directory.length} entries, the limit is ${maxEntries}`,
    );
  }
  let total = 0;
  for (const e of directory) {
    total += e.size;
    if (
      e.size > 2 ** 20 && e.size > maxRatio * Math.max(1, e.compressedSize)
    ) {
      throw new RangeError(
        `Cannot read ${source}: entry ${e.name} inflates ${e.compressedSize} bytes to ${e.size}, a ratio above the limit of ${maxRatio}`,
      );
    }
  }
  if (total > maxTotalBytes) {
    throw new RangeError(
      `Cannot read ${source}: its entries inflate to ${total} bytes, the limit is ${maxTotalBytes}`,
    );
  }
}

/**
 * Reads the entries of a zip archive (folders are omitted). The central
 * directory is checked against `limits` before anything is inflated, and
 * no entry may inflate past its declared size. A corrupt archive throws a
 * `SyntaxError`; one above a limit a `RangeError` naming the limit.
 *
 * @param zip The archive's bytes.
 * @param source Where it came from, for messages.
 * @param limits Bounds on entries and inflated bytes.
 * @returns The entries by name.
 * @throws {SyntaxError} A corrupt archive.
 * @throws {RangeError} An archive above a limit.
 *
 * @example
 * ```ts
 * import { unzipEntries, zipEntries } from "./zip.ts";
 * import { throws as assertThrows } from "node:assert/strict";
 * const zip = zipEntries({ "big.txt": new Uint8Array(4096) });
 * assertThrows(() => unzipEntries(zip, "z.zip", { maxTotalBytes: 1000 }), RangeError);
 * assertThrows(() => unzipEntries(zip.subarray(0, 40), "z.zip"), SyntaxError);
 * ```
 */
export function unzipEntries(
  zip: Uint8Array,
  source = "zip archive",
  limits: ZipLimits = {},
): ZipEntries {
  let directory: ZipDirectoryEntry[];
  try {
    directory = readZipDirectory(zip);
  } catch (error) {
    throw new SyntaxError(
      `Cannot read ${source}: not a valid zip archive (${
        (error as Error).message
      })`,
      { cause: error },
    );
  }
  checkDeclared(directory, source, limits);
  const out: ZipEntries = {};
  for (const e of directory) {
    if (e.name.endsWith("/")) continue;
    try {
      out[e.name] = inflateEntry(zip, e);
    } catch (error) {
      if (error instanceof RangeError) {
        throw new RangeError(`Cannot read ${source}: ${error.message}`, {
          cause: error,
        });
      }
      throw new SyntaxError(
        `Cannot read ${source}: not a valid zip archive (${
          (error as Error).message
        })`,
        { cause: error },
      );
    }
  }
  return out;
}

/**
 * Checks that bytes are a zip archive whose directory and local headers
 * are where they say, without inflating anything.
 *
 * @param zip The archive's bytes.
 * @param source Where it came from, for messages.
 * @throws {SyntaxError} A corrupt or truncated archive.
 *
 * @example
 * ```ts
 * import { checkZip, zipEntries } from "./zip.ts";
 * import { throws as assertThrows } from "node:assert/strict";
 * const zip = zipEntries({ "a.txt": new Uint8Array(10) });
 * checkZip(zip, "a.zip");
 * assertThrows(() => checkZip(zip.subarray(0, 20), "a.zip"), SyntaxError);
 * ```
 */
export function checkZip(zip: Uint8Array, source = "zip archive"): void {
  try {
    readZipDirectory(zip);
  } catch (error) {
    throw new SyntaxError(
      `${source} is not a valid zip archive (${(error as Error).message})`,
      { cause: error },
    );
  }
}

/** Reads a zip file's entries (see {@linkcode unzipEntries}). */
export async function readZipFile(
  path: string,
  limits: ZipLimits = {},
): Promise<ZipEntries> {
  return unzipEntries(await readBinaryFile(path), path, limits);
}

/** Reads one text entry of a set of zip entries, or undefined. */
export function entryText(
  entries: ZipEntries,
  name: string,
): string | undefined {
  const data = entries[name];
  return data === undefined ? undefined : strFromU8(data);
}

/** Options of {@linkcode collectDir}. */
export interface CollectOptions {
  /** Prefix for entry names (e.g. `"model/"`). Default: none. */
  prefix?: string;
  /** Skip files for which this returns true (relative path). Default: none. */
  skip?: (relativePath: string) => boolean;
}

/** Options of {@linkcode zipDirToFile}. */
export interface ZipDirOptions extends CollectOptions {
  /**
   * The bytes of files below the folder that the caller has at hand (it
   * just wrote them), by entry name: taken instead of reading the files
   * back. Default: none.
   */
  known?: ReadonlyMap<string, Uint8Array>;
}

/**
 * The files below a folder, as [entry name, path] in walk order, with
 * `/`-separated names relative to it. Hidden temp files of atomic writes
 * and what `skip` names are left out.
 */
function listFiles(
  dir: string,
  options: CollectOptions,
): [string, string][] {
  const out: [string, string][] = [];
  // Synchronous: a listing per model folder, each an async hop otherwise.
  const walk = (current: string): void => {
    const names = [...Deno.readDirSync(current)];
    names.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
    for (const entry of names) {
      const full = join(current, entry.name);
      const rel = relative(dir, full).split(sep).join("/");
      if (entry.name.endsWith(".tmp") || options.skip?.(rel)) continue;
      if (entry.isDirectory) walk(full);
      else if (entry.isFile) out.push([(options.prefix ?? "") + rel, full]);
    }
  };
  walk(dir);
  return out;
}

/**
 * Collects the files below a folder as zip entries with `/`-separated paths
 * relative to it. Hidden temp files of atomic writes are skipped.
 */
export async function collectDir(
  dir: string,
  options: CollectOptions = {},
): Promise<ZipEntries> {
  const out: ZipEntries = {};
  for (const [name, path] of listFiles(dir, options)) {
    out[name] = await Deno.readFile(path);
  }
  return out;
}

/**
 * Zips a folder's files into `zipPath` atomically, one file at a time (the
 * archive is streamed to its temp file, never held whole in memory). A file
 * that an archive met earlier in the walk holds already (a model folder
 * beside its zip) takes that archive's compressed bytes, once checked to be
 * its own (./_zip_reuse.ts). The bytes are those of {@linkcode zipEntries}
 * on {@linkcode collectDir} when the inner archives were made by it.
 *
 * @example
 * ```ts
 * import { readZipFile, zipDirToFile } from "./zip.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await Deno.mkdir(`${dir}/m`);
 * await Deno.writeTextFile(`${dir}/m/x.json`, "{}");
 * await zipDirToFile(`${dir}/m`, `${dir}/m.zip`);
 * assertEquals(Object.keys(await readZipFile(`${dir}/m.zip`)), ["x.json"]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function zipDirToFile(
  dir: string,
  zipPath: string,
  options: ZipDirOptions = {},
): Promise<void> {
  const files = listFiles(dir, options);
  files.sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0);
  // Synchronous reads and writes: a pipeline's 1,400 small files would
  // cost an async hop each.
  function* pieces(): Generator<Uint8Array> {
    const writer = new ZipWriter();
    const archived = new ArchivedEntries();
    const reader = new WalkReader();
    for (const [name, path] of files) {
      const known = options.known?.get(name);
      const file: WalkFile = known === undefined
        ? reader.read(path)
        : { data: known };
      if (file.again !== undefined) {
        const { size, crc, method, body } = file.again;
        yield* writer.addArchived(name, size, crc, method, body);
        continue;
      }
      const data = file.data;
      const crc = archived.empty && file.link === undefined
        ? undefined
        : crc32(data) >>> 0;
      const found = crc === undefined ? undefined : archived.find(data, crc);
      const [local, body] = found === undefined
        ? writer.add(name, data, crc)
        : writer.addArchived(name, data.length, crc!, found.method, found.body);
      yield local;
      yield body;
      if (file.link !== undefined) {
        // only a file with other links is met again
        const { method, crc: written } = writer.last!;
        reader.written(file, { method, crc: written, size: data.length, body });
      }
      // the read buffer is reused: the index keeps its own copy
      if (name.endsWith(".zip")) archived.addArchive(path, data.slice());
    }
    yield writer.finish();
  }
  await writeFileAtomic(zipPath, pieces());
}

/**
 * The safe destination of an archive entry below `dir`, or a `RangeError`
 * when the entry would escape it (absolute path or `..`).
 */
export function safeEntryPath(dir: string, entry: string): string {
  const cleaned = normalize(entry.replaceAll("\\", "/"));
  if (
    isAbsolute(cleaned) || cleaned === ".." || cleaned.startsWith(`..${sep}`) ||
    cleaned.startsWith("../")
  ) {
    throw new RangeError(
      `Refusing zip entry "${entry}": it points outside ${dir}`,
    );
  }
  return join(dir, cleaned);
}

/**
 * Unpacks entries into a folder (each file written atomically); entries that
 * would escape the folder are refused with a `RangeError`.
 */
export async function unzipToDir(
  entries: ZipEntries,
  dir: string,
): Promise<string[]> {
  const written: string[] = [];
  const targets = Object.entries(entries).map(([name, data]) =>
    [safeEntryPath(dir, name), data] as const
  );
  for (const [target, data] of targets) {
    await Deno.mkdir(dirname(target), { recursive: true });
    await writeFileAtomic(target, data);
    written.push(target);
  }
  return written;
}
