/**
 * IBM Cloud IAM tokens: an API key is exchanged for a bearer token that IBM
 * Cloud Object Storage accepts on its S3-compatible API (what `ibm_boto3`'s
 * `signature_version="oauth"` does upstream).
 *
 * @module
 */
import { IBM_IAM_TOKEN_URL } from "./connection.ts";

/** A bearer token and when it expires. */
export interface IamToken {
  /** The bearer token. */
  accessToken: string;
  /** Expiry, unix seconds. */
  expiresAt: number;
}

/** Options of {@linkcode fetchIbmIamToken} and {@linkcode ibmIamTokenProvider}. */
export interface IamTokenOptions {
  /** Token endpoint. Default: {@linkcode IBM_IAM_TOKEN_URL}. */
  url?: string;
  /** The fetch function. Default: `globalThis.fetch`. */
  fetch?: typeof fetch;
  /** Clock, unix seconds. Default: `Date.now() / 1000`. */
  now?: () => number;
}

/**
 * Exchanges an API key for a token (`grant_type` apikey). A refused key or
 * an unexpected answer throws an `Error` that names the endpoint and status,
 * never the key.
 *
 * @example
 * ```ts
 * import { fetchIbmIamToken } from "./ibm_iam_token.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const fake = (async (_url: string | URL | Request, init?: RequestInit) => {
 *   const body = new URLSearchParams(String(init?.body));
 *   assertEquals(body.get("apikey"), "KEY");
 *   return Response.json({ access_token: "TOKEN", expires_in: 3600, token_type: "Bearer" });
 * }) as typeof fetch;
 * const token = await fetchIbmIamToken("KEY", { fetch: fake, now: () => 1000 });
 * assertEquals(token, { accessToken: "TOKEN", expiresAt: 4600 });
 * ```
 */
export async function fetchIbmIamToken(
  apiKey: string,
  options: IamTokenOptions = {},
): Promise<IamToken> {
  const url = options.url ?? IBM_IAM_TOKEN_URL;
  const doFetch = options.fetch ?? globalThis.fetch;
  const now = options.now ?? (() => Date.now() / 1000);
  let response: Response;
  try {
    response = await doFetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        accept: "application/json",
      },
      body: new URLSearchParams({
        grant_type: "urn:ibm:params:oauth:grant-type:apikey",
        apikey: apiKey,
      }).toString(),
    });
  } catch (error) {
    throw new Error(
      `Cannot get an IBM Cloud IAM token from ${url}: ${
        (error as Error).message
      }`,
      { cause: error },
    );
  }
  const text = await response.text();
  if (!response.ok) {
    let detail = "";
    try {
      const body = JSON.parse(text);
      detail = body.errorMessage ?? body.errorCode ?? "";
    } catch {
      // not JSON
    }
    throw new Error(
      `IBM Cloud IAM at ${url} refused the API key: HTTP ${response.status}${
        detail ? ` (${detail})` : ""
      }`,
    );
  }
  let body: { access_token?: unknown; expires_in?: unknown };
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new SyntaxError(
      `IBM Cloud IAM at ${url} answered with something other than JSON`,
      { cause: error },
    );
  }
  if (typeof body.access_token !== "string" || body.access_token === "") {
    throw new TypeError(
      `IBM Cloud IAM at ${url} answered without an access_token`,
    );
  }
  const ttl = typeof body.expires_in === "number" ? body.expires_in : 3600;
  return { accessToken: body.access_token, expiresAt: now() + ttl };
}

/**
 * A function that returns a valid token, fetching a new one when none is
 * cached or the cached one expires within a minute.
 *
 * @example
 * ```ts
 * import { ibmIamTokenProvider } from "./ibm_iam_token.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * let calls = 0;
 * const fake = (async () => Response.json({ access_token: `T${++calls}`, expires_in: 100 })) as typeof fetch;
 * let t = 0;
 * const token = ibmIamTokenProvider("KEY", { fetch: fake, now: () => t });
 * assertEquals(await token(), "T1");
 * assertEquals(await token(), "T1");
 * t = 50; // within a minute of expiry
 * assertEquals(await token(), "T2");
 * ```
 */
export function ibmIamTokenProvider(
  apiKey: string,
  options: IamTokenOptions = {},
): () => Promise<string> {
  const now = options.now ?? (() => Date.now() / 1000);
  let cached: Promise<IamToken> | undefined;
  return async () => {
    if (cached !== undefined) {
      const token = await cached.catch(() => undefined);
      if (token !== undefined && token.expiresAt - now() > 60) {
        return token.accessToken;
      }
    }
    cached = fetchIbmIamToken(apiKey, { ...options, now });
    return (await cached).accessToken;
  };
}
