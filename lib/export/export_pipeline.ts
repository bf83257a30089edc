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
 * Everything is read and checked first. The pipeline folder, its zip, the
 * README and a new page are then written aside and committed together
 * (lib/io/commit.ts): they change together or not at all, also when the
 * disk fills up (the error says so; nothing changed) or the run is killed
 * (the next export into the version folder finishes a decided commit or
 * sweeps an undecided one's temps, with a note). One export into a
 * version folder at a time: `<version>/.export.lock` (flock) is held while
 * it runs. Weight files are written in the form Kepler v0.7.11 accepts
 * (component keys only).
 *
 * Differences from upstream: an undefined MAPE (−1) never passes the
 * thresholds on MAPE alone; an export in which no model passes is an error
 * instead of an empty publication; upstream's HEAD crashed before writing
 * anything (`str / str` in `validator.py`).
 *
 * @module
 */
import { basename } from "node:path";
import {
  type CommitEntry,
  commitTogether,
  type RecoverResult,
} from "../io/commit.ts";
import { VersionLock } from "./_version_lock.ts";
import { exists, readTextFile } from "../io/read.ts";
import { collectDir, zipEntries } from "../io/zip.ts";
import {
  exportDocFile,
  exportFiguresFile,
  exportPipelineDir,
  exportPipelineZip,
  exportVersionDir,
  exportVersionReadme,
} from "../layout.ts";
import { figuresToHtml } from "../plot/html_report.ts";
import { modelSummaryFromCsv } from "../plot/model_summary.ts";
import type {
  WeightFile,
  WeightFormat,
} from "../pipeline/kepler_weight_file.ts";
import { writeExportedPipeline } from "../pipeline/write_exported_pipeline.ts";
import type { NodeTypeIndex } from "../pipeline/node_type_index.ts";
import {
  formatPipelineTime,
  type PipelineMetadata,
} from "../pipeline/pipeline_metadata.ts";
import {
  ENERGY_SOURCES,
  type EnergySource,
  type ErrorKey,
  OUTPUT_TYPES,
  type OutputType,
} from "../types.ts";
import {
  type ExportSkip,
  type ExportSource,
  readExportSource,
  type Selection,
  selectModels,
} from "./_export_models.ts";
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
import { checkThresholds, type ExportThresholds } from "./thresholds.ts";
import { versionReadme } from "./version_readme.ts";

export type { ExportSkip } from "./_export_models.ts";

/** Options of {@linkcode exportPipeline}. */
export interface ExportPipelineOptions {
  /** GitHub account of the publisher (required), e.g. `sunya-ch`. */
  publisher: string;
  /**
   * When the data was collected (required), as recorded: see
   * `collectTimeOfBenchmark` and `normalizeCollectDate`.
   */
  collectTime: string;
  /**
   * Body of the page's "Workload information" (`workloadContent`).
   *
   * @default {undefined} empty
   */
  workload?: string;
  /**
   * Thresholds.
   *
   * @default {undefined} upstream's (MAE 10, MAPE 20, hard 100)
   */
  thresholds?: Partial<ExportThresholds>;
  /**
   * Error that ranks models (`ERROR_KEY`).
   *
   * @default {"mae"}
   */
  errorKey?: ErrorKey;
  /**
   * Also write `<version>/<pipeline>.zip`.
   *
   * @default {false}
   */
  zip?: boolean;
  /**
   * kepler-model-db version folder.
   *
   * @default {"v0.7"}
   */
  version?: string;
  /**
   * Kepler version in the README title.
   *
   * @default {"0.7.11"}
   */
  keplerVersion?: string;
  /**
   * Base URL of the published `models` folder.
   *
   * @default {undefined} kepler-model-db's raw files
   */
  baseUrl?: string;
  /**
   * Write figures.html.
   *
   * @default {true}
   */
  figures?: boolean;
  /**
   * plotly.js source to inline (tests).
   *
   * @default {undefined} the installed plotly.js
   */
  plotlySource?: string;
  /**
   * Clock of `export_time` (tests).
   *
   * @default {undefined} () => new Date()
   */
  now?: () => Date;
  /**
   * The form of the `<Trainer>_<nt>.json` weight files: `"v0.7.12"` puts
   * `model_name` first, for Kepler v0.7.12 loading a file from a local path
   * (see `WEIGHT_FORMATS`).
   *
   * @default {undefined} `"v0.7.11"` (component keys only, as kepler-model-db publishes them; every Kepler v0.7.x reads it)
   */
  weightFormat?: WeightFormat;
  /**
   * Receives what was recovered from a killed earlier export into the same
   * version folder (a decided commit finished, temps removed), when
   * anything was.
   *
   * @default {undefined} none
   */
  onRecovered?: (recovered: RecoverResult) => void;
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

function checkPublisher(publisher: string): string {
  if (!/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/.test(publisher)) {
    throw new RangeError(
      `Invalid publisher "${publisher}": expected a GitHub account name (letters, digits and -, at most 39)`,
    );
  }
  return publisher;
}

/**
 * Exports a pipeline folder into a kepler-model-db `models` folder. Throws
 * (before writing anything) when the pipeline has no metadata, no node type
 * index or no model summary, a summary row is malformed, an archive is
 * corrupt, or no model passes the thresholds.
 *
 * @param pipelineFolder The trained pipeline folder, e.g.
 *   `<models>/std_v0.7.11`.
 * @param exportPath The kepler-model-db `models` folder to write into; the
 *   pipeline goes to `<exportPath>/<version>/<pipeline>/`, replacing an
 *   earlier export of it at once.
 * @param options The publisher and collect time (required), thresholds,
 *   ranking error, and what else to write.
 * @returns What was written: folders, exported and skipped models, the
 *   pages and notes.
 * @throws {RangeError} when the publisher, collect time or a threshold is
 *   invalid, a summary row is malformed, or no model passes the thresholds.
 * @throws {Deno.errors.NotFound} when the pipeline has no metadata.json, no
 *   node type index or no model summary.
 * @throws {TypeError} when metadata.json lacks a required field.
 * @throws {SyntaxError} when a pipeline file is not JSON or an archive is
 *   corrupt.
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
  const collectTime = checkCollectTime(options.collectTime);
  const versionDir = exportVersionDir(exportPath, version);
  // an existing version folder: locked and recovered before reading; a
  // new one is made only once everything is read and checked
  const lock = new VersionLock(versionDir);
  try {
    if (await exists(versionDir)) {
      const swept = await lock.take();
      if (swept.rolledForward.length + swept.removed.length > 0) {
        options.onRecovered?.(swept);
      }
    }
    return await exportLocked(pipelineFolder, lock, {
      ...options,
      thresholds,
      errorKey,
      publisher,
      collectTime,
    });
  } finally {
    await lock.release();
  }
}

/** The export proper, under the version folder's lock. */
async function exportLocked(
  pipelineFolder: string,
  lock: VersionLock,
  options: ExportPipelineOptions & {
    thresholds: ExportThresholds;
    errorKey: ErrorKey;
  },
): Promise<ExportReport> {
  const { thresholds, errorKey } = options;
  const version = options.version ?? "v0.7";
  const versionDir = lock.dir;
  const source = await readExportSource(pipelineFolder);
  const selection = await selectModels(source, errorKey, thresholds);
  const { metadata, index } = source;
  const name = metadata.name;
  const models = selection.kept.map((k) => k.model);
  const best = bestExportedModels(models, errorKey);
  const now = options.now ?? (() => new Date());
  const exported: PipelineMetadata = {
    ...metadata,
    publisher: options.publisher,
    collect_time: options.collectTime,
    export_time: formatPipelineTime(now()),
  };
  const exportDir = exportPipelineDir(versionDir, name);
  const page = exportPage(source, selection, best, options, thresholds);
  await lock.take(); // a new version folder: nothing to recover
  const docs = await versionFiles(versionDir, exported, options);
  const zip = options.zip ? exportPipelineZip(versionDir, name) : undefined;
  let zipBytes: Uint8Array | undefined;
  // folder, zip, README and page change together or not at all
  await commitTogether(versionDir, "export", [
    {
      kind: "dir",
      target: exportDir,
      fill: async (tmp) => {
        await writeExportDir(tmp, { exported, index, selection, best, page }, {
          version,
          ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}),
        }, options.weightFormat);
        if (zip !== undefined) zipBytes = zipEntries(await collectDir(tmp));
      },
    },
    ...(zip === undefined
      ? []
      : [{ kind: "file" as const, target: zip, content: () => zipBytes! }]),
    ...docs.entries,
  ]);
  const report: ExportReport = {
    pipeline: name,
    versionDir,
    exportDir,
    docPage: docs.docPage,
    docPageWritten: docs.docPageWritten,
    models,
    checked: selection.checked,
    skipped: selection.skipped,
    notes: [...selection.notes, ...page.notes, ...docs.notes],
  };
  if (page.html !== undefined) report.figures = exportFiguresFile(exportDir);
  if (zip !== undefined) report.zip = zip;
  return report;
}

