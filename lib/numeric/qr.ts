/**
 * Least-squares kernels on columns: a Householder QR reduction of a tall
 * problem `min ||A x − b||` to the small square problem `min ||R x − Qᵀb||`
 * (same minimisers, same conditioning — unlike the normal equations, which
 * square the condition number), and a minimum-norm SVD solve of the small
 * problem that handles rank deficiency like LAPACK's gelsd.
 *
 * @module
 */
import { Matrix, SingularValueDecomposition } from "ml-matrix";

/** The reduced least-squares problem. */
export interface Reduced {
  /** Number of columns p. */
  p: number;
  /** R, p×p upper triangular, row-major. */
  r: Float64Array;
  /** The first p entries of Qᵀb. */
  qtb: Float64Array;
  /** The residual sum of squares no x can remove (‖b‖² − ‖Qᵀb‖²). */
  rss: number;
}

/**
 * Householder QR of the columns of A applied to b: returns R and Qᵀb. The
 * input arrays are overwritten (pass copies if you still need them).
 * Requires at least as many rows as columns; throws a `RangeError` otherwise.
 *
 * @example
 * ```ts
 * import { reduceLeastSquares } from "./qr.ts";
 * import { ok as assert } from "node:assert/strict";
 * // A = [[1],[1]], b = [1, 3]: R = ±√2, Qᵀb = ±2√2, rss = 2
 * const red = reduceLeastSquares([Float64Array.of(1, 1)], Float64Array.of(1, 3));
 * assert(Math.abs(red.qtb[0]! / red.r[0]! - 2) < 1e-12);
 * assert(Math.abs(red.rss - 2) < 1e-12);
 * ```
 */
export function reduceLeastSquares(
  cols: Float64Array[],
  b: Float64Array,
): Reduced {
  const p = cols.length;
  const r = new Float64Array(p * p);
  const qtb = new Float64Array(p);
  const rss = reduceInto(cols, b, r, qtb);
  return { p, r, qtb, rss };
}

/**
 * {@linkcode reduceLeastSquares} into caller-owned arrays (for a solver
 * that reduces many problems of one shape): writes R into `r` (p×p,
 * row-major; only the upper triangle is written, so pass zeros below it)
 * and the first p entries of Qᵀb into `qtb`; returns the residual sum of
 * squares. Overwrites `cols` and `b`. Throws a `RangeError` when there are
 * fewer rows than columns.
 *
 * @example
 * ```ts
 * import { reduceInto } from "./qr.ts";
 * import { ok as assert } from "node:assert/strict";
 * const r = new Float64Array(1), qtb = new Float64Array(1);
 * const rss = reduceInto([Float64Array.of(1, 1)], Float64Array.of(1, 3), r, qtb);
 * assert(Math.abs(qtb[0]! / r[0]! - 2) < 1e-12 && Math.abs(rss - 2) < 1e-12);
 * ```
 */
export function reduceInto(
  cols: readonly Float64Array[],
  b: Float64Array,
  r: Float64Array,
  qtb: Float64Array,
): number {
  const p = cols.length;
  const n = b.length;
  if (n < p) {
    throw new RangeError(
      `Cannot reduce a least-squares problem with ${n} rows and ${p} columns: need rows ≥ columns`,
    );
  }
  for (let k = 0; k < p; k++) {
    const a = cols[k]!;
    let norm2 = 0;
    for (let i = k; i < n; i++) norm2 += a[i]! * a[i]!;
    const norm = Math.sqrt(norm2);
    if (norm === 0) {
      for (let j = k; j < p; j++) r[k * p + j] = cols[j]![k]!;
      continue;
    }
    const akk = a[k]!;
    const alpha = akk >= 0 ? -norm : norm;
    // v = a[k:] − alpha e_k (a itself below row k); ‖v‖² = 2 norm (norm + |a_kk|)
    const vk = akk - alpha;
    const vnorm2 = 2 * norm * (norm + Math.abs(akk));
    for (let j = k + 1; j <= p; j += 2) {
      const c = j < p ? cols[j]! : b;
      const d = j + 1 < p ? cols[j + 1]! : j + 1 === p ? b : undefined;
      if (d === undefined) reflect(a, vk, vnorm2, k, n, c);
      else reflectPair(a, vk, vnorm2, k, n, c, d);
    }
    a[k] = alpha;
    for (let j = k; j < p; j++) r[k * p + j] = cols[j]![k]!;
  }
  let rss = 0;
  for (let i = 0; i < p; i++) qtb[i] = b[i]!;
  for (let i = p; i < n; i++) rss += b[i]! * b[i]!;
  return rss;
}

/**
 * Applies the Householder reflection `I − 2vvᵀ/‖v‖²` (v = a from row k
 * on, with `vk` at row k) to column c from row k on.
 */
