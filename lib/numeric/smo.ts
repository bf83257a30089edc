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
 * An LRU cache of RBF kernel rows over row-major points (`l × p`), stored
 * in single precision as LIBSVM does (`Qfloat`), which doubles the rows a
 * cache budget holds.
 *
 * @example
 * ```ts
 * import { rbfKernelRows } from "./smo.ts";
 * import { ok as assert } from "node:assert/strict";
 * const k = rbfKernelRows(Float64Array.of(0, 1), 2, 1, 0.5, 1);
 * assert(k.row(0)[0] === 1 && Math.abs(k.row(0)[1]! - Math.exp(-0.5)) < 1e-7);
 * ```
 */
export function rbfKernelRows(
  x: Float64Array,
  l: number,
  p: number,
  gamma: number,
  cacheMb: number,
): { row(i: number): Float32Array } {
  const capacity = Math.max(2, Math.floor((cacheMb * 1e6) / (4 * l)));
  const cache = new Map<number, Float32Array>();
  // Column-major copy: the distance loop then runs down whole columns.
  const cols: Float64Array[] = [];
  for (let k = 0; k < p; k++) {
    const c = new Float64Array(l);
    for (let j = 0; j < l; j++) c[j] = x[j * p + k]!;
    cols.push(c);
  }
  const d = new Float64Array(l);
  return {
    row(i: number): Float32Array {
      const hit = cache.get(i);
      if (hit !== undefined) {
        cache.delete(i);
        cache.set(i, hit);
        return hit;
      }
      let out: Float32Array;
      if (cache.size >= capacity) {
        const oldest = cache.keys().next().value as number;
        out = cache.get(oldest)!;
        cache.delete(oldest);
      } else {
        out = new Float32Array(l);
      }
      d.fill(0);
      for (let k = 0; k < p; k++) {
        const c = cols[k]!;
        const v = c[i]!;
        for (let j = 0; j < l; j++) {
          const t = c[j]! - v;
          d[j] = d[j]! + t * t;
        }
      }
      for (let j = 0; j < l; j++) out[j] = Math.exp(-gamma * d[j]!);
      cache.set(i, out);
      return out;
    },
  };
}

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
  const kernel = rbfKernelRows(
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
    u: new Float64Array(l),
    zeroRow: new Float32Array(l),
  };
  const pair: Pair = { i: -1, j: -1, gap: 0 };

  let iterations = 0;
  let converged = false;
  while (iterations < maxIterations) {
    selectPair(state, pair);
    if (pair.gap < eps || pair.j === -1) {
      converged = true;
      break;
    }
    iterations++;
    updatePair(state, pair.i, pair.j);
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
  /** Scratch for the gradient update. */
  u: Float64Array;
  /** The kernel row used when no `i` is eligible. */
  zeroRow: Float32Array;
}

/** A working pair and its optimality gap `gmax + gmax2`. */
interface Pair {
  i: number;
  j: number;
  gap: number;
}

// RBF: K(x, x) = 1 for every row.
const QD = 1;

/**
 * LIBSVM's working-set selection (WSS 2): `i` by maximal violation among
 * I_up, `j` by the largest second-order decrease among I_low; `j` is −1 when
 * no pair decreases the objective. Writes into `out`.
 */
function selectPair(state: SmoState, out: Pair): void {
  const { l, c, alpha, g } = state;
  const L = 2 * l;
  const qd = QD;
  // --- select i: maximal violation among I_up
  let gmax = -Infinity;
  let gmaxIdx = -1;
  for (let t = 0; t < l; t++) {
    if (alpha[t]! < c && -g[t]! >= gmax) {
      gmax = -g[t]!;
      gmaxIdx = t;
    }
  }
  for (let t = l; t < L; t++) {
    if (alpha[t]! > 0 && g[t]! >= gmax) {
      gmax = g[t]!;
      gmaxIdx = t;
    }
  }
  const i = gmaxIdx;
  // --- select j: largest second-order decrease among I_low
  let gmax2 = -Infinity;
  let gminIdx = -1;
  let objDiffMin = Infinity;
  // (when i is −1 the problem is optimal; only gmax2 matters then)
  const ki = i === -1 ? state.zeroRow : state.kernel.row(i % l);
  const canPick = i !== -1;
  // t < l: sign +1, eligible when α_t > 0, gradient term G_t
  for (let t = 0; t < l; t++) {
    if (!(alpha[t]! > 0)) continue;
    const gt = g[t]!;
    if (gt >= gmax2) gmax2 = gt;
    const gradDiff = gmax + gt;
    if (canPick && gradDiff > 0) {
      const quad = 2 * qd - 2 * ki[t]!;
      const objDiff = -(gradDiff * gradDiff) / (quad > 0 ? quad : TAU);
      if (objDiff <= objDiffMin) {
        gminIdx = t;
        objDiffMin = objDiff;
      }
    }
  }
  // t ≥ l: sign −1, eligible when α_t < C, gradient term −G_t
  for (let t = l; t < L; t++) {
    if (!(alpha[t]! < c)) continue;
    const gt = -g[t]!;
    if (gt >= gmax2) gmax2 = gt;
    const gradDiff = gmax + gt;
    if (canPick && gradDiff > 0) {
      const quad = 2 * qd - 2 * ki[t - l]!;
      const objDiff = -(gradDiff * gradDiff) / (quad > 0 ? quad : TAU);
      if (objDiff <= objDiffMin) {
        gminIdx = t;
        objDiffMin = objDiff;
      }
    }
  }
  out.i = i;
  out.j = gminIdx;
  out.gap = gmax + gmax2;
}

/**
 * Solves the two-variable subproblem of pair (i, j) analytically, clips
 * it to the box, and updates the gradient.
 */
function updatePair(state: SmoState, i: number, j: number): void {
  const { l, alpha, g, u } = state;
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
  for (let r = 0; r < l; r++) u[r] = kiRow[r]! * dai + kj[r]! * daj;
  for (let r = 0; r < l; r++) {
    g[r] = g[r]! + u[r]!;
    g[r + l] = g[r + l]! - u[r]!;
  }
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
