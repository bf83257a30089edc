/**
 * Split-conformal prediction intervals (Vovk et al.; Lei et al., JASA 2018):
 * from the absolute residuals `|y − ŷ|` of a fitted model on a calibration
 * set not used for fitting, the half-width `q` is the `⌈(n+1)(1−α)⌉`-th
 * smallest of the n residuals. For a fresh row exchangeable with the
 * calibration rows, `ŷ ± q` then covers y with probability ≥ 1 − α.
 *
 * The interval travels with the model: {@linkcode withInterval} wraps a
 * fitted model so that its JSON carries an `interval` field, and
 * `loadModel` restores the wrapper, so an estimate can carry `[lo, hi]`.
 *
 * @module
 */
import type { Columns, FittedModel, ModelJson } from "./model.ts";

/** A conformal interval half-width and how it was obtained. */
export interface PredictionInterval {
  /** Nominal coverage 1 − α, e.g. 0.9. */
  coverage: number;
  /** Half-width q: the interval is `[ŷ − q, ŷ + q]`. */
  halfWidth: number;
  /** Number of calibration rows. */
  n: number;
}

/** Options of {@linkcode conformalInterval}. */
export interface ConformalOptions {
  /**
   * Nominal coverage 1 − α, in (0, 1).
   *
   * @default {0.9}
   */
  coverage?: number;
}

/**
 * The split-conformal half-width from calibration truth and predictions.
 * Throws a `RangeError` when there are too few rows for the coverage
 * (`⌈(n+1)(1−α)⌉ > n`, i.e. fewer than `1/α − 1` rows) or on bad input.
 *
 * @param y The true values of the calibration rows (rows not used to fit).
 * @param yHat The model's predictions for the same rows.
 * @param options The nominal coverage.
 * @returns The coverage, the half-width `q` (in the unit of `y`, e.g. watts)
 *   and the number of calibration rows.
 * @throws {RangeError} when the coverage is not in (0, 1), the lengths
 *   differ, there are too few rows for the coverage, or a residual is not
 *   finite.
 *
 * @example
 * ```ts
 * import { conformalInterval } from "./interval.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * // residuals 1..19; ⌈20 · 0.9⌉ = 18 → the 18th smallest
 * const y = Float64Array.from({ length: 19 }, (_, i) => i + 1);
 * assertEquals(conformalInterval(y, new Float64Array(19)),
 *   { coverage: 0.9, halfWidth: 18, n: 19 });
 * ```
 */
export function conformalInterval(
  y: Float64Array,
  yHat: Float64Array,
  options: ConformalOptions = {},
): PredictionInterval {
  const coverage = options.coverage ?? 0.9;
  if (!(coverage > 0 && coverage < 1)) {
    throw new RangeError(
      `Cannot calibrate an interval: coverage must be in (0, 1), got ${coverage}`,
    );
  }
  const n = y.length;
  if (yHat.length !== n) {
    throw new RangeError(
      `Cannot calibrate an interval: ${yHat.length} predictions for ${n} values`,
    );
  }
  const rank = Math.ceil((n + 1) * coverage - 1e-9);
  if (rank > n || n === 0) {
    throw new RangeError(
      `Cannot calibrate a ${coverage} interval on ${n} rows: it needs at least ${
        Math.ceil(coverage / (1 - coverage) - 1e-9)
      } calibration rows`,
    );
  }
  const r = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const e = Math.abs(y[i]! - yHat[i]!);
    if (!Number.isFinite(e)) {
      throw new RangeError(
        `Cannot calibrate an interval: residual of row ${i} is ${e}`,
      );
    }
    r[i] = e;
  }
  r.sort();
  return { coverage, halfWidth: r[rank - 1]!, n };
}

/** A fitted model that also gives conformal intervals. */
export interface IntervalModel extends FittedModel {
  /** The calibrated interval. */
  readonly interval: PredictionInterval;
  /** The wrapped model. */
  readonly model: FittedModel;
  /** Predictions with their interval bounds. */
  predictInterval(
    x: Columns,
  ): { yHat: Float64Array; lo: Float64Array; hi: Float64Array };
}

/**
 * Wraps a model with a calibrated interval. The wrapper keeps the model's
 * `kind`, predictions and (if any) `keplerWeights`; its JSON is the model's
 * plus an `interval` field, which `loadModel` turns back into the wrapper.
 *
 * @example
 * ```ts
 * import { withInterval } from "./interval.ts";
 * import { linearModel } from "./trainers/linear_model.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const m = linearModel({ trainer: "SGDRegressorTrainer", scale: [1], coef: [2], intercept: 0 });
 * const w = withInterval(m, { coverage: 0.9, halfWidth: 1, n: 100 });
 * const r = w.predictInterval([Float64Array.of(3)]);
 * assertEquals([r.lo[0], r.yHat[0], r.hi[0]], [5, 6, 7]);
 * assertEquals(w.toJSON().interval, { coverage: 0.9, halfWidth: 1, n: 100 });
 * ```
 */
export function withInterval(
  model: FittedModel,
  interval: PredictionInterval,
): IntervalModel {
  const inner = "model" in model && "interval" in model
    ? (model as IntervalModel).model
    : model;
  const iv = Object.freeze({ ...interval });
  if (!(iv.halfWidth >= 0) || !Number.isFinite(iv.halfWidth)) {
    throw new RangeError(
      `Cannot attach an interval: half-width ${iv.halfWidth} is not a finite number ≥ 0`,
    );
  }
  const wrapper: IntervalModel & {
    keplerWeights?: (features: readonly string[]) => unknown;
  } = {
    kind: inner.kind,
    nFeatures: inner.nFeatures,
    interval: iv,
    model: inner,
    predict: (x: Columns) => inner.predict(x),
    predictInterval(x: Columns) {
      const yHat = inner.predict(x);
      const lo = yHat.map((v) => v - iv.halfWidth);
      const hi = yHat.map((v) => v + iv.halfWidth);
      return { yHat, lo, hi };
    },
    toJSON(): ModelJson {
      return { ...inner.toJSON(), interval: { ...iv } };
    },
  };
  const kw = (inner as { keplerWeights?: unknown }).keplerWeights;
  if (typeof kw === "function") {
    wrapper.keplerWeights = (features) => kw.call(inner, features);
  }
  return Object.freeze(wrapper);
}

/**
 * Reads an `interval` field of a model JSON, if present. Throws a
 * `TypeError` when it is malformed.
 *
 * @example
 * ```ts
 * import { readInterval } from "./interval.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(readInterval({ kind: "linear", version: 1 }), undefined);
 * assertEquals(readInterval({ kind: "linear", version: 1,
 *   interval: { coverage: 0.9, halfWidth: 2, n: 50 } })?.halfWidth, 2);
 * ```
 */
export function readInterval(json: ModelJson): PredictionInterval | undefined {
  const iv = json.interval;
  if (iv === undefined) return undefined;
  const o = iv as Record<string, unknown>;
  if (
    typeof iv !== "object" || iv === null ||
    typeof o.coverage !== "number" || typeof o.halfWidth !== "number" ||
    typeof o.n !== "number"
  ) {
    throw new TypeError(
      `Cannot load a ${json.kind} model: field interval is not {coverage, halfWidth, n}`,
    );
  }
  return { coverage: o.coverage, halfWidth: o.halfWidth, n: o.n };
}
