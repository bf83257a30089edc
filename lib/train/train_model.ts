/**
 * Trains one model: one trainer on one feature group's frame for one node
 * type, a fitted model per power component, with upstream's error metrics on
 * a held-out split and a split-conformal interval calibrated on the same
 * held-out rows.
 *
 * Splits: `time` (the default) holds out every tenth block of 20 samples in
 * time order and leaves the neighbouring blocks out of training, so a test
 * row never has a near-duplicate neighbour in training (upstream's random
 * 10 % split does, and reports optimistic errors); `shuffle` is upstream's
 * seeded 90/10 split. When the data is too short for blocks (fewer than
 * about 100 rows), `time` falls back to `shuffle` and says so.
 *
 * @module
 */
import type { Frame } from "../extract/frame.ts";
import {
  type Component,
  ENSEMBLE_TRAINER,
  mainFeature,
  type TrainerName,
  UPSTREAM_TRAINERS,
} from "../types.ts";
import { type ComponentMetrics, regressionMetrics } from "./metrics.ts";
import {
  type Columns,
  FitError,
  type FitOptions,
  type FittedModel,
  isWeightExportable,
  type KeplerWeights,
  type Trainer,
} from "./model.ts";
import { blockedHoldout, type Split, take, trainTestSplit } from "./split.ts";
import { blockedFolds } from "./cross_validate.ts";
import { cvCalibrated, holdoutCalibrated } from "./calibrate.ts";
import { ensembleOf } from "./ensemble.ts";
import { trainedMetadata } from "./trained_metadata.ts";
import {
  type EnsembleOptions,
  type SplitKind,
  SPLITS,
  type TrainedComponent,
  type TrainedModel,
  type TrainModelOptions,
} from "./train_model_types.ts";
export {
  type EnsembleOptions,
  type SplitKind,
  SPLITS,
  type TrainedComponent,
  type TrainedModel,
  type TrainModelOptions,
};
import { makeTrainer } from "./trainers.ts";
import { chooseDerived } from "./_choose_derived.ts";
import {
  applicableDerived,
  type DerivedFeature,
  type DerivedSpec,
  derivedTrainer,
} from "./derived_features.ts";
import { FoldPredictions } from "./fold_predictions.ts";
import { inLockstep, type Steps } from "./steps.ts";
import { sharingPredictions } from "./trainers/kept.ts";
import {
  crossValidationSteps,
  selectParams,
  TUNE_GRIDS,
  tuneCandidates,
  type TuneParams,
} from "./tune.ts";

/** The rows of a frame that belong to a node type, in frame order. */
export function nodeTypeRows(
  frame: Frame,
  nodeType: number | undefined,
): Uint32Array {
  if (nodeType === undefined) {
    return Uint32Array.from({ length: frame.length }, (_, i) => i);
  }
  const rows: number[] = [];
  for (let i = 0; i < frame.length; i++) {
    if (frame.nodeType[i] === nodeType) rows.push(i);
  }
  return Uint32Array.from(rows);
}

/** The node types present in a frame, ascending. */
export function frameNodeTypes(frame: Frame): number[] {
  return [...new Set(frame.nodeType)].sort((a, b) => a - b);
}

/**
 * The split of `n` rows in time order; `time` falls back to `shuffle` when
 * it would leave a side empty or fewer than 10 test rows.
 */
export function splitRows(
  n: number,
  kind: SplitKind,
  seed: number,
): { split: Split; used: SplitKind } {
  if (kind === "time") {
    try {
      const split = blockedHoldout(n);
      if (split.test.length >= 10 && split.train.length >= 2) {
        return { split, used: "time" };
      }
    } catch { /* too short: fall back */ }
  }
  return { split: trainTestSplit(n, { seed }), used: "shuffle" };
}

