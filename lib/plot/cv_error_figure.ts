/**
 * The error of every trained model on unseen time: per feature group and
 * trainer, the holdout error beside the blocked cross-validation error
 * with its spread over the folds, and the interval's coverage on unseen
 * folds and on the holdout against its nominal coverage.
 *
 * @module
 */
import { TRAINERS } from "../types.ts";
import { barSeries, emptyNote } from "./_bars.ts";
import {
  AXIS_STYLE,
  baseLayout,
  cellTitle,
  grid,
  type GridCell,
  PALETTE,
  round,
} from "./_style.ts";
import type { Figure, Layout, Trace } from "./figure.ts";
import {
  type ModelSummaryRow,
  rowsOfNodeType,
  summaryNodeType,
} from "./model_summary.ts";

/** Options of {@linkcode cvErrorFigure}. */
export interface CvErrorFigureOptions {
  /**
   * Figure title.
   *
   * @default {"Error on unseen time: holdout and blocked cross-validation"}
   */
  title?: string;
  /**
   * The error drawn: `mae` (W) or `mape` (%; an undefined −1 draws no bar).
   *
   * @default {"mae"}
   */
  error?: "mae" | "mape";
  /**
   * Only rows of this node type.
   *
   * @default {undefined} every row
   */
  nodeType?: number;
  /**
   * An error more than this many times the median error of its subplot is
   * off the scale: the axis ends above the other bars and their spread,
   * and the off-scale bar is cut there with its value written on it.
   *
   * @default {10}
   */
  outlierFactor?: number;
  /**
   * Height of each subplot's plot area in px.
   *
   * @default {240}
   */
  rowHeight?: number;
}

/** What the figure draws of one model. */
interface Entry {
  category: string;
  row: ModelSummaryRow;
  holdout: number | null;
  cv: number | null;
  std: number | null;
  folds: number | null;
  cvFailed: boolean;
  coverageCv: number | null;
  coverageHoldout: number | null;
  nominal: number | null;
}

const HOLDOUT_COLOR = "#9d9d9d";
const CV_COLOR = PALETTE[0];
const COVERAGE_HOLDOUT_COLOR = PALETTE[1];
const NOMINAL_COLOR = PALETTE[2];

