import {
  deepStrictEqual as assertEquals,
  notDeepStrictEqual as assertNotEquals,
  ok as assert,
  throws as assertThrows,
} from "node:assert/strict";
import { sgdRegressor } from "./sgd_regressor.ts";
import { FitError } from "../model.ts";
import { loadModel } from "../load_model.ts";
import {
  gaussSolve,
  keplerPredict,
  maxRelDiff,
  olsReference,
  syntheticPower,
} from "../testing.ts";

/** Ridge on scaled columns: min (1/2n)Σ(y − b − wᵀx)² + (α/2)‖w‖². */
function ridge(xs: Float64Array[], y: Float64Array, alpha: number) {
  const n = y.length, p = xs.length;
  const mean = xs.map((c) => c.reduce((a, b) => a + b, 0) / n);
  const ym = y.reduce((a, b) => a + b, 0) / n;
  const aug = [...Array(p).keys()].map((r) => {
    const row: number[] = [];
    for (let c = 0; c < p; c++) {
      let s = 0;
      for (let i = 0; i < n; i++) {
        s += (xs[r]![i]! - mean[r]!) * (xs[c]![i]! - mean[c]!);
      }
      row.push(s / n + (r === c ? alpha : 0));
    }
    let s = 0;
    for (let i = 0; i < n; i++) s += (xs[r]![i]! - mean[r]!) * (y[i]! - ym);
    row.push(s / n);
    return row;
  });
  const w = gaussSolve(aug);
  return { w, b: ym - w.reduce((s, v, j) => s + v * mean[j]!, 0) };
}

Deno.test("`sgdRegressor()` converges near the least-squares (ridge, alpha=1e-4) solution", () => {
  const { x, y } = syntheticPower({ n: 2000, p: 3, noise: 1, seed: 1 });
  const m = sgdRegressor().fit(x, y, { seed: 1 });
  const xs = x.map((c, j) => c.map((v) => v / m.scale[j]!));
  const r = ridge(xs, y, 1e-4);
  assert(maxRelDiff(m.coef, r.w) < 1e-3, `coef ${m.coef} vs ${r.w}`);
  assert(
    Math.abs(m.intercept - r.b) < 0.5,
    `intercept ${m.intercept} vs ${r.b}`,
  );
  // and its predictions are within 2% of ordinary least squares
  const ols = olsReference(x, y);
  const pred = m.predict(x);
  for (let i = 0; i < y.length; i += 97) {
    const o = ols[0]! + ols[1]! * x[0]![i]! + ols[2]! * x[1]![i]! +
      ols[3]! * x[2]![i]!;
    assert(Math.abs(pred[i]! - o) < 0.02 * Math.abs(o));
  }
  const info = m.toJSON().info!;
  assert(info.epochs! < 1000, "stopped by tol before max_iter");
});

Deno.test("`sgdRegressor()` follows scikit-learn's update rule step by step", () => {
  // Two rows, one epoch, no shuffle: hand-computed plain SGD updates.
  // x = (1, 2) → scaled (0.5, 1); y = (1, 3); eta_t = 0.01 / t^0.25.
  const m = sgdRegressor({ maxIter: 1, shuffle: false, tol: null }).fit(
    [Float64Array.of(1, 2)],
    Float64Array.of(1, 3),
  );
  let w = 0, b = 0;
  // t = 1
  let eta = 0.01;
  let u = -eta * (b + w * 0.5 - 1);
  w = w * (1 - eta * 1e-4) + u * 0.5;
  b += u;
  // t = 2
  eta = 0.01 / Math.pow(2, 0.25);
  u = -eta * (b + w * 1 - 3);
  w = w * (1 - eta * 1e-4) + u * 1;
  b += u;
  assert(Math.abs(m.coef[0]! - w) < 1e-15);
  assert(Math.abs(m.intercept - b) < 1e-15);
});