function reflect(
  a: Float64Array,
  vk: number,
  vnorm2: number,
  k: number,
  n: number,
  c: Float64Array,
): void {
  let dot = vk * c[k]!;
  for (let i = k + 1; i < n; i++) dot += a[i]! * c[i]!;
  const f = (2 * dot) / vnorm2;
  if (f === 0) return;
  c[k] = c[k]! - f * vk;
  for (let i = k + 1; i < n; i++) c[i] = c[i]! - f * a[i]!;
}

/**
 * {@linkcode reflect} of two columns in one pass over v: each column's
 * dot product and update are the same floating-point operations in the
 * same order as one at a time.
 */
function reflectPair(
  a: Float64Array,
  vk: number,
  vnorm2: number,
  k: number,
  n: number,
  c: Float64Array,
  d: Float64Array,
): void {
  let dc = vk * c[k]!, dd = vk * d[k]!;
  for (let i = k + 1; i < n; i++) {
    const ai = a[i]!;
    dc += ai * c[i]!;
    dd += ai * d[i]!;
  }
  const fc = (2 * dc) / vnorm2, fd = (2 * dd) / vnorm2;
  if (fc !== 0) {
    c[k] = c[k]! - fc * vk;
    for (let i = k + 1; i < n; i++) c[i] = c[i]! - fc * a[i]!;
  }
  if (fd !== 0) {
    d[k] = d[k]! - fd * vk;
    for (let i = k + 1; i < n; i++) d[i] = d[i]! - fd * a[i]!;
  }
}

/** Options of {@linkcode minNormSolve}. */
export interface MinNormOptions {
  /**
   * Singular values below `rcond × σ_max` count as zero. Default:
   * `1e-13`, a little above machine precision times the small size, so
   * duplicate or all-zero columns get a zero coefficient.
   */
  rcond?: number;
}

/**
 * The minimum-norm solution of `min ‖A x − b‖` for a small dense A
 * (row-major, m×p), through ml-matrix's SVD: `x = V Σ⁺ Uᵀ b`.
 *
 * @example
 * ```ts
 * import { minNormSolve } from "./qr.ts";
 * import { ok as assert } from "node:assert/strict";
 * // Two identical columns: the min-norm solution splits the weight evenly.
 * const x = minNormSolve(Float64Array.of(1, 1, 2, 2), 2, 2, Float64Array.of(2, 4));
 * assert(Math.abs(x[0]! - 1) < 1e-12 && Math.abs(x[1]! - 1) < 1e-12);
 * ```
 */
export function minNormSolve(
  a: Float64Array,
  m: number,
  p: number,
  b: Float64Array,
  options: MinNormOptions = {},
): Float64Array {
  const rcond = options.rcond ?? 1e-13;
  const rows: number[][] = [];
  for (let i = 0; i < m; i++) {
    rows.push(Array.from(a.subarray(i * p, i * p + p)));
  }
  const svd = new SingularValueDecomposition(new Matrix(rows), {
    computeLeftSingularVectors: true,
    computeRightSingularVectors: true,
    autoTranspose: true,
  });
  const s = svd.diagonal;
  const u = svd.leftSingularVectors;
  const vm = svd.rightSingularVectors;
  const smax = s.reduce((acc, x) => Math.max(acc, x), 0);
  const out = new Float64Array(p);
  if (smax === 0) return out;
  for (let k = 0; k < s.length; k++) {
    const sk = s[k]!;
    if (sk <= rcond * smax) continue;
    let dot = 0;
    for (let i = 0; i < m; i++) dot += u.get(i, k) * b[i]!;
    const c = dot / sk;
    for (let j = 0; j < p; j++) out[j] = out[j]! + c * vm.get(j, k);
  }
  return out;
}

/** Centred columns and response, with the means removed. */
export interface Centred {
  /** The centred feature columns (new arrays). */
  cols: Float64Array[];
  /** The centred response. */
  yc: Float64Array;
  /** Column means. */
  means: Float64Array;
  /** Mean of y. */
  yMean: number;
}

/**
 * Centres feature columns and the response, as scikit-learn does to fit a
 * free intercept: the intercept is then `ȳ − Σ coef_j · x̄_j`.
 *
 * @example
 * ```ts
 * import { centre } from "./qr.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const c = centre([Float64Array.of(1, 3)], Float64Array.of(2, 4));
 * assertEquals(c.cols, [Float64Array.of(-1, 1)]);
 * assertEquals(c.yMean, 3);
 * ```
 */
export function centre(xs: readonly Float64Array[], y: Float64Array): Centred {
  const n = y.length;
  const means = new Float64Array(xs.length);
  const cols = xs.map((col, j) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += col[i]!;
    const m = s / n;
    means[j] = m;
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = col[i]! - m;
    return out;
  });
  let sy = 0;
  for (let i = 0; i < n; i++) sy += y[i]!;
  const yMean = sy / n;
  const yc = new Float64Array(n);
  for (let i = 0; i < n; i++) yc[i] = y[i]! - yMean;
  return { cols, yc, means, yMean };
}
