import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import {
  binColumns,
  binColumnsKept,
  binEdges,
  buildHistogram,
  findBestSplit,
  MAX_BINS,
  subtractHistogram,
} from "./histogram.ts";
import { mulberry32 } from "./random.ts";

function randomColumn(n: number, seed: number, round = 0): Float64Array {
  const r = mulberry32(seed);
  return Float64Array.from({ length: n }, () => {
    const v = r() * 10;
    return round > 0 ? Math.round(v * round) / round : v;
  });
}

Deno.test("`binEdges()` puts one bin per distinct value, with midpoint edges", () => {
  const column = randomColumn(500, 1, 10); // values k/10, about 100 distinct
  const distinct = [...new Set(column)].sort((a, b) => a - b);
  const expected = distinct.slice(1).map((v, i) => (distinct[i]! + v) / 2);
  assertEquals([...binEdges(column)], expected);
});

Deno.test("`binEdges()` cuts many distinct values into at most 255 balanced bins", () => {
  const n = 20_000;
  const column = randomColumn(n, 2);
  const edges = binEdges(column);
  assertEquals(edges.length, MAX_BINS - 1);
  const counts = new Array(MAX_BINS).fill(0);
  for (const v of column) counts[edges.filter((e) => e < v).length]++;
  const ideal = n / MAX_BINS;
  assert(counts.every((c) => Math.abs(c - ideal) <= 2), `${counts}`);
});

Deno.test("`binEdges()` keeps edges strictly increasing under heavy ties", () => {
  const column = Float64Array.from(
    { length: 3000 },
    (_, i) => i < 2000 ? 0 : i,
  );
  const edges = binEdges(column);
  assert(edges.length <= MAX_BINS - 1);
  for (let i = 1; i < edges.length; i++) assert(edges[i]! > edges[i - 1]!);
  // The zeros share a bin and nothing else is in it.
  assertEquals(edges[0]! >= 0 && edges[0]! < 2000, true);
});

Deno.test("`binEdges()` separates neighbouring floats", () => {
  const a = 1;
  const b = 1 + Number.EPSILON;
  const edges = binEdges(new Float64Array([a, b]));
  assertEquals(edges.length, 1);
  assert(a <= edges[0]! && b > edges[0]!);
});

Deno.test("`binColumns()` codes agree with raw-unit thresholds", () => {
  const x = [
    randomColumn(2000, 3),
    randomColumn(2000, 4, 2),
    new Float64Array(2000),
  ];
  const binned = binColumns(x);
  assertEquals(binned.offsets[3], binned.offsets[2]! + 1); // constant column
  for (let j = 0; j < x.length; j++) {
    const edges = binned.edges[j]!;
    for (let i = 0; i < 2000; i++) {
      const code = binned.codes[i * 3 + j]!;
      assert(code < MAX_BINS);
      for (let b = 0; b < edges.length; b++) {
        assertEquals(code <= b, x[j]![i]! <= edges[b]!);
      }
    }
  }
});

Deno.test("`subtractHistogram()` of a child gives the sibling's histogram", () => {
  const n = 1000;
  const x = [randomColumn(n, 5), randomColumn(n, 6, 1)];
  const binned = binColumns(x);
  const r = mulberry32(7);
  const grad = Float64Array.from({ length: n }, () => r() - 0.5);
  const hess = Float64Array.from({ length: n }, () => r() + 0.5);
  const rows = Uint32Array.from({ length: n }, (_, i) => i);
  const size = 3 * binned.offsets[2]!;
  const parent = new Float64Array(size);
  buildHistogram({ binned, grad, hess, rows }, parent);
  const small = new Float64Array(size);
  buildHistogram({ binned, grad, hess, rows, start: 0, end: 300 }, small);
  const large = new Float64Array(size);
  buildHistogram({ binned, grad, hess, rows, start: 300, end: n }, large);
  const derived = new Float64Array(size);
  subtractHistogram(parent, small, { out: derived });
  for (let k = 0; k < size; k++) {
    assert(Math.abs(derived[k]! - large[k]!) < 1e-12, `bin ${k}`);
  }
  // Independent sums: each feature's bins add up to the totals.
  for (let j = 0; j < 2; j++) {
    let g = 0, c = 0;
    for (let b = binned.offsets[j]!; b < binned.offsets[j + 1]!; b++) {
      g += parent[3 * b]!;
      c += parent[3 * b + 2]!;
    }
    assert(Math.abs(g - grad.reduce((s, v) => s + v, 0)) < 1e-9);
    assertEquals(c, n);
  }
});

