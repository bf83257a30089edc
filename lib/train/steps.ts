/**
 * Computations in steps, run one at a time or several in lockstep.
 *
 * A model's components (package, core, uncore, dram; or platform) go
 * through the same fits on the same rows: the search on its inner split,
 * the final fit, each fold of the cross-validations. Their features are the
 * same columns; only the labels differ. SVR's kernel matrix depends on the
 * rows and features only, and a thread keeps the last one it computed
 * (`lib/numeric/rbf_kernel.ts`), so when the components take each step
 * together the matrix of a set of rows is computed once per model, not once
 * per component. A step here is a generator's run up to its next `yield`,
 * placed where the next fit is on other rows.
 *
 * Each computation keeps its own state and seeds, so the order in which
 * steps interleave changes no result.
 *
 * @module
 */

/** A computation that yields between its steps and returns a `T`. */
export type Steps<T> = Generator<void, T, void>;

/**
 * Runs a computation's steps to the end.
 *
 * @example
 * ```ts
 * import { finish } from "./steps.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * function* twice(v: number) {
 *   yield;
 *   return 2 * v;
 * }
 * assertEquals(finish(twice(21)), 42);
 * ```
 */
export function finish<T>(steps: Steps<T>): T {
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
  }
}

/**
 * Runs computations in lockstep: each one's first step in order, then each
 * one's second, and so on; one that ends early drops out. An error thrown
 * by a step ends the run with that error.
 *
 * @returns Each computation's result, in the order given.
 *
 * @example
 * ```ts
 * import { inLockstep } from "./steps.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const log: string[] = [];
 * function* job(name: string, n: number) {
 *   for (let i = 0; i < n; i++) {
 *     log.push(`${name}${i}`);
 *     yield;
 *   }
 *   return n;
 * }
 * assertEquals(inLockstep([job("a", 2), job("b", 3)]), [2, 3]);
 * assertEquals(log, ["a0", "b0", "a1", "b1", "b2"]);
 * ```
 */
export function inLockstep<T>(all: readonly Steps<T>[]): T[] {
  const results: T[] = new Array(all.length);
  let running = all.map((_, i) => i);
  while (running.length > 0) {
    running = running.filter((i) => {
      const next = all[i]!.next();
      if (next.done) results[i] = next.value;
      return !next.done;
    });
  }
  return results;
}
