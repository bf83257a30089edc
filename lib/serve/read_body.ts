/**
 * Reading a request body with a size limit and a deadline, and the
 * {@linkcode HttpError} the server turns into a status code.
 *
 * @module
 */
import { concatBytes, Deadline, TIMEOUT } from "./_deadline.ts";

/** Options of {@linkcode HttpError}. */
export interface HttpErrorOptions extends ErrorOptions {
  /**
   * Headers of the error reply, e.g. a 405's `allow`.
   *
   * @default {undefined} none
   */
  headers?: Readonly<Record<string, string>>;
}

/**
 * An error with the HTTP status the server answers it with.
 *
 * @example
 * ```ts
 * import { HttpError } from "./read_body.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const e = new HttpError(413, "too large");
 * assertEquals([e.status, e.message, e instanceof Error], [413, "too large", true]);
 * const m = new HttpError(405, "use GET", { headers: { allow: "GET, HEAD" } });
 * assertEquals(m.headers, { allow: "GET, HEAD" });
 * ```
 */
export class HttpError extends Error {
  /** The HTTP status code, e.g. 400, 408, 413. */
  readonly status: number;
  /** Headers of the error reply (e.g. a 405's `allow`), if any. */
  readonly headers: Readonly<Record<string, string>> | undefined;
  /** Creates an error answered with `status`. */
  constructor(status: number, message: string, options?: HttpErrorOptions) {
    super(message, options);
    this.name = "HttpError";
    this.status = status;
    this.headers = options?.headers;
  }
}

/** Options of {@linkcode readBody}. */
export interface ReadBodyOptions {
  /** Largest body accepted, in bytes. Default: 1 MiB. */
  maxBytes?: number;
  /** Time for the whole body to arrive, in ms. Default: 10,000. */
  timeoutMs?: number;
}

/**
 * Reads a request body. A `Content-Length` above the limit, or a body that
 * grows past it, is an `HttpError` 413; a body that does not arrive in time
 * is an `HttpError` 408.
 *
 * @example
 * ```ts
 * import { HttpError, readBody } from "./read_body.ts";
 * import { deepStrictEqual as assertEquals, rejects as assertRejects } from "node:assert/strict";
 * const post = (body: string) => new Request("http://x/", { method: "POST", body });
 * assertEquals(new TextDecoder().decode(await readBody(post("{}"))), "{}");
 * await assertRejects(() => readBody(post("12345"), { maxBytes: 4 }),
 *   (e: unknown) => e instanceof HttpError && e.status === 413);
 * ```
 */
export async function readBody(
  request: Request,
  options: ReadBodyOptions = {},
): Promise<Uint8Array> {
  const max = options.maxBytes ?? 1 << 20;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const tooLarge = () =>
    new HttpError(413, `Request body is larger than the limit of ${max} bytes`);
  const timedOut = () =>
    new HttpError(408, `Request body not received within ${timeoutMs} ms`);
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > max) throw tooLarge();
  if (request.body === null) return new Uint8Array(0);
  const deadline = new Deadline(timeoutMs);
  try {
    if (declared !== null) {
      // HTTP framing bounds the body by its Content-Length: read it at once
      // (much faster than a stream reader), racing the deadline
      const r = await deadline.race(request.bytes());
      if (r === TIMEOUT) throw timedOut();
      return r;
    }
    const reader = request.body.getReader();
    const chunks: Uint8Array[] = [];
    let total = 0;
    while (true) {
      const r = await deadline.race(reader.read());
      if (r === TIMEOUT) {
        reader.cancel().catch(() => {});
        throw timedOut();
      }
      if (r.done) break;
      total += r.value.length;
      if (total > max) {
        reader.cancel().catch(() => {});
        throw tooLarge();
      }
      chunks.push(r.value);
    }
    return concatBytes(chunks, total);
  } catch (error) {
    if (error instanceof HttpError) throw error;
    throw new HttpError(
      400,
      `Cannot read the request body: ${(error as Error).message}`,
      { cause: error },
    );
  } finally {
    deadline.clear();
  }
}

/**
 * Parses a body as UTF-8 JSON; anything else is an `HttpError` 400 that
 * says what is wrong.
 *
 * @example
 * ```ts
 * import { HttpError, parseJsonBody } from "./read_body.ts";
 * import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
 * assertEquals(parseJsonBody(new TextEncoder().encode('{"a": 1}')), { a: 1 });
 * assertThrows(() => parseJsonBody(new TextEncoder().encode("{")),
 *   (e: unknown) => e instanceof HttpError && e.status === 400 && /Malformed JSON/.test(e.message));
 * ```
 */
export function parseJsonBody(body: Uint8Array): unknown {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(body);
  } catch (error) {
    throw new HttpError(400, "The request body is not UTF-8 text", {
      cause: error,
    });
  }
  if (text.trim() === "") {
    throw new HttpError(400, "The request body is empty: expected JSON");
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new HttpError(
      400,
      `Malformed JSON in the request body: ${(error as Error).message}`,
      { cause: error },
    );
  }
}
