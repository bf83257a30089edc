/**
 * `export`: publishes a trained pipeline in kepler-model-db's layout
 * (upstream's `train/exporter`), under `<models>/<version>/`:
 *
 * ```
 * README.md                          one row per pipeline (replaced, not duplicated)
 * .doc/<pipeline>.md                 pipeline page (kept when it exists: it is hand-edited)
 * <pipeline>.zip                     the exported folder (with `zip`)
 * <pipeline>/metadata.json           pipeline metadata + publisher, collect_time, export_time
 * <pipeline>/node_type_index.json
 * <pipeline>/<source>_<ot>_model_metadata.csv   rows of the models that pass the thresholds
 * <pipeline>/README.md               thresholds, node types, figure links
 * <pipeline>/figures.html            metadata and power-curve figures (self-contained HTML)
 * <pipeline>/error_report/node_type_<n>.md      local-estimator and sidecar-estimator tables
 * <pipeline>/<source>/<ot>/<FG>/<Trainer>_<nt>.zip    every exported model
 * <pipeline>/<source>/<ot>/<FG>/<Trainer>_<nt>.json   Kepler weight file (weight-support trainers)
 * ```
 *
 * Everything is read and checked first; the pipeline folder is then
 * replaced as a whole (a failed export leaves the previous one intact),
 * and each other file is written atomically. Weight files are written in
 * the form Kepler v0.7.11 accepts (component keys only).
 *
 * Differences from upstream: an undefined MAPE (−1) never passes the
 * thresholds on MAPE alone; an export in which no model passes is an error
 * instead of an empty publication; upstream's HEAD crashed before writing
 * anything (`str / str` in `validator.py`).
 *
 * @module
 */
import { basename } from "node:path";
import { replaceDirAtomic, writeFileAtomic } from "../io/atomic.ts";
import { type CsvTable, readCsvFile, writeCsvFile } from "../io/csv.ts";
import { readJsonFile, writeJsonFile } from "../io/json.ts";
import { exists, readBinaryFile, readTextFile } from "../io/read.ts";
import { entryText, unzipEntries, zipDirToFile } from "../io/zip.ts";
import {
  errorReportFile,
  exportDocFile,
  exportedWeightFile,
  exportFiguresFile,
  exportPipelineDir,
  exportPipelineZip,
  exportVersionDir,
  exportVersionReadme,
  groupDir,
  MODEL_FILES,
  modelDir,
  modelFile,
  modelMetadataCsv,
  modelZip,
  parseModelName,
  pipelineFile,
} from "../layout.ts";
import { figuresToHtml } from "../plot/html_report.ts";
import { modelSummaryFromCsv } from "../plot/model_summary.ts";
import {
  readWeightFile,
  toKeplerWeightJson,
  type WeightFile,
  type WeightFormat,
} from "../pipeline/kepler_weight_file.ts";
import {
  checkNodeTypeIndex,
  type NodeTypeIndex,
} from "../pipeline/node_type_index.ts";
import {
  formatPipelineTime,
  type PipelineMetadata,
} from "../pipeline/pipeline_metadata.ts";
import {
  ENERGY_SOURCES,
  type EnergySource,
  type FeatureGroup,
  OUTPUT_TYPES,
  type OutputType,
  parseFeatureGroup,
  WEIGHT_SUPPORT_TRAINERS,
} from "../types.ts";
import {
  bestExportedModels,
  type ExportedModel,
} from "./best_exported_models.ts";
import { errorReport } from "./error_report.ts";
import { type ExportFigure, exportFigures } from "./export_figures.ts";
import { pipelineDocPage } from "./pipeline_doc_page.ts";
import {
  type FigureLink,
  pipelineReadme,
  type ReadmeSection,
} from "./pipeline_readme.ts";
import {
  checkThresholds,
  type ExportThresholds,
  passesThresholds,
} from "./thresholds.ts";
import { versionReadme } from "./version_readme.ts";

