import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import { rbfKernelRows, releaseKernelStorage } from "./rbf_kernel.ts";
import { type SmoResult, solveEpsilonSvr } from "./smo.ts";
import { mulberry32, normal } from "./random.ts";

function problem(seed: number, l: number, p: number) {
  const r = mulberry32(seed);
  const x = Float64Array.from({ length: l * p }, r);
  const y = new Float64Array(l);
  for (let i = 0; i < l; i++) y[i] = Math.sin(4 * x[i * p]!) + 0.3 * normal(r);
  return { x, y };
}

Deno.test("`solveEpsilonSvr()` solution satisfies the KKT conditions", () => {
  for (
    const [seed, c, epsilon] of [[1, 1, 0.2], [2, 10, 0.05], [
      3,
      0.1,
      0.1,
    ]] as const
  ) {
    const l = 60, p = 2, gamma = 2, tol = 1e-3;
    const { x, y } = problem(seed, l, p);
    const res = solveEpsilonSvr(x, p, y, { c, epsilon, gamma, tol });
    assert(res.converged);
    // independent decision values f_i = Σ β_j K(x_j, x_i) − ρ
    const f = new Float64Array(l);
    for (let i = 0; i < l; i++) {
      let s = 0;
      for (let j = 0; j < l; j++) {
        let d = 0;
        for (let k = 0; k < p; k++) d += (x[i * p + k]! - x[j * p + k]!) ** 2;
        s += res.beta[j]! * Math.exp(-gamma * d);
      }
      f[i] = s - res.rho;
    }
    let sum = 0;
    const slack = 2 * tol; // the KKT gap is ≤ tol; ρ lies within it
    let free = 0;
    for (let i = 0; i < l; i++) {
      const b = res.beta[i]!, e = y[i]! - f[i]!;
      sum += b;
      assert(Math.abs(b) <= c * (1 + 1e-12), `|β| ≤ C at ${i}`);
      if (b === 0) {
        assert(Math.abs(e) <= epsilon + slack, `inside tube at ${i}: ${e}`);
      } else if (b > 0 && b < c) {
        free++;
        assert(Math.abs(e - epsilon) <= slack, `on upper edge at ${i}: ${e}`);
      } else if (b === c) {
        assert(e >= epsilon - slack, `above tube at ${i}: ${e}`);
      } else if (b < 0 && b > -c) {
        free++;
        assert(Math.abs(e + epsilon) <= slack, `on lower edge at ${i}: ${e}`);
      } else assert(e <= -epsilon + slack, `below tube at ${i}: ${e}`);
    }
    assert(Math.abs(sum) < 1e-10 * c * l, `Σβ = ${sum}`);
    if (seed === 2) {
      assert(free > 0, "the fixture should have free support vectors");
    }
  }
});

Deno.test("`solveEpsilonSvr()` gives the same solution with a tiny kernel cache", () => {
  const { x, y } = problem(4, 80, 3);
  const opts = { c: 1, epsilon: 0.1, gamma: 1 };
  const big = solveEpsilonSvr(x, 3, y, opts);
  const small = solveEpsilonSvr(x, 3, y, { ...opts, cacheMb: 1e-9 });
  assert(big.beta.every((b, i) => b === small.beta[i]));
  assert(big.rho === small.rho);
});

Deno.test("`solveEpsilonSvr()` returns all-zero coefficients when every point is inside the tube", () => {
  const x = Float64Array.of(0, 0.5, 1);
  const y = Float64Array.of(1, 1.05, 0.95);
  const res = solveEpsilonSvr(x, 1, y, { c: 1, epsilon: 0.2, gamma: 1 });
  assert(res.beta.every((b) => b === 0));
  assert(Math.abs(-res.rho - 1) <= 0.2 + 1e-12);
});

