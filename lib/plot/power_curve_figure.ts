/**
 * `plot --target-data power_curve`: predicted power against the main
 * feature swept over `[0, max]`, one curve per node type. The predictors
 * come in as functions, so this module needs no model code.
 *
 * @module
 */
import type { Component } from "../types.ts";
import { AXIS_STYLE, baseLayout, grid, paletteColor, round } from "./_style.ts";
import { featureAxisTitle } from "./feature_unit.ts";
import type { Figure, Trace } from "./figure.ts";

/** One curve: a model of one node type and how it predicts. */
export interface PowerCurve {
  /** Node type of the model. */
  nodeType: number;
  /** Model shown in the legend, e.g. `SGDRegressorTrainer_0`. */
  model: string;
  /**
   * Upper end of the sweep, in the feature's unit: the largest value seen in
   * training (upstream uses the scaler's `max_abs_`). Finite and > 0.
   */
  max: number;
  /** Predicted power in W at a value of the main feature (others at 0). */
  predict: (x: number) => number;
}

/** Options of {@linkcode powerCurveFigure}. */
export interface PowerCurveFigureOptions {
  /**
   * Figure title.
   *
   * @default {"Power curves: best weight-support model per node type"}
   */
  title?: string;
  /**
   * The swept feature, for the x axis title.
   *
   * @default {undefined} `"bpf_cpu_time_ms"` (upstream's)
   */
  feature?: string;
  /**
   * The predicted component, for the y axis title.
   *
   * @default {undefined} none (`"predicted power (W)"`)
   */
  component?: Component;
  /**
   * Points per curve, evenly spaced from 0 to `max`; an integer ≥ 2.
   *
   * @default {21}
   */
  samples?: number;
  /**
   * Height of the plot area in px.
   *
   * @default {420}
   */
  height?: number;
}

const SYMBOLS = [
  "circle",
  "square",
  "triangle-up",
  "diamond",
  "triangle-down",
  "cross",
  "x",
  "star",
  "pentagon",
  "hexagon",
] as const;

/**
 * Predicted power against the main feature for each curve (sorted by node
 * type), each swept over `[0, max]` in `samples` even steps. Throws a
 * `RangeError` naming the curve when `max` is not a positive number or a
 * prediction is not finite, and when there are no curves.
 *
 * @param curves The models to sweep, one per node type, each with its
 *   sweep end and predictor.
 * @param options Title, swept feature and component (for the axis titles),
 *   points per curve and height.
 * @returns A plotly figure with one line trace per curve, by node type.
 * @throws {RangeError} when `samples` is not an integer ≥ 2, there are no
 *   curves, a curve's `max` is not a positive number, or a prediction is
 *   not finite.
 *
 * @example
 * ```ts
 * import { powerCurveFigure } from "./power_curve_figure.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const fig = powerCurveFigure(
 *   [{ nodeType: 0, model: "SGDRegressorTrainer_0", max: 100, predict: (x) => 50 + 0.5 * x }],
 *   { samples: 3, component: "package" },
 * );
 * assertEquals([fig.data[0]!.name, fig.data[0]!.x, fig.data[0]!.y], ["node type 0: SGDRegressorTrainer_0", [0, 50, 100], [50, 75, 100]]);
 * assertEquals((fig.layout.yaxis as { title: { text: string } }).title.text, "predicted package power (W)");
 * ```
 */
export function powerCurveFigure(
  curves: readonly PowerCurve[],
  options: PowerCurveFigureOptions = {},
): Figure {
  const samples = options.samples ?? 21;
  if (!Number.isInteger(samples) || samples < 2) {
    throw new RangeError(
      `Cannot plot power curves: samples must be an integer ≥ 2, got ${samples}`,
    );
  }
  if (curves.length === 0) {
    throw new RangeError(
      "Cannot plot power curves: no curves given (no weight-support model found?)",
    );
  }
  const feature = options.feature ?? "bpf_cpu_time_ms";
  const sorted = [...curves].sort((a, b) =>
    a.nodeType - b.nodeType || a.model.localeCompare(b.model, "en")
  );
  const data: Trace[] = sorted.map((curve, i) => {
    const where = `${curve.model} (node type ${curve.nodeType})`;
    if (!(Number.isFinite(curve.max) && curve.max > 0)) {
      throw new RangeError(
        `Cannot plot the power curve of ${where}: max must be a positive number, got ${curve.max}`,
      );
    }
    const x: number[] = [], y: number[] = [];
    for (let k = 0; k < samples; k++) {
      const v = Number(((curve.max * k) / (samples - 1)).toPrecision(12));
      const p = curve.predict(v);
      if (!Number.isFinite(p)) {
        throw new RangeError(
          `Cannot plot the power curve of ${where}: predict(${v}) returned ${p}`,
        );
      }
      x.push(v);
      y.push(round(p, 9));
    }
    return {
      type: "scatter",
      mode: "lines+markers",
      name: `node type ${curve.nodeType}: ${curve.model}`,
      x,
      y,
      line: { color: paletteColor(i), width: 2 },
      marker: {
        color: paletteColor(i),
        symbol: SYMBOLS[i % SYMBOLS.length],
        size: 7,
      },
      hovertemplate:
        `${feature} %{x:.4g}<br>%{y:.2f} W<extra>node type ${curve.nodeType}</extra>`,
    };
  });
  const g = grid(1, { rowHeight: options.height ?? 420 });
  const layout = baseLayout(
    options.title ?? "Power curves: best weight-support model per node type",
    g.height,
    g,
  );
  layout.xaxis = {
    ...AXIS_STYLE,
    rangemode: "tozero",
    title: { text: featureAxisTitle(feature) },
  };
  layout.yaxis = {
    ...AXIS_STYLE,
    title: {
      text: options.component === undefined
        ? "predicted power (W)"
        : `predicted ${options.component} power (W)`,
    },
  };
  return { data, layout };
}
