/**
 * The only reader of the environment. Configuration is read once, at the
 * edge, and passed down as a typed object; `lib/` never reads `Deno.env`.
 *
 * Keys and defaults follow upstream kepler-model-server (`util/config.py`),
 * with two deliberate changes: DATAPATH defaults to `./data` (upstream's
 * `/data` is the container mount; our image sets `DATAPATH=/data`), and
 * MODEL_PATH defaults to DATAPATH, which is what seed 002's
 * `docker run -v "$(pwd)":/data ... train` shows the user (the pipeline
 * folder appears next to the query). Nothing is created on import.
 *
 * As upstream's `get_config`, a key is read from the file
 * `$CONFIG_PATH/<KEY>` (default `/etc/kepler/kepler.config`, where Kepler's
 * and the model server's Kubernetes manifests mount their ConfigMap) before
 * the environment; the file's text is trimmed, and an empty file counts as
 * unset.
 *
 * @module
 */
import { join } from "node:path";
import { type ErrorKey, parseErrorKey } from "../lib/types.ts";
import {
  INIT_URL_TARGETS,
  parseModelConfig,
} from "../lib/vocabulary/model_config.ts";

/** Every environment variable kepler-model reads (tasks grant exactly these). */
export const ENV_KEYS = [
  "DATAPATH",
  "MODEL_PATH",
  "PROM_SERVER",
  "PROM_QUERY_INTERVAL",
  "PROM_QUERY_STEP",
  "PROM_SSL_DISABLE",
  "PROM_THIRDPARTY_METRICS",
  "PROM_USERNAME",
  "PROM_PASSWORD",
  "PROM_BEARER_TOKEN",
  "MODEL_SERVER_PORT",
  "INITIAL_PIPELINE_URL",
  "ERROR_KEY",
  "VM_JOB_NAME",
  "MODEL_CONFIG",
  "MODEL_SERVER_ENABLE",
  "MODEL_SERVER_URL",
  "MODEL_SERVER_MODEL_REQ_PATH",
  "NODE_TOTAL_INIT_URL",
  "NODE_COMPONENTS_INIT_URL",
  "CONTAINER_TOTAL_INIT_URL",
  "CONTAINER_COMPONENTS_INIT_URL",
  "PROCESS_TOTAL_INIT_URL",
  "PROCESS_COMPONENTS_INIT_URL",
  "CONFIG_PATH",
  "NO_COLOR",
] as const;
/** One environment variable name. */
export type EnvKey = typeof ENV_KEYS[number];

/** The typed configuration. */
export interface Config {
  /** DATAPATH: folder of queries and intermediate files. Default `data`. */
  dataPath: string;
  /** MODEL_PATH: folder of pipelines. Default: DATAPATH. */
  modelPath: string;
  /** PROM_SERVER. Default `http://localhost:9090`. */
  promServer: string;
  /** PROM_QUERY_INTERVAL in seconds. Default 300. */
  promQueryInterval: number;
  /** PROM_QUERY_STEP in seconds (seconds or a Prometheus duration such as `3s`). Default 3. */
  promQueryStep: number;
  /** PROM_SSL_DISABLE: skip TLS verification. Default true, as upstream. */
  promSslDisable: boolean;
  /** PROM_THIRDPARTY_METRICS, comma list. Default none. */
  promThirdpartyMetrics: string[];
  /** PROM_USERNAME (basic auth). Default none. */
  promUsername?: string;
  /** PROM_PASSWORD (basic auth). Default none. */
  promPassword?: string;
  /** PROM_BEARER_TOKEN. Default none. */
  promBearerToken?: string;
  /** MODEL_SERVER_PORT. Default 8100. */
  modelServerPort: number;
  /** INITIAL_PIPELINE_URL, comma list of pipeline zip URLs. Default none. */
  initialPipelineUrls: string[];
  /** ERROR_KEY used to pick the best model. Default `mae`. */
  errorKey: ErrorKey;
  /** VM_JOB_NAME, the Prometheus job of VM metrics. Default `vm`. */
  vmJobName: string;
  /** NO_COLOR set: plain output. */
  noColor: boolean;
  /**
   * The estimator's static model URLs (`<LEVEL>_<COVERAGE>_INIT_URL`) by
   * key: a configuration file's, else `MODEL_CONFIG`'s, else the
   * environment's, as upstream's estimator reads them.
   */
  initUrls: Record<string, string>;
  /**
   * The model request URL of another model server the estimator asks
   * first (MODEL_SERVER_ENABLE=true), if any.
   */
  remoteModelServer?: string;
  /** The configuration files that set keys (`$CONFIG_PATH/<KEY>`), if any. */
  configFiles: string[];
}

