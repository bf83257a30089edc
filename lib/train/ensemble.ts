/**
 * `EnsembleTrainer` from the models a training has already made: every
 * trainer of a group (energy source, output type, feature group, node
 * type) is trained on the same rows and cross-validated on the same
 * blocked folds, so the ensemble needs no refit. Per component:
 *
 * - its members and weights are chosen on the members' out-of-fold
 *   predictions (`chooseMembers`: the `size` best by CV MAE, inverse-MSE
 *   or NNLS weights), among the members that cross-validated;
 * - its own CV error is that of out-of-fold predictions whose weights were
 *   chosen without the fold scored (`nestedEnsemblePredictions`), so the
 *   figure is not the one the weights were tuned on;
 * - its holdout error is that of the weighted sum of the members' holdout
 *   predictions (the holdout chose nothing);
 * - its conformal interval is calibrated on those nested out-of-fold
 *   residuals, and its coverage measured on the holdout and on each fold.
 *
 * The model is the weighted sum of the members fitted on all the training
 * rows, each clipped to the training labels' range widened by half of it
 * (`ensembleModel`): the same model `makeTrainer("EnsembleTrainer")` fits
 * on those rows by itself.
 *
 * @module
 */
import {
  type Component,
  ENSEMBLE_TRAINER,
  type MachineSpec,
  MEMBER_TRAINERS,
  type MemberTrainerName,
  type OutputType,
} from "../types.ts";
import { cvCalibrated } from "./calibrate.ts";
import type { CrossValidation } from "./cross_validate.ts";
import {
  chooseMembers,
  combine,
  ENSEMBLE_DEFAULTS,
  type EnsembleChoiceOptions,
  nestedEnsemblePredictions,
} from "./ensemble_weights.ts";
import type { IntervalModel } from "./interval.ts";
import { regressionMetrics } from "./metrics.ts";
import type { FittedModel } from "./model.ts";
import { take } from "./split.ts";
import { type MetadataFacts, trainedMetadata } from "./trained_metadata.ts";
import type {
  SplitKind,
  TrainedComponent,
  TrainedModel,
} from "./train_model_types.ts";
import { ensembleModel } from "./trainers/ensemble.ts";

/** A member's component that can join: cross-validated, with its holdout. */
interface Candidate {
  trainer: MemberTrainerName;
  model: FittedModel;
  cv: CrossValidation;
  holdout: { y: Float64Array; yHat: Float64Array };
}

function isMember(name: string): name is MemberTrainerName {
  return (MEMBER_TRAINERS as readonly string[]).includes(name);
}

/** The model without its interval (a member's own interval is not used). */
function bare(model: FittedModel): FittedModel {
  const m = model as Partial<IntervalModel>;
  return m.model !== undefined && m.interval !== undefined ? m.model : model;
}

function sameValues(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (!Object.is(a[i], b[i])) return false;
  }
  return true;
}

/** The members' components that can join, checked to share their rows. */
function candidatesOf(
  members: readonly TrainedModel[],
  component: Component,
): Candidate[] {
  const out: Candidate[] = [];
  for (const m of members) {
    const t = m.components[component];
    if (!isMember(m.trainer) || t?.cv === undefined) continue;
    if (t.holdout === undefined || t.cvFailure !== undefined) continue;
    out.push({
      trainer: m.trainer,
      model: t.model,
      cv: t.cv,
      holdout: t.holdout,
    });
  }
  const first = out[0];
  for (const c of out.slice(1)) {
    if (
      !sameValues(c.cv.y, first!.cv.y) ||
      !sameValues(c.cv.fold, first!.cv.fold) ||
      !sameValues(c.holdout.y, first!.holdout.y)
    ) {
      throw new RangeError(
        `Cannot build ${ENSEMBLE_TRAINER} on ${component}: ${c.trainer} was not trained and cross-validated on the same rows as ${
          first!.trainer
        }`,
      );
    }
  }
  return out;
}

/** One component of the ensemble, and its members with their weights. */
function ensembleComponent(
  candidates: readonly Candidate[],
  options: EnsembleChoiceOptions,
  coverage: number,
): { trained: TrainedComponent; members: Record<string, number> } {
  const { y, fold, folds } = candidates[0]!.cv;
  const oof = candidates.map((c) => c.cv.yHat);
  const nested = nestedEnsemblePredictions(oof, y, fold, options);
  const metrics = Array.from({ length: folds }, (_, f) => {
    const rows: number[] = [];
    fold.forEach((g, i) => g === f && rows.push(i));
    return regressionMetrics(take(y, rows), take(nested.yHat, rows));
  });
  const cv: CrossValidation = { folds, metrics, y, yHat: nested.yHat, fold };
  const all = Uint32Array.from({ length: y.length }, (_, i) => i);
  const choice = chooseMembers(oof, y, all, options);
  const model = ensembleModel(
    choice.members.map((m, j) => ({
      trainer: candidates[m]!.trainer,
      weight: choice.weights[j]!,
      model: bare(candidates[m]!.model),
    })),
    choice.bounds,
  );
  const yTest = candidates[0]!.holdout.y;
  const yHat = combine(choice, candidates.map((c) => c.holdout.yHat));
  const held = { metrics: regressionMetrics(yTest, yHat), yTest, yHat };
  const members: Record<string, number> = {};
  choice.members.forEach((m, j) => {
    members[candidates[m]!.trainer] = Math.round(choice.weights[j]! * 1e4) /
      1e4;
  });
  return { trained: cvCalibrated(model, held, cv, coverage), members };
}

