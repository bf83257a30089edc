/**
 * `plot --target-data estimate`: predicted against measured power, over time
 * (with the prediction interval as a band) and as a scatter.
 *
 * @module
 */
import { type Component, COMPONENTS, powerColumn } from "../types.ts";
import { byTimestamp, type Combine } from "./_by_timestamp.ts";
import {
  AXIS_STYLE,
  baseLayout,
  cellTitle,
  componentColor,
  grid,
  jsonColumn,
  MEASURED_COLOR,
  round,
  sortComponents,
  utcLabel,
  withAlpha,
} from "./_style.ts";
import {
  powerIntervalColumns,
  predictedPowerColumn,
} from "./estimate_columns.ts";
import type { AxisValue, Figure, Trace } from "./figure.ts";
import type { PlotTable } from "./plot_table.ts";
import { meanAbsolutePercentageError } from "../train/metrics.ts";

/** Options of {@linkcode estimateFigure} and {@linkcode estimateScatterFigure}. */
export interface EstimateFigureOptions {
  /**
   * Figure title.
   *
   * @default {undefined} `"Estimated vs measured power over time"` and `"Estimated vs measured power"` for the scatter
   */
  title?: string;
  /**
   * Components to plot.
   *
   * @default {undefined} every component with both a measured `<c>_power` and a predicted `default_<c>_power` column
   */
  components?: readonly Component[];
  /**
   * Legend name of the band.
   *
   * @default {"prediction interval"}
   */
  intervalLabel?: string;
  /**
   * Height of each subplot's plot area in px.
   *
   * @default {undefined} 220 (300 for the scatter)
   */
  rowHeight?: number;
}

/** Colour of predictions. */
const PREDICTED_COLOR = "#1f77b4";

/** Errors of one component, shown in its subplot title. */
export interface EstimateStats {
  /** Points with both values finite. */
  n: number;
  /** Mean absolute error in W. */
  mae: number;
  /**
   * Mean absolute percentage error in % over the points measured at 1 W or
   * more (`meanAbsolutePercentageError` of lib/train, the same MAPE as a
   * model's metadata); absent when no point reaches 1 W.
   */
  mape?: number;
  /** Fraction of measured points inside [lo, hi], when bounds are given. */
  coverage?: number;
}

/**
 * MAE, MAPE and interval coverage of predictions against measurements,
 * over the points where both are finite (the MAPE over those measured at
 * 1 W or more).
 *
 * @example
 * ```ts
 * import { estimateStats } from "./estimate_figure.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * // 0.5 W is below the 1 W MAPE floor: MAPE = (2/8 + 4/16) / 2 = 25 %.
 * assertEquals(estimateStats([8, 16, 0.5], [10, 12, 1], { lo: [9, 11, 0], hi: [11, 13, 2] }),
 *   { n: 3, mae: 6.5 / 3, mape: 25, coverage: 1 / 3 });
 * ```
 */
export function estimateStats(
  measured: ArrayLike<number>,
  predicted: ArrayLike<number>,
  interval?: { lo: ArrayLike<number>; hi: ArrayLike<number> },
): EstimateStats {
  let n = 0, abs = 0, inside = 0;
  const ys: number[] = [], ps: number[] = [];
  for (let i = 0; i < measured.length; i++) {
    const y = measured[i]!, p = predicted[i]!;
    if (!Number.isFinite(y) || !Number.isFinite(p)) continue;
    n++;
    abs += Math.abs(y - p);
    ys.push(y);
    ps.push(p);
    if (interval && interval.lo[i]! <= y && y <= interval.hi[i]!) inside++;
  }
  const out: EstimateStats = { n, mae: n === 0 ? Number.NaN : abs / n };
  const mape = meanAbsolutePercentageError(ys, ps);
  if (mape >= 0) out.mape = mape;
  if (interval) out.coverage = n === 0 ? Number.NaN : inside / n;
  return out;
}

function statsText(s: EstimateStats): string {
  const parts = [`MAE ${round(s.mae, 2)} W`];
  if (s.mape !== undefined) parts.push(`MAPE ${round(s.mape, 1)} %`);
  if (s.coverage !== undefined) {
    parts.push(`${round(s.coverage * 100, 1)} % inside interval`);
  }
  return parts.join(", ");
}