/**
 * Trains one trainer on a frame for one node type: a model per component,
 * metrics on the held-out rows, and an interval. Throws `RangeError` or
 * `FitError` when the trainer cannot fit (the pipeline reports and skips).
 *
 * @param frame The training frame; only the rows of `options.nodeType` are
 *   used, every feature column is a model input and every power column a
 *   component to fit.
 * @param trainerName The upstream trainer to fit, with its default
 *   hyperparameters; `EnsembleTrainer` trains its candidate members
 *   (`options.ensemble.members`) and weights the best (see `ensembleOf`).
 * @param options The feature group and output type of the frame, and the
 *   split, seed, coverage and metadata to use.
 * @returns The fitted model per component with its test metrics and
 *   interval, upstream's metadata (`<Trainer>_<node type>`, MAE and MAPE)
 *   plus ours, Kepler weights when the model can be written as weights, and
 *   notes such as a split fallback.
 * @throws {RangeError} when the frame has no features, fewer than 2 rows of
 *   the node type, no power column, or no column holding its group's main
 *   feature under a current or old name (see `mainFeature`).
 * @throws {FitError} when the trainer cannot fit a component (its input is
 *   unusable or it does not converge) or predicts non-finite values.
 * @throws {RangeError} for `EnsembleTrainer`, when fewer than two members
 *   cross-validated.
 *
 * @example
 * ```ts
 * import { trainModel } from "./train_model.ts";
 * import type { Frame } from "../extract/frame.ts";
 * import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
 * const n = 300;
 * const cpu = Float64Array.from({ length: n }, (_, i) => (i * 37) % 1000);
 * const frame: Frame = {
 *   level: "node", source: "acpi", length: n,
 *   timestamp: Float64Array.from({ length: n }, (_, i) => 3 * i),
 *   instances: ["node-1"], instance: new Uint32Array(n), containers: [],
 *   featureNames: ["bpf_cpu_time_ms"], features: { bpf_cpu_time_ms: cpu },
 *   components: ["platform"], power: { platform: cpu.map((c) => 60 + 0.05 * c) },
 *   nodeType: new Int32Array(n),
 * };
 * const trained = trainModel(frame, "LinearRegressionTrainer",
 *   { featureGroup: "BPFOnly", outputType: "AbsPower" });
 * assertEquals(trained.name, "LinearRegressionTrainer_0");
 * assertEquals(trained.metadata.split, "time");
 * assert(trained.metadata.mae < 0.01); // power is exactly linear in cpu
 * const bias = trained.weights?.platform?.All_Weights.Bias_Weight ?? 0;
 * assert(Math.abs(bias - 60) < 1e-6);
 * ```
 */
export function trainModel(
  frame: Frame,
  trainerName: TrainerName,
  options: TrainModelOptions,
): TrainedModel {
  if (trainerName === ENSEMBLE_TRAINER) return trainEnsemble(frame, options);
  if (options.derivedFeatures !== "auto") {
    return trainOne(frame, trainerName, options, NO_DERIVED);
  }
  return trainChoosingDerived(frame, trainerName, options);
}

const NO_DERIVED: readonly DerivedFeature[] = Object.freeze([]);

/**
 * `--derived-features auto`: the model without and with the derived
 * features that apply, whichever has the lower blocked-CV MAE.
 */
function trainChoosingDerived(
  frame: Frame,
  trainerName: TrainerName,
  options: TrainModelOptions,
): TrainedModel {
  const tried = applicableDerived(trainerName, frame.featureNames, {
    ...(options.machineSpec ? { cores: options.machineSpec.cores } : {}),
  });
  return chooseDerived(
    tried,
    (derived) => trainOne(frame, trainerName, options, derived),
  );
}

