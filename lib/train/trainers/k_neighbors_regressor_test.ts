import {
  deepStrictEqual as assertEquals,
  ok as assert,
  throws as assertThrows,
} from "node:assert/strict";
import { kNeighborsRegressor } from "./k_neighbors_regressor.ts";
import { loadModel } from "../load_model.ts";
import { mulberry32 } from "../../numeric/random.ts";

/** Brute force: sort every training row by scaled distance, average k. */
function bruteForce(
  x: Float64Array[],
  y: Float64Array,
  q: Float64Array[],
  k: number,
): number[] {
  const scale = x.map((c) => Math.max(...c.map(Math.abs)) || 1);
  const out: number[] = [];
  for (let r = 0; r < q[0]!.length; r++) {
    const d = [...y.keys()].map((i) => ({
      i,
      d: Math.hypot(
        ...x.map((c, j) => c[i]! / scale[j]! - q[j]![r]! / scale[j]!),
      ),
    }));
    d.sort((a, b) => a.d - b.d || a.i - b.i);
    out.push(d.slice(0, k).reduce((s, e) => s + y[e.i]!, 0) / k);
  }
  return out;
}

Deno.test("`kNeighborsRegressor()` equals brute force", () => {
  const r = mulberry32(21);
  const n = 300;
  const x = [0, 1, 2].map((j) =>
    Float64Array.from({ length: n }, () => r() * 10 ** (j + 1))
  );
  const y = Float64Array.from({ length: n }, () => r() * 100);
  const q = [0, 1, 2].map((j) =>
    Float64Array.from({ length: 40 }, () => r() * 10 ** (j + 1))
  );
  for (const k of [1, 6, 17]) {
    const m = kNeighborsRegressor({ nNeighbors: k }).fit(x, y);
    const pred = m.predict(q);
    const ref = bruteForce(x, y, q, k);
    for (let i = 0; i < 40; i++) {
      assert(Math.abs(pred[i]! - ref[i]!) < 1e-12, `k=${k} row ${i}`);
    }
  }
});

/**
 * The scan the model did before its KD-tree, operation for operation: MaxAbs
 * scaling by division, squared distances summed over features in order, the
 * k smallest (distance, row) pairs, their y summed nearest first.
 */
function scan(
  x: Float64Array[],
  y: Float64Array,
  q: Float64Array[],
  k: number,
): Float64Array {
  const scale = x.map((c) =>
    c.reduce((m, v) => Math.max(m, Math.abs(v)), 0) || 1
  );
  const out = new Float64Array(q[0]!.length);
  for (let r = 0; r < out.length; r++) {
    const d = [...y.keys()].map((i) => {
      let s = 0;
      for (let j = 0; j < x.length; j++) {
        const t = x[j]![i]! / scale[j]! - q[j]![r]! / scale[j]!;
        s = s + t * t;
      }
      return { i, d: s };
    });
    d.sort((a, b) => a.d - b.d || a.i - b.i);
    let sum = 0;
    for (const e of d.slice(0, k)) sum += y[e.i]!;
    out[r] = sum / k;
  }
  return out;
}

Deno.test("`kNeighborsRegressor()` equals the brute-force scan bit for bit, repeated rows and ties included", () => {
  const r = mulberry32(23);
  const n = 3000;
  // 3 features on coarse grids: every row repeats, most distances tie
  const grid = (levels: number, top: number) =>
    Float64Array.from(
      { length: n },
      () => Math.floor(r() * levels) * top / levels,
    );
  const x = [grid(5, 100), grid(4, 2e6), grid(3, 7)];
  const y = Float64Array.from({ length: n }, () => Math.round(r() * 1000) / 10);
  const q = [grid(10, 110), grid(8, 2.2e6), grid(6, 7.5)].map((c) =>
    c.subarray(0, 300)
  );
  for (const k of [1, 6, 40]) {
    const m = kNeighborsRegressor({ nNeighbors: k }).fit(x, y);
    assertEquals(m.predict(q), scan(x, y, q, k), `k = ${k}`);
    // and on the training rows themselves (distance 0 to many copies)
    const back = loadModel(JSON.parse(JSON.stringify(m)));
    const head = x.map((c) => c.subarray(0, 200));
    assertEquals(back.predict(head), scan(x, y, head, k), `k = ${k}, loaded`);
  }
});

