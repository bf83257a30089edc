/**
 * A zip writer on node:zlib (native deflate, several times faster than a
 * pure-JS one): standard PKZIP 2.0 archives, one piece at a time, so a large
 * folder can be streamed to a file without holding the archive in memory.
 * Entries that are compressed already (zip, gzip, PNG) are stored, as is
 * any entry that deflate would not shrink. Entry times are fixed
 * (1980-01-01 00:00), so the same entries always give the same bytes.
 * No zip64: an archive above 4 GiB or 65,535 entries is refused with a
 * `RangeError`. Private to lib/io.
 *
 * @module
 */
import { crc32, deflateRawSync } from "node:zlib";

/** Deflate level of the entries (1 fastest … 9 smallest). */
export const ZIP_LEVEL = 3;

/** Names whose bytes are compressed already: stored, not deflated again. */
const COMPRESSED = /\.(zip|gz|tgz|png|jpe?g|webp)$/i;

const LIMIT_32 = 0xffffffff;
const MAX_ENTRIES = 0xffff;
/** DOS date of 1980-01-01 (day 1, month 1, year 1980 + 0); the time is 0. */
const DOS_DATE = (1 << 5) | 1;
/** "Version needed to extract" and "made by": 2.0 (deflate), MS-DOS. */
const VERSION = 20;
/** General purpose flag bit 11: the name is UTF-8. */
const UTF8_FLAG = 0x800;

interface CentralRecord {
  name: Uint8Array;
  flags: number;
  method: 0 | 8;
  crc: number;
  compressedSize: number;
  size: number;
  offset: number;
}

function header(
  signature: number,
  length: number,
): { bytes: Uint8Array; view: DataView } {
  const bytes = new Uint8Array(length);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, signature, true);
  return { bytes, view };
}

/** The local file header of an entry, its name included. */
function localHeader(e: CentralRecord): Uint8Array {
  const { bytes, view } = header(0x04034b50, 30 + e.name.length);
  view.setUint16(4, VERSION, true);
  view.setUint16(6, e.flags, true);
  view.setUint16(8, e.method, true);
  view.setUint16(10, 0, true); // time 00:00:00
  view.setUint16(12, DOS_DATE, true);
  view.setUint32(14, e.crc, true);
  view.setUint32(18, e.compressedSize, true);
  view.setUint32(22, e.size, true);
  view.setUint16(26, e.name.length, true);
  view.setUint16(28, 0, true); // no extra field
  bytes.set(e.name, 30);
  return bytes;
}

/** The central directory header of an entry, its name included. */
function centralHeader(e: CentralRecord): Uint8Array {
  const { bytes, view } = header(0x02014b50, 46 + e.name.length);
  view.setUint16(4, VERSION, true);
  view.setUint16(6, VERSION, true);
  view.setUint16(8, e.flags, true);
  view.setUint16(10, e.method, true);
  view.setUint16(12, 0, true);
  view.setUint16(14, DOS_DATE, true);
  view.setUint32(16, e.crc, true);
  view.setUint32(20, e.compressedSize, true);
  view.setUint32(24, e.size, true);
  view.setUint16(28, e.name.length, true);
  // extra, comment, disk, internal and external attributes: all 0
  view.setUint32(42, e.offset, true);
  bytes.set(e.name, 46);
  return bytes;
}

/**
 * Builds an archive entry by entry: {@linkcode ZipWriter.add} returns the
 * bytes of one entry (header and data), {@linkcode ZipWriter.finish} the
 * central directory that ends the archive. Concatenated in order, the
 * pieces are the archive.
 */
export class ZipWriter {
  #records: CentralRecord[] = [];
  #offset = 0;
  #level: number;
  #encoder = new TextEncoder();

  /** A writer deflating at `level` (default {@linkcode ZIP_LEVEL}). */
  constructor(level: number = ZIP_LEVEL) {
    this.#level = level;
  }

  /**
   * The local header and data of one entry.
   *
   * @throws {RangeError} An entry or archive beyond what a zip without
   *   zip64 holds (4 GiB, 65,535 entries, names of 64 KiB).
   */
  add(name: string, data: Uint8Array, crc?: number): [Uint8Array, Uint8Array] {
    let body = data, method: 0 | 8 = 0;
    if (data.length > 0 && !COMPRESSED.test(name)) {
      const deflated = deflateRawSync(data, { level: this.#level });
      if (deflated.length < data.length) {
        body = new Uint8Array(
          deflated.buffer,
          deflated.byteOffset,
          deflated.length,
        );
        method = 8;
      }
    }
    return this.addArchived(
      name,
      data.length,
      crc ?? crc32(data) >>> 0,
      method,
      body,
    );
  }

  /** How the last entry added was stored: its method and CRC-32. */
  get last(): { method: 0 | 8; crc: number } | undefined {
    const r = this.#records.at(-1);
    return r === undefined ? undefined : { method: r.method, crc: r.crc };
  }

  /**
   * {@linkcode ZipWriter.add} with the entry's data given already in its
   * archived form, as another archive holds it: `method` 0 (stored, `body`
   * is the data) or 8 (`body` deflates to the data). The caller vouches
   * that `body` is `size` bytes of data whose CRC-32 is `crc` (see
   * ./_zip_reuse.ts and ./_zip_walk.ts).
   */
  addArchived(
    name: string,
    size: number,
    crc: number,
    method: 0 | 8,
    body: Uint8Array,
  ): [Uint8Array, Uint8Array] {
    if (this.#records.length >= MAX_ENTRIES) {
      throw new RangeError(
        `Cannot add ${name} to a zip archive: it has ${MAX_ENTRIES} entries, the most without zip64`,
      );
    }
    const encodedName = this.#encoder.encode(name);
    if (encodedName.length > 0xffff) {
      throw new RangeError(
        `Cannot add an entry to a zip archive: its name is ${encodedName.length} bytes, the limit is 65535`,
      );
    }
    const record: CentralRecord = {
      name: encodedName,
      // bit 11 only when the name needs it (pure ASCII reads the same)
      flags: encodedName.length === name.length ? 0 : UTF8_FLAG,
      method,
      crc,
      compressedSize: body.length,
      size,
      offset: this.#offset,
    };
    const local = localHeader(record);
    const end = this.#offset + local.length + body.length;
    if (size > LIMIT_32 || end > LIMIT_32) {
      throw new RangeError(
        `Cannot add ${name} to a zip archive: the archive would pass 4 GiB, the most without zip64`,
      );
    }
    this.#records.push(record);
    this.#offset = end;
    return [local, body];
  }

  /** The central directory and its end record: the archive's last bytes. */
  finish(): Uint8Array {
    const headers = this.#records.map(centralHeader);
    const size = headers.reduce((s, h) => s + h.length, 0);
    const out = new Uint8Array(size + 22);
    let at = 0;
    for (const h of headers) {
      out.set(h, at);
      at += h.length;
    }
    if (this.#offset + size > LIMIT_32) {
      throw new RangeError(
        "Cannot finish a zip archive: its directory would pass 4 GiB, the most without zip64",
      );
    }
    const view = new DataView(out.buffer, size);
    view.setUint32(0, 0x06054b50, true);
    // disk numbers 4 and 6: 0
    view.setUint16(8, this.#records.length, true);
    view.setUint16(10, this.#records.length, true);
    view.setUint32(12, size, true);
    view.setUint32(16, this.#offset, true);
    // comment length 20: 0
    return out;
  }
}

/** Concatenates pieces into one array. */
export function concatPieces(pieces: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const p of pieces) total += p.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of pieces) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