Deno.test("`sgdRegressor()` matches the plain update rule bit for bit over 1.2 M steps (past its table of step sizes)", () => {
  // 2,000 rows × 600 epochs: t runs past the 2²⁰ step sizes eta0 / t^power_t the
  // trainer keeps, so both the kept and the computed step sizes are used.
  const n = 2000, epochs = 600;
  const x = Float64Array.from({ length: n }, (_, i) => ((i * 37) % 101) - 50);
  const y = x.map((v, i) => 3 * v + 20 + ((i * 13) % 7));
  const opts = { maxIter: epochs, shuffle: false, tol: null, powerT: 0.3 };
  const fit = () => sgdRegressor(opts).fit([x], y);
  const first = fit(), second = fit(); // the second reuses the kept table
  let scale = 0;
  for (const v of x) scale = Math.max(scale, Math.abs(v));
  const xs = x.map((v) => v / scale);
  let w = 0, b = 0, t = 1;
  for (let e = 0; e < epochs; e++) {
    for (let i = 0; i < n; i++) {
      const eta = 0.01 / Math.pow(t, 0.3);
      const u = -eta * (b + w * xs[i]! - y[i]!);
      w = w * Math.max(0, 1 - eta * 1e-4) + u * xs[i]!;
      b += u;
      t += 1;
    }
  }
  for (const m of [first, second]) {
    assertEquals(m.coef[0], w);
    assertEquals(m.intercept, b);
  }
});

Deno.test("`sgdRegressor()` gives the same model for the same seed and another for another seed", () => {
  const { x, y } = syntheticPower({ n: 300, p: 2, seed: 2 });
  const t = sgdRegressor();
  assertEquals(
    t.fit(x, y, { seed: 7 }).toJSON(),
    t.fit(x, y, { seed: 7 }).toJSON(),
  );
  assertNotEquals(t.fit(x, y, { seed: 7 }).coef, t.fit(x, y, { seed: 8 }).coef);
});

Deno.test("`sgdRegressor()` Kepler weights reproduce predict with Kepler's formula", () => {
  const features = ["bpf_cpu_time_ms", "bpf_page_cache_hit"];
  const { x, y } = syntheticPower({ n: 300, p: 1, seed: 3 });
  const m = sgdRegressor().fit([x[0]!, new Float64Array(300)], y);
  const w = m.keplerWeights(features);
  assertEquals(w.All_Weights.Numerical_Variables.bpf_page_cache_hit, {
    scale: 1,
    weight: 0,
  });
  const probe = [
    Float64Array.of(0, 10, 500, 2000),
    Float64Array.of(0, 0, 3, 0),
  ];
  assert(
    maxRelDiff(keplerPredict(w, "linear", features, probe), m.predict(probe)) <
      1e-9,
  );
});

Deno.test("`sgdRegressor()` models round-trip through JSON bit-identically", () => {
  const { x, y } = syntheticPower({ n: 100, p: 3, seed: 4 });
  const m = sgdRegressor().fit(x, y);
  const back = loadModel(JSON.parse(JSON.stringify(m)));
  assertEquals(back.predict(x), m.predict(x));
});

Deno.test("`sgdRegressor()` throws FitError when the weights overflow", () => {
  // dloss is clipped at 1e12 as in scikit-learn, so only a huge step can
  // overflow: eta0 · 1e12 = Infinity.
  const { x, y } = syntheticPower({ n: 50, p: 1, seed: 5 });
  assertThrows(
    () => sgdRegressor({ eta0: 1e300, powerT: 0 }).fit(x, y),
    FitError,
  );
});

Deno.test("`sgdRegressor()` rejects bad hyperparameters in fit", () => {
  const x = [Float64Array.of(1, 2)], y = Float64Array.of(1, 2);
  assertThrows(() => sgdRegressor({ eta0: 0 }).fit(x, y), RangeError);
  assertThrows(() => sgdRegressor({ maxIter: 1.5 }).fit(x, y), RangeError);
  assertThrows(
    () => sgdRegressor({ alpha: "a" as unknown as number }).fit(x, y),
    TypeError,
  );
});
