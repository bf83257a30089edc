/**
 * Writing a pipeline in kepler-model-db's published layout (what `export`
 * publishes): metadata, node type index, summaries, each model's zip and
 * Kepler weight file, the error reports, figures and README, into a folder
 * the caller then swaps in as a whole.
 *
 * @module
 */
import { writeFileAtomic } from "../io/atomic.ts";
import { type CsvCell, writeCsvFile } from "../io/csv.ts";
import { writeJsonFile } from "../io/json.ts";
import {
  errorReportFile,
  exportedWeightFile,
  exportFiguresFile,
  groupDir,
  modelMetadataCsv,
  modelZip,
  pipelineFile,
} from "../layout.ts";
import type { EnergySource, FeatureGroup, OutputType } from "../types.ts";
import {
  toKeplerWeightJson,
  type WeightFile,
  type WeightFormat,
} from "./kepler_weight_file.ts";
import type { NodeTypeIndex } from "./node_type_index.ts";

/** A published model: its archive and, for weight-support trainers, its weights. */
export interface PublishedModel {
  /** Energy source. */
  source: EnergySource;
  /** Output type. */
  outputType: OutputType;
  /** Feature group. */
  featureGroup: FeatureGroup;
  /** `<Trainer>_<nt>`. */
  name: string;
  /** Its zip. */
  zip: Uint8Array;
  /** Its weights, written as `<model>.json`. */
  weight?: WeightFile;
}

/** A published summary `<source>_<ot>_model_metadata.csv`. */
export interface PublishedSummary {
  /** Energy source. */
  source: EnergySource;
  /** Output type. */
  outputType: OutputType;
  /** Header (pandas' index column first). */
  header: string[];
  /** Rows. */
  rows: CsvCell[][];
}

/** What a published pipeline holds. */
export interface PublishedPipeline {
  /** `metadata.json`. */
  metadata: object;
  /** `node_type_index.json`. */
  nodeTypeIndex: NodeTypeIndex;
  /** The summaries. */
  summaries: readonly PublishedSummary[];
  /** The models. */
  models: readonly PublishedModel[];
  /** `error_report/node_type_<n>.md` by node type. */
  errorReports: ReadonlyMap<number, string>;
  /** `figures.html`, when there are figures. */
  figuresHtml?: string;
  /** `README.md`. */
  readme: string;
}

/**
 * Writes a published pipeline's files into `folder` (each file
 * atomically). Weight files are written in `weightFormat`.
 *
 * @param folder The folder to write (e.g. the one `replaceDirAtomic` builds aside).
 * @param pipeline What to write.
 * @param weightFormat Form of `<model>.json`. Default: `"v0.7.11"`.
 * @returns Nothing.
 *
 * @example
 * ```ts
 * import { writeExportedPipeline } from "./write_exported_pipeline.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await writeExportedPipeline(dir, { metadata: { name: "p" }, nodeTypeIndex: {}, summaries: [], models: [],
 *   errorReports: new Map(), readme: "# p\n" });
 * assertEquals(await Deno.readTextFile(`${dir}/README.md`), "# p\n");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeExportedPipeline(
  folder: string,
  pipeline: PublishedPipeline,
  weightFormat?: WeightFormat,
): Promise<void> {
  await writeJsonFile(pipelineFile(folder, "metadata"), pipeline.metadata, {
    indent: 0,
  });
  await writeJsonFile(
    pipelineFile(folder, "nodeTypeIndex"),
    pipeline.nodeTypeIndex,
    { indent: 0 },
  );
  for (const s of pipeline.summaries) {
    await writeCsvFile(
      modelMetadataCsv(folder, s.source, s.outputType),
      s.header,
      s.rows,
    );
  }
  for (const m of pipeline.models) {
    const group = groupDir(folder, m.source, m.outputType, m.featureGroup);
    await writeFileAtomic(modelZip(group, m.name), m.zip);
    if (m.weight) {
      await writeJsonFile(
        exportedWeightFile(group, m.name),
        toKeplerWeightJson({ ...m.weight, modelName: m.name }, weightFormat),
        { indent: 0 },
      );
    }
  }
  for (const [nodeType, text] of pipeline.errorReports) {
    await writeFileAtomic(errorReportFile(folder, nodeType), text);
  }
  if (pipeline.figuresHtml !== undefined) {
    await writeFileAtomic(exportFiguresFile(folder), pipeline.figuresHtml);
  }
  await writeFileAtomic(pipelineFile(folder, "readme"), pipeline.readme);
}
