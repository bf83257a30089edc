/**
 * Levenberg–Marquardt least squares for a curve `f(θ, x)` of one variable
 * with an analytic gradient, on Float64Array data.
 *
 * Why not ml-levenberg-marquardt (5.1): it adds `damping · I` unscaled to
 * JᵀJ and keeps uphill steps, so from upstream's logistic p0 it can sit at
 * the start for hundreds of iterations; it has no convergence test; and it
 * builds `n × 1` ml-matrix matrices each iteration, about 150 ms per
 * iteration at 100k rows. This one follows MINPACK's `lmder` (which scipy's
 * `curve_fit` runs): steps solve `min ‖J δ − r‖² + λ ‖D δ‖²` through a QR
 * factorisation of J (not the normal equations, whose squared condition
 * number breaks on the near-collinear columns of a degenerate curve), with
 * `D` the running maximum of J's column norms; only downhill steps are
 * taken (damping update of Nielsen 1999); a rejected step raises the
 * damping and is retried. MINPACK's ftol / xtol / gtol tests with scipy's
 * default tolerances, the ftol and xtol tests on rejected steps as well as
 * accepted ones, as MINPACK does: a point no step can improve converges
 * (MINPACK's info 1 or 2) instead of failing. One pass over the data per
 * iteration. The tests check it against ml-levenberg-marquardt on problems
 * both solve.
 *
 * @module
 */
import { reduceInto } from "./qr.ts";

/** A curve with its gradient in the parameters. */
export interface CurveFunction {
  /**
   * The value at x; also writes the partial derivatives in θ into `grad`
   * (one call, so the two can share `exp` / `log` evaluations).
   */
  eval(theta: ArrayLike<number>, x: number, grad: Float64Array): number;
  /**
   * Optional: the residuals `y − f(θ, x)` into `r` and the partial
   * derivatives into the columns of `jac`, for every row, returning the
   * sum of squared residuals. It must give exactly what `eval` gives row
   * by row (the same expressions in the same order). Why: a fit calls the
   * curve once per row, and when several curves are fitted in one process
   * that one call site sees them all and V8 stops inlining it (an
   * exponential fit at 800 rows took 15.8 ms against 11.2 ms with only
   * one curve in use); a curve's own loop is called once per pass.
   */
  evaluateAll?(
    theta: ArrayLike<number>,
    x: Float64Array,
    y: Float64Array,
    r: Float64Array,
    jac: Float64Array[],
  ): number;
}

/** Options of {@linkcode levenbergMarquardt}. */
export interface LmOptions {
  /**
   * Maximum iterations, each one evaluation of the curve and its gradient
   * over the data (MINPACK's `maxfev` of an analytic-Jacobian fit).
   * Default: `30000`, scipy's `curve_fit(maxfev=30000)` of upstream.
   */
  maxIterations?: number;
  /**
   * Stop when an accepted step lowers the sum of squares by no more than
   * this fraction, actually and as predicted. Default: `1.49012e-8`.
   */
  ftol?: number;
  /** Relative step size to stop at. Default: `1.49012e-8`. */
  xtol?: number;
  /**
   * Stop when every gradient column is this close to orthogonal to the
   * residual (`max |J_jᵀr| / (‖J_j‖‖r‖)`). Default: `1e-10`.
   */
  gtol?: number;
}

/** The outcome of {@linkcode levenbergMarquardt}. */
export interface LmResult {
  /** The best parameters found. */
  theta: number[];
  /** Their sum of squared residuals. */
  sse: number;
  /** Iterations used. */
  iterations: number;
  /** Whether a convergence test passed. */
  converged: boolean;
  /** Which test stopped it, or why it failed. */
  reason: "exact" | "ftol" | "xtol" | "gtol" | "maxIterations" | "stalled";
}

/**
 * Stationarity (see `gtol`) that counts as converged when rounding leaves
 * no downhill step.
 */
const STALL_GTOL = 1e-6;

/**
 * Residuals `y − f(θ, x)` into `r` and gradient columns into `jac` at θ,
 * through the curve's `evaluateAll` when it has one, else its `eval` row by
 * row (exported for the tests of `evaluateAll`).
 *
 * @param curve The curve.
 * @param theta The parameters.
 * @param x The rows' inputs.
 * @param y The rows' labels.
 * @param r Written: the residuals.
 * @param jac Written: one column of partial derivatives per parameter.
 * @param g Scratch of the parameters' length.
 * @returns The sum of squared residuals.
 */
