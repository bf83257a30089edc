/**
 * The least-squares solve shared by the linear and polynomial trainers:
 * `min ‖A x − b‖` over centred columns, optionally with `x ≥ 0`.
 *
 * Columns that are exactly zero (constant features once centred, e.g.
 * `bpf_page_cache_hit`, always 0 in Kepler) are left out and get an exact 0
 * coefficient. The rest is reduced by Householder QR to a small square
 * problem (or, with fewer rows than columns, used as is) and solved by
 * Lawson–Hanson NNLS or by the minimum-norm SVD solve with numpy's default
 * cut-off `max(rows, cols) · ε`.
 *
 * @module
 */
import { minNormSolve, reduceLeastSquares } from "./qr.ts";
import { nnls } from "./nnls.ts";

/** Options of {@linkcode solveLeastSquares}. */
export interface LeastSquaresOptions {
  /** Constrain the solution to be non-negative. Default: `false`. */
  positive?: boolean;
}

/**
 * Solves least squares over columns; the inputs are not modified.
 *
 * @example
 * ```ts
 * import { solveLeastSquares } from "./lstsq.ts";
 * import { ok as assert, deepStrictEqual as assertEquals } from "node:assert/strict";
 * const x = solveLeastSquares(
 *   [Float64Array.of(1, -1, 0), new Float64Array(3)], Float64Array.of(2, -2, 0));
 * assert(Math.abs(x[0]! - 2) < 1e-12);
 * assertEquals(x[1], 0);
 * ```
 */
export function solveLeastSquares(
  cols: readonly Float64Array[],
  b: Float64Array,
  options: LeastSquaresOptions = {},
): Float64Array {
  const positive = options.positive ?? false;
  const n = b.length;
  const used: number[] = [];
  cols.forEach((c, j) => {
    if (c.some((v) => v !== 0)) used.push(j);
  });
  const out = new Float64Array(cols.length);
  const q = used.length;
  if (q === 0) return out;
  const rcond = Math.max(n, q) * Number.EPSILON;
  let sol: Float64Array;
  if (n < q) {
    const a = new Float64Array(n * q);
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < q; k++) a[i * q + k] = cols[used[k]!]![i]!;
    }
    sol = positive ? nnls(a, n, q, b).x : minNormSolve(a, n, q, b, { rcond });
  } else {
    const red = reduceLeastSquares(
      used.map((j) => cols[j]!.slice()),
      b.slice(),
    );
    sol = positive
      ? nnls(red.r, q, q, red.qtb).x
      : minNormSolve(red.r, q, q, red.qtb, { rcond });
  }
  used.forEach((j, k) => (out[j] = sol[k]!));
  return out;
}
