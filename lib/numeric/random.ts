/**
 * Seeded randomness for the trainers: a small PRNG (mulberry32) and the
 * shuffles built on it. The same seed always gives the same sequence, so the
 * same seed gives the same model.
 *
 * @module
 */

/** A source of uniform numbers in [0, 1). */
export type Random = () => number;

/**
 * A mulberry32 generator: 32 bits of state, period 2^32, uniform doubles in
 * [0, 1) with 32 bits of randomness. Enough for shuffles and subsamples.
 * Throws a `RangeError` unless the seed is an integer (taken modulo 2^32).
 *
 * @example
 * ```ts
 * import { mulberry32 } from "./random.ts";
 * import { ok as assert, deepStrictEqual as assertEquals } from "node:assert/strict";
 * const a = mulberry32(7), b = mulberry32(7);
 * const xs = [a(), a(), a()];
 * assertEquals(xs, [b(), b(), b()]);
 * assert(xs.every((v) => v >= 0 && v < 1));
 * ```
 */
export function mulberry32(seed: number): Random {
  if (!Number.isInteger(seed)) {
    throw new RangeError(
      `Cannot seed a generator: seed ${seed} is not an integer`,
    );
  }
  // Kept as a signed 32-bit integer: the same bits as the unsigned state
  // for every operation below, and unlike an unsigned one above 2³¹ it is
  // not a heap number allocated at each call.
  let state = seed | 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A uniform integer in [0, n) from a generator.
 *
 * @example
 * ```ts
 * import { mulberry32, randomInt } from "./random.ts";
 * import { ok as assert } from "node:assert/strict";
 * const r = mulberry32(1);
 * for (let i = 0; i < 100; i++) { const k = randomInt(r, 5); assert(k >= 0 && k < 5); }
 * ```
 */
export function randomInt(random: Random, n: number): number {
  return Math.floor(random() * n);
}

/**
 * Shuffles an index array in place (Fisher–Yates) and returns it.
 *
 * @example
 * ```ts
 * import { mulberry32, shuffleInPlace } from "./random.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const a = shuffleInPlace(Uint32Array.of(0, 1, 2, 3, 4), mulberry32(3));
 * assertEquals([...a].sort(), [0, 1, 2, 3, 4]);
 * ```
 */
export function shuffleInPlace(
  indices: Uint32Array,
  random: Random,
): Uint32Array {
  for (let i = indices.length - 1; i > 0; i--) {
    const j = randomInt(random, i + 1);
    const t = indices[i]!;
    indices[i] = indices[j]!;
    indices[j] = t;
  }
  return indices;
}

/**
 * A random permutation of 0..n-1.
 *
 * @example
 * ```ts
 * import { mulberry32, permutation } from "./random.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals([...permutation(4, mulberry32(9))].sort(), [0, 1, 2, 3]);
 * ```
 */
export function permutation(n: number, random: Random): Uint32Array {
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return shuffleInPlace(out, random);
}

/**
 * A standard normal draw (Box–Muller), for synthetic test data.
 *
 * @example
 * ```ts
 * import { mulberry32, normal } from "./random.ts";
 * import { ok as assert } from "node:assert/strict";
 * const r = mulberry32(5);
 * let s = 0;
 * for (let i = 0; i < 10000; i++) s += normal(r);
 * assert(Math.abs(s / 10000) < 0.05);
 * ```
 */
export function normal(random: Random): number {
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}
