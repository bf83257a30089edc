import {
  deepStrictEqual as assertEquals,
  ok as assert,
  throws as assertThrows,
} from "node:assert/strict";
import { centre, minNormSolve, reduceLeastSquares } from "./qr.ts";
import { gaussSolve, maxRelDiff } from "./testing.ts";
import { mulberry32 } from "./random.ts";

function backSubstitute(r: Float64Array, p: number, b: Float64Array): number[] {
  const x = new Array<number>(p).fill(0);
  for (let k = p - 1; k >= 0; k--) {
    let s = b[k]!;
    for (let j = k + 1; j < p; j++) s -= r[k * p + j]! * x[j]!;
    x[k] = s / r[k * p + k]!;
  }
  return x;
}

Deno.test("`reduceLeastSquares()` gives the normal-equations solution and residual", () => {
  const r = mulberry32(5);
  const n = 200, p = 4;
  const cols = Array.from(
    { length: p },
    () => Float64Array.from({ length: n }, r),
  );
  const b = Float64Array.from({ length: n }, r);
  // independent: normal equations by Gaussian elimination
  const aug = Array.from({ length: p }, (_, i) => [
    ...Array.from(
      { length: p },
      (_, j) => cols[i]!.reduce((s, v, k) => s + v * cols[j]![k]!, 0),
    ),
    cols[i]!.reduce((s, v, k) => s + v * b[k]!, 0),
  ]);
  const expected = gaussSolve(aug);
  let rss = 0;
  for (let k = 0; k < n; k++) {
    let f = 0;
    for (let j = 0; j < p; j++) f += expected[j]! * cols[j]![k]!;
    rss += (b[k]! - f) ** 2;
  }
  const red = reduceLeastSquares(cols.map((c) => c.slice()), b.slice());
  const x = backSubstitute(red.r, p, red.qtb);
  assert(maxRelDiff(x, expected) < 1e-10);
  assert(Math.abs(red.rss - rss) / rss < 1e-10);
  // R is upper triangular
  for (let i = 0; i < p; i++) {
    for (let j = 0; j < i; j++) assertEquals(red.r[i * p + j], 0);
  }
});

Deno.test("`reduceLeastSquares()` refuses fewer rows than columns", () => {
  assertThrows(
    () =>
      reduceLeastSquares(
        [new Float64Array(1), new Float64Array(1)],
        new Float64Array(1),
      ),
    RangeError,
  );
});

Deno.test("`minNormSolve()` gives the pseudo-inverse solution of a rank-deficient system", () => {
  // A = [[1, 2, 0], [2, 4, 0]] (rank 1, third column zero), b = (5, 10).
  // Minimiser set: x1 + 2 x2 = 5; min-norm: (1, 2, 0).
  const x = minNormSolve(
    Float64Array.of(1, 2, 0, 2, 4, 0),
    2,
    3,
    Float64Array.of(5, 10),
  );
  assert(maxRelDiff(x, [1, 2, 0], 1) < 1e-12);
});

Deno.test("`minNormSolve()` solves a full-rank square system exactly", () => {
  const x = minNormSolve(
    Float64Array.of(2, 1, 1, 3),
    2,
    2,
    Float64Array.of(5, 10),
  );
  assert(maxRelDiff(x, [1, 3]) < 1e-12);
});

Deno.test("`centre()` removes the means", () => {
  const c = centre([Float64Array.of(1, 2, 6)], Float64Array.of(0, 0, 3));
  assertEquals(c.means, Float64Array.of(3));
  assertEquals(c.cols, [Float64Array.of(-2, -1, 3)]);
  assertEquals(c.yc, Float64Array.of(-1, -1, 2));
});
