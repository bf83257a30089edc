/**
 * A trained model's metadata: upstream's fields first (name, trainer,
 * features, errors per component), then ours (mse, r², interval, split,
 * seed, rows, cross-validation).
 *
 * @module
 */
import {
  type Component,
  type MachineSpec,
  type OutputType,
  TRAINER_MODEL_CLASS,
  type TrainerName,
} from "../types.ts";
import { modelName } from "../layout.ts";
import type { ModelMetadata } from "../pipeline/model_metadata.ts";
import { summarizeMetrics } from "./metrics.ts";
import { cvMetadata, round2 } from "./cv_metadata.ts";
import type { SplitKind, TrainedComponent } from "./train_model_types.ts";

/** What the metadata records besides the trained components. */
export interface MetadataFacts {
  /** The trainer. */
  trainer: TrainerName;
  /** The frame's components, in metadata order. */
  order: readonly Component[];
  /** Input features, in order. */
  features: readonly string[];
  /** AbsPower or DynPower. */
  outputType: OutputType;
  /** The node type. */
  nodeType: number;
  /** Its machine spec, when known. */
  machineSpec?: MachineSpec;
  /** The split used. */
  split: SplitKind;
  /** The seed. */
  seed: number;
  /** Training rows. */
  trainRows: number;
  /** Held-out rows. */
  testRows: number;
  /** Nominal coverage of the interval. */
  coverage: number;
  /** Blocked CV folds, when cross-validated. */
  folds?: number;
  /** The `--tune` budget, when a search ran. */
  tuneFits?: number;
}

/**
 * The metadata of a trained model.
 *
 * @param components The trained components (metrics on the held-out rows,
 *   interval, cross-validation).
 * @param facts The trainer, the data and the settings.
 * @returns The metadata, in the order written.
 */
export function trainedMetadata(
  components: Partial<Record<Component, TrainedComponent>>,
  facts: MetadataFacts,
): ModelMetadata {
  const { order, trainer } = facts;
  const metrics = Object.fromEntries(
    order.flatMap((c) => components[c] ? [[c, components[c]!.metrics]] : []),
  );
  const summary = summarizeMetrics(metrics);
  const name = modelName(trainer, facts.nodeType);
  const metadata: ModelMetadata = {
    model_name: name,
    trainer,
    model_class: TRAINER_MODEL_CLASS[trainer],
    model_file: `${name}.json`,
    features: [...facts.features],
    fe_files: [],
    output_type: facts.outputType,
    mae: round2(summary.mae),
    mape: summary.mape < 0 ? -1 : round2(summary.mape),
    node_type: facts.nodeType,
  };
  if (facts.machineSpec !== undefined) {
    metadata.machine_spec = facts.machineSpec;
  }
  for (const c of order) {
    const m = metrics[c];
    if (m) metadata[`${c}_mae`] = round2(m.mae);
  }
  for (const c of order) {
    const m = metrics[c];
    if (m) metadata[`${c}_mape`] = m.mape < 0 ? -1 : round2(m.mape);
  }
  // Ours, after upstream's fields.
  for (const c of order) {
    const m = metrics[c];
    if (m) {
      metadata[`${c}_mse`] = m.mse;
      metadata[`${c}_r2`] = m.r2;
    }
  }
  for (const c of order) {
    const iv = components[c]?.interval;
    if (iv) metadata[`${c}_interval_halfwidth`] = iv.halfWidth;
  }
  metadata.split = facts.split;
  metadata.seed = facts.seed;
  metadata.train_rows = facts.trainRows;
  metadata.test_rows = facts.testRows;
  metadata.interval_coverage = facts.coverage;
  Object.assign(metadata, cvMetadata(order, components, facts.folds));
  if (facts.tuneFits !== undefined) {
    Object.assign(metadata, tuneMetadata(order, components, facts));
  }
  return metadata;
}

/**
 * The search's fields: `tune_fits` (the budget), `tuned_params` (per
 * component, the setting chosen on all the training rows; `{}` is
 * upstream's) and the untuned CV figures beside the nested ones
 * (`cv_mae_untuned`, `cv_mae_untuned_std`, `cv_mape_untuned`,
 * `<c>_cv_mae_untuned`).
 */
function tuneMetadata(
  order: readonly Component[],
  components: Partial<Record<Component, TrainedComponent>>,
  facts: MetadataFacts,
): Record<string, unknown> {
  const out: Record<string, unknown> = {
    tune_fits: facts.tuneFits,
    tuned_params: Object.fromEntries(
      order.flatMap((c) => {
        const p = components[c]?.tunedParams;
        return p === undefined ? [] : [[c, { ...p }]];
      }),
    ),
  };
  const untuned: Partial<Record<Component, TrainedComponent>> = {};
  for (const c of order) {
    const t = components[c];
    // upstream's setting's CV, whether or not the search's own failed
    if (t?.cvUntuned === undefined) continue;
    const { cvFailure: _, ...rest } = t;
    untuned[c] = { ...rest, cv: t.cvUntuned };
  }
  if (Object.keys(untuned).length === 0) return out;
  const cv = cvMetadata(order, untuned, facts.folds);
  for (const c of order) {
    if (cv[`${c}_cv_mae`] !== undefined) {
      out[`${c}_cv_mae_untuned`] = cv[`${c}_cv_mae`];
    }
  }
  // the model's figures summarise every component, never a part of them
  const all = order.every((c) =>
    components[c] === undefined || untuned[c] !== undefined
  );
  if (!all) return out;
  out.cv_mae_untuned = cv.cv_mae;
  out.cv_mae_untuned_std = cv.cv_mae_std;
  out.cv_mape_untuned = cv.cv_mape;
  return out;
}
