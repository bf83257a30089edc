/**
 * The expected cost of a training job, from measured times (private to
 * lib/train): the pool hands out the longest jobs first, so its workers
 * finish together instead of one waiting on a large SVR or XgboostFit job
 * that was planned last.
 *
 * The model: per component and per fit, `fixed + perRow·n + perRow2·n²`
 * milliseconds for n rows, times the fits of blocked cross-validation
 * (`cvFolds` + the holdout fit), twice when `derivedFeatures: "auto"`
 * trains the model without and with derived features. Coefficients were fitted to every job of
 * `train -e rapl-sysfs` at 10 min × 10 and 1 h × 50 containers (simulate,
 * seed 1; 200 and 1,200 rows, 4 components, 3 folds; one thread, loaded
 * machine): SVR grows with n² (SMO over the kernel), XgboostFit and
 * GradientBoosting with n·trees, the curve fits with n·iterations (their
 * iterations do not grow with n, so linear), KNN with n·log n (taken as
 * linear). Only the ratios matter.
 *
 * @module
 */
import type { TrainerName } from "../types.ts";
import type { SerializedJob } from "./_train_job.ts";
import { applicableDerived } from "./derived_features.ts";

/** Milliseconds per component per fit: fixed, per row, per row². */
type Coefficients = readonly [fixed: number, perRow: number, perRow2: number];

/** Measured coefficients (see the module doc). */
export const JOB_COST: Readonly<Record<TrainerName, Coefficients>> = {
  XgboostFitTrainer: [12, 0.04, 0],
  GradientBoostingRegressorTrainer: [6.1, 0.0136, 0],
  SGDRegressorTrainer: [7.5, 0.0045, 0],
  SVRRegressorTrainer: [1.25, 0, 2.3e-5],
  KNeighborsRegressorTrainer: [0.25, 0.0018, 0],
  LinearRegressionTrainer: [0.6, 0.0001, 0],
  PolynomialRegressionTrainer: [1.06, 0.00054, 0],
  LogarithmicRegressionTrainer: [0.3, 0.0072, 0],
  LogisticRegressionTrainer: [3.25, 0.019, 0],
  ExponentialRegressionTrainer: [0.44, 0.029, 0],
  SaturatingRegressionTrainer: [0.5, 0.02, 0],
  EnsembleTrainer: [0, 0, 0],
};

/** The fold count trainModel uses when none is given. */
const DEFAULT_CV_FOLDS = 3;

/** The expected cost of a job in milliseconds of one thread. */
export function jobCost(job: SerializedJob): number {
  const n = job.frame.length;
  const components = Object.keys(job.frame.power).length;
  // `--derived-features auto` trains the model twice where they apply
  const variants = job.options.derivedFeatures === "auto" &&
      applicableDerived(job.trainer, job.frame.featureNames).length > 0
    ? 2
    : 1;
  const fits = variants * (1 + (job.options.cvFolds ?? DEFAULT_CV_FOLDS));
  const [fixed, perRow, perRow2] = JOB_COST[job.trainer];
  return components * fits * (fixed + perRow * n + perRow2 * n * n);
}

/**
 * The jobs longest first (a stable sort: equal costs keep their order), the
 * order a pool of workers that each take the next job when idle should run
 * them in (longest processing time first).
 */
export function longestFirst<T extends { job: SerializedJob }>(
  jobs: readonly T[],
): T[] {
  const cost = new Map(jobs.map((j) => [j, jobCost(j.job)]));
  return [...jobs].sort((a, b) => cost.get(b)! - cost.get(a)!);
}

/**
 * The finishing time of each of `workers` workers that take the next job
 * of `costs` whenever one is idle (list scheduling, as TrainPool runs
 * them).
 */
export function finishTimes(
  costs: readonly number[],
  workers: number,
): number[] {
  const busy = new Array<number>(Math.max(1, workers)).fill(0);
  for (const c of costs) {
    let k = 0;
    for (let i = 1; i < busy.length; i++) if (busy[i]! < busy[k]!) k = i;
    busy[k] = busy[k]! + c;
  }
  return busy;
}
