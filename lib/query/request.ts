/**
 * One Prometheus HTTP API request with everything around it: the base URL,
 * authentication (basic or bearer), TLS options, a per-request timeout,
 * retries with exponential backoff on 5xx answers and network errors, and
 * the API envelope (`{"status": "success", "data": ...}`) checked. Every
 * failure is a {@linkcode PrometheusError} that names the server.
 *
 * Bodies are read incrementally up to a size limit (see ./response_limit.ts):
 * a larger or endless answer is cut there and fails without a retry. A 429
 * or 503 answer is retried after its `Retry-After` (seconds or an HTTP-date)
 * when that is no longer than `maxRetryWaitMs`, else the request fails at
 * once naming the wait asked for.
 *
 * TLS verification (upstream's `PROM_SSL_DISABLE`): Deno's `fetch` cannot
 * skip certificate verification per request (`Deno.createHttpClient` only
 * accepts extra CA certificates; skipping needs the process-wide flag
 * `--unsafely-ignore-certificate-errors`). So with
 * `insecureSkipVerify: true`, requests to an `https:` server go through
 * `node:https` with `rejectUnauthorized: false`, which works without any
 * extra flag or permission beyond `--allow-net`. With `caCerts`, `fetch`
 * verifies against those CAs in addition to the system roots (via
 * `Deno.createHttpClient`). `http:` servers always use plain `fetch`.
 *
 * @module
 */
import { PrometheusError } from "./prometheus_error.ts";
import {
  BoundedBytes,
  DEFAULT_RESPONSE_LIMIT,
  readBoundedBytes,
  ResponseTooLargeError,
} from "./response_limit.ts";
import { parseRetryAfter } from "./retry_after.ts";

export type {
  PrometheusRequestOptions,
  RawResponse,
  RequestDescription,
  Transport,
} from "./request_types.ts";
import type {
  PrometheusRequestOptions,
  RawResponse,
  RequestDescription,
  Transport,
} from "./request_types.ts";

/**
 * Parses a Prometheus base URL (`http(s)://host:port[/prefix]`); anything
 * else is a `RangeError` naming the value.
 *
 * @param server The base URL as given, e.g. `http://localhost:9090` or
 *   `https://host/prometheus`; surrounding white space is ignored.
 * @returns The URL with a path ending in `/`, without query or fragment.
 * @throws {RangeError} when `server` is not an http or https URL.
 *
 * @example
 * ```ts
 * import { parseServerUrl } from "./request.ts";
 * import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
 * assertEquals(parseServerUrl("http://localhost:9090").href, "http://localhost:9090/");
 * assertEquals(parseServerUrl("https://h/prom").href, "https://h/prom/");
 * assertThrows(() => parseServerUrl("localhost:9090"), RangeError);
 * ```
 */
export function parseServerUrl(server: string): URL {
  let url: URL | undefined;
  try {
    url = new URL(server.trim());
  } catch {
    url = undefined;
  }
  if (
    url === undefined || (url.protocol !== "http:" && url.protocol !== "https:")
  ) {
    throw new RangeError(
      `Invalid Prometheus server URL "${server}": expected http://host:port or https://host:port (e.g. http://localhost:9090)`,
    );
  }
  if (!url.pathname.endsWith("/")) url.pathname += "/";
  url.search = "";
  url.hash = "";
  return url;
}

function authHeaders(
  options: PrometheusRequestOptions,
): Record<string, string> {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.bearerToken !== undefined && options.username !== undefined) {
    throw new RangeError(
      "Cannot authenticate to Prometheus with both a bearer token and a user name: give one (PROM_BEARER_TOKEN or PROM_USERNAME/PROM_PASSWORD)",
    );
  }
  if (options.bearerToken !== undefined) {
    headers["Authorization"] = `Bearer ${options.bearerToken}`;
  } else if (options.username !== undefined) {
    const bytes = new TextEncoder().encode(
      `${options.username}:${options.password ?? ""}`,
    );
    headers["Authorization"] = `Basic ${btoa(String.fromCharCode(...bytes))}`;
  }
  headers["Accept"] ??= "application/json";
  return headers;
}

