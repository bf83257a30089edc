/**
 * A bucket as four operations (put, get, list, close) over `fetch`, for AWS
 * S3, S3-compatible servers and IBM Cloud Object Storage (HMAC keys, or IAM
 * bearer tokens from an API key): PutObject, GetObject and ListObjectsV2 of
 * S3's REST API, signed with Signature V4 (`aws4fetch`) or sent with an IBM
 * IAM bearer token.
 *
 * Nothing here reads the environment or `~/.aws`: every setting comes from
 * the {@linkcode S3Connection}, so a run behaves the same on every machine
 * (the s3 tasks still run with `--ignore-env`).
 *
 * @module
 */
import type { S3Connection } from "./connection.ts";
import { ibmIamTokenProvider } from "./ibm_iam_token.ts";
import { s3Url, signV4 } from "./_s3_request.ts";
import { childText, parseXml, type XmlElement } from "./_xml.ts";

/** A bucket. */
export interface ObjectStore {
  /** The bucket name. */
  readonly bucket: string;
  /** Where it is, for messages: the endpoint or `AWS S3 (<region>)`. */
  readonly location: string;
  /** Uploads one object. */
  putObject(key: string, body: Uint8Array, contentType?: string): Promise<void>;
  /** Downloads one object. */
  getObject(key: string): Promise<Uint8Array>;
  /** Every key that starts with `prefix` (all pages). */
  listKeys(prefix: string): Promise<string[]>;
  /** Aborts requests in flight; later operations fail. */
  close(): void;
}

/** Options of {@linkcode openObjectStore}. */
export interface OpenObjectStoreOptions {
  /**
   * Attempts per request: network errors, HTTP 429 and 5xx, and S3's
   * `SlowDown` are retried with jittered exponential backoff. Default: 3.
   */
  maxAttempts?: number;
  /** The fetch used for S3 requests and IBM IAM tokens. Default: `globalThis.fetch`. */
  fetch?: typeof fetch;
  /** User agent product. Default: `kepler-model`. */
  userAgent?: string;
}

/** S3's error document (or the HTTP status when there is none), as a cause. */
function s3ErrorOf(status: number, statusText: string, body: string): Error {
  let code: string | undefined;
  let message: string | undefined;
  try {
    const doc = parseXml(body);
    if (doc.name === "Error") {
      code = childText(doc, "Code")?.trim() || undefined;
      message = childText(doc, "Message")?.trim() || undefined;
    }
  } catch {
    // not XML (e.g. an empty body or a proxy's HTML page)
  }
  const name = code ??
    (statusText.replace(/[^A-Za-z0-9]/g, "") || "UnknownError");
  const error = new Error(message ?? name);
  error.name = name;
  return Object.assign(error, { status });
}

function describe(error: unknown): string {
  const e = error as { name?: unknown; message?: unknown; status?: unknown };
  const name = typeof e?.name === "string" ? e.name : "Error";
  const status = typeof e?.status === "number" ? ` (HTTP ${e.status})` : "";
  const message = typeof e?.message === "string" && e.message !== "" &&
      e.message !== name
    ? `: ${e.message}`
    : "";
  return name === "Error" && status === "" && message !== ""
    ? message.slice(2)
    : `${name}${status}${message}`;
}

const RETRYABLE_CODES = new Set([
  "SlowDown",
  "RequestTimeout",
  "InternalError",
  "ServiceUnavailable",
  "Throttling",
  "ThrottlingException",
]);

/** Server time minus local time, from a `Date` header, in ms. */
function skewOf(response: Response): number | undefined {
  const date = Date.parse(response.headers.get("date") ?? "");
  return Number.isNaN(date) ? undefined : date - Date.now();
}

/** `YYYYMMDDTHHMMSSZ` of a time in ms. */
function amzDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[:-]|\.\d{3}/g, "");
}

function isKeyList(doc: XmlElement): boolean {
  return doc.name === "ListBucketResult";
}

/** What every request of one store shares. */
interface Sender {
  connection: S3Connection;
  doFetch: typeof fetch;
  userAgent: string;
  token: (() => Promise<string>) | undefined;
  closing: AbortController;
  maxAttempts: number;
  /** The server's clock minus ours, once it said ours is skewed. */
  skewMs: number;
}

/** The headers of one request, signed (HMAC) or with a bearer token (IAM). */
async function requestHeaders(
  sender: Sender,
  method: "GET" | "PUT",
  url: URL,
  body?: { bytes: Uint8Array; contentType: string },
): Promise<Headers> {
  const { auth, region } = sender.connection;
  const headers = new Headers({ "user-agent": sender.userAgent });
  if (body !== undefined) headers.set("content-type", body.contentType);
  if (sender.token !== undefined && auth.kind === "iam") {
    headers.set("authorization", `Bearer ${await sender.token()}`);
    headers.set("ibm-service-instance-id", auth.serviceInstanceId);
  } else if (auth.kind === "hmac") {
    await signV4(method, url, headers, auth, region, {
      datetime: amzDate(Date.now() + sender.skewMs),
      ...(body === undefined ? {} : { body: body.bytes }),
    });
  }
  return headers;
}

