/**
 * Deflated data to take from archives inside a folder being zipped, rather
 * than deflate it again (private to lib/io, used by `zipDirToFile`).
 *
 * A pipeline holds each model twice over: the folder `<group>/<Model>/`
 * and its archive `<group>/<Model>.zip`, and each component file again as
 * `<group>/checkpoint/<Trainer>_<component>_<nt>.json`. The pipeline's own
 * archive deflated all of it anew: at 10 min × 10 containers, 0.58 s of a
 * 4.2 s training, most of it bytes that a model archive beside them had
 * deflated already. As the walk meets an archive, its entries are indexed
 * by (CRC-32, size); a later file with the same pair takes the entry's
 * compressed bytes once they are checked to be its bytes: inflated (native
 * zlib, bounded by the file's size) and compared, byte for byte. A CRC
 * collision, a damaged archive, or an archive that is not one at all just
 * means the file is deflated as before.
 *
 * When the archives were written by this project's `ZipWriter` (the same
 * level, the same zlib), the reused bytes are those a fresh deflate gives,
 * so the folder's archive comes out the same, byte for byte.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { inflateRawSync } from "node:zlib";
import { readZipDirectory } from "./_zip_directory.ts";

/** Archives kept in memory between uses, at most this many bytes. */
const KEEP_BYTES = 64 << 20;

interface Candidate {
  /** The archive's path. */
  archive: string;
  method: 0 | 8;
  dataOffset: number;
  compressedSize: number;
}

/** A file's data in archived form, checked to be that data. */
export interface Archived {
  method: 0 | 8;
  body: Uint8Array;
}

/** Entries of the archives met so far, to reuse (see the module doc). */
export class ArchivedEntries {
  #index = new Map<string, Candidate[]>();
  /** Recently met archives' bytes, oldest first. */
  #kept = new Map<string, Uint8Array>();
  #keptBytes = 0;
  /** True while no archive has been indexed: nothing to look up. */
  get empty(): boolean {
    return this.#index.size === 0;
  }

  /**
   * Indexes the entries of an archive met at `path` (its bytes at hand).
   * Bytes that are not a readable archive index nothing.
   */
  addArchive(path: string, bytes: Uint8Array): void {
    let entries;
    try {
      entries = readZipDirectory(bytes);
    } catch {
      return; // not an archive we can read: nothing to reuse
    }
    for (const e of entries) {
      if (e.method !== 0 && e.method !== 8) continue;
      const key = `${e.crc}:${e.size}`;
      const list = this.#index.get(key) ?? [];
      list.push({
        archive: path,
        method: e.method,
        dataOffset: e.dataOffset,
        compressedSize: e.compressedSize,
      });
      this.#index.set(key, list);
    }
    this.#keep(path, bytes);
  }

  /**
   * The archived form of `data` (CRC-32 `crc`) from an indexed archive,
   * checked byte for byte, or undefined when none holds it.
   */
  find(data: Uint8Array, crc: number): Archived | undefined {
    const key = `${crc}:${data.length}`;
    const candidates = this.#index.get(key);
    if (candidates === undefined) return undefined;
    for (const c of candidates) {
      const bytes = this.#archive(c.archive);
      if (bytes === undefined) continue;
      const end = c.dataOffset + c.compressedSize;
      const body = bytes.subarray(c.dataOffset, end);
      if (body.length !== c.compressedSize) continue;
      const plain = c.method === 0 ? body : inflated(body, data.length);
      if (sameBytes(plain, data)) return { method: c.method, body };
    }
    return undefined;
  }

  #archive(path: string): Uint8Array | undefined {
    const kept = this.#kept.get(path);
    if (kept !== undefined) return kept;
    try {
      const bytes = Deno.readFileSync(path);
      this.#keep(path, bytes);
      return bytes;
    } catch {
      return undefined;
    }
  }

  #keep(path: string, bytes: Uint8Array): void {
    if (this.#kept.has(path)) return;
    this.#kept.set(path, bytes);
    this.#keptBytes += bytes.length;
    for (const [p, b] of this.#kept) {
      if (this.#keptBytes <= KEEP_BYTES || p === path) break;
      this.#kept.delete(p);
      this.#keptBytes -= b.length;
    }
  }
}

/** `body` inflated, or undefined when it is not raw deflate of ≤ `size` bytes. */
function inflated(body: Uint8Array, size: number): Uint8Array | undefined {
  try {
    // one output chunk of the expected size: no gathering of 16 KiB pieces
    return inflateRawSync(body, {
      maxOutputLength: Math.max(1, size),
      chunkSize: Math.max(64, size),
    });
  } catch {
    return undefined;
  }
}

function sameBytes(a: Uint8Array | undefined, b: Uint8Array): boolean {
  return a !== undefined && a.length === b.length &&
    Buffer.compare(a, b) === 0;
}
