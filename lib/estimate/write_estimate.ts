/**
 * The files of `estimate` (seed 002): `<output>/estimation_result.csv` and
 * `<output>/model.zip` of the best model; with several energy sources one
 * `<source>_estimation_result.csv` and `<source>_model.zip` pair each (as
 * upstream names them). Each file is written atomically, all after the
 * estimate succeeded.
 *
 * @module
 */
import { writeFileAtomic } from "../io/atomic.ts";
import { formatCsv } from "../io/csv.ts";
import { estimationModelZip, estimationResultFile } from "../layout.ts";
import type { EstimateReport } from "./estimate.ts";

/**
 * Writes the estimation files into `outputFolder` (created if missing) and
 * returns their paths.
 *
 * @param report The estimate; each energy source's best table and archive
 *   are written.
 * @param outputFolder The folder to write into, e.g. `<data>/output`.
 * @returns The paths written: the CSV then the zip of each source, in the
 *   order of `report.sources`; `<source>_` prefixes the names when there
 *   are several sources.
 *
 * @example
 * ```ts
 * import { writeEstimate } from "./write_estimate.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const source = { source: "acpi" as const, outputType: "AbsPower" as const, models: [], notes: [],
 *   best: {} as never, errorKey: "mae" as const, rankedBy: "holdout" as const, table: { header: ["timestamp"], rows: [[1]] }, archive: new Uint8Array([80, 75]) };
 * const paths = await writeEstimate({ sources: [source] }, `${dir}/output`);
 * assertEquals(paths, [`${dir}/output/estimation_result.csv`, `${dir}/output/model.zip`]);
 * assertEquals(await Deno.readTextFile(paths[0]!), "timestamp\n1\n");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeEstimate(
  report: EstimateReport,
  outputFolder: string,
): Promise<string[]> {
  const prefixed = report.sources.length > 1;
  const written: string[] = [];
  for (const s of report.sources) {
    const source = prefixed ? s.source : undefined;
    const csv = estimationResultFile(outputFolder, source);
    await writeFileAtomic(csv, formatCsv(s.table.header, s.table.rows));
    const zip = estimationModelZip(outputFolder, source);
    await writeFileAtomic(zip, s.archive);
    written.push(csv, zip);
  }
  return written;
}
