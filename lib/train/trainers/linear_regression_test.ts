import {
  deepStrictEqual as assertEquals,
  ok as assert,
  throws as assertThrows,
} from "node:assert/strict";
import { linearRegression } from "./linear_regression.ts";
import { loadModel } from "../load_model.ts";
import {
  keplerPredict,
  maxRelDiff,
  olsReference,
  syntheticPower,
} from "../testing.ts";

const FEATURES = ["bpf_cpu_time_ms", "cpu_cycles", "cpu_instructions"];

Deno.test("`linearRegression()` equals closed-form OLS when its solution is non-negative", () => {
  const { x, y } = syntheticPower({ n: 400, p: 3, noise: 2, seed: 3 });
  const m = linearRegression().fit(x, y);
  const ref = olsReference(x, y); // [intercept, raw coefs]
  assert(ref.slice(1).every((v) => v > 0));
  // raw coefficient = coef on scaled feature / scale
  const raw = m.coef.map((c, j) => c / m.scale[j]!);
  assert(maxRelDiff(raw, ref.slice(1)) < 1e-9);
  assert(Math.abs(m.intercept - ref[0]!) < 1e-9 * Math.abs(ref[0]!));
});

Deno.test("`linearRegression()` satisfies the KKT conditions when constraints are active", () => {
  // y falls with x1: the unconstrained fit has a negative coefficient.
  const { x, y } = syntheticPower({
    n: 300,
    p: 3,
    coef: [0.8, -0.3, 0.1],
    noise: 1,
    seed: 5,
  });
  assert(olsReference(x, y)[2]! < 0);
  const m = linearRegression().fit(x, y);
  assertEquals(m.coef[1], 0);
  const n = y.length;
  const pred = m.predict(x);
  // Independent KKT check on the original problem, in scaled units:
  // g_j = Σ x_ij/s_j · (y_i − ŷ_i); free ⇒ g_j = 0, bound ⇒ g_j ≤ 0;
  // the free intercept ⇒ Σ (y_i − ŷ_i) = 0.
  let sumRes = 0;
  for (let i = 0; i < n; i++) sumRes += y[i]! - pred[i]!;
  const yScale = y.reduce((s, v) => s + Math.abs(v), 0);
  assert(Math.abs(sumRes) < 1e-9 * yScale);
  for (let j = 0; j < 3; j++) {
    let g = 0;
    for (let i = 0; i < n; i++) {
      g += (x[j]![i]! / m.scale[j]!) * (y[i]! - pred[i]!);
    }
    assert(m.coef[j]! >= 0);
    if (m.coef[j]! > 0) {
      assert(Math.abs(g) < 1e-8 * yScale, `free ${j}: g=${g}`);
    } else assert(g < 1e-8 * yScale, `bound ${j}: g=${g}`);
  }
});

Deno.test("`linearRegression()` with positive=false equals OLS even with negative coefficients", () => {
  const { x, y } = syntheticPower({
    n: 300,
    p: 3,
    coef: [0.8, -0.3, 0.1],
    noise: 1,
    seed: 5,
  });
  const m = linearRegression({ positive: false }).fit(x, y);
  const ref = olsReference(x, y);
  assert(
    maxRelDiff(m.coef.map((c, j) => c / m.scale[j]!), ref.slice(1)) < 1e-9,
  );
});

Deno.test("`linearRegression()` gives an all-zero feature scale 1 and weight 0", () => {
  const { x, y } = syntheticPower({ n: 50, p: 2, seed: 2 });
  const m = linearRegression().fit([x[0]!, new Float64Array(50), x[1]!], y);
  assertEquals(m.scale[1], 1);
  assertEquals(m.coef[1], 0);
});

Deno.test("`linearRegression()` Kepler weights reproduce predict with Kepler's formula", () => {
  const { x, y } = syntheticPower({ n: 200, p: 3, noise: 3, seed: 8 });
  const m = linearRegression().fit(x, y);
  const w = m.keplerWeights(FEATURES);
  assertEquals(Object.keys(w.All_Weights.Numerical_Variables), FEATURES);
  assertEquals(w.All_Weights.Categorical_Variables, {});
  const probe = syntheticPower({ n: 100, p: 3, seed: 99 }).x;
  assert(
    maxRelDiff(keplerPredict(w, "linear", FEATURES, probe), m.predict(probe)) <
      1e-9,
  );
  // idle power (all features 0) is the intercept
  assertEquals(
    keplerPredict(
      w,
      "linear",
      FEATURES,
      [0, 0, 0].map((v) => Float64Array.of(v)),
    ),
    [m.intercept],
  );
  assertThrows(() => m.keplerWeights(["one"]), RangeError);
});

Deno.test("`linearRegression()` models round-trip through JSON bit-identically", () => {
  const { x, y } = syntheticPower({ n: 100, p: 3, seed: 4 });
  const m = linearRegression().fit(x, y);
  const back = loadModel(JSON.parse(JSON.stringify(m)));
  assertEquals(back.predict(x), m.predict(x));
  assertEquals(back.toJSON(), m.toJSON());
});

Deno.test("`linearRegression()` rejects mismatched, empty and non-finite input", () => {
  const t = linearRegression();
  assertThrows(
    () => t.fit([Float64Array.of(1, 2)], Float64Array.of(1)),
    RangeError,
  );
  assertThrows(() => t.fit([], Float64Array.of(1)), RangeError);
  assertThrows(
    () => t.fit([Float64Array.of(1, NaN)], Float64Array.of(1, 2)),
    RangeError,
  );
  assertThrows(() => t.fit([Float64Array.of()], Float64Array.of()), RangeError);
  const m = t.fit([Float64Array.of(1, 2)], Float64Array.of(1, 2));
  assertThrows(
    () => m.predict([Float64Array.of(1), Float64Array.of(2)]),
    RangeError,
  );
});

Deno.test("`linearRegression()` fits with fewer rows than features", () => {
  const m = linearRegression({ positive: false }).fit(
    [Float64Array.of(1, 2), Float64Array.of(3, 1), Float64Array.of(0, 5)],
    Float64Array.of(10, 20),
  );
  // two rows, three features: an exact fit
  assert(
    maxRelDiff(
      m.predict([
        Float64Array.of(1, 2),
        Float64Array.of(3, 1),
        Float64Array.of(0, 5),
      ]),
      [10, 20],
    ) < 1e-12,
  );
});
