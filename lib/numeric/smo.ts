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
 * When the budget holds all `l` rows (up to 7,000 rows at 200 MB), they
 * live in one `l × l` matrix, computed a row at a time as they are first
 * asked for, and a new row copies `K(i, j)` from every row `j` already
 * there instead of evaluating its `exp` again: the kernel is symmetric bit
 * for bit (`(a − b)²` and `(b − a)²` are the same number, summed in the same
 * feature order). Once an eighth of the rows are there, the rest are filled
 * in tiles (see `kernelMatrix`). Which rows are cached, and how they were
 * filled, never changes their values.
 *
 * `storage`, when it holds at least `l × l` values, is used for the matrix
 * in place of a new allocation; its old content does not matter.
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
  storage?: Float32Array,
): { row(i: number): Float32Array } {
  const capacity = rowCapacity(cacheMb, l);
  // Column-major copy: the distance loop then runs down whole columns.
  const cols: Float64Array[] = [];
  for (let k = 0; k < p; k++) {
    const c = new Float64Array(l);
    for (let j = 0; j < l; j++) c[j] = x[j * p + k]!;
    cols.push(c);
  }
  const d = new Float64Array(l);
  const distances = (i: number) => {
    d.fill(0);
    for (let k = 0; k < p; k++) {
      const c = cols[k]!;
      const v = c[i]!;
      for (let j = 0; j < l; j++) {
        const t = c[j]! - v;
        d[j] = d[j]! + t * t;
      }
    }
  };
  if (capacity >= l) {
    const matrix = storage !== undefined && storage.length >= l * l
      ? storage
      : new Float32Array(l * l);
    return kernelMatrix(l, p, gamma, cols, d, distances, matrix);
  }
  const slots: (Float32Array | undefined)[] = new Array(l).fill(undefined);
  /** Cached rows, least recently used first. */
  const lru = new Map<number, Float32Array>();
  let size = 0;
  return {
    row(i: number): Float32Array {
      const hit = slots[i];
      if (hit !== undefined) {
        lru.delete(i);
        lru.set(i, hit);
        return hit;
      }
      let out: Float32Array;
      if (size >= capacity) {
        const oldest = lru.keys().next().value as number;
        out = lru.get(oldest)!;
        lru.delete(oldest);
        slots[oldest] = undefined;
      } else {
        out = new Float32Array(l);
        size++;
      }
      distances(i);
      for (let j = 0; j < l; j++) out[j] = Math.exp(-gamma * d[j]!);
      slots[i] = out;
      lru.set(i, out);
      return out;
    },
  };
}

/** How many kernel rows of `l` single-precision values `cacheMb` holds. */
function rowCapacity(cacheMb: number, l: number): number {
  return Math.max(2, Math.floor((cacheMb * 1e6) / (4 * l)));
}

/**
 * The storage of the last full kernel matrix, kept for the next solve in
 * this thread (a solve is synchronous, so only one uses it at a time).
 *
 * Measured on this project's 2-core Firecracker VM: the first touch of a
 * fresh 45 MB buffer (3,380 rows) costs about 140 ms of page faults, more
 * than the 100 ms its `exp` calls take, and a buffer that size is returned
 * to the system when freed, so every solve paid it again (kernel time was
 * about half of SVR's CPU at 4 h × 100 containers).
 */
let matrixStorage: Float32Array | undefined;

/**
 * Lets go of the kernel matrix storage kept by the last solve in this
 * thread (up to `cacheMb`, 200 MB by default), for a long-lived process
 * between training runs.
 *
 * @returns The bytes let go of.
 *
 * @example
 * ```ts
 * import { releaseKernelStorage, solveEpsilonSvr } from "./smo.ts";
 * import { ok as assert } from "node:assert/strict";
 * solveEpsilonSvr(Float64Array.of(0, 1), 1, Float64Array.of(0, 1),
 *   { c: 10, epsilon: 0.1, gamma: 1 });
 * assert(releaseKernelStorage() === 2 * 2 * 4 && releaseKernelStorage() === 0);
 * ```
 */
export function releaseKernelStorage(): number {
  const bytes = matrixStorage?.byteLength ?? 0;
  matrixStorage = undefined;
  return bytes;
}

/** Block edge of the tiled fill: 64 × 64 single-precision values (16 KB). */
const TILE = 64;