/** A source of environment values (Deno.env, or a plain object in tests). */
export interface EnvSource {
  /** The value of a variable, or undefined. */
  get(key: string): string | undefined;
}

/** Where a value came from, for messages: "environment variable KEY" or a file. */
type Where = (key: EnvKey) => string;

function numberOf(
  where: Where,
  key: EnvKey,
  value: string | undefined,
  fallback: number,
) {
  if (value === undefined || value.trim() === "") return fallback;
  const n = Number(value);
  if (!Number.isFinite(n)) {
    throw new RangeError(
      `Invalid ${where(key)}="${value}": expected a number`,
    );
  }
  return n;
}

/** Seconds per Prometheus duration unit, in the order a duration lists them. */
const UNITS = [
  ["y", 365 * 86400],
  ["w", 7 * 86400],
  ["d", 86400],
  ["h", 3600],
  ["m", 60],
  ["s", 1],
  ["ms", 0.001],
] as const;

/** Prometheus' duration: each unit at most once, largest first. */
const DURATION = new RegExp(
  `^${UNITS.map(([unit]) => `(?:(\\d+)${unit})?`).join("")}$`,
);

/** A number of seconds as Prometheus' `strconv.ParseFloat` accepts it. */
const SECONDS = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Parses a query step (`--step`, PROM_QUERY_STEP) as Prometheus reads its
 * `step` parameter: a duration (`3s`, `1m`, `1m30s`, `500ms`, `1h`, `2d`,
 * `1w`, `1y`) or a number of seconds (`3`, `0.5`). Upstream passes `--step`
 * to Prometheus as text, so both forms work there; here the step is seconds
 * everywhere.
 *
 * @param text The step, e.g. `3`, `0.5`, `3s`, `1m30s` or `500ms`;
 *   surrounding white space is ignored.
 * @returns The step in seconds, e.g. 90 for `1m30s`.
 * @throws {RangeError} when `text` is neither form (e.g. `3x`, `1.5s`,
 *   `s`) or the step is below 1ms (`0`, `0s`, `-3`, `0.0001`) or infinite.
 *
 * @example
 * ```ts
 * import { parseStep } from "./config.ts";
 * import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
 * assertEquals([parseStep("3"), parseStep("3s"), parseStep("1m30s"), parseStep("500ms")], [3, 3, 90, 0.5]);
 * throws(() => parseStep("3x"), /Invalid step "3x"/);
 * throws(() => parseStep("0s"), /at least 1ms/);
 * ```
 */
export function parseStep(text: string): number {
  const trimmed = text.trim();
  let seconds: number | undefined;
  if (SECONDS.test(trimmed)) {
    seconds = Number(trimmed);
  } else {
    const match = trimmed === "" ? null : DURATION.exec(trimmed);
    if (match !== null) {
      seconds = 0;
      UNITS.forEach(([, size], i) => {
        const n = match[i + 1];
        if (n !== undefined) seconds! += Number(n) * size;
      });
    }
  }
  if (seconds === undefined) {
    throw new RangeError(
      `Invalid step "${text}": expected seconds (e.g. 3, 0.5) or a Prometheus duration (e.g. 3s, 1m30s, 500ms; units ms, s, m, h, d, w, y)`,
    );
  }
  if (!(seconds >= 0.001) || !Number.isFinite(seconds)) {
    throw new RangeError(
      `Invalid step "${text}": the step must be at least 1ms (0.001 s) and finite`,
    );
  }
  return seconds;
}

/** PROM_QUERY_STEP: seconds or a Prometheus duration (`3s`, `1m`), as upstream passes it on. */
function stepOf(where: Where, value: string | undefined): number {
  if (value === undefined || value.trim() === "") return 3;
  try {
    return parseStep(value);
  } catch (e) {
    throw new RangeError(
      `Invalid ${where("PROM_QUERY_STEP")}="${value}": ${
        (e as Error).message.replace(/^Invalid step "[^"]*": /, "")
      }`,
    );
  }
}

