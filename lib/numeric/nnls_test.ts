import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import { nnls } from "./nnls.ts";
import { gaussSolve } from "./testing.ts";
import { mulberry32 } from "./random.ts";

/** Brute force: the best feasible unconstrained solution over all supports. */
function bruteForce(a: Float64Array, m: number, p: number, b: Float64Array) {
  let best = {
    x: new Array<number>(p).fill(0),
    rss: b.reduce((s, v) => s + v * v, 0),
  };
  for (let mask = 1; mask < 1 << p; mask++) {
    const idx = [...Array(p).keys()].filter((j) => mask & (1 << j));
    const aug = idx.map((r) => [
      ...idx.map((c) => {
        let s = 0;
        for (let i = 0; i < m; i++) s += a[i * p + r]! * a[i * p + c]!;
        return s;
      }),
      (() => {
        let s = 0;
        for (let i = 0; i < m; i++) s += a[i * p + r]! * b[i]!;
        return s;
      })(),
    ]);
    const z = gaussSolve(aug);
    if (z.some((v) => !(v >= 0))) continue;
    const x = new Array<number>(p).fill(0);
    idx.forEach((j, k) => (x[j] = z[k]!));
    let rss = 0;
    for (let i = 0; i < m; i++) {
      let f = 0;
      for (let j = 0; j < p; j++) f += a[i * p + j]! * x[j]!;
      rss += (b[i]! - f) ** 2;
    }
    if (rss < best.rss) best = { x, rss };
  }
  return best;
}

function randomProblem(seed: number, m: number, p: number) {
  const r = mulberry32(seed);
  const a = Float64Array.from({ length: m * p }, () => r() * 2 - 1);
  const b = Float64Array.from({ length: m }, () => r() * 2 - 1);
  return { a, b };
}

Deno.test("`nnls()` equals the unconstrained solution when that is non-negative", () => {
  // b = A·(1, 2, 3) exactly: the unconstrained solution is feasible.
  const r = mulberry32(3);
  const m = 10, p = 3;
  const a = Float64Array.from({ length: m * p }, r);
  const b = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    b[i] = a[i * p]! + 2 * a[i * p + 1]! + 3 * a[i * p + 2]!;
  }
  const { x } = nnls(a, m, p, b);
  for (let j = 0; j < p; j++) assert(Math.abs(x[j]! - (j + 1)) < 1e-10);
});

Deno.test("`nnls()` matches brute force over all supports", () => {
  for (let seed = 1; seed <= 30; seed++) {
    const m = 8, p = 4;
    const { a, b } = randomProblem(seed, m, p);
    const { x } = nnls(a, m, p, b);
    const best = bruteForce(a, m, p, b);
    for (let j = 0; j < p; j++) {
      assert(
        Math.abs(x[j]! - best.x[j]!) < 1e-9,
        `seed ${seed}: ${x} vs ${best.x}`,
      );
    }
  }
});

Deno.test("`nnls()` satisfies the KKT conditions", () => {
  for (let seed = 100; seed < 120; seed++) {
    const m = 15, p = 6;
    const { a, b } = randomProblem(seed, m, p);
    const { x } = nnls(a, m, p, b);
    // w = Aᵀ(b − Ax), computed here independently
    const w = new Array<number>(p).fill(0);
    for (let i = 0; i < m; i++) {
      let f = 0;
      for (let j = 0; j < p; j++) f += a[i * p + j]! * x[j]!;
      for (let j = 0; j < p; j++) w[j] = w[j]! + a[i * p + j]! * (b[i]! - f);
    }
    let active = 0;
    for (let j = 0; j < p; j++) {
      assert(x[j]! >= 0);
      if (x[j]! > 0) assert(Math.abs(w[j]!) < 1e-10, `free ${j}: w=${w[j]}`);
      else {
        active++;
        assert(w[j]! <= 1e-10, `bound ${j}: w=${w[j]}`);
      }
    }
    if (seed === 100) {
      assert(active > 0, "the fixture should have an active constraint");
    }
  }
});

Deno.test("`nnls()` returns zero when every coefficient wants to be negative", () => {
  const { x } = nnls(
    Float64Array.of(1, 0, 0, 1),
    2,
    2,
    Float64Array.of(-1, -2),
  );
  assertEquals([...x], [0, 0]);
});
