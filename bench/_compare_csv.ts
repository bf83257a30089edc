/**
 * Further real data sets for `deno task bench sklearn-compare`, named by
 * the environment: `KEPLER_COMPARE_CSV` holds one or more preprocessed
 * CSVs (upstream's columns), separated by the platform's path delimiter
 * (`:` on Linux). Issue 18 holds a real data set out of the project to be
 * "measured the same way"; with this, anyone can:
 *
 * ```sh
 * KEPLER_COMPARE_CSV=/data/rapl_BPFOnly_abs_data.csv deno task bench sklearn-compare
 * ```
 *
 * What each file is follows from its name, in both of upstream's
 * spellings (`preprocessedNameFacts`, lib/pipeline/read_preprocessed.ts),
 * as `train_from_data` reads it. What the name does not say: AbsPower; the
 * source from the power columns (as {@linkcode readFrameCsv}); the group
 * from the feature columns (as `train_from_data`).
 *
 * @module
 */
import { basename, delimiter } from "node:path";
import type { FeatureGroup, OutputType } from "../lib/types.ts";
import { readFrameCsv } from "../lib/extract/mod.ts";
import type { Frame } from "../lib/extract/frame.ts";
import { featureGroupOfColumns } from "../lib/train/train_from_data.ts";
import {
  type PreprocessedNameFacts,
  preprocessedNameFacts,
} from "../lib/pipeline/read_preprocessed.ts";

/** The paths of `KEPLER_COMPARE_CSV` (none when it is unset or empty). */
export function compareCsvPaths(value: string | undefined): string[] {
  return (value ?? "").split(delimiter).filter((p) => p !== "");
}

/** One further data set: its frame and what it was read as. */
export interface CsvDataSet {
  name: string;
  frame: Frame;
  group: FeatureGroup;
  outputType: OutputType;
}

/**
 * Reads one CSV of `KEPLER_COMPARE_CSV` as a data set.
 *
 * @throws {Error} with one line naming the file when it cannot be read, is
 *   not a preprocessed CSV, or its feature group is neither in its name nor
 *   given by its columns.
 */
export async function readCompareCsv(path: string): Promise<CsvDataSet> {
  let facts: PreprocessedNameFacts;
  try {
    facts = preprocessedNameFacts(path);
  } catch (error) {
    throw new Error(`KEPLER_COMPARE_CSV: ${(error as Error).message}`);
  }
  let frame: Frame;
  try {
    frame = await readFrameCsv(
      path,
      facts.source === undefined ? {} : { source: facts.source },
    );
  } catch (error) {
    throw new Error(
      `KEPLER_COMPARE_CSV: cannot read ${path}: ${(error as Error).message}`,
    );
  }
  const group = facts.featureGroup ?? featureGroupOfColumns(frame.featureNames);
  if (group === undefined) {
    throw new Error(
      `KEPLER_COMPARE_CSV: ${path}: no feature group in the file name, and its columns (${
        frame.featureNames.join(", ")
      }) are not one group's`,
    );
  }
  return {
    name: `real ${basename(path)} (KEPLER_COMPARE_CSV)`,
    frame,
    group,
    outputType: facts.outputType ?? "AbsPower",
  };
}
