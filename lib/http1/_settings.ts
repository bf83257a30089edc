/**
 * A server's settings (its options with their defaults) and its state:
 * the open connections and whether it is stopping.
 *
 * @module
 */
import type { Connection } from "./_connection.ts";
import type {
  Http1Options,
  HttpHandler,
  HttpReply,
  HttpRequest,
} from "./types.ts";

/** The options of {@linkcode serveHttp1} with their defaults applied. */
export interface Settings {
  readonly headersTimeout: number;
  readonly bodyTimeout: number;
  readonly idleTimeout: number;
  readonly writeTimeout: number;
  readonly maxHeader: number;
  readonly maxBody: number;
  readonly maxConnections: number;
  readonly tick: number;
  readonly handler: HttpHandler;
  readonly onError: (error: unknown, request: HttpRequest) => HttpReply;
  readonly reject: (status: number, reason: string) => void;
}

/** A running server's connections and whether it is shutting down. */
export interface ServerState {
  readonly open: Set<Connection>;
  stopping: boolean;
}

function internalError(): HttpReply {
  return {
    status: 500,
    headers: { "content-type": "application/json" },
    body: '{"error":"internal error"}',
  };
}

/** The settings of `options`, defaults filled in. */
export function settingsOf(
  options: Http1Options,
  handler: HttpHandler,
): Settings {
  const headersTimeout = options.headersTimeoutMs ?? 10_000;
  const bodyTimeout = options.bodyTimeoutMs ?? 10_000;
  const idleTimeout = options.idleTimeoutMs ?? 30_000;
  const writeTimeout = options.writeTimeoutMs ?? 30_000;
  const shortest = Math.min(
    headersTimeout,
    bodyTimeout,
    idleTimeout,
    writeTimeout,
  );
  const onReject = options.onReject;
  return {
    headersTimeout,
    bodyTimeout,
    idleTimeout,
    writeTimeout,
    maxHeader: options.maxHeaderBytes ?? 16 * 1024,
    maxBody: options.maxBodyBytes ?? 1 << 20,
    maxConnections: options.maxConnections ?? 1024,
    tick: options.tickMs ?? Math.max(25, Math.min(1000, shortest / 4)),
    handler,
    onError: options.onError ?? internalError,
    reject: (status, reason) => onReject?.(status, reason),
  };
}
