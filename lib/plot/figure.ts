/**
 * The plotly figure JSON that every figure builder of `lib/plot` returns:
 * `{data, layout}` exactly as `Plotly.newPlot(div, data, layout)` takes it.
 * Values are plain JSON (arrays, numbers, strings, `null` for gaps), never
 * typed arrays, so `JSON.stringify(figure)` is the figure.
 *
 * @module
 */

/** A value on a plotly axis: a number, a category or date string, or a gap. */
export type AxisValue = number | string | null;

/**
 * One plotly trace (`scatter` or `bar`). Builders always set `type`, `name`,
 * `x` and `y`; other plotly attributes (`mode`, `line`, `marker`, `fill`,
 * `xaxis`, `yaxis`, `legendgroup`, ...) are kept as plain JSON.
 */
export interface Trace {
  /** Plotly trace type. */
  type: "scatter" | "bar";
  /** Legend entry. */
  name: string;
  /** Horizontal values. */
  x: AxisValue[];
  /** Vertical values. */
  y: AxisValue[];
  /** Any other plotly trace attribute. */
  [attribute: string]: unknown;
}

/**
 * A plotly layout. Builders always set the figure title and its height in
 * pixels (the HTML writer sizes each figure's `div` from it); other plotly
 * layout attributes (`xaxis`, `yaxis2`, `annotations`, ...) are plain JSON.
 */
export interface Layout {
  /** The figure title. */
  title: { text: string; [attribute: string]: unknown };
  /** Height in pixels. */
  height: number;
  /** Any other plotly layout attribute. */
  [attribute: string]: unknown;
}

/** A plotly figure: the arguments of `Plotly.newPlot(div, data, layout)`. */
export interface Figure {
  /** The traces, drawn in order. */
  data: Trace[];
  /** The layout. */
  layout: Layout;
}
