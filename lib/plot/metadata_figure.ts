/**
 * `plot --target-data metadata`: the pipeline's model metadata as bar
 * charts of MAE per feature group and trainer, one per component (as
 * upstream's metadata plot, but with each component's own `<c>_mae`).
 *
 * @module
 */
import { type Component, COMPONENTS } from "../types.ts";
import { addBars, barSeries } from "./_bars.ts";
import { baseLayout, cellTitle, grid } from "./_style.ts";
import type { Figure, Trace } from "./figure.ts";
import type { ModelSummaryRow } from "./model_summary.ts";

/** Options of {@linkcode metadataFigure}. */
export interface MetadataFigureOptions {
  /**
   * Figure title.
   *
   * @default {"Pipeline model metadata: MAE by feature group and trainer"}
   */
  title?: string;
  /**
   * Components, one subplot each, from the `<c>_mae` columns.
   *
   * @default {undefined} every component with a `<c>_mae` value in some row; when there is none, one subplot of the overall `mae`
   */
  components?: readonly Component[];
  /**
   * Height of each subplot's plot area in px.
   *
   * @default {240}
   */
  rowHeight?: number;
}

/**
 * Grouped bar charts of the model summary's MAE (W): one subplot per
 * component (`<c>_mae`), feature groups on the x axis, one bar per trainer
 * (or per model when a trainer has several node types). Throws a
 * `RangeError` when there are no rows.
 *
 * @param rows The model summary's rows (one per trained model), with the
 *   per-component `<c>_mae` columns when the summary has them.
 * @param options Title, components and subplot height.
 * @returns A plotly figure with one subplot of bars per component, in
 *   component order.
 * @throws {RangeError} when there are no rows.
 *
 * @example
 * ```ts
 * import { metadataFigure } from "./metadata_figure.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const fig = metadataFigure([
 *   { model_name: "SGDRegressorTrainer_0", trainer: "SGDRegressorTrainer", feature_group: "BPFOnly",
 *     mae: 5, mape: -1, package_mae: 5, dram_mae: 1.5 },
 * ]);
 * assertEquals(fig.data.map((t) => [t.name, t.y, t.yaxis]), [
 *   ["SGDRegressorTrainer", [5], "y"], ["SGDRegressorTrainer", [1.5], "y2"],
 * ]);
 * assertEquals((fig.layout.annotations as { text: string }[]).map((a) => a.text), ["package", "dram"]);
 * ```
 */
export function metadataFigure(
  rows: readonly ModelSummaryRow[],
  options: MetadataFigureOptions = {},
): Figure {
  if (rows.length === 0) {
    throw new RangeError(
      "Cannot plot pipeline model metadata: the model summary has no rows",
    );
  }
  const components = options.components ??
    COMPONENTS.filter((c) =>
      rows.some((r) => typeof r[`${c}_mae`] === "number")
    );
  const panels: {
    title: string;
    value: (r: ModelSummaryRow) => number | null;
  }[] = components.length === 0
    ? [{ title: "all components (max MAE)", value: (r) => r.mae }]
    : components.map((c) => ({
      title: c,
      value: (r) => {
        const v = r[`${c}_mae`];
        return typeof v === "number" ? v : null;
      },
    }));
  const s = barSeries(rows);
  const g = grid(panels.length, {
    rowHeight: options.rowHeight ?? 240,
    rowGap: 90,
  });
  const layout = baseLayout(
    options.title ??
      "Pipeline model metadata: MAE by feature group and trainer",
    g.height,
    g,
  );
  layout.barmode = "group";
  layout.bargap = 0.2;
  layout.bargroupgap = 0.05;
  const data: Trace[] = [];
  const annotations: Record<string, unknown>[] = [];
  panels.forEach((panel, i) => {
    const cell = g.cells[i]!;
    annotations.push(cellTitle(cell, panel.title));
    addBars(s, cell, layout, data, {
      value: panel.value,
      hover: "MAE %{y:.2f} W",
      yTitle: "MAE (W)",
      showlegend: i === 0,
      xTitle: i === panels.length - 1,
    });
  });
  layout.annotations = annotations;
  return { data, layout };
}
