/**
 * `SGDRegressorTrainer`: upstream's `SGDRegressor(max_iter=1000)` on
 * MaxAbs-scaled features, with scikit-learn's defaults and update rule
 * (`_sgd_fast.pyx` `_plain_sgd`): squared loss, L2 penalty `alpha = 1e-4`,
 * `invscaling` learning rate `eta = eta0 / t^power_t` (`eta0 = 0.01`,
 * `power_t = 0.25`, `t` counting samples from 1), shuffling every epoch, and
 * stopping once the epoch's summed loss has not improved by more than
 * `tol × n` for `n_iter_no_change` epochs in a row.
 *
 * Unlike upstream (no `random_state`), the shuffle is seeded, so the same
 * seed gives the same model; the seed and the epoch count are recorded in
 * the model's `info`.
 *
 * @module
 */
import {
  type Columns,
  FitError,
  type FitOptions,
  type Trainer,
} from "../model.ts";
import { type LinearModel, linearModel } from "./linear_model.ts";
import { fitMaxAbsScaler } from "../scaler.ts";
import { mulberry32, shuffleInPlace } from "../../numeric/random.ts";
import { checkNumber, checkTrainingData } from "./_validate.ts";

/** Hyperparameters of {@linkcode sgdRegressor} (scikit-learn's names). */
export interface SgdRegressorParams {
  /** L2 penalty strength. Default: `1e-4`. */
  alpha?: number;
  /** Initial learning rate. Default: `0.01`. */
  eta0?: number;
  /** Exponent of the inverse-scaling learning rate. Default: `0.25`. */
  powerT?: number;
  /** Maximum number of epochs. Default: `1000`. */
  maxIter?: number;
  /**
   * Stopping tolerance on the epoch's summed loss (per sample); `null`
   * disables early stopping. Default: `1e-3`.
   */
  tol?: number | null;
  /** Epochs without improvement before stopping. Default: `5`. */
  nIterNoChange?: number;
  /** Shuffle the rows every epoch. Default: `true`. */
  shuffle?: boolean;
}

const MAX_DLOSS = 1e12;

/**
 * The `SGDRegressorTrainer`: fits a {@linkcode LinearModel} by plain
 * stochastic gradient descent. Throws a `FitError` if the weights overflow.
 *
 * @example
 * ```ts
 * import { sgdRegressor } from "./sgd_regressor.ts";
 * import { ok as assert } from "node:assert/strict";
 * const x = Float64Array.from({ length: 200 }, (_, i) => i / 2);
 * const y = x.map((v) => 50 + 0.5 * v);
 * const m = sgdRegressor().fit([x], y, { seed: 1 });
 * const [p] = m.predict([Float64Array.of(50)]);
 * assert(Math.abs(p! - 75) < 1);
 * ```
 */
export function sgdRegressor(
  params: SgdRegressorParams = {},
): Trainer<LinearModel> {
  const resolved = {
    alpha: params.alpha ?? 1e-4,
    eta0: params.eta0 ?? 0.01,
    powerT: params.powerT ?? 0.25,
    maxIter: params.maxIter ?? 1000,
    tol: params.tol === undefined ? 1e-3 : params.tol,
    nIterNoChange: params.nIterNoChange ?? 5,
    shuffle: params.shuffle ?? true,
  };
  const who = "SGDRegressorTrainer";
  return {
    name: who,
    params: Object.freeze({ ...resolved }),
    fit(x: Columns, y: Float64Array, options: FitOptions = {}): LinearModel {
      const n = checkTrainingData(who, x, y, 1);
      const checked = checkParams(who, resolved);
      const seed = options.seed ?? 42;
      const scaler = fitMaxAbsScaler(x);
      const cols = scaler.transform(x);
      const rows = rowMajor(cols, n);
      const { w, intercept, epochs } = descend(rows, cols.length, y, {
        ...checked,
        who,
        shuffle: resolved.shuffle,
        random: mulberry32(seed),
      });
      return linearModel({
        trainer: who,
        scale: scaler.scale,
        coef: w,
        intercept,
        info: { seed, epochs },
      });
    },
  };
}

/** The checked hyperparameters (`tol: null` becomes −∞). */
interface Checked {
  alpha: number;
  eta0: number;
  powerT: number;
  maxIter: number;
  tol: number;
  nIterNoChange: number;
}

/** Checks the hyperparameters; throws a `RangeError` naming a bad one. */
function checkParams(
  who: string,
  resolved: Required<SgdRegressorParams>,
): Checked {
  const alpha = checkNumber(who, "alpha", resolved.alpha, { min: 0 });
  const eta0 = checkNumber(who, "eta0", resolved.eta0, {
    min: 0,
    exclusiveMin: true,
  });
  const powerT = checkNumber(who, "powerT", resolved.powerT, {});
  const maxIter = checkNumber(who, "maxIter", resolved.maxIter, {
    min: 1,
    integer: true,
  });
  const tol = resolved.tol === null
    ? -Infinity
    : checkNumber(who, "tol", resolved.tol, {});
  const nIterNoChange = checkNumber(
    who,
    "nIterNoChange",
    resolved.nIterNoChange,
    { min: 1, integer: true },
  );
  return { alpha, eta0, powerT, maxIter, tol, nIterNoChange };
}