/** The group's facts, from a member's metadata (all share them). */
function factsOf(member: TrainedModel, folds: number): MetadataFacts {
  const md = member.metadata;
  const facts: MetadataFacts = {
    trainer: ENSEMBLE_TRAINER,
    order: Object.keys(member.components) as Component[],
    features: member.features,
    outputType: md.output_type as OutputType,
    nodeType: md.node_type ?? 0,
    split: md.split as SplitKind,
    seed: md.seed as number,
    trainRows: md.train_rows as number,
    testRows: md.test_rows as number,
    coverage: (md.interval_coverage as number | undefined) ?? 0.9,
    folds,
  };
  if (md.machine_spec !== undefined) {
    facts.machineSpec = md.machine_spec as MachineSpec;
  }
  return facts;
}

/**
 * Builds the `EnsembleTrainer` model of a group from the models trained on
 * it (see the module doc).
 *
 * @param members The group's trained models, each with its out-of-fold and
 *   held-out predictions (`TrainedComponent.cv`, `.holdout`); models that
 *   did not cross-validate are left out.
 * @param options The most members and the weighting.
 * @returns The ensemble as a trained model: metadata with the holdout
 *   `mae`/`mape`, the `cv_*` figures of the nested choice, the interval
 *   fields, `ensemble_members` (per component, trainer → weight),
 *   `ensemble_size` and `ensemble_weighting`; no Kepler weights.
 * @throws {RangeError} when a component has fewer than two members that
 *   cross-validated, or the members were not trained on the same rows.
 *
 * @example
 * ```ts
 * import { ensembleOf } from "./ensemble.ts";
 * import { trainModel } from "./train_model.ts";
 * import type { Frame } from "../extract/frame.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const n = 600;
 * const cpu = Float64Array.from({ length: n }, (_, i) => (i * 37) % 1000);
 * const frame: Frame = {
 *   level: "node", source: "acpi", length: n,
 *   timestamp: Float64Array.from({ length: n }, (_, i) => 3 * i),
 *   instances: ["node-1"], instance: new Uint32Array(n), containers: [],
 *   featureNames: ["bpf_cpu_time_ms"], features: { bpf_cpu_time_ms: cpu },
 *   components: ["platform"], power: { platform: cpu.map((c) => 60 + 0.05 * c) },
 *   nodeType: new Int32Array(n),
 * };
 * const options = { featureGroup: "BPFOnly", outputType: "AbsPower" } as const;
 * const members = (["LinearRegressionTrainer", "KNeighborsRegressorTrainer"] as const)
 *   .map((t) => trainModel(frame, t, options));
 * const e = ensembleOf(members);
 * assertEquals(e.metadata.model_name, "EnsembleTrainer_0");
 * assertEquals(e.weights, undefined); // Kepler cannot run it
 * // weights ∝ 1/CV MSE: the exact linear model takes (nearly) all of it
 * const w = e.metadata.ensemble_members as Record<string, Record<string, number>>;
 * assertEquals(w.platform!.LinearRegressionTrainer, 1);
 * ```
 */
export function ensembleOf(
  members: readonly TrainedModel[],
  options: EnsembleChoiceOptions = {},
): TrainedModel {
  const base = members.find((m) => isMember(m.trainer));
  if (base === undefined) {
    throw new RangeError(
      `Cannot build ${ENSEMBLE_TRAINER}: no member model was trained`,
    );
  }
  const components: Partial<Record<Component, TrainedComponent>> = {};
  const chosen: Record<string, Record<string, number>> = {};
  let folds = 0;
  const coverage = (base.metadata.interval_coverage as number | undefined) ??
    0.9;
  for (const c of Object.keys(base.components) as Component[]) {
    const candidates = candidatesOf(members, c);
    if (candidates.length < 2) {
      throw new RangeError(
        `Cannot build ${ENSEMBLE_TRAINER} on ${c}: ${candidates.length} member model(s) cross-validated, at least 2 needed (train with --cv-folds ≥ 2 and two or more other trainers)`,
      );
    }
    const { trained, members: weights } = ensembleComponent(
      candidates,
      options,
      coverage,
    );
    components[c] = trained;
    chosen[c] = weights;
    folds = trained.cv!.folds;
  }
  const metadata = trainedMetadata(components, factsOf(base, folds));
  metadata.ensemble_members = chosen;
  metadata.ensemble_size = options.size ?? ENSEMBLE_DEFAULTS.size;
  metadata.ensemble_weighting = options.weighting ??
    ENSEMBLE_DEFAULTS.weighting;
  return {
    name: metadata.model_name,
    trainer: ENSEMBLE_TRAINER,
    features: base.features,
    components,
    metadata,
    notes: [],
  };
}