/** Brute force over every feature and every gap between sorted values. */
function bruteSplit(
  x: Float64Array[],
  grad: Float64Array,
  lambda: number,
  minChildWeight: number,
) {
  const n = grad.length;
  const G = grad.reduce((s, v) => s + v, 0);
  let best = { gain: -Infinity, feature: -1, threshold: NaN };
  x.forEach((col, j) => {
    const values = [...new Set(col)].sort((a, b) => a - b);
    for (let k = 0; k + 1 < values.length; k++) {
      const t = (values[k]! + values[k + 1]!) / 2;
      let gl = 0, hl = 0;
      for (let i = 0; i < n; i++) {
        if (col[i]! <= t) {
          gl += grad[i]!;
          hl += 1;
        }
      }
      const hr = n - hl;
      if (hl < minChildWeight || hr < minChildWeight) continue;
      const gain = 0.5 *
        (gl ** 2 / (hl + lambda) + (G - gl) ** 2 / (hr + lambda) -
          G ** 2 / (n + lambda));
      if (gain > best.gain) best = { gain, feature: j, threshold: t };
    }
  });
  return best;
}

Deno.test("`findBestSplit()` finds the brute-force best split and gain", () => {
  for (const [lambda, mcw] of [[0, 0], [1, 1], [5, 40]] as const) {
    const n = 300;
    const x = [randomColumn(n, 11, 4), randomColumn(n, 12, 4)];
    const r = mulberry32(13);
    const grad = Float64Array.from(
      { length: n },
      (_, i) => Math.sin(x[0]![i]!) * x[1]![i]! + r(),
    );
    const binned = binColumns(x);
    const hist = new Float64Array(3 * binned.offsets[2]!);
    const hess = new Float64Array(n).fill(1);
    const rows = Uint32Array.from({ length: n }, (_, i) => i);
    buildHistogram({ binned, grad, hess, rows }, hist);
    const G = grad.reduce((s, v) => s + v, 0);
    const split = findBestSplit(binned, hist, { grad: G, hess: n, count: n }, {
      lambda,
      minChildWeight: mcw,
    });
    const best = bruteSplit(x, grad, lambda, mcw);
    assert(split !== undefined);
    assertEquals(split.feature, best.feature);
    assertEquals(split.threshold, best.threshold);
    assert(Math.abs(split.gain - best.gain) < 1e-9 * Math.abs(best.gain));
    assert(split.left.hess >= mcw && split.right.hess >= mcw);
  }
});

Deno.test("`findBestSplit()` returns nothing when γ exceeds the best gain or children are too light", () => {
  const binned = binColumns([new Float64Array([1, 2, 3, 4])]);
  const hist = new Float64Array(12);
  const grad = new Float64Array([5, 4, -4, -5]);
  buildHistogram({
    binned,
    grad,
    hess: new Float64Array(4).fill(1),
    rows: Uint32Array.of(0, 1, 2, 3),
  }, hist);
  const totals = { grad: 0, hess: 4, count: 4 };
  // Best gain by hand: ½(9²/3 + 9²/3) = 27 (λ = 1).
  assertEquals(
    findBestSplit(binned, hist, totals, { lambda: 1, gamma: 27.5 }),
    undefined,
  );
  assertEquals(
    findBestSplit(binned, hist, totals, { lambda: 1, gamma: 26 })?.gain,
    1,
  );
  assertEquals(
    findBestSplit(binned, hist, totals, { minChildWeight: 2.5 }),
    undefined,
  );
  assertEquals(
    findBestSplit(binned, hist, totals, { minSamplesLeaf: 2 })?.threshold,
    2.5,
  );
  // All gradients equal: no split improves anything.
  const flat = new Float64Array(12);
  buildHistogram({
    binned,
    grad: new Float64Array(4).fill(0.3),
    hess: new Float64Array(4).fill(1),
    rows: Uint32Array.of(0, 1, 2, 3),
  }, flat);
  assertEquals(
    findBestSplit(binned, flat, { grad: 1.2, hess: 4, count: 4 }),
    undefined,
  );
});

Deno.test("`binColumnsKept()` returns the last bins only for the same columns, bit for bit, and the same maxBins", () => {
  const a = [Float64Array.of(3, 1, 2, 0), Float64Array.of(9, 9, 8, 7)];
  const first = binColumnsKept(a, { maxBins: 4 });
  assertEquals(first, binColumns(a, { maxBins: 4 }));
  // equal content in other arrays, and a view at an offset
  const wide = Float64Array.of(5, 9, 9, 8, 7);
  assert(
    binColumnsKept([Float64Array.of(3, 1, 2, 0), wide.subarray(1)], {
      maxBins: 4,
    }) === first,
  );
  assert(binColumnsKept(a, { maxBins: 3 }) !== first);
  const again = binColumnsKept(a, { maxBins: 4 });
  assertEquals(again, first);
  // −0 is not 0 to the cache
  const negZero = [Float64Array.of(3, 1, 2, -0), a[1]!];
  const z = binColumnsKept(negZero, { maxBins: 4 });
  assert(z !== again);
  assertEquals(z, binColumns(negZero, { maxBins: 4 }));
  // one more row, one column fewer
  assert(
    binColumnsKept([
      Float64Array.of(3, 1, 2, -0, 4),
      Float64Array.of(9, 9, 8, 7, 1),
    ], { maxBins: 4 }) !== z,
  );
  assert(binColumnsKept([a[0]!], { maxBins: 4 }) !== z);
});
