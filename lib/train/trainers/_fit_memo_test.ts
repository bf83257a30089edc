import {
  deepStrictEqual as assertEquals,
  notDeepStrictEqual as assertNotEquals,
  throws as assertThrows,
} from "node:assert/strict";
import {
  FIT_MEMO_LIMIT,
  fitKey,
  fitMemoHits,
  memoizedFit,
} from "./_fit_memo.ts";
import {
  curveFunction,
  exponentialRegression,
  initialValues,
} from "./curve_fit.ts";
import { levenbergMarquardt } from "../../numeric/levenberg_marquardt.ts";
import { fitMaxAbsScaler } from "../scaler.ts";
import { releaseKept } from "./kept.ts";

Deno.test("`fitKey()` changes with the text, any byte, the split between arrays and a view's offset", () => {
  const a = Float64Array.of(1, 2, 3);
  const b = Float64Array.of(4, 5);
  const key = fitKey("exp 1", [a, b]);
  assertEquals(fitKey("exp 1", [Float64Array.of(1, 2, 3), b]), key);
  assertNotEquals(fitKey("exp 2", [a, b]), key);
  assertNotEquals(
    fitKey("exp 1", [Float64Array.of(1, 2, 3 + 2 ** -50), b]),
    key,
  );
  assertNotEquals(
    fitKey("exp 1", [Float64Array.of(1, 2), Float64Array.of(3, 4, 5)]),
    key,
  );
  // −0 and 0 are different bytes: a fit may tell them apart
  assertNotEquals(
    fitKey("", [Float64Array.of(-0)]),
    fitKey("", [Float64Array.of(0)]),
  );
  const big = Float64Array.of(9, 1, 2, 3);
  assertEquals(fitKey("exp 1", [big.subarray(1), b]), key);
});

Deno.test("`memoizedFit()` computes once per key, keeps nothing from a throw, and forgets the least recently used first", () => {
  let calls = 0;
  const compute = (v: number) => () => {
    calls++;
    return { v };
  };
  const k1 = fitKey("memo-test 1", []);
  const before = fitMemoHits();
  const first = memoizedFit(k1, compute(1));
  assertEquals(memoizedFit(k1, compute(2)), { v: 1 });
  assertEquals(memoizedFit(k1, compute(3)) === first, true);
  assertEquals([calls, fitMemoHits() - before], [1, 2]);
  const k2 = fitKey("memo-test 2", []);
  assertThrows(() =>
    memoizedFit(k2, () => {
      throw new Error("no");
    })
  );
  assertEquals(memoizedFit(k2, compute(4)), { v: 4 });
  // k1 used last among the two; fill the store: k2 goes, k1 was refreshed
  memoizedFit(k1, compute(5));
  for (let i = 0; i < FIT_MEMO_LIMIT - 1; i++) {
    memoizedFit(fitKey(`memo-test fill ${i}`, []), compute(0));
  }
  calls = 0;
  assertEquals(memoizedFit(k1, compute(6)), { v: 1 });
  assertEquals(memoizedFit(k2, compute(7)), { v: 7 });
  assertEquals(calls, 1);
});

Deno.test("a curve fit in a second feature group with the same main column is recalled: the same parameters as a fresh fit, the group's own scales", () => {
  const n = 300;
  const main = Float64Array.from({ length: n }, (_, i) => 10 + (i * 37) % 101);
  const y = main.map((v, i) => 5 + 3 * Math.exp(v / 80) + ((i * 13) % 7) / 10);
  const otherA = Float64Array.from({ length: n }, (_, i) => (i * 7) % 11);
  const otherB = Float64Array.from({ length: n }, (_, i) => 1000 + i);
  const trainer = exponentialRegression();
  const groupA = trainer.fit([otherA, main], y, { mainFeature: 1 });
  const before = fitMemoHits();
  const groupB = trainer.fit([main, otherB, otherA], y, { mainFeature: 0 });
  assertEquals(fitMemoHits() - before, 1);
  assertEquals(groupB.params, groupA.params);
  assertEquals(groupB.toJSON().scale, [
    ...fitMaxAbsScaler([main, otherB, otherA]).scale,
  ]);
  assertEquals(groupB.mainFeature, 0);
  // the parameters are those of the fit itself, computed here afresh
  const s = fitMaxAbsScaler([main]).scale[0]!;
  const xs = main.map((v) => v / s);
  const spec = curveFunction("exponential");
  const fresh = levenbergMarquardt(
    spec,
    xs,
    y,
    initialValues("exponential", y),
    {
      maxIterations: 30_000,
      gtol: 1e-10,
      ftol: 1.49012e-8,
    },
  );
  assertEquals(groupA.params, fresh.theta);
  // other labels: not recalled
  const y2 = y.map((v) => v + 1);
  const again = fitMemoHits();
  trainer.fit([main], y2, { mainFeature: 0 });
  assertEquals(fitMemoHits(), again);
});

Deno.test("`releaseKept()` forgets the stored fits: the same fit after it computes afresh", () => {
  const x = [Float64Array.from({ length: 50 }, (_, i) => 1 + i)];
  const y = x[0]!.map((v) => 3 + Math.exp(v / 40));
  const trainer = exponentialRegression();
  trainer.fit(x, y, { mainFeature: 0 });
  const before = fitMemoHits();
  trainer.fit(x, y, { mainFeature: 0 });
  assertEquals(fitMemoHits() - before, 1);
  releaseKept();
  const after = fitMemoHits();
  const again = trainer.fit(x, y, { mainFeature: 0 });
  assertEquals(fitMemoHits(), after);
  assertEquals(again.params, trainer.fit(x, y, { mainFeature: 0 }).params);
});
