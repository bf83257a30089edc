/**
 * The estimator sidecar's unix socket (upstream's `/tmp/estimator.sock`,
 * Kepler's `EstimatorSidecar`).
 *
 * Framing `"json"` (the default, upstream's): one request per connection,
 * a JSON document that may arrive over any number of reads (its end is found
 * by {@linkcode JsonFrameScanner}, or by the client closing its side); the
 * reply is one JSON document with no delimiter, written in one go, and the
 * connection is closed, as Kepler reads the reply with a single read.
 *
 * Framing `"length"` (ours, opt-in with `--estimator-framing length`): each
 * request and each reply is a 4-byte big-endian byte length followed by
 * that many bytes of JSON; a connection carries any number of requests.
 *
 * Requests larger than the limit, or that do not arrive in time, get an
 * error reply (`{"powers": {}, "msg": "..."}`) and the connection is closed;
 * so is a connection whose client does not take its reply within the write
 * deadline (30 s, as the HTTP side's), which frees its slot. A client that
 * leaves before its reply (a broken pipe, a reset) is not logged.
 *
 * Each request is counted (`onRequest`) under the HTTP status code
 * `POST /estimate` would answer: 200; 400 for a reply with an error
 * message; 408 for a request not received, or a reply not taken, in time;
 * 413 for a request over the limit; 500 for an internal error; 503 for a
 * connection refused over the connection limit.
 * Listening needs read and write permission for the socket path (Deno
 * creates the socket file); a stale socket file left by a crashed server is
 * replaced, a live one or a file that is not a socket is not.
 *
 * @module
 */
import { JsonFrameScanner } from "./json_frame.ts";
import { concatBytes, Deadline, TIMEOUT } from "./_deadline.ts";

/** How requests and replies are delimited on the socket. */
export type SocketFraming = "json" | "length";

/** The socket framings. */
export const SOCKET_FRAMINGS: readonly SocketFraming[] = ["json", "length"];

/**
 * Answers one request body; the result is sent as JSON and counted as 200.
 * What it throws is sent as an error reply and counted under the error's
 * numeric `status` (e.g. an `HttpError`'s 400), else as 500.
 */
export type SocketHandler = (body: Uint8Array) => unknown | Promise<unknown>;

/**
 * Time a client has to take its reply, in ms, after which its connection is
 * closed (the HTTP side's write deadline, a reply the client does not read).
 */
export const SOCKET_WRITE_TIMEOUT_MS = 30_000;

/** Options of {@linkcode serveEstimatorSocket}. */
export interface EstimatorSocketOptions {
  /**
   * Framing.
   *
   * @default {undefined} `"json"` (upstream's)
   */
  framing?: SocketFraming;
  /**
   * Largest request accepted, in bytes.
   *
   * @default {1048576} 1 MiB
   */
  maxRequestBytes?: number;
  /**
   * Time for a request to arrive completely, in ms, counted from the
   * connection (json) or from the end of the previous reply (length).
   *
   * @default {10000}
   */
  timeoutMs?: number;
  /**
   * Time for the client to take a reply, in ms; beyond it the connection is
   * closed and its slot freed.
   *
   * @default {30000} {@linkcode SOCKET_WRITE_TIMEOUT_MS}
   */
  writeTimeoutMs?: number;
  /**
   * Most connections served at once; more are refused.
   *
   * @default {64}
   */
  maxConnections?: number;
  /**
   * The reply sent for a request that cannot be read.
   *
   * @default {undefined} Kepler's estimator reply with the message as its error
   */
  errorReply?: (msg: string) => unknown;
  /**
   * Called after each request with its duration (s) and the HTTP status
   * code it counts as (200, 400, 408, 413, 500, or 503 for a connection
   * refused over the limit).
   *
   * @default {undefined} none
   */
  onRequest?: (seconds: number, status: number) => void;
  /**
   * Receives log lines (errors of the socket).
   *
   * @default {undefined} none
   */
  log?: (line: string) => void;
}

const encoder = new TextEncoder();

