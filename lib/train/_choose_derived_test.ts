import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { DERIVED_MIN_GAIN, nestedChoice } from "./_choose_derived.ts";

Deno.test("nestedChoice() scores each fold with the variant the other folds choose, so the choice is never better than it earns", () => {
  // derived wins on folds 1 and 2, loses on fold 0; each variant's own
  // mean is 2.33 (without) and 1.67 (with), the better of two 1.67
  const without = [1, 3, 3], withDerived = [3, 1, 1];
  const nested = nestedChoice(without, withDerived);
  // fold 0: the others say 3, 3 against 1, 1 → derived, which scores 3;
  // fold 1: 1, 3 (mean 2) against 3, 1 (mean 2): not 1 % better → without,
  // which scores 3; fold 2 likewise → 3
  assertEquals(nested.folds, [3, 3, 3]);
  assertEquals(nested.mean, 3);
  assertEquals(nested.std, 0);
  // a variant that wins everywhere is chosen everywhere: its own figure
  assertEquals(nestedChoice([5, 6, 7], [4, 5, 6]).folds, [4, 5, 6]);
  // the 1 % margin: a gain of less than DERIVED_MIN_GAIN keeps the raw one
  const tiny = 1 - DERIVED_MIN_GAIN / 2;
  assertEquals(nestedChoice([2, 2], [2 * tiny, 2 * tiny]).folds, [2, 2]);
});
