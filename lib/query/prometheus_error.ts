/**
 * The one error a caller of the Prometheus client catches.
 *
 * @module
 */

/** Options of {@linkcode PrometheusError}. */
export interface PrometheusErrorOptions extends ErrorOptions {
  /** The Prometheus base URL the request went to. */
  server: string;
  /** HTTP status, when the server answered. Default: none. */
  status?: number;
  /** Attempts made (1 + retries). Default: 1. */
  attempts?: number;
}

/**
 * A request to Prometheus failed: the server could not be reached (after
 * retries), answered with an HTTP or API error, or sent something that is
 * not a Prometheus API response. The message names the server; `cause`
 * holds the underlying error.
 *
 * @example
 * ```ts
 * import { PrometheusError } from "./prometheus_error.ts";
 * import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
 * const error = new PrometheusError("Cannot reach Prometheus at http://127.0.0.1:1", {
 *   server: "http://127.0.0.1:1", attempts: 4, cause: new TypeError("connection refused"),
 * });
 * assert(error instanceof Error);
 * assertEquals(error.name, "PrometheusError");
 * assertEquals([error.server, error.status, error.attempts], ["http://127.0.0.1:1", undefined, 4]);
 * ```
 */
export class PrometheusError extends Error {
  /** The Prometheus base URL. */
  readonly server: string;
  /** HTTP status, when the server answered. */
  readonly status: number | undefined;
  /** Attempts made. */
  readonly attempts: number;

  /**
   * Creates the error; `options.server` names the server.
   *
   * @param message What failed, naming the server.
   * @param options The server, the HTTP status when it answered, the
   *   attempts made and the underlying error as `cause`.
   */
  constructor(message: string, options: PrometheusErrorOptions) {
    super(message, options.cause === undefined ? {} : { cause: options.cause });
    this.name = "PrometheusError";
    this.server = options.server;
    this.status = options.status;
    this.attempts = options.attempts ?? 1;
  }
}