/** Row-major copy of the columns: each SGD step reads one row. */
function rowMajor(cols: Columns, n: number): Float64Array {
  const p = cols.length;
  const rows = new Float64Array(n * p);
  for (let j = 0; j < p; j++) {
    const col = cols[j]!;
    for (let i = 0; i < n; i++) rows[i * p + j] = col[i]!;
  }
  return rows;
}

/** The weights SGD moves: coefficients, intercept and step count t. */
interface SgdState {
  w: Float64Array;
  intercept: number;
  t: number;
}

/**
 * Epochs of SGD until `maxIter` or `nIterNoChange` epochs without a loss
 * improvement of `tol · n`; throws a `FitError` when the weights overflow.
 */
function descend(
  rows: Float64Array,
  p: number,
  y: Float64Array,
  o: Checked & {
    who: "SGDRegressorTrainer";
    shuffle: boolean;
    random: () => number;
  },
): SgdState & { epochs: number } {
  const n = y.length;
  const state: SgdState = { w: new Float64Array(p), intercept: 0, t: 1 };
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  let bestLoss = Infinity;
  let noImprovement = 0;
  let epochs = 0;
  for (let epoch = 0; epoch < o.maxIter; epoch++) {
    epochs = epoch + 1;
    if (o.shuffle) shuffleInPlace(order, o.random);
    const sumLoss = epochSgd(state, rows, p, y, order, o);
    const { w, intercept } = state;
    if (!Number.isFinite(intercept) || !allFinite(w)) {
      throw new FitError(
        o.who,
        `the weights overflowed at epoch ${epochs}; try a smaller eta0`,
      );
    }
    if (sumLoss > bestLoss - o.tol * n) noImprovement += 1;
    else noImprovement = 0;
    if (sumLoss < bestLoss) bestLoss = sumLoss;
    if (noImprovement >= o.nIterNoChange) break;
  }
  return { ...state, epochs };
}

function allFinite(w: Float64Array): boolean {
  for (let j = 0; j < w.length; j++) if (!Number.isFinite(w[j]!)) return false;
  return true;
}

/** The most `t` values {@linkcode etaTable} keeps (8 MB). */
const ETA_TABLE_MAX = 1 << 20;
let etaCache:
  | { eta0: number; powerT: number; values: Float64Array }
  | undefined;

/**
 * The step size `eta0 / Math.pow(t, powerT)` at index `t`, for `t` up to at
 * least `upTo` (at most {@linkcode ETA_TABLE_MAX}), kept from fit to fit in
 * this thread: every fit takes the same steps `t` = 1, 2, …, and
 * `Math.pow` (13 ns) with the division cost more than the rest of a step on
 * 5 features. The values are the same expressions' results, so the fit is
 * the same bit for bit.
 */
function etaTable(eta0: number, powerT: number, upTo: number): Float64Array {
  const want = Math.min(ETA_TABLE_MAX, upTo + 1);
  const cached = etaCache?.eta0 === eta0 && etaCache.powerT === powerT
    ? etaCache.values
    : undefined;
  if (cached !== undefined && cached.length >= want) return cached;
  const size = Math.min(
    ETA_TABLE_MAX,
    Math.max(want, 2 * (cached?.length ?? 0), 4096),
  );
  const values = new Float64Array(size);
  const from = cached?.length ?? 0;
  if (cached !== undefined) values.set(cached);
  for (let t = from; t < size; t++) values[t] = eta0 / Math.pow(t, powerT);
  etaCache = { eta0, powerT, values };
  return values;
}

/** One pass over the rows in `order`; returns the summed squared loss / 2. */
function epochSgd(
  state: SgdState,
  rows: Float64Array,
  p: number,
  y: Float64Array,
  order: Uint32Array,
  { eta0, powerT, alpha }: Checked,
): number {
  const { w } = state;
  let intercept = state.intercept;
  let t = state.t;
  const n = order.length;
  const etas = etaTable(eta0, powerT, t + n);
  const inTable = etas.length;
  let sumLoss = 0;
  for (let k = 0; k < n; k++) {
    const i = order[k]!;
    const off = i * p;
    let pred = intercept;
    for (let j = 0; j < p; j++) pred += w[j]! * rows[off + j]!;
    const eta = t < inTable ? etas[t]! : eta0 / Math.pow(t, powerT);
    const diff = pred - y[i]!;
    sumLoss += 0.5 * diff * diff;
    const dloss = diff < -MAX_DLOSS
      ? -MAX_DLOSS
      : diff > MAX_DLOSS
      ? MAX_DLOSS
      : diff;
    const update = -eta * dloss;
    const decay = Math.max(0, 1 - eta * alpha);
    for (let j = 0; j < p; j++) {
      w[j] = w[j]! * decay + update * rows[off + j]!;
    }
    intercept += update;
    t += 1;
  }
  state.intercept = intercept;
  state.t = t;
  return sumLoss;
}
