/**
 * Shared look of the figures (private to lib/plot): colours, the base
 * layout, a subplot grid in pixels, and JSON-safe value helpers.
 *
 * @module
 */
import {
  type Component,
  COMPONENTS,
  ENSEMBLE_TRAINER,
  UPSTREAM_TRAINERS,
} from "../types.ts";
import type { AxisValue, Layout } from "./figure.ts";

/** Tableau 10: ten qualitative colours that stay apart on white. */
export const PALETTE = [
  "#4e79a7",
  "#f28e2b",
  "#e15759",
  "#76b7b2",
  "#59a14f",
  "#edc948",
  "#b07aa1",
  "#ff9da7",
  "#9c755f",
  "#bab0ac",
] as const;

/** Colour of feature lines (each feature has its own subplot). */
export const FEATURE_COLOR = "#2a7f62";

/** Colour of measured values (near black, so predictions stand out). */
export const MEASURED_COLOR = "#333333";

/** Colour of EnsembleTrainer (the ten upstream trainers take the palette). */
export const ENSEMBLE_COLOR = "#1b3a5c";

const COMPONENT_COLORS: Readonly<Record<Component, string>> = {
  package: "#4e79a7",
  core: "#f28e2b",
  uncore: "#59a14f",
  dram: "#b07aa1",
  platform: "#e15759",
};

/** Fixed colour of a power component (the same in every figure). */
export function componentColor(component: Component): string {
  return COMPONENT_COLORS[component];
}

/** The i-th palette colour, cycling. */
export function paletteColor(i: number): string {
  return PALETTE[((i % PALETTE.length) + PALETTE.length) % PALETTE.length]!;
}

/**
 * Fixed colour of a trainer (by its place in UPSTREAM_TRAINERS; the
 * ensemble its own); others by name.
 */
export function trainerColor(trainer: string): string {
  if (trainer === ENSEMBLE_TRAINER) return ENSEMBLE_COLOR;
  const i = (UPSTREAM_TRAINERS as readonly string[]).indexOf(trainer);
  if (i >= 0) return paletteColor(i);
  let h = 0;
  for (const ch of trainer) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return paletteColor(h);
}

