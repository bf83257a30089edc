import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import {
  keepingPredictions,
  KEPT_VALUES_LIMIT,
  releaseKeptPredictions,
} from "./_svr_predict.ts";
import {
  predictSvrModels,
  svrKernelValuesShared,
  type SvrModel,
  svrRegressor,
} from "./svr_regressor.ts";
import { mulberry32 } from "../../numeric/random.ts";

/**
 * An SVR model's prediction written out from its JSON, term by term in
 * the order the model sums them: the reference the shared paths must meet
 * bit for bit.
 */
function byHand(model: SvrModel, x: readonly Float64Array[]): Float64Array {
  const { scale, gamma, supportVectors, dualCoef, intercept } = model.toJSON();
  const p = scale.length;
  const n = x[0]!.length;
  const out = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    let s = 0;
    for (let v = 0; v < dualCoef.length; v++) {
      let d = 0;
      for (let k = 0; k < p; k++) {
        const t = supportVectors[v * p + k]! - x[k]![r]! / scale[k]!;
        d = d + t * t;
      }
      s += dualCoef[v]! * Math.exp(-gamma * d);
    }
    out[r] = s + intercept;
  }
  return out;
}

/** Two features; two labellings of the same rows (two "components"). */
function rows(n: number, seed: number) {
  const rand = mulberry32(seed);
  const x = [
    Float64Array.from({ length: n }, () => rand() * 100),
    Float64Array.from({ length: n }, () => rand() * 3),
  ];
  const y1 = x[0]!.map((v, i) => 0.5 * v + 4 * x[1]![i]! + 3 * rand());
  const y2 = x[0]!.map((v, i) => 0.1 * v + Math.sin(x[1]![i]!) + 3 * rand());
  return { x, y1, y2 };
}

Deno.test("a model predicting the rows another model just predicted takes that model's kernel values, and gives its own bits", () => {
  const { x, y1, y2 } = rows(300, 1);
  const a = svrRegressor().fit(x, y1);
  const b = svrRegressor().fit(x, y2);
  const test = rows(120, 2).x;
  releaseKeptPredictions();
  // outside keepingPredictions (one component): nothing kept, nothing shared
  const outside = svrKernelValuesShared();
  assertEquals(a.predict(test), byHand(a, test));
  assertEquals(b.predict(test), byHand(b, test));
  assertEquals(svrKernelValuesShared(), outside);
  keepingPredictions(() => {
    assertEquals(a.predict(test), byHand(a, test));
    const before = svrKernelValuesShared();
    const pb = b.predict(test);
    const shared = svrKernelValuesShared() - before;
    assertEquals(pb, byHand(b, test));
    // b's vectors that a also has, once per row (both are training rows)
    assert(shared > 0 && shared % 120 === 0 && shared <= 120 * b.nSupport);
    // other rows (one bit of one value): nothing shared, still exact
    const other = test.map((c) => c.slice());
    other[1]![7] = other[1]![7]! + 2 ** -40;
    const again = svrKernelValuesShared();
    assertEquals(b.predict(other), byHand(b, other));
    assertEquals(a.predict(other), byHand(a, other));
    assertEquals(svrKernelValuesShared() - again, 120 * sharedOf(a, b));
  });
  // the values kept are let go of when the last keepingPredictions ends
  const after = svrKernelValuesShared();
  keepingPredictions(() => b.predict(test));
  assertEquals(svrKernelValuesShared(), after);
});

/** How many of a's vectors b also has (rows predicted after b share them). */
function sharedOf(a: SvrModel, b: SvrModel): number {
  const key = (m: SvrModel, v: number) => {
    const { supportVectors, scale } = m.toJSON();
    const p = scale.length;
    return supportVectors.slice(v * p, v * p + p).join(",");
  };
  const inB = new Set(Array.from({ length: b.nSupport }, (_, v) => key(b, v)));
  let n = 0;
  for (let v = 0; v < a.nSupport; v++) if (inB.has(key(a, v))) n++;
  return n;
}

Deno.test("rows too many to keep are predicted row by row, exactly, and leave nothing to share", () => {
  const { x, y1, y2 } = rows(1_300, 3);
  const a = svrRegressor().fit(x, y1);
  const b = svrRegressor().fit(x, y2);
  const n = Math.ceil(KEPT_VALUES_LIMIT / Math.min(a.nSupport, b.nSupport)) +
    10;
  const test = rows(n, 4).x;
  releaseKeptPredictions();
  keepingPredictions(() => {
    const [pa, pb] = predictSvrModels([a, b], test);
    assertEquals(pa, byHand(a, test));
    assertEquals(pb, byHand(b, test));
    const before = svrKernelValuesShared();
    assertEquals(b.predict(test), pb);
    assertEquals(svrKernelValuesShared(), before);
  });
});

Deno.test("another γ on the same rows shares nothing", () => {
  const { x, y1 } = rows(200, 5);
  const a = svrRegressor().fit(x, y1);
  const c = svrRegressor({ gamma: 0.7 }).fit(x, y1);
  const test = rows(50, 6).x;
  releaseKeptPredictions();
  keepingPredictions(() => {
    a.predict(test);
    const before = svrKernelValuesShared();
    assertEquals(c.predict(test), byHand(c, test));
    assertEquals(svrKernelValuesShared(), before);
  });
});