function errorKeyOf(where: Where, value: string | undefined): ErrorKey {
  if (value === undefined || value.trim() === "") return "mae";
  try {
    return parseErrorKey(value);
  } catch (e) {
    throw new RangeError(
      `Invalid ${where("ERROR_KEY")}: ${(e as Error).message}`,
    );
  }
}

function listOf(value: string | undefined): string[] {
  return (value ?? "").split(",").map((s) => s.trim()).filter((s) => s !== "");
}

/** Upstream's configuration folder, when CONFIG_PATH is unset. */
export const DEFAULT_CONFIG_PATH = "/etc/kepler/kepler.config";

/** Keys that a file in the configuration folder may set. */
const FILE_KEYS: readonly EnvKey[] = ENV_KEYS.filter((k) =>
  k !== "CONFIG_PATH" && k !== "NO_COLOR"
);

/**
 * The values of the configuration folder's files, by key: `<dir>/<KEY>`,
 * trimmed; an empty file is left out. A folder that does not exist, or that
 * this process may not read (no `--allow-read` for it), sets nothing; a
 * file that exists and cannot be read is an error naming it.
 */
function configFileValues(dir: string): Map<EnvKey, string> {
  const values = new Map<EnvKey, string>();
  const permission = Deno.permissions.querySync({ name: "read", path: dir });
  if (permission.state !== "granted") return values;
  try {
    if (!Deno.statSync(dir).isDirectory) return values;
  } catch {
    return values;
  }
  for (const key of FILE_KEYS) {
    const file = join(dir, key);
    let text: string;
    try {
      text = Deno.readTextFileSync(file);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) continue;
      throw new RangeError(
        `Cannot read configuration file ${file} (CONFIG_PATH): ${
          (error as Error).message
        }`,
      );
    }
    const value = text.trim();
    if (value !== "") values.set(key, value);
  }
  return values;
}

/** A key's value as upstream's estimator reads it: a file's, else MODEL_CONFIG's, else the environment's. */
type EstimatorGet = (key: EnvKey) => string | undefined;

function estimatorGet(
  files: ReadonlyMap<EnvKey, string>,
  fromEnv: (key: EnvKey) => string | undefined,
): EstimatorGet {
  // upstream's estimator copies MODEL_CONFIG's settings into its environment
  const modelConfig = parseModelConfig(
    files.get("MODEL_CONFIG") ?? fromEnv("MODEL_CONFIG") ?? "",
  );
  return (key) => {
    const v = files.get(key) ?? modelConfig[key] ?? fromEnv(key);
    return v === "" ? undefined : v;
  };
}

/** The static model URLs by key. */
function initUrlsOf(get: EstimatorGet): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(INIT_URL_TARGETS) as EnvKey[]) {
    const url = get(key);
    if (url !== undefined) out[key] = url;
  }
  return out;
}

/** Upstream's default MODEL_SERVER_URL (the Kubernetes service). */
export const DEFAULT_MODEL_SERVER_URL =
  "kepler-model-server.kepler.svc.cluster.local";

/**
 * The model request URL of MODEL_SERVER_ENABLE=true: MODEL_SERVER_URL
 * (a host name gets `http://` and MODEL_SERVER_PORT, as upstream's default
 * service name does; a URL is taken as it is) plus
 * MODEL_SERVER_MODEL_REQ_PATH (default `/model`).
 */
function remoteModelServerOf(
  get: EstimatorGet,
  port: number,
): string | undefined {
  if ((get("MODEL_SERVER_ENABLE") ?? "false").toLowerCase() !== "true") {
    return undefined;
  }
  const url = get("MODEL_SERVER_URL") ?? DEFAULT_MODEL_SERVER_URL;
  const base = url.includes("://") ? url : `http://${url}:${port}`;
  return base.replace(/\/+$/, "") +
    (get("MODEL_SERVER_MODEL_REQ_PATH") ?? "/model");
}

/**
 * Reads the configuration from an environment source and the files of its
 * configuration folder (`$CONFIG_PATH`, default
 * {@linkcode DEFAULT_CONFIG_PATH}), which come first, as upstream's.
 *
 * @example
 * ```ts
 * import { readConfig } from "./config.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const env = new Map([["DATAPATH", "/w"], ["PROM_QUERY_STEP", "5"]]);
 * const config = readConfig(env);
 * assertEquals(config.modelPath, "/w");
 * assertEquals(config.promQueryStep, 5);
 * ```
 */
