/**
 * The preprocessed data a training kept in its pipeline
 * (`<pipeline>/preprocessed_data/*.csv`).
 *
 * @module
 */
import { basename, join } from "node:path";
import { type CsvTable, readCsvFile } from "../io/csv.ts";
import { csvFile, preprocessedDir } from "../layout.ts";
import {
  ALL_FEATURE_GROUPS,
  ENERGY_SOURCES,
  type EnergySource,
  type FeatureGroup,
  type IsolatorName,
  ISOLATORS,
  type OutputType,
} from "../types.ts";

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

/** What a preprocessed CSV's file name says about it. */
export interface PreprocessedNameFacts {
  /** From an `abs` or `dyn` word. */
  outputType?: OutputType;
  /** From an energy source's name (`rapl` is kepler-model-db's rapl-sysfs). */
  source?: EnergySource;
  /** From a feature group's name. */
  featureGroup?: FeatureGroup;
  /** From an isolator's name after `dyn` or `isolated` (`preprocess_dyn_default_min_...`). */
  isolator?: IsolatorName;
}

function sourceOfWord(word: string): EnergySource | undefined {
  if (word === "rapl") return "rapl-sysfs";
  return ENERGY_SOURCES.find((s) => s === word);
}

/**
 * What a preprocessed CSV's file name says, in both of upstream's
 * spellings: the pipeline's `preprocess_<abs|dyn>_<extractor>[_<isolator>]_<source>_<group>.csv`
 * and kepler-model-db's `<source>_<group>_<abs|dyn>_data.csv`. The name is
 * split at `_`; each word that is `abs` or `dyn`, an energy source or a
 * feature group says that much, and so does an isolator's name (`min`,
 * `none`, ...) after a `dyn` or an `isolated` (upstream's
 * `isolated_<isolator>_<source>_<group>_dyn.csv`). Anything the name does
 * not say is left out.
 *
 * @param path The CSV's path or name.
 * @returns The output type, energy source and feature group the name says.
 * @throws {RangeError} when the name says two different things of one kind
 *   (e.g. both `abs` and `dyn`).
 *
 * @example
 * ```ts
 * import { preprocessedNameFacts } from "./read_preprocessed.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(preprocessedNameFacts("/d/acpi_KubeletOnly_dyn_data.csv"),
 *   { outputType: "DynPower", source: "acpi", featureGroup: "KubeletOnly" });
 * assertEquals(preprocessedNameFacts("preprocess_abs_default_rapl-sysfs_Basic"),
 *   { outputType: "AbsPower", source: "rapl-sysfs", featureGroup: "Basic" });
 * assertEquals(preprocessedNameFacts("preprocess_dyn_default_min_acpi_BPFOnly.csv"),
 *   { outputType: "DynPower", source: "acpi", featureGroup: "BPFOnly", isolator: "min" });
 * assertEquals(preprocessedNameFacts("coremark.csv"), {});
 * ```
 */
export function preprocessedNameFacts(path: string): PreprocessedNameFacts {
  const name = basename(path).replace(/\.csv$/i, "");
  const outputs: OutputType[] = [];
  const sources: EnergySource[] = [];
  const groups: FeatureGroup[] = [];
  const isolators: IsolatorName[] = [];
  let isolated = false; // after a `dyn` or an `isolated`
  for (const word of name.split("_")) {
    if (isolated) {
      const isolator = ISOLATORS.find((i) => i === word);
      if (isolator !== undefined) isolators.push(isolator);
    }
    if (word === "dyn" || word === "isolated") isolated = true;
    if (word === "abs") outputs.push("AbsPower");
    if (word === "dyn") outputs.push("DynPower");
    const source = sourceOfWord(word);
    if (source !== undefined) sources.push(source);
    const group = ALL_FEATURE_GROUPS.find((g) => g === word);
    if (group !== undefined) groups.push(group);
  }
  const one = <T>(what: string, values: T[]): T | undefined => {
    const distinct = [...new Set(values)];
    if (distinct.length > 1) {
      throw new RangeError(
        `${path}: the file name names more than one ${what}: ${
          distinct.join(", ")
        }`,
      );
    }
    return distinct[0];
  };
  const facts: PreprocessedNameFacts = {};
  const outputType = one("output type (abs, dyn)", outputs);
  if (outputType !== undefined) facts.outputType = outputType;
  const source = one("energy source", sources);
  if (source !== undefined) facts.source = source;
  const featureGroup = one("feature group", groups);
  if (featureGroup !== undefined) facts.featureGroup = featureGroup;
  const isolator = one("isolator", isolators);
  if (isolator !== undefined) facts.isolator = isolator;
  return facts;
}
