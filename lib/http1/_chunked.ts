/**
 * Reading a chunked request body (RFC 9112 §7.1): chunk-size lines with
 * extensions, the data, and the trailer section (discarded).
 *
 * @module
 */
import { type Connection, need } from "./_connection.ts";
import { latin1, Refusal } from "./_head.ts";

/** Index of the next LF after `c.start`, reading while over no `limit`. */
async function nextLineFeed(
  c: Connection,
  limit: number,
  tooLong: () => Refusal,
): Promise<number> {
  for (;;) {
    const lf = c.buf.indexOf(10, c.start);
    if (lf >= 0 && lf < c.end) return lf;
    if (c.end - c.start > limit) throw tooLong();
    await need(c, c.end - c.start + 1);
  }
}

/** Reads a chunk-size line and returns the size. */
async function readChunkSize(c: Connection): Promise<number> {
  const lf = await nextLineFeed(
    c,
    4096,
    () => new Refusal(400, "A chunk-size line is longer than 4096 bytes"),
  );
  const line = latin1(c.buf, c.start, lf).replace(/\r$/, "");
  c.start = lf + 1;
  const m = /^([0-9A-Fa-f]{1,8})[ \t]*(;.*)?$/.exec(line);
  if (m === null) {
    throw new Refusal(
      400,
      `Malformed chunk size ${JSON.stringify(line.slice(0, 40))}`,
    );
  }
  return parseInt(m[1]!, 16);
}

/** Reads a chunk's `size` bytes of data and the CRLF (or LF) after them. */
async function readChunkData(c: Connection, size: number): Promise<Uint8Array> {
  await need(c, size + 1);
  const data = c.buf.slice(c.start, c.start + size);
  c.start += size;
  if (c.buf[c.start] === 13) {
    await need(c, 2);
    c.start++;
  }
  if (c.buf[c.start] !== 10) {
    throw new Refusal(400, "A chunk is not followed by CRLF");
  }
  c.start++;
  return data;
}

/** Skips the trailer section: lines up to an empty one. */
async function skipTrailers(c: Connection, maxHeader: number): Promise<void> {
  const tooLarge = () => new Refusal(431, "The trailer section is too large");
  for (let bytes = 0;;) {
    const lf = await nextLineFeed(c, maxHeader, tooLarge);
    const empty = lf === c.start ||
      (lf === c.start + 1 && c.buf[c.start] === 13);
    bytes += lf + 1 - c.start;
    c.start = lf + 1;
    if (empty) return;
    if (bytes > maxHeader) throw tooLarge();
  }
}

/** Joins byte chunks of `total` bytes in all into one array. */
function joinChunks(chunks: readonly Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

/** Reads a chunked body (RFC 9112 §7.1), trailers discarded. */
export async function readChunked(
  c: Connection,
  maxBody: number,
  maxHeader: number,
): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const size = await readChunkSize(c);
    if (size === 0) break;
    total += size;
    if (total > maxBody) {
      throw new Refusal(
        413,
        `Request body is larger than the limit of ${maxBody} bytes`,
      );
    }
    parts.push(await readChunkData(c, size));
  }
  await skipTrailers(c, maxHeader);
  return parts.length === 1 ? parts[0]! : joinChunks(parts, total);
}
