/**
 * The first step of an export: read the pipeline (through `readPipeline`),
 * check it, and select the models of its summaries that pass the
 * thresholds and have their archive, with their weight files.
 *
 * @module
 */
import { parseJsonText } from "../io/json.ts";
import { basename } from "node:path";
import type { CsvTable } from "../io/csv.ts";
import {
  readWeightFile,
  type WeightFile,
} from "../pipeline/kepler_weight_file.ts";
import { modelNodeType, rankingError } from "../pipeline/model_metadata.ts";
import type { NodeTypeIndex } from "../pipeline/node_type_index.ts";
import type { PipelineMetadata } from "../pipeline/pipeline_metadata.ts";
import {
  type ModelSummary,
  type Pipeline,
  type PipelineModel,
  readPipeline,
} from "../pipeline/read_pipeline.ts";
import {
  type EnergySource,
  type ErrorKey,
  type FeatureGroup,
  type OutputType,
  parseFeatureGroup,
  WEIGHT_SUPPORT_TRAINERS,
} from "../types.ts";
import type { ExportedModel } from "./best_exported_models.ts";
import { type ExportThresholds, passesThresholds } from "./thresholds.ts";

/** A model the thresholds dropped, or one that could not be exported. */
export interface ExportSkip {
  /** Energy source. */
  source: EnergySource;
  /** Output type. */
  outputType: OutputType;
  /** Feature group, as in the summary. */
  featureGroup: string;
  /** Model name. */
  modelName: string;
  /** Why. */
  reason: string;
}

/** A model selected for export. */
export interface Kept {
  /** What is published. */
  model: ExportedModel;
  /** Its row's position in the summary (pandas' index). */
  position: number;
  /** Its row's cells. */
  cells: string[];
  /** Its archive. */
  zip: Uint8Array;
  /** Its weight file (weight-support trainers). */
  weight?: WeightFile;
}

/** The pipeline an export reads: checked metadata and index. */
export interface ExportSource {
  /** The pipeline read. */
  pipeline: Pipeline;
  /** Its metadata. */
  metadata: PipelineMetadata;
  /** Its node type index. */
  index: NodeTypeIndex;
  /** Where the index is, for messages. */
  indexPath: string;
}

/** The models selected, with what was checked and skipped. */
export interface Selection {
  /** Models kept, by summary, then feature group and error. */
  kept: Kept[];
  /** Models not exported. */
  skipped: ExportSkip[];
  /** Notes. */
  notes: string[];
  /** The summaries with kept rows (and where they are), by `<source>/<ot>`. */
  tables: Map<string, { table: CsvTable; rows: Kept[]; path: string }>;
  /** Rows checked. */
  checked: number;
}

function checkPipelineMetadata(value: unknown, path: string): PipelineMetadata {
  const m = value as Partial<PipelineMetadata> | null;
  if (typeof m !== "object" || m === null || Array.isArray(m)) {
    throw new TypeError(`Invalid pipeline metadata ${path}: not a JSON object`);
  }
  for (
    const key of ["name", "extractor", "isolator", "last_update_time"] as const
  ) {
    if (typeof m[key] !== "string" || m[key] === "") {
      throw new TypeError(
        `Invalid pipeline metadata ${path}: field ${key} is missing or not a string`,
      );
    }
  }
  for (const key of ["abs_trainers", "dyn_trainers"] as const) {
    if (!Array.isArray(m[key])) {
      throw new TypeError(
        `Invalid pipeline metadata ${path}: field ${key} is not a list`,
      );
    }
  }
  return m as PipelineMetadata;
}

/**
 * Reads a pipeline to export: its metadata and node type index are
 * required (`Deno.errors.NotFound` naming the file otherwise).
 */
export async function readExportSource(
  pipelineFolder: string,
): Promise<ExportSource> {
  const pipeline = await readPipeline(pipelineFolder);
  const metaPath = pipeline.paths.metadata;
  if (pipeline.metadata === undefined) {
    const name = basename(pipelineFolder);
    throw new Deno.errors.NotFound(
      `Cannot export pipeline ${name}: ${metaPath} does not exist (train -p ${name} writes it)`,
    );
  }
  const metadata = checkPipelineMetadata(pipeline.metadata, metaPath);
  const indexPath = pipeline.paths.nodeTypeIndex;
  if (pipeline.nodeTypeIndex === undefined) {
    throw new Deno.errors.NotFound(
      `Cannot export pipeline ${metadata.name}: ${indexPath} does not exist`,
    );
  }
  return { pipeline, metadata, index: pipeline.nodeTypeIndex, indexPath };
}