export function evaluate(
  curve: CurveFunction,
  theta: ArrayLike<number>,
  x: Float64Array,
  y: Float64Array,
  r: Float64Array,
  jac: Float64Array[],
  g: Float64Array,
): number {
  if (curve.evaluateAll !== undefined) {
    return curve.evaluateAll(theta, x, y, r, jac);
  }
  const m = jac.length;
  let sse = 0;
  for (let i = 0; i < x.length; i++) {
    const ri = y[i]! - curve.eval(theta, x[i]!, g);
    r[i] = ri;
    sse += ri * ri;
    for (let k = 0; k < m; k++) jac[k]![i] = g[k]!;
  }
  return sse;
}

/** Back substitution with an upper-triangular row-major m×m R. */
function backSolve(
  rm: Float64Array,
  m: number,
  b: Float64Array,
  out: Float64Array,
): Float64Array | undefined {
  for (let i = m - 1; i >= 0; i--) {
    let s = b[i]!;
    for (let k = i + 1; k < m; k++) s -= rm[i * m + k]! * out[k]!;
    const d = rm[i * m + i]!;
    if (d === 0) return undefined;
    out[i] = s / d;
  }
  return out;
}

/** An iteration's step: its reductions, their ratio and the xtol norms. */
interface StepRecord {
  actual: number;
  predicted: number;
  rho: number;
  /** The sum of squares before the step. */
  ref: number;
  /** ‖Dδ‖². */
  stepNorm: number;
  /** ‖Dθ‖². */
  thetaNorm: number;
}

/**
 * Records a step's actual and predicted reductions, their ratio and the
 * sum of squares before it into `step`; returns whether it is accepted
 * (a finite sum of squares that fell by more than 1e-4 of the prediction).
 */
function judgeStep(
  step: StepRecord,
  sse: number,
  trialSse: number,
  predicted: number,
): boolean {
  const actual = sse - trialSse;
  const rho = predicted > 0 ? actual / predicted : -1;
  step.actual = actual;
  step.predicted = predicted;
  step.rho = rho;
  step.ref = sse;
  return Number.isFinite(trialSse) && actual > 0 && rho > 1e-4;
}

/**
 * MINPACK's convergence tests after a step: `ftol` when neither the actual
 * nor the predicted reduction reaches ftol of the sum of squares `ref`,
 * `xtol` when the step is below xtol of θ. They apply to a rejected step
 * too (then the current θ is a minimum to those tolerances: as the damping
 * grows the steps shrink until the xtol test holds, MINPACK's info 2).
 */
function convergence(
  t: StepRecord,
  accepted: boolean,
  ftol: number,
  xtol: number,
): "ftol" | "xtol" | undefined {
  const small = accepted
    ? t.actual <= ftol * t.ref
    : Math.abs(t.actual) <= ftol * t.ref && 0.5 * t.rho <= 1;
  if (small && t.predicted <= ftol * t.ref) return "ftol";
  return Math.sqrt(t.stepNorm) <= xtol * Math.sqrt(t.thetaNorm)
    ? "xtol"
    : undefined;
}

/**
 * Minimises `Σ (y_i − f(θ, x_i))²` from `theta0`. Never returns non-finite
 * parameters: a step to a non-finite sum of squares is rejected like any
 * uphill step.
 *
 * @example
 * ```ts
 * import { levenbergMarquardt } from "./levenberg_marquardt.ts";
 * import { ok as assert } from "node:assert/strict";
 * const line = {
 *   eval(t: ArrayLike<number>, x: number, g: Float64Array) {
 *     g[0] = x;
 *     g[1] = 1;
 *     return t[0]! * x + t[1]!;
 *   },
 * };
 * const r = levenbergMarquardt(line, Float64Array.of(0, 1, 2), Float64Array.of(1, 3, 5), [0, 0]);
 * assert(r.converged && Math.abs(r.theta[0]! - 2) < 1e-9 && Math.abs(r.theta[1]! - 1) < 1e-9);
 * ```
 */