function backoff(attempt: number): Promise<void> {
  const ms = Math.random() * Math.min(20_000, 100 * 2 ** attempt);
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Sends one request (with retries); resolves to a 2xx response. */
async function send(
  sender: Sender,
  method: "GET" | "PUT",
  url: URL,
  body?: { bytes: Uint8Array; contentType: string },
): Promise<Response> {
  const { closing, maxAttempts } = sender;
  for (let attempt = 1;; attempt++) {
    closing.signal.throwIfAborted();
    const headers = await requestHeaders(sender, method, url, body);
    let response: Response;
    try {
      response = await sender.doFetch(url, {
        method,
        headers,
        redirect: "manual",
        signal: closing.signal,
        ...(body === undefined
          ? {}
          : { body: body.bytes as Uint8Array<ArrayBuffer> }),
      });
    } catch (error) {
      if (closing.signal.aborted || attempt >= maxAttempts) throw error;
      await backoff(attempt);
      continue;
    }
    if (response.ok) return response;
    const error = s3ErrorOf(
      response.status,
      response.statusText,
      await response.text(),
    );
    if (attempt >= maxAttempts) throw error;
    if (error.name === "RequestTimeTooSkewed") {
      // Sign with the server's clock from now on, as the SDK does.
      const skew = skewOf(response);
      if (skew === undefined) throw error;
      sender.skewMs = skew;
      continue;
    }
    const retryable = response.status === 429 || response.status >= 500 ||
      RETRYABLE_CODES.has(error.name);
    if (!retryable) throw error;
    await backoff(attempt);
  }
}

/** Every key under `prefix`, page by page (ListObjectsV2). */
async function listAllKeys(sender: Sender, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let continuation: string | undefined;
  do {
    const url = s3Url(sender.connection, undefined, [
      ["list-type", "2"],
      ["prefix", prefix],
      ...(continuation === undefined
        ? []
        : [["continuation-token", continuation] as const]),
    ]);
    const text = await (await send(sender, "GET", url)).text();
    const page = parseXml(text);
    if (!isKeyList(page)) {
      throw new SyntaxError(
        `expected a ListBucketResult document, got <${page.name}>`,
      );
    }
    for (const item of page.children) {
      if (item.name !== "Contents") continue;
      const key = childText(item, "Key");
      if (key !== undefined) keys.push(key);
    }
    const truncated = childText(page, "IsTruncated")?.trim() === "true";
    continuation = truncated
      ? childText(page, "NextContinuationToken")
      : undefined;
    if (truncated && !continuation) {
      throw new SyntaxError(
        "a truncated page without a NextContinuationToken",
      );
    }
  } while (continuation !== undefined);
  return keys;
}

/**
 * Opens a bucket. Nothing is sent until the first operation. Errors of an
 * operation name it, the bucket, the key or prefix and the location, and
 * S3's error code, HTTP status and message, with that error as `cause`.
 *
 * @example
 * ```ts
 * import { openObjectStore } from "./object_store.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const objects = new Map<string, Uint8Array<ArrayBuffer>>();
 * const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
 *   const url = new URL(req.url);
 *   const key = decodeURIComponent(url.pathname.replace(/^\/b\/?/, ""));
 *   if (req.method === "PUT") {
 *     objects.set(key, new Uint8Array(await req.arrayBuffer()));
 *     return new Response(null, { headers: { etag: '"1"' } });
 *   }
 *   const body = objects.get(key);
 *   return body ? new Response(body) : new Response("<Error><Code>NoSuchKey</Code></Error>", { status: 404 });
 * });
 * const store = await openObjectStore({
 *   provider: "aws", bucket: "b", region: "us-east-1", forcePathStyle: true,
 *   endpoint: `http://127.0.0.1:${server.addr.port}`,
 *   auth: { kind: "hmac", accessKeyId: "AK", secretAccessKey: "SK" },
 * });
 * await store.putObject("m1/data/idle.json", new TextEncoder().encode("{}"));
 * assertEquals(new TextDecoder().decode(await store.getObject("m1/data/idle.json")), "{}");
 * store.close();
 * await server.shutdown();
 * ```
 */
export function openObjectStore(
  connection: S3Connection,
  options: OpenObjectStoreOptions = {},
): Promise<ObjectStore> {
  const auth = connection.auth;
  const bucket = connection.bucket;
  const location = connection.endpoint ?? `AWS S3 (${connection.region})`;
  const sender: Sender = {
    connection,
    doFetch: options.fetch ?? globalThis.fetch,
    userAgent: options.userAgent ?? "kepler-model",
    token: auth.kind === "iam"
      ? ibmIamTokenProvider(auth.apiKey, {
        url: auth.iamEndpoint,
        ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
      })
      : undefined,
    closing: new AbortController(),
    maxAttempts: Math.max(1, options.maxAttempts ?? 3),
    skewMs: 0,
  };
  const fail = (what: string, error: unknown): Error =>
    new Error(
      `S3 ${what} in bucket "${bucket}" at ${location} failed: ${
        describe(error)
      }`,
      { cause: error },
    );
  const store: ObjectStore = {
    bucket,
    location,
    async putObject(key, body, contentType = "application/octet-stream") {
      try {
        const response = await send(sender, "PUT", s3Url(connection, key), {
          bytes: body,
          contentType,
        });
        await response.body?.cancel();
      } catch (error) {
        throw fail(`upload of "${key}"`, error);
      }
    },
    async getObject(key) {
      try {
        const response = await send(sender, "GET", s3Url(connection, key));
        return new Uint8Array(await response.arrayBuffer());
      } catch (error) {
        throw fail(`download of "${key}"`, error);
      }
    },
    async listKeys(prefix) {
      try {
        return await listAllKeys(sender, prefix);
      } catch (error) {
        throw fail(`listing of "${prefix}"`, error);
      }
    },
    close() {
      sender.closing.abort(new Error("the object store was closed"));
    },
  };
  return Promise.resolve(store);
}