function num(v: unknown): number | null {
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

/** A non-negative error, or null (upstream's −1 for an undefined MAPE). */
function errorValue(v: unknown): number | null {
  const n = num(v);
  return n !== null && n >= 0 ? n : null;
}

function percent(v: unknown): number | null {
  const n = num(v);
  return n === null ? null : round(100 * n, 4);
}

/** `GradientBoostingRegressorTrainer` → `GradientBoosting`. */
function shortTrainer(trainer: string): string {
  return trainer.replace(/Trainer$/, "").replace(
    /(Regressor|Regression)$/,
    "",
  ) ||
    trainer;
}

function entryOf(
  row: ModelSummaryRow,
  category: string,
  error: "mae" | "mape",
): Entry {
  const folds = num(row.cv_folds);
  const cvFailed = typeof row.cv_failed === "string";
  const hasCv = folds !== null && folds > 0 && !cvFailed;
  return {
    category,
    row,
    holdout: errorValue(row[error]),
    cv: hasCv ? errorValue(row[`cv_${error}`]) : null,
    std: hasCv ? errorValue(row[`cv_${error}_std`]) : null,
    folds: hasCv ? folds : null,
    cvFailed,
    coverageCv: percent(row.interval_coverage_cv),
    coverageHoldout: percent(row.interval_coverage_holdout),
    nominal: percent(row.interval_coverage),
  };
}

/** The entries of one feature group, in trainer order. */
function groupEntries(
  rows: readonly ModelSummaryRow[],
  error: "mae" | "mape",
): Entry[] {
  const rank = (t: string) => {
    const i = (TRAINERS as readonly string[]).indexOf(t);
    return i < 0 ? TRAINERS.length : i;
  };
  const sorted = [...rows].sort((a, b) =>
    rank(a.trainer) - rank(b.trainer) ||
    a.trainer.localeCompare(b.trainer, "en") ||
    (summaryNodeType(a) ?? -1) - (summaryNodeType(b) ?? -1)
  );
  const count = new Map<string, number>();
  for (const r of sorted) count.set(r.trainer, (count.get(r.trainer) ?? 0) + 1);
  return sorted.map((r) =>
    entryOf(
      r,
      count.get(r.trainer)! > 1
        ? `${shortTrainer(r.trainer)}_${summaryNodeType(r) ?? "?"}`
        : shortTrainer(r.trainer),
      error,
    )
  );
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * The top of an error axis: 10 % above the highest bar and spread that is
 * on the scale (not over `factor` times the median error).
 */
function errorAxisTop(entries: readonly Entry[], factor: number): number {
  const values = entries.flatMap((e) => [e.holdout, e.cv]).filter((
    v,
  ): v is number => v !== null);
  if (values.length === 0) return 1;
  const limit = factor * median(values);
  let top = 0;
  for (const e of entries) {
    if (e.holdout !== null && e.holdout <= limit) {
      top = Math.max(top, e.holdout);
    }
    if (e.cv !== null && e.cv <= limit) {
      top = Math.max(top, e.cv + (e.std ?? 0));
    }
  }
  return round(1.1 * (top > 0 ? top : Math.max(...values)), 6);
}

function formatValue(v: number): string {
  return Math.abs(v) >= 1e4
    ? v.toExponential(1).replace("e+", "e")
    : v.toFixed(v >= 100 ? 0 : 1);
}

/** Which of the two bars of a category: −1 holdout, +1 CV. */
function barNote(
  cell: GridCell,
  index: number,
  side: -1 | 1,
  y: number,
  text: string,
): Record<string, unknown> {
  return {
    text,
    // grouped bars with bargap 0.2: two bars of 0.4 around each category
    x: round(index + side * 0.2, 6),
    y,
    xref: cell.x,
    yref: cell.y,
    textangle: -90,
    xanchor: "center",
    yanchor: y > 0 ? "top" : "bottom",
    showarrow: false,
    // white on a cut bar's top (dark grey or blue), dark on the axis
    font: { size: 10, color: y > 0 ? "#ffffff" : "#222222" },
  };
}

interface CellContext {
  entries: Entry[];
  cell: GridCell;
  layout: Layout;
  data: Trace[];
  annotations: Record<string, unknown>[];
  legend: boolean;
}

function categoryAxis(c: CellContext, xTitle: boolean): void {
  c.layout[c.cell.xKey] = {
    ...AXIS_STYLE,
    type: "category",
    categoryorder: "array",
    categoryarray: c.entries.map((e) => e.category),
    tickangle: -40,
    domain: c.cell.xDomain,
    anchor: c.cell.y,
    ...(xTitle ? { title: { text: "trainer" } } : {}),
  };
}

function errorCell(
  c: CellContext,
  error: "mae" | "mape",
  factor: number,
): void {
  const unit = error === "mae" ? "W" : "%";
  const label = error.toUpperCase();
  const x = c.entries.map((e) => e.category);
  const names = c.entries.map((e) => e.row.model_name);
  const common = { xaxis: c.cell.x, yaxis: c.cell.y, showlegend: c.legend };
  c.data.push({
    type: "bar",
    name: `holdout ${label}`,
    x,
    y: c.entries.map((e) => e.holdout),
    marker: { color: HOLDOUT_COLOR, line: { color: "#333333", width: 0.5 } },
    customdata: names,
    hovertemplate:
      `%{customdata}<br>holdout ${label} %{y:.2f} ${unit}<extra></extra>`,
    legendgroup: "holdout",
    ...common,
  }, {
    type: "bar",
    name: `blocked-CV ${label} (mean ± std over folds)`,
    x,
    y: c.entries.map((e) => e.cv),
    error_y: {
      type: "data",
      array: c.entries.map((e) => e.std),
      visible: true,
      color: "#222222",
      thickness: 1.2,
      width: 3,
    },
    marker: { color: CV_COLOR, line: { color: "#333333", width: 0.5 } },
    customdata: c.entries.map((e) => [e.row.model_name, e.std, e.folds]),
    hovertemplate: `%{customdata[0]}<br>CV ${label} %{y:.2f} ± ` +
      `%{customdata[1]:.2f} ${unit} over %{customdata[2]} folds<extra></extra>`,
    legendgroup: "cv",
    ...common,
  });
  const top = errorAxisTop(c.entries, factor);
  c.entries.forEach((e, i) => {
    if (e.holdout !== null && e.holdout > top) {
      c.annotations.push(barNote(c.cell, i, -1, top, formatValue(e.holdout)));
    }
    if (e.cv !== null && e.cv > top) {
      c.annotations.push(barNote(c.cell, i, 1, top, formatValue(e.cv)));
    }
    if (e.cvFailed) c.annotations.push(barNote(c.cell, i, 1, 0, "CV failed"));
  });
  if (c.entries.every((e) => e.cv === null && !e.cvFailed)) {
    c.annotations.push(
      emptyNote(c.cell, "no blocked CV (trained with --cv-folds 0)"),
    );
  }
  categoryAxis(c, true);
  c.layout[c.cell.yKey] = {
    ...AXIS_STYLE,
    domain: c.cell.yDomain,
    anchor: c.cell.x,
    range: [0, top],
    title: { text: `${label} (${unit})` },
  };
}

function coverageCell(c: CellContext): void {
  const x = c.entries.map((e) => e.category);
  const names = c.entries.map((e) => e.row.model_name);
  const common = { xaxis: c.cell.x, yaxis: c.cell.y, showlegend: c.legend };
  const points = (
    name: string,
    y: (e: Entry) => number | null,
    color: string,
    symbol: string,
  ): Trace => ({
    type: "scatter",
    mode: "markers",
    name,
    x,
    y: c.entries.map(y),
    marker: { color, symbol, size: 9, line: { color: "#333333", width: 0.5 } },
    customdata: names,
    hovertemplate: `%{customdata}<br>${name} %{y:.1f} %<extra></extra>`,
    legendgroup: name,
    ...common,
  });
  c.data.push(
    points("coverage on unseen folds", (e) => e.coverageCv, CV_COLOR, "circle"),
    points(
      "coverage on the holdout",
      (e) => e.coverageHoldout,
      COVERAGE_HOLDOUT_COLOR,
      "diamond",
    ),
    {
      type: "scatter",
      mode: "lines",
      name: "nominal coverage",
      x,
      y: c.entries.map((e) => e.nominal),
      line: { color: NOMINAL_COLOR, dash: "dash", width: 1.5 },
      hovertemplate: "nominal %{y:.0f} %<extra></extra>",
      legendgroup: "nominal",
      ...common,
    },
  );
  const values = c.entries.flatMap((e) => [
    e.coverageCv,
    e.coverageHoldout,
    e.nominal,
  ]).filter((v): v is number => v !== null);
  if (
    c.entries.every((e) => e.coverageCv === null && e.coverageHoldout === null)
  ) {
    c.annotations.push(
      emptyNote(c.cell, "no coverage measured on unseen rows"),
    );
  }
  categoryAxis(c, true);
  c.layout[c.cell.yKey] = {
    ...AXIS_STYLE,
    domain: c.cell.yDomain,
    anchor: c.cell.x,
    range: [
      values.length === 0
        ? 0
        : Math.max(0, Math.floor(Math.min(...values) - 5)),
      102,
    ],
    title: { text: "coverage (%)" },
  };
}

/**
 * Per feature group, two subplots side by side: the holdout error and the
 * blocked cross-validation error of every trainer as bars, the CV bar with
 * an error bar of its standard deviation over the folds (`cv_mae` ±
 * `cv_mae_std`, or the MAPE pair); and the coverage of the model's interval
 * on unseen folds (`interval_coverage_cv`) and on the holdout
 * (`interval_coverage_holdout`) as points against the nominal coverage
 * (`interval_coverage`, a dashed line), in %. A model without CV figures
 * (trained with `--cv-folds 0`) draws no CV bar; one whose CV failed
 * (`cv_failed`) is marked "CV failed". Errors far above the rest (see
 * `outlierFactor`) are cut at the axis top and written on the bar. Throws
 * a `RangeError` when no row is left to plot.
 *
 * @param rows The model summary's rows, e.g. from
 *   `modelSummaryFromMetadata` or `modelSummaryFromCsv`.
 * @param options Title, error, node type, outlier factor, subplot height.
 * @returns A plotly figure: for each feature group (in vocabulary order)
 *   the holdout bars, the CV bars (with `error_y`), the coverage on unseen
 *   folds, the coverage on the holdout and the nominal coverage.
 * @throws {RangeError} when there are no rows, or none of the node type
 *   asked for.
 *
 * @example
 * ```ts
 * import { cvErrorFigure } from "./cv_error_figure.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const fig = cvErrorFigure([{ model_name: "SGDRegressorTrainer_0",
 *   trainer: "SGDRegressorTrainer", feature_group: "BPFOnly", mae: 4, mape: 9,
 *   cv_folds: 3, cv_mae: 5, cv_mae_std: 1.5, interval_coverage: 0.9,
 *   interval_coverage_cv: 0.88, interval_coverage_holdout: 0.93 }]);
 * assertEquals(fig.data.map((t) => [t.name, t.x, t.y]), [
 *   ["holdout MAE", ["SGD"], [4]],
 *   ["blocked-CV MAE (mean ± std over folds)", ["SGD"], [5]],
 *   ["coverage on unseen folds", ["SGD"], [88]],
 *   ["coverage on the holdout", ["SGD"], [93]],
 *   ["nominal coverage", ["SGD"], [90]],
 * ]);
 * assertEquals((fig.data[1]!.error_y as { array: number[] }).array, [1.5]);
 * ```
 */
export function cvErrorFigure(
  rows: readonly ModelSummaryRow[],
  options: CvErrorFigureOptions = {},
): Figure {
  const selected = rowsOfNodeType(
    rows,
    options.nodeType,
    "cross-validated errors",
  );
  const error = options.error ?? "mae";
  const groups = barSeries(selected).groups;
  const g = grid(2 * groups.length, {
    columns: 2,
    rowHeight: options.rowHeight ?? 240,
    rowGap: 150,
    columnGap: 0.12,
    bottom: 130,
  });
  const layout = baseLayout(
    options.title ??
      "Error on unseen time: holdout and blocked cross-validation",
    g.height,
    g,
  );
  layout.barmode = "group";
  layout.bargap = 0.2;
  layout.bargroupgap = 0;
  const data: Trace[] = [];
  const annotations: Record<string, unknown>[] = [];
  groups.forEach((group, i) => {
    const entries = groupEntries(
      selected.filter((r) => r.feature_group === group),
      error,
    );
    const folds = [...new Set(entries.flatMap((e) => e.folds ?? []))];
    const k = folds.length === 1 ? `${folds[0]}-fold ` : "";
    const [errorAt, coverageAt] = [g.cells[2 * i]!, g.cells[2 * i + 1]!];
    annotations.push(
      cellTitle(
        errorAt,
        `${group} ${error.toUpperCase()}: holdout, ${k}CV ± std`,
      ),
      cellTitle(coverageAt, `${group}: interval coverage on unseen rows`),
    );
    const base = { entries, layout, data, annotations, legend: i === 0 };
    errorCell({ ...base, cell: errorAt }, error, options.outlierFactor ?? 10);
    coverageCell({ ...base, cell: coverageAt });
  });
  layout.annotations = annotations;
  return { data, layout };
}