/** Options of {@linkcode exportPipeline}. */
export interface ExportPipelineOptions {
  /** GitHub account of the publisher (required), e.g. `sunya-ch`. */
  publisher: string;
  /**
   * When the data was collected (required), as recorded: see
   * `collectTimeOfBenchmark` and `normalizeCollectDate`.
   */
  collectTime: string;
  /** Body of the page's "Workload information" (`workloadContent`). Default: empty. */
  workload?: string;
  /** Thresholds. Default: upstream's (MAE 10, MAPE 20, hard 100). */
  thresholds?: Partial<ExportThresholds>;
  /** Error that ranks models (`ERROR_KEY`). Default: `"mae"`. */
  errorKey?: string;
  /** Also write `<version>/<pipeline>.zip`. Default: false. */
  zip?: boolean;
  /** kepler-model-db version folder. Default: `"v0.7"`. */
  version?: string;
  /** Kepler version in the README title. Default: `"0.7.11"`. */
  keplerVersion?: string;
  /** Base URL of the published `models` folder. Default: kepler-model-db's raw files. */
  baseUrl?: string;
  /** Write figures.html. Default: true. */
  figures?: boolean;
  /** plotly.js source to inline (tests). Default: the installed plotly.js. */
  plotlySource?: string;
  /** Clock of `export_time` (tests). Default: `() => new Date()`. */
  now?: () => Date;
  /**
   * The form of the `<Trainer>_<nt>.json` weight files: `"v0.7.12"` puts
   * `model_name` first, for Kepler v0.7.12 loading a file from a local path
   * (see `WEIGHT_FORMATS`). Default: `"v0.7.11"` (component keys only, as
   * kepler-model-db publishes them; every Kepler v0.7.x reads it).
   */
  weightFormat?: WeightFormat;
}

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

/** What an export wrote. */
export interface ExportReport {
  /** The pipeline name. */
  pipeline: string;
  /** `<models>/<version>/`. */
  versionDir: string;
  /** `<models>/<version>/<pipeline>/`. */
  exportDir: string;
  /** The pipeline archive, when written. */
  zip?: string;
  /** The pipeline page. */
  docPage: string;
  /** Whether the pipeline page was written (false: an existing one was kept). */
  docPageWritten: boolean;
  /** The exported models. */
  models: ExportedModel[];
  /** Models checked (rows of the summaries). */
  checked: number;
  /** Models not exported, with the reason. */
  skipped: ExportSkip[];
  /** The figures page, when written. */
  figures?: string;
  /** Notes (kept files, missing weight files, figures not written, ...). */
  notes: string[];
}

