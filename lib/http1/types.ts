/**
 * The types of the HTTP/1.1 layer: a request with its whole body, a plain
 * reply, the handler, the server's options and the running server.
 *
 * @module
 */

/** One request, with its whole body. */
export interface HttpRequest {
  /** The method, e.g. `"POST"`. */
  readonly method: string;
  /** The request target as sent (origin form), e.g. `/best-models?fg=Full`. */
  readonly target: string;
  /** The path part of the target, undecoded, e.g. `/best-models`. */
  readonly path: string;
  /** The query part of the target without `?`, or `""`. */
  readonly query: string;
  /** Headers by lower-case name; repeated headers joined with `", "`. */
  readonly headers: ReadonlyMap<string, string>;
  /** The body (empty when there is none). */
  readonly body: Uint8Array;
  /** The client's address. */
  readonly remote: Deno.NetAddr;
}

/** A reply: status, headers and body. */
export interface HttpReply {
  /** The status code. */
  status: number;
  /** Header names and values; `content-length` and `date` are added. */
  headers?: Readonly<Record<string, string>>;
  /** The body. Default: empty. */
  body?: Uint8Array | string;
  /** Close the connection after this reply. Default: false. */
  close?: boolean;
}

/** Answers a request. */
export type HttpHandler = (
  request: HttpRequest,
) => HttpReply | Promise<HttpReply>;

/** Options of {@linkcode serveHttp1}. */
export interface Http1Options {
  /** Address to bind. Default: `"127.0.0.1"`. */
  hostname?: string;
  /** Port (0 picks a free one). Default: 8100. */
  port?: number;
  /** Time from a request's first byte to the end of its headers. Default: 10,000 ms. */
  headersTimeoutMs?: number;
  /** Time from the end of the headers to the end of the body. Default: 10,000 ms. */
  bodyTimeoutMs?: number;
  /** Time a connection may wait for its next request. Default: 30,000 ms. */
  idleTimeoutMs?: number;
  /** Time for the client to take a reply. Default: 30,000 ms. */
  writeTimeoutMs?: number;
  /** Largest request line plus headers, in bytes. Default: 16 KiB. */
  maxHeaderBytes?: number;
  /** Largest body, in bytes. Default: 1 MiB. */
  maxBodyBytes?: number;
  /** Most open connections; more are answered 503 and closed. Default: 1,024. */
  maxConnections?: number;
  /** Period of the deadline sweep. Default: ¼ of the shortest timeout, 25–1,000 ms. */
  tickMs?: number;
  /** Answers a handler that threw. Default: a JSON 500. */
  onError?: (error: unknown, request: HttpRequest) => HttpReply;
  /** Told of every request refused before the handler (status, reason). */
  onReject?: (status: number, reason: string) => void;
}

/**
 * A running server (see {@linkcode serveHttp1}).
 */
export interface Http1Server {
  /** The bound address. */
  readonly addr: Deno.NetAddr;
  /** The connections open now. */
  readonly connections: number;
  /** Settles when the server has stopped and every connection is closed. */
  readonly finished: Promise<void>;
  /** Stops accepting, lets requests in progress finish, closes the rest. */
  shutdown(): Promise<void>;
}
