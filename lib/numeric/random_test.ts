import {
  deepStrictEqual as assertEquals,
  notDeepStrictEqual as assertNotEquals,
  ok as assert,
  throws as assertThrows,
} from "node:assert/strict";
import { mulberry32, normal, permutation, shuffleInPlace } from "./random.ts";

Deno.test("`mulberry32()` gives the same sequence for the same seed and another for another seed", () => {
  const a = mulberry32(42), b = mulberry32(42), c = mulberry32(43);
  const xa = Array.from({ length: 20 }, a);
  assertEquals(xa, Array.from({ length: 20 }, b));
  assertNotEquals(xa, Array.from({ length: 20 }, c));
});

Deno.test("`mulberry32()` is close to uniform on [0, 1)", () => {
  const r = mulberry32(9);
  const bins = new Array(10).fill(0);
  const n = 100_000;
  for (let i = 0; i < n; i++) {
    const v = r();
    assert(v >= 0 && v < 1);
    bins[Math.floor(v * 10)]++;
  }
  // chi-square with 9 degrees of freedom; 27.9 is the 0.999 quantile
  const chi = bins.reduce((s, b) => s + (b - n / 10) ** 2 / (n / 10), 0);
  assert(chi < 27.9, `chi-square ${chi}`);
});

Deno.test("`mulberry32()` rejects a non-integer seed", () => {
  assertThrows(() => mulberry32(1.5), RangeError);
});

Deno.test("`permutation()` is a permutation and `shuffleInPlace()` reaches every position", () => {
  const p = permutation(1000, mulberry32(1));
  assertEquals(
    [...p].sort((a, b) => a - b),
    Array.from({ length: 1000 }, (_, i) => i),
  );
  // each of 3 elements lands in each of 3 positions over many shuffles
  const seen = new Set<string>();
  const r = mulberry32(2);
  for (let k = 0; k < 200; k++) {
    seen.add(shuffleInPlace(Uint32Array.of(0, 1, 2), r).join());
  }
  assertEquals(seen.size, 6);
});

Deno.test("`normal()` has mean 0 and variance 1", () => {
  const r = mulberry32(4);
  let s = 0, s2 = 0;
  const n = 50_000;
  for (let i = 0; i < n; i++) {
    const v = normal(r);
    s += v;
    s2 += v * v;
  }
  assert(Math.abs(s / n) < 0.02);
  assert(Math.abs(s2 / n - 1) < 0.03);
});

Deno.test("`mulberry32()` is the published generator (unsigned 32-bit state) for seeds across the whole range", () => {
  // Tommy Ettinger's mulberry32 in exact integer arithmetic (BigInt, every
  // step reduced mod 2³²), independent of the 32-bit tricks of ours
  const reference = (seed: number) => {
    const M = 0xffffffffn;
    const mul = (x: bigint, y: bigint) => (x * y) & M;
    let a = BigInt(seed) & M;
    return () => {
      a = (a + 0x6d2b79f5n) & M;
      let t = a;
      t = mul(t ^ (t >> 15n), t | 1n);
      t ^= (t + mul(t ^ (t >> 7n), t | 61n)) & M;
      return Number(t ^ (t >> 14n)) / 4294967296;
    };
  };
  for (
    const seed of [0, 1, 42, -1, 2 ** 31 - 1, 2 ** 31, 2 ** 32 + 5, -(2 ** 40)]
  ) {
    const ours = mulberry32(seed), theirs = reference(seed);
    for (let i = 0; i < 10_000; i++) assertEquals(ours(), theirs());
  }
});
