/**
 * Sequential minimal optimisation (SMO) for epsilon-SVR with an RBF kernel,
 * after LIBSVM (Chang & Lin, "LIBSVM: a library for support vector
 * machines", 2011, §4.1; working-set selection WSS3 of Fan, Chen & Lin,
 * JMLR 6, 2005), which is what scikit-learn's `SVR` runs.
 *
 * Written here because no maintained JavaScript library does SVR (mljs has
 * kernels and SVM classification only, not epsilon-regression).
 *
 * The dual has 2l variables `α` (for `+`) and `α*` (for `−`):
 * `min ½ (α−α*)ᵀ K (α−α*) + ε Σ(α+α*) − Σ y (α−α*)`, subject to
 * `Σ(α−α*) = 0` and `0 ≤ α, α* ≤ C`. LIBSVM writes it as one problem in
 * `a ∈ R^{2l}` with signs `s = (+1…, −1…)`, linear term
 * `p = (ε − y, ε + y)` and `Q_tu = s_t s_u K(t mod l, u mod l)`.
 * Stopping: the maximal violating pair's gap `m(a) − M(a) ≤ tol`.
 * No shrinking heuristic is implemented (the result is the same; only the
 * speed differs).
 *
 * @module
 */
import { keptKernelRows } from "./rbf_kernel.ts";

/** Options of {@linkcode solveEpsilonSvr}. */
export interface SmoOptions {
  /** Box constraint C. */
  c: number;
  /** Width of the insensitive tube ε. */
  epsilon: number;
  /** RBF kernel width: `K(u, v) = exp(−γ ‖u − v‖²)`. */
  gamma: number;
  /** Stopping tolerance on the KKT gap. Default: `1e-3`. */
  tol?: number;
  /**
   * Kernel row cache budget in MB (LRU). Default: `200`, scikit-learn's
   * `cache_size`.
   */
  cacheMb?: number;
  /** Iteration cap. Default: `max(10⁷, 100 · 2l)`, LIBSVM's. */
  maxIterations?: number;
}

/** The SMO solution. */
export interface SmoResult {
  /** `β_i = α_i − α*_i` per training row. */
  beta: Float64Array;
  /** LIBSVM's ρ: the decision is `Σ β_i K(x_i, x) − ρ`. */
  rho: number;
  /** Iterations used. */
  iterations: number;
  /** Whether the KKT gap fell below `tol` before the iteration cap. */
  converged: boolean;
}

const TAU = 1e-12;

/**
 * Solves the epsilon-SVR dual for row-major points `x` (`l × p`) and
 * targets `y` by SMO with WSS3 working-set selection.
 *
 * @example
 * ```ts
 * import { solveEpsilonSvr } from "./smo.ts";
 * import { ok as assert } from "node:assert/strict";
 * // Two points 1 apart in y, tube 0.1: both end up as support vectors.
 * const r = solveEpsilonSvr(Float64Array.of(0, 1), 1, Float64Array.of(0, 1),
 *   { c: 10, epsilon: 0.1, gamma: 1 });
 * assert(r.converged && Math.abs(r.beta[0]! + r.beta[1]!) < 1e-12);
 * ```
 */
export function solveEpsilonSvr(
  x: Float64Array,
  p: number,
  y: Float64Array,
  options: SmoOptions,
): SmoResult {
  const l = y.length;
  const L = 2 * l;
  const c = options.c;
  const eps = options.tol ?? 1e-3;
  const maxIterations = options.maxIterations ?? Math.max(1e7, 100 * L);
  const kernel = keptKernelRows(
    x,
    l,
    p,
    options.gamma,
    options.cacheMb ?? 200,
  );
  const alpha = new Float64Array(L);
  const g = new Float64Array(L);
  for (let t = 0; t < l; t++) {
    g[t] = options.epsilon - y[t]!;
    g[t + l] = options.epsilon + y[t]!;
  }
  const state: SmoState = {
    l,
    c,
    alpha,
    g,
    kernel,
    zeroRow: new Float32Array(l),
  };
  const pair: Pair = { i: -1, j: -1, gmax: -Infinity, gap: 0 };
  selectI(state, pair);

  let iterations = 0;
  let converged = false;
  while (iterations < maxIterations) {
    selectJ(state, pair);
    if (pair.gap < eps || pair.j === -1) {
      converged = true;
      break;
    }
    iterations++;
    updatePair(state, pair);
  }

  const rho = computeRho(state);
  const beta = new Float64Array(l);
  for (let t = 0; t < l; t++) beta[t] = alpha[t]! - alpha[t + l]!;
  return { beta, rho, iterations, converged };
}

