import {
  deepStrictEqual as assertEquals,
  ok as assert,
  throws as assertThrows,
} from "node:assert/strict";
import {
  polynomialFeatures,
  polynomialRegression,
} from "./polynomial_regression.ts";
import { loadModel } from "../load_model.ts";
import { maxRelDiff } from "../testing.ts";
import { mulberry32 } from "../../numeric/random.ts";

function quadratic(a: number, b: number): number {
  return 7 + 0.5 * a - 2 * b + 0.01 * a * a + 0.03 * a * b - 0.02 * b * b;
}

Deno.test("`polynomialFeatures()` matches scikit-learn's documented output", () => {
  // sklearn PolynomialFeatures(2) docs: X = [[0,1],[2,3],[4,5]] →
  // [[1,0,1,0,0,1],[1,2,3,4,6,9],[1,4,5,16,20,25]]
  const f = polynomialFeatures([
    Float64Array.of(0, 2, 4),
    Float64Array.of(1, 3, 5),
  ]);
  const rows = [0, 1, 2].map((i) => f.map((c) => c[i]));
  assertEquals(rows, [[1, 0, 1, 0, 0, 1], [1, 2, 3, 4, 6, 9], [
    1,
    4,
    5,
    16,
    20,
    25,
  ]]);
});

Deno.test("`polynomialRegression()` recovers a known quadratic exactly", () => {
  const r = mulberry32(11);
  const n = 60;
  const a = Float64Array.from({ length: n }, () => r() * 100);
  const b = Float64Array.from({ length: n }, () => r() * 40 - 20);
  const y = a.map((v, i) => quadratic(v, b[i]!));
  const m = polynomialRegression().fit([a, b], y);
  // fresh points, including outside the training range
  const pa = Float64Array.of(0, 13, 55.5, 120),
    pb = Float64Array.of(0, -19, 7, 30);
  const expected = [...pa].map((v, i) => quadratic(v, pb[i]!));
  assert(maxRelDiff(m.predict([pa, pb]), expected) < 1e-9);
  // coefficients on scaled features map back to the raw ones
  const sa = Math.max(...a.map(Math.abs)), sb = Math.max(...b.map(Math.abs));
  const raw = [
    m.coef[1]! / sa,
    m.coef[2]! / sb,
    m.coef[3]! / (sa * sa),
    m.coef[4]! / (sa * sb),
    m.coef[5]! / (sb * sb),
  ];
  assert(maxRelDiff(raw, [0.5, -2, 0.01, 0.03, -0.02]) < 1e-8);
  assert(Math.abs(m.intercept + m.coef[0]! - 7) < 1e-8);
});

Deno.test("`polynomialRegression()` handles all-zero and duplicate columns (rank deficiency)", () => {
  const r = mulberry32(12);
  const n = 40;
  const a = Float64Array.from({ length: n }, () => r() * 10);
  const zero = new Float64Array(n);
  const y = a.map((v) => 3 + 2 * v + v * v);
  const m = polynomialRegression().fit([a, zero, a.slice()], y);
  // expanded: 1, a, 0, a', a², a·0, a·a', 0, 0, a'²
  const c = m.coef;
  for (const k of [2, 5, 7, 8]) assertEquals(c[k], 0);
  // min-norm splits the duplicate's weight evenly
  assert(Math.abs(c[1]! - c[3]!) < 1e-9 * Math.abs(c[1]!));
  const pa = Float64Array.of(0, 5, 12);
  assert(
    maxRelDiff(m.predict([pa, new Float64Array(3), pa]), [3, 38, 171]) < 1e-9,
  );
});

Deno.test("`polynomialRegression()` models round-trip through JSON bit-identically", () => {
  const r = mulberry32(13);
  const x = [0, 1, 2].map(() =>
    Float64Array.from({ length: 80 }, () => r() * 5)
  );
  const y = Float64Array.from({ length: 80 }, () => r());
  const m = polynomialRegression().fit(x, y);
  const back = loadModel(JSON.parse(JSON.stringify(m)));
  assertEquals(back.predict(x), m.predict(x));
});

Deno.test("`polynomialRegression()` rejects unsupported degrees and bad input", () => {
  const x = [Float64Array.of(1, 2)], y = Float64Array.of(1, 2);
  assertThrows(
    () => polynomialRegression({ degree: 3 as 2 }).fit(x, y),
    RangeError,
  );
  assertThrows(
    () => polynomialRegression().fit(x, Float64Array.of(1)),
    RangeError,
  );
});
