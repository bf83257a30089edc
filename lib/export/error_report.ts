/**
 * `error_report/node_type_<n>.md`: the validation results of one node type
 * as kepler-model-db publishes them (upstream's `generate_report_results`):
 * the node type's spec, then for the local estimator (weight files) and
 * the sidecar estimator (zips) one section per energy source (sorted) and
 * output type, each a table of the best model per feature group or
 * "No model available".
 *
 * @module
 */
import {
  type BestOfGroup,
  type ExportedModel,
  exportGroupKey,
} from "./best_exported_models.ts";
import { markdownTable } from "./markdown_table.ts";
import { exportedModelUrl, type ExportedModelUrlOptions } from "./model_url.ts";
import {
  ENERGY_SOURCES,
  type FeatureGroup,
  type MachineSpec,
  OUTPUT_TYPES,
} from "../types.ts";

/**
 * Feature groups in upstream's `FeatureGroup` enum order, the order of the
 * rows of a report table (as in the published reports).
 *
 * @example
 * ```ts
 * import { REPORT_FEATURE_GROUP_ORDER } from "./error_report.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const published = ["CounterOnly", "BPFOnly", "CounterIRQCombined", "Basic", "BPFIRQ"];
 * assertEquals(REPORT_FEATURE_GROUP_ORDER.filter((g) => published.includes(g)), published);
 * ```
 */
export const REPORT_FEATURE_GROUP_ORDER: readonly FeatureGroup[] = [
  "Full",
  "WorkloadOnly",
  "CounterOnly",
  "CgroupOnly",
  "BPFOnly",
  "KubeletOnly",
  "IRQOnly",
  "CounterIRQCombined",
  "Basic",
  "BPFIRQ",
  "AcceleratorOnly",
  "ThirdParty",
];

/**
 * The columns of a report table.
 *
 * @example
 * ```ts
 * import { ERROR_REPORT_COLUMNS } from "./error_report.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(ERROR_REPORT_COLUMNS.join(" | "), "Feature group | Model name | MAE | MAPE (%) | URL");
 * ```
 */
export const ERROR_REPORT_COLUMNS = [
  "Feature group",
  "Model name",
  "MAE",
  "MAPE (%)",
  "URL",
] as const;

/**
 * The columns of the per-component table that follows a report table whose
 * models carry `components` (calibrate's onboarding).
 *
 * @example
 * ```ts
 * import { COMPONENT_ERROR_COLUMNS } from "./error_report.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(COMPONENT_ERROR_COLUMNS.join(" | "), "Feature group | Component | MAE | MAPE (%)");
 * ```
 */
export const COMPONENT_ERROR_COLUMNS = [
  "Feature group",
  "Component",
  "MAE",
  "MAPE (%)",
] as const;

/**
 * Options of {@linkcode errorReport}: where the linked files are served
 * (`baseUrl`, default kepler-model-db's raw files; `version`, default
 * `"v0.7"`), and what calibrate's onboarding report adds.
 */
export interface ErrorReportOptions extends ExportedModelUrlOptions {
  /**
   * Markdown put between the node type's table and the sections (what the
   * models were validated on).
   *
   * @default {undefined} none (upstream's report)
   */
  intro?: string;
  /**
   * Whether each row links its model file in a model db (the URL column);
   * false for models that are not published there.
   *
   * @default {true}
   */
  links?: boolean;
}

/** A node type of the pipeline's index. */
export interface ReportNodeType {
  /** Its index. */
  nodeType: number;
  /** Its attributes (`attrs` of node_type_index.json), in file order. */
  attrs: Readonly<MachineSpec> | Readonly<Record<string, unknown>>;
}

function section(
  best: ReadonlyMap<string, BestOfGroup>,
  pick: (b: BestOfGroup) => ExportedModel | undefined,
  kind: "json" | "zip",
  options: ErrorReportOptions,
): string {
  let out = "";
  for (const source of [...ENERGY_SOURCES].sort()) {
    for (const ot of OUTPUT_TYPES) {
      out += `### ${source} ${ot} model\n\n`;
      const rows: string[][] = [];
      const components: string[][] = [];
      const links = options.links ?? true;
      for (const fg of REPORT_FEATURE_GROUP_ORDER) {
        const b = best.get(exportGroupKey(source, ot, fg));
        const m = b === undefined ? undefined : pick(b);
        if (m === undefined) continue;
        rows.push([
          fg,
          m.modelName,
          m.mae.toFixed(2),
          m.mape.toFixed(1),
          ...(links ? [exportedModelUrl(m, kind, options)] : []),
        ]);
        for (const [c, e] of Object.entries(m.components ?? {})) {
          components.push([fg, c, e.mae.toFixed(2), e.mape.toFixed(1)]);
        }
      }
      const columns = links
        ? ERROR_REPORT_COLUMNS
        : ERROR_REPORT_COLUMNS.slice(0, -1);
      out += rows.length === 0
        ? "No model available\n\n"
        : markdownTable(columns, rows);
      if (components.length > 0) {
        out += "\n" + markdownTable(COMPONENT_ERROR_COLUMNS, components) +
          "\n";
      }
    }
  }
  return out;
}