export function levenbergMarquardt(
  curve: CurveFunction,
  x: Float64Array,
  y: Float64Array,
  theta0: readonly number[],
  options: LmOptions = {},
): LmResult {
  const { maxIterations, ftol, xtol, gtol } = withDefaults(options);
  const m = theta0.length;
  const n = x.length;
  const w = workspace(m);
  // the current point and the trial one, swapped when a step is accepted
  let at = point(Float64Array.from(theta0), n),
    to = point(new Float64Array(m), n);
  let sse = evaluate(curve, at.theta, x, y, at.r, at.jac, w.g);
  const sst = totalSumOfSquares(y, n);
  const result = (
    converged: boolean,
    reason: LmResult["reason"],
    iterations: number,
  ): LmResult => ({
    theta: Array.from(at.theta),
    sse,
    iterations,
    converged,
    reason,
  });
  if (!Number.isFinite(sse)) return result(false, "stalled", 0);

  // QR of the current J: R (m×m) and Qᵀr; redone after each accepted step.
  // In place: J and r are not read again until evaluate() rewrites them.
  const red = w.red;
  reduceInto(at.jac, at.r, red.r, red.qtb);
  const colNorm = new Float64Array(m), diag = new Float64Array(m);
  scaleColumns(red.r, m, colNorm, diag);
  let lambda = 1e-3, nu = 2;
  const step = w.step;
  for (let it = 1; it <= maxIterations; it++) {
    if (sse === 0 || sse <= 1e-20 * sst) return result(true, "exact", it - 1);
    const cos = gradientCosine(red, m, colNorm, sse);
    if (cos <= gtol) return result(true, "gtol", it - 1);
    const delta = dampedStep(red, m, diag, lambda, w);
    if (delta === undefined) {
      lambda *= nu;
      nu *= 2;
      continue;
    }
    const predicted = predictedReduction(red, m, delta);
    trialPoint(at.theta, delta, diag, to.theta, step);
    const trialSse = evaluate(curve, to.theta, x, y, to.r, to.jac, w.g);
    const accepted = judgeStep(step, sse, trialSse, predicted);
    const reason = convergence(step, accepted, ftol, xtol);
    if (accepted) {
      // not [at, to] = [to, at]: until the loop is optimised that
      // allocates an array and an iterator per swap
      const t = at;
      at = to;
      to = t;
      sse = trialSse;
      reduceInto(at.jac, at.r, red.r, red.qtb);
      scaleColumns(red.r, m, colNorm, diag);
      lambda *= Math.max(1 / 3, 1 - (2 * step.rho - 1) ** 3);
      nu = 2;
      if (reason) return result(true, reason, it);
    } else {
      if (reason) return result(true, reason, it);
      lambda *= nu;
      nu *= 2;
      if (!(lambda < 1e300)) {
        // No downhill step of any length: a minimum to machine precision
        // if the point is stationary, else a failure.
        return cos <= STALL_GTOL
          ? result(true, "ftol", it)
          : result(false, "stalled", it);
      }
    }
  }
  return result(false, "maxIterations", maxIterations);
}

/** A point of the search: parameters, residuals and gradient columns. */
interface Point {
  theta: Float64Array;
  r: Float64Array;
  jac: Float64Array[];
}

/** A point at `theta` with room for `n` residuals and gradient rows. */
function point(theta: Float64Array, n: number): Point {
  return {
    theta,
    r: new Float64Array(n),
    jac: Array.from({ length: theta.length }, () => new Float64Array(n)),
  };
}

/** `Σ (y_i − ȳ)²` over the first n values. */
function totalSumOfSquares(y: Float64Array, n: number): number {
  let sst = 0;
  let s = 0;
  for (let i = 0; i < n; i++) s += y[i]!;
  const mean = s / n;
  for (let i = 0; i < n; i++) sst += (y[i]! - mean) ** 2;
  return sst;
}

/** A QR reduction of J: R (m×m, row-major) and Qᵀr. */
interface Reduced {
  r: Float64Array;
  qtb: Float64Array;
}

/**
 * The small working arrays of one fit, reused by every iteration: the
 * gradient of one row, the reduction of J, and the damped step's stacked
 * system `[R; √λ·D]`, its reduction and solution.
 */
interface Workspace {
  g: Float64Array;
  red: Reduced;
  cols: Float64Array[];
  stack: Float64Array;
  small: Reduced;
  delta: Float64Array;
  /** The current iteration's step (one record: no object per iteration). */
  step: StepRecord;
}

