/**
 * Which local files `s3-push` uploads, and under which keys: the collected
 * queries, benchmark files and machine spec of DATAPATH, the named
 * pipelines of MODEL_PATH (folder and archive), and an export folder.
 *
 * @module
 */
import { join, relative, sep } from "node:path";
import {
  generationZip,
  machineSpecFile,
  pipelineDir,
  pipelineZip,
  queryFile,
} from "../layout.ts";
import { exists } from "../io/read.ts";
import {
  dataPrefix,
  EXPORT_PREFIX,
  keyUnder,
  pipelineKeys,
} from "./bucket_keys.ts";

/** One upload: a local file and its key. */
export interface PushItem {
  /** Object key. */
  key: string;
  /** Local file. */
  path: string;
}

/** Options of {@linkcode pushPlan}. */
export interface PushPlanOptions {
  /** DATAPATH: the queries, benchmark files and machine specs. */
  dataPath: string;
  /** MODEL_PATH: the pipelines. Default: `dataPath`. */
  modelPath?: string;
  /** Machine id: the data's folder in the bucket and the spec pushed. Default: none (`data/`, spec `unknown`). */
  machineId?: string;
  /** Query and benchmark names in DATAPATH (`<name>.json`), pushed when present. Default: `kepler_query`, `idle`, `stressng`. */
  dataFiles?: readonly string[];
  /** Pipelines in MODEL_PATH to push. Default: none. */
  pipelines?: readonly string[];
  /** A folder pushed below `export/` (e.g. `export -o`'s). Default: none. */
  exportPath?: string;
}

/** Files below a folder, sorted, skipping hidden and `.tmp` files. */
async function filesBelow(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (current: string): Promise<void> => {
    const entries: Deno.DirEntry[] = [];
    for await (const entry of Deno.readDir(current)) entries.push(entry);
    entries.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
    for (const entry of entries) {
      if (entry.name.startsWith(".") || entry.name.endsWith(".tmp")) continue;
      const full = join(current, entry.name);
      if (entry.isDirectory) await walk(full);
      else if (entry.isFile) out.push(full);
    }
  };
  await walk(dir);
  return out;
}

async function isDir(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isDirectory;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/**
 * The uploads for the options. Data files that do not exist are left out
 * (an idle query may not have been collected); a named pipeline or export
 * folder that does not exist is an error (`Deno.errors.NotFound`), and so
 * is a plan with nothing in it (`RangeError`).
 *
 * @example
 * ```ts
 * import { pushPlan } from "./push_plan.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await Deno.mkdir(`${dir}/data/machine_spec`, { recursive: true });
 * await Deno.writeTextFile(`${dir}/data/kepler_query.json`, "{}");
 * await Deno.writeTextFile(`${dir}/data/machine_spec/m1.json`, "{}");
 * await Deno.mkdir(`${dir}/models/p1/rapl-sysfs`, { recursive: true });
 * await Deno.writeTextFile(`${dir}/models/p1/metadata.json`, "{}");
 * await Deno.writeTextFile(`${dir}/models/p1.zip`, "zip");
 * const plan = await pushPlan({ dataPath: `${dir}/data`, modelPath: `${dir}/models`, machineId: "m1", pipelines: ["p1"] });
 * assertEquals(plan.map((i) => i.key), [
 *   "m1/data/kepler_query.json", "m1/data/machine_spec/m1.json", "models/p1/metadata.json", "models/p1.zip",
 * ]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function pushPlan(options: PushPlanOptions): Promise<PushItem[]> {
  const { dataPath } = options;
  const modelPath = options.modelPath ?? dataPath;
  const machineId = options.machineId === "" ? undefined : options.machineId;
  const prefix = dataPrefix(machineId);
  const items: PushItem[] = [];
  const names = options.dataFiles ?? ["kepler_query", "idle", "stressng"];
  for (const name of names) {
    const path = queryFile(dataPath, name);
    if (await exists(path)) {
      items.push({ key: keyUnder(prefix, relative(dataPath, path)), path });
    }
  }
  const spec = machineSpecFile(dataPath, machineId ?? "unknown");
  if (await exists(spec)) {
    items.push({ key: keyUnder(prefix, relative(dataPath, spec)), path: spec });
  }
  for (const pipeline of options.pipelines ?? []) {
    const keys = pipelineKeys(pipeline);
    const link = pipelineDir(modelPath, pipeline);
    if (!(await isDir(link))) {
      throw new Deno.errors.NotFound(
        `Cannot push pipeline ${pipeline}: ${link} is not a folder (train -p ${pipeline} writes it; MODEL_PATH is ${modelPath})`,
      );
    }
    // one generation (train publishes them by a link): folder and zip match
    const dir = await Deno.realPath(link);
    for (const file of await filesBelow(dir)) {
      items.push({
        key: keyUnder(keys.prefix, relative(dir, file)),
        path: file,
      });
    }
    const inner = generationZip(dir);
    const zip = (await exists(inner))
      ? inner
      : pipelineZip(modelPath, pipeline);
    if (await exists(zip)) items.push({ key: keys.zip, path: zip });
  }
  if (options.exportPath !== undefined && options.exportPath !== "") {
    const dir = options.exportPath;
    if (!(await isDir(dir))) {
      throw new Deno.errors.NotFound(
        `Cannot push the export: ${dir} is not a folder`,
      );
    }
    for (const file of await filesBelow(dir)) {
      items.push({
        key: keyUnder(EXPORT_PREFIX, relative(dir, file).split(sep).join("/")),
        path: file,
      });
    }
  }
  if (items.length === 0) {
    throw new RangeError(
      `Nothing to push: none of ${
        names.map((n) => `${n}.json`).join(", ")
      } or the machine spec is in ${dataPath}, and no pipeline or export was given`,
    );
  }
  return items;
}