/** One component's columns and stats. */
interface PreparedComponent {
  component: Component;
  measured: Float64Array;
  predicted: Float64Array;
  interval?: { lo: Float64Array; hi: Float64Array };
  stats: EstimateStats;
}

interface Prepared {
  x: string[];
  components: PreparedComponent[];
  combined: boolean;
}

function prepare(
  table: PlotTable,
  options: EstimateFigureOptions,
  what: string,
): Prepared {
  const has = (name: string) => table[name] !== undefined;
  const components = sortComponents(
    options.components ??
      COMPONENTS.filter(
        (c) => has(powerColumn(c)) && has(predictedPowerColumn(c)),
      ),
  );
  if (components.length === 0) {
    throw new RangeError(
      `Cannot plot ${what}: no component has both a <c>_power and a default_<c>_power column; columns are ${
        Object.keys(table).join(", ")
      }`,
    );
  }
  const combine: Record<string, Combine> = {};
  const withInterval = new Set<Component>();
  for (const c of components) {
    combine[powerColumn(c)] = "mean";
    combine[predictedPowerColumn(c)] = "sum";
    const { lo, hi } = powerIntervalColumns(c);
    if (has(lo) && has(hi)) {
      withInterval.add(c);
      combine[lo] = "sum";
      combine[hi] = "sum";
    }
  }
  const agg = byTimestamp(table, combine, what);
  return {
    x: agg.timestamp.map(utcLabel),
    combined: agg.combined,
    components: components.map((c) => {
      const measured = agg.columns[powerColumn(c)]!;
      const predicted = agg.columns[predictedPowerColumn(c)]!;
      const { lo, hi } = powerIntervalColumns(c);
      const interval = withInterval.has(c)
        ? { lo: agg.columns[lo]!, hi: agg.columns[hi]! }
        : undefined;
      return {
        component: c,
        measured,
        predicted,
        ...(interval ? { interval } : {}),
        stats: estimateStats(measured, predicted, interval),
      };
    }),
  };
}

function combinedNote(p: Prepared): string {
  return p.combined
    ? "<br><sup>rows of one timestamp combined: predictions summed, measured power averaged</sup>"
    : "";
}

/** The shaded prediction interval of one component: lower and upper bound. */
function intervalTraces(
  x: string[],
  interval: { lo: Float64Array; hi: Float64Array },
  on: { xaxis: string; yaxis: string },
  bandName: string,
  showBand: boolean,
): Trace[] {
  return [{
    type: "scatter",
    mode: "lines",
    name: bandName,
    x,
    y: jsonColumn(interval.lo),
    ...on,
    line: { width: 0, color: withAlpha(PREDICTED_COLOR, 0.25) },
    legendgroup: "interval",
    showlegend: false,
    hovertemplate: `lower bound: %{y:.2f} W<extra></extra>`,
  }, {
    type: "scatter",
    mode: "lines",
    name: bandName,
    x,
    y: jsonColumn(interval.hi),
    ...on,
    fill: "tonexty",
    fillcolor: withAlpha(PREDICTED_COLOR, 0.25),
    line: { width: 0, color: withAlpha(PREDICTED_COLOR, 0.25) },
    legendgroup: "interval",
    showlegend: showBand,
    hovertemplate: `upper bound: %{y:.2f} W<extra></extra>`,
  }];
}

/** The measured and predicted lines of one component. */
function powerLines(
  x: string[],
  comp: PreparedComponent,
  on: { xaxis: string; yaxis: string },
  first: boolean,
): Trace[] {
  return [{
    type: "scatter",
    mode: "lines",
    name: "measured",
    x,
    y: jsonColumn(comp.measured),
    ...on,
    line: { color: MEASURED_COLOR, width: 2 },
    legendgroup: "measured",
    showlegend: first,
    hovertemplate: `measured: %{y:.2f} W<extra></extra>`,
  }, {
    type: "scatter",
    mode: "lines",
    name: "predicted",
    x,
    y: jsonColumn(comp.predicted),
    ...on,
    line: { color: PREDICTED_COLOR, width: 2 },
    legendgroup: "predicted",
    showlegend: first,
    hovertemplate: `predicted: %{y:.2f} W<extra></extra>`,
  }];
}

