/**
 * Writing a large text as bytes in one reused buffer, for the query JSON and
 * CSVs of compact series: digits and short ASCII texts go straight into the
 * buffer, so writing a million samples makes no string per sample to
 * collect. A generator fills the buffer and yields it when nearly full (the
 * writer copies or writes it before asking for more, as
 * `writeFileAtomic`'s pieces are consumed).
 *
 * @module
 */

/** Room kept free for one sample's row: digits, separators, a short text. */
const SAMPLE_ROOM = 256;

const encoder = new TextEncoder();

/** A reused output buffer. */
export class ByteBuffer {
  /** The buffer. */
  readonly bytes: Uint8Array;
  /** Bytes written so far (since the last {@linkcode ByteBuffer.take}). */
  used = 0;

  /**
   * Creates the buffer.
   *
   * @param size Its size in bytes (at least 4 KiB).
   */
  constructor(size = 256 << 10) {
    this.bytes = new Uint8Array(Math.max(size, 4096));
  }

  /**
   * Whether the buffer lacks room for one more sample's row.
   *
   * @param extra Bytes the row takes beyond a sample's digits and text.
   * @returns True when it should be yielded before the next row.
   */
  full(extra = 0): boolean {
    return this.used > this.bytes.length - SAMPLE_ROOM - extra;
  }

  /**
   * The bytes written, and the buffer emptied (the view is valid until the
   * next write).
   *
   * @returns A view of the written bytes.
   */
  take(): Uint8Array {
    const view = this.bytes.subarray(0, this.used);
    this.used = 0;
    return view;
  }

  /**
   * Writes a short ASCII text (at most the free room; a sample's time or
   * value text).
   *
   * @param text The text, all code units below 0x80.
   */
  ascii(text: string): void {
    const b = this.bytes;
    let at = this.used;
    for (let i = 0; i < text.length; i++) b[at++] = text.charCodeAt(i);
    this.used = at;
  }

  /**
   * Copies bytes in (at most the free room).
   *
   * @param bytes The bytes.
   */
  copy(bytes: Uint8Array): void {
    this.bytes.set(bytes, this.used);
    this.used += bytes.length;
  }

  /**
   * Writes one byte.
   *
   * @param byte The byte.
   */
  byte(byte: number): void {
    this.bytes[this.used++] = byte;
  }

  /**
   * Writes a whole number in decimal digits, as `String(n)` writes it
   * (`-0` as `0`).
   *
   * @param n The number: whole, below 2^53 in size.
   */
  integer(n: number): void {
    const b = this.bytes;
    if (n < 0) {
      b[this.used++] = 0x2d;
      n = -n;
    }
    let digits = 1;
    for (let p = 10; p <= n; p *= 10) digits++;
    let at = this.used + digits;
    this.used = at;
    do {
      const r = n % 10;
      b[--at] = 0x30 + r;
      n = (n - r) / 10;
    } while (n > 0);
  }
}

/**
 * Writes any text (UTF-8) through `buffer`: into it when there is room,
 * else after yielding what it holds, or on its own when it is larger than
 * the buffer.
 *
 * @param buffer The output buffer.
 * @param text The text.
 * @returns Pieces to pass on (the buffer's bytes, or the text itself).
 */
export function* writeText(
  buffer: ByteBuffer,
  text: string,
): Generator<Uint8Array | string> {
  const most = text.length * 3;
  if (buffer.used + most > buffer.bytes.length) {
    if (buffer.used > 0) yield buffer.take();
    if (most > buffer.bytes.length) {
      yield text;
      return;
    }
  }
  buffer.used += encoder.encodeInto(text, buffer.bytes.subarray(buffer.used))
    .written;
}

/**
 * Whether `n` can be written by {@linkcode ByteBuffer.integer}, giving the
 * same text as `String(n)`.
 *
 * @param n A number.
 * @returns True for whole numbers below 2^53 in size.
 */
export function isSmallInteger(n: number): boolean {
  return Number.isInteger(n) && Math.abs(n) < 9007199254740992;
}
