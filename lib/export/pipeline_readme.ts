/**
 * `<pipeline>/README.md` of an exported pipeline (upstream's
 * `generate_pipeline_readme`): title, thresholds, the number of node types
 * with models, links to the figures, the node-type table with a link to
 * each error report, and one section per energy source and output type.
 *
 * Upstream embedded PNG images (`![](<source>_<ot>_model_metadata.png)`,
 * one line per source and output type whether or not it had models); here
 * the figures are one interactive HTML page next to the README, linked per
 * figure, and only sources and output types with exported models appear.
 *
 * @module
 */
import { errorReportFile } from "../layout.ts";
import { markdownTable } from "./markdown_table.ts";
import type { ReportNodeType } from "./error_report.ts";
import type { EnergySource, OutputType } from "../types.ts";
import {
  DEFAULT_EXPORT_THRESHOLDS,
  type ExportThresholds,
} from "./thresholds.ts";

/** A link to a figure. */
export interface FigureLink {
  /** Link text, e.g. `rapl-sysfs AbsPower model metadata`. */
  label: string;
  /** Relative link target, e.g. `figures.html#plot-0`. */
  href: string;
}

/** A node type row of the README table. */
export interface ReadmeNodeType extends ReportNodeType {
  /** Number of machines of this node type (`members`). */
  members: number;
}

/** One `## <source> (<ot>)` section. */
export interface ReadmeSection {
  /** Energy source. */
  source: EnergySource;
  /** Output type. */
  outputType: OutputType;
  /** Power-curve figure links. */
  figures: readonly FigureLink[];
  /** A line shown when there is no figure. Default: none. */
  note?: string;
}

/** What the README shows. */
export interface PipelineReadmeContent {
  /** Node types with at least one exported model, any order. */
  nodeTypes: readonly ReadmeNodeType[];
  /** Model-metadata figure links, shown above the table. */
  metadataFigures: readonly FigureLink[];
  /** Sections, in order. */
  sections: readonly ReadmeSection[];
}

/** Options of {@linkcode pipelineReadme}. */
export interface PipelineReadmeOptions {
  /** Kepler version of the build line. Default: `"0.7.11"`. */
  keplerVersion?: string;
  /** Thresholds shown. Default: {@linkcode DEFAULT_EXPORT_THRESHOLDS}. */
  thresholds?: Readonly<ExportThresholds>;
}

/**
 * The columns of the node-type table, around the attributes.
 *
 * @example
 * ```ts
 * import { README_NODE_COLUMNS } from "./pipeline_readme.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals([README_NODE_COLUMNS.first, ...README_NODE_COLUMNS.last], ["node type", "member size", "error report"]);
 * ```
 */
export const README_NODE_COLUMNS = {
  first: "node type",
  last: ["member size", "error report"],
} as const;

/**
 * The README of an exported pipeline.
 *
 * @example
 * ```ts
 * import { pipelineReadme } from "./pipeline_readme.ts";
 * import { ok as assert } from "node:assert/strict";
 * const md = pipelineReadme("std", {
 *   nodeTypes: [{ nodeType: 0, attrs: { processor: "x", cores: 4, chips: 1, memory: 8, frequency: 3000 }, members: 1 }],
 *   metadataFigures: [{ label: "acpi AbsPower model metadata", href: "figures.html#plot-0" }],
 *   sections: [{ source: "acpi", outputType: "AbsPower", figures: [] , note: "No power curve" }],
 * });
 * assert(md.startsWith("# std on v0.7.11 Build\n\nMAE Threshold = 10, MAPE Threshold = 20%\n\nAvailable Node Type: 1\n\n"));
 * assert(md.includes("| 0 | x | 4 | 1 | 8 | 3000 | 1 | [link](./error_report/node_type_0.md) |\n"));
 * assert(md.endsWith("## acpi (AbsPower)\nNo power curve\n"));
 * ```
 */
export function pipelineReadme(
  name: string,
  content: PipelineReadmeContent,
  options: PipelineReadmeOptions = {},
): string {
  const t = options.thresholds ?? DEFAULT_EXPORT_THRESHOLDS;
  let md = `# ${name} on v${options.keplerVersion ?? "0.7.11"} Build\n\n`;
  md += `MAE Threshold = ${t.mae}, MAPE Threshold = ${t.mape}%\n\n`;
  md += `Available Node Type: ${content.nodeTypes.length}\n\n`;
  if (content.metadataFigures.length > 0) {
    for (const f of content.metadataFigures) {
      md += `- [${f.label}](${f.href})\n`;
    }
    md += "\n";
  }
  const nodes = [...content.nodeTypes].sort((a, b) => a.nodeType - b.nodeType);
  const attrKeys = nodes[0] === undefined ? [] : Object.keys(nodes[0].attrs);
  md += markdownTable(
    [README_NODE_COLUMNS.first, ...attrKeys, ...README_NODE_COLUMNS.last],
    nodes.map((n) => [
      n.nodeType,
      ...attrKeys.map((k) => String((n.attrs as Record<string, unknown>)[k])),
      n.members,
      `[link](./${errorReportFile("", n.nodeType)})`,
    ]),
  );
  for (const s of content.sections) {
    md += `## ${s.source} (${s.outputType})\n`;
    for (const f of s.figures) md += `[${f.label}](${f.href})\n`;
    if (s.figures.length === 0 && s.note !== undefined) md += `${s.note}\n`;
  }
  return md;
}