/**
 * Predicted and measured power over time, one subplot per component, with
 * the prediction interval (`default_<c>_power_lo`/`_hi`, when both columns
 * exist) drawn as a shaded band; each subplot title gives MAE, MAPE and the
 * share of measured points inside the interval. Rows sharing a timestamp
 * are combined: predictions and bounds summed, measured power averaged.
 * Throws a `RangeError` when no component has both columns.
 *
 * @param table An estimation result (`estimation_result.csv` as a plot
 *   table): `timestamp` in unix seconds, measured `<c>_power` and predicted
 *   `default_<c>_power` in watts, and optionally the interval bounds.
 * @param options Title, components, band name and subplot height.
 * @returns A plotly figure with one time-series subplot per component.
 * @throws {RangeError} when no component has both a measured and a
 *   predicted column, or the timestamp column is missing, not numeric or
 *   of another length than a plotted column.
 *
 * @example
 * ```ts
 * import { estimateFigure } from "./estimate_figure.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const fig = estimateFigure({
 *   timestamp: [0, 3], package_power: [40, 60], default_package_power: [42, 57],
 *   default_package_power_lo: [38, 53], default_package_power_hi: [46, 61],
 * });
 * assertEquals(fig.data.map((t) => t.name), ["prediction interval", "prediction interval", "measured", "predicted"]);
 * assertEquals(fig.data[1]!.fill, "tonexty");
 * assertEquals((fig.layout.annotations as { text: string }[])[0]!.text,
 *   "package: MAE 2.5 W, MAPE 5 %, 100 % inside interval");
 * ```
 */
export function estimateFigure(
  table: PlotTable,
  options: EstimateFigureOptions = {},
): Figure {
  const p = prepare(table, options, "estimation result");
  const g = grid(p.components.length, { rowHeight: options.rowHeight ?? 220 });
  const layout = baseLayout(
    (options.title ?? "Estimated vs measured power over time") +
      combinedNote(p),
    g.height,
    g,
  );
  const bandName = options.intervalLabel ?? "prediction interval";
  const data: Trace[] = [];
  const annotations: Record<string, unknown>[] = [];
  let bandShown = false;
  p.components.forEach((comp, i) => {
    const cell = g.cells[i]!;
    const first = i === 0;
    layout[cell.xKey] = {
      ...AXIS_STYLE,
      type: "date",
      domain: cell.xDomain,
      anchor: cell.y,
      ...(first ? {} : { matches: "x" }),
      ...(i === p.components.length - 1
        ? { title: { text: "time (UTC)" } }
        : {}),
    };
    layout[cell.yKey] = {
      ...AXIS_STYLE,
      domain: cell.yDomain,
      anchor: cell.x,
      title: { text: `${comp.component} power (W)` },
    };
    annotations.push(
      cellTitle(cell, `${comp.component}: ${statsText(comp.stats)}`),
    );
    const on = { xaxis: cell.x, yaxis: cell.y };
    if (comp.interval) {
      data.push(
        ...intervalTraces(p.x, comp.interval, on, bandName, !bandShown),
      );
      bandShown = true;
    }
    data.push(...powerLines(p.x, comp, on, first));
  });
  layout.annotations = annotations;
  return { data, layout };
}

