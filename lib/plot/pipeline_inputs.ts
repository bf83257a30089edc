/**
 * What the `plot` command draws from a trained pipeline, read through
 * lib/pipeline: its preprocessed tables, and its model summaries with the
 * weight files of the BPFOnly models (for power curves).
 *
 * @module
 */
import { parseJsonText } from "../io/json.ts";
import {
  readWeightFile,
  type WeightFile,
} from "../pipeline/kepler_weight_file.ts";
import { readPipeline } from "../pipeline/read_pipeline.ts";
import { listPreprocessed } from "../pipeline/read_preprocessed.ts";
import type { EnergySource, FeatureGroup, OutputType } from "../types.ts";
import { modelSummaryFromCsv, type ModelSummaryRow } from "./model_summary.ts";
import { type PlotTable, plotTableFromCsv } from "./plot_table.ts";

/** Which of a pipeline's data to plot. */
export interface PipelinePlotOptions {
  /** Energy sources, in order. */
  sources: readonly EnergySource[];
  /** Output types, in order. */
  outputTypes: readonly OutputType[];
  /** Only this feature group (preprocessed data). Default: all. */
  featureGroup?: FeatureGroup;
}

/** A preprocessed table to plot. */
export interface PreprocessedPlot {
  /** The CSV's name without `.csv`. */
  stem: string;
  /** Its table. */
  table: PlotTable;
}

/**
 * The preprocessed tables of a pipeline for the sources, output types and
 * feature group asked for, by name.
 *
 * @param pipelineFolder The pipeline folder.
 * @param options What to keep.
 * @returns The tables.
 */
export async function preprocessedPlots(
  pipelineFolder: string,
  options: PipelinePlotOptions,
): Promise<PreprocessedPlot[]> {
  const out: PreprocessedPlot[] = [];
  for (const csv of await listPreprocessed(pipelineFolder)) {
    const stem = csv.stem;
    const source = options.sources.find((s) => stem.includes(`_${s}_`));
    if (source === undefined) continue;
    const group = options.featureGroup;
    if (group !== undefined && !stem.endsWith(`_${group}`)) continue;
    const ot: OutputType = stem.startsWith("preprocess_abs")
      ? "AbsPower"
      : "DynPower";
    if (!options.outputTypes.includes(ot)) continue;
    out.push({ stem, table: plotTableFromCsv(await csv.read(), { source }) });
  }
  return out;
}

/** A model summary to plot. */
export interface SummaryPlot {
  /** Energy source. */
  source: EnergySource;
  /** Output type. */
  outputType: OutputType;
  /** Its rows. */
  rows: ModelSummaryRow[];
  /** The weight files of its BPFOnly models (their folder's `weight.json`), by model name. */
  bpfWeights: Map<string, WeightFile>;
}

/**
 * The model summaries of a pipeline for the sources and output types asked
 * for (in their order), with the BPFOnly models' weight files.
 *
 * @param pipelineFolder The pipeline folder.
 * @param options What to keep.
 * @returns The summaries it has.
 */
export async function summaryPlots(
  pipelineFolder: string,
  options: PipelinePlotOptions,
): Promise<SummaryPlot[]> {
  const pipeline = await readPipeline(pipelineFolder, {
    sources: options.sources,
    outputTypes: options.outputTypes,
    nodeTypeIndex: false,
  });
  const out: SummaryPlot[] = [];
  for (const source of options.sources) {
    for (const outputType of options.outputTypes) {
      const summary = pipeline.summaries.find((s) =>
        s.source === source && s.outputType === outputType
      );
      if (summary === undefined) continue;
      if (summary.error !== undefined) throw summary.error;
      const rows = modelSummaryFromCsv(summary.table!, { source });
      const bpfWeights = new Map<string, WeightFile>();
      for (const row of rows) {
        if (row.feature_group !== "BPFOnly") continue;
        const m = pipeline.models.find((m) =>
          m.source === source && m.outputType === outputType &&
          m.featureGroup === "BPFOnly" && m.name === row.model_name
        );
        const file = await m?.readWeight();
        if (file === undefined) continue;
        bpfWeights.set(
          row.model_name,
          readWeightFile(parseJsonText(file.text, file.path), file.path),
        );
      }
      out.push({ source, outputType, rows, bpfWeights });
    }
  }
  return out;
}
