import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import { binColumns } from "./histogram.ts";
import { boost } from "./boost.ts";
import { mulberry32 } from "./random.ts";

function randomColumn(n: number, seed: number, round = 0): Float64Array {
  const r = mulberry32(seed);
  return Float64Array.from({ length: n }, () => {
    const v = r() * 10;
    return round > 0 ? Math.round(v * round) / round : v;
  });
}

/**
 * An independent, exact greedy booster: at every node, every feature, every
 * gap between the node's sorted values; no bins, no histograms.
 */
function exactBoost(
  x: Float64Array[],
  y: Float64Array,
  o: {
    rounds: number;
    depth: number;
    eta: number;
    lambda: number;
    base: number;
  },
): Float64Array {
  const n = y.length;
  const pred = new Float64Array(n).fill(o.base);
  for (let round = 0; round < o.rounds; round++) {
    const g = pred.map((p, i) => p - y[i]!);
    const delta = new Float64Array(n);
    const grow = (rows: number[], depth: number) => {
      const G = rows.reduce((s, i) => s + g[i]!, 0);
      const H = rows.length;
      let best: { gain: number; left: number[]; right: number[] } | undefined;
      if (depth < o.depth) {
        for (const col of x) {
          const values = [...new Set(rows.map((i) => col[i]!))].sort((a, b) =>
            a - b
          );
          for (let k = 0; k + 1 < values.length; k++) {
            const left = rows.filter((i) => col[i]! <= values[k]!);
            const right = rows.filter((i) => col[i]! > values[k]!);
            const gl = left.reduce((s, i) => s + g[i]!, 0);
            const gain = 0.5 *
              (gl ** 2 / (left.length + o.lambda) +
                (G - gl) ** 2 / (right.length + o.lambda) -
                G ** 2 / (H + o.lambda));
            if (gain > 1e-9 && (!best || gain > best.gain)) {
              best = { gain, left, right };
            }
          }
        }
      }
      if (best) {
        grow(best.left, depth + 1);
        grow(best.right, depth + 1);
      } else {
        const w = (-G / (H + o.lambda)) * o.eta;
        for (const i of rows) delta[i] = w;
      }
    };
    grow([...Array(n).keys()], 0);
    for (let i = 0; i < n; i++) pred[i] = pred[i]! + delta[i]!;
  }
  return pred;
}

Deno.test("`boost()` matches an exact greedy booster when binning is exact", () => {
  const n = 150;
  const x = [
    randomColumn(n, 21, 4),
    randomColumn(n, 22, 2),
    randomColumn(n, 23, 1),
  ];
  const r = mulberry32(24);
  const y = Float64Array.from(
    { length: n },
    (_, i) => 5 * Math.sin(x[0]![i]!) + x[1]![i]! * x[2]![i]! / 10 + r(),
  );
  const base = y.reduce((s, v) => s + v, 0) / n;
  for (const lambda of [0, 1]) {
    const o = { rounds: 4, depth: 3, eta: 0.3, lambda, base };
    const expected = exactBoost(x, y, o);
    const { pred } = boost(binColumns(x), y, {
      nEstimators: o.rounds,
      maxDepth: o.depth,
      learningRate: o.eta,
      lambda,
      start: new Float64Array(n).fill(base),
    });
    for (let i = 0; i < n; i++) {
      assert(Math.abs(pred[i]! - expected[i]!) < 1e-9, `λ=${lambda} row ${i}`);
    }
  }
});

Deno.test("`boost()` with subsample grows each tree on floor(subsample × n) seeded rows", () => {
  const n = 1000;
  const x = [randomColumn(n, 41)];
  const y = Float64Array.from({ length: n }, (_, i) => (i < 500 ? 1 : 0));
  const leaf = (seed: number) => {
    // No split is allowed, so the tree is one leaf: −G/H = mean y of the sample.
    const { trees } = boost(binColumns(x), y, {
      nEstimators: 1,
      learningRate: 1,
      minSamplesLeaf: n,
      subsample: 0.3,
      seed,
    });
    assertEquals(trees[0]!.feature[0], -1);
    return trees[0]!.value[0]!;
  };
  const values = [1, 2, 3, 4].map(leaf);
  for (const v of values) {
    // A mean of 300 zeros and ones: k / 300.
    assert(Math.abs(v * 300 - Math.round(v * 300)) < 1e-9, `${v}`);
    assert(v > 0.3 && v < 0.7);
  }
  assertEquals(leaf(2), values[1]);
  assert(new Set(values).size > 1, "different seeds draw different rows");
});
