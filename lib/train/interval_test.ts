import {
  deepStrictEqual as assertEquals,
  ok as assert,
  throws as assertThrows,
} from "node:assert/strict";
import { conformalInterval, withInterval } from "./interval.ts";
import { linearRegression } from "./trainers/linear_regression.ts";
import { isWeightExportable } from "./model.ts";
import { loadModel } from "./load_model.ts";
import { syntheticPower } from "./testing.ts";

Deno.test("`conformalInterval()` takes the ⌈(n+1)(1−α)⌉-th smallest residual", () => {
  // residuals 1..99 in shuffled order; ⌈100 · 0.9⌉ = 90
  const n = 99;
  const res = Array.from({ length: n }, (_, i) => ((i * 37) % n) + 1);
  const y = Float64Array.from(res);
  const iv = conformalInterval(y, new Float64Array(n));
  assertEquals(iv, { coverage: 0.9, halfWidth: 90, n: 99 });
  // 80%: ⌈100 · 0.8⌉ = 80; negative residuals count by absolute value
  assertEquals(
    conformalInterval(y.map((v) => -v), new Float64Array(n), { coverage: 0.8 })
      .halfWidth,
    80,
  );
});

Deno.test("`conformalInterval()` covers fresh data at the nominal rate", () => {
  const train = syntheticPower({ n: 2000, p: 3, noise: 5, seed: 41 });
  const cal = syntheticPower({ n: 2000, p: 3, noise: 5, seed: 42 });
  const fresh = syntheticPower({ n: 20_000, p: 3, noise: 5, seed: 43 });
  const m = linearRegression().fit(train.x, train.y);
  for (const coverage of [0.8, 0.9, 0.95]) {
    const w = withInterval(
      m,
      conformalInterval(cal.y, m.predict(cal.x), { coverage }),
    );
    const { lo, hi } = w.predictInterval(fresh.x);
    let inside = 0;
    for (let i = 0; i < fresh.y.length; i++) {
      if (fresh.y[i]! >= lo[i]! && fresh.y[i]! <= hi[i]!) inside++;
    }
    const rate = inside / fresh.y.length;
    assert(
      Math.abs(rate - coverage) <= 0.03,
      `coverage ${rate} for nominal ${coverage}`,
    );
  }
});

Deno.test("`conformalInterval()` needs enough calibration rows", () => {
  // 90%: ⌈(n+1)·0.9⌉ ≤ n needs n ≥ 9
  assertThrows(
    () => conformalInterval(new Float64Array(8), new Float64Array(8)),
    RangeError,
  );
  assertEquals(
    conformalInterval(new Float64Array(9), new Float64Array(9)).halfWidth,
    0,
  );
  assertThrows(
    () =>
      conformalInterval(Float64Array.of(1), Float64Array.of(1), {
        coverage: 1,
      }),
    RangeError,
  );
});

Deno.test("`withInterval()` travels with the model JSON through `loadModel()`", () => {
  const { x, y } = syntheticPower({ n: 100, seed: 44 });
  const m = withInterval(linearRegression().fit(x, y), {
    coverage: 0.9,
    halfWidth: 2.5,
    n: 100,
  });
  const back = loadModel(JSON.parse(JSON.stringify(m)));
  assertEquals(back.kind, "linear");
  assertEquals(back.predict(x), m.predict(x));
  assertEquals((back as typeof m).interval, {
    coverage: 0.9,
    halfWidth: 2.5,
    n: 100,
  });
  assertEquals(
    (back as typeof m).predictInterval(x).hi,
    m.predict(x).map((v) => v + 2.5),
  );
  // still exportable as Kepler weights
  assert(isWeightExportable(back));
  const inner = m.model;
  assert(isWeightExportable(inner));
  assertEquals(
    back.keplerWeights(["a", "b", "c"]),
    inner.keplerWeights(["a", "b", "c"]),
  );
});
