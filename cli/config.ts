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
 * @module
 */
import { type ErrorKey, parseErrorKey } from "../lib/types.ts";

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
  /** PROM_QUERY_STEP in seconds. Default 3. */
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
}

/** A source of environment values (Deno.env, or a plain object in tests). */
export interface EnvSource {
  /** The value of a variable, or undefined. */
  get(key: string): string | undefined;
}

function numberOf(key: EnvKey, value: string | undefined, fallback: number) {
  if (value === undefined || value.trim() === "") return fallback;
  const n = Number(value);
  if (!Number.isFinite(n)) {
    throw new RangeError(
      `Invalid environment variable ${key}="${value}": expected a number`,
    );
  }
  return n;
}

function errorKeyOf(value: string | undefined): ErrorKey {
  if (value === undefined || value.trim() === "") return "mae";
  try {
    return parseErrorKey(value);
  } catch (e) {
    throw new RangeError(
      `Invalid environment variable ERROR_KEY: ${(e as Error).message}`,
    );
  }
}

function listOf(value: string | undefined): string[] {
  return (value ?? "").split(",").map((s) => s.trim()).filter((s) => s !== "");
}

/**
 * Reads the configuration from an environment source.
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
  const get = (key: EnvKey): string | undefined => {
    const v = env.get(key);
    return v === undefined || v === "" ? undefined : v;
  };
  const dataPath = get("DATAPATH") ?? "data";
  const config: Config = {
    dataPath,
    modelPath: get("MODEL_PATH") ?? dataPath,
    promServer: get("PROM_SERVER") ?? "http://localhost:9090",
    promQueryInterval: numberOf(
      "PROM_QUERY_INTERVAL",
      get("PROM_QUERY_INTERVAL"),
      300,
    ),
    promQueryStep: numberOf("PROM_QUERY_STEP", get("PROM_QUERY_STEP"), 3),
    promSslDisable: (get("PROM_SSL_DISABLE") ?? "true").toLowerCase() ===
      "true",
    promThirdpartyMetrics: listOf(get("PROM_THIRDPARTY_METRICS")),
    modelServerPort: numberOf(
      "MODEL_SERVER_PORT",
      get("MODEL_SERVER_PORT"),
      8100,
    ),
    initialPipelineUrls: listOf(get("INITIAL_PIPELINE_URL")),
    errorKey: errorKeyOf(get("ERROR_KEY")),
    vmJobName: get("VM_JOB_NAME") ?? "vm",
    noColor: get("NO_COLOR") !== undefined,
  };
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