function checkCollectTime(collectTime: string): string {
  if (collectTime.trim() === "" || /[|\r\n]/.test(collectTime)) {
    throw new RangeError(
      `Invalid collect time "${collectTime}": it must be non-empty, without "|" or line breaks`,
    );
  }
  return collectTime;
}

/** The figures page and the pipeline README of an export. */
interface ExportPage {
  html?: string;
  readme: string;
  notes: string[];
}

/** The figures' inputs: each summary's kept rows and BPFOnly weights. */
function figureInputs(selection: Selection) {
  return [...selection.tables.entries()].map(([key, { table, rows, path }]) => {
    const [src, outputType] = key.split("/") as [EnergySource, OutputType];
    const summary = modelSummaryFromCsv(
      { header: table.header, rows: rows.map((r) => r.cells) },
      { source: path },
    );
    const bpfWeights = new Map<string, WeightFile>();
    for (const r of rows) {
      if (r.model.featureGroup === "BPFOnly" && r.weight) {
        bpfWeights.set(r.model.modelName, r.weight);
      }
    }
    return { source: src, outputType, rows: summary, bpfWeights };
  });
}

/** The figures (when asked for and plotly.js is there). */
function exportFigureHtml(
  name: string,
  inputs: ReturnType<typeof figureInputs>,
  options: ExportPipelineOptions,
  notes: string[],
): { figures: ExportFigure[]; html?: string } {
  if (!(options.figures ?? true)) return { figures: [] };
  const figures = exportFigures(inputs);
  if (figures.length === 0) return { figures };
  try {
    const html = figuresToHtml(figures.map((f) => f.figure), {
      title: `${name}: exported models`,
      description:
        `Model metadata (MAE of the exported models) and power curves (best BPFOnly weight model per node type, evaluated as Kepler does) of pipeline ${name}.`,
      ...(options.plotlySource !== undefined
        ? { plotlySource: options.plotlySource }
        : {}),
    });
    return { figures, html };
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    notes.push(`figures not written: ${(error as Error).message}`);
    return { figures: [] };
  }
}

