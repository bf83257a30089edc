/**
 * What the routes share: the context they answer from (the registry,
 * metrics, the server's state) and the JSON replies and errors.
 *
 * @module
 */
import type { MachineSpec } from "../types.ts";
import type { EstimatePool } from "./_estimate_pool.ts";
import type { InitUrlModel } from "./init_url_models.ts";
import type { RemoteModels } from "./remote_models.ts";
import type { HttpReply } from "../http1/mod.ts";
import { HttpError } from "./read_body.ts";
import type { PipelineRegistry } from "./pipeline_registry.ts";
import type { ServerMetrics } from "./server_metrics.ts";
import type { ReloadMode } from "./watch_model_path.ts";

/** What a route answers from. */
export interface RouteContext {
  /** The served pipelines and the caches. */
  readonly registry: PipelineRegistry;
  /** Request and load counters. */
  readonly metrics: ServerMetrics;
  /** The machine the estimator answers for, if configured. */
  readonly machineSpec: Partial<MachineSpec> | undefined;
  /** The reload mode in effect. */
  readonly reloadMode: ReloadMode;
  /** The estimator socket path, if one is served. */
  readonly socketPath: string | undefined;
  /** Most rows of a PowerRequest (more: 413, or a socket error). */
  readonly maxEstimateRows: number;
  /** The workers estimates run on. */
  readonly pool: EstimatePool;
  /** The estimator's static models, by `<source>/<output type>`. */
  readonly initUrlModels: ReadonlyMap<string, InitUrlModel>;
  /** Another model server the estimator asks first, if configured. */
  readonly remoteModels: RemoteModels | undefined;
  /** Receives log lines. */
  log(line: string): void;
}

/** The media type of JSON replies. */
export const JSON_TYPE = "application/json";

/** The headers of a JSON reply. */
export const JSON_HEADERS: Readonly<Record<string, string>> = {
  "content-type": JSON_TYPE,
};

/** A JSON reply of `value`. */
export function json(value: unknown, status = 200): HttpReply {
  return { status, headers: JSON_HEADERS, body: JSON.stringify(value) };
}

/** An `HttpError` as is, anything else as a 400 with its message. */
export function badRequest(error: unknown): HttpError {
  return error instanceof HttpError
    ? error
    : new HttpError(400, (error as Error).message, { cause: error });
}

/**
 * The reply of an `HttpError`, with its headers (a 405's `allow`): 408 and
 * 413 close the connection.
 */
export function errorReply(error: HttpError): HttpReply {
  const reply = json({ error: error.message }, error.status);
  return {
    ...reply,
    ...(error.headers
      ? { headers: { ...reply.headers, ...error.headers } }
      : {}),
    close: error.status === 408 || error.status === 413,
  };
}

/** Logs an unexpected error and answers a JSON 500. */
export function internalError(
  context: Pick<RouteContext, "log">,
  where: string,
  error: unknown,
): HttpReply {
  context.log(
    `internal error on ${where}: ${(error as Error).stack ?? error}`,
  );
  return json({ error: `internal error: ${(error as Error).message}` }, 500);
}
