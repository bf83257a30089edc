/**
 * The interval of a trained component and the coverage it reaches: from
 * the out-of-fold residuals when the component was cross-validated (its
 * coverage then measured on the held-out rows, which neither trained nor
 * calibrated it, and on each fold with an interval from the other folds),
 * else from the held-out residuals.
 *
 * @module
 */
import {
  conformalInterval,
  type PredictionInterval,
  withInterval,
} from "./interval.ts";
import type { ComponentMetrics } from "./metrics.ts";
import type { FittedModel } from "./model.ts";
import {
  type CrossValidation,
  cvCoverage,
  cvInterval,
} from "./cross_validate.ts";
import type { TrainedComponent } from "./train_model_types.ts";

/** A model's held-out rows: its metrics there, labels and predictions. */
export interface Held {
  /** The metrics on the held-out rows. */
  metrics: ComponentMetrics;
  /** The held-out labels. */
  yTest: Float64Array;
  /** The model's predictions of them. */
  yHat: Float64Array;
}

/**
 * A component whose interval is calibrated on its out-of-fold residuals,
 * with the interval's coverage on the held-out rows and on each fold (from
 * the other folds).
 *
 * @param fitted The model fitted on all the training rows.
 * @param held Its held-out rows.
 * @param cv Its cross-validation.
 * @param coverage The nominal coverage.
 * @returns The trained component, with its held-out predictions.
 */
export function cvCalibrated(
  fitted: FittedModel,
  held: Held,
  cv: CrossValidation,
  coverage: number,
): TrainedComponent {
  const interval = cvInterval(cv, coverage);
  const out: TrainedComponent = {
    model: interval === undefined ? fitted : withInterval(fitted, interval),
    metrics: held.metrics,
    cv,
    holdout: { y: held.yTest, yHat: held.yHat },
  };
  const onFolds = cvCoverage(cv, coverage);
  if (onFolds !== undefined) out.cvCoverage = onFolds;
  if (interval === undefined) return out;
  let inside = 0;
  held.yTest.forEach((v, i) => {
    if (Math.abs(v - held.yHat[i]!) <= interval.halfWidth) inside++;
  });
  return { ...out, interval, holdoutCoverage: inside / held.yTest.length };
}

/**
 * A component whose interval is calibrated on the held-out rows (no
 * cross-validation, or it failed: a fold's model could not be fitted or
 * predicted non-finite values on the unseen fold).
 *
 * @param fitted The model fitted on all the training rows.
 * @param held Its held-out rows.
 * @param coverage The nominal coverage.
 * @param cvFailure Why cross-validation failed, if it ran.
 * @returns The trained component, with its held-out predictions.
 */
export function holdoutCalibrated(
  fitted: FittedModel,
  held: Held,
  coverage: number,
  cvFailure: string | undefined,
): TrainedComponent {
  let interval: PredictionInterval | undefined;
  try {
    interval = conformalInterval(held.yTest, held.yHat, { coverage });
  } catch {
    interval = undefined;
  }
  return {
    model: interval === undefined ? fitted : withInterval(fitted, interval),
    metrics: held.metrics,
    holdout: { y: held.yTest, yHat: held.yHat },
    ...(interval === undefined ? {} : { interval }),
    ...(cvFailure === undefined ? {} : { cvFailure }),
  };
}