/** Trains one trainer with the given derived features (none: as upstream). */
function trainOne(
  frame: Frame,
  trainerName: TrainerName,
  options: TrainModelOptions,
  derived: readonly DerivedFeature[],
): TrainedModel {
  const seed = options.seed ?? 42;
  const rows = nodeTypeRows(frame, options.nodeType);
  const features = frame.featureNames;
  checkRows(trainerName, options, features, rows);
  const { split, used } = splitRows(rows.length, options.split ?? "time", seed);
  const notes: string[] = [];
  if (used !== (options.split ?? "time")) {
    notes.push(
      `${rows.length} rows are too few for the time-blocked split; used a seeded shuffle split`,
    );
  }
  const data = splitDataOf(frame, rows, split);
  const { trainRows, testRows } = data;
  const folds = cvFoldsOf(trainRows.length, options.cvFolds ?? 3, notes);
  if (folds !== undefined) data.folds = folds;
  const candidates = candidatesOf(trainerName, options.tune, folds);
  const cores = options.machineSpec?.cores;
  const components = fitComponents(frame, data, {
    ...options,
    trainerName,
    seed,
    features,
    candidates,
    derived: { features, derived, ...(cores ? { cores } : {}) },
  });
  if (Object.keys(components).length === 0) {
    throw new RangeError(
      `Cannot train ${trainerName}: the frame has no power columns`,
    );
  }
  if (Object.values(components).some((c) => c.interval === undefined)) {
    notes.push(
      `${split.test.length} test rows are too few to calibrate a ${
        options.coverage ?? 0.9
      } interval`,
    );
  }
  const metadata = trainedMetadata(components, {
    trainer: trainerName,
    order: frame.components,
    features,
    outputType: options.outputType,
    nodeType: options.nodeType ?? 0,
    ...(options.machineSpec ? { machineSpec: options.machineSpec } : {}),
    split: used,
    seed,
    trainRows: trainRows.length,
    testRows: testRows.length,
    coverage: options.coverage ?? 0.9,
    ...(folds ? { folds: folds.length } : {}),
    ...(candidates.length > 1 ? { tuneFits: options.tune ?? 0 } : {}),
  });
  const out: TrainedModel = {
    name: metadata.model_name,
    trainer: trainerName,
    features,
    components,
    metadata,
    notes,
  };
  const weights = keplerWeightsOf(frame.components, components, features);
  if (weights !== undefined) out.weights = weights;
  return out;
}

/**
 * `EnsembleTrainer` on a frame: trains each candidate member, then weights
 * the best of those that cross-validated (members that fail are skipped, as
 * in the pipeline).
 */
function trainEnsemble(frame: Frame, options: TrainModelOptions): TrainedModel {
  const members: TrainedModel[] = [];
  const failed: string[] = [];
  for (const name of options.ensemble?.members ?? UPSTREAM_TRAINERS) {
    try {
      members.push(trainModel(frame, name, options));
    } catch (error) {
      if (!(error instanceof FitError || error instanceof RangeError)) {
        throw error;
      }
      failed.push(name);
    }
  }
  const out = ensembleOf(members, options.ensemble ?? {});
  out.notes.push(...new Set(members.flatMap((m) => m.notes)));
  if (failed.length > 0) {
    out.notes.push(
      `${ENSEMBLE_TRAINER}: ${
        failed.join(", ")
      } failed and could not be members`,
    );
  }
  return out;
}

/** The feature columns of a split's training and test rows. */
function splitDataOf(frame: Frame, rows: Uint32Array, split: Split): SplitData {
  const trainRows = Uint32Array.from(split.train, (i) => rows[i]!);
  const testRows = Uint32Array.from(split.test, (i) => rows[i]!);
  const column = (name: string) => frame.features[name]!;
  return {
    xTrain: frame.featureNames.map((f) => take(column(f), trainRows)),
    xTest: frame.featureNames.map((f) => take(column(f), testRows)),
    trainRows,
    testRows,
  };
}

