/**
 * The estimation results in an `estimate` output folder, per energy source:
 * `<source>_estimation_result.csv` (several sources) or the plain
 * `estimation_result.csv` (one source), whichever is newer.
 *
 * @module
 */
import { type CsvTable, readCsvFile } from "../io/csv.ts";
import { estimationResultFile } from "../layout.ts";
import { ENERGY_SOURCES, type EnergySource } from "../types.ts";
import {
  estimatedComponents,
  estimationSources,
} from "./estimation_sources.ts";

/** What {@linkcode readEstimationResults} found. */
export interface EstimationResults {
  /** The table of each source that has one, in the order asked. */
  tables: { source: EnergySource; csv: CsvTable }[];
  /** Sources without a table. */
  missing: EnergySource[];
  /** The plain `estimation_result.csv`, when there is one. */
  plain?: {
    /** Its path. */
    path: string;
    /** The components it predicts. */
    components: string[];
    /** The sources its columns fit. */
    sources: EnergySource[];
  };
}

async function mtime(path: string): Promise<number | undefined> {
  try {
    return (await Deno.stat(path)).mtime?.getTime() ?? 0;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
}

/**
 * Reads the estimation result of each source from an `estimate` output
 * folder. The plain file names no source, so its predicted columns say
 * which source it holds; it serves the first source it fits, unless that
 * source's prefixed file is newer.
 *
 * @param folder The output folder `estimate` wrote.
 * @param sources The sources wanted.
 * @returns The tables found, the sources missing and the plain file.
 *
 * @example
 * ```ts
 * import { readEstimationResults } from "./estimation_results.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/acpi_estimation_result.csv`, "timestamp,platform_power,default_platform_power\n1,2,3\n");
 * const r = await readEstimationResults(dir, ["acpi", "rapl-sysfs"]);
 * assertEquals([r.tables.map((t) => t.source), r.missing, r.plain], [["acpi"], ["rapl-sysfs"], undefined]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function readEstimationResults(
  folder: string,
  sources: readonly EnergySource[],
): Promise<EstimationResults> {
  const plainPath = estimationResultFile(folder);
  const plainTime = await mtime(plainPath);
  const plainTable = plainTime === undefined
    ? undefined
    : await readCsvFile(plainPath);
  const plainSources = plainTable === undefined
    ? []
    : estimationSources(plainTable.header, ENERGY_SOURCES);
  let plainUsed = false;
  const out: EstimationResults = { tables: [], missing: [] };
  for (const source of sources) {
    const prefixed = estimationResultFile(folder, source);
    const prefixedTime = await mtime(prefixed);
    let csv: CsvTable | undefined;
    if (
      plainTable !== undefined && !plainUsed &&
      plainSources.includes(source) &&
      (prefixedTime === undefined || prefixedTime < plainTime!)
    ) {
      csv = plainTable;
      plainUsed = true;
    } else if (prefixedTime !== undefined) {
      csv = await readCsvFile(prefixed);
    }
    if (csv === undefined) out.missing.push(source);
    else out.tables.push({ source, csv });
  }
  if (plainTable !== undefined) {
    out.plain = {
      path: plainPath,
      components: estimatedComponents(plainTable.header),
      sources: plainSources,
    };
  }
  return out;
}