function exportPage(
  source: ExportSource,
  selection: Selection,
  best: ReturnType<typeof bestExportedModels>,
  options: ExportPipelineOptions,
  thresholds: ExportThresholds,
): ExportPage {
  const { index, metadata: { name } } = source;
  const notes: string[] = [];
  const inputs = figureInputs(selection);
  const { figures, html } = exportFigureHtml(name, inputs, options, notes);
  const figuresName = basename(exportFiguresFile(""));
  const link = (f: ExportFigure): FigureLink => ({
    label: f.label,
    href: `${figuresName}#plot-${figures.indexOf(f)}`,
  });
  const sections: ReadmeSection[] = [];
  for (const outputType of OUTPUT_TYPES) {
    for (const src of ENERGY_SOURCES) {
      if (!selection.tables.has(`${src}/${outputType}`)) continue;
      const curves = figures.filter((f) =>
        f.kind === "power_curve" && f.source === src &&
        f.outputType === outputType
      );
      sections.push({
        source: src,
        outputType,
        figures: curves.map(link),
        note: html === undefined
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
  return { ...(html === undefined ? {} : { html }), readme, notes };
}

/** Writes the export folder's files into `tmp`. */
async function writeExportDir(
  tmp: string,
  what: {
    exported: PipelineMetadata;
    index: NodeTypeIndex;
    selection: Selection;
    best: ReturnType<typeof bestExportedModels>;
    page: ExportPage;
  },
  urlOptions: { version: string; baseUrl?: string },
  weightFormat: WeightFormat | undefined,
): Promise<void> {
  const { exported, index, selection, best, page } = what;
  const summaries = [...selection.tables].map(([key, { table, rows }]) => {
    const [source, outputType] = key.split("/") as [EnergySource, OutputType];
    const header = table.header[0] === ""
      ? ["", "Unnamed: 0", ...table.header.slice(1)]
      : ["", ...table.header];
    return {
      source,
      outputType,
      header,
      rows: rows.map((r) => [r.position, ...r.cells]),
    };
  });
  const errorReports = new Map<number, string>();
  for (const [nodeType, byGroup] of best) {
    errorReports.set(
      nodeType,
      errorReport(
        { nodeType, attrs: index[String(nodeType)]!.attrs },
        byGroup,
        urlOptions,
      ),
    );
  }
  await writeExportedPipeline(tmp, {
    metadata: exported,
    nodeTypeIndex: index,
    summaries,
    models: selection.kept.map((k) => ({
      ...k.model,
      name: k.model.modelName,
      zip: k.zip,
      ...(k.weight ? { weight: k.weight } : {}),
    })),
    errorReports,
    ...(page.html === undefined ? {} : { figuresHtml: page.html }),
    readme: page.readme,
  }, weightFormat);
}

/** The pipeline page (unless it exists) and the version README, to commit. */
async function versionFiles(
  versionDir: string,
  exported: PipelineMetadata,
  options: ExportPipelineOptions,
): Promise<{
  docPage: string;
  docPageWritten: boolean;
  notes: string[];
  entries: CommitEntry[];
}> {
  const notes: string[] = [];
  const entries: CommitEntry[] = [];
  const docPage = exportDocFile(versionDir, exported.name);
  const docPageWritten = !(await exists(docPage));
  if (docPageWritten) {
    const text = pipelineDocPage(exported, options.workload ?? "");
    entries.push({ kind: "file", target: docPage, content: () => text });
  } else {
    notes.push(`kept the existing pipeline page ${docPage}`);
  }
  const readmePath = exportVersionReadme(versionDir);
  const existing = (await exists(readmePath))
    ? await readTextFile(readmePath)
    : undefined;
  const readme = versionReadme(existing, {
    name: exported.name,
    collectTime: exported.collect_time!,
    lastUpdateTime: exported.last_update_time,
    publisher: exported.publisher!,
  }, { version: options.version ?? "v0.7" });
  entries.push({ kind: "file", target: readmePath, content: () => readme });
  return { docPage, docPageWritten, notes, entries };
}
