/**
 * How to reach a bucket: the provider, the bucket, the endpoint and the
 * credentials, read from the Kubernetes secrets of seed 003 (the
 * `ibm-cos-secret` and `aws-cos-secret` templates in tekton/secrets/).
 *
 * A secret is a map of keys to values: a mounted secret volume (one file per
 * key) or a Secret manifest. Secret values never appear in error messages;
 * only key names do.
 *
 * @module
 */
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { readTextFile } from "../io/read.ts";

/** Object storage providers: AWS S3 (or any S3-compatible server) and IBM Cloud Object Storage. */
export const S3_PROVIDERS = ["aws", "ibmcloud"] as const;
/** One provider. */
export type S3Provider = typeof S3_PROVIDERS[number];

/**
 * The keys of the secrets of seed 003, and the optional extras this project
 * reads: `serviceEndpoint` also for AWS (an S3-compatible server such as
 * MinIO or Ceph), `accessKeyID`/`accessSecret` also for IBM COS (its HMAC
 * credentials), `sessionToken` (temporary AWS credentials) and
 * `iamEndpoint` (IBM's token endpoint, e.g. the private one).
 */
export const SECRET_KEYS = {
  accessKeyId: "accessKeyID",
  secretAccessKey: "accessSecret",
  sessionToken: "sessionToken",
  region: "regionName",
  bucket: "bucketName",
  endpoint: "serviceEndpoint",
  apiKey: "apiKey",
  serviceInstanceId: "serviceInstanceID",
  iamEndpoint: "iamEndpoint",
} as const;

/** IBM Cloud IAM's token endpoint. */
export const IBM_IAM_TOKEN_URL = "https://iam.cloud.ibm.com/identity/token";

/** Signature V4 with an access key (AWS, S3-compatible servers, IBM COS HMAC). */
export interface HmacAuth {
  /** Discriminant. */
  kind: "hmac";
  /** Access key id. */
  accessKeyId: string;
  /** Secret access key. */
  secretAccessKey: string;
  /** Session token of temporary credentials. Default: none. */
  sessionToken?: string;
}

/** IBM Cloud IAM: an API key exchanged for bearer tokens. */
export interface IamAuth {
  /** Discriminant. */
  kind: "iam";
  /** IBM Cloud API key. */
  apiKey: string;
  /** The COS service instance id (`ibm-service-instance-id` header). */
  serviceInstanceId: string;
  /** Token endpoint. Default: {@linkcode IBM_IAM_TOKEN_URL}. */
  iamEndpoint: string;
}

/** Everything needed to open a bucket. */
export interface S3Connection {
  /** The provider. */
  provider: S3Provider;
  /** Bucket name. */
  bucket: string;
  /** Region used for signing (AWS: the bucket's region). */
  region: string;
  /** Endpoint URL; none means AWS's regional endpoint. */
  endpoint?: string;
  /** Path-style addressing (`<endpoint>/<bucket>/<key>`): true with an endpoint. */
  forcePathStyle: boolean;
  /** Credentials. */
  auth: HmacAuth | IamAuth;
}

/** Values that override the secret's (e.g. CLI flags). */
export interface ConnectionOverrides {
  /** Provider. Default: inferred from the secret's keys (apiKey → ibmcloud, else aws). */
  provider?: S3Provider;
  /** Bucket. Default: the secret's `bucketName`. */
  bucket?: string;
  /** Endpoint URL. Default: the secret's `serviceEndpoint`. */
  endpoint?: string;
  /** Region. Default: the secret's `regionName`, or `us-east-1` with an endpoint. */
  region?: string;
  /** IBM IAM token endpoint. Default: the secret's `iamEndpoint`, else IBM's public one. */
  iamEndpoint?: string;
}

/**
 * Parses a provider name (`aws`, `ibmcloud`; `ibm` reads as `ibmcloud`).
 *
 * @example
 * ```ts
 * import { parseS3Provider } from "./connection.ts";
 * import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
 * assertEquals(parseS3Provider("IBM"), "ibmcloud");
 * assertThrows(() => parseS3Provider("gcs"), RangeError);
 * ```
 */
export function parseS3Provider(value: string): S3Provider {
  const v = value.trim().toLowerCase();
  if (v === "ibm") return "ibmcloud";
  if ((S3_PROVIDERS as readonly string[]).includes(v)) return v as S3Provider;
  throw new RangeError(
    `Unknown object storage provider "${value}": valid values are ${
      S3_PROVIDERS.join(", ")
    }`,
  );
}

