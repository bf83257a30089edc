/**
 * `plot --target-data error`: MAE and MAPE of every trained model, by
 * feature group and trainer.
 *
 * @module
 */
import { addBars, barSeries, emptyNote } from "./_bars.ts";
import { baseLayout, cellTitle, grid } from "./_style.ts";
import type { Figure, Trace } from "./figure.ts";
import { type ModelSummaryRow, rowsOfNodeType } from "./model_summary.ts";

/** Options of {@linkcode errorFigure}. */
export interface ErrorFigureOptions {
  /**
   * Figure title.
   *
   * @default {"Model errors by feature group and trainer"}
   */
  title?: string;
  /**
   * Only rows of this node type.
   *
   * @default {undefined} every row
   */
  nodeType?: number;
  /**
   * Height of each subplot's plot area in px.
   *
   * @default {260}
   */
  rowHeight?: number;
}

/**
 * Two grouped bar charts of the model summary: MAE (W) and MAPE (%), with
 * feature groups on the x axis and one bar per trainer (per model, with a
 * hatch pattern per node type, when a trainer has several node types in a
 * group). An undefined MAPE (−1) draws no bar. Throws a `RangeError` when
 * no row is left to plot.
 *
 * @param rows The model summary's rows (one per trained model), e.g. from
 *   `modelSummaryFromCsv`.
 * @param options Title, node type and subplot height.
 * @returns A plotly figure: the MAE subplot's traces, then the MAPE
 *   subplot's, one per trainer (or model) each.
 * @throws {RangeError} when there are no rows, or none of the node type
 *   asked for.
 *
 * @example
 * ```ts
 * import { errorFigure } from "./error_figure.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const row = (trainer: string, feature_group: string, mae: number, mape: number) =>
 *   ({ model_name: `${trainer}_0`, trainer, feature_group, mae, mape, node_type: 0 });
 * const fig = errorFigure([
 *   row("XgboostFitTrainer", "BPFOnly", 4, 8),
 *   row("SGDRegressorTrainer", "CounterOnly", 2, -1),
 *   row("SGDRegressorTrainer", "BPFOnly", 3, 6),
 * ]);
 * assertEquals(fig.data.map((t) => [t.name, t.x, t.y]), [
 *   ["XgboostFitTrainer", ["BPFOnly"], [4]],
 *   ["SGDRegressorTrainer", ["CounterOnly", "BPFOnly"], [2, 3]],
 *   ["XgboostFitTrainer", ["BPFOnly"], [8]],
 *   ["SGDRegressorTrainer", ["CounterOnly", "BPFOnly"], [null, 6]],
 * ]);
 * ```
 */
export function errorFigure(
  rows: readonly ModelSummaryRow[],
  options: ErrorFigureOptions = {},
): Figure {
  const selected = rowsOfNodeType(rows, options.nodeType, "model errors");
  const s = barSeries(selected);
  const g = grid(2, { rowHeight: options.rowHeight ?? 260, rowGap: 90 });
  const layout = baseLayout(
    options.title ?? "Model errors by feature group and trainer",
    g.height,
    g,
  );
  layout.barmode = "group";
  layout.bargap = 0.2;
  layout.bargroupgap = 0.05;
  const data: Trace[] = [];
  const [maeCell, mapeCell] = [g.cells[0]!, g.cells[1]!];
  const annotations: Record<string, unknown>[] = [
    cellTitle(maeCell, "MAE on the test set (max over components)"),
    cellTitle(mapeCell, "MAPE on the test set (max over components)"),
  ];
  addBars(s, maeCell, layout, data, {
    value: (r) => r.mae,
    hover: "MAE %{y:.2f} W",
    yTitle: "MAE (W)",
    showlegend: true,
    xTitle: false,
  });
  const anyMape = addBars(s, mapeCell, layout, data, {
    value: (r) => (r.mape < 0 ? null : r.mape),
    hover: "MAPE %{y:.2f} %",
    yTitle: "MAPE (%)",
    showlegend: false,
    xTitle: true,
  });
  if (!anyMape) {
    annotations.push(
      emptyNote(mapeCell, "MAPE is undefined for every model (−1)"),
    );
  }
  layout.annotations = annotations;
  return { data, layout };
}
