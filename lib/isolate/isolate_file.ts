/**
 * `isolate`, `isolate_from_data` and `profile` as files:
 *
 * - `isolate`: `<data>/<input>.json` → extract per container →
 *   `<data>/isolated_<output>.csv`;
 * - `isolate_from_data`: `<data>/extracted_<input>.csv` (container level, as
 *   `extract -ot DynPower` writes it) → `<data>/isolated_<output>.csv`;
 * - `profile`: `<data>/<idle>.json` → `<models>/<pipeline>/profile/<source>.json`.
 *
 * With an idle query (`--profile <idle>`), its profiles are written to the
 * pipeline and its containers are the background containers of the
 * `profile` and `trainer` isolators.
 *
 * @module
 */
import {
  type ExtractOptions,
  type Frame,
  type QueryData,
  readFrameCsv,
  readQueryFile,
  writeFrameCsv,
} from "../extract/mod.ts";
import {
  DEFAULT_PIPELINE_NAME,
  extractedFile,
  isolatedFile,
  pipelineDir,
  queryFile,
} from "../layout.ts";
import type { EnergySource, FeatureGroup } from "../types.ts";
import { backgroundContainers } from "./background_containers.ts";
import { isolate, type IsolateOptions } from "./isolate.ts";
import { prepareFrames } from "./prepare_frames.ts";
import {
  type IdleProfiles,
  idleProfiles,
  writeIdleProfiles,
} from "./profile.ts";

/** Where files are and which pipeline receives profiles. */
export interface FileLocations {
  /** The data folder (DATAPATH). Default: `"data"`. */
  dataPath?: string;
  /** The models folder (MODEL_PATH). Default: the data folder. */
  modelPath?: string;
  /** Pipeline that receives idle profiles. Default: `std_v0.7.11`. */
  pipelineName?: string;
}

/** Options of {@linkcode isolateFile} and {@linkcode isolateDataFile}. */
export interface IsolateFileOptions
  extends ExtractOptions, Omit<IsolateOptions, "profile">, FileLocations {
  /**
   * Output name: `<data>/isolated_<output>.csv`.
   *
   * @default {"output"}
   */
  output?: string;
  /**
   * Name of an idle query (`<data>/<name>.json`): its profiles are written
   * to the pipeline and used by the `profile` isolator, and its containers
   * are the background containers.
   *
   * @default {undefined} none
   */
  profile?: string;
}

/** What an isolation wrote. */
export interface IsolateFileResult {
  /** The isolated frame. */
  frame: Frame;
  /** The isolated CSV. */
  file: string;
  /** Profile files written (with an idle query). */
  profileFiles: string[];
}

/** Options of {@linkcode profileIdleFile}. */
export interface ProfileFileOptions extends FileLocations {
  /**
   * Sources to profile.
   *
   * @default {undefined} every source with data
   */
  sources?: readonly EnergySource[];
  /**
   * Node type of the idle query's instances.
   *
   * @default {0}
   */
  nodeType?: number | Readonly<Record<string, number>>;
  /**
   * The label that identifies a Kepler instance.
   *
   * @default {"instance"}
   */
  instanceLabel?: string;
  /**
   * Prometheus job of VM metrics, left out.
   *
   * @default {"vm"}
   */
  vmJobName?: string;
}

