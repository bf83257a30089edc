/**
 * `extract` as files: `<data>/<input>.json` → `<data>/extracted_<output>.csv`.
 *
 * @module
 */
import { extractedFile, queryFile, stripExtension } from "../layout.ts";
import {
  ALL_FEATURE_GROUPS,
  DEFAULT_ENERGY_SOURCE,
  type FeatureGroup,
  featureGroupFeatures,
  featureMetric,
  NODE_INFO_METRIC,
  powerMetric,
  SOURCE_COMPONENTS,
} from "../types.ts";
import { extractFeatureGroups, type ExtractOptions } from "./extract.ts";
import type { Frame } from "./frame.ts";
import { writeFrameCsv } from "./frame_csv.ts";
import { type QueryData, readQueryFile } from "./read_query.ts";
import { ImplausibleDataError } from "./data_checks.ts";
import { validFeatureGroups } from "./valid_feature_groups.ts";

/** Options of {@linkcode extractFile}. */
export interface ExtractFileOptions extends ExtractOptions {
  /**
   * The data folder (DATAPATH).
   *
   * @default {"data"}
   */
  dataPath?: string;
  /**
   * Output name: `<data>/extracted_<output>.csv`.
   *
   * @default {"output"}
   */
  output?: string;
}

/**
 * The metrics an extraction reads (so the rest of a large query is skipped
 * without being converted).
 *
 * @example
 * ```ts
 * import { metricsNeeded } from "./extract_file.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals([...metricsNeeded(["BPFOnly"], { source: "acpi" })].sort(), [
 *   "kepler_container_bpf_cpu_time_ms_total",
 *   "kepler_container_bpf_page_cache_hit_total",
 *   "kepler_node_platform_joules_total",
 * ]);
 * ```
 */
export function metricsNeeded(
  groups: readonly FeatureGroup[],
  options: ExtractOptions = {},
): Set<string> {
  const thirdParty = options.thirdParty ?? [];
  const source = options.source ?? DEFAULT_ENERGY_SOURCE;
  return new Set([
    ...groups.flatMap((g) =>
      featureGroupFeatures(g, { thirdParty }).map((f) => featureMetric(f))
    ),
    ...SOURCE_COMPONENTS[source].map((c) => powerMetric(c)),
  ]);
}

/**
 * Reads `<data>/<input>.json`, extracts one feature group and writes
 * `<data>/extracted_<output>.csv` (atomically). Returns the frame and the
 * file written.
 *
 * @param input The query name: `<data>/<input>.json` is read.
 * @param featureGroup The feature group whose columns the frame keeps.
 * @param options The data folder, output name and extraction options.
 *
 * @example
 * ```ts
 * import { extractFile } from "./extract_file.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const s = (metric: string, labels: Record<string, string>, rate: number) =>
 *   [metric, [{ metric: { instance: "n", ...labels }, values: [[0, "0"], [3, String(3 * rate)]] }]];
 * await Deno.writeTextFile(`${dir}/q.json`, JSON.stringify(Object.fromEntries([
 *   s("kepler_node_platform_joules_total", { source: "acpi" }, 100),
 *   s("kepler_container_bpf_cpu_time_ms_total", { container_id: "c" }, 10),
 *   s("kepler_container_bpf_page_cache_hit_total", { container_id: "c" }, 1),
 * ])));
 * const { file } = await extractFile("q", "BPFOnly", { dataPath: dir, source: "acpi", output: "x" });
 * assertEquals(file, `${dir}/extracted_x.csv`);
 * assertEquals(await Deno.readTextFile(file), "timestamp,bpf_cpu_time_ms,bpf_page_cache_hit,platform_power,node_type\n3,10,1,100,0\n");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function extractFile(
  input: string,
  featureGroup: FeatureGroup,
  options: ExtractFileOptions = {},
): Promise<{ frame: Frame; file: string }> {
  const { frames, files } = await extractFiles(input, [featureGroup], options);
  return { frame: frames.get(featureGroup)!, file: files.get(featureGroup)! };
}

/** What {@linkcode extractFiles} extracted and wrote, by feature group. */
export interface ExtractedFiles {
  /** The frame of each group, in the order extracted. */
  frames: Map<FeatureGroup, Frame>;
  /** The CSV file written for each group. */
  files: Map<FeatureGroup, string>;
  /**
   * With `"valid"`: the groups whose metrics are there but that give no
   * frame (e.g. no interval with both power and usage), and why.
   */
  skipped: { group: FeatureGroup; message: string }[];
}

