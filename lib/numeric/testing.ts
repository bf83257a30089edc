/**
 * Test helpers for lib/numeric and lib/train (imported only by
 * `*_test.ts`): an independent dense solver and a relative-difference
 * measure.
 *
 * @module
 */
/**
 * Solves an augmented system `[A | b]` (rows of length p+1) by Gaussian
 * elimination with partial pivoting.
 *
 * @example
 * ```ts
 * import { gaussSolve } from "./testing.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(gaussSolve([[2, 0, 4], [0, 1, 3]]), [2, 3]);
 * ```
 */
export function gaussSolve(aug: number[][]): number[] {
  const a = aug.map((r) => [...r]);
  const p = a.length;
  for (let k = 0; k < p; k++) {
    let piv = k;
    for (let r = k + 1; r < p; r++) {
      if (Math.abs(a[r]![k]!) > Math.abs(a[piv]![k]!)) piv = r;
    }
    [a[k], a[piv]] = [a[piv]!, a[k]!];
    for (let r = k + 1; r < p; r++) {
      const f = a[r]![k]! / a[k]![k]!;
      for (let c = k; c <= p; c++) a[r]![c]! -= f * a[k]![c]!;
    }
  }
  const out = new Array<number>(p).fill(0);
  for (let k = p - 1; k >= 0; k--) {
    let s = a[k]![p]!;
    for (let c = k + 1; c < p; c++) s -= a[k]![c]! * out[c]!;
    out[k] = s / a[k]![k]!;
  }
  return out;
}

/**
 * Largest relative difference `|a − b| / max(|b|, floor)` over two arrays.
 *
 * @example
 * ```ts
 * import { maxRelDiff } from "./testing.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(maxRelDiff([1, 2], [1, 4]), 0.5);
 * ```
 */
export function maxRelDiff(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  floor = 1e-300,
): number {
  if (a.length !== b.length) {
    throw new RangeError(`length ${a.length} ≠ ${b.length}`);
  }
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    m = Math.max(m, Math.abs(a[i]! - b[i]!) / Math.max(Math.abs(b[i]!), floor));
  }
  return m;
}
