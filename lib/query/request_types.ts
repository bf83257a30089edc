/**
 * The options, answers and transport of a Prometheus request (./request.ts).
 *
 * @module
 */

/** Options shared by every Prometheus request. */
export interface PrometheusRequestOptions {
  /**
   * Basic-auth user name (PROM_USERNAME).
   *
   * @default {undefined} none
   */
  username?: string;
  /**
   * Basic-auth password (PROM_PASSWORD).
   *
   * @default {undefined} none (empty)
   */
  password?: string;
  /**
   * Bearer token (PROM_BEARER_TOKEN); not together with `username`.
   *
   * @default {undefined} none
   */
  bearerToken?: string;
  /**
   * Extra HTTP headers (upstream's PROM_HEADERS).
   *
   * @default {undefined} none
   */
  headers?: Readonly<Record<string, string>>;
  /**
   * Skip TLS certificate verification for `https:` servers (upstream's
   * PROM_SSL_DISABLE; see the module doc for how).
   *
   * @default {false}
   */
  insecureSkipVerify?: boolean;
  /**
   * Extra CA certificates (PEM) to verify `https:` servers with.
   *
   * @default {undefined} none
   */
  caCerts?: readonly string[];
  /**
   * Timeout of one HTTP request, in ms.
   *
   * @default {60000}
   */
  timeoutMs?: number;
  /**
   * Retries after a 5xx answer, a network error or a timeout.
   *
   * @default {3}
   */
  retries?: number;
  /**
   * First backoff before a retry, in ms; doubled each retry.
   *
   * @default {500}
   */
  backoffMs?: number;
  /**
   * Largest backoff, in ms.
   *
   * @default {8000}
   */
  maxBackoffMs?: number;
  /**
   * Largest answer of one request, in bytes; a larger or endless body is cut
   * there and the request fails.
   *
   * @default {undefined} the request's own limit (for `query_range`, sized
   * from its points: see ./response_limit.ts), else 64 MiB
   */
  maxResponseBytes?: number;
  /**
   * Longest `Retry-After` wait honoured after a 429 or 503 answer, in ms;
   * a longer one fails the request at once.
   *
   * @default {60000}
   */
  maxRetryWaitMs?: number;
  /**
   * Aborts all requests (no retry after an abort).
   *
   * @default {undefined} none
   */
  signal?: AbortSignal;
}

/** An HTTP answer, its body read (up to the request's limit). */
export interface RawResponse {
  /** HTTP status. */
  status: number;
  /** HTTP status text. */
  statusText: string;
  /** The body's bytes. */
  bytes: Uint8Array;
  /**
   * Frees the body's memory at once (`bytes` must not be used after).
   *
   * @default {undefined} left to the garbage collector
   */
  free?: () => void;
  /** The `Retry-After` header, or null. */
  retryAfter: string | null;
}

/** Sends GET requests to one server; `close()` frees its HTTP client. */
export interface Transport {
  /** The normalised base URL (ends with `/`). */
  readonly base: URL;
  /** The server as given, for messages. */
  readonly server: string;
  /**
   * GETs `path` (relative to the base) with query parameters; the body is
   * read up to `maxBytes` (default 64 MiB), else a `ResponseTooLargeError`.
   */
  get(
    path: string,
    params: Record<string, string>,
    signal: AbortSignal,
    maxBytes?: number,
  ): Promise<RawResponse>;
  /** Frees resources. */
  close(): void;
}

/** What a request is, for messages: e.g. `query_range kepler_x`. */
export interface RequestDescription {
  /** API path relative to the base, e.g. `api/v1/query_range`. */
  path: string;
  /** Query parameters. */
  params: Record<string, string>;
  /** Short description for messages. */
  what: string;
  /**
   * This request's own size limit in bytes, and how it was sized (for the
   * message). `maxResponseBytes` wins over it. Default: 64 MiB.
   */
  limit?: { bytes: number; how: string };
  /**
   * Reads a successful answer's bytes straight into the value to return,
   * or declines with `undefined` (the body is then parsed as JSON and its
   * API envelope's `data` returned, as without it).
   *
   * @default {undefined} always parse as JSON
   */
  decode?: (bytes: Uint8Array) => unknown;
}