interface Kept {
  model: ExportedModel;
  position: number;
  cells: string[];
  zip: Uint8Array;
  weight?: WeightFile;
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

function checkPublisher(publisher: string): string {
  if (!/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/.test(publisher)) {
    throw new RangeError(
      `Invalid publisher "${publisher}": expected a GitHub account name (letters, digits and -, at most 39)`,
    );
  }
  return publisher;
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

async function readWeightOf(
  groupFolder: string,
  name: string,
  zipEntries: Record<string, Uint8Array>,
): Promise<{ file: WeightFile; where: string } | undefined> {
  const dirWeight = modelFile(modelDir(groupFolder, name), "weight");
  if (await exists(dirWeight)) {
    return {
      file: readWeightFile(await readJsonFile(dirWeight), dirWeight),
      where: dirWeight,
    };
  }
  const text = entryText(zipEntries, MODEL_FILES.weight);
  if (text === undefined) return undefined;
  const where = `${modelZip(groupFolder, name)} (${MODEL_FILES.weight})`;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new SyntaxError(
      `Cannot parse ${where} as JSON: ${(error as Error).message}`,
    );
  }
  return { file: readWeightFile(json, where), where };
}

/**
 * Exports a pipeline folder into a kepler-model-db `models` folder. Throws
 * (before writing anything) when the pipeline has no metadata, no node type
 * index or no model summary, a summary row is malformed, an archive is
 * corrupt, or no model passes the thresholds.
 *
 * @example
 * ```ts
 * import { exportPipeline } from "./export_pipeline.ts";
 * import { queryResult, simulate } from "../simulate/mod.ts";
 * import { queryDataFrom } from "../extract/mod.ts";
 * import { trainPipeline } from "../train/pipeline.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const sim = simulate({ start: 1_700_000_001, duration: 600, containers: 2 });
 * const trained = await trainPipeline([queryDataFrom(queryResult(sim))], { modelPath: dir,
 *   pipelineName: "std", sources: ["acpi"], featureGroups: ["BPFOnly"], machineSpec: sim.spec as never,
 *   absTrainers: ["SGDRegressorTrainer"], dynTrainers: [] });
 * const report = await exportPipeline(trained.pipelineDir, `${dir}/db`, {
 *   publisher: "me", collectTime: "2024-07-25 21:05:43", zip: true, figures: false,
 *   thresholds: { mae: 1000, hard: 1000 } });
 * assertEquals(report.exportDir, `${dir}/db/v0.7/std`);
 * assertEquals(report.models.map((m) => [m.modelName, m.hasWeight]), [["SGDRegressorTrainer_0", true]]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function exportPipeline(
  pipelineFolder: string,
  exportPath: string,
  options: ExportPipelineOptions,
): Promise<ExportReport> {
  const thresholds = checkThresholds(options.thresholds);
  const errorKey = options.errorKey ?? "mae";
  const version = options.version ?? "v0.7";
  const publisher = checkPublisher(options.publisher);
  const collectTime = options.collectTime;
  if (collectTime.trim() === "" || /[|\r\n]/.test(collectTime)) {
    throw new RangeError(
      `Invalid collect time "${collectTime}": it must be non-empty, without "|" or line breaks`,
    );
  }
  const metaPath = pipelineFile(pipelineFolder, "metadata");
  if (!(await exists(metaPath))) {
    throw new Deno.errors.NotFound(
      `Cannot export pipeline ${
        basename(pipelineFolder)
      }: ${metaPath} does not exist (train -p ${
        basename(pipelineFolder)
      } writes it)`,
    );
  }
  const metadata = checkPipelineMetadata(
    await readJsonFile(metaPath),
    metaPath,
  );
  const name = metadata.name;
  const indexPath = pipelineFile(pipelineFolder, "nodeTypeIndex");
  if (!(await exists(indexPath))) {
    throw new Deno.errors.NotFound(
      `Cannot export pipeline ${name}: ${indexPath} does not exist`,
    );
  }
  const index: NodeTypeIndex = checkNodeTypeIndex(
    await readJsonFile(indexPath),
    indexPath,
  );

  // Read the summaries and select the models.
  const kept: Kept[] = [];
  const skipped: ExportSkip[] = [];
  const notes: string[] = [];
  const tables = new Map<string, { table: CsvTable; rows: Kept[] }>();
  let checked = 0;
  let summaries = 0;
  let bestMae = Infinity;
  for (const source of ENERGY_SOURCES) {
    for (const outputType of OUTPUT_TYPES) {
      const path = modelMetadataCsv(pipelineFolder, source, outputType);
      if (!(await exists(path))) continue;
      summaries++;
      const table = await readCsvFile(path);
      const at = {
        name: column(table, "model_name", path),
        trainer: column(table, "trainer", path),
        group: column(table, "feature_group", path),
        mae: column(table, "mae", path),
        mape: column(table, "mape", path),
        key: column(table, errorKey, path),
        nodeType: table.header.indexOf("node_type"),
      };
      const rows: Kept[] = [];
      for (const [position, cells] of table.rows.entries()) {
        checked++;
        const where = `${path} row ${position + 1}`;
        const modelName = cells[at.name] ?? "";
        const groupCell = cells[at.group] ?? "";
        const mae = numberCell(cells, at.mae, "mae", where);
        const mape = numberCell(cells, at.mape, "mape", where);
        const key = numberCell(cells, at.key, errorKey, where);
        if (Number.isFinite(mae)) bestMae = Math.min(bestMae, mae);
        const skip = (reason: string) =>
          skipped.push({
            source,
            outputType,
            featureGroup: groupCell,
            modelName,
            reason,
          });
        if (!passesThresholds({ mae, mape }, thresholds)) {
          skip(`mae ${mae}, mape ${mape}: above the thresholds`);
          continue;
        }
        let featureGroup: FeatureGroup;
        try {
          featureGroup = parseFeatureGroup(groupCell);
        } catch (error) {
          throw new RangeError(
            `Cannot export: ${where}: ${(error as Error).message}`,
          );
        }
        const nodeTypeCell = at.nodeType >= 0 ? (cells[at.nodeType] ?? "") : "";
        const nodeType = nodeTypeCell.trim() !== ""
          ? numberCell(cells, at.nodeType, "node_type", where)
          : parseModelName(modelName)?.nodeType;
        if (nodeType === undefined || !Number.isInteger(nodeType)) {
          throw new RangeError(
            `Cannot export: ${where} (${modelName}) has no node type`,
          );
        }
        if (index[String(nodeType)] === undefined) {
          throw new RangeError(
            `Cannot export: ${where} (${modelName}) has node type ${nodeType}, which is not in ${indexPath}: the pipeline was trained without a machine spec for it (train --id <machine id>), and kepler-model-db needs each node type's spec`,
          );
        }
        const folder = groupDir(
          pipelineFolder,
          source,
          outputType,
          featureGroup,
        );
        const zipPath = modelZip(folder, modelName);
        if (!(await exists(zipPath))) {
          skip(`its archive ${zipPath} is missing`);
          continue;
        }
        const zip = await readBinaryFile(zipPath);
        const entries = unzipEntries(zip, zipPath);
        const trainer = cells[at.trainer] ?? "";
        let weight: WeightFile | undefined;
        if ((WEIGHT_SUPPORT_TRAINERS as readonly string[]).includes(trainer)) {
          weight = (await readWeightOf(folder, modelName, entries))?.file;
          if (weight === undefined) {
            notes.push(
              `${modelName} (${source} ${outputType} ${featureGroup}) has no weight.json: exported as a zip only`,
            );
          }
        }
        const errors: Record<string, number> = { mae, mape, [errorKey]: key };
        const k: Kept = {
          model: {
            pipeline: name,
            source,
            outputType,
            featureGroup,
            modelName,
            trainer,
            nodeType,
            mae,
            mape,
            errors,
            hasWeight: weight !== undefined,
          },
          position,
          cells,
          zip,
          ...(weight ? { weight } : {}),
        };
        rows.push(k);
      }
      rows.sort((a, b) =>
        a.model.featureGroup < b.model.featureGroup
          ? -1
          : a.model.featureGroup > b.model.featureGroup
          ? 1
          : (a.model.errors[errorKey]! - b.model.errors[errorKey]!) ||
            a.position - b.position
      );
      kept.push(...rows);
      if (rows.length > 0) {
        tables.set(`${source}/${outputType}`, { table, rows });
      }
    }
  }
  if (summaries === 0) {
    throw new Deno.errors.NotFound(
      `Cannot export pipeline ${name}: ${pipelineFolder} has no <source>_<AbsPower|DynPower>_model_metadata.csv (train writes them)`,
    );
  }
  if (kept.length === 0) {
    throw new RangeError(
      `Cannot export pipeline ${name}: none of its ${checked} models passes the thresholds (mae ≤ ${thresholds.mae} W or mape ≤ ${thresholds.mape} %, both ≤ ${thresholds.hard}; best mae ${
        Number.isFinite(bestMae) ? bestMae : "none"
      }) or has its archive; relax them with --mae-threshold or --mape-threshold`,
    );
  }

  // Everything the export folder holds.
  const models = kept.map((k) => k.model);
  const best = bestExportedModels(models, errorKey);
  const urlOptions = {
    version,
    ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}),
  };
  const now = options.now ?? (() => new Date());
  const exported: PipelineMetadata = {
    ...metadata,
    publisher,
    collect_time: collectTime,
    export_time: formatPipelineTime(now()),
  };
  const versionDir = exportVersionDir(exportPath, version);
  const exportDir = exportPipelineDir(versionDir, name);

  // Figures.
  const figureInputs = [...tables.entries()].map(([key, { table, rows }]) => {
    const [source, outputType] = key.split("/") as [EnergySource, OutputType];
    const summary = modelSummaryFromCsv(
      { header: table.header, rows: rows.map((r) => r.cells) },
      { source: modelMetadataCsv(pipelineFolder, source, outputType) },
    );
    const bpfWeights = new Map<string, WeightFile>();
    for (const r of rows) {
      if (r.model.featureGroup === "BPFOnly" && r.weight) {
        bpfWeights.set(r.model.modelName, r.weight);
      }
    }
    return { source, outputType, rows: summary, bpfWeights };
  });
  let figures: ExportFigure[] = [];
  let figuresHtml: string | undefined;
  const figuresPath = exportFiguresFile(exportDir);
  const figuresName = basename(figuresPath);
  if (options.figures ?? true) {
    figures = exportFigures(figureInputs);
    if (figures.length > 0) {
      try {
        figuresHtml = figuresToHtml(figures.map((f) => f.figure), {
          title: `${name}: exported models`,
          description:
            `Model metadata (MAE of the exported models) and power curves (best BPFOnly weight model per node type, evaluated as Kepler does) of pipeline ${name}.`,
          ...(options.plotlySource !== undefined
            ? { plotlySource: options.plotlySource }
            : {}),
        });
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
        notes.push(`figures not written: ${(error as Error).message}`);
        figures = [];
      }
    }
  }
  const link = (f: ExportFigure): FigureLink => ({
    label: f.label,
    href: `${figuresName}#plot-${figures.indexOf(f)}`,
  });
  const sections: ReadmeSection[] = [];
  for (const outputType of OUTPUT_TYPES) {
    for (const source of ENERGY_SOURCES) {
      if (!tables.has(`${source}/${outputType}`)) continue;
      const curves = figures.filter((f) =>
        f.kind === "power_curve" && f.source === source &&
        f.outputType === outputType
      );
      sections.push({
        source,
        outputType,
        figures: curves.map(link),
        note: figuresHtml === undefined
          ? "No figures were written."
          : "No power curve: no BPFOnly weight model was exported.",
      });
    }
  }
  const nodeTypes = [...best.keys()].sort((a, b) => a - b).map((n) => ({
    nodeType: n,
    attrs: index[String(n)]!.attrs,
    members: index[String(n)]!.members.length,
  }));
  const readme = pipelineReadme(name, {
    nodeTypes,
    metadataFigures: figures.filter((f) => f.kind === "metadata").map(link),
    sections,
  }, {
    thresholds,
    ...(options.keplerVersion ? { keplerVersion: options.keplerVersion } : {}),
  });

  // Write the pipeline folder as a whole.
  await replaceDirAtomic(exportDir, async (tmp) => {
    await writeJsonFile(pipelineFile(tmp, "metadata"), exported, { indent: 0 });
    await writeJsonFile(pipelineFile(tmp, "nodeTypeIndex"), index, {
      indent: 0,
    });
    for (const [key, { table, rows }] of tables) {
      const [source, outputType] = key.split("/") as [EnergySource, OutputType];
      const header = table.header[0] === ""
        ? ["", "Unnamed: 0", ...table.header.slice(1)]
        : ["", ...table.header];
      await writeCsvFile(
        modelMetadataCsv(tmp, source, outputType),
        header,
        rows.map((r) => [r.position, ...r.cells]),
      );
    }
    for (const k of kept) {
      const m = k.model;
      const folder = groupDir(tmp, m.source, m.outputType, m.featureGroup);
      await writeFileAtomic(modelZip(folder, m.modelName), k.zip);
      if (k.weight) {
        await writeJsonFile(
          exportedWeightFile(folder, m.modelName),
          toKeplerWeightJson(
            { ...k.weight, modelName: m.modelName },
            options.weightFormat,
          ),
          { indent: 0 },
        );
      }
    }
    for (const [nodeType, byGroup] of best) {
      await writeFileAtomic(
        errorReportFile(tmp, nodeType),
        errorReport(
          { nodeType, attrs: index[String(nodeType)]!.attrs },
          byGroup,
          urlOptions,
        ),
      );
    }
    if (figuresHtml !== undefined) {
      await writeFileAtomic(exportFiguresFile(tmp), figuresHtml);
    }
    await writeFileAtomic(pipelineFile(tmp, "readme"), readme);
  });

  const docPage = exportDocFile(versionDir, name);
  const docPageWritten = !(await exists(docPage));
  if (docPageWritten) {
    await writeFileAtomic(
      docPage,
      pipelineDocPage(exported, options.workload ?? ""),
    );
  } else {
    notes.push(`kept the existing pipeline page ${docPage}`);
  }
  const readmePath = exportVersionReadme(versionDir);
  const existing = (await exists(readmePath))
    ? await readTextFile(readmePath)
    : undefined;
  await writeFileAtomic(
    readmePath,
    versionReadme(existing, {
      name,
      collectTime,
      lastUpdateTime: metadata.last_update_time,
      publisher,
    }, { version }),
  );
  const report: ExportReport = {
    pipeline: name,
    versionDir,
    exportDir,
    docPage,
    docPageWritten,
    models,
    checked,
    skipped,
    notes,
  };
  if (figuresHtml !== undefined) report.figures = figuresPath;
  if (options.zip) {
    const zip = exportPipelineZip(versionDir, name);
    await zipDirToFile(exportDir, zip);
    report.zip = zip;
  }
  return report;
}
