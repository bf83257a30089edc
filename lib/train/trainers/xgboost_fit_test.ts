import {
  deepStrictEqual as assertEquals,
  notDeepStrictEqual as assertNotEquals,
  ok as assert,
  throws as assertThrows,
} from "node:assert/strict";
import { loadXgboostFit, xgboostFit } from "./xgboost_fit.ts";
import { gradientBoostingRegressor } from "./gradient_boosting.ts";
import { mulberry32, normal } from "../../numeric/random.ts";
import type { ModelJson } from "../model.ts";

interface TreeJson {
  feature: number[];
  threshold: number[];
  left: number[];
  right: number[];
  value: number[];
  gain: number[];
}

function data(n: number, seed: number) {
  const r = mulberry32(seed);
  const x = Array.from({ length: 4 }, () => new Float64Array(n));
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (const col of x) col[i] = r() * 100;
    y[i] = 40 + 0.8 * x[0]![i]! + 15 * Math.sin(x[1]![i]! / 12) +
      0.002 * x[2]![i]! ** 2 + 2 * normal(r);
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

const trees = (json: ModelJson) => json.trees as TreeJson[];

Deno.test("`xgboostFit()` has XGBRegressor's defaults", () => {
  const trainer = xgboostFit();
  assertEquals(trainer.name, "XgboostFitTrainer");
  assertEquals(trainer.params, {
    nEstimators: 100,
    maxDepth: 6,
    learningRate: 0.1,
    lambda: 1,
    gamma: 0,
    minChildWeight: 1,
    subsample: 1,
    maxBins: 255,
  });
});

// Four rows, one feature: x = 1..4, y = 1, 2, 10, 20. By hand:
// base_score = mean y = 8.25; g = base − y = 7.25, 6.25, −1.75, −11.75 (G = 0);
// h = 1 each. Candidate splits, gain = ½[G_L²/(H_L+1) + G_R²/(H_R+1) − 0]:
//   x ≤ 1.5: G_L = 7.25, H_L = 1 → ½(52.5625/2 + 52.5625/4) = 19.7109375
//   x ≤ 2.5: G_L = 13.5, H_L = 2 → ½(182.25/3 + 182.25/3) = 60.75
//   x ≤ 3.5: G_L = 11.75, H_L = 3 → ½(138.0625/4 + 138.0625/2) = 51.7734375
// Best: x ≤ 2.5; leaf weights −13.5/3 = −4.5 and 13.5/3 = 4.5.
const tiny = {
  x: [new Float64Array([1, 2, 3, 4])],
  y: new Float64Array([1, 2, 10, 20]),
};

Deno.test("`xgboostFit()` leaf weights are −G/(H+λ) (by hand)", () => {
  const model = xgboostFit({ nEstimators: 1, maxDepth: 1, learningRate: 1 })
    .fit(tiny.x, tiny.y);
  const json = model.toJSON();
  assertEquals(json.baseScore, 8.25);
  const [tree] = trees(json);
  assertEquals(tree!.feature, [0, -1, -1]);
  assertEquals(tree!.threshold[0], 2.5);
  assertEquals(tree!.value.slice(1), [-4.5, 4.5]);
  assertEquals([...model.predict(tiny.x)], [3.75, 3.75, 12.75, 12.75]);
  // eta scales the weights.
  const eta = xgboostFit({ nEstimators: 1, maxDepth: 1, learningRate: 0.1 })
    .fit(tiny.x, tiny.y);
  assert(Math.abs(trees(eta.toJSON())[0]!.value[1]! - -0.45) < 1e-15);
  // λ = 0 changes the best split: gains ½(G_L²/H_L + G_R²/H_R) are 35.04…,
  // 91.125 and 92.0416… (x ≤ 3.5), so the weights are −11.75/3 and 11.75/1.
  const noReg = xgboostFit({
    nEstimators: 1,
    maxDepth: 1,
    learningRate: 1,
    lambda: 0,
  }).fit(tiny.x, tiny.y);
  const [plain] = trees(noReg.toJSON());
  assertEquals(plain!.threshold[0], 3.5);
  assert(Math.abs(plain!.value[1]! - -11.75 / 3) < 1e-15);
  assert(Math.abs(plain!.value[2]! - 11.75) < 1e-15);
});

Deno.test("`xgboostFit()` split gain is ½[G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ)] − γ (by hand)", () => {
  const fit = (gamma: number, minChildWeight = 1) =>
    trees(
      xgboostFit({
        nEstimators: 1,
        maxDepth: 1,
        learningRate: 1,
        gamma,
        minChildWeight,
      }).fit(tiny.x, tiny.y).toJSON(),
    )[0]!;
  assertEquals(fit(0).gain[0], 60.75);
  assertEquals(fit(60).gain[0], 0.75);
  // γ above the best gain: no split, one leaf of weight −G/(H+λ) = 0.
  assertEquals(fit(61).feature, [-1]);
  assertEquals(fit(61).value, [0]);
  // min_child_weight 3 leaves only the splits with 3 rows on one side, both
  // invalid (the other side has 1): no split.
  assertEquals(fit(0, 3).feature, [-1]);
  // min_child_weight 2 still allows x ≤ 2.5.
  assertEquals(fit(0, 2).threshold[0], 2.5);
  // At depth 2 (λ = 1): the left child {1, 2} (g = 7.25, 6.25) would gain
  // ½(7.25²/2 + 6.25²/2 − 13.5²/3) = −7.46875 < 0, so it stays a leaf; the
  // right child {3, 4} (g = −1.75, −11.75) gains
  // ½(1.75²/2 + 11.75²/2 − 13.5²/3) = 4.90625 and splits.
  const deep = trees(
    xgboostFit({ nEstimators: 1, maxDepth: 2, learningRate: 1 })
      .fit(tiny.x, tiny.y).toJSON(),
  )[0]!;
  const gains = deep.gain.filter((_g, i) => deep.feature[i]! >= 0);
  assertEquals(gains.length, 2);
  assertEquals(gains[0], 60.75);
  assert(Math.abs(gains[1]! - 4.90625) < 1e-12, `${gains}`);
  // Leaves by hand: −13.5/3 = −4.5; 1.75/2 = 0.875; 11.75/2 = 5.875.
  assertEquals([
    ...xgboostFit({ nEstimators: 1, maxDepth: 2, learningRate: 1 })
      .fit(tiny.x, tiny.y).predict(tiny.x),
  ], [3.75, 3.75, 9.125, 14.125]);
});

Deno.test("`xgboostFit()` continues from `init`: keeps its trees, lowers the loss", () => {
  const { x, y } = data(2000, 1);
  const trainer = xgboostFit({ nEstimators: 30 });
  const first = trainer.fit(x, y);
  const more = trainer.fit(x, y, { init: first });
  assertEquals(trees(more.toJSON()).length, 60);
  const firstJson = first.toJSON();
  const moreJson = more.toJSON();
  assertEquals(trees(moreJson).slice(0, 30), trees(firstJson));
  assertEquals(moreJson.baseScore, firstJson.baseScore);
  const before = mse(first.predict(x), y);
  const after = mse(more.predict(x), y);
  assert(after < before, `${after} ≥ ${before}`);
  // On the same data, 30 + 30 rounds are exactly 60 rounds in one go.
  const once = xgboostFit({ nEstimators: 60 }).fit(x, y);
  assertEquals(trees(once.toJSON()), trees(moreJson));
  assert(sameBits(once.predict(x), more.predict(x)));
  // Continuing on new data fits the new data better than the old model did.
  const shifted = data(1500, 2);
  const y2 = shifted.y.map((v) => v + 25);
  const adapted = trainer.fit(shifted.x, y2, { init: first });
  assert(
    mse(adapted.predict(shifted.x), y2) < mse(first.predict(shifted.x), y2),
  );
  // A reloaded model continues the same way.
  const reloaded = loadXgboostFit(JSON.parse(JSON.stringify(first)));
  assertEquals(trainer.fit(x, y, { init: reloaded }).toJSON(), moreJson);
});

Deno.test("`xgboostFit()` rejects an `init` of another kind or width", () => {
  const { x, y } = data(50, 3);
  const gbdt = gradientBoostingRegressor({ nEstimators: 2 }).fit(x, y);
  assertThrows(
    () => xgboostFit().fit(x, y, { init: gbdt }),
    (e: unknown) => e instanceof TypeError && /"gbdt"/.test(e.message),
  );
  const narrow = xgboostFit({ nEstimators: 2 }).fit(x.slice(0, 2), y);
  assertThrows(
    () => xgboostFit().fit(x, y, { init: narrow }),
    (e: unknown) => e instanceof RangeError && /2 features/.test(e.message),
  );
});

Deno.test("`xgboostFit()` fits a nonlinear function on held-out data", () => {
  const train = data(4000, 4);
  const test = data(2000, 5);
  const model = xgboostFit().fit(train.x, train.y);
  assertEquals(model.kind, "xgboost");
  const mean = test.y.reduce((s, v) => s + v, 0) / test.y.length;
  const variance = test.y.reduce((s, v) => s + (v - mean) ** 2, 0) /
    test.y.length;
  const r2 = 1 - mse(model.predict(test.x), test.y) / variance;
  // The noise (σ = 2) alone caps R² near 1 − 4 / variance (0.994 here);
  // this fit measured 0.990.
  assert(r2 > 0.98 * (1 - 4 / variance), `R² ${r2}, variance ${variance}`);
});

Deno.test("`loadXgboostFit()` round-trips JSON with bit-identical predictions", () => {
  const { x, y } = data(3000, 6);
  const model = xgboostFit().fit(x, y);
  const text = JSON.stringify(model);
  const copy = loadXgboostFit(JSON.parse(text));
  assertEquals(JSON.stringify(copy), text);
  const unseen = data(2000, 7).x;
  assert(sameBits(copy.predict(unseen), model.predict(unseen)));
  assertThrows(
    () => loadXgboostFit({ ...model.toJSON(), kind: "gbdt" }),
    TypeError,
  );
});

Deno.test("`xgboostFit()` gives the same model for the same seed", () => {
  const { x, y } = data(1000, 8);
  const trainer = xgboostFit({ nEstimators: 15, subsample: 0.7 });
  const a = trainer.fit(x, y, { seed: 3 }).toJSON();
  assertEquals(trainer.fit(x, y, { seed: 3 }).toJSON(), a);
  assertNotEquals(trainer.fit(x, y, { seed: 4 }).toJSON().trees, a.trees);
});

Deno.test("`xgboostFit()` rejects bad input and parameters", () => {
  const x = [new Float64Array([1, 2, 3])];
  const y = new Float64Array([1, 2, 3]);
  const fit = xgboostFit().fit;
  assertThrows(() => fit(x, new Float64Array(4)), /has 3 rows but y has 4/);
  assertThrows(() => fit([new Float64Array([1, -Infinity, 3])], y), RangeError);
  assertThrows(
    () => fit([new Float64Array(1)], new Float64Array(1)),
    RangeError,
  );
  for (
    const params of [
      { lambda: -1 },
      { gamma: -0.5 },
      { minChildWeight: -1 },
      { maxDepth: 0 },
      { subsample: 0 },
    ]
  ) {
    assertThrows(
      () => xgboostFit(params).fit(x, y),
      (e: unknown) =>
        e instanceof RangeError &&
        e.message.includes(Object.keys(params)[0]!),
    );
  }
});