async function nodeHttpsGet(
  url: URL,
  headers: Record<string, string>,
  signal: AbortSignal,
  maxBytes: number,
): Promise<RawResponse> {
  const https = await import("node:https");
  return await new Promise<RawResponse>((resolve, reject) => {
    const request = https.request(
      url,
      {
        method: "GET",
        headers,
        rejectUnauthorized: false,
        // An explicit (empty) CA list: otherwise Deno's node:https loads the
        // system roots, which needs --allow-sys=ca; unused when not verifying.
        ca: [],
        signal,
      },
      (response) => {
        const length = Number(response.headers["content-length"] ?? NaN);
        const body = new BoundedBytes(
          maxBytes,
          Number.isFinite(length) && length <= maxBytes ? length : undefined,
        );
        response.on("data", (chunk: Uint8Array) => {
          try {
            body.push(chunk);
          } catch (error) {
            response.destroy();
            request.destroy();
            reject(error);
          }
        });
        response.on("error", reject);
        response.on("end", () => {
          const retryAfter = response.headers["retry-after"];
          resolve({
            status: response.statusCode ?? 0,
            statusText: response.statusMessage ?? "",
            bytes: body.finish(),
            free: () => body.free(),
            retryAfter: typeof retryAfter === "string" ? retryAfter : null,
          });
        });
      },
    );
    request.on("error", reject);
    request.end();
  });
}

/**
 * Creates the transport for a server with the TLS and auth options. Callers
 * must `close()` it.
 *
 * @example
 * ```ts
 * import { createTransport } from "./request.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) =>
 *   new Response(req.headers.get("authorization") ?? ""));
 * const transport = createTransport(`http://127.0.0.1:${server.addr.port}`, { bearerToken: "t0k" });
 * const response = await transport.get("api/v1/x", {}, new AbortController().signal);
 * assertEquals(new TextDecoder().decode(response.bytes), "Bearer t0k");
 * transport.close();
 * await server.shutdown();
 * ```
 */
export function createTransport(
  server: string,
  options: PrometheusRequestOptions = {},
): Transport {
  const base = parseServerUrl(server);
  const headers = authHeaders(options);
  const https = base.protocol === "https:";
  const useNode = https && options.insecureSkipVerify === true;
  const client = https && !useNode && (options.caCerts?.length ?? 0) > 0
    ? Deno.createHttpClient({ caCerts: [...(options.caCerts ?? [])] })
    : undefined;
  return {
    base,
    server,
    async get(path, params, signal, maxBytes = DEFAULT_RESPONSE_LIMIT) {
      const url = new URL(path, base);
      for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
      if (useNode) return await nodeHttpsGet(url, headers, signal, maxBytes);
      const init: RequestInit & { client?: Deno.HttpClient } = {
        headers,
        signal,
      };
      if (client !== undefined) init.client = client;
      const response = await fetch(url, init);
      const body = await readBoundedBytes(response, maxBytes);
      return {
        status: response.status,
        statusText: response.statusText,
        bytes: body.finish(),
        free: () => body.free(),
        retryAfter: response.headers.get("retry-after"),
      };
    },
    close() {
      client?.close();
    },
  };
}

function messageChain(error: unknown): string {
  const parts: string[] = [];
  let e: unknown = error;
  for (let i = 0; i < 5 && e !== undefined && e !== null; i++) {
    parts.push(e instanceof Error ? e.message : String(e));
    e = e instanceof Error ? e.cause : undefined;
  }
  return parts.join(": ");
}

