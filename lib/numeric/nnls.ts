/**
 * Non-negative least squares, `min ‖A x − b‖ subject to x ≥ 0`, by the
 * Lawson–Hanson active-set method (Lawson & Hanson, "Solving Least Squares
 * Problems", 1974, ch. 23; the algorithm behind scipy.optimize.nnls, which
 * scikit-learn's `LinearRegression(positive=True)` calls).
 *
 * It works on a small dense A: the linear trainer first reduces its tall
 * problem with a Householder QR (`_qr.ts`), which leaves the minimisers and
 * the constraint set unchanged.
 *
 * @module
 */
import { minNormSolve } from "./qr.ts";

/** Options of {@linkcode nnls}. */
export interface NnlsOptions {
  /** Maximum outer iterations. Default: 3 × columns (as Lawson–Hanson). */
  maxIterations?: number;
  /**
   * Tolerance on the dual (gradient) for adding a variable. Default:
   * `10 · ε · ‖A‖₁ · max(m, p)`, MATLAB lsqnonneg's choice.
   */
  tolerance?: number;
}

/** The NNLS solution. */
export interface NnlsResult {
  /** The non-negative solution. */
  x: Float64Array;
  /** The dual vector `Aᵀ(b − A x)` at the solution (≤ 0 where x = 0). */
  w: Float64Array;
  /** Outer iterations used. */
  iterations: number;
}

/**
 * Solves `min ‖A x − b‖, x ≥ 0` for a dense row-major A of m×p. Throws a
 * `RangeError` if it does not finish within `maxIterations`.
 *
 * @example
 * ```ts
 * import { nnls } from "./nnls.ts";
 * import { ok as assert } from "node:assert/strict";
 * // A = [[1,0],[1,1],[1,2]], b = (2,1,0): the unconstrained solution is
 * // (2, -1); with x ≥ 0 it is (1, 0). Checked by the KKT conditions:
 * const a = Float64Array.of(1, 0, 1, 1, 1, 2);
 * const { x, w } = nnls(a, 3, 2, Float64Array.of(2, 1, 0));
 * assert(Math.abs(x[0]! - 1) < 1e-12 && Math.abs(w[0]!) < 1e-12);
 * assert(x[1] === 0 && w[1]! <= 0);
 * ```
 */
export function nnls(
  a: Float64Array,
  m: number,
  p: number,
  b: Float64Array,
  options: NnlsOptions = {},
): NnlsResult {
  const maxIterations = options.maxIterations ?? 3 * p;
  let norm1 = 0;
  for (let j = 0; j < p; j++) {
    let s = 0;
    for (let i = 0; i < m; i++) s += Math.abs(a[i * p + j]!);
    norm1 = Math.max(norm1, s);
  }
  const tol = options.tolerance ??
    10 * Number.EPSILON * norm1 * Math.max(m, p);

  const x = new Float64Array(p);
  const passive = new Uint8Array(p);
  const w = new Float64Array(p);
  const problem: Problem = { a, m, p, b, x, passive, w, tol };

  dual(problem);
  let iterations = 0;
  let skip = -1;
  for (;;) {
    let t = -1;
    let best = tol;
    for (let j = 0; j < p; j++) {
      if (!passive[j] && j !== skip && w[j]! > best) {
        best = w[j]!;
        t = j;
      }
    }
    if (t < 0) break;
    if (++iterations > maxIterations) {
      throw new RangeError(
        `NNLS did not converge in ${maxIterations} iterations (largest dual ${best})`,
      );
    }
    passive[t] = 1;
    stepToFeasible(problem);
    dual(problem);
    // If the variable just added dropped straight out (possible only through
    // rounding), do not pick it again at once: that would cycle.
    skip = passive[t] ? -1 : t;
  }
  for (let j = 0; j < p; j++) if (x[j]! < 0) x[j] = 0;
  return { x, w, iterations };
}

/** The state of one NNLS solve: `a` is m × p row-major. */
interface Problem {
  a: Float64Array;
  m: number;
  p: number;
  b: Float64Array;
  x: Float64Array;
  passive: Uint8Array;
  w: Float64Array;
  tol: number;
}

/** The dual `w = Aᵀ(b − Ax)`, written into `w`. */
function dual({ a, m, p, b, x, w }: Problem): void {
  const resid = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    let s = b[i]!;
    for (let j = 0; j < p; j++) s -= a[i * p + j]! * x[j]!;
    resid[i] = s;
  }
  for (let j = 0; j < p; j++) {
    let s = 0;
    for (let i = 0; i < m; i++) s += a[i * p + j]! * resid[i]!;
    w[j] = s;
  }
}

/** Least squares restricted to the passive columns; zero elsewhere. */
function solvePassive({ a, m, p, b, passive }: Problem): Float64Array {
  const idx: number[] = [];
  for (let j = 0; j < p; j++) if (passive[j]) idx.push(j);
  const k = idx.length;
  const sub = new Float64Array(m * k);
  for (let i = 0; i < m; i++) {
    for (let c = 0; c < k; c++) sub[i * k + c] = a[i * p + idx[c]!]!;
  }
  const zs = minNormSolve(sub, m, k, b);
  const z = new Float64Array(p);
  for (let c = 0; c < k; c++) z[idx[c]!] = zs[c]!;
  return z;
}

/**
 * The inner loop: steps `x` back towards feasibility, dropping variables
 * that reach zero, until the passive solution is strictly positive.
 */
function stepToFeasible(problem: Problem): void {
  const { p, x, passive, tol } = problem;
  for (;;) {
    const z = solvePassive(problem);
    let feasible = true;
    for (let j = 0; j < p; j++) {
      if (passive[j] && z[j]! <= 0) feasible = false;
    }
    if (feasible) {
      x.set(z);
      return;
    }
    let alpha = Infinity;
    for (let j = 0; j < p; j++) {
      if (passive[j] && z[j]! <= 0) {
        const denom = x[j]! - z[j]!;
        const step = denom > 0 ? x[j]! / denom : 0;
        if (step < alpha) alpha = step;
      }
    }
    for (let j = 0; j < p; j++) {
      x[j] = x[j]! + alpha * (z[j]! - x[j]!);
      if (passive[j] && x[j]! <= tol) {
        passive[j] = 0;
        x[j] = 0;
      }
    }
  }
}