function column(table: CsvTable, name: string, path: string): number {
  const at = table.header.indexOf(name);
  if (at < 0) {
    throw new RangeError(
      `Cannot export from ${path}: column ${name} is missing (columns: ${
        table.header.join(", ")
      })`,
    );
  }
  return at;
}

function numberCell(
  cells: readonly string[],
  at: number,
  what: string,
  where: string,
): number {
  const cell = (cells[at] ?? "").trim();
  const n = cell === "" ? Number.NaN : Number(cell);
  if (Number.isNaN(n) && cell !== "nan") {
    throw new RangeError(
      `Cannot export: ${where} has ${what} "${cell}", not a number`,
    );
  }
  return n;
}

/** The weight file of a model: its folder's `weight.json`, else its zip's. */
async function readWeightOf(
  model: PipelineModel,
): Promise<WeightFile | undefined> {
  const file = await model.readWeight({ fromZip: true });
  if (file === undefined) return undefined;
  return readWeightFile(parseJsonText(file.text, file.path), file.path);
}

/** The columns of a summary an export reads. */
interface Columns {
  name: number;
  trainer: number;
  group: number;
  mae: number;
  mape: number;
  key: number;
  nodeType: number;
}

function summaryColumns(
  table: CsvTable,
  path: string,
  errorKey: ErrorKey,
): Columns {
  return {
    name: column(table, "model_name", path),
    trainer: column(table, "trainer", path),
    group: column(table, "feature_group", path),
    mae: column(table, "mae", path),
    mape: column(table, "mape", path),
    key: column(table, errorKey, path),
    nodeType: table.header.indexOf("node_type"),
  };
}

/** A row's feature group and node type, checked against the index. */
function rowIdentity(
  cells: readonly string[],
  at: Columns,
  where: string,
  source: ExportSource,
): { featureGroup: FeatureGroup; nodeType: number } {
  const modelName = cells[at.name] ?? "";
  let featureGroup: FeatureGroup;
  try {
    featureGroup = parseFeatureGroup(cells[at.group] ?? "");
  } catch (error) {
    throw new RangeError(
      `Cannot export: ${where}: ${(error as Error).message}`,
    );
  }
  const nodeTypeCell = at.nodeType >= 0 ? (cells[at.nodeType] ?? "") : "";
  const nodeType = nodeTypeCell.trim() !== ""
    ? numberCell(cells, at.nodeType, "node_type", where)
    : modelNodeType({}, modelName);
  if (nodeType === undefined || !Number.isInteger(nodeType)) {
    throw new RangeError(
      `Cannot export: ${where} (${modelName}) has no node type`,
    );
  }
  if (source.index[String(nodeType)] === undefined) {
    throw new RangeError(
      `Cannot export: ${where} (${modelName}) has node type ${nodeType}, which is not in ${source.indexPath}: the pipeline was trained without a machine spec for it (train --id <machine id>), and kepler-model-db needs each node type's spec`,
    );
  }
  return { featureGroup, nodeType };
}

interface RowContext {
  source: ExportSource;
  summary: ModelSummary;
  at: Columns;
  errorKey: ErrorKey;
  thresholds: ExportThresholds;
  out: Selection & { bestMae: number };
}