function finiteRange(...columns: ArrayLike<number>[]): [number, number] {
  let lo = Number.POSITIVE_INFINITY, hi = Number.NEGATIVE_INFINITY;
  for (const col of columns) {
    for (let i = 0; i < col.length; i++) {
      const v = col[i]!;
      if (!Number.isFinite(v)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  if (lo > hi) return [0, 1];
  const pad = hi > lo ? (hi - lo) * 0.05 : Math.max(1, Math.abs(hi) * 0.05);
  return [lo - pad, hi + pad];
}

/** Measured against predicted points, with the interval as error bars. */
function scatterTrace(
  comp: PreparedComponent,
  on: { xaxis: string; yaxis: string },
): Trace {
  const c = comp.component;
  const trace: Trace = {
    type: "scatter",
    mode: "markers",
    name: c,
    x: jsonColumn(comp.measured),
    y: jsonColumn(comp.predicted),
    ...on,
    marker: { color: componentColor(c), size: 6, opacity: 0.75 },
    hovertemplate:
      `measured %{x:.2f} W<br>predicted %{y:.2f} W<extra>${c}</extra>`,
  };
  if (comp.interval) {
    const up: AxisValue[] = [], down: AxisValue[] = [];
    for (let k = 0; k < comp.predicted.length; k++) {
      const v = comp.predicted[k]!;
      const hi = comp.interval.hi[k]! - v, lo = v - comp.interval.lo[k]!;
      up.push(Number.isFinite(hi) ? round(hi, 9) : null);
      down.push(Number.isFinite(lo) ? round(lo, 9) : null);
    }
    trace.error_y = {
      type: "data",
      symmetric: false,
      array: up,
      arrayminus: down,
      color: withAlpha(componentColor(c), 0.5),
      thickness: 1,
      width: 0,
    };
  }
  return trace;
}

/**
 * Measured against predicted power, one square-ish subplot per component
 * (two per row), with the line `predicted = measured` and the prediction
 * interval as vertical error bars when the bound columns exist. Both axes
 * of a subplot share one range, so distance from the diagonal is the
 * error. Throws a `RangeError` when no component has both columns.
 *
 * @param table An estimation result (`estimation_result.csv` as a plot
 *   table): `timestamp`, measured `<c>_power` and predicted
 *   `default_<c>_power` in watts, and optionally the interval bounds.
 * @param options Title, components and subplot height (the band name is
 *   not used here).
 * @returns A plotly figure with one scatter subplot per component and its
 *   diagonal.
 * @throws {RangeError} when no component has both a measured and a
 *   predicted column, or the timestamp column is missing, not numeric or
 *   of another length than a plotted column.
 *
 * @example
 * ```ts
 * import { estimateScatterFigure } from "./estimate_figure.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const fig = estimateScatterFigure({ timestamp: [0, 3], platform_power: [100, 120], default_platform_power: [104, 116] });
 * assertEquals(fig.data.map((t) => [t.name, t.x, t.y]), [
 *   ["platform", [100, 120], [104, 116]],
 *   ["predicted = measured", [99, 121], [99, 121]],
 * ]);
 * ```
 */
export function estimateScatterFigure(
  table: PlotTable,
  options: EstimateFigureOptions = {},
): Figure {
  const p = prepare(table, options, "estimation result");
  const g = grid(p.components.length, {
    columns: 2,
    rowHeight: options.rowHeight ?? 300,
    columnGap: 0.12,
  });
  const layout = baseLayout(
    (options.title ?? "Estimated vs measured power") + combinedNote(p),
    g.height,
    g,
  );
  const data: Trace[] = [];
  const annotations: Record<string, unknown>[] = [];
  p.components.forEach((comp, i) => {
    const cell = g.cells[i]!;
    const range = finiteRange(
      comp.measured,
      comp.predicted,
      ...(comp.interval ? [comp.interval.lo, comp.interval.hi] : []),
    ).map((v) => round(v, 6)) as [number, number];
    const c = comp.component;
    layout[cell.xKey] = {
      ...AXIS_STYLE,
      domain: cell.xDomain,
      anchor: cell.y,
      range,
      title: { text: `measured ${c} power (W)` },
    };
    layout[cell.yKey] = {
      ...AXIS_STYLE,
      domain: cell.yDomain,
      anchor: cell.x,
      range,
      title: { text: `predicted ${c} power (W)` },
    };
    annotations.push(cellTitle(cell, `${c}: ${statsText(comp.stats)}`));
    const on = { xaxis: cell.x, yaxis: cell.y };
    data.push(scatterTrace(comp, on), {
      type: "scatter",
      mode: "lines",
      name: "predicted = measured",
      x: range,
      y: range,
      ...on,
      line: { color: "#888888", width: 1, dash: "dash" },
      legendgroup: "diagonal",
      showlegend: i === 0,
      hoverinfo: "skip",
    });
  });
  layout.annotations = annotations;
  return { data, layout };
}