function workspace(m: number): Workspace {
  return {
    g: new Float64Array(m),
    red: { r: new Float64Array(m * m), qtb: new Float64Array(m) },
    cols: Array.from({ length: m }, () => new Float64Array(2 * m)),
    stack: new Float64Array(2 * m),
    small: { r: new Float64Array(m * m), qtb: new Float64Array(m) },
    delta: new Float64Array(m),
    step: {
      actual: 0,
      predicted: 0,
      rho: 0,
      ref: 0,
      stepNorm: 0,
      thetaNorm: 0,
    },
  };
}

/**
 * Writes the column norms of R (those of J) into `colNorm` and raises the
 * scaling `diag` to them (MINPACK's `diag`, never decreasing).
 */
function scaleColumns(
  rm: Float64Array,
  m: number,
  colNorm: Float64Array,
  diag: Float64Array,
): void {
  for (let k = 0; k < m; k++) {
    let s = 0;
    for (let i = 0; i <= k; i++) s += rm[i * m + k]! ** 2;
    colNorm[k] = Math.sqrt(s);
    diag[k] = Math.max(diag[k]!, colNorm[k]!);
  }
}

/**
 * gtol: Jᵀr = Rᵀ(Qᵀr); the largest cosine between a column and the
 * residual (columns nearly orthogonal to it mean a stationary point).
 */
function gradientCosine(
  red: Reduced,
  m: number,
  colNorm: Float64Array,
  sse: number,
): number {
  let cos = 0;
  for (let k = 0; k < m; k++) {
    if (colNorm[k]! === 0) continue;
    let s = 0;
    for (let i = 0; i <= k; i++) s += red.r[i * m + k]! * red.qtb[i]!;
    cos = Math.max(cos, Math.abs(s) / (colNorm[k]! * Math.sqrt(sse)));
  }
  return cos;
}

/**
 * The step: least squares of [R; √λ·D] δ ≈ [Qᵀr; 0], by a small QR into
 * the workspace; `undefined` when that system is singular.
 */
function dampedStep(
  red: Reduced,
  m: number,
  diag: Float64Array,
  lambda: number,
  w: Workspace,
): Float64Array | undefined {
  const sl = Math.sqrt(lambda);
  for (let k = 0; k < m; k++) {
    const c = w.cols[k]!;
    c.fill(0);
    for (let i = 0; i <= k; i++) c[i] = red.r[i * m + k]!;
    c[m + k] = sl * (diag[k]! > 0 ? diag[k]! : 1);
  }
  w.stack.fill(0);
  w.stack.set(red.qtb);
  reduceInto(w.cols, w.stack, w.small.r, w.small.qtb);
  return backSolve(w.small.r, m, w.small.qtb, w.delta);
}

/** Predicted reduction of the linear model: ‖Qᵀr‖² − ‖Qᵀr − Rδ‖². */
function predictedReduction(
  red: Reduced,
  m: number,
  delta: Float64Array,
): number {
  let predicted = 0;
  for (let i = 0; i < m; i++) {
    let rd = 0;
    for (let k = i; k < m; k++) rd += red.r[i * m + k]! * delta[k]!;
    const q = red.qtb[i]!;
    predicted += q * q - (q - rd) ** 2;
  }
  return predicted;
}

/** The options with their defaults. */
function withDefaults(options: LmOptions): Required<LmOptions> {
  return {
    maxIterations: options.maxIterations ?? 30_000,
    ftol: options.ftol ?? 1.49012e-8,
    xtol: options.xtol ?? 1.49012e-8,
    gtol: options.gtol ?? 1e-10,
  };
}

/** θ + δ into `trial`, with the scaled norms ‖Dδ‖² and ‖Dθ‖² of the xtol test into `out`. */
function trialPoint(
  theta: Float64Array,
  delta: Float64Array,
  diag: Float64Array,
  trial: Float64Array,
  out: StepRecord,
): void {
  const m = theta.length;
  let stepNorm = 0, thetaNorm = 0;
  for (let k = 0; k < m; k++) {
    trial[k] = theta[k]! + delta[k]!;
    stepNorm += (diag[k]! * delta[k]!) ** 2;
    thetaNorm += (diag[k]! * theta[k]!) ** 2;
  }
  out.stepNorm = stepNorm;
  out.thetaNorm = thetaNorm;
}
