/**
 * The `validate` step on files: read `<data>/<input>.json`, validate it
 * (with the benchmark file when one is named and exists), and write the
 * validate table as CSV.
 *
 * @module
 */
import { exists, formatCsv, writeFileAtomic } from "../io/mod.ts";
import { readBenchmarkFile } from "./_read_benchmark.ts";
import {
  benchmarkFile,
  csvFile,
  queryFile,
  validateResultFile,
} from "../layout.ts";
import { readQueryJson } from "./query_json.ts";
import {
  validateQuery,
  validateTableCells,
  type ValidationReport,
} from "./validate.ts";

/** Options of {@linkcode validateQueryFile}. */
export interface ValidateQueryFileOptions {
  /**
   * Benchmark name (`--benchmark`): pod filter, and a CPE CR file if it exists.
   *
   * @default {undefined} none
   */
  benchmark?: string;
  /**
   * Output name (`-o`): the table goes to `<data>/<output>.csv`.
   *
   * @default {undefined} <data>/<input>_validate_result.csv
   */
  output?: string;
  /**
   * Third-party metrics.
   *
   * @default {undefined} none
   */
  thirdParty?: readonly string[];
  /**
   * Query step in seconds, for gap detection.
   *
   * @default {undefined} each series' median spacing
   */
  step?: number;
}

/** What {@linkcode validateQueryFile} did. */
export interface ValidateQueryFileResult {
  /** The validation. */
  report: ValidationReport;
  /** The CSV written. */
  file: string;
}

/**
 * Validates a query JSON and writes the table.
 *
 * @param dataPath The data folder holding `<input>.json` and, when named,
 *   the benchmark file.
 * @param input The query JSON's name without `.json`, e.g. `kepler_query`.
 * @param options The benchmark name, output name, third-party metrics and
 *   step; empty writes `<dataPath>/<input>_validate_result.csv`.
 * @returns The validation report and the path of the CSV written.
 * @throws {SyntaxError} when the query JSON or the benchmark file is not
 *   JSON, or the query JSON has the wrong shape.
 * @throws {Deno.errors.NotFound} when `<dataPath>/<input>.json` does not
 *   exist.
 *
 * @example
 * ```ts
 * import { validateQueryFile } from "./validate_query_file.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/q.json`, '{"up": [{"metric": {"__name__": "up"}, "values": [[1, "1"], [4, "1"]]}]}');
 * const { file, report } = await validateQueryFile(dir, "q");
 * assertEquals(file, `${dir}/q_validate_result.csv`);
 * assertEquals(report.summary.samples, 2);
 * assertEquals((await Deno.readTextFile(file)).split("\n")[0], ",pod,scenarioID,query,count,>0,total");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function validateQueryFile(
  dataPath: string,
  input: string,
  options: ValidateQueryFileOptions = {},
): Promise<ValidateQueryFileResult> {
  const result = await readQueryJson(queryFile(dataPath, input));
  let benchmarkContent: unknown;
  if (options.benchmark !== undefined && options.benchmark !== "") {
    const path = benchmarkFile(dataPath, options.benchmark);
    if (await exists(path)) {
      benchmarkContent = await readBenchmarkFile(path);
    }
  }
  const report = validateQuery(result, {
    ...(options.benchmark === undefined
      ? {}
      : { benchmark: options.benchmark }),
    ...(benchmarkContent === undefined ? {} : { benchmarkContent }),
    ...(options.thirdParty === undefined
      ? {}
      : { thirdParty: options.thirdParty }),
    ...(options.step === undefined ? {} : { step: options.step }),
  });
  const file = options.output === undefined
    ? validateResultFile(dataPath, input)
    : csvFile(dataPath, options.output);
  const table = validateTableCells(report.rows);
  await writeFileAtomic(file, formatCsv(table.header, table.rows));
  return { report, file };
}