/** One summary row: kept, or skipped with a reason. */
async function selectRow(
  cells: string[],
  position: number,
  c: RowContext,
): Promise<Kept | undefined> {
  const { source: { pipeline }, summary, at, errorKey, out } = c;
  const where = `${pipeline.files.where(summary.path)} row ${position + 1}`;
  const modelName = cells[at.name] ?? "";
  const mae = numberCell(cells, at.mae, "mae", where);
  const mape = numberCell(cells, at.mape, "mape", where);
  const key = numberCell(cells, at.key, errorKey, where);
  if (Number.isFinite(mae)) out.bestMae = Math.min(out.bestMae, mae);
  const { source, outputType } = summary;
  const skip = (reason: string) => {
    out.skipped.push({
      source,
      outputType,
      featureGroup: cells[at.group] ?? "",
      modelName,
      reason,
    });
    return undefined;
  };
  if (!passesThresholds({ mae, mape }, c.thresholds)) {
    return skip(`mae ${mae}, mape ${mape}: above the thresholds`);
  }
  const { featureGroup, nodeType } = rowIdentity(cells, at, where, c.source);
  const model = pipeline.models.find((m) =>
    m.source === source && m.outputType === outputType &&
    m.featureGroup === featureGroup && m.name === modelName
  );
  const zip = model?.forms.zip === undefined
    ? undefined
    : await model.readZip();
  if (model === undefined || zip === undefined) {
    const zipPath = pipeline.pathOf(
      { source, outputType, featureGroup, name: modelName },
      "zip",
    );
    return skip(`its archive ${zipPath} is missing`);
  }
  await model.zipEntries(); // a corrupt archive is an error
  const trainer = cells[at.trainer] ?? "";
  let weight: WeightFile | undefined;
  if ((WEIGHT_SUPPORT_TRAINERS as readonly string[]).includes(trainer)) {
    weight = await readWeightOf(model);
    if (weight === undefined) {
      out.notes.push(
        `${modelName} (${source} ${outputType} ${featureGroup}) has no weight.json: exported as a zip only`,
      );
    }
  }
  return {
    model: {
      pipeline: c.source.metadata.name,
      source,
      outputType,
      featureGroup,
      modelName,
      trainer,
      nodeType,
      mae,
      mape,
      errors: { mae, mape, [errorKey]: key },
      hasWeight: weight !== undefined,
      ...(typeof model.metadata.cv_folds === "number"
        ? { rank: rankingError(model.metadata, errorKey) }
        : {}),
    },
    position,
    cells,
    zip,
    ...(weight ? { weight } : {}),
  };
}

/**
 * Selects the models to export from every summary, in summary order
 * (source, then output type), each summary's rows by feature group, error
 * and position. Throws when the pipeline has no summary, a summary or row
 * is malformed, an archive is corrupt, or no model passes.
 */
export async function selectModels(
  source: ExportSource,
  errorKey: ErrorKey,
  thresholds: ExportThresholds,
): Promise<Selection> {
  const out = {
    kept: [] as Kept[],
    skipped: [] as ExportSkip[],
    notes: [] as string[],
    tables: new Map<string, { table: CsvTable; rows: Kept[]; path: string }>(),
    checked: 0,
    bestMae: Infinity,
  };
  const { pipeline, metadata } = source;
  for (const summary of pipeline.summaries) {
    if (summary.error !== undefined) throw summary.error;
    const table = summary.table!;
    const path = pipeline.files.where(summary.path);
    const at = summaryColumns(table, path, errorKey);
    const c = { source, summary, at, errorKey, thresholds, out };
    const rows: Kept[] = [];
    for (const [position, cells] of table.rows.entries()) {
      out.checked++;
      const k = await selectRow(cells, position, c);
      if (k !== undefined) rows.push(k);
    }
    rows.sort((a, b) =>
      a.model.featureGroup < b.model.featureGroup
        ? -1
        : a.model.featureGroup > b.model.featureGroup
        ? 1
        : (rankOf(a.model, errorKey) - rankOf(b.model, errorKey)) ||
          a.position - b.position
    );
    out.kept.push(...rows);
    if (rows.length > 0) {
      out.tables.set(`${summary.source}/${summary.outputType}`, {
        table,
        rows,
        path,
      });
    }
  }
  if (pipeline.summaries.length === 0) {
    throw new Deno.errors.NotFound(
      `Cannot export pipeline ${metadata.name}: ${pipeline.origin} has no <source>_<AbsPower|DynPower>_model_metadata.csv (train writes them)`,
    );
  }
  if (out.kept.length === 0) {
    throw new RangeError(
      `Cannot export pipeline ${metadata.name}: none of its ${out.checked} models passes the thresholds (mae ≤ ${thresholds.mae} W or mape ≤ ${thresholds.mape} %, both ≤ ${thresholds.hard}; best mae ${
        Number.isFinite(out.bestMae) ? out.bestMae : "none"
      }) or has its archive; relax them with --mae-threshold or --mape-threshold`,
    );
  }
  return out;
}

/** The error a kept model is ranked by (its CV figure when it has one). */
function rankOf(model: ExportedModel, errorKey: ErrorKey): number {
  return model.rank ?? model.errors[errorKey]!;
}
