import {
  deepStrictEqual as assertEquals,
  notDeepStrictEqual as assertNotEquals,
  ok as assert,
  throws as assertThrows,
} from "node:assert/strict";
import {
  gradientBoostingRegressor,
  loadGradientBoosting,
} from "./gradient_boosting.ts";
import { mulberry32, normal } from "../../numeric/random.ts";
import type { ModelJson } from "../model.ts";

/** Friedman #1: y = 10 sin(π x0 x1) + 20 (x2 − ½)² + 10 x3 + 5 x4 + noise. */
function friedman1(n: number, seed: number, noise = 1) {
  const r = mulberry32(seed);
  const x = Array.from({ length: 5 }, () => new Float64Array(n));
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (const col of x) col[i] = r();
    const [a, b, c, d, e] = x.map((col) => col[i]!) as [
      number,
      number,
      number,
      number,
      number,
    ];
    y[i] = 10 * Math.sin(Math.PI * a * b) + 20 * (c - 0.5) ** 2 + 10 * d +
      5 * e + noise * normal(r);
  }
  return { x, y };
}

function mse(pred: Float64Array, y: Float64Array): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += (pred[i]! - y[i]!) ** 2;
  return s / y.length;
}

function sameBits(a: Float64Array, b: Float64Array): boolean {
  const ua = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const ub = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  return a.length === b.length && ua.every((v, i) => v === ub[i]);
}

function truncated(json: ModelJson, nTrees: number) {
  return loadGradientBoosting({
    ...json,
    trees: (json.trees as unknown[]).slice(0, nTrees),
  });
}

Deno.test("`gradientBoostingRegressor()` has scikit-learn's defaults", () => {
  const trainer = gradientBoostingRegressor();
  assertEquals(trainer.name, "GradientBoostingRegressorTrainer");
  assertEquals(trainer.params, {
    nEstimators: 100,
    maxDepth: 3,
    learningRate: 0.1,
    minSamplesLeaf: 1,
    subsample: 1,
    maxBins: 255,
  });
});

Deno.test("`gradientBoostingRegressor()` stump is the exhaustive best split", () => {
  // 3 features, values on a grid (≤ 255 distinct, so binning is exact).
  const n = 120;
  const r = mulberry32(5);
  const x = [0, 1, 2].map(() =>
    Float64Array.from({ length: n }, () => Math.round(r() * 400) / 8)
  );
  const y = Float64Array.from(
    { length: n },
    (_, i) => (x[1]![i]! > 31 ? 20 : 0) + x[0]![i]! / 10 + 3 * r(),
  );
  // Exhaustive search: every feature, every midpoint between sorted values.
  let best = { sse: Infinity, feature: -1, threshold: NaN, meanL: 0, meanR: 0 };
  x.forEach((col, j) => {
    const values = [...new Set(col)].sort((a, b) => a - b);
    for (let k = 0; k + 1 < values.length; k++) {
      const t = (values[k]! + values[k + 1]!) / 2;
      const left: number[] = [], right: number[] = [];
      col.forEach((v, i) => (v <= t ? left : right).push(y[i]!));
      const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
      const meanL = mean(left), meanR = mean(right);
      const sse = left.reduce((s, v) => s + (v - meanL) ** 2, 0) +
        right.reduce((s, v) => s + (v - meanR) ** 2, 0);
      if (sse < best.sse) {
        best = { sse, feature: j, threshold: t, meanL, meanR };
      }
    }
  });
  const model = gradientBoostingRegressor({
    nEstimators: 1,
    maxDepth: 1,
    learningRate: 1,
  }).fit(x, y);
  const tree =
    (model.toJSON().trees as { feature: number[]; threshold: number[] }[])[0]!;
  assertEquals(tree.feature[0], best.feature);
  assertEquals(tree.threshold[0], best.threshold);
  const pred = model.predict(x);
  x[best.feature]!.forEach((v, i) => {
    const expected = v <= best.threshold ? best.meanL : best.meanR;
    assert(Math.abs(pred[i]! - expected) < 1e-9, `row ${i}`);
  });
  assert(Math.abs(mse(pred, y) * n - best.sse) < 1e-8 * best.sse);
});

Deno.test("`gradientBoostingRegressor()` starts at mean y and lowers the training loss every round", () => {
  const { x, y } = friedman1(800, 1);
  const model = gradientBoostingRegressor({ nEstimators: 60 }).fit(x, y);
  const json = model.toJSON();
  const mean = y.reduce((s, v) => s + v, 0) / y.length;
  assert(Math.abs((json.baseScore as number) - mean) < 1e-12 * Math.abs(mean));
  let previous = mse(truncated(json, 0).predict(x), y);
  const variance = y.reduce((s, v) => s + (v - mean) ** 2, 0) / y.length;
  assert(Math.abs(previous - variance) < 1e-9 * variance);
  for (let k = 1; k <= 60; k++) {
    const loss = mse(truncated(json, k).predict(x), y);
    assert(loss < previous, `round ${k}: ${loss} ≥ ${previous}`);
    previous = loss;
  }
});

