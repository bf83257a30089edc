/**
 * One Prometheus HTTP API request with everything around it: the base URL,
 * authentication (basic or bearer), TLS options, a per-request timeout,
 * retries with exponential backoff on 5xx answers and network errors, and
 * the API envelope (`{"status": "success", "data": ...}`) checked. Every
 * failure is a {@linkcode PrometheusError} that names the server.
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
   * Aborts all requests (no retry after an abort).
   *
   * @default {undefined} none
   */
  signal?: AbortSignal;
}

interface RawResponse {
  status: number;
  statusText: string;
  body: string;
}

/** Sends GET requests to one server; `close()` frees its HTTP client. */
export interface Transport {
  /** The normalised base URL (ends with `/`). */
  readonly base: URL;
  /** The server as given, for messages. */
  readonly server: string;
  /** GETs `path` (relative to the base) with query parameters. */
  get(
    path: string,
    params: Record<string, string>,
    signal: AbortSignal,
  ): Promise<RawResponse>;
  /** Frees resources. */
  close(): void;
}

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
        const chunks: Uint8Array[] = [];
        response.on("data", (chunk: Uint8Array) => chunks.push(chunk));
        response.on("error", reject);
        response.on("end", () => {
          const length = chunks.reduce((n, c) => n + c.length, 0);
          const all = new Uint8Array(length);
          let offset = 0;
          for (const c of chunks) {
            all.set(c, offset);
            offset += c.length;
          }
          resolve({
            status: response.statusCode ?? 0,
            statusText: response.statusMessage ?? "",
            body: new TextDecoder().decode(all),
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
 * assertEquals(response.body, "Bearer t0k");
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
    async get(path, params, signal) {
      const url = new URL(path, base);
      for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
      if (useNode) return await nodeHttpsGet(url, headers, signal);
      const init: RequestInit & { client?: Deno.HttpClient } = {
        headers,
        signal,
      };
      if (client !== undefined) init.client = client;
      const response = await fetch(url, init);
      return {
        status: response.status,
        statusText: response.statusText,
        body: await response.text(),
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

/** What a request is, for messages: e.g. `query_range kepler_x`. */
export interface RequestDescription {
  /** API path relative to the base, e.g. `api/v1/query_range`. */
  path: string;
  /** Query parameters. */
  params: Record<string, string>;
  /** Short description for messages. */
  what: string;
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
      ),
    };
  } catch (error) {
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

/**
 * GETs one API path with retries and returns the envelope's `data`.
 * Retries (with exponential backoff) after 5xx answers, network errors and
 * timeouts; never after 4xx answers, API errors, TLS certificate errors,
 * a denied network permission or an abort.
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
  const backoff = options.backoffMs ?? 500;
  const maxBackoff = options.maxBackoffMs ?? 8_000;
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
      if (response.status < 500) {
        return parseEnvelope(response, transport, request, attempt);
      }
      lastStatus = response.status;
      lastCause = undefined;
      lastReason = `HTTP ${response.status} ${response.statusText}${
        apiErrorText(response.body)
      }`;
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
    await sleep(
      Math.min(maxBackoff, backoff * 2 ** (attempt - 1)),
      options.signal,
    );
  }
}

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
  let parsed: unknown;
  try {
    parsed = JSON.parse(response.body);
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