/** Throws a `RangeError` when a frame cannot train a model. */
function checkRows(
  trainerName: TrainerName,
  options: TrainModelOptions,
  features: readonly string[],
  rows: ArrayLike<number>,
): void {
  if (features.length === 0) {
    throw new RangeError(
      `Cannot train ${trainerName}: the frame has no features`,
    );
  }
  if (rows.length < 2) {
    throw new RangeError(
      `Cannot train ${trainerName} on ${options.featureGroup}: only ${rows.length} row(s) for node type ${
        options.nodeType ?? 0
      }`,
    );
  }
}

/** The features of the training and test rows, and those rows. */
interface SplitData {
  xTrain: Columns;
  xTest: Columns;
  trainRows: Uint32Array;
  testRows: Uint32Array;
  /** Blocked folds over the training rows, when cross-validating. */
  folds?: Split[];
}

/** The blocked folds of `n` training rows, or none (with a note why). */
function cvFoldsOf(
  n: number,
  k: number,
  notes: string[],
): Split[] | undefined {
  if (k === 0) return undefined;
  try {
    return blockedFolds(n, k);
  } catch (error) {
    notes.push(
      `no cross-validation: ${
        (error as Error).message
      }; the interval is calibrated on the held-out rows`,
    );
    return undefined;
  }
}

/** The options of {@linkcode fitComponent}. */
interface ComponentOptions extends TrainModelOptions {
  trainerName: TrainerName;
  seed: number;
  features: readonly string[];
  /** The settings to search (only upstream's: no search). */
  candidates: readonly TuneParams[];
  /** The derived features the model computes from its raw columns. */
  derived: DerivedSpec;
}

/**
 * Fits every power component of the frame. They take each step together
 * (steps.ts), so their fits on the same rows run one after another, and
 * when there are several, SVR keeps each one's predictions for the next.
 */
function fitComponents(
  frame: Frame,
  data: SplitData,
  options: ComponentOptions,
): Partial<Record<Component, TrainedComponent>> {
  const fitted = frame.components.filter((c) => frame.power[c] !== undefined);
  const steps = fitted.map((c) =>
    fitComponentSteps(c, frame.power[c]!, data, options)
  );
  const results = steps.length > 1
    ? sharingPredictions(() => inLockstep(steps))
    : inLockstep(steps);
  const components: Partial<Record<Component, TrainedComponent>> = {};
  fitted.forEach((c, i) => components[c] = results[i]!);
  return components;
}

/**
 * Fits one component's power, checks its test predictions are finite,
 * and measures its metrics and interval on the test rows; in steps (see
 * `steps.ts`), one per set of rows fitted on.
 */
function* fitComponentSteps(
  component: Component,
  y: Float64Array,
  data: SplitData,
  options: ComponentOptions,
): Steps<TrainedComponent> {
  const { trainerName } = options;
  // The column of the main feature, through the aliases of older data;
  // a frame without it is an error (RangeError), never column 0.
  const main = options.features.indexOf(
    mainFeature(options.featureGroup, component, {
      thirdParty: options.thirdParty ?? [],
      columns: options.features,
    }),
  );
  const fitOptions = fitOptionsOf(component, main, options);
  const yTrain = take(y, data.trainRows);
  const yTest = take(y, data.testRows);
  const make = makerOf(trainerName, options.derived);
  const trainer = make({});
  const cvOptions = {
    seed: fitOptions.seed,
    mainFeature: fitOptions.mainFeature,
  };
  // the search's and the cross-validations' fits on the same rows run once
  const store = new FoldPredictions();
  const chosen = options.candidates.length > 1
    ? selectParams(make, options.candidates, data.xTrain, yTrain, cvOptions, {
      store,
    })
    : undefined;
  yield;
  const final = chosen === undefined || chosen.index === 0
    ? trainer
    : make(chosen.params);
  const { fitted, yHat } = fitFinite(
    final,
    component,
    data,
    yTrain,
    fitOptions,
  );
  const m = regressionMetrics(yTest, yHat);
  const coverage = options.coverage ?? 0.9;
  const held = { metrics: m, yTest, yHat };
  const tuned = chosen === undefined ? {} : { tunedParams: chosen.params };
  if (data.folds === undefined) {
    return {
      ...holdoutCalibrated(fitted, held, coverage, undefined),
      ...tuned,
    };
  }
  const cvs = yield* crossValidationSteps(
    make,
    options.candidates,
    data.xTrain,
    yTrain,
    data.folds,
    cvOptions,
    store,
  );
  // a failed CV keeps the untuned one's figures when that one succeeded
  const out = "failure" in cvs
    ? holdoutCalibrated(
      fitted,
      held,
      coverage,
      `${component}: ${cvs.failure.message}`,
    )
    : cvCalibrated(fitted, held, cvs.cv, coverage);
  return cvs.untuned === undefined
    ? { ...out, ...tuned }
    : { ...out, ...tuned, cvUntuned: cvs.untuned };
}