Deno.test("`kNeighborsRegressor()` predicts NaN for a row with a NaN feature", () => {
  const m = kNeighborsRegressor({ nNeighbors: 1 }).fit(
    [Float64Array.of(0, 1, 2)],
    Float64Array.of(10, 20, 30),
  );
  assertEquals(
    m.predict([Float64Array.of(NaN, 2)]),
    Float64Array.of(NaN, 30),
  );
});

Deno.test("`kNeighborsRegressor()` defaults to k = 6 with uniform weights", () => {
  const x = [Float64Array.of(0, 1, 2, 3, 4, 5, 100)];
  const y = Float64Array.of(1, 2, 3, 4, 5, 6, 1000);
  const m = kNeighborsRegressor().fit(x, y);
  assertEquals(m.k, 6);
  assertEquals(m.predict([Float64Array.of(2.5)]), Float64Array.of(3.5));
});

Deno.test("`kNeighborsRegressor()` breaks distance ties by training order", () => {
  // rows 1 and 2 are both at distance 1 from the query 0
  const m = kNeighborsRegressor({ nNeighbors: 2 }).fit(
    [Float64Array.of(0, 1, -1, 5)],
    Float64Array.of(10, 20, 30, 40),
  );
  assertEquals(m.predict([Float64Array.of(0)]), Float64Array.of(15));
});

Deno.test("`kNeighborsRegressor()` rejects fewer rows than neighbours", () => {
  const x = [Float64Array.of(1, 2, 3, 4, 5)],
    y = Float64Array.of(1, 2, 3, 4, 5);
  assertThrows(() => kNeighborsRegressor().fit(x, y), RangeError);
  assertThrows(
    () => kNeighborsRegressor({ nNeighbors: 0 }).fit(x, y),
    RangeError,
  );
});

Deno.test("`kNeighborsRegressor()` models round-trip through JSON bit-identically", () => {
  const r = mulberry32(22);
  const x = [0, 1].map(() => Float64Array.from({ length: 50 }, r));
  const y = Float64Array.from({ length: 50 }, r);
  const m = kNeighborsRegressor().fit(x, y);
  const back = loadModel(JSON.parse(JSON.stringify(m)));
  assertEquals(back.predict(x), m.predict(x));
});

Deno.test('`kNeighborsRegressor({ weights: "distance" })` weights neighbours by 1 / distance, as scikit-learn\'s option', () => {
  const x = [Float64Array.of(0, 1, 3)], y = Float64Array.of(0, 10, 30);
  const m = kNeighborsRegressor({ nNeighbors: 2, weights: "distance" }).fit(
    x,
    y,
  );
  assertEquals(m.weights, "distance");
  const [a, b, c] = m.predict([Float64Array.of(0.25, 1, 2)]);
  // 0.25: distances 0.25 and 0.75, weights 4 and 4/3 → 10·(4/3) / (16/3)
  assert(Math.abs(a! - 2.5) < 1e-12, `${a}`);
  // a query on a training row takes that row's y
  assertEquals(b, 10);
  // 2: rows 1 and 3 both at distance 1 → the plain mean
  assert(Math.abs(c! - 20) < 1e-12, `${c}`);
  // uniform (upstream) writes no weights field; distance round-trips
  const uniform = kNeighborsRegressor({ nNeighbors: 2 }).fit(x, y);
  assertEquals("weights" in uniform.toJSON(), false);
  const json = JSON.parse(JSON.stringify(m));
  assertEquals(json.weights, "distance");
  const q = [Float64Array.of(0.25, 2.9)];
  assertEquals(loadModel(json).predict(q), m.predict(q));
  assertThrows(
    () => loadModel({ ...json, weights: "gaussian" }),
    /field weights is gaussian/,
  );
  assertThrows(
    () =>
      kNeighborsRegressor({ weights: "gaussian" as "distance" }).fit(
        [Float64Array.from({ length: 10 }, (_, i) => i)],
        new Float64Array(10),
      ),
    /parameter weights is gaussian/,
  );
});