/**
 * Reads `<data>/<input>.json` once and extracts several feature groups
 * from it (each metric read once), writing one CSV per group (atomically):
 * `<data>/extracted_<output>_<group>.csv`, or `extracted_<output>.csv`
 * when exactly one group is named. `"valid"` extracts every feature group
 * the query has the metrics for, and skips (and reports) those that give
 * no frame.
 *
 * @param input The query name: `<data>/<input>.json` is read.
 * @param groups The feature groups, or `"valid"` for every valid one.
 * @param options The data folder, output name and extraction options.
 * @returns The frames and files by group.
 * @throws {RangeError} A named group whose metrics are missing from the
 *   query or that gives no row; with `"valid"`, a query of which no group
 *   extracts; data that cannot be true (`ImplausibleDataError`).
 *
 * @example
 * ```ts
 * import { extractFiles } from "./extract_file.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const s = (metric: string, labels: Record<string, string>, rate: number) =>
 *   [metric, [{ metric: { instance: "n", ...labels }, values: [[0, "0"], [3, String(3 * rate)]] }]];
 * await Deno.writeTextFile(`${dir}/q.json`, JSON.stringify(Object.fromEntries([
 *   s("kepler_node_platform_joules_total", { source: "acpi" }, 100),
 *   s("kepler_container_bpf_cpu_time_ms_total", { container_id: "c" }, 10),
 *   s("kepler_container_bpf_page_cache_hit_total", { container_id: "c" }, 1),
 *   ...["block", "net_rx", "net_tx"].map((k, i) => s(`kepler_container_bpf_${k}_irq_total`, { container_id: "c" }, i)),
 * ])));
 * const { files } = await extractFiles("q", ["BPFOnly", "IRQOnly"], { dataPath: dir, source: "acpi", output: "x" });
 * assertEquals([...files.values()], [`${dir}/extracted_x_BPFOnly.csv`, `${dir}/extracted_x_IRQOnly.csv`]);
 * assertEquals(await Deno.readTextFile(files.get("IRQOnly")!), "timestamp,bpf_block_irq,bpf_net_rx_irq,bpf_net_tx_irq,platform_power,node_type\n3,0,1,2,100,0\n");
 * const valid = await extractFiles("q", "valid", { dataPath: dir, source: "acpi", output: "v" });
 * assertEquals([...valid.files.keys()], ["BPFOnly", "BPFIRQ", "IRQOnly"]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function extractFiles(
  input: string,
  groups: readonly FeatureGroup[] | "valid",
  options: ExtractFileOptions = {},
): Promise<ExtractedFiles> {
  const dataPath = options.dataPath ?? "data";
  const output = options.output ?? "output";
  extractedFile(dataPath, output); // a name it refuses, before any work
  const candidates = groups === "valid" ? ALL_FEATURE_GROUPS : groups;
  // node info and package series too: the default power bound comes from
  // the machine spec they give (sockets)
  const needed = new Set([
    ...metricsNeeded(candidates, options),
    NODE_INFO_METRIC,
    powerMetric("package"),
  ]);
  const path = queryFile(dataPath, input);
  const query = await readQueryFile(path, { include: (m) => needed.has(m) });
  const chosen = groups === "valid"
    ? validFeatureGroups(query, { thirdParty: options.thirdParty ?? [] })
    : [...new Set(groups)];
  if (chosen.length === 0) {
    throw new RangeError(
      `Cannot extract from ${path}: it has the metrics of no feature group`,
    );
  }
  const { frames, skipped } = groups === "valid"
    ? extractEach(query, chosen, options)
    : { frames: extractFeatureGroups(query, chosen, options), skipped: [] };
  const single = groups !== "valid" && chosen.length === 1;
  const files = new Map<FeatureGroup, string>();
  for (const [group, frame] of frames) {
    const file = extractedFile(
      dataPath,
      single ? output : `${stripExtension(output, ".csv")}_${group}`,
    );
    await writeFrameCsv(file, frame);
    files.set(group, file);
  }
  return { frames, files, skipped };
}

/**
 * Every group that extracts, the others skipped with their reason (data
 * that cannot be true still refuses the query); the first error when none
 * extracts. One pass over the metrics unless a group fails.
 */
function extractEach(
  query: QueryData,
  groups: readonly FeatureGroup[],
  options: ExtractOptions,
): Pick<ExtractedFiles, "frames" | "skipped"> {
  try {
    return {
      frames: extractFeatureGroups(query, groups, options),
      skipped: [],
    };
  } catch (error) {
    if (error instanceof ImplausibleDataError) throw error;
  }
  const frames = new Map<FeatureGroup, Frame>();
  const skipped: ExtractedFiles["skipped"] = [];
  let first: unknown;
  for (const group of groups) {
    try {
      frames.set(
        group,
        extractFeatureGroups(query, [group], options).get(group)!,
      );
    } catch (error) {
      if (error instanceof ImplausibleDataError) throw error;
      first ??= error;
      skipped.push({ group, message: (error as Error).message });
    }
  }
  if (frames.size === 0) throw first;
  return { frames, skipped };
}