/** The seed, main feature and checkpoint of a component's fit. */
function fitOptionsOf(
  component: Component,
  main: number,
  options: ComponentOptions,
): { seed: number; mainFeature: number; init?: FittedModel } {
  const out: { seed: number; mainFeature: number; init?: FittedModel } = {
    seed: options.seed,
    mainFeature: main,
  };
  const init = options.init?.[component];
  // a derived checkpoint continues only a derived fit (derivedTrainer)
  if (
    init !== undefined &&
    (init.kind !== "derived" || options.derived.derived.length > 0)
  ) out.init = init;
  return out;
}

/**
 * Fits the training rows and predicts the test rows; a failed fit or a
 * non-finite prediction is a `FitError` naming the component.
 */
function fitFinite(
  trainer: Trainer,
  component: Component,
  data: SplitData,
  yTrain: Float64Array,
  fitOptions: FitOptions,
): { fitted: FittedModel; yHat: Float64Array } {
  let fitted: FittedModel;
  try {
    fitted = trainer.fit(data.xTrain, yTrain, fitOptions);
  } catch (error) {
    if (error instanceof FitError || error instanceof RangeError) {
      throw new FitError(
        trainer.name,
        `${component}: ${(error as Error).message}`,
        { cause: error },
      );
    }
    throw error;
  }
  const yHat = fitted.predict(data.xTest);
  if (!yHat.every(Number.isFinite)) {
    throw new FitError(
      trainer.name,
      `${component}: the model predicts non-finite values`,
    );
  }
  return { fitted, yHat };
}

/**
 * Makes the trainer of a setting of `name`'s hyperparameters, fitting on
 * the derived columns of its raw input when there are any.
 */
function makerOf(
  name: TrainerName,
  derived: DerivedSpec,
): (p: TuneParams) => Trainer {
  return (p) =>
    derivedTrainer(makeTrainer(name, p as Record<string, never>), derived);
}

/** The settings a `--tune` budget buys for a trainer (one: no search). */
function candidatesOf(
  name: TrainerName,
  tune: number | undefined,
  folds: Split[] | undefined,
): TuneParams[] {
  return tuneCandidates(TUNE_GRIDS[name], tune ?? 0, folds?.length ?? 0);
}

/** A model's held-out rows: its metrics there, labels and predictions. */
interface Held {
  metrics: ComponentMetrics;
  yTest: Float64Array;
  yHat: Float64Array;
}

/**
 * Kepler weights of every component's model, or `undefined` when a model
 * is not weight-exportable (or there is none).
 */
function keplerWeightsOf(
  frameComponents: readonly Component[],
  components: Partial<Record<Component, TrainedComponent>>,
  features: readonly string[],
): Partial<Record<Component, KeplerWeights>> | undefined {
  const weights: Partial<Record<Component, KeplerWeights>> = {};
  for (const c of frameComponents) {
    const model = components[c]?.model;
    if (model === undefined) continue;
    if (!isWeightExportable(model)) return undefined;
    weights[c] = model.keplerWeights(features);
  }
  return Object.keys(weights).length > 0 ? weights : undefined;
}