/**
 * All `l` kernel rows in one matrix, each value computed once.
 *
 * Rows are computed as SMO first asks for them until an eighth of them are
 * there; then the rest are filled in 64 × 64 tiles, each `exp` written to
 * both `(i, j)` and `(j, i)`. SMO on this project's data asks for 95–99 %
 * of the rows (nearly every point ends up a support vector when ε is small
 * against the noise), and a lazily computed row reads its finished part
 * down the columns of earlier rows, a cache miss per value; tiles keep both
 * halves in cache. A solve that needs few rows never gets to the fill.
 * Every value is the one the row-at-a-time path gives, bit for bit.
 */
function kernelMatrix(
  l: number,
  p: number,
  gamma: number,
  cols: Float64Array[],
  d: Float64Array,
  distances: (i: number) => void,
  matrix: Float32Array,
): { row(i: number): Float32Array } {
  const rows: (Float32Array | undefined)[] = new Array(l).fill(undefined);
  const done = new Uint8Array(l);
  let count = 0;
  const threshold = Math.max(TILE, Math.ceil(l / 8));
  const fillRest = () => {
    for (const i of fillInTiles(matrix, l, p, gamma, cols, done)) {
      done[i] = 1;
      rows[i] = matrix.subarray(i * l, i * l + l);
    }
    count = l;
  };
  return {
    row(i: number): Float32Array {
      const hit = rows[i];
      if (hit !== undefined) return hit;
      if (count >= threshold) {
        fillRest();
        return rows[i]!;
      }
      distances(i);
      const o = i * l;
      for (let j = 0; j < l; j++) {
        matrix[o + j] = done[j] === 1
          ? matrix[j * l + i]!
          : Math.exp(-gamma * d[j]!);
      }
      done[i] = 1;
      count++;
      return rows[i] = matrix.subarray(o, o + l);
    },
  };
}

/**
 * Fills the rows not `done` of a kernel matrix (see `kernelMatrix`) in
 * tiles and returns their indices.
 */
function fillInTiles(
  matrix: Float32Array,
  l: number,
  p: number,
  gamma: number,
  cols: Float64Array[],
  done: Uint8Array,
): number[] {
  const doneList: number[] = [], rest: number[] = [];
  for (let j = 0; j < l; j++) (done[j] === 1 ? doneList : rest).push(j);
  // Finished rows' values, transposed tile by tile.
  for (let a = 0; a < rest.length; a += TILE) {
    const aEnd = Math.min(a + TILE, rest.length);
    for (let b = 0; b < doneList.length; b += TILE) {
      const bEnd = Math.min(b + TILE, doneList.length);
      for (let u = b; u < bEnd; u++) {
        const j = doneList[u]!, oj = j * l;
        for (let v = a; v < aEnd; v++) {
          const i = rest[v]!;
          matrix[i * l + j] = matrix[oj + i]!;
        }
      }
    }
  }
  // The rest against itself: the upper triangle of tiles, mirrored.
  const restCols = cols.map((c) => Float64Array.from(rest, (j) => c[j]!));
  const di = new Float64Array(TILE);
  for (let a = 0; a < rest.length; a += TILE) {
    const aEnd = Math.min(a + TILE, rest.length);
    for (let b = a; b < rest.length; b += TILE) {
      const bEnd = Math.min(b + TILE, rest.length);
      for (let u = a; u < aEnd; u++) {
        const i = rest[u]!, oi = i * l;
        const from = b === a ? u : b;
        const n = bEnd - from;
        // d(i, j) = Σ_k (x_jk − x_ik)², features in order, as in `distances`.
        di.fill(0, 0, n);
        for (let k = 0; k < p; k++) {
          const c = restCols[k]!;
          const ci = c[u]!;
          for (let v = 0; v < n; v++) {
            const t = c[from + v]! - ci;
            di[v] = di[v]! + t * t;
          }
        }
        for (let v = 0; v < n; v++) {
          const j = rest[from + v]!;
          const e = Math.exp(-gamma * di[v]!);
          matrix[oi + j] = e;
          matrix[j * l + i] = e;
        }
      }
    }
  }
  return rest;
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
  const cacheMb = options.cacheMb ?? 200;
  if (
    rowCapacity(cacheMb, l) >= l && (matrixStorage?.length ?? 0) < l * l
  ) {
    matrixStorage = new Float32Array(l * l);
  }
  const kernel = rbfKernelRows(
    x,
    l,
    p,
    options.gamma,
    cacheMb,
    matrixStorage,
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