/**
 * The report of one node type, byte for byte in upstream's format.
 *
 * @param node The node type's index and its attributes, written as the
 *   first table.
 * @param best The best models of this node type per
 *   (source, output type, feature group) key, as one entry of
 *   {@linkcode bestExportedModels}' result; a missing key is a row left out.
 * @param options Where the linked model files are served.
 * @returns The Markdown of `error_report/node_type_<n>.md`.
 *
 * @example
 * ```ts
 * import { errorReport } from "./error_report.ts";
 * import { bestExportedModels } from "./best_exported_models.ts";
 * import { ok as assert } from "node:assert/strict";
 * const model = { pipeline: "p", source: "acpi" as const, outputType: "AbsPower" as const, featureGroup: "BPFOnly" as const,
 *   modelName: "SGDRegressorTrainer_0", trainer: "SGDRegressorTrainer", nodeType: 0, mae: 1.234, mape: 0.96,
 *   errors: { mae: 1.234 }, hasWeight: true };
 * const md = errorReport({ nodeType: 0, attrs: { processor: "x", cores: 4, chips: 1, memory: 8, frequency: 3000 } },
 *   bestExportedModels([model]).get(0)!, { baseUrl: "https://h/models" });
 * assert(md.startsWith("# Validation results on node type 0\n\n| processor | cores |"));
 * assert(md.includes("### acpi AbsPower model\n\n| Feature group | Model name | MAE | MAPE (%) | URL |\n| --- |"));
 * assert(md.includes("| BPFOnly | SGDRegressorTrainer_0 | 1.23 | 1.0 | https://h/models/v0.7/p/acpi/AbsPower/BPFOnly/SGDRegressorTrainer_0.json |"));
 * assert(md.includes("### acpi DynPower model\n\nNo model available\n\n"));
 * ```
 *
 * @example Calibrate's onboarding: an intro, no links, errors per component
 * ```ts
 * import { errorReport } from "./error_report.ts";
 * import { bestExportedModels } from "./best_exported_models.ts";
 * import { ok as assert } from "node:assert/strict";
 * const model = { pipeline: "calibrated", source: "acpi" as const, outputType: "AbsPower" as const,
 *   featureGroup: "Basic" as const, modelName: "GradientBoostingRegressorTrainer_0",
 *   trainer: "GradientBoostingRegressorTrainer", nodeType: 0, mae: 0.81, mape: 0.7,
 *   errors: { mae: 0.81, mape: 0.7 }, hasWeight: false,
 *   components: { platform: { mae: 0.81, mape: 0.7 } } };
 * const md = errorReport({ nodeType: 0, attrs: { processor: "x", cores: 4 } },
 *   bestExportedModels([model]).get(0)!, { intro: "Validated on the 40 newest rows.", links: false });
 * assert(md.includes("| 4 |\n\nValidated on the 40 newest rows.\n\n[With local estimator]"));
 * assert(md.includes("| Feature group | Model name | MAE | MAPE (%) |\n| --- | --- | --- | --- |\n| Basic | GradientBoostingRegressorTrainer_0 | 0.81 | 0.7 |\n"));
 * assert(md.includes("\n| Feature group | Component | MAE | MAPE (%) |\n| --- | --- | --- | --- |\n| Basic | platform | 0.81 | 0.7 |\n"));
 * ```
 */
export function errorReport(
  node: ReportNodeType,
  best: ReadonlyMap<string, BestOfGroup>,
  options: ErrorReportOptions = {},
): string {
  const { nodeType, attrs } = node;
  const keys = Object.keys(attrs);
  const values = keys.map((k) => String((attrs as Record<string, unknown>)[k]));
  let md = `# Validation results on node type ${nodeType}\n\n`;
  md += markdownTable(keys, [values]) + "\n";
  if (options.intro !== undefined) md += `${options.intro.trim()}\n\n`;
  md += "[With local estimator](#with-local-estimator)\n\n";
  md += "[With sidecar estimator](#with-sidecar-estimator)\n\n";
  md += "## With local estimator\n\n";
  md += section(best, (b) => b.local, "json", options);
  md += "## With sidecar estimator\n\n";
  md += section(best, (b) => b.sidecar, "zip", options);
  return md;
}