/** The state of one SMO solve over the 2l dual variables. */
interface SmoState {
  /** Number of rows. */
  l: number;
  /** Box bound C. */
  c: number;
  /** The dual variables: α⁺ in `[0, l)`, α⁻ in `[l, 2l)`. */
  alpha: Float64Array;
  /** The gradient of the dual objective. */
  g: Float64Array;
  /** Kernel rows, cached. */
  kernel: { row(i: number): Float32Array };
  /** The kernel row used when no `i` is eligible. */
  zeroRow: Float32Array;
}

/**
 * A working pair: `i` with its violation `gmax`, `j`, and the optimality
 * gap `gmax + gmax2`.
 */
interface Pair {
  i: number;
  j: number;
  gmax: number;
  gap: number;
}

// RBF: K(x, x) = 1 for every row.
const QD = 1;

/*
 * LIBSVM's working-set selection (WSS 2) scans I_up for `i` (the maximal
 * violation, the last of equal ones), then I_low for `j` (the largest
 * second-order decrease, the last of equal ones), each over t < l (sign +1)
 * then t ≥ l (sign −1). Here each scan is one pass over r < l that looks at
 * t = r and t = r + l together, keeping each half's best apart; the last of
 * equal bests over the two halves in order is the second half's when it is
 * at least as good, so the choice is LIBSVM's, tie for tie. The scan for `i`
 * runs inside the previous iteration's gradient update (selectI only starts
 * the solve).
 */

/** Sets `out.i` and `out.gmax` (I_up's maximal violation) from scratch. */
function selectI(state: SmoState, out: Pair): void {
  const { l, c, alpha, g } = state;
  let gA = -Infinity, iA = -1, gB = -Infinity, iB = -1;
  for (let r = 0; r < l; r++) {
    const gp = -g[r]!;
    if (alpha[r]! < c && gp >= gA) {
      gA = gp;
      iA = r;
    }
    const gm = g[r + l]!;
    if (alpha[r + l]! > 0 && gm >= gB) {
      gB = gm;
      iB = r + l;
    }
  }
  setI(out, gA, iA, gB, iB);
}

/** The first half's best unless the second half's is at least as good. */
function setI(out: Pair, gA: number, iA: number, gB: number, iB: number) {
  if (iB !== -1 && gB >= gA) {
    out.i = iB;
    out.gmax = gB;
  } else {
    out.i = iA;
    out.gmax = gA;
  }
}

/**
 * Sets `out.j` (−1 when no pair decreases the objective) and `out.gap`
 * for the pair's `i` and `gmax`.
 */
function selectJ(state: SmoState, out: Pair): void {
  const { l, c, alpha, g } = state;
  const { i, gmax } = out;
  const qd = QD;
  let gmax2 = -Infinity;
  let objA = Infinity, jA = -1, objB = Infinity, jB = -1;
  // (when i is −1 the problem is optimal; only gmax2 matters then)
  const ki = i === -1 ? state.zeroRow : state.kernel.row(i % l);
  const canPick = i !== -1;
  for (let r = 0; r < l; r++) {
    // t = r: sign +1, eligible when α_t > 0, gradient term G_t
    if (alpha[r]! > 0) {
      const gt = g[r]!;
      if (gt >= gmax2) gmax2 = gt;
      const gradDiff = gmax + gt;
      if (canPick && gradDiff > 0) {
        const quad = 2 * qd - 2 * ki[r]!;
        const objDiff = -(gradDiff * gradDiff) / (quad > 0 ? quad : TAU);
        if (objDiff <= objA) {
          jA = r;
          objA = objDiff;
        }
      }
    }
    // t = r + l: sign −1, eligible when α_t < C, gradient term −G_t
    if (alpha[r + l]! < c) {
      const gt = -g[r + l]!;
      if (gt >= gmax2) gmax2 = gt;
      const gradDiff = gmax + gt;
      if (canPick && gradDiff > 0) {
        const quad = 2 * qd - 2 * ki[r]!;
        const objDiff = -(gradDiff * gradDiff) / (quad > 0 ? quad : TAU);
        if (objDiff <= objB) {
          jB = r + l;
          objB = objDiff;
        }
      }
    }
  }
  out.j = jB !== -1 && objB <= objA ? jB : jA;
  out.gap = gmax + gmax2;
}

