/**
 * Object keys in the bucket, after upstream's s3 pusher and loader:
 *
 * ```
 * <machine id>/data/<query>.json             kepler_query.json, idle.json, stressng.json
 * <machine id>/data/machine_spec/<id>.json
 * models/<pipeline>/...                      the pipeline folder
 * models/<pipeline>.zip                      its archive
 * export/...                                 an export (kepler-model-db models/ tree)
 * ```
 *
 * Without a machine id the data lives under `data/`. Upstream wrote its keys
 * with a leading `/` (`/m1/data/idle.json`), which object stores keep as an
 * empty first folder; ours have none, and loading also finds upstream's.
 *
 * @module
 */
import { isAbsolute, join, normalize } from "node:path";

/** The leading slash of upstream's keys. */
export const UPSTREAM_KEY_PREFIX = "/";

function segment(what: string, value: string): string {
  if (
    value === "" || value === "." || value === ".." || /[\\/]/.test(value) ||
    value.trim() !== value
  ) {
    throw new RangeError(
      `Invalid ${what} "${value}" for a bucket key: expected one name without slashes`,
    );
  }
  return value;
}

/**
 * The folder of a machine's data: `<machine>/data/`, or `data/` without one.
 *
 * @example
 * ```ts
 * import { dataPrefix } from "./bucket_keys.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(dataPrefix("m5.metal"), "m5.metal/data/");
 * assertEquals(dataPrefix(undefined), "data/");
 * ```
 */
export function dataPrefix(machineId: string | undefined): string {
  return machineId === undefined || machineId === ""
    ? "data/"
    : `${segment("machine id", machineId)}/data/`;
}

/** The folder of every pipeline: `models/`. */
export const MODELS_PREFIX = "models/";

/** The folder of an export: `export/`. */
export const EXPORT_PREFIX = "export/";

/**
 * A pipeline's folder `models/<pipeline>/` and archive `models/<pipeline>.zip`.
 *
 * @example
 * ```ts
 * import { pipelineKeys } from "./bucket_keys.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(pipelineKeys("std_v0.7.11"), { prefix: "models/std_v0.7.11/", zip: "models/std_v0.7.11.zip" });
 * ```
 */
export function pipelineKeys(
  pipeline: string,
): { prefix: string; zip: string } {
  const name = segment("pipeline name", pipeline);
  return {
    prefix: `${MODELS_PREFIX}${name}/`,
    zip: `${MODELS_PREFIX}${name}.zip`,
  };
}

/**
 * A key below a prefix for a file path relative to a local folder (the
 * platform's separators become `/`).
 *
 * @example
 * ```ts
 * import { keyUnder } from "./bucket_keys.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(keyUnder("m1/data/", "machine_spec/m1.json"), "m1/data/machine_spec/m1.json");
 * ```
 */
export function keyUnder(prefix: string, relativePath: string): string {
  return prefix +
    relativePath.split(/[\\/]+/).filter((s) => s !== "").join("/");
}

/**
 * Where an object below `prefix` goes below the local folder `dir`. A key
 * that would leave the folder (`..`, an absolute path) or that names a
 * folder (ends in `/`) is refused with a `RangeError`.
 *
 * @example
 * ```ts
 * import { localPathOf } from "./bucket_keys.ts";
 * import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
 * assertEquals(localPathOf("m1/data/idle.json", "m1/data/", "/mnt/data"), "/mnt/data/idle.json");
 * assertThrows(() => localPathOf("m1/data/../../etc/x", "m1/data/", "/mnt/data"), RangeError);
 * ```
 */
export function localPathOf(key: string, prefix: string, dir: string): string {
  if (!key.startsWith(prefix)) {
    throw new RangeError(`Key "${key}" is not below "${prefix}"`);
  }
  const rest = key.slice(prefix.length);
  const cleaned = normalize(rest.replaceAll("\\", "/"));
  if (
    rest === "" || rest.endsWith("/") || isAbsolute(cleaned) ||
    cleaned === ".." || cleaned.startsWith("../") || cleaned === "."
  ) {
    throw new RangeError(
      `Refusing object "${key}": it does not name a file inside ${dir}`,
    );
  }
  return join(dir, cleaned);
}
