/**
 * The preprocessed data a training kept in its pipeline
 * (`<pipeline>/preprocessed_data/*.csv`).
 *
 * @module
 */
import { join } from "node:path";
import { type CsvTable, readCsvFile } from "../io/csv.ts";
import { csvFile, preprocessedDir } from "../layout.ts";

/** A preprocessed CSV of a pipeline. */
export interface PreprocessedCsv {
  /** Its name without `.csv`, e.g. `preprocess_abs_default_acpi_BPFOnly`. */
  stem: string;
  /** Its path. */
  path: string;
  /** Reads its table. */
  read(): Promise<CsvTable>;
}

/**
 * The preprocessed CSVs of a pipeline folder, by name. Throws
 * `Deno.errors.NotFound` when the pipeline has no preprocessed data.
 *
 * @param pipelineFolder The pipeline folder.
 * @returns Its preprocessed CSVs.
 *
 * @example
 * ```ts
 * import { listPreprocessed } from "./read_preprocessed.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await Deno.mkdir(`${dir}/preprocessed_data`);
 * await Deno.writeTextFile(`${dir}/preprocessed_data/preprocess_abs_default_acpi_BPFOnly.csv`, "a\n1\n");
 * const [csv] = await listPreprocessed(dir);
 * assertEquals([csv!.stem, (await csv!.read()).rows], ["preprocess_abs_default_acpi_BPFOnly", [["1"]]]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function listPreprocessed(
  pipelineFolder: string,
): Promise<PreprocessedCsv[]> {
  const dir = preprocessedDir(pipelineFolder);
  const names: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (e.isFile && e.name.endsWith(".csv")) names.push(e.name);
  }
  return names.sort().map((name) => {
    const path = join(dir, name);
    return {
      stem: name.replace(/\.csv$/, ""),
      path,
      read: () => readCsvFile(path),
    };
  });
}

/**
 * The path a preprocessed CSV named `name` (with or without `.csv`) has in
 * a pipeline folder, whether or not it exists.
 *
 * @param pipelineFolder The pipeline folder.
 * @param name The CSV's name, e.g. `preprocess_abs_default_acpi_BPFOnly`.
 * @returns `<pipelineFolder>/preprocessed_data/<name>.csv`.
 *
 * @example
 * ```ts
 * import { preprocessedCsvPath } from "./read_preprocessed.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(
 *   preprocessedCsvPath("models/std", "preprocess_abs_default_acpi_BPFOnly.csv"),
 *   "models/std/preprocessed_data/preprocess_abs_default_acpi_BPFOnly.csv",
 * );
 * ```
 */
export function preprocessedCsvPath(
  pipelineFolder: string,
  name: string,
): string {
  return csvFile(preprocessedDir(pipelineFolder), name);
}
