/**
 * An onboarding's validation report, beside each other in the state
 * folder: `onboard_node_type_<n>.json` (the figures) and
 * `onboard_node_type_<n>.md`, written by export's own report generator
 * (`errorReport`, the `error_report/node_type_<n>.md` of an exported
 * pipeline) with the models handed out for the node type and their errors
 * per component on the newest rows the candidate did not train on.
 *
 * @module
 */
import { basename } from "node:path";
import type { EnergySource } from "../types.ts";
import type { ServedModel } from "../serve/pipeline_catalog.ts";
import {
  bestExportedModels,
  type ComponentError,
  type ExportedModel,
} from "../export/best_exported_models.ts";
import { errorReport } from "../export/error_report.ts";
import type { FeatureGroup, MachineSpec } from "../types.ts";
import { writeJsonFile } from "../io/json.ts";
import { writeFileAtomic } from "../io/atomic.ts";
import { frameErrors } from "./_frame_errors.ts";
import type { MaxError } from "./max_error.ts";
import type { Rows, Split } from "./_windows.ts";

/** One source's model handed out, and its errors per component. */
export interface ValidatedModel {
  model: ServedModel;
  components: Record<string, ComponentError>;
}

/** What an onboarding report says. */
export interface OnboardReport {
  nodeType: string;
  spec: MachineSpec;
  machineId: string;
  pipeline: string;
  /** The published generation (`""` when unknown). */
  generation: string;
  featureGroup: FeatureGroup;
  model: string | undefined;
  split: Split;
  /** The candidate's error per `source/component` in the bound's unit. */
  errors: Record<string, number>;
  maxError: MaxError;
  /** Per source, the model handed out and its MAE and MAPE per component. */
  validated: readonly ValidatedModel[];
  /** Unix seconds of the cycle. */
  time: number;
}

/**
 * Per source of the holdout rows, the model `pick` hands out and its MAE
 * and MAPE per component on them.
 */
export async function validatedModels(
  holdout: Rows,
  pick: (source: EnergySource) => ServedModel | undefined,
  pipelineName: string,
): Promise<ValidatedModel[]> {
  const out: ValidatedModel[] = [];
  for (const [source, frame] of holdout) {
    const model = pick(source);
    if (model === undefined) continue;
    const o = { pipelineName };
    const mae = await frameErrors(model, frame, { ...o, kind: "watts" });
    const mape = await frameErrors(model, frame, { ...o, kind: "mape" });
    const components: Record<string, ComponentError> = {};
    for (const [c, e] of mae) {
      const p = mape.get(c);
      components[c] = {
        mae: e,
        mape: p === undefined || Number.isNaN(p) ? -1 : p,
      };
    }
    out.push({ model, components });
  }
  return out;
}

/** A validated model as a row of export's report (max over components). */
function exportedOf(v: ValidatedModel): ExportedModel {
  const errors = Object.values(v.components);
  const mae = Math.max(...errors.map((e) => e.mae));
  const mape = Math.max(-1, ...errors.map((e) => e.mape));
  return {
    pipeline: v.model.pipeline,
    source: v.model.source,
    outputType: v.model.outputType,
    featureGroup: v.model.featureGroup,
    modelName: v.model.name,
    trainer: v.model.trainer,
    nodeType: v.model.nodeType,
    mae,
    mape,
    errors: { mae, mape },
    hasWeight: v.model.weights !== undefined,
    components: v.components,
  };
}

/** The Markdown report: export's error report with an intro. */
export function onboardMarkdown(r: OnboardReport): string {
  const unit = r.maxError.kind === "mape" ? "%" : "W";
  const within = Object.values(r.errors).every((v) => v <= r.maxError.value);
  const intro = [
    `Onboarded by calibrate at ${
      new Date(r.time * 1000).toISOString()
    } into pipeline \`${r.pipeline}\`${
      r.generation ? ` (generation ${r.generation})` : ""
    } from machine \`${r.machineId}\`.`,
    `Trained on ${r.split.trainRows} rows; validated on the ${r.split.holdoutRows} newest rows, which it did not train on (MAE in W, MAPE in %, per model and per component).`,
    `Bound: ${r.maxError.value} ${unit} (${
      r.maxError.kind === "mape" ? "MAPE" : "MAE"
    }); within the bound on every component: ${within ? "yes" : "no"}.`,
  ].join("\n");
  const models = r.validated.map(exportedOf);
  const nodeType = models[0]?.nodeType ?? -1;
  const best = bestExportedModels(models).get(nodeType) ?? new Map();
  return errorReport({ nodeType, attrs: r.spec }, best, {
    intro,
    links: false,
  });
}

/**
 * Writes the report's JSON to `file` and its Markdown beside it (`.md`);
 * returns the Markdown's path.
 */
export async function writeOnboardReport(
  file: string,
  r: OnboardReport,
): Promise<string> {
  const markdown = file.replace(/\.json$/, "") + ".md";
  await writeJsonFile(file, {
    node_type: r.nodeType,
    machine_spec: r.spec,
    machine_id: r.machineId,
    pipeline: r.pipeline,
    generation: r.generation,
    feature_group: r.featureGroup,
    model: r.model ?? null,
    train_rows: r.split.trainRows,
    holdout_rows: r.split.holdoutRows,
    holdout_error: r.errors,
    unit: r.maxError.kind === "mape" ? "percent" : "watts",
    max_error: r.maxError.value,
    within_bound: Object.values(r.errors).every((v) => v <= r.maxError.value),
    holdout_by_component: Object.fromEntries(
      r.validated.map((v) => [v.model.source, {
        model: v.model.name,
        components: v.components,
      }]),
    ),
    markdown: basename(markdown),
  });
  await writeFileAtomic(markdown, onboardMarkdown(r));
  return markdown;
}