Deno.test("`rbfKernelRows()` rows are fround(exp(−γ‖u − v‖²)) bit for bit, from the symmetric matrix and from a small LRU cache alike", () => {
  const l = 50, p = 3, gamma = 0.7;
  const { x } = problem(5, l, p);
  const matrix = rbfKernelRows(x, l, p, gamma, 200); // holds all 50 rows
  const lru = rbfKernelRows(x, l, p, gamma, (4 * 4 * l) / 1e6); // 4 rows
  // rows asked in a scattered order, some twice, as SMO asks them
  const order = [7, 3, 7, 49, 0, 3, 25, 12, 49, 1, 30, 7];
  for (const i of order) {
    const want = new Float32Array(l);
    for (let j = 0; j < l; j++) {
      let d = 0;
      for (let k = 0; k < p; k++) d += (x[j * p + k]! - x[i * p + k]!) ** 2;
      want[j] = Math.exp(-gamma * d);
    }
    assertEquals(matrix.row(i), want, `row ${i} (matrix)`);
    assertEquals(lru.row(i), want, `row ${i} (LRU)`);
  }
});

Deno.test("`rbfKernelRows()` fills the rest of the matrix in tiles once an eighth of the rows are there, bit for bit, over stale storage", () => {
  const l = 300, p = 3, gamma = 1.3;
  const { x } = problem(6, l, p);
  // storage left over from a bigger matrix, full of values that must not leak
  const storage = new Float32Array(l * l + 1234).fill(NaN);
  const matrix = rbfKernelRows(x, l, p, gamma, 200, storage);
  const want = (i: number) => {
    const w = new Float32Array(l);
    for (let j = 0; j < l; j++) {
      let d = 0;
      for (let k = 0; k < p; k++) d += (x[j * p + k]! - x[i * p + k]!) ** 2;
      w[j] = Math.exp(-gamma * d);
    }
    return w;
  };
  // 64 rows one at a time (the threshold is max(64, l / 8)), scattered,
  // then every row: the 65th distinct row triggers the tiled fill
  const order = Array.from({ length: l }, (_, i) => (i * 7919) % l);
  for (const i of order) assertEquals(matrix.row(i), want(i), `row ${i}`);
  for (let i = 0; i < l; i++) assertEquals(matrix.row(i), want(i), `row ${i}`);
});

Deno.test("`solveEpsilonSvr()` gives the same solution after solves of other sizes reuse the kernel storage, and with a tiny cache", () => {
  const a = problem(7, 300, 2), b = problem(8, 120, 2);
  const opts = { c: 10, epsilon: 0.05, gamma: 2 };
  const first = solveEpsilonSvr(a.x, 2, a.y, opts);
  solveEpsilonSvr(b.x, 2, b.y, opts);
  const again = solveEpsilonSvr(a.x, 2, a.y, opts);
  const lru = solveEpsilonSvr(a.x, 2, a.y, { ...opts, cacheMb: 0.05 });
  assert(first.iterations > 64, "the fixture should reach the tiled fill");
  for (const other of [again, lru]) {
    assert(first.beta.every((v, i) => v === other.beta[i]));
    assert(first.rho === other.rho);
  }
});

Deno.test("`solveEpsilonSvr()` after a solve on the same points reuses its kernel rows and gives the fresh solution; after other points, or another gamma, it does not reuse them", () => {
  const { x, y } = problem(9, 300, 2);
  const moved = x.slice();
  moved[17] = moved[17]! + 0.25; // one coordinate of one point
  const fresh = (xs: Float64Array, opts: { c: number; gamma: number }) => {
    releaseKernelStorage();
    return solveEpsilonSvr(xs, 2, y, { epsilon: 0.05, ...opts });
  };
  const same = (a: SmoResult, b: SmoResult) =>
    a.rho === b.rho && a.iterations === b.iterations &&
    a.beta.every((v, i) => v === b.beta[i]);
  // [points and options of the solve before, of the solve checked]
  const cases = [
    [[x, { c: 1, gamma: 2 }], [x, { c: 10, gamma: 2 }]],
    [[x, { c: 1, gamma: 2 }], [moved, { c: 1, gamma: 2 }]],
    [[x, { c: 1, gamma: 2 }], [x, { c: 1, gamma: 3 }]],
  ] as const;
  for (const [[x0, o0], [x1, o1]] of cases) {
    const want = fresh(x1, o1);
    releaseKernelStorage(); // so that only the solve before can leave rows
    solveEpsilonSvr(x0, 2, y, { epsilon: 0.05, ...o0 });
    const got = solveEpsilonSvr(x1, 2, y, { epsilon: 0.05, ...o1 });
    assert(same(got, want), `${JSON.stringify(o0)} → ${JSON.stringify(o1)}`);
  }
});