function isCertificateError(error: unknown): boolean {
  return /certificate|UnknownIssuer|self[- ]signed|CERT_/i.test(
    messageChain(error),
  );
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** The outcome of one attempt: an answer, or why there was none. */
type Attempt =
  | { response: RawResponse }
  | { response?: undefined; reason: string; cause: unknown };

/**
 * One GET with its own timeout, following `options.signal`. Throws a
 * `PrometheusError` for what no retry can fix (a denied permission, an
 * untrusted certificate) and the signal's reason on an abort.
 */
async function attemptGet(
  transport: Transport,
  request: RequestDescription,
  options: PrometheusRequestOptions,
  attempt: number,
): Promise<Attempt> {
  const server = transport.server;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const where = `Prometheus at ${server}`;
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error(`no answer within ${timeoutMs} ms`));
  }, timeoutMs);
  const onAbort = () => controller.abort(options.signal?.reason);
  options.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    return {
      response: await transport.get(
        request.path,
        request.params,
        controller.signal,
        responseLimit(request, options).bytes,
      ),
    };
  } catch (error) {
    if (error instanceof ResponseTooLargeError) {
      throw new PrometheusError(
        `Cannot query ${where} (${request.what}): ${error.message}; the limit is ${
          responseLimit(request, options).how
        }. Narrow the window or raise --max-response-bytes`,
        { server, cause: error, attempts: attempt },
      );
    }
    if (error instanceof Deno.errors.NotCapable) {
      throw new PrometheusError(
        `Cannot query ${where}: permission denied (${error.message})`,
        { server, cause: error, attempts: attempt },
      );
    }
    if (options.signal?.aborted) throw options.signal.reason;
    if (isCertificateError(error)) {
      throw new PrometheusError(
        `Cannot query ${where}: its TLS certificate is not trusted (${
          messageChain(error)
        }); set PROM_SSL_DISABLE=true to skip verification or give its CA certificate`,
        { server, cause: error, attempts: attempt },
      );
    }
    return {
      reason: timedOut
        ? `no answer within ${timeoutMs} ms`
        : messageChain(error),
      cause: error,
    };
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener("abort", onAbort);
  }
}

/** The size limit of a request and how it was sized, for messages. */
function responseLimit(
  request: RequestDescription,
  options: PrometheusRequestOptions,
): { bytes: number; how: string } {
  if (options.maxResponseBytes !== undefined) {
    return {
      bytes: options.maxResponseBytes,
      how: `${
        options.maxResponseBytes.toLocaleString("en-US")
      } bytes (--max-response-bytes)`,
    };
  }
  return request.limit ?? {
    bytes: DEFAULT_RESPONSE_LIMIT,
    how: "64 MiB (the default for this request)",
  };
}

/** Statuses retried: server errors and 429 Too Many Requests. */
function retryable(status: number): boolean {
  return status >= 500 || status === 429;
}

/**
 * The wait before the next attempt: the backoff, or longer when a 429/503
 * answer's `Retry-After` asks so; a `PrometheusError` when that is longer
 * than `maxRetryWaitMs`.
 */
function waitBeforeRetry(
  response: RawResponse | undefined,
  attempt: number,
  context: { server: string; what: string; options: PrometheusRequestOptions },
): number {
  const { options } = context;
  const backoff = Math.min(
    options.maxBackoffMs ?? 8_000,
    (options.backoffMs ?? 500) * 2 ** (attempt - 1),
  );
  if (response === undefined || ![429, 503].includes(response.status)) {
    return backoff;
  }
  const asked = parseRetryAfter(response.retryAfter);
  if (asked === undefined) return backoff;
  const maxWait = options.maxRetryWaitMs ?? 60_000;
  if (asked > maxWait) {
    throw new PrometheusError(
      `Cannot query Prometheus at ${context.server} (${context.what}): HTTP ${response.status} asks to retry after ${
        asked / 1000
      } s (Retry-After: ${response.retryAfter}), longer than the longest wait of ${
        maxWait / 1000
      } s (--max-retry-wait); gave up after ${attempt} attempt${
        attempt === 1 ? "" : "s"
      }`,
      { server: context.server, status: response.status, attempts: attempt },
    );
  }
  return Math.max(backoff, asked);
}

