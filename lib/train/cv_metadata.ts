/**
 * The cross-validation fields of a model's metadata, after upstream's and
 * the holdout's: per component `<c>_cv_mae`, `<c>_cv_mae_std`,
 * `<c>_cv_mape`, `<c>_cv_mape_std` and `<c>_interval_coverage_cv`; for the
 * model `cv_folds`, `cv_mae`, `cv_mae_std`, `cv_mape`, `cv_mape_std` (each
 * fold summarised over components as upstream summarises the holdout: the
 * largest MAE and the largest defined MAPE, then mean and spread over the
 * folds), `interval_calibration` (`cv` or `holdout`),
 * `interval_coverage_cv` (coverage on each fold with an interval
 * calibrated on the other folds) and `interval_coverage_holdout` (coverage
 * of the model's interval on the held-out rows, which neither trained nor
 * calibrated it). When a fold's model cannot be fitted or predicts
 * non-finite values on its unseen fold, `cv_failed` says so and the model
 * ranks after every model with CV figures
 * (`rankingError` in lib/pipeline/model_metadata.ts). Upstream's
 * `mae`/`mape` keep their meaning.
 *
 * @module
 */
import type { Component } from "../types.ts";
import { meanStd } from "./cross_validate.ts";
import { summarizeMetrics } from "./metrics.ts";
import type { TrainedComponent } from "./train_model.ts";

/** Rounds to 2 decimals, as every CV figure of the metadata is written. */
export function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

function round4(x: number): number {
  return Math.round(x * 10000) / 10000;
}

/** Mean and spread of MAPEs, −1 when a fold has none defined. */
function mapeStats(values: number[]): { mean: number; std: number } {
  if (values.some((v) => v < 0)) return { mean: -1, std: -1 };
  const { mean, std } = meanStd(values);
  return { mean: round2(mean), std: round2(std) };
}

/** Each fold summarised over the components (largest MAE and MAPE). */
function foldSummaries(
  trained: readonly (readonly [Component, TrainedComponent])[],
  folds: number,
) {
  return Array.from({ length: folds }, (_, f) =>
    summarizeMetrics(
      Object.fromEntries(trained.map(([c, t]) => [c, t.cv!.metrics[f]!])),
    ));
}

/**
 * Each fold's model-level MAE (the largest over the components, as
 * `cv_mae` averages them), or `undefined` when a component was not
 * cross-validated or failed.
 *
 * @param components The trained components of one model.
 * @returns The MAE of each fold, in fold order.
 *
 * @example
 * ```ts
 * import { foldMaes } from "./cv_metadata.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const cv = (maes: number[]) => ({
 *   folds: maes.length,
 *   metrics: maes.map((mae) => ({ mae, mape: 1, mse: 1, r2: 0 })),
 * });
 * assertEquals(foldMaes({
 *   package: { cv: cv([3, 1]) },
 *   dram: { cv: cv([2, 4]) },
 * } as never), [3, 4]);
 * ```
 */
export function foldMaes(
  components: Partial<Record<Component, TrainedComponent>>,
): number[] | undefined {
  const trained = Object.entries(components).map(([c, t]) =>
    [c as Component, t!] as const
  );
  if (
    trained.length === 0 ||
    trained.some(([, t]) => t.cv === undefined || t.cvFailure !== undefined)
  ) return undefined;
  const folds = trained[0]![1].cv!.metrics.length;
  if (trained.some(([, t]) => t.cv!.metrics.length !== folds)) return undefined;
  return foldSummaries(trained, folds).map((s) => s.mae);
}

/**
 * The CV fields of a model's metadata (none when it was not
 * cross-validated).
 *
 * @param order The frame's components, in metadata order.
 * @param components The trained components.
 * @param folds The number of folds asked for (`undefined`: no CV).
 * @returns The fields to add to the metadata, in the order written.
 *
 * @example
 * ```ts
 * import { cvMetadata } from "./cv_metadata.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const m = (mae: number) => ({ mae, mape: 2 * mae, mse: 0, r2: 1 });
 * const cv = { folds: 2, metrics: [m(1), m(3)], y: new Float64Array(),
 *   yHat: new Float64Array(), fold: new Uint8Array() };
 * const fields = cvMetadata(["platform"], {
 *   platform: { model: {} as never, metrics: m(2), cv },
 * }, 2);
 * assertEquals([fields.cv_folds, fields.cv_mae, fields.platform_cv_mape], [2, 2, 4]);
 * ```
 */
export function cvMetadata(
  order: readonly Component[],
  components: Partial<Record<Component, TrainedComponent>>,
  folds: number | undefined,
): Record<string, unknown> {
  if (folds === undefined) return { interval_calibration: "holdout" };
  const failed = order.flatMap((c) => components[c]?.cvFailure ?? []);
  if (failed.length > 0) {
    return {
      cv_folds: folds,
      cv_failed: failed.join("; "),
      interval_calibration: "holdout",
    };
  }
  const trained = order.flatMap((c) => {
    const t = components[c];
    return t?.cv !== undefined ? [[c, t] as const] : [];
  });
  const out: Record<string, unknown> = {};
  for (const [c, t] of trained) {
    const mae = meanStd(t.cv!.metrics.map((m) => m.mae));
    const mape = mapeStats(t.cv!.metrics.map((m) => m.mape));
    out[`${c}_cv_mae`] = round2(mae.mean);
    out[`${c}_cv_mae_std`] = round2(mae.std);
    out[`${c}_cv_mape`] = mape.mean;
    out[`${c}_cv_mape_std`] = mape.std;
    if (t.cvCoverage !== undefined) {
      out[`${c}_interval_coverage_cv`] = round4(t.cvCoverage);
    }
  }
  if (trained.length === 0) return { interval_calibration: "holdout" };
  const perFold = foldSummaries(trained, folds);
  const mae = meanStd(perFold.map((s) => s.mae));
  const mape = mapeStats(perFold.map((s) => s.mape));
  out.cv_folds = folds;
  out.cv_mae = round2(mae.mean);
  out.cv_mae_std = round2(mae.std);
  out.cv_mape = mape.mean;
  out.cv_mape_std = mape.std;
  out.interval_calibration = "cv";
  const mean = (xs: number[]) =>
    xs.length > 0
      ? round4(xs.reduce((s, v) => s + v, 0) / xs.length)
      : undefined;
  const onFolds = mean(trained.flatMap(([, t]) => t.cvCoverage ?? []));
  if (onFolds !== undefined) out.interval_coverage_cv = onFolds;
  const holdout = mean(trained.flatMap(([, t]) => t.holdoutCoverage ?? []));
  if (holdout !== undefined) out.interval_coverage_holdout = holdout;
  return out;
}