function endpointUrl(value: string, from: string): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(value)
    ? value
    : `https://${value}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch (error) {
    throw new TypeError(
      `Invalid endpoint "${value}" (${from}): not a URL`,
      { cause: error },
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new TypeError(
      `Invalid endpoint "${value}" (${from}): expected an http or https URL`,
    );
  }
  return withScheme.replace(/\/+$/, "");
}

/** A secret's trimmed value, or undefined when absent or empty. */
type SecretGetter = (key: string) => string | undefined;

/** HMAC keys from the secret, if any; both or neither. */
function hmacAuth(get: SecretGetter, source: string): HmacAuth | undefined {
  const K = SECRET_KEYS;
  const accessKeyId = get(K.accessKeyId);
  const secretAccessKey = get(K.secretAccessKey);
  if (accessKeyId === undefined && secretAccessKey === undefined) {
    return undefined;
  }
  if (accessKeyId === undefined || secretAccessKey === undefined) {
    throw new TypeError(
      `Incomplete credentials: ${source} has ${
        accessKeyId === undefined ? K.secretAccessKey : K.accessKeyId
      } but no ${
        accessKeyId === undefined ? K.accessKeyId : K.secretAccessKey
      }`,
    );
  }
  const sessionToken = get(K.sessionToken);
  return {
    kind: "hmac",
    accessKeyId,
    secretAccessKey,
    ...(sessionToken === undefined ? {} : { sessionToken }),
  };
}

/** IBM Cloud credentials: an API key (IAM), else HMAC keys. */
function ibmAuth(
  get: SecretGetter,
  overrides: ConnectionOverrides,
  endpoint: string | undefined,
  source: string,
): HmacAuth | IamAuth {
  const K = SECRET_KEYS;
  if (endpoint === undefined) {
    throw new TypeError(
      `IBM Cloud Object Storage needs an endpoint: ${source} has no ${K.endpoint} key (e.g. s3.us-south.cloud-object-storage.appdomain.cloud)`,
    );
  }
  const apiKey = get(K.apiKey);
  if (apiKey === undefined) {
    const h = hmacAuth(get, source);
    if (h === undefined) {
      throw new TypeError(
        `No IBM Cloud credentials: ${source} has neither ${K.apiKey} and ${K.serviceInstanceId} nor HMAC keys ${K.accessKeyId} and ${K.secretAccessKey}`,
      );
    }
    return h;
  }
  const serviceInstanceId = get(K.serviceInstanceId);
  if (serviceInstanceId === undefined) {
    throw new TypeError(
      `Incomplete IBM Cloud credentials: ${source} has ${K.apiKey} but no ${K.serviceInstanceId}`,
    );
  }
  const iam = overrides.iamEndpoint ?? get(K.iamEndpoint) ??
    IBM_IAM_TOKEN_URL;
  return {
    kind: "iam",
    apiKey,
    serviceInstanceId,
    iamEndpoint: endpointUrl(iam, "IAM endpoint"),
  };
}

/** AWS credentials: HMAC keys. */
function awsAuth(get: SecretGetter, source: string): HmacAuth {
  const h = hmacAuth(get, source);
  if (h === undefined) {
    throw new TypeError(
      `No AWS credentials: ${source} has no ${SECRET_KEYS.accessKeyId} and ${SECRET_KEYS.secretAccessKey} keys`,
    );
  }
  return h;
}

/**
 * Builds the connection from a secret's values and overrides. Throws a
 * `TypeError` that names the missing keys (never their values).
 *
 * @example
 * ```ts
 * import { connectionFromSecret } from "./connection.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const aws = connectionFromSecret({
 *   accessKeyID: "AK", accessSecret: "SK", regionName: "eu-west-1", bucketName: "kepler-power-model",
 * });
 * assertEquals(aws.provider, "aws");
 * assertEquals(aws.region, "eu-west-1");
 * assertEquals(aws.forcePathStyle, false);
 * const ibm = connectionFromSecret({
 *   serviceEndpoint: "s3.us-south.cloud-object-storage.appdomain.cloud",
 *   apiKey: "KEY", serviceInstanceID: "crn:1", bucketName: "b",
 * });
 * assertEquals(ibm.provider, "ibmcloud");
 * assertEquals(ibm.endpoint, "https://s3.us-south.cloud-object-storage.appdomain.cloud");
 * assertEquals(ibm.auth.kind, "iam");
 * ```
 */
export function connectionFromSecret(
  secret: Readonly<Record<string, string>>,
  overrides: ConnectionOverrides = {},
  source = "the secret",
): S3Connection {
  const get: SecretGetter = (key) => {
    const v = secret[key]?.trim();
    return v === undefined || v === "" ? undefined : v;
  };
  const K = SECRET_KEYS;
  if (Object.keys(secret).length === 0) {
    throw new TypeError(
      `No keys in ${source}: is the secret deployed (and mounted)?`,
    );
  }
  const provider = overrides.provider ??
    (get(K.apiKey) !== undefined ? "ibmcloud" : "aws");
  const bucket = overrides.bucket ?? get(K.bucket);
  if (bucket === undefined) {
    throw new TypeError(
      `No bucket: ${source} has no ${K.bucket} key and no bucket was given`,
    );
  }
  const endpointValue = overrides.endpoint ?? get(K.endpoint);
  const endpoint = endpointValue === undefined ? undefined : endpointUrl(
    endpointValue,
    overrides.endpoint === undefined ? `${K.endpoint} of ${source}` : "flag",
  );
  const auth = provider === "ibmcloud"
    ? ibmAuth(get, overrides, endpoint, source)
    : awsAuth(get, source);
  const region = overrides.region ?? get(K.region) ??
    (endpoint !== undefined ? "us-east-1" : undefined);
  if (region === undefined) {
    throw new TypeError(
      `No AWS region: ${source} has no ${K.region} key and no region or endpoint was given`,
    );
  }
  return {
    provider,
    bucket,
    region,
    ...(endpoint === undefined ? {} : { endpoint }),
    forcePathStyle: endpoint !== undefined,
    auth,
  };
}

function decodeBase64(value: string, key: string, source: string): string {
  try {
    const binary = atob(value.replace(/\s+/g, ""));
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch (error) {
    throw new TypeError(
      `Invalid secret ${source}: data.${key} is not base64-encoded UTF-8 text`,
      { cause: error },
    );
  }
}

/**
 * The key/value pairs of a Kubernetes Secret manifest (YAML or JSON):
 * `stringData` as is and `data` base64-decoded (`stringData` wins, as in
 * Kubernetes).
 *
 * @example
 * ```ts
 * import { parseSecretManifest } from "./connection.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const text = "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata:\n  bucketName: YQ==\nstringData:\n  regionName: eu-west-1\n";
 * assertEquals(parseSecretManifest(text), { bucketName: "a", regionName: "eu-west-1" });
 * ```
 */
export function parseSecretManifest(
  text: string,
  source = "the Secret manifest",
): Record<string, string> {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (error) {
    throw new SyntaxError(
      `Cannot parse ${source}: not YAML (${(error as Error).message})`,
      { cause: error },
    );
  }
  const obj = doc as Record<string, unknown> | null;
  if (obj === null || typeof obj !== "object" || obj.kind !== "Secret") {
    throw new TypeError(
      `Invalid secret ${source}: expected a Kubernetes manifest with kind: Secret`,
    );
  }
  const out: Record<string, string> = {};
  const data = obj.data as Record<string, unknown> | undefined;
  for (const [key, value] of Object.entries(data ?? {})) {
    if (typeof value === "string") {
      out[key] = decodeBase64(value, key, source);
    }
  }
  const stringData = obj.stringData as Record<string, unknown> | undefined;
  for (const [key, value] of Object.entries(stringData ?? {})) {
    if (value !== null && value !== undefined) out[key] = String(value);
  }
  return out;
}

/**
 * Reads a secret: a folder with one file per key (a mounted secret volume;
 * hidden entries such as Kubernetes' `..data` are skipped) or a Secret
 * manifest file. Values are trimmed.
 *
 * @example
 * ```ts
 * import { readSecret } from "./connection.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/bucketName`, "kepler-power-model\n");
 * assertEquals(await readSecret(dir), { bucketName: "kepler-power-model" });
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function readSecret(
  path: string,
): Promise<Record<string, string>> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Deno.errors.NotFound(
        `Cannot read the secret ${path}: no such file or folder (is the secret deployed and mounted?)`,
        { cause: error },
      );
    }
    throw error;
  }
  if (info.isFile) {
    const values = parseSecretManifest(await readTextFile(path), path);
    for (const key of Object.keys(values)) values[key] = values[key]!.trim();
    return values;
  }
  const out: Record<string, string> = {};
  const names: string[] = [];
  for await (const entry of Deno.readDir(path)) {
    if (!entry.name.startsWith(".") && !entry.isDirectory) {
      names.push(entry.name);
    }
  }
  for (const name of names.sort()) {
    const file = join(path, name);
    if ((await Deno.stat(file)).isFile) {
      out[name] = (await readTextFile(file)).trim();
    }
  }
  return out;
}