async function writeAll(conn: Deno.Conn, data: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < data.length) {
    offset += await conn.write(data.subarray(offset));
  }
}

/** Errors of a peer that left (or of a connection closed here): not logged. */
const GONE = [
  Deno.errors.BrokenPipe,
  Deno.errors.ConnectionReset,
  Deno.errors.ConnectionAborted,
  Deno.errors.NotConnected,
  Deno.errors.UnexpectedEof,
  Deno.errors.BadResource,
  Deno.errors.Interrupted,
];

/** Whether an error says the peer left rather than that something failed. */
function peerLeft(error: unknown): boolean {
  return GONE.some((kind) => error instanceof kind);
}

/** The status code a handler's error counts as: its `status`, else 500. */
function statusOf(error: unknown): number {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === "number" && Number.isInteger(status) ? status : 500;
}

async function removeStaleSocket(path: string): Promise<void> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.lstat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return;
    throw error;
  }
  if (!info.isSocket) {
    throw new Deno.errors.AlreadyExists(
      "a file that is not a socket is in the way",
    );
  }
  let live = false;
  try {
    (await Deno.connect({ transport: "unix", path })).close();
    live = true;
  } catch { /* nobody listens: a stale socket file */ }
  if (live) {
    throw new Deno.errors.AddrInUse(
      "another process is serving on it",
    );
  }
  await Deno.remove(path);
}

/**
 * An error of the operating system about the socket `path`, with the path
 * (and a missing folder) in its message and its class kept. Deno's
 * permission errors are returned as they are.
 */
function naming(path: string, error: unknown): unknown {
  if (error instanceof Deno.errors.NotCapable || !(error instanceof Error)) {
    return error;
  }
  const folder = path.includes("/")
    ? path.slice(0, path.lastIndexOf("/")) || "/"
    : ".";
  const why = error instanceof Deno.errors.NotFound
    ? `its folder ${folder} does not exist`
    : error.message;
  const Kind = error.constructor as new (
    message: string,
    options: ErrorOptions,
  ) => Error;
  return new Kind(`Cannot listen on the estimator socket ${path}: ${why}`, {
    cause: error,
  });
}

