/**
 * How large one Prometheus answer may be, and reading a body up to that
 * size. A peer controls the size of its answer: a body larger than the
 * limit, or one that never ends, is cut at the limit with a
 * {@linkcode ResponseTooLargeError}, so the process never holds more than
 * the limit (plus one network chunk) of a body.
 *
 * The default limit of a `query_range` request is sized from its window
 * (the series count is not known before the answer):
 *
 * ```
 * limit = series × (points × bytesPerSample + bytesPerSeries) + overhead
 *       = 2000 × (points × 64 + 1024) + 1 MiB
 * ```
 *
 * where `points` is the request's evaluation points (`floor((end − start) /
 * step) + 1`, at most 11,000 per request). A sample as Prometheus writes it
 * (`[1702462686.123,"123456.789"],`) takes about 32 bytes, so 64 is twice
 * that; 1 KiB holds a series' labels. A 300 s window at step 3 (101 points)
 * allows 15.2 MiB; an 11,000-point request 1.3 GiB.
 *
 * @module
 */

/** The allowances behind {@linkcode defaultResponseLimit}. */
export const RESPONSE_ALLOWANCE = {
  /** Series one metric may have. */
  series: 2000,
  /** Bytes of one sample in the JSON answer (twice a typical sample). */
  bytesPerSample: 64,
  /** Bytes of one series' labels. */
  bytesPerSeries: 1024,
  /** Bytes of the envelope and slack. */
  overhead: 1 << 20,
} as const;

/** The limit of an answer that is not a range query (e.g. the metric names): 64 MiB. */
export const DEFAULT_RESPONSE_LIMIT = 64 << 20;

/**
 * The default size limit of one `query_range` answer with `points`
 * evaluation points per series (see the module doc for the formula).
 *
 * @param points Evaluation points per series in the request (≥ 1).
 * @returns The limit in bytes.
 *
 * @example
 * ```ts
 * import { defaultResponseLimit } from "./response_limit.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(defaultResponseLimit(101), 2000 * (101 * 64 + 1024) + 1048576);
 * ```
 */
export function defaultResponseLimit(points: number): number {
  const a = RESPONSE_ALLOWANCE;
  return a.series *
      (Math.max(1, points) * a.bytesPerSample + a.bytesPerSeries) +
    a.overhead;
}

/**
 * An answer was larger than its limit (or never ended): it was cut there.
 *
 * @example
 * ```ts
 * import { ResponseTooLargeError } from "./response_limit.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const error = new ResponseTooLargeError(1000, 1024);
 * assertEquals([error.name, error.limit, error.received], ["ResponseTooLargeError", 1000, 1024]);
 * ```
 */
export class ResponseTooLargeError extends Error {
  /** The limit in bytes. */
  readonly limit: number;
  /** Bytes received when the body was cut (or the announced Content-Length). */
  readonly received: number;

  /**
   * Creates the error.
   *
   * @param limit The limit in bytes.
   * @param received Bytes received (or announced) when cut.
   */
  constructor(limit: number, received: number) {
    super(
      `the answer is larger than the limit of ${
        limit.toLocaleString("en-US")
      } bytes (cut after ${received.toLocaleString("en-US")} bytes)`,
    );
    this.name = "ResponseTooLargeError";
    this.limit = limit;
    this.received = received;
  }
}

/** The first room of a body whose length is not announced. */
const FIRST_ROOM = 64 << 10;

/**
 * Gathers the bytes of a body in one buffer (grown by doubling, the old
 * one freed at once), throwing a {@linkcode ResponseTooLargeError} once
 * they pass `limit`. Used for both `fetch` bodies (read straight into the
 * buffer) and `node:https` responses (chunks copied in).
 *
 * @example
 * ```ts
 * import { BoundedBytes } from "./response_limit.ts";
 * import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
 * const body = new BoundedBytes(4);
 * body.push(new TextEncoder().encode("ab"));
 * assertEquals(new TextDecoder().decode(body.finish()), "ab");
 * assertThrows(() => new BoundedBytes(4).push(new Uint8Array(5)), { name: "ResponseTooLargeError" });
 * ```
 */
export class BoundedBytes {
  #limit: number;
  #buffer: ArrayBuffer;
  #used = 0;

  /**
   * Starts an empty body.
   *
   * @param limit Largest body in bytes.
   * @param expected Bytes announced (`Content-Length`), if any: the first
   *   room.
   */
  constructor(limit: number, expected?: number) {
    const first = expected !== undefined && expected >= 0
      ? expected + 1
      : FIRST_ROOM;
    this.#limit = limit;
    this.#buffer = new ArrayBuffer(Math.max(1, Math.min(first, limit + 1)));
  }

  /** Bytes so far. */
  get length(): number {
    return this.#used;
  }

