/**
 * Grouped bar charts of model summary rows: feature groups on the x axis,
 * one bar series per trainer (or per model when a trainer has several node
 * types). Private to lib/plot.
 *
 * @module
 */
import { ALL_FEATURE_GROUPS, TRAINERS } from "../types.ts";
import { AXIS_STYLE, type GridCell, round, trainerColor } from "./_style.ts";
import type { AxisValue, Layout, Trace } from "./figure.ts";
import { type ModelSummaryRow, summaryNodeType } from "./model_summary.ts";

/** Marker patterns that tell node types of one trainer apart. */
const PATTERNS = ["", "/", "x", ".", "\\", "+", "-", "|"] as const;

/** Bar series of a set of rows and the feature groups on the x axis. */
export interface BarSeries {
  /** Feature groups in vocabulary order, unknown names sorted after. */
  groups: string[];
  /** Series in trainer order, then node type. */
  series: {
    name: string;
    color: string;
    pattern: string;
    rows: ModelSummaryRow[];
  }[];
}

function trainerRank(trainer: string): number {
  const i = (TRAINERS as readonly string[]).indexOf(trainer);
  return i < 0 ? TRAINERS.length : i;
}

/** Groups rows into bar series (deterministic order and colours). */
export function barSeries(rows: readonly ModelSummaryRow[]): BarSeries {
  const known = ALL_FEATURE_GROUPS as readonly string[];
  const present = new Set(rows.map((r) => r.feature_group));
  const groups = [
    ...known.filter((g) => present.has(g)),
    ...[...present].filter((g) => !known.includes(g)).sort(),
  ];
  const pairs = new Set(
    rows.map((r) => `${r.trainer}\u0000${r.feature_group}`),
  );
  const byTrainer = pairs.size === rows.length;
  const nodeTypes = [
    ...new Set(rows.map((r) => summaryNodeType(r) ?? -1)),
  ].sort((a, b) => a - b);
  const map = new Map<string, ModelSummaryRow[]>();
  for (const r of rows) {
    const key = byTrainer ? r.trainer : r.model_name;
    const list = map.get(key) ?? [];
    list.push(r);
    map.set(key, list);
  }
  const groupRank = (g: string) => groups.indexOf(g);
  const series = [...map.entries()].map(([name, unsorted]) => {
    const list = [...unsorted].sort((a, b) =>
      groupRank(a.feature_group) - groupRank(b.feature_group)
    );
    const first = list[0]!;
    const nt = summaryNodeType(first) ?? -1;
    return {
      name,
      color: trainerColor(first.trainer),
      pattern: byTrainer
        ? ""
        : PATTERNS[nodeTypes.indexOf(nt) % PATTERNS.length]!,
      rows: list,
      rank: trainerRank(first.trainer),
      nt,
    };
  }).sort((a, b) =>
    a.rank - b.rank || a.name.localeCompare(b.name, "en") || a.nt - b.nt
  ).map(({ name, color, pattern, rows }) => ({ name, color, pattern, rows }));
  return { groups, series };
}

/** Options of {@linkcode addBars}. */
export interface AddBarsOptions {
  /** The value of a row, or null for no bar. */
  value: (row: ModelSummaryRow) => number | null;
  /** Hover label of the value, e.g. `"MAE %{y:.2f} W"`. */
  hover: string;
  /** Y axis title. */
  yTitle: string;
  /** Whether this cell's series appear in the legend. */
  showlegend: boolean;
  /** Whether this cell shows the x axis title. */
  xTitle: boolean;
}

/**
 * Adds one cell's bar traces and axes; returns whether any bar has a value.
 */
export function addBars(
  s: BarSeries,
  cell: GridCell,
  layout: Layout,
  data: Trace[],
  options: AddBarsOptions,
): boolean {
  let any = false;
  for (const series of s.series) {
    const x: AxisValue[] = [], y: AxisValue[] = [], text: string[] = [];
    for (const row of series.rows) {
      const v = options.value(row);
      x.push(row.feature_group);
      y.push(v === null || !Number.isFinite(v) ? null : round(v, 6));
      if (v !== null && Number.isFinite(v)) any = true;
      text.push(row.model_name);
    }
    data.push({
      type: "bar",
      name: series.name,
      x,
      y,
      xaxis: cell.x,
      yaxis: cell.y,
      customdata: text,
      marker: {
        color: series.color,
        line: { color: "#333333", width: 0.5 },
        ...(series.pattern === "" ? {} : {
          pattern: {
            shape: series.pattern,
            bgcolor: series.color,
            fgcolor: "#222222",
            fgopacity: 0.6,
          },
        }),
      },
      legendgroup: series.name,
      showlegend: options.showlegend,
      hovertemplate: `%{customdata}<br>%{x}: ${options.hover}<extra></extra>`,
    });
  }
  layout[cell.xKey] = {
    ...AXIS_STYLE,
    type: "category",
    categoryorder: "array",
    categoryarray: s.groups,
    domain: cell.xDomain,
    anchor: cell.y,
    ...(options.xTitle ? { title: { text: "feature group" } } : {}),
  };
  layout[cell.yKey] = {
    ...AXIS_STYLE,
    domain: cell.yDomain,
    anchor: cell.x,
    rangemode: "tozero",
    title: { text: options.yTitle },
  };
  return any;
}

/** A centred note inside an empty cell. */
export function emptyNote(
  cell: GridCell,
  text: string,
): Record<string, unknown> {
  return {
    text,
    x: round((cell.xDomain[0] + cell.xDomain[1]) / 2, 6),
    y: round((cell.yDomain[0] + cell.yDomain[1]) / 2, 6),
    xref: "paper",
    yref: "paper",
    showarrow: false,
    font: { size: 13, color: "#666666" },
  };
}
