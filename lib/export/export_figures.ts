/**
 * The figures of an exported pipeline (upstream's `plot --target-data
 * metadata` and `power_curve` after export): for each energy source and
 * output type, the MAE of the exported models by feature group and trainer,
 * and the power curve of the best weight-support BPFOnly model per node
 * type, evaluated from its exported weight file exactly as Kepler does,
 * swept over `bpf_cpu_time_ms ∈ [0, scale]`.
 *
 * @module
 */
import type { Figure } from "../plot/figure.ts";
import { metadataFigure } from "../plot/metadata_figure.ts";
import {
  bestWeightSupportModels,
  type ModelSummaryRow,
  summaryNodeType,
} from "../plot/model_summary.ts";
import {
  type PowerCurve,
  powerCurveFigure,
} from "../plot/power_curve_figure.ts";
import {
  keplerCurveOf,
  keplerPredict,
  type WeightFile,
} from "../pipeline/kepler_weight_file.ts";
import {
  type EnergySource,
  type OutputType,
  SOURCE_COMPONENTS,
} from "../types.ts";

/**
 * The swept feature of power curves (upstream's).
 *
 * @example
 * ```ts
 * import { POWER_CURVE_FEATURE } from "./export_figures.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(POWER_CURVE_FEATURE, "bpf_cpu_time_ms");
 * ```
 */
export const POWER_CURVE_FEATURE = "bpf_cpu_time_ms";

/** The exported models of one energy source and output type. */
export interface FigureInput {
  /** Energy source. */
  source: EnergySource;
  /** Output type. */
  outputType: OutputType;
  /** Summary rows of the exported models. */
  rows: readonly ModelSummaryRow[];
  /** Exported weight files of BPFOnly models, by model name. */
  bpfWeights: ReadonlyMap<string, WeightFile>;
}

/** A figure and what it shows. */
export interface ExportFigure {
  /** Energy source. */
  source: EnergySource;
  /** Output type. */
  outputType: OutputType;
  /** `metadata` or `power_curve`. */
  kind: "metadata" | "power_curve";
  /** Link text. */
  label: string;
  /** The plotly figure. */
  figure: Figure;
}

/**
 * The figures of the exported models, in input order: per input its
 * metadata figure (when it has rows), then its power curves (one per
 * component, when a BPFOnly weight-support model was exported).
 *
 * @example
 * ```ts
 * import { exportFigures } from "./export_figures.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const weights = { platform: { All_Weights: { Bias_Weight: 50, Categorical_Variables: {},
 *   Numerical_Variables: { bpf_cpu_time_ms: { scale: 1000, weight: 100 } } } } };
 * const figs = exportFigures([{ source: "acpi", outputType: "AbsPower",
 *   rows: [{ model_name: "SGDRegressorTrainer_0", trainer: "SGDRegressorTrainer", feature_group: "BPFOnly",
 *     mae: 2, mape: 1, node_type: 0, platform_mae: 2 }],
 *   bpfWeights: new Map([["SGDRegressorTrainer_0", { components: weights }]]) }]);
 * assertEquals(figs.map((f) => f.label), ["acpi AbsPower model metadata", "acpi AbsPower power curve (platform)"]);
 * const y = figs[1]!.figure.data[0]!.y;
 * assertEquals([y[0], y.at(-1)], [50, 150]); // Bias_Weight, then 50 + 100 · 1000/1000
 * ```
 */
export function exportFigures(
  inputs: readonly FigureInput[],
): ExportFigure[] {
  const out: ExportFigure[] = [];
  for (const input of inputs) {
    const { source, outputType, rows } = input;
    if (rows.length === 0) continue;
    const name = `${source} ${outputType}`;
    out.push({
      source,
      outputType,
      kind: "metadata",
      label: `${name} model metadata`,
      figure: metadataFigure(rows, {
        title: `${name} exported models: MAE by feature group and trainer`,
      }),
    });
    const best = bestWeightSupportModels(rows, { featureGroup: "BPFOnly" });
    for (const component of SOURCE_COMPONENTS[source]) {
      const curves: PowerCurve[] = [];
      for (const row of best) {
        const file = input.bpfWeights.get(row.model_name);
        const w = file?.components[component];
        const scale = w?.All_Weights.Numerical_Variables[POWER_CURVE_FEATURE]
          ?.scale;
        const nodeType = summaryNodeType(row);
        if (
          w === undefined || nodeType === undefined ||
          !(typeof scale === "number" && scale > 0)
        ) continue;
        const curve = keplerCurveOf(row.model_name);
        curves.push({
          nodeType,
          model: row.model_name,
          max: scale,
          predict: (x) => keplerPredict(w, curve, { [POWER_CURVE_FEATURE]: x }),
        });
      }
      if (curves.length === 0) continue;
      out.push({
        source,
        outputType,
        kind: "power_curve",
        label: `${name} power curve (${component})`,
        figure: powerCurveFigure(curves, {
          title:
            `${name} power curve of ${component}: best BPFOnly weight model per node type`,
          feature: POWER_CURVE_FEATURE,
          component,
        }),
      });
    }
  }
  return out;
}