/** `#rrggbb` with an alpha, as `rgba(r,g,b,a)`. */
export function withAlpha(hex: string, alpha: number): string {
  const n = Number.parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${alpha})`;
}

/** Components in vocabulary order. */
export function sortComponents(cs: Iterable<Component>): Component[] {
  const set = new Set(cs);
  return COMPONENTS.filter((c) => set.has(c));
}

/** Font stack: DejaVu Sans is what Debian's Chromium has. */
export const FONT_FAMILY = "DejaVu Sans, Arial, Helvetica, sans-serif";

/** Style of every axis. */
export const AXIS_STYLE = {
  showline: true,
  linecolor: "#444444",
  gridcolor: "#e3e3e3",
  zeroline: false,
  ticks: "outside",
  tickcolor: "#444444",
  automargin: true,
} as const;

/** One cell of a subplot grid. */
export interface GridCell {
  /** Trace `xaxis` reference: `x`, `x2`, ... */
  x: string;
  /** Trace `yaxis` reference: `y`, `y2`, ... */
  y: string;
  /** Layout key of the x axis: `xaxis`, `xaxis2`, ... */
  xKey: string;
  /** Layout key of the y axis. */
  yKey: string;
  /** Horizontal paper domain. */
  xDomain: [number, number];
  /** Vertical paper domain. */
  yDomain: [number, number];
}

/** Options of {@linkcode grid}. */
export interface GridOptions {
  /** Columns. Default: 1. */
  columns?: number;
  /** Height of one row's plot area in px. Default: 220. */
  rowHeight?: number;
  /** Vertical gap between rows in px (room for ticks and a title). Default: 80. */
  rowGap?: number;
  /** Horizontal gap between columns, as a paper fraction. Default: 0.1. */
  columnGap?: number;
  /** Top margin in px (figure title and first subplot title). Default: 90. */
  top?: number;
  /** Bottom margin in px. Default: 70. */
  bottom?: number;
}

/** A grid of `n` subplots, filled row by row, and the figure height. */
export function grid(
  n: number,
  options: GridOptions = {},
): { cells: GridCell[]; height: number; top: number; bottom: number } {
  const columns = Math.max(1, Math.min(options.columns ?? 1, n));
  const rows = Math.max(1, Math.ceil(n / columns));
  const rowHeight = options.rowHeight ?? 220;
  const rowGap = options.rowGap ?? 80;
  const columnGap = options.columnGap ?? 0.1;
  const top = options.top ?? 90;
  const bottom = options.bottom ?? 70;
  const area = rows * rowHeight + (rows - 1) * rowGap;
  const width = (1 - (columns - 1) * columnGap) / columns;
  const cells: GridCell[] = [];
  for (let i = 0; i < n; i++) {
    const r = Math.floor(i / columns);
    const c = i % columns;
    const yTop = 1 - (r * (rowHeight + rowGap)) / area;
    const x0 = c * (width + columnGap);
    const suffix = i === 0 ? "" : String(i + 1);
    cells.push({
      x: `x${suffix}`,
      y: `y${suffix}`,
      xKey: `xaxis${suffix}`,
      yKey: `yaxis${suffix}`,
      xDomain: [round(x0, 6), round(Math.min(1, x0 + width), 6)],
      yDomain: [round(Math.max(0, yTop - rowHeight / area), 6), round(yTop, 6)],
    });
  }
  return { cells, height: top + area + bottom, top, bottom };
}

/** A subplot title: an annotation centred above a grid cell. */
export function cellTitle(
  cell: GridCell,
  text: string,
): Record<string, unknown> {
  return {
    text,
    x: round((cell.xDomain[0] + cell.xDomain[1]) / 2, 6),
    y: cell.yDomain[1],
    xref: "paper",
    yref: "paper",
    xanchor: "center",
    yanchor: "bottom",
    yshift: 6,
    showarrow: false,
    font: { size: 14 },
  };
}

/** The layout every figure starts from. */
export function baseLayout(
  title: string,
  height: number,
  margin: { top: number; bottom: number },
): Layout {
  return {
    title: {
      text: title,
      x: 0.01,
      xanchor: "left",
      y: 1,
      yanchor: "top",
      yref: "container",
      pad: { t: 14 },
      font: { size: 18 },
    },
    height,
    margin: { t: margin.top, b: margin.bottom, l: 80, r: 30 },
    paper_bgcolor: "#ffffff",
    plot_bgcolor: "#ffffff",
    font: { family: FONT_FAMILY, size: 12, color: "#222222" },
    hovermode: "closest",
    legend: { bgcolor: "rgba(255,255,255,0.8)" },
  };
}

/** Rounds to a number of decimals (for stable JSON). */
export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** A number for JSON: NaN and ±Infinity become `null` (a gap in plotly). */
export function finiteOrNull(value: number | undefined): number | null {
  return value !== undefined && Number.isFinite(value) ? value : null;
}

/** A column as a JSON array with gaps for non-finite values. */
export function jsonColumn(values: ArrayLike<number>): AxisValue[] {
  return Array.from(values, finiteOrNull);
}

/**
 * A unix time in seconds as a plotly date string in UTC:
 * `YYYY-MM-DD HH:MM:SS`, with milliseconds only when there are any.
 */
export function utcLabel(unixSeconds: number): string {
  const iso = new Date(unixSeconds * 1000).toISOString();
  const full = iso.slice(0, 23).replace("T", " ");
  return full.endsWith(".000") ? full.slice(0, 19) : full;
}

/** Escapes `&`, `<`, `>` and quotes for HTML text and attributes. */
export function escapeHtml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;").replaceAll('"', "&quot;").replaceAll("'", "&#39;");
}
