/**
 * Serving one connection: read a head within the headers (or idle)
 * deadline, read its body within the body deadline, call the handler, write
 * the reply within the write deadline; again while the connection is kept
 * alive. Refusals are answered, then the connection is closed.
 *
 * @module
 */
import { readChunked } from "./_chunked.ts";
import { Connection, Expired, need } from "./_connection.ts";
import {
  framing,
  type Head,
  headEnd,
  latin1,
  parseHead,
  Refusal,
} from "./_head.ts";
import { CONTINUE, EMPTY, encodeReply, errorReply } from "./_reply.ts";
import type { ServerState, Settings } from "./_settings.ts";
import type { HttpReply, HttpRequest } from "./types.ts";

/** Writes a reply's parts within the write deadline. */
async function send(
  s: Settings,
  c: Connection,
  parts: Uint8Array[],
): Promise<void> {
  c.phase = "write";
  c.deadline = performance.now() + s.writeTimeout;
  for (const p of parts) await c.write(p);
}

/** Answers a refusal and closes (best effort: the client may be gone). */
async function refuse(s: Settings, c: Connection, r: Refusal): Promise<void> {
  s.reject(r.status, r.message);
  if (c.phase === "closed" || c.expired) return;
  try {
    await send(s, c, errorReply(r.status, r.message));
  } catch {
    // the client left
  }
  c.close();
}

/** Starts waiting for a head: idle (nothing buffered) or reading it. */
function awaitHead(s: Settings, c: Connection, served: number): void {
  if (c.start === c.end) {
    // a new connection is opened to send a request: it gets the
    // headers deadline; a kept-alive one may wait the idle time
    c.phase = "idle";
    c.deadline = performance.now() +
      (served === 0
        ? Math.min(s.headersTimeout, s.idleTimeout)
        : s.idleTimeout);
  } else {
    c.phase = "head";
    c.deadline = performance.now() + s.headersTimeout;
  }
}

function tooLargeHead(s: Settings): Refusal {
  return new Refusal(
    431,
    `Request headers are larger than ${s.maxHeader} bytes`,
  );
}

/** Reads the next head, or undefined when the client closed or we stop. */
async function readHead(
  s: Settings,
  state: ServerState,
  c: Connection,
  served: number,
): Promise<Head | undefined> {
  let scanned = c.start;
  let end = headEnd(c.buf, scanned, c.end);
  awaitHead(s, c, served);
  while (end < 0) {
    if (c.end - c.start > s.maxHeader) throw tooLargeHead(s);
    if (state.stopping && c.phase === "idle") return undefined;
    scanned = Math.max(c.start, c.end - 3);
    if (!await c.fill(c.start + s.maxHeader + 1)) {
      if (c.end > c.start) s.reject(400, "closed mid-headers");
      return undefined; // the client closed
    }
    if (c.phase === "idle") {
      c.phase = "head";
      c.deadline = performance.now() + s.headersTimeout;
    }
    end = headEnd(c.buf, scanned, c.end);
  }
  if (end - c.start > s.maxHeader + 1) throw tooLargeHead(s);
  const head = parseHead(latin1(c.buf, c.start, end));
  c.start = end;
  return head;
}

/** Reads the body `head` announces, within the body deadline. */
async function readBody(
  s: Settings,
  c: Connection,
  head: Head,
): Promise<Uint8Array> {
  const frame = framing(head, s.maxBody);
  let body: Uint8Array = EMPTY;
  if (frame !== 0) {
    c.phase = "body";
    c.deadline = performance.now() + s.bodyTimeout;
    const expect = head.headers.get("expect");
    if (
      expect !== undefined && expect.toLowerCase() === "100-continue" &&
      c.start === c.end
    ) {
      await c.write(CONTINUE);
    }
    if (frame === "chunked") {
      body = await readChunked(c, s.maxBody, s.maxHeader);
    } else {
      await need(c, frame);
      body = c.buf.slice(c.start, c.start + frame);
      c.start += frame;
    }
  }
  if (c.start === c.end) {
    c.start = c.end = 0;
    if (c.buf.length > 65536) c.buf = new Uint8Array(4096);
  }
  return body;
}

/** Whether the connection closes after the reply to `head`. */
function closesAfter(
  state: ServerState,
  c: Connection,
  head: Head,
  reply: HttpReply,
): boolean {
  const connection = head.headers.get("connection")?.toLowerCase();
  return reply.close === true || state.stopping || c.draining ||
    (head.minor === 0
      ? connection !== "keep-alive"
      : connection !== undefined &&
        /(^|,)\s*close\s*(,|$)/.test(connection));
}

/** Calls the handler and writes its reply; true when the connection closes. */
async function answer(
  s: Settings,
  state: ServerState,
  c: Connection,
  request: HttpRequest,
  head: Head,
): Promise<boolean> {
  c.phase = "handler";
  c.deadline = Infinity;
  let reply: HttpReply;
  try {
    reply = await s.handler(request);
  } catch (error) {
    reply = s.onError(error, request);
  }
  const close = closesAfter(state, c, head, reply);
  let parts: Uint8Array[];
  try {
    parts = encodeReply(reply, head, close);
  } catch (error) {
    parts = encodeReply(s.onError(error, request), head, close);
  }
  await send(s, c, parts);
  return close;
}

/** Serves requests on `c` until it closes. */
async function serveConnection(
  s: Settings,
  state: ServerState,
  c: Connection,
): Promise<void> {
  const remote = c.conn.remoteAddr;
  for (let served = 0;; served++) {
    const head = await readHead(s, state, c, served);
    if (head === undefined) return;
    const body = await readBody(s, c, head);
    const request: HttpRequest = {
      method: head.method,
      target: head.target,
      path: head.path,
      query: head.query,
      headers: head.headers,
      body,
      remote,
    };
    if (await answer(s, state, c, request, head)) return;
  }
}

/** Serves an accepted connection, tracked in `state.open` until it closes. */
export async function runConnection(
  s: Settings,
  state: ServerState,
  conn: Deno.TcpConn,
  closed: () => void,
): Promise<void> {
  const c = new Connection(conn);
  state.open.add(c);
  try {
    try {
      conn.setNoDelay(true);
      await serveConnection(s, state, c);
    } catch (error) {
      if (error instanceof Refusal) await refuse(s, c, error);
      else if (!(error instanceof Expired)) {
        // reset by the peer and the like: nothing to answer
      }
    }
  } finally {
    c.close();
    state.open.delete(c);
    closed();
  }
}
