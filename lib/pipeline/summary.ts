/**
 * The per-source summary `<source>_<AbsPower|DynPower>_model_metadata.csv`
 * of a pipeline, written from the models' metadata in memory: the models a
 * training kept from the previous generation plus the ones it trained.
 *
 * @module
 */
import { join } from "node:path";
import { writeCsvFile } from "../io/csv.ts";
import { readJsonFile } from "../io/json.ts";
import { exists } from "../io/read.ts";
import { modelMetadataCsv } from "../layout.ts";
import {
  type EnergySource,
  type FeatureGroup,
  type OutputType,
  SOURCE_COMPONENTS,
} from "../types.ts";
import { listModelDirs } from "./model_files.ts";
import type { ModelMetadata } from "./model_metadata.ts";
import { modelMetadataTable, type SummaryRow } from "./pipeline_metadata.ts";

/** Our columns after upstream's in the summary CSV. */
export const SUMMARY_EXTRA_COLUMNS = [
  "split",
  "seed",
  "train_rows",
  "test_rows",
  "interval_coverage",
  "cv_folds",
  "cv_mae",
  "cv_mae_std",
  "cv_mape",
  "cv_mape_std",
  "interval_calibration",
  "interval_coverage_cv",
  "interval_coverage_holdout",
] as const;

/** A model of a pipeline's summary: where it sits and its metadata. */
export interface SummaryModel {
  /** Its feature group folder. */
  featureGroup: FeatureGroup;
  /** Its metadata (`model_name` is its folder). */
  metadata: ModelMetadata;
}

/**
 * The models of a source and output type in a pipeline folder, with their
 * metadata: every feature group folder, every node type.
 *
 * @param dir The pipeline folder.
 * @param source The energy source.
 * @param outputType The output type.
 * @returns The models, by feature group then model name.
 */
export async function readSummaryModels(
  dir: string,
  source: EnergySource,
  outputType: OutputType,
): Promise<SummaryModel[]> {
  const top = join(dir, source, outputType);
  if (!(await exists(top))) return [];
  const groups: string[] = [];
  for await (const e of Deno.readDir(top)) {
    if (e.isDirectory) groups.push(e.name);
  }
  const out: SummaryModel[] = [];
  for (const group of groups.sort()) {
    for (const modelFolder of await listModelDirs(join(top, group))) {
      const metadata = await readJsonFile<ModelMetadata>(
        join(modelFolder, "metadata.json"),
      );
      out.push({ metadata, featureGroup: group as FeatureGroup });
    }
  }
  return out;
}

/**
 * The models of a summary after a training: the kept ones, with those of
 * the same feature group and name replaced by the trained ones, in the
 * order of a folder listing (feature group, then model name).
 *
 * @param kept The models of the previous generation.
 * @param trained The models trained now.
 * @returns The summary's models.
 *
 * @example
 * ```ts
 * import { mergeSummaryModels } from "./summary.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const m = (featureGroup: "BPFOnly" | "CounterOnly", model_name: string, mae: number) =>
 *   ({ featureGroup, metadata: { model_name, mae } as never });
 * const rows = mergeSummaryModels([m("CounterOnly", "A_0", 1), m("BPFOnly", "B_0", 2)],
 *   [m("BPFOnly", "B_0", 3), m("BPFOnly", "A_0", 4)]);
 * assertEquals(rows.map((r) => [r.featureGroup, r.metadata.model_name, r.metadata.mae]),
 *   [["BPFOnly", "A_0", 4], ["BPFOnly", "B_0", 3], ["CounterOnly", "A_0", 1]]);
 * ```
 */
export function mergeSummaryModels(
  kept: readonly SummaryModel[],
  trained: readonly SummaryModel[],
): SummaryModel[] {
  const key = (m: SummaryModel) => `${m.featureGroup}/${m.metadata.model_name}`;
  const byKey = new Map<string, SummaryModel>();
  for (const m of [...kept, ...trained]) byKey.set(key(m), m);
  const cmp = (a: string, b: string) => a < b ? -1 : a > b ? 1 : 0;
  return [...byKey.values()].sort((a, b) =>
    cmp(a.featureGroup, b.featureGroup) ||
    cmp(a.metadata.model_name, b.metadata.model_name)
  );
}

/**
 * Writes `<source>_<ot>_model_metadata.csv` of a pipeline folder from its
 * models' metadata (upstream's table, our extra columns after). Writes
 * nothing for no model.
 *
 * @param dir The pipeline folder.
 * @param source The energy source.
 * @param outputType The output type.
 * @param models The models, in listing order ({@linkcode mergeSummaryModels}).
 * @returns The file written, or undefined.
 */
export async function writeSummaryCsv(
  dir: string,
  source: EnergySource,
  outputType: OutputType,
  models: readonly SummaryRow[],
): Promise<string | undefined> {
  if (models.length === 0) return undefined;
  const table = modelMetadataTable(models, {
    components: SOURCE_COMPONENTS[source],
    extraColumns: SUMMARY_EXTRA_COLUMNS,
  });
  const path = modelMetadataCsv(dir, source, outputType);
  await writeCsvFile(path, table.header, table.rows);
  return path;
}
