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
 * `scratch` (at least as long as b) saves an allocation when called often.
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
  scratch?: Float64Array,
): Reduced {
  const p = cols.length;
  const n = b.length;
  if (n < p) {
    throw new RangeError(
      `Cannot reduce a least-squares problem with ${n} rows and ${p} columns: need rows ≥ columns`,
    );
  }
  const r = new Float64Array(p * p);
  const v = scratch !== undefined && scratch.length >= n
    ? scratch
    : new Float64Array(n);
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
    // v = a[k:] - alpha e_k; ‖v‖² = 2 norm (norm + |a_kk|)
    for (let i = k; i < n; i++) v[i] = a[i]!;
    v[k] = akk - alpha;
    const vnorm2 = 2 * norm * (norm + Math.abs(akk));
    const apply = (c: Float64Array) => {
      let dot = 0;
      for (let i = k; i < n; i++) dot += v[i]! * c[i]!;
      const f = (2 * dot) / vnorm2;
      if (f !== 0) { for (let i = k; i < n; i++) c[i] = c[i]! - f * v[i]!; }
    };
    for (let j = k + 1; j < p; j++) apply(cols[j]!);
    apply(b);
    a[k] = alpha;
    for (let j = k; j < p; j++) r[k * p + j] = cols[j]![k]!;
  }
  const qtb = b.slice(0, p);
  let rss = 0;
  for (let i = p; i < n; i++) rss += b[i]! * b[i]!;
  return { p, r, qtb, rss };
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
