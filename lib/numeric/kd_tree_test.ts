import {
  deepStrictEqual as assertEquals,
  throws as assertThrows,
} from "node:assert/strict";
import { kdTree } from "./kd_tree.ts";
import { mulberry32, type Random } from "./random.ts";

/**
 * The reference: every point's squared distance (summed over coordinates in
 * order, as a scan does), all points sorted by (distance, index), first k.
 */
function bruteForce(
  rows: Float64Array,
  p: number,
  q: ArrayLike<number>,
  k: number,
): { indices: number[]; distances: number[] } {
  const all: { i: number; d: number }[] = [];
  for (let i = 0; i < rows.length / p; i++) {
    let d = 0;
    for (let j = 0; j < p; j++) d = d + (rows[i * p + j]! - q[j]!) ** 2;
    all.push({ i, d });
  }
  all.sort((a, b) => a.d - b.d || a.i - b.i);
  const best = all.slice(0, k);
  return { indices: best.map((e) => e.i), distances: best.map((e) => e.d) };
}

/** Points on a coarse grid (many duplicates and equal distances). */
function gridPoints(r: Random, n: number, p: number, levels: number) {
  return Float64Array.from(
    { length: n * p },
    () => Math.floor(r() * levels) / levels,
  );
}

function checkAgainstBruteForce(
  rows: Float64Array,
  p: number,
  queries: Float64Array[],
  ks: number[],
  leafSize: number,
): void {
  const tree = kdTree(rows, p, { leafSize });
  for (const k of ks) {
    for (const [r, q] of queries.entries()) {
      const got = tree.nearest(q, k);
      const want = bruteForce(rows, p, q, k);
      assertEquals(
        { indices: [...got.indices], distances: [...got.distances] },
        want,
        `query ${r}, k = ${k}, leaf size ${leafSize}`,
      );
    }
  }
}

Deno.test("`kdTree()` finds the same neighbours as brute force on random points", () => {
  const r = mulberry32(181);
  for (const p of [1, 2, 5]) {
    const rows = Float64Array.from({ length: 2000 * p }, () => r() * 100);
    const queries = Array.from(
      { length: 60 },
      () => Float64Array.from({ length: p }, () => r() * 120 - 10),
    );
    checkAgainstBruteForce(rows, p, queries, [1, 6, 25], 16);
  }
});

Deno.test("`kdTree()` breaks distance ties by the lower index, as brute force", () => {
  const r = mulberry32(182);
  for (const p of [1, 3]) {
    // 3000 points on a 4-level grid: hundreds of copies of each point
    const rows = gridPoints(r, 3000, p, 4);
    // queries on and between grid points: equal distances everywhere
    const queries = Array.from(
      { length: 40 },
      () => Float64Array.from({ length: p }, () => Math.floor(r() * 9) / 8),
    );
    for (const leafSize of [1, 4, 16]) {
      checkAgainstBruteForce(rows, p, queries, [1, 6, 50, 700], leafSize);
    }
  }
});

Deno.test("`kdTree()` handles all-identical points, k = n and infinite queries", () => {
  const rows = new Float64Array(2 * 50).fill(3);
  const tree = kdTree(rows, 2, { leafSize: 8 });
  assertEquals([...tree.nearest([3, 3], 4).indices], [0, 1, 2, 3]);
  const all = tree.nearest([0, 0], 50);
  assertEquals([...all.indices], [...Array(50).keys()]);
  assertEquals([...all.distances], Array(50).fill(18));
  // every distance is infinite: a tie, so the lowest indices
  const far = tree.nearest([Infinity, 0], 3);
  assertEquals([...far.indices], [0, 1, 2]);
  assertEquals([...far.distances], [Infinity, Infinity, Infinity]);
});

Deno.test("`kdTree()` refuses bad points, k and queries", () => {
  assertThrows(() => kdTree(Float64Array.of(1, 2, 3), 2), RangeError);
  assertThrows(() => kdTree(Float64Array.of(1, NaN), 1), RangeError);
  assertThrows(() => kdTree(Float64Array.of(1, Infinity), 1), RangeError);
  assertThrows(() => kdTree(Float64Array.of(1), 0), RangeError);
  assertThrows(
    () => kdTree(Float64Array.of(1), 1, { leafSize: 0 }),
    RangeError,
  );
  const tree = kdTree(Float64Array.of(0, 1, 2), 1);
  assertThrows(() => tree.nearest([0], 4), RangeError);
  assertThrows(() => tree.nearest([0], 0), RangeError);
  assertThrows(() => tree.nearest([0, 1], 1), RangeError);
  assertThrows(() => tree.nearest([NaN], 1), RangeError);
  assertThrows(
    () =>
      tree.nearest([0], 2, {
        indices: new Int32Array(1),
        distances: new Float64Array(1),
      }),
    RangeError,
  );
});
