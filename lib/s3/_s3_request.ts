/**
 * S3 requests without an SDK: where a bucket and key live (path-style or
 * virtual-host addressing, AWS's regional endpoints) and how a request is
 * authorized (Signature V4 through `aws4fetch`, or IBM Cloud IAM bearer
 * tokens).
 *
 * @module
 */
import { AwsV4Signer } from "aws4fetch";
import type { HmacAuth, S3Connection } from "./connection.ts";

/** The parts of a connection that decide a URL. */
export type S3Address = Pick<
  S3Connection,
  "bucket" | "region" | "endpoint" | "forcePathStyle"
>;

/** RFC 3986 percent-encoding, as S3's canonical request wants it. */
export function encodeRfc3986(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** AWS's regional endpoint for a region (China's regions end in `.cn`). */
export function awsEndpoint(region: string): string {
  return `https://s3.${region}.amazonaws.com${
    region.startsWith("cn-") ? ".cn" : ""
  }`;
}

/** A bucket name that can be a DNS label of a host name (no dots, for TLS). */
function virtualHostable(bucket: string, host: string): boolean {
  const ip = /^\d+\.\d+\.\d+\.\d+$/.test(host) || host.startsWith("[");
  return !ip && /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(bucket);
}

/**
 * The URL of an object (`key`) or of the bucket itself (`key` undefined),
 * with a query. Path-style (`<endpoint>/<bucket>/<key>`) when the connection
 * says so, the bucket cannot be a host name or the endpoint is an IP
 * address; else virtual-host
 * (`<bucket>.<endpoint host>/<key>`). Without an endpoint, AWS's regional
 * one. A key with `.` or `..` segments is refused with a `RangeError`: URL
 * normalization would send another key.
 *
 * @example
 * ```ts
 * import { s3Url } from "./_s3_request.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const aws = { bucket: "kepler", region: "eu-west-1", forcePathStyle: false };
 * assertEquals(s3Url(aws, "m1/a b.json").href, "https://kepler.s3.eu-west-1.amazonaws.com/m1/a%20b.json");
 * const minio = { ...aws, endpoint: "http://127.0.0.1:9000", forcePathStyle: true };
 * assertEquals(s3Url(minio, undefined, [["list-type", "2"], ["prefix", "m1/"]]).href,
 *   "http://127.0.0.1:9000/kepler?list-type=2&prefix=m1%2F");
 * ```
 */
export function s3Url(
  address: S3Address,
  key?: string,
  query: readonly (readonly [string, string])[] = [],
): URL {
  const base = new URL(address.endpoint ?? awsEndpoint(address.region));
  const basePath = base.pathname.replace(/\/+$/, "");
  let path: string;
  if (key !== undefined) {
    const segments = key.split("/");
    if (segments.some((s) => s === "." || s === "..")) {
      throw new RangeError(
        `Cannot address S3 key "${key}": its "." or ".." segments would be rewritten by URL normalization`,
      );
    }
    path = "/" + segments.map(encodeRfc3986).join("/");
  } else {
    path = "";
  }
  const url = new URL(base.origin);
  if (
    address.forcePathStyle || !virtualHostable(address.bucket, base.hostname)
  ) {
    url.pathname = `${basePath}/${encodeRfc3986(address.bucket)}${path}`;
  } else {
    url.hostname = `${address.bucket}.${base.hostname}`;
    url.pathname = `${basePath}${path === "" ? "/" : path}`;
  }
  url.search = query.map(([k, v]) => `${encodeRfc3986(k)}=${encodeRfc3986(v)}`)
    .join("&");
  return url;
}

/** Lower-case hex of SHA-256. */
export async function sha256Hex(data: Uint8Array): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", data as Uint8Array<ArrayBuffer>),
  );
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Options of {@linkcode signV4}. */
export interface SignV4Options {
  /** Request time as `YYYYMMDDTHHMMSSZ`. Default: now. */
  datetime?: string;
  /** The payload hash header value. Default: the SHA-256 of `body`. */
  payloadHash?: string;
}

/**
 * Adds Signature V4 headers (`authorization`, `x-amz-date`,
 * `x-amz-content-sha256`, `x-amz-security-token` with a session token) to
 * `headers` for the S3 service of `region`. Every header in `headers` is
 * signed except those `aws4fetch` never signs (content-type,
 * content-length, user-agent, range, ...).
 *
 * @example
 * ```ts
 * import { signV4 } from "./_s3_request.ts";
 * import { ok as assert } from "node:assert/strict";
 * const headers = new Headers();
 * await signV4("GET", new URL("https://b.s3.us-east-1.amazonaws.com/k"), headers,
 *   { kind: "hmac", accessKeyId: "AK", secretAccessKey: "SK" }, "us-east-1");
 * assert(headers.get("authorization")!.startsWith("AWS4-HMAC-SHA256 Credential=AK/"));
 * ```
 */
export async function signV4(
  method: string,
  url: URL,
  headers: Headers,
  auth: HmacAuth,
  region: string,
  options: SignV4Options & { body?: Uint8Array } = {},
): Promise<void> {
  headers.set(
    "x-amz-content-sha256",
    options.payloadHash ?? await sha256Hex(options.body ?? new Uint8Array()),
  );
  const signer = new AwsV4Signer({
    method,
    url: url.href,
    headers,
    accessKeyId: auth.accessKeyId,
    secretAccessKey: auth.secretAccessKey,
    ...(auth.sessionToken === undefined
      ? {}
      : { sessionToken: auth.sessionToken }),
    service: "s3",
    region,
    ...(options.datetime === undefined ? {} : { datetime: options.datetime }),
  });
  const signed = await signer.sign();
  for (const name of ["authorization", "x-amz-date", "x-amz-security-token"]) {
    const value = signed.headers.get(name);
    if (value !== null) headers.set(name, value);
  }
}
