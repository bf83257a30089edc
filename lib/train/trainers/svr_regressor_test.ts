import {
  deepStrictEqual as assertEquals,
  ok as assert,
  throws as assertThrows,
} from "node:assert/strict";
import { scaleGamma, svrRegressor } from "./svr_regressor.ts";
import { loadModel } from "../load_model.ts";
import { mulberry32, normal } from "../../numeric/random.ts";

Deno.test("`svrRegressor()` fits a smooth 1-D function well with upstream's defaults", () => {
  const r = mulberry32(31);
  const n = 400;
  const x = Float64Array.from({ length: n }, () => r() * 100);
  const truth = (v: number) => 3 + 2 * Math.sin(v / 15);
  const y = x.map((v) => truth(v) + 0.1 * normal(r));
  const m = svrRegressor().fit([x], y); // C = 1, ε = 0.2, gamma = "scale"
  const q = Float64Array.from({ length: 200 }, (_, i) => 1 + i * 0.49);
  const pred = m.predict([q]);
  let mae = 0;
  for (let i = 0; i < 200; i++) mae += Math.abs(pred[i]! - truth(q[i]!)) / 200;
  assert(mae < 0.1, `MAE ${mae}`);
});

Deno.test("`scaleGamma()` is 1 / (features · variance of all entries)", () => {
  // entries 1, 2, 3, 4 → variance 1.25; two features → 1 / 2.5
  assertEquals(scaleGamma([Float64Array.of(1, 2), Float64Array.of(3, 4)]), 0.4);
  assertEquals(scaleGamma([Float64Array.of(5, 5)]), 1);
});

Deno.test("`svrRegressor()` subsamples above maxSamples, deterministically by seed", () => {
  const r = mulberry32(32);
  const x = [Float64Array.from({ length: 300 }, r)];
  const y = x[0]!.map((v) => 10 * v);
  const t = svrRegressor({ maxSamples: 100 });
  const a = t.fit(x, y, { seed: 1 });
  assertEquals(a.toJSON().info?.rows, 100);
  assertEquals(t.fit(x, y, { seed: 1 }).toJSON(), a.toJSON());
  assert(a.nSupport <= 100);
});

Deno.test("`svrRegressor()` models round-trip through JSON bit-identically", () => {
  const r = mulberry32(33);
  const x = [0, 1].map(() => Float64Array.from({ length: 80 }, r));
  const y = Float64Array.from({ length: 80 }, () => 5 * r());
  const m = svrRegressor().fit(x, y);
  const back = loadModel(JSON.parse(JSON.stringify(m)));
  assertEquals(back.predict(x), m.predict(x));
});

Deno.test("`svrRegressor()` rejects bad hyperparameters in fit", () => {
  const x = [Float64Array.of(1, 2)], y = Float64Array.of(1, 2);
  assertThrows(() => svrRegressor({ c: 0 }).fit(x, y), RangeError);
  assertThrows(() => svrRegressor({ gamma: -1 }).fit(x, y), RangeError);
  assertThrows(() => svrRegressor({ epsilon: -0.1 }).fit(x, y), RangeError);
});
