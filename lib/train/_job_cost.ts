/**
 * The expected cost of a training job, from measured times (private to
 * lib/train): the pool hands out the longest jobs first, so its workers
 * finish together instead of one waiting on a large SVR or XgboostFit job
 * that was planned last.
 *
 * The model: per component and per fit, `fixed + perRow·n + perRow2·n²`
 * milliseconds for n rows, times the fits of blocked cross-validation
 * (`cvFolds` + the holdout fit), twice when `derivedFeatures: "auto"`
 * trains the model without and with derived features. Two tables: without
 * `--tune` ({@linkcode JOB_COST}) and with it ({@linkcode TUNED_JOB_COST},
 * measured at the default budget of 8 inner fits; the search multiplies
 * the boosting, SVR, SGD, KNN, polynomial and exponential fits, not the
 * other curve fits).
 * Coefficients were fitted to every job of `trainPipeline -e rapl-sysfs`
 * at 10 min × 10 and 1 h × 50 containers (simulate; 200 and 1,200 rows, 4
 * components, 3 folds; one thread; 2026-12-06, commit 96540e5, a 2-core
 * machine shared with another run): the median per-fit time at each size,
 * a line through the two (SVR: through n², SMO over the kernel). Only the
 * ratios matter: they order the jobs longest first and split them among
 * workers.
 *
 * @module
 */
import type { TrainerName } from "../types.ts";
import type { SerializedJob } from "./_train_job.ts";
import { applicableDerived } from "./derived_features.ts";

/** Milliseconds per component per fit: fixed, per row, per row². */
type Coefficients = readonly [fixed: number, perRow: number, perRow2: number];

/** Measured coefficients without `--tune` (see the module doc). */
export const JOB_COST: Readonly<Record<TrainerName, Coefficients>> = {
  XgboostFitTrainer: [8.2, 0.0231, 0],
  GradientBoostingRegressorTrainer: [3.55, 0.00966, 0],
  SGDRegressorTrainer: [4.78, 0.00456, 0],
  SVRRegressorTrainer: [0.53, 0, 1.49e-5],
  KNeighborsRegressorTrainer: [0.14, 0.00122, 0],
  LinearRegressionTrainer: [0.41, 0.00027, 0],
  PolynomialRegressionTrainer: [0.52, 0.00105, 0],
  LogarithmicRegressionTrainer: [0.1, 0.00407, 0],
  LogisticRegressionTrainer: [1.45, 0.0158, 0],
  ExponentialRegressionTrainer: [1.72, 0.0165, 0],
  // no tuning grid: the same with and without --tune (about 20 ms per
  // fit at 1,200 rows, measured by hand on 1 h × 50)
  SaturatingRegressionTrainer: [1.0, 0.016, 0],
  EnsembleTrainer: [0, 0, 0],
};

/** Measured coefficients with `--tune 8` (see the module doc). */
export const TUNED_JOB_COST: Readonly<Record<TrainerName, Coefficients>> = {
  XgboostFitTrainer: [5.0, 0.0548, 0],
  GradientBoostingRegressorTrainer: [3.55, 0.0303, 0],
  SGDRegressorTrainer: [9.5, 0.0108, 0],
  SVRRegressorTrainer: [0.7, 0, 3.47e-5],
  KNeighborsRegressorTrainer: [0.26, 0.00508, 0],
  LinearRegressionTrainer: [0.37, 0.00079, 0],
  PolynomialRegressionTrainer: [0.66, 0.00179, 0],
  LogarithmicRegressionTrainer: [0.12, 0.00406, 0],
  LogisticRegressionTrainer: [1.7, 0.0146, 0],
  // two starts searched since f3cc104: the untuned line × 2.7, the ratio
  // of its fits' time in-process at 10 min × 10 (24–41 against 7–15 ms)
  ExponentialRegressionTrainer: [4.6, 0.045, 0],
  // no tuning grid: the same with and without --tune (about 20 ms per
  // fit at 1,200 rows, measured by hand on 1 h × 50)
  SaturatingRegressionTrainer: [1.0, 0.016, 0],
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
  const table = (job.options.tune ?? 0) > 0 ? TUNED_JOB_COST : JOB_COST;
  const [fixed, perRow, perRow2] = table[job.trainer];
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
