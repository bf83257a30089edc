/**
 * Finding where a JSON document ends in a byte stream that arrives in
 * pieces, for the estimator socket: upstream reads 1024-byte chunks until a
 * chunk ends with `}`, which breaks when a chunk boundary falls right after
 * a nested `}` (or inside a string holding one). This scanner tracks
 * nesting, strings and escapes across chunks, so a request may be split
 * anywhere.
 *
 * @module
 */

const OPEN_OBJECT = 0x7b, CLOSE_OBJECT = 0x7d, OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d, QUOTE = 0x22, BACKSLASH = 0x5c;

/**
 * An incremental scanner for one top-level JSON object or array. Feed it
 * chunks with `push`; it returns the end offset (within that chunk, one past
 * the closing bracket) once the document is complete.
 *
 * @example
 * ```ts
 * import { JsonFrameScanner } from "./json_frame.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const s = new JsonFrameScanner();
 * const enc = (t: string) => new TextEncoder().encode(t);
 * assertEquals(s.push(enc('{"a": "}", "b": {')), -1);
 * assertEquals(s.push(enc('}} ')), 2);
 * ```
 */
export class JsonFrameScanner {
  #depth = 0;
  #inString = false;
  #escape = false;
  #started = false;
  #done = false;
  #seen = 0;

  /** Bytes consumed so far (up to the end of the document once complete). */
  get seen(): number {
    return this.#seen;
  }

  /** Whether a complete document was found. */
  get done(): boolean {
    return this.#done;
  }

  /**
   * Scans a chunk. Returns the offset just past the document's end in this
   * chunk, or −1 when more bytes are needed. Throws a `SyntaxError` when the
   * first non-blank byte does not open an object or an array.
   */
  push(chunk: Uint8Array): number {
    if (this.#done) return 0;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (!this.#started) {
        if (b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09) continue;
        if (b !== OPEN_OBJECT && b !== OPEN_ARRAY) {
          throw new SyntaxError(
            `The request is not a JSON object: it starts with ${
              JSON.stringify(String.fromCharCode(b))
            }`,
          );
        }
        this.#started = true;
        this.#depth = 1;
        continue;
      }
      if (this.#inString) {
        if (this.#escape) this.#escape = false;
        else if (b === BACKSLASH) this.#escape = true;
        else if (b === QUOTE) this.#inString = false;
        continue;
      }
      if (b === QUOTE) this.#inString = true;
      else if (b === OPEN_OBJECT || b === OPEN_ARRAY) this.#depth++;
      else if (b === CLOSE_OBJECT || b === CLOSE_ARRAY) {
        if (--this.#depth === 0) {
          this.#done = true;
          this.#seen += i + 1;
          return i + 1;
        }
      }
    }
    this.#seen += chunk.length;
    return -1;
  }
}
