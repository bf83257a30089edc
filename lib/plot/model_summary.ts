/**
 * The rows of a pipeline's model summary
 * (`<source>_<AbsPower|DynPower>_model_metadata.csv`) as the error,
 * metadata and power-curve figures read them, from the CSV or from the
 * train stage's metadata objects, and the choice of the best weight-support
 * model per node type.
 *
 * @module
 */
import type { CsvTable } from "../io/mod.ts";
import { modelNodeType, rankingError } from "../pipeline/model_metadata.ts";
import type { SummaryRow } from "../pipeline/pipeline_metadata.ts";
import {
  type FeatureGroup,
  type TrainerName,
  WEIGHT_SUPPORT_TRAINERS,
} from "../types.ts";

/**
 * One model of the summary, keyed by upstream's column names. `mape` is
 * `-1` when undefined (as upstream writes it); per-component errors are
 * `<c>_mae` and `<c>_mape`.
 */
export interface ModelSummaryRow {
  /** `<Trainer>_<node type>`. */
  model_name: string;
  /** Trainer name. */
  trainer: string;
  /** Feature group the model was trained on. */
  feature_group: string;
  /** Max over components of the test MAE, W. */
  mae: number;
  /** Max over components of the test MAPE, %, or −1 when undefined. */
  mape: number;
  /** Node type, when the pipeline's index knows it. */
  node_type?: number;
  /** Other columns: `<c>_mae`, `<c>_mape`, `features`, ... */
  [column: string]: unknown;
}

/** Options of {@linkcode modelSummaryFromCsv}. */
export interface ModelSummaryFromCsvOptions {
  /**
   * Where the CSV came from, for error messages.
   *
   * @default {"model summary"}
   */
  source?: string;
}

const NUMERIC = (name: string) =>
  name === "mae" || name === "mape" || name === "node_type" ||
  name === "cv_folds" || name.endsWith("_std") ||
  name.startsWith("interval_coverage") ||
  name.endsWith("_mae") || name.endsWith("_mape") || name.endsWith("_mse") ||
  name.endsWith("_r2");

/**
 * Reads the rows of a model summary CSV table. Error, interval coverage
 * and `node_type` columns become numbers (an empty cell is left out);
 * other columns stay text; pandas' index column is dropped. Throws a `RangeError` naming the
 * file when `model_name`, `trainer`, `feature_group` or `mae` is missing,
 * or a number cell is not a number.
 *
 * @param table The parsed summary CSV: a header and rows of text cells.
 * @param options Where the CSV came from, for error messages.
 * @returns One row per CSV row, in file order; `mape` is −1 when the
 *   column is absent.
 * @throws {RangeError} when a required column is missing, a number cell is
 *   not a number, or a row has no `mae`.
 *
 * @example
 * ```ts
 * import { modelSummaryFromCsv } from "./model_summary.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const rows = modelSummaryFromCsv({
 *   header: ["", "model_name", "trainer", "mae", "mape", "node_type", "package_mae", "feature_group"],
 *   rows: [["0", "SGDRegressorTrainer_0", "SGDRegressorTrainer", "2.5", "-1", "0", "2.5", "BPFOnly"]],
 * });
 * assertEquals(rows, [{ model_name: "SGDRegressorTrainer_0", trainer: "SGDRegressorTrainer", mae: 2.5,
 *   mape: -1, node_type: 0, package_mae: 2.5, feature_group: "BPFOnly" }]);
 * ```
 */
export function modelSummaryFromCsv(
  table: CsvTable,
  options: ModelSummaryFromCsvOptions = {},
): ModelSummaryRow[] {
  const source = options.source ?? "model summary";
  for (const required of ["model_name", "trainer", "feature_group", "mae"]) {
    if (!table.header.includes(required)) {
      throw new RangeError(
        `Cannot read ${source}: column ${required} is missing; columns are ${
          table.header.join(", ")
        }`,
      );
    }
  }
  return table.rows.map((cells, i) => {
    const row: Record<string, unknown> = {};
    table.header.forEach((name, j) => {
      if (name === "" || name === "Unnamed: 0") return;
      const cell = (cells[j] ?? "").trim();
      if (!NUMERIC(name)) {
        row[name] = cell;
        return;
      }
      if (cell === "") return;
      const value = cell === "nan" ? Number.NaN : Number(cell);
      if (Number.isNaN(value) && cell !== "nan") {
        throw new RangeError(
          `Cannot read ${source}: row ${
            i + 1
          } has ${name} "${cell}", not a number`,
        );
      }
      row[name] = value;
    });
    if (row.mape === undefined) row.mape = -1;
    if (typeof row.mae !== "number") {
      throw new RangeError(`Cannot read ${source}: row ${i + 1} has no mae`);
    }
    return row as ModelSummaryRow;
  });
}

