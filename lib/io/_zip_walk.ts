/**
 * Reading the files of a folder being zipped (private to lib/io, used by
 * `zipDirToFile`): into one buffer reused from file to file, and a file
 * met again under another name (a hard link: same device and inode, same
 * size and modification time) takes the entry written for it the first
 * time, without being read again.
 *
 * Why: a pipeline's 1,500 files read each into a fresh buffer, and the
 * deflate or inflate output beside it, left 15–20 MB of garbage that the
 * collector had not reclaimed when the archive was done, and the pipeline
 * archive is the last thing `train` does, so that was its peak memory
 * (10 min × 10 containers: 197–214 MB before the archive took the model
 * archives' bytes, 211–225 MB after, against upstream's 222 MB). And each
 * checkpoint file is a hard link of its model's component file
 * (../pipeline/model_files.ts), so the second read, its CRC and its check
 * against an inner archive are work done twice.
 *
 * A body remembered for a link is kept until every link of the file has
 * been met, and never more than {@linkcode LINKED_BYTES} in all.
 *
 * @module
 */

/** Remembered entries of hard-linked files, at most this many bytes. */
const LINKED_BYTES = 32 << 20;

/** An entry as the archive holds it. */
export interface WrittenEntry {
  method: 0 | 8;
  crc: number;
  size: number;
  body: Uint8Array;
}

/** A file of the walk: its bytes, or the entry written for it already. */
export type WalkFile =
  | { data: Uint8Array; again?: undefined; link?: LinkKey | undefined }
  | { again: WrittenEntry; data?: undefined; link?: undefined };

/** Identity of a hard-linked file and what makes its content the same. */
interface LinkKey {
  id: string;
  nlink: number;
  size: number;
  mtime: number;
}

interface Linked {
  key: LinkKey;
  entry: WrittenEntry;
  /** Links met so far. */
  met: number;
}

/** Reads a walk's files (see the module doc). */
export class WalkReader {
  #buffer = new Uint8Array(1 << 16);
  #linked = new Map<string, Linked>();
  #linkedBytes = 0;

  /**
   * The file at `path`: its bytes, valid until the next read (copy what
   * must outlive it), or the entry remembered for another link of it.
   */
  read(path: string): WalkFile {
    const file = Deno.openSync(path);
    try {
      const info = file.statSync();
      const link = linkKey(info);
      if (link !== undefined) {
        const seen = this.#linked.get(link.id);
        if (seen !== undefined && sameContent(seen.key, link)) {
          if (++seen.met >= link.nlink) this.#forget(link.id);
          return { again: seen.entry };
        }
      }
      return { data: this.#readAll(file, info.size), link };
    } finally {
      file.close();
    }
  }

  /** Remembers the entry written for `file` when it has other links. */
  written(file: WalkFile, entry: WrittenEntry): void {
    const key = file.link;
    if (key === undefined || this.#linked.has(key.id)) return;
    if (this.#linkedBytes + entry.body.length > LINKED_BYTES) return;
    // a stored body is the reused read buffer: keep a copy
    const body = entry.method === 0 ? entry.body.slice() : entry.body;
    this.#linked.set(key.id, { key, entry: { ...entry, body }, met: 1 });
    this.#linkedBytes += body.length;
  }

  #forget(id: string): void {
    const seen = this.#linked.get(id);
    if (seen === undefined) return;
    this.#linked.delete(id);
    this.#linkedBytes -= seen.entry.body.length;
  }

  /** The whole file into the reused buffer (grown as needed). */
  #readAll(file: Deno.FsFile, size: number): Uint8Array {
    if (this.#buffer.length < size + 1) {
      this.#buffer = new Uint8Array(
        Math.max(size + 1, this.#buffer.length * 2),
      );
    }
    let used = 0;
    for (;;) {
      if (used === this.#buffer.length) {
        const grown = new Uint8Array(this.#buffer.length * 2);
        grown.set(this.#buffer);
        this.#buffer = grown;
      }
      const n = file.readSync(this.#buffer.subarray(used));
      if (n === null || n === 0) break;
      used += n;
    }
    return this.#buffer.subarray(0, used);
  }
}

function linkKey(info: Deno.FileInfo): LinkKey | undefined {
  if (info.nlink === null || info.nlink < 2 || info.ino === null) {
    return undefined;
  }
  return {
    id: `${info.dev}:${info.ino}`,
    nlink: info.nlink,
    size: info.size,
    mtime: info.mtime?.getTime() ?? NaN,
  };
}

function sameContent(a: LinkKey, b: LinkKey): boolean {
  return a.size === b.size && a.mtime === b.mtime;
}
