/**
 * `extract` as files: `<data>/<input>.json` → `<data>/extracted_<output>.csv`.
 *
 * @module
 */
import { extractedFile, queryFile } from "../layout.ts";
import {
  DEFAULT_ENERGY_SOURCE,
  type FeatureGroup,
  featureGroupFeatures,
  featureMetric,
  NODE_INFO_METRIC,
  powerMetric,
  SOURCE_COMPONENTS,
} from "../types.ts";
import { extract, type ExtractOptions } from "./extract.ts";
import type { Frame } from "./frame.ts";
import { writeFrameCsv } from "./frame_csv.ts";
import { readQueryFile } from "./read_query.ts";

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
  const dataPath = options.dataPath ?? "data";
  // node info and package series too: the default power bound comes from
  // the machine spec they give (sockets)
  const needed = new Set([
    ...metricsNeeded([featureGroup], options),
    NODE_INFO_METRIC,
    powerMetric("package"),
  ]);
  const query = await readQueryFile(queryFile(dataPath, input), {
    include: (m) => needed.has(m),
  });
  const frame = extract(query, featureGroup, options);
  const file = extractedFile(dataPath, options.output ?? "output");
  await writeFrameCsv(file, frame);
  return { frame, file };
}