export function readConfig(env: EnvSource = Deno.env): Config {
  // every variable first, in ENV_KEYS's order: without env permission the
  // error names DATAPATH, the first a user sets
  const envValues = new Map<EnvKey, string>();
  for (const key of ENV_KEYS) {
    const v = env.get(key);
    if (v !== undefined && v !== "") envValues.set(key, v);
  }
  const fromEnv = (key: EnvKey) => envValues.get(key);
  const configPath = fromEnv("CONFIG_PATH") ?? DEFAULT_CONFIG_PATH;
  const files = configFileValues(configPath);
  const get = (key: EnvKey): string | undefined =>
    files.get(key) ?? fromEnv(key);
  const where: Where = (key) =>
    files.has(key)
      ? `configuration file ${join(configPath, key)}`
      : `environment variable ${key}`;
  const estimator = estimatorGet(files, fromEnv);
  const dataPath = get("DATAPATH") ?? "data";
  const config: Config = {
    dataPath,
    modelPath: get("MODEL_PATH") ?? dataPath,
    promServer: get("PROM_SERVER") ?? "http://localhost:9090",
    promQueryInterval: numberOf(
      where,
      "PROM_QUERY_INTERVAL",
      get("PROM_QUERY_INTERVAL"),
      300,
    ),
    promQueryStep: stepOf(where, get("PROM_QUERY_STEP")),
    promSslDisable: (get("PROM_SSL_DISABLE") ?? "true").toLowerCase() ===
      "true",
    promThirdpartyMetrics: listOf(get("PROM_THIRDPARTY_METRICS")),
    modelServerPort: numberOf(
      where,
      "MODEL_SERVER_PORT",
      get("MODEL_SERVER_PORT"),
      8100,
    ),
    initialPipelineUrls: listOf(get("INITIAL_PIPELINE_URL")),
    errorKey: errorKeyOf(where, get("ERROR_KEY")),
    vmJobName: get("VM_JOB_NAME") ?? "vm",
    noColor: fromEnv("NO_COLOR") !== undefined,
    initUrls: initUrlsOf(estimator),
    configFiles: [...files.keys()].map((key) => join(configPath, key)),
  };
  const remote = remoteModelServerOf(estimator, config.modelServerPort);
  if (remote !== undefined) config.remoteModelServer = remote;
  const username = get("PROM_USERNAME");
  const password = get("PROM_PASSWORD");
  const token = get("PROM_BEARER_TOKEN");
  if (username !== undefined) config.promUsername = username;
  if (password !== undefined) config.promPassword = password;
  if (token !== undefined) config.promBearerToken = token;
  return config;
}

/**
 * The Prometheus credentials of a config (PROM_USERNAME, PROM_PASSWORD,
 * PROM_BEARER_TOKEN) as the optional fields of the query options: only those
 * that are set, so that `exactOptionalPropertyTypes` holds.
 */
export function promAuth(
  config: Config,
): { username?: string; password?: string; bearerToken?: string } {
  return {
    ...(config.promUsername === undefined
      ? {}
      : { username: config.promUsername }),
    ...(config.promPassword === undefined
      ? {}
      : { password: config.promPassword }),
    ...(config.promBearerToken === undefined
      ? {}
      : { bearerToken: config.promBearerToken }),
  };
}

/**
 * Whether text written to a stream may carry ANSI colours: only when the
 * stream is a terminal and NO_COLOR is unset or empty (https://no-color.org).
 * FORCE_COLOR and CLICOLOR_FORCE are not read: kepler-model colours nothing
 * itself, so there is nothing to force, and every task grants exactly
 * {@linkcode ENV_KEYS}. Without an `env` argument it reads `Deno.env` only
 * when NO_COLOR is already granted (never a permission error or prompt,
 * e.g. for `--help` from the bundle run without `--allow-env`); not granted
 * reads as no colour.
 *
 * @example
 * ```ts
 * import { colorOutput } from "./config.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(colorOutput(true, new Map()), true);
 * assertEquals(colorOutput(true, new Map([["NO_COLOR", "1"]])), false);
 * assertEquals(colorOutput(false, new Map()), false);
 * ```
 */
export function colorOutput(isTerminal: boolean, env?: EnvSource): boolean {
  if (!isTerminal) return false;
  if (env === undefined) {
    const granted = Deno.permissions.querySync({
      name: "env",
      variable: "NO_COLOR",
    }).state === "granted";
    if (!granted) return false;
  }
  return ((env ?? Deno.env).get("NO_COLOR") ?? "") === "";
}