  /**
   * Free room at the end of the buffer, to read into (then
   * {@linkcode BoundedBytes.filled}); the buffer grows when full.
   *
   * @returns A view of the free room (at least one byte).
   * @throws {ResponseTooLargeError} When the body has passed the limit.
   */
  room(): Uint8Array {
    this.#check(this.#used);
    if (this.#used === this.#buffer.byteLength) this.#grow(this.#used + 1);
    return new Uint8Array(this.#buffer, this.#used);
  }

  /**
   * Records bytes read into {@linkcode BoundedBytes.room} (the buffer
   * may have been transferred to the returned view's).
   *
   * @param view The view a read filled (its buffer replaces ours).
   * @throws {ResponseTooLargeError} When the body passes the limit.
   */
  filled(view: Uint8Array): void {
    this.#buffer = view.buffer as ArrayBuffer;
    this.#used += view.byteLength;
    this.#check(this.#used);
  }

  /**
   * Adds a chunk.
   *
   * @param chunk The next bytes of the body.
   * @throws {ResponseTooLargeError} When the body passes the limit.
   */
  push(chunk: Uint8Array): void {
    this.#check(this.#used + chunk.length);
    const need = this.#used + chunk.length;
    if (need > this.#buffer.byteLength) this.#grow(need);
    new Uint8Array(this.#buffer).set(chunk, this.#used);
    this.#used = need;
  }

  /**
   * The whole body.
   *
   * @returns A view of the bytes (the buffer may be larger).
   */
  finish(): Uint8Array {
    return new Uint8Array(this.#buffer, 0, this.#used);
  }

  /** Frees the buffer; the body is empty afterwards. */
  free(): void {
    // A buffer lent to a pending read is detached: nothing to free here.
    if (!this.#buffer.detached) this.#buffer = this.#buffer.transfer(0);
    this.#used = 0;
  }

  #check(bytes: number): void {
    if (bytes > this.#limit) {
      this.free();
      throw new ResponseTooLargeError(this.#limit, bytes);
    }
  }

  #grow(need: number): void {
    let size = this.#buffer.byteLength;
    while (size < need) size *= 2;
    this.#buffer = this.#buffer.transfer(Math.min(size, this.#limit + 1));
  }
}

/**
 * Reads a `fetch` body up to `limit` bytes into one buffer: a larger (or
 * endless) body is cancelled at the limit and a
 * {@linkcode ResponseTooLargeError} thrown. A `Content-Length` above the
 * limit fails before reading.
 *
 * @param response The response whose body to read.
 * @param limit Largest body in bytes.
 * @returns The body's bytes (call `free()` when done with them).
 * @throws {ResponseTooLargeError} When the body is larger than `limit`.
 *
 * @example
 * ```ts
 * import { readBoundedBytes } from "./response_limit.ts";
 * import { deepStrictEqual as assertEquals, rejects as assertRejects } from "node:assert/strict";
 * const body = await readBoundedBytes(new Response("hello"), 5);
 * assertEquals(new TextDecoder().decode(body.finish()), "hello");
 * await assertRejects(readBoundedBytes(new Response("hello!"), 5), { name: "ResponseTooLargeError" });
 * ```
 */
export async function readBoundedBytes(
  response: Response,
  limit: number,
): Promise<BoundedBytes> {
  const announced = Number(response.headers.get("content-length") ?? NaN);
  if (Number.isFinite(announced) && announced > limit) {
    await response.body?.cancel().catch(() => {});
    throw new ResponseTooLargeError(limit, announced);
  }
  const body = new BoundedBytes(
    limit,
    Number.isFinite(announced) ? announced : undefined,
  );
  if (response.body === null) return body;
  let byob: ReadableStreamBYOBReader | undefined;
  try {
    byob = response.body.getReader({ mode: "byob" });
  } catch {
    byob = undefined; // not a byte stream: copy its chunks
  }
  const reader = byob ?? response.body.getReader();
  try {
    for (;;) {
      if (byob !== undefined) {
        const { done, value } = await byob.read(body.room());
        if (value !== undefined) body.filled(value);
        if (done) break;
      } else {
        const { done, value } = await (reader as ReadableStreamDefaultReader<
          Uint8Array
        >).read();
        if (done) break;
        body.push(value);
      }
    }
  } catch (error) {
    await reader.cancel().catch(() => {});
    body.free();
    throw error;
  } finally {
    reader.releaseLock();
  }
  return body;
}

const UNITS: Readonly<Record<string, number>> = {
  "": 1,
  B: 1,
  k: 1e3,
  K: 1e3,
  M: 1e6,
  G: 1e9,
  KiB: 1024,
  MiB: 1024 ** 2,
  GiB: 1024 ** 3,
};

/**
 * Parses a byte count: a whole number, optionally with a unit (`k`/`M`/`G`
 * decimal, `KiB`/`MiB`/`GiB` binary), e.g. `64MiB` or `500M`.
 *
 * @param value The text.
 * @returns The number of bytes (≥ 1).
 * @throws {RangeError} When the text is not a positive byte count.
 *
 * @example
 * ```ts
 * import { parseByteSize } from "./response_limit.ts";
 * import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
 * assertEquals([parseByteSize("1000"), parseByteSize("64MiB"), parseByteSize("1.5k")], [1000, 67108864, 1500]);
 * assertThrows(() => parseByteSize("lots"), RangeError);
 * ```
 */
export function parseByteSize(value: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([A-Za-z]*)$/.exec(value.trim());
  const unit = UNITS[match?.[2] ?? "?"];
  const bytes = match === null || unit === undefined
    ? NaN
    : Math.floor(Number(match[1]) * unit);
  if (!(bytes >= 1)) {
    throw new RangeError(
      `"${value}" is not a byte count: expected a whole number of bytes ≥ 1, optionally with k, M, G, KiB, MiB or GiB (e.g. 64MiB)`,
    );
  }
  return bytes;
}
