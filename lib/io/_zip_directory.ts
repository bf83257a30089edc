/**
 * The central directory of a zip archive, read without inflating anything,
 * and the bounded inflation of one entry: the declared sizes are checked
 * before any byte is inflated, and an entry that inflates past its
 * declared size is cut off (a lying header costs at most one chunk).
 * Private to lib/io.
 *
 * @module
 */
import { Inflate, strFromU8 } from "fflate";

/** One entry of the central directory. */
export interface ZipDirectoryEntry {
  /** Its name (path inside the archive). */
  name: string;
  /** Compression method: 0 stored, 8 deflated. */
  method: number;
  /** Compressed size, in bytes. */
  compressedSize: number;
  /** Declared uncompressed size, in bytes. */
  size: number;
  /** Declared CRC-32 of the uncompressed bytes. */
  crc: number;
  /** Where its compressed data starts in the archive. */
  dataOffset: number;
}

const u16 = (d: Uint8Array, at: number) => d[at]! | (d[at + 1]! << 8);
const u32 = (d: Uint8Array, at: number) =>
  (d[at]! | (d[at + 1]! << 8) | (d[at + 2]! << 16) | (d[at + 3]! << 24)) >>>
  0;
const u64 = (d: Uint8Array, at: number) =>
  u32(d, at) + u32(d, at + 4) * 2 ** 32;

function corrupt(why: string): never {
  throw new SyntaxError(why);
}

function need(d: Uint8Array, end: number, what: string): void {
  if (end > d.length) corrupt(`${what} runs past the end of the archive`);
}

/** The end-of-central-directory record: entry count and directory offset. */
function directoryStart(d: Uint8Array): { count: number; offset: number } {
  let e = d.length - 22;
  while (e >= 0 && u32(d, e) !== 0x06054b50) {
    if (d.length - e > 65_557) e = -1;
    else e--;
  }
  if (e < 0) corrupt("invalid zip data (no end of central directory)");
  let count = u16(d, e + 8);
  let offset = u32(d, e + 16);
  if (e >= 20 && u32(d, e - 20) === 0x07064b50) {
    const z = u64(d, e - 12);
    if (z + 56 <= d.length && u32(d, z) === 0x06064b50) {
      count = u64(d, z + 32);
      offset = u64(d, z + 48);
    }
  }
  return { count, offset };
}

/** Sizes and offset from a zip64 extra field, where the header says so. */
function zip64Fields(
  d: Uint8Array,
  extra: number,
  extraEnd: number,
  fields: { compressedSize: number; size: number; local: number },
): void {
  for (let x = extra; x + 4 <= extraEnd; x += 4 + u16(d, x + 2)) {
    if (u16(d, x) !== 1) continue;
    let at = x + 4;
    if (fields.size === 0xffffffff) fields.size = u64(d, (at += 8) - 8);
    if (fields.compressedSize === 0xffffffff) {
      fields.compressedSize = u64(d, (at += 8) - 8);
    }
    if (fields.local === 0xffffffff) fields.local = u64(d, at);
    return;
  }
}

/**
 * Reads the central directory. Throws a `SyntaxError` for an archive
 * whose directory or local headers are not where they say.
 */
export function readZipDirectory(d: Uint8Array): ZipDirectoryEntry[] {
  const { count, offset } = directoryStart(d);
  const out: ZipDirectoryEntry[] = [];
  let o = offset;
  for (let i = 0; i < count; i++) {
    need(d, o + 46, "a central directory header");
    if (u32(d, o) !== 0x02014b50) corrupt("invalid zip central directory");
    const utf8 = (u16(d, o + 8) & 0x800) !== 0;
    const method = u16(d, o + 10);
    const nameLength = u16(d, o + 28), extraLength = u16(d, o + 30);
    const next = o + 46 + nameLength + extraLength + u16(d, o + 32);
    need(d, next, "a central directory header");
    const fields = {
      compressedSize: u32(d, o + 20),
      size: u32(d, o + 24),
      local: u32(d, o + 42),
    };
    zip64Fields(
      d,
      o + 46 + nameLength,
      o + 46 + nameLength + extraLength,
      fields,
    );
    const name = strFromU8(d.subarray(o + 46, o + 46 + nameLength), !utf8);
    need(d, fields.local + 30, `the local header of ${name}`);
    if (u32(d, fields.local) !== 0x04034b50) {
      corrupt(`invalid local header of ${name}`);
    }
    const dataOffset = fields.local + 30 + u16(d, fields.local + 26) +
      u16(d, fields.local + 28);
    need(d, dataOffset + fields.compressedSize, `the data of ${name}`);
    out.push({ name, method, ...fields, crc: u32(d, o + 16), dataOffset });
    o = next;
  }
  return out;
}

/**
 * Inflates (or copies) one entry, stopping as soon as it gives more bytes
 * than declared. Throws a `RangeError` for an entry larger than declared,
 * a `SyntaxError` for a shorter or corrupt one.
 */
export function inflateEntry(d: Uint8Array, e: ZipDirectoryEntry): Uint8Array {
  const data = d.subarray(e.dataOffset, e.dataOffset + e.compressedSize);
  if (e.method === 0) {
    if (data.length !== e.size) corrupt(`${e.name}: stored size mismatch`);
    return data.slice();
  }
  if (e.method !== 8) corrupt(`${e.name}: unknown compression ${e.method}`);
  const out = new Uint8Array(e.size);
  let at = 0;
  const inflate = new Inflate((chunk) => {
    if (at + chunk.length > e.size) {
      throw new RangeError(
        `${e.name} inflates to more than its declared ${e.size} bytes`,
      );
    }
    out.set(chunk, at);
    at += chunk.length;
  });
  const step = 16_384; // at most ~16 MiB of output per push
  for (let i = 0; i < data.length || i === 0; i += step) {
    const end = Math.min(data.length, i + step);
    inflate.push(data.subarray(i, end), end === data.length);
  }
  if (at !== e.size) {
    corrupt(`${e.name} inflates to ${at} bytes, ${e.size} declared`);
  }
  return out;
}