/**
 * Reads an idle query, writes its profiles to
 * `<models>/<pipeline>/profile/<source>.json` and returns them with the
 * paths.
 *
 * @param input The idle query's name: `<data>/<input>.json` is read.
 * @param options The data and models folders, the pipeline, the sources
 *   to profile and how instances and node types are found.
 * @returns The profiles by source, the files written and the idle query
 *   read (whose containers are the background containers).
 * @throws {RangeError} when no source can be profiled (or a requested
 *   source has no data).
 *
 * @example
 * ```ts
 * import { profileIdleFile } from "./isolate_file.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const s = (mode: string, rate: number) => ({ metric: { source: "acpi", mode }, values: [[0, "0"], [3, String(3 * rate)]] });
 * await Deno.writeTextFile(`${dir}/idle.json`, JSON.stringify({ kepler_node_platform_joules_total: [s("idle", 90), s("dynamic", 10)] }));
 * const { files } = await profileIdleFile("idle", { dataPath: dir, pipelineName: "p" });
 * assertEquals(files, [`${dir}/p/profile/acpi.json`]);
 * assertEquals(await Deno.readTextFile(files[0]!), '{"platform":{"0":{"min_watt":100,"max_watt":100,"#unit":1}}}\n');
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function profileIdleFile(
  input: string,
  options: ProfileFileOptions = {},
): Promise<{ profiles: IdleProfiles; files: string[]; idle: QueryData }> {
  const dataPath = options.dataPath ?? "data";
  const idle = await readQueryFile(queryFile(dataPath, input));
  const profiles = idleProfiles(idle, {
    ...(options.sources === undefined ? {} : { sources: options.sources }),
    ...(options.nodeType === undefined ? {} : { nodeType: options.nodeType }),
    ...(options.instanceLabel === undefined
      ? {}
      : { instanceLabel: options.instanceLabel }),
    ...(options.vmJobName === undefined
      ? {}
      : { vmJobName: options.vmJobName }),
  });
  const folder = pipelineDir(
    options.modelPath ?? dataPath,
    options.pipelineName ?? DEFAULT_PIPELINE_NAME,
  );
  const files = await writeIdleProfiles(folder, profiles);
  return { profiles, files, idle };
}

async function isolateWith(
  frame: Frame,
  options: IsolateFileOptions,
): Promise<IsolateFileResult> {
  const dataPath = options.dataPath ?? "data";
  let profileFiles: string[] = [];
  const { profile: _idleName, ...rest } = options;
  const isolateOptions: IsolateOptions = rest;
  if (options.profile !== undefined) {
    const { profiles, files, idle } = await profileIdleFile(options.profile, {
      ...options,
      sources: [frame.source],
    });
    profileFiles = files;
    const profile = profiles[frame.source];
    if (profile !== undefined) isolateOptions.profile = profile;
    isolateOptions.backgroundContainers = options.backgroundContainers ??
      backgroundContainers(idle);
  }
  const isolated = isolate(frame, isolateOptions);
  const file = isolatedFile(dataPath, options.output ?? "output");
  await writeFrameCsv(file, isolated, { layout: "isolated" });
  return { frame: isolated, file, profileFiles };
}

/**
 * `isolate`: reads `<data>/<input>.json`, extracts the feature group per
 * container, isolates and writes `<data>/isolated_<output>.csv`.
 *
 * @param input The query name: `<data>/<input>.json` is read.
 * @param featureGroup The feature group whose columns the frame keeps.
 * @param options Folders, output name, extraction and isolator options, and
 *   an idle query whose profiles and containers the isolator uses.
 * @returns The isolated node-level frame, the CSV written (upstream's
 *   isolated layout) and the profile files written (none without an idle
 *   query).
 *
 * @example
 * ```ts
 * import { isolateFile } from "./isolate_file.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const s = (metric: string, labels: Record<string, string>, values: number[]) =>
 *   [metric, [{ metric: { instance: "n", ...labels }, values: values.map((v, i) => [3 * i, String(v)]) }]];
 * await Deno.writeTextFile(`${dir}/q.json`, JSON.stringify(Object.fromEntries([
 *   s("kepler_node_platform_joules_total", { source: "acpi" }, [0, 300, 900]),
 *   s("kepler_container_bpf_cpu_time_ms_total", { container_id: "c" }, [0, 30, 90]),
 *   s("kepler_container_bpf_page_cache_hit_total", { container_id: "c" }, [0, 3, 9]),
 * ])));
 * const { file } = await isolateFile("q", "BPFOnly", { dataPath: dir, source: "acpi" });
 * assertEquals((await Deno.readTextFile(file)).split("\n").slice(1, 3), ["3,10,1,0,0,all containers", "6,20,2,100,0,all containers"]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function isolateFile(
  input: string,
  featureGroup: FeatureGroup,
  options: IsolateFileOptions = {},
): Promise<IsolateFileResult> {
  const dataPath = options.dataPath ?? "data";
  const query = await readQueryFile(queryFile(dataPath, input));
  const frame = prepareFrames(query, featureGroup, "DynPower", {
    ...options,
    isolation: null,
  });
  return await isolateWith(frame, options);
}

/**
 * `isolate_from_data`: reads `<data>/extracted_<input>.csv` (ours or
 * upstream's), isolates and writes `<data>/isolated_<output>.csv`. The
 * energy source of the CSV is `options.source` (default: guessed from the
 * power columns).
 *
 * @param input The extracted data's name: `<data>/extracted_<input>.csv`
 *   is read.
 * @param options Folders, output name, energy source and isolator options,
 *   and an idle query whose profiles and containers the isolator uses.
 * @returns The isolated node-level frame, the CSV written (upstream's
 *   isolated layout) and the profile files written (none without an idle
 *   query).
 *
 * @example
 * ```ts
 * import { isolateDataFile } from "./isolate_file.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/extracted_x.csv`, "timestamp,id,x,platform_power,node_type\n3,a/p/a/ns,1,110,0\n3,b/p/b/ns,2,110,0\n6,a/p/a/ns,1,100,0\n");
 * const { file, frame } = await isolateDataFile("x", { dataPath: dir, output: "y" });
 * assertEquals([...frame.features.x!], [3, 1]);
 * assertEquals(await Deno.readTextFile(file), "timestamp,x,platform_power,node_type,id\n3,3,10,0,all containers\n6,1,0,0,all containers\n");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function isolateDataFile(
  input: string,
  options: IsolateFileOptions = {},
): Promise<IsolateFileResult> {
  const dataPath = options.dataPath ?? "data";
  const frame = await readFrameCsv(
    extractedFile(dataPath, input),
    options.source === undefined ? {} : { source: options.source },
  );
  return await isolateWith(frame, options);
}