/**
 * GETs one API path with retries and returns the envelope's `data`.
 * Retries (with exponential backoff) after 5xx and 429 answers, network
 * errors and timeouts, waiting at least a 429/503 answer's `Retry-After`
 * (up to `maxRetryWaitMs`); never after other 4xx answers, API errors, TLS
 * certificate errors, a denied network permission, an answer over the size
 * limit or an abort.
 *
 * @example
 * ```ts
 * import { createTransport, requestApi } from "./request.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * let calls = 0;
 * const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () =>
 *   ++calls < 3 ? new Response("busy", { status: 503 }) : Response.json({ status: "success", data: 42 }));
 * const transport = createTransport(`http://127.0.0.1:${server.addr.port}`);
 * const data = await requestApi(transport, { path: "api/v1/x", params: {}, what: "x" }, { backoffMs: 1 });
 * assertEquals([data, calls], [42, 3]);
 * transport.close();
 * await server.shutdown();
 * ```
 */
export async function requestApi(
  transport: Transport,
  request: RequestDescription,
  options: PrometheusRequestOptions = {},
): Promise<unknown> {
  const server = transport.server;
  const retries = options.retries ?? 3;
  const where = `Prometheus at ${server}`;
  let lastReason = "";
  let lastCause: unknown;
  let lastStatus: number | undefined;
  for (let attempt = 1;; attempt++) {
    options.signal?.throwIfAborted();
    const outcome = await attemptGet(transport, request, options, attempt);
    const response = outcome.response;
    if (response === undefined) {
      lastCause = outcome.cause;
      lastStatus = undefined;
      lastReason = outcome.reason;
    } else {
      if (!retryable(response.status)) {
        try {
          return parseEnvelope(response, transport, request, attempt);
        } finally {
          response.free?.();
        }
      }
      lastStatus = response.status;
      lastCause = undefined;
      lastReason = `HTTP ${response.status} ${response.statusText}${
        apiErrorText(utf8.decode(response.bytes))
      }`;
      response.free?.();
    }
    if (attempt > retries) {
      throw new PrometheusError(
        `Cannot query ${where} (${request.what}): ${lastReason}; gave up after ${attempt} attempt${
          attempt === 1 ? "" : "s"
        }`,
        {
          server,
          attempts: attempt,
          ...(lastStatus === undefined ? {} : { status: lastStatus }),
          ...(lastCause === undefined ? {} : { cause: lastCause }),
        },
      );
    }
    const wait = waitBeforeRetry(response, attempt, {
      server,
      what: request.what,
      options,
    });
    await sleep(wait, options.signal);
  }
}

const utf8 = new TextDecoder();

function apiErrorText(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: unknown };
    return typeof parsed.error === "string" ? `: ${parsed.error}` : "";
  } catch {
    return "";
  }
}

function parseEnvelope(
  response: RawResponse,
  transport: Transport,
  request: RequestDescription,
  attempts: number,
): unknown {
  const server = transport.server;
  const url = new URL(request.path, transport.base).href;
  if (request.decode !== undefined && response.status < 400) {
    const decoded = request.decode(response.bytes);
    if (decoded !== undefined) return decoded;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(utf8.decode(response.bytes));
  } catch (error) {
    throw new PrometheusError(
      `Cannot query Prometheus at ${server} (${request.what}): ${url} answered HTTP ${response.status} ${response.statusText} with something that is not a Prometheus API response; is ${server} the Prometheus base URL?`,
      { server, status: response.status, attempts, cause: error },
    );
  }
  const envelope = parsed as {
    status?: unknown;
    data?: unknown;
    error?: unknown;
    errorType?: unknown;
  };
  if (
    envelope === null || typeof envelope !== "object" ||
    typeof envelope.status !== "string"
  ) {
    throw new PrometheusError(
      `Cannot query Prometheus at ${server} (${request.what}): ${url} answered HTTP ${response.status} without the API's "status" field; is ${server} the Prometheus base URL?`,
      { server, status: response.status, attempts },
    );
  }
  if (envelope.status !== "success" || response.status >= 400) {
    const kind = typeof envelope.errorType === "string"
      ? `${envelope.errorType}: `
      : "";
    const text = typeof envelope.error === "string"
      ? envelope.error
      : "unknown error";
    throw new PrometheusError(
      `Prometheus at ${server} rejected ${request.what} (HTTP ${response.status}): ${kind}${text}`,
      { server, status: response.status, attempts },
    );
  }
  return envelope.data;
}
