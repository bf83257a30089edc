/**
 * A bucket as four operations (put, get, list, close) on top of
 * `@aws-sdk/client-s3`, for AWS S3, S3-compatible servers and IBM Cloud
 * Object Storage (HMAC keys, or IAM bearer tokens from an API key).
 *
 * The SDK is imported when a store is opened, not when this module is: it
 * reads `AWS_*` variables at import time, which the other commands' tasks do
 * not grant. Every setting the SDK would otherwise look up in the
 * environment or in `~/.aws/config` is given here, so a run under
 * `--allow-env=<kepler-model's keys> --ignore-env` (the s3 tasks' flags)
 * behaves the same on every machine.
 *
 * @module
 */
import type { S3Connection } from "./connection.ts";
import { ibmIamTokenProvider } from "./ibm_iam_token.ts";

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
  /** Releases connections. */
  close(): void;
}

/** Options of {@linkcode openObjectStore}. */
export interface OpenObjectStoreOptions {
  /** Attempts per request (with backoff). Default: 3. */
  maxAttempts?: number;
  /** The fetch used for IBM IAM tokens. Default: `globalThis.fetch`. */
  fetch?: typeof fetch;
  /** User agent product. Default: `kepler-model`. */
  userAgent?: string;
}

/** What the SDK's errors carry. */
interface SdkError {
  name?: string;
  message?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
}

function describeSdkError(error: unknown): string {
  const e = error as SdkError;
  const status = e?.$metadata?.httpStatusCode;
  const name = e?.Code ?? e?.name ?? "Error";
  const message = e?.message && e.message !== name ? `: ${e.message}` : "";
  return `${name}${status === undefined ? "" : ` (HTTP ${status})`}${message}`;
}

/**
 * Opens a bucket. Nothing is sent until the first operation. Errors of an
 * operation name it, the bucket, the key or prefix and the location, with
 * the SDK's error as `cause`.
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
export async function openObjectStore(
  connection: S3Connection,
  options: OpenObjectStoreOptions = {},
): Promise<ObjectStore> {
  const sdk = await import("@aws-sdk/client-s3");
  const auth = connection.auth;
  const location = connection.endpoint ?? `AWS S3 (${connection.region})`;
  const common = {
    region: connection.region,
    forcePathStyle: connection.forcePathStyle,
    ...(connection.endpoint === undefined
      ? {}
      : { endpoint: connection.endpoint }),
    maxAttempts: options.maxAttempts ?? 3,
    retryMode: "standard",
    defaultsMode: "standard",
    useFipsEndpoint: false,
    useDualstackEndpoint: false,
    useArnRegion: false,
    disableMultiregionAccessPoints: true,
    disableS3ExpressSessionAuth: true,
    followRegionRedirects: false,
    disableClockSkewCorrection: false,
    ignoreConfiguredEndpointUrls: true,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    disableRequestCompression: true,
    requestMinCompressionSizeBytes: 10240,
    sigv4aSigningRegionSet: [],
    authSchemePreference: [],
    userAgentAppId: options.userAgent ?? "kepler-model",
    defaultUserAgentProvider: () =>
      Promise.resolve([[options.userAgent ?? "kepler-model"]]),
  } as const;
  let config: Record<string, unknown>;
  if (auth.kind === "hmac") {
    config = {
      ...common,
      credentials: {
        accessKeyId: auth.accessKeyId,
        secretAccessKey: auth.secretAccessKey,
        ...(auth.sessionToken === undefined
          ? {}
          : { sessionToken: auth.sessionToken }),
      },
    };
  } else {
    const token = ibmIamTokenProvider(auth.apiKey, {
      url: auth.iamEndpoint,
      ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    });
    const schemeId = "ibm#iam";
    config = {
      ...common,
      httpAuthSchemeProvider: () => [{ schemeId }],
      httpAuthSchemes: [{
        schemeId,
        identityProvider: () => async () => ({ token: await token() }),
        signer: {
          sign: (
            request: { headers: Record<string, string> },
            identity: { token: string },
          ) => {
            request.headers["authorization"] = `Bearer ${identity.token}`;
            request.headers["ibm-service-instance-id"] = auth.serviceInstanceId;
            return Promise.resolve(request);
          },
        },
      }],
    };
  }
  const client = new sdk.S3Client(
    config as import("@aws-sdk/client-s3").S3ClientConfig,
  );
  const bucket = connection.bucket;
  const fail = (what: string, error: unknown): Error =>
    new Error(
      `S3 ${what} in bucket "${bucket}" at ${location} failed: ${
        describeSdkError(error)
      }`,
      { cause: error },
    );
  return {
    bucket,
    location,
    async putObject(key, body, contentType = "application/octet-stream") {
      try {
        await client.send(
          new sdk.PutObjectCommand({
            Bucket: bucket,
            Key: key,
            Body: body,
            ContentType: contentType,
            ContentLength: body.byteLength,
          }),
        );
      } catch (error) {
        throw fail(`upload of "${key}"`, error);
      }
    },
    async getObject(key) {
      try {
        const out = await client.send(
          new sdk.GetObjectCommand({ Bucket: bucket, Key: key }),
        );
        if (out.Body === undefined) return new Uint8Array();
        return await out.Body.transformToByteArray();
      } catch (error) {
        throw fail(`download of "${key}"`, error);
      }
    },
    async listKeys(prefix) {
      const keys: string[] = [];
      let token: string | undefined;
      try {
        do {
          const page = await client.send(
            new sdk.ListObjectsV2Command({
              Bucket: bucket,
              Prefix: prefix,
              ...(token === undefined ? {} : { ContinuationToken: token }),
            }),
          );
          for (const item of page.Contents ?? []) {
            if (item.Key !== undefined) keys.push(item.Key);
          }
          token = page.IsTruncated ? page.NextContinuationToken : undefined;
        } while (token !== undefined);
      } catch (error) {
        throw fail(`listing of "${prefix}"`, error);
      }
      return keys;
    },
    close() {
      client.destroy();
    },
  };
}