/**
 * The summary rows of the train stage's metadata (what
 * `modelMetadataTable` writes), without going through CSV.
 *
 * @param rows Each trained model's metadata with its feature group.
 * @returns One summary row per model, in the given order: its metadata
 *   fields plus `feature_group`.
 *
 * @example
 * ```ts
 * import { modelSummaryFromMetadata } from "./model_summary.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const metadata = { model_name: "SGDRegressorTrainer_0", trainer: "SGDRegressorTrainer" as const,
 *   model_class: "scikit" as const, model_file: "SGDRegressorTrainer_0.json", features: ["a"], fe_files: [],
 *   output_type: "AbsPower" as const, mae: 3, mape: 4, node_type: 0 };
 * const [row] = modelSummaryFromMetadata([{ metadata, featureGroup: "BPFOnly" }]);
 * assertEquals([row!.feature_group, row!.mae, row!.node_type], ["BPFOnly", 3, 0]);
 * ```
 */
export function modelSummaryFromMetadata(
  rows: readonly SummaryRow[],
): ModelSummaryRow[] {
  return rows.map((r) => ({ ...r.metadata, feature_group: r.featureGroup }));
}

/**
 * The node type of a summary row: its `node_type`, else (an old summary
 * without the column) the node type its model is named with
 * (`modelNodeType`), else undefined.
 *
 * @example
 * ```ts
 * import { summaryNodeType } from "./model_summary.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(summaryNodeType({ model_name: "X_3", trainer: "X", feature_group: "BPFOnly", mae: 1, mape: -1 }), 3);
 * ```
 */
export function summaryNodeType(row: ModelSummaryRow): number | undefined {
  return modelNodeType(row, row.model_name);
}

/** Options of {@linkcode bestWeightSupportModels}. */
export interface BestModelOptions {
  /** Feature group the models must be trained on. Default: `"BPFOnly"` (upstream's power curve). */
  featureGroup?: FeatureGroup;
  /** Trainers considered. Default: the weight-support trainers (`WEIGHT_SUPPORT_TRAINERS`). */
  trainers?: readonly TrainerName[];
}

/**
 * For each node type, the row of the lowest `mae` among the weight-support
 * trainers in one feature group (upstream's choice for its power curve;
 * the blocked cross-validation `cv_mae` when the row has one, as every
 * stage ranks),
 * sorted by node type; ties keep the earlier row. Rows without a node type
 * are not considered.
 *
 * @example
 * ```ts
 * import { bestWeightSupportModels } from "./model_summary.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const row = (model_name: string, trainer: string, mae: number, node_type: number) =>
 *   ({ model_name, trainer, feature_group: "BPFOnly", mae, mape: -1, node_type });
 * const best = bestWeightSupportModels([
 *   row("SGDRegressorTrainer_1", "SGDRegressorTrainer", 5, 1),
 *   row("XgboostFitTrainer_0", "XgboostFitTrainer", 1, 0),
 *   row("LogisticRegressionTrainer_0", "LogisticRegressionTrainer", 4, 0),
 *   row("SGDRegressorTrainer_0", "SGDRegressorTrainer", 3, 0),
 * ]);
 * assertEquals(best.map((r) => r.model_name), ["SGDRegressorTrainer_0", "SGDRegressorTrainer_1"]);
 * ```
 */
export function bestWeightSupportModels(
  rows: readonly ModelSummaryRow[],
  options: BestModelOptions = {},
): ModelSummaryRow[] {
  const group = options.featureGroup ?? "BPFOnly";
  const trainers: readonly string[] = options.trainers ??
    WEIGHT_SUPPORT_TRAINERS;
  const best = new Map<number, ModelSummaryRow>();
  for (const row of rows) {
    if (row.feature_group !== group || !trainers.includes(row.trainer)) {
      continue;
    }
    const nodeType = summaryNodeType(row);
    if (nodeType === undefined || !Number.isFinite(row.mae)) continue;
    const current = best.get(nodeType);
    if (
      current === undefined ||
      rankingError(row, "mae") < rankingError(current, "mae")
    ) {
      best.set(nodeType, row);
    }
  }
  return [...best.entries()].sort((a, b) => a[0] - b[0]).map(([, r]) => r);
}

/**
 * The summary rows of one node type (all rows when none is given); throws
 * when none is left, naming what was to be plotted.
 *
 * @param rows The summary rows.
 * @param nodeType The node type to keep.
 * @param what What the caller plots, for the message (e.g. "model errors").
 * @returns The rows of that node type, in order.
 * @throws {RangeError} when no row is left.
 *
 * @example
 * ```ts
 * import { rowsOfNodeType } from "./model_summary.ts";
 * import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
 * const rows = [{ model_name: "A_0", trainer: "A", feature_group: "BPFOnly", mae: 1, mape: -1, node_type: 0 }];
 * assertEquals(rowsOfNodeType(rows, 0, "x").length, 1);
 * assertThrows(() => rowsOfNodeType(rows, 1, "x"), /no summary rows of node type 1 \(got 1 rows\)/);
 * ```
 */
export function rowsOfNodeType(
  rows: readonly ModelSummaryRow[],
  nodeType: number | undefined,
  what: string,
): readonly ModelSummaryRow[] {
  const selected = nodeType === undefined
    ? rows
    : rows.filter((r) => summaryNodeType(r) === nodeType);
  if (selected.length === 0) {
    throw new RangeError(
      `Cannot plot ${what}: no summary rows${
        nodeType === undefined ? "" : ` of node type ${nodeType}`
      } (got ${rows.length} rows)`,
    );
  }
  return selected;
}
