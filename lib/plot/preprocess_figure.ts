/**
 * `plot --target-data preprocess`: features and power over time from a
 * preprocessed (or extracted) table.
 *
 * @module
 */
import type { Component } from "../types.ts";
import { powerColumn } from "../types.ts";
import { byTimestamp, type Combine } from "./_by_timestamp.ts";
import {
  AXIS_STYLE,
  baseLayout,
  cellTitle,
  componentColor,
  FEATURE_COLOR,
  grid,
  jsonColumn,
  sortComponents,
  utcLabel,
} from "./_style.ts";
import { featureUnit } from "./feature_unit.ts";
import type { GridCell } from "./_style.ts";
import type { Figure, Trace } from "./figure.ts";
import {
  featureColumns,
  type PlotTable,
  powerColumnComponent,
} from "./plot_table.ts";

/** Options of {@linkcode preprocessFigure}. */
export interface PreprocessFigureOptions {
  /**
   * Figure title.
   *
   * @default {"Preprocessed data: power and features over time"}
   */
  title?: string;
  /**
   * Features to plot, in order.
   *
   * @default {undefined} every feature column of the table
   */
  features?: readonly string[];
  /**
   * Components whose `<c>_power` is plotted.
   *
   * @default {undefined} every `<c>_power` column
   */
  components?: readonly Component[];
  /**
   * Height of each subplot's plot area in px.
   *
   * @default {180}
   */
  rowHeight?: number;
}

/** The features and components to plot; a `RangeError` when there are none. */
function plottedColumns(
  table: PlotTable,
  options: PreprocessFigureOptions,
  what: string,
) {
  const features = options.features ?? featureColumns(table);
  const components = sortComponents(
    options.components ??
      Object.keys(table).map(powerColumnComponent).filter((c) =>
        c !== undefined
      ),
  );
  if (features.length === 0 && components.length === 0) {
    throw new RangeError(
      `Cannot plot ${what}: the table has no feature or <component>_power columns; columns are ${
        Object.keys(table).join(", ")
      }`,
    );
  }
  return { features, components };
}

/** Sets the time and value axes of panel `cellIndex` of `panels`. */
function timeAxes(
  layout: Figure["layout"],
  cell: GridCell,
  cellIndex: number,
  panels: number,
  yTitle: string,
): GridCell {
  const last = cellIndex === panels - 1;
  layout[cell.xKey] = {
    ...AXIS_STYLE,
    type: "date",
    domain: cell.xDomain,
    anchor: cell.y,
    ...(cellIndex === 0 ? {} : { matches: "x" }),
    ...(last ? { title: { text: "time (UTC)" } } : {}),
  };
  layout[cell.yKey] = {
    ...AXIS_STYLE,
    domain: cell.yDomain,
    anchor: cell.x,
    rangemode: "tozero",
    title: { text: yTitle },
  };
  return cell;
}

/**
 * Time series of a preprocessed table: one subplot with the measured power
 * of every component (W), then one subplot per feature in its unit
 * (per-second rates). Time is UTC on a shared axis. Rows sharing a
 * timestamp (container level) are combined as upstream aggregates to node
 * level: features summed, power averaged; the title says so. Throws a
 * `RangeError` when the table has neither power nor feature columns, or a
 * requested column is missing.
 *
 * @param table A preprocessed or extracted table: `timestamp` in unix
 *   seconds, feature columns and measured `<c>_power` columns in watts.
 * @param options Title, the features and components to plot, and subplot
 *   height.
 * @returns A plotly figure: the power subplot's traces (one per component,
 *   when there is power), then one trace per feature.
 * @throws {RangeError} when the table has neither feature nor power
 *   columns, has no numeric timestamp, or lacks a requested column.
 *
 * @example
 * ```ts
 * import { preprocessFigure } from "./preprocess_figure.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const fig = preprocessFigure({
 *   timestamp: [0, 3], bpf_cpu_time_ms: [100, 300], package_power: [40, 60], node_type: [0, 0],
 * });
 * assertEquals(fig.data.map((t) => [t.name, t.y]), [["package", [40, 60]], ["bpf_cpu_time_ms", [100, 300]]]);
 * assertEquals(fig.data[0]!.x, ["1970-01-01 00:00:00", "1970-01-01 00:00:03"]);
 * ```
 */
export function preprocessFigure(
  table: PlotTable,
  options: PreprocessFigureOptions = {},
): Figure {
  const what = "preprocessed data";
  const { features, components } = plottedColumns(table, options, what);
  const combine: Record<string, Combine> = {};
  for (const c of components) combine[powerColumn(c)] = "mean";
  for (const f of features) combine[f] = "sum";
  const agg = byTimestamp(table, combine, what);
  const x = agg.timestamp.map(utcLabel);

  const panels = (components.length > 0 ? 1 : 0) + features.length;
  const g = grid(panels, { rowHeight: options.rowHeight ?? 180 });
  let title = options.title ??
    "Preprocessed data: power and features over time";
  if (agg.combined) {
    title +=
      "<br><sup>rows of one timestamp combined: features summed, power averaged</sup>";
  }
  const layout = baseLayout(title, g.height, g);
  const annotations: Record<string, unknown>[] = [];
  const data: Trace[] = [];
  let panel = 0;
  const axes = (cellIndex: number, yTitle: string) =>
    timeAxes(layout, g.cells[cellIndex]!, cellIndex, panels, yTitle);
  if (components.length > 0) {
    const cell = axes(panel++, "power (W)");
    annotations.push(cellTitle(cell, "measured power"));
    for (const c of components) {
      data.push({
        type: "scatter",
        mode: "lines",
        name: c,
        x,
        y: jsonColumn(agg.columns[powerColumn(c)]!),
        xaxis: cell.x,
        yaxis: cell.y,
        line: { color: componentColor(c), width: 2 },
        hovertemplate: `${c}: %{y:.2f} W<extra></extra>`,
      });
    }
  }
  for (const f of features) {
    const unit = featureUnit(f);
    const cell = axes(panel++, unit === "" ? "value" : unit);
    annotations.push(cellTitle(cell, f));
    data.push({
      type: "scatter",
      mode: "lines",
      name: f,
      x,
      y: jsonColumn(agg.columns[f]!),
      xaxis: cell.x,
      yaxis: cell.y,
      showlegend: false,
      line: { color: FEATURE_COLOR, width: 1.5 },
      hovertemplate: `${f}: %{y:.4g} ${unit}<extra></extra>`,
    });
  }
  layout.annotations = annotations;
  return { data, layout };
}
