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
 * error reply (`{"powers": {}, "msg": "..."}`) and the connection is closed.
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

/** Answers one request body; the result is sent as JSON. */
export type SocketHandler = (body: Uint8Array) => unknown | Promise<unknown>;

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
   * Called after each request with its duration (s) and outcome.
   *
   * @default {undefined} none
   */
  onRequest?: (seconds: number, ok: boolean) => void;
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
      `Cannot listen on ${path}: a file that is not a socket is in the way`,
    );
  }
  let live = false;
  try {
    (await Deno.connect({ transport: "unix", path })).close();
    live = true;
  } catch { /* nobody listens: a stale socket file */ }
  if (live) {
    throw new Deno.errors.AddrInUse(
      `Cannot listen on ${path}: another process is serving on it`,
    );
  }
  await Deno.remove(path);
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
    let reply: unknown, ok = true;
    try {
      reply = await this.#handler(body);
    } catch (error) {
      ok = false;
      reply = this.#options.errorReply?.((error as Error).message) ??
        { powers: {}, msg: (error as Error).message };
    }
    await writeAll(conn, this.#frame(encoder.encode(JSON.stringify(reply))));
    this.#options.onRequest?.((performance.now() - t0) / 1000, ok);
  }

  async #serve(conn: Deno.Conn): Promise<void> {
    const framing = this.#options.framing ?? "json";
    try {
      if (framing === "json") await this.#serveJson(conn);
      else await this.#serveLength(conn);
    } catch (error) {
      if (!this.#closed && !(error instanceof Deno.errors.BadResource)) {
        this.#options.log?.(
          `estimator socket connection failed: ${(error as Error).message}`,
        );
      }
    }
  }

  async #fail(conn: Deno.Conn, msg: string, t0: number): Promise<void> {
    await writeAll(conn, this.#error(msg)).catch(() => {});
    this.#options.onRequest?.((performance.now() - t0) / 1000, false);
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
          );
        }
        if (n === null) break;
        const chunk = buf.slice(0, n);
        let end: number;
        try {
          end = scanner.push(chunk);
        } catch (error) {
          return await this.#fail(conn, (error as Error).message, t0);
        }
        const used = end >= 0 ? chunk.subarray(0, end) : chunk;
        total += used.length;
        if (total > max) {
          return await this.#fail(
            conn,
            `request larger than the limit of ${max} bytes`,
            t0,
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
          );
        }
        const length = new DataView(head.buffer).getUint32(0);
        if (length > max) {
          return await this.#fail(
            conn,
            `request larger than the limit of ${max} bytes`,
            t0,
          );
        }
        const body = await this.#readExactly(conn, length, deadline);
        if (body === null || body === "timeout") {
          return await this.#fail(
            conn,
            `request not received within ${timeoutMs} ms`,
            t0,
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
  await removeStaleSocket(path);
  const listener = Deno.listen({ transport: "unix", path });
  return new EstimatorSocket(listener, handler, options);
}