/**
 * A running estimator socket.
 *
 * @example
 * ```ts
 * import { serveEstimatorSocket } from "./estimator_socket.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const socket = await serveEstimatorSocket(`${dir}/e.sock`, () => ({ powers: {}, msg: "" }), { framing: "length" });
 * assertEquals(socket.path, `${dir}/e.sock`);
 * await socket.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class EstimatorSocket {
  #listener: Deno.Listener<Deno.UnixConn, Deno.UnixAddr>;
  #handler: SocketHandler;
  #options: EstimatorSocketOptions;
  #conns = new Set<Deno.Conn>();
  #tasks = new Set<Promise<void>>();
  #closed = false;
  #finished: Promise<void>;
  /** The socket path. */
  readonly path: string;

  /**
   * Wraps a listener; use {@linkcode serveEstimatorSocket}.
   *
   * @param listener A unix socket listener, owned from now on (closed by
   *   {@linkcode EstimatorSocket.close}).
   * @param handler Answers each request body; what it returns is sent as
   *   JSON, what it throws is sent as an error reply.
   * @param options Framing, limits, error reply and callbacks.
   */
  constructor(
    listener: Deno.Listener<Deno.UnixConn, Deno.UnixAddr>,
    handler: SocketHandler,
    options: EstimatorSocketOptions,
  ) {
    this.#listener = listener;
    this.#handler = handler;
    this.#options = options;
    this.path = listener.addr.path;
    this.#finished = this.#accept();
  }

  /** Settles when the socket has stopped. */
  get finished(): Promise<void> {
    return this.#finished;
  }

  async #accept(): Promise<void> {
    const max = this.#options.maxConnections ?? 64;
    try {
      for await (const conn of this.#listener) {
        if (this.#conns.size >= max) {
          const reply = this.#error(`too many connections (limit ${max})`);
          writeAll(conn, reply).catch(() => {}).finally(() => conn.close());
          this.#options.onRequest?.(0, 503);
          continue;
        }
        this.#conns.add(conn);
        const task = this.#serve(conn).finally(() => {
          this.#conns.delete(conn);
          try {
            conn.close();
          } catch { /* already closed */ }
        });
        this.#tasks.add(task);
        task.finally(() => this.#tasks.delete(task));
      }
    } catch (error) {
      if (!this.#closed) {
        this.#options.log?.(
          `estimator socket ${this.path} stopped: ${(error as Error).message}`,
        );
      }
    }
  }

  #error(msg: string): Uint8Array {
    const reply = this.#options.errorReply?.(msg) ?? { powers: {}, msg };
    return this.#frame(encoder.encode(JSON.stringify(reply)));
  }

  #frame(body: Uint8Array): Uint8Array {
    if ((this.#options.framing ?? "json") === "json") return body;
    const out = new Uint8Array(4 + body.length);
    new DataView(out.buffer).setUint32(0, body.length);
    out.set(body, 4);
    return out;
  }

  async #answer(conn: Deno.Conn, body: Uint8Array, t0: number): Promise<void> {
    let reply: unknown, status = 200;
    try {
      reply = await this.#handler(body);
    } catch (error) {
      status = statusOf(error);
      reply = this.#options.errorReply?.((error as Error).message) ??
        { powers: {}, msg: (error as Error).message };
    }
    await this.#send(
      conn,
      this.#frame(encoder.encode(JSON.stringify(reply))),
      status,
      t0,
    );
  }

  /**
   * Writes a reply within the write deadline and counts it (under 408 when
   * the client did not take it in time: the connection is then closed, so
   * the caller's next read or write fails and its slot is freed). A peer
   * that left is counted under the reply's status and rethrown.
   */
  async #send(
    conn: Deno.Conn,
    bytes: Uint8Array,
    status: number,
    t0: number,
  ): Promise<void> {
    const deadline = new Deadline(
      this.#options.writeTimeoutMs ?? SOCKET_WRITE_TIMEOUT_MS,
    );
    let taken = true;
    try {
      taken = await deadline.race(writeAll(conn, bytes)) !== TIMEOUT;
    } finally {
      deadline.clear();
      if (!taken) {
        try {
          conn.close();
        } catch { /* already closed */ }
      }
      const seconds = (performance.now() - t0) / 1000;
      this.#options.onRequest?.(seconds, taken ? status : 408);
    }
  }

  async #serve(conn: Deno.Conn): Promise<void> {
    const framing = this.#options.framing ?? "json";
    try {
      if (framing === "json") await this.#serveJson(conn);
      else await this.#serveLength(conn);
    } catch (error) {
      if (!this.#closed && !peerLeft(error)) {
        this.#options.log?.(
          `estimator socket connection failed: ${(error as Error).message}`,
        );
      }
    }
  }

  async #fail(
    conn: Deno.Conn,
    msg: string,
    t0: number,
    status: number,
  ): Promise<void> {
    await this.#send(conn, this.#error(msg), status, t0).catch(() => {});
  }

  async #serveJson(conn: Deno.Conn): Promise<void> {
    const max = this.#options.maxRequestBytes ?? 1 << 20;
    const timeoutMs = this.#options.timeoutMs ?? 10_000;
    const deadline = new Deadline(timeoutMs);
    const t0 = performance.now();
    try {
      const scanner = new JsonFrameScanner();
      const chunks: Uint8Array[] = [];
      let total = 0;
      const buf = new Uint8Array(64 * 1024);
      while (true) {
        const n = await deadline.race(conn.read(buf));
        if (n === TIMEOUT) {
          return await this.#fail(
            conn,
            `request not received within ${timeoutMs} ms`,
            t0,
            408,
          );
        }
        if (n === null) break;
        const chunk = buf.slice(0, n);
        let end: number;
        try {
          end = scanner.push(chunk);
        } catch (error) {
          return await this.#fail(conn, (error as Error).message, t0, 400);
        }
        const used = end >= 0 ? chunk.subarray(0, end) : chunk;
        total += used.length;
        if (total > max) {
          return await this.#fail(
            conn,
            `request larger than the limit of ${max} bytes`,
            t0,
            413,
          );
        }
        chunks.push(used);
        if (end >= 0) break;
      }
      if (total === 0) return;
      await this.#answer(conn, concatBytes(chunks, total), t0);
    } finally {
      deadline.clear();
    }
  }

  async #readExactly(
    conn: Deno.Conn,
    n: number,
    deadline: Deadline,
  ): Promise<Uint8Array | null | "timeout"> {
    const out = new Uint8Array(n);
    let at = 0;
    while (at < n) {
      const got = await deadline.race(conn.read(out.subarray(at)));
      if (got === TIMEOUT) return "timeout";
      if (got === null) return at === 0 ? null : "timeout";
      at += got;
    }
    return out;
  }

  async #serveLength(conn: Deno.Conn): Promise<void> {
    const max = this.#options.maxRequestBytes ?? 1 << 20;
    const timeoutMs = this.#options.timeoutMs ?? 10_000;
    while (!this.#closed) {
      const deadline = new Deadline(timeoutMs);
      const t0 = performance.now();
      try {
        const head = await this.#readExactly(conn, 4, deadline);
        if (head === null) return;
        if (head === "timeout") {
          return await this.#fail(
            conn,
            `request not received within ${timeoutMs} ms`,
            t0,
            408,
          );
        }
        const length = new DataView(head.buffer).getUint32(0);
        if (length > max) {
          return await this.#fail(
            conn,
            `request larger than the limit of ${max} bytes`,
            t0,
            413,
          );
        }
        const body = await this.#readExactly(conn, length, deadline);
        if (body === null || body === "timeout") {
          return await this.#fail(
            conn,
            `request not received within ${timeoutMs} ms`,
            t0,
            408,
          );
        }
        await this.#answer(conn, body, t0);
      } finally {
        deadline.clear();
      }
    }
  }

  /** Stops listening, closes open connections and waits for them. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#listener.close();
    } catch { /* already closed */ }
    for (const c of this.#conns) {
      try {
        c.close();
      } catch { /* already closed */ }
    }
    await Promise.allSettled([...this.#tasks]);
    await this.#finished;
  }

  /** Same as `close()`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Listens on a unix socket and answers each request with `handler`.
 *
 * @param path The socket file, e.g. `/tmp/estimator.sock`; a stale socket
 *   file there is replaced.
 * @param handler Answers each request body; what it returns is sent as
 *   JSON, what it throws is sent as an error reply.
 * @param options Framing, limits, error reply and callbacks.
 * @returns The running socket, to close when done.
 * @throws {Deno.errors.AlreadyExists} when a file that is not a socket is at
 *   `path`.
 * @throws {Deno.errors.AddrInUse} when another process serves on `path`.
 * @throws {Deno.errors.NotFound} when `path`'s folder does not exist (the
 *   message names the path, as for other errors of the operating system).
 *
 * @example
 * ```ts
 * import { serveEstimatorSocket } from "./estimator_socket.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await using socket = await serveEstimatorSocket(`${dir}/e.sock`, (body) =>
 *   ({ echo: JSON.parse(new TextDecoder().decode(body)).x }));
 * const conn = await Deno.connect({ transport: "unix", path: socket.path });
 * await conn.write(new TextEncoder().encode('{"x": '));
 * await conn.write(new TextEncoder().encode('"}"}'));
 * const reply = await new Response(conn.readable).json();
 * assertEquals(reply, { echo: "}" });
 * await socket.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function serveEstimatorSocket(
  path: string,
  handler: SocketHandler,
  options: EstimatorSocketOptions = {},
): Promise<EstimatorSocket> {
  let listener: Deno.Listener<Deno.UnixConn, Deno.UnixAddr>;
  try {
    await removeStaleSocket(path);
    listener = Deno.listen({ transport: "unix", path });
  } catch (error) {
    throw naming(path, error);
  }
  return new EstimatorSocket(listener, handler, options);
}