Deno.test("`gradientBoostingRegressor()` fits Friedman #1 on held-out data", () => {
  const train = friedman1(3000, 2);
  const test = friedman1(2000, 3, 0);
  const model = gradientBoostingRegressor().fit(train.x, train.y);
  assertEquals(model.kind, "gbdt");
  assertEquals(model.nFeatures, 5);
  const mean = test.y.reduce((s, v) => s + v, 0) / test.y.length;
  const variance = test.y.reduce((s, v) => s + (v - mean) ** 2, 0) /
    test.y.length;
  const r2 = 1 - mse(model.predict(test.x), test.y) / variance;
  // The test set is noiseless, so a perfect model has R² = 1; a constant
  // (the mean) has 0. This fit measured 0.968.
  assert(r2 > 0.95, `R² ${r2}`);
});

Deno.test("`gradientBoostingRegressor()` gives the same model for the same seed", () => {
  const { x, y } = friedman1(1000, 4);
  const trainer = gradientBoostingRegressor({
    nEstimators: 20,
    subsample: 0.5,
  });
  const a = trainer.fit(x, y, { seed: 7 }).toJSON();
  assertEquals(trainer.fit(x, y, { seed: 7 }).toJSON(), a);
  assertEquals(a.seed, 7);
  assertNotEquals(trainer.fit(x, y, { seed: 8 }).toJSON().trees, a.trees);
  // Without subsampling the fit uses no randomness at all.
  const full = gradientBoostingRegressor({ nEstimators: 5 });
  assertEquals(
    full.fit(x, y, { seed: 1 }).toJSON().trees,
    full.fit(x, y, { seed: 2 }).toJSON().trees,
  );
});

Deno.test("`loadGradientBoosting()` round-trips JSON with bit-identical predictions", () => {
  const { x, y } = friedman1(2000, 5);
  const model = gradientBoostingRegressor().fit(x, y);
  const text = JSON.stringify(model);
  const copy = loadGradientBoosting(JSON.parse(text));
  assertEquals(JSON.stringify(copy), text);
  assertEquals(copy.nTrees, 100);
  const unseen = friedman1(3000, 6).x;
  assert(sameBits(copy.predict(unseen), model.predict(unseen)));
  assert(sameBits(copy.predict(x), model.predict(x)));
  assertThrows(
    () => loadGradientBoosting({ ...model.toJSON(), kind: "xgboost" }),
    TypeError,
  );
});

Deno.test("`gradientBoostingRegressor()` needs no input scaling", () => {
  const { x, y } = friedman1(1500, 7);
  const trainer = gradientBoostingRegressor({ nEstimators: 30 });
  const model = trainer.fit(x, y);
  // Scaling by a power of two is exact, so the trees must be the same.
  const scaled = x.map((col, j) => col.map((v) => v * 2 ** (10 * j - 20)));
  const scaledModel = trainer.fit(scaled, y);
  assert(sameBits(scaledModel.predict(scaled), model.predict(x)));
});

Deno.test("`gradientBoostingRegressor()` rejects bad input and parameters", () => {
  const x = [new Float64Array([1, 2, 3])];
  const y = new Float64Array([1, 2, 3]);
  const fit = gradientBoostingRegressor().fit;
  assertThrows(() => fit([new Float64Array(2)], y), /column 0 has 2 rows/);
  assertThrows(() => fit([new Float64Array([1, NaN, 3])], y), RangeError);
  assertThrows(() => fit(x, new Float64Array([1, Infinity, 3])), RangeError);
  assertThrows(
    () => fit([new Float64Array(1)], new Float64Array(1)),
    /at least 2 rows/,
  );
  assertThrows(() => fit([], y), RangeError);
  assertThrows(() => fit(x, y, { seed: 1.5 }), RangeError);
  for (
    const params of [
      { nEstimators: 0 },
      { maxDepth: 1.5 },
      { learningRate: 0 },
      { minSamplesLeaf: 0 },
      { subsample: 1.5 },
      { maxBins: 256 },
    ]
  ) {
    assertThrows(
      () => gradientBoostingRegressor(params).fit(x, y),
      (e: unknown) =>
        e instanceof RangeError &&
        e.message.includes(Object.keys(params)[0]!),
    );
  }
});
