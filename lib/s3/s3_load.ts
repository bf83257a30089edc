/**
 * Downloads a machine's data and a pipeline from a bucket into DATAPATH and
 * MODEL_PATH (what upstream's s3 loader does before a re-train), each file
 * written atomically.
 *
 * @module
 */
import { pipelineDir, pipelineZip } from "../layout.ts";
import { writeFileAtomic } from "../io/atomic.ts";
import {
  dataPrefix,
  localPathOf,
  pipelineKeys,
  UPSTREAM_KEY_PREFIX,
} from "./bucket_keys.ts";
import type { ObjectStore } from "./object_store.ts";

/** Options of {@linkcode s3Load}. */
export interface S3LoadOptions {
  /** DATAPATH: receives `<machine>/data/...`. */
  dataPath: string;
  /** MODEL_PATH: receives `models/<pipeline>/...`. Default: `dataPath`. */
  modelPath?: string;
  /** Machine id of the data folder. Default: none (`data/`). */
  machineId?: string;
  /** Pipeline to load. Default: none (data only). */
  pipeline?: string;
  /** Also read the data below upstream's `/`-prefixed keys. Default: true. */
  upstreamKeys?: boolean;
  /** Called after each download. Default: none. */
  onObject?: (key: string, path: string, bytes: number) => void;
}

/** One download. */
export interface LoadItem {
  /** Object key. */
  key: string;
  /** Local file written. */
  path: string;
}

/**
 * Lists and downloads. A key that would leave its folder is refused before
 * anything is written (`RangeError`); finding nothing at all is a
 * `RangeError` that names the prefixes searched.
 *
 * @example
 * ```ts
 * import { s3Load } from "./s3_load.ts";
 * import type { ObjectStore } from "./object_store.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const objects: Record<string, string> = {
 *   "m1/data/idle.json": "{}", "models/p1/metadata.json": "{}", "models/p1.zip": "z", "models/p10/x": "no",
 * };
 * const store: ObjectStore = {
 *   bucket: "b", location: "memory",
 *   putObject: () => Promise.reject(new Error("unused")),
 *   getObject: (key) => Promise.resolve(new TextEncoder().encode(objects[key])),
 *   listKeys: (prefix) => Promise.resolve(Object.keys(objects).filter((k) => k.startsWith(prefix))),
 *   close: () => {},
 * };
 * const dir = await Deno.makeTempDir();
 * const loaded = await s3Load(store, { dataPath: `${dir}/data`, modelPath: `${dir}/models`, machineId: "m1", pipeline: "p1" });
 * assertEquals(loaded.map((i) => i.key), ["m1/data/idle.json", "models/p1/metadata.json", "models/p1.zip"]);
 * assertEquals(await Deno.readTextFile(`${dir}/models/p1.zip`), "z");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function s3Load(
  store: ObjectStore,
  options: S3LoadOptions,
): Promise<LoadItem[]> {
  const { dataPath } = options;
  const modelPath = options.modelPath ?? dataPath;
  const machineId = options.machineId === "" ? undefined : options.machineId;
  const plan: LoadItem[] = [];
  const searched: string[] = [];
  const prefix = dataPrefix(machineId);
  const dataPrefixes = options.upstreamKeys === false
    ? [prefix]
    : [prefix, UPSTREAM_KEY_PREFIX + prefix];
  const seen = new Set<string>();
  for (const p of dataPrefixes) {
    searched.push(p);
    for (const key of await store.listKeys(p)) {
      if (key.endsWith("/")) continue; // a folder marker
      const path = localPathOf(key, p, dataPath);
      if (seen.has(path)) continue; // ours wins over upstream's copy
      seen.add(path);
      plan.push({ key, path });
    }
  }
  if (options.pipeline !== undefined && options.pipeline !== "") {
    const keys = pipelineKeys(options.pipeline);
    const dir = pipelineDir(modelPath, options.pipeline);
    for (const p of [keys.prefix, UPSTREAM_KEY_PREFIX + keys.prefix]) {
      if (options.upstreamKeys === false && p !== keys.prefix) continue;
      searched.push(p);
      for (const key of await store.listKeys(p)) {
        if (key.endsWith("/")) continue;
        const path = localPathOf(key, p, dir);
        if (seen.has(path)) continue;
        seen.add(path);
        plan.push({ key, path });
      }
    }
    const zipKeys = await store.listKeys(keys.zip);
    searched.push(keys.zip);
    if (zipKeys.includes(keys.zip)) {
      plan.push({
        key: keys.zip,
        path: pipelineZip(modelPath, options.pipeline),
      });
    }
  }
  if (plan.length === 0) {
    throw new RangeError(
      `Nothing to load: bucket "${store.bucket}" at ${store.location} has no object below ${
        searched.map((s) => `"${s}"`).join(", ")
      }`,
    );
  }
  for (const item of plan) {
    const body = await store.getObject(item.key);
    await writeFileAtomic(item.path, body);
    options.onObject?.(item.key, item.path, body.byteLength);
  }
  return plan;
}