/**
 * Solves the two-variable subproblem of the pair analytically, clips it to
 * the box, updates the gradient and, in the same pass, selects the next
 * `i` (into `pair`).
 */
function updatePair(state: SmoState, pair: Pair): void {
  const { l, c, alpha, g } = state;
  const { i, j } = pair;
  const si = i < l ? 1 : -1, sj = j < l ? 1 : -1;
  const kj = state.kernel.row(j % l);
  // kernel.row(j) may have evicted row i; fetch it again (a cache hit
  // unless the cache holds only two rows).
  const kiRow = state.kernel.row(i % l);
  const kij = kiRow[j % l]!;
  const oldI = alpha[i]!, oldJ = alpha[j]!;
  const [ai, aj] = si !== sj
    ? clipOpposite(state, i, j, si * sj * kij)
    : clipSame(state, i, j, si * sj * kij);
  alpha[i] = ai;
  alpha[j] = aj;
  const dai = (ai - oldI) * si, daj = (aj - oldJ) * sj;
  // G_t += Q_ti·Δa_i + Q_tj·Δa_j with Q_tu = s_t s_u K.
  let gA = -Infinity, iA = -1, gB = -Infinity, iB = -1;
  for (let r = 0; r < l; r++) {
    const u = kiRow[r]! * dai + kj[r]! * daj;
    const gp = g[r]! + u;
    g[r] = gp;
    if (alpha[r]! < c && -gp >= gA) {
      gA = -gp;
      iA = r;
    }
    const gm = g[r + l]! - u;
    g[r + l] = gm;
    if (alpha[r + l]! > 0 && gm >= gB) {
      gB = gm;
      iB = r + l;
    }
  }
  setI(pair, gA, iA, gB, iB);
}

/** The pair's new values when their signs differ (Q_ij = −K). */
function clipOpposite(
  { c, alpha, g }: SmoState,
  i: number,
  j: number,
  qij: number,
): [number, number] {
  const qd = QD;
  let ai = alpha[i]!, aj = alpha[j]!;
  let quad = qd + qd + 2 * qij;
  if (quad <= 0) quad = TAU;
  const delta = (-g[i]! - g[j]!) / quad;
  const diff = ai - aj;
  ai += delta;
  aj += delta;
  if (diff > 0) {
    if (aj < 0) {
      aj = 0;
      ai = diff;
    }
  } else if (ai < 0) {
    ai = 0;
    aj = -diff;
  }
  if (diff > 0) {
    if (ai > c) {
      ai = c;
      aj = c - diff;
    }
  } else if (aj > c) {
    aj = c;
    ai = c + diff;
  }
  return [ai, aj];
}

/** The pair's new values when their signs agree. */
function clipSame(
  { c, alpha, g }: SmoState,
  i: number,
  j: number,
  qij: number,
): [number, number] {
  const qd = QD;
  let ai = alpha[i]!, aj = alpha[j]!;
  let quad = qd + qd - 2 * qij;
  if (quad <= 0) quad = TAU;
  const delta = (g[i]! - g[j]!) / quad;
  const sum = ai + aj;
  ai -= delta;
  aj += delta;
  if (sum > c) {
    if (ai > c) {
      ai = c;
      aj = sum - c;
    }
  } else if (aj < 0) {
    aj = 0;
    ai = sum;
  }
  if (sum > c) {
    if (aj > c) {
      aj = c;
      ai = sum - c;
    }
  } else if (ai < 0) {
    ai = 0;
    aj = sum;
  }
  return [ai, aj];
}

/** The bias ρ (LIBSVM `calculate_rho`). */
function computeRho({ l, c, alpha, g }: SmoState): number {
  let ub = Infinity, lb = -Infinity, sumFree = 0, nFree = 0;
  for (let t = 0; t < 2 * l; t++) {
    const st = t < l ? 1 : -1;
    const yg = st * g[t]!;
    if (alpha[t]! >= c) {
      if (st === -1) ub = Math.min(ub, yg);
      else lb = Math.max(lb, yg);
    } else if (alpha[t]! <= 0) {
      if (st === 1) ub = Math.min(ub, yg);
      else lb = Math.max(lb, yg);
    } else {
      nFree++;
      sumFree += yg;
    }
  }
  return nFree > 0 ? sumFree / nFree : (ub + lb) / 2;
}
