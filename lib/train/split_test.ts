import {
  deepStrictEqual as assertEquals,
  notDeepStrictEqual as assertNotEquals,
  ok as assert,
  throws as assertThrows,
} from "node:assert/strict";
import {
  blockedHoldout,
  take,
  takeColumnRows,
  trainTestSplit,
} from "./split.ts";

Deno.test("`trainTestSplit()` makes a 90/10 partition with scikit-learn's sizes", () => {
  for (const n of [10, 11, 99, 1000, 2203]) {
    const s = trainTestSplit(n);
    assertEquals(s.test.length, Math.ceil(n / 10));
    assertEquals(s.train.length + s.test.length, n);
    const all = [...s.train, ...s.test].sort((a, b) => a - b);
    assertEquals(all, Array.from({ length: n }, (_, i) => i));
  }
});

Deno.test("`trainTestSplit()` is deterministic by seed and shuffles", () => {
  const a = trainTestSplit(1000, { seed: 5 });
  assertEquals(trainTestSplit(1000, { seed: 5 }), a);
  assertNotEquals(trainTestSplit(1000, { seed: 6 }).test, a.test);
  // shuffled: the test rows are spread over the range, not the last tenth
  assert(a.test[0]! < 100 && a.test[a.test.length - 1]! > 900);
});

Deno.test("`trainTestSplit()` rejects splits with an empty side", () => {
  assertThrows(() => trainTestSplit(1), RangeError);
  assertThrows(() => trainTestSplit(10, { testSize: 1 }), RangeError);
  assertThrows(() => trainTestSplit(10, { testSize: 0 }), RangeError);
});

Deno.test("`blockedHoldout()` tests every tenth block and keeps training a block away", () => {
  for (const n of [200, 1000, 1234, 20_000]) {
    const s = blockedHoldout(n);
    const block = (i: number) => Math.floor(i / 20);
    // test rows are exactly the rows of blocks 9, 19, 29, …
    const expected = Array.from({ length: n }, (_, i) => i).filter((i) =>
      block(i) % 10 === 9
    );
    assertEquals([...s.test], expected);
    // no training row within one block (20 rows) of a test row
    const testSet = new Set(s.test);
    for (const i of s.train) {
      for (let d = -20; d <= 20; d++) {
        assert(!testSet.has(i + d), `train ${i} near test ${i + d}`);
      }
    }
    // everything else trains: only the neighbours of test blocks are dropped
    for (let i = 0; i < n; i++) {
      const b = block(i);
      const nearTest = [b - 1, b, b + 1].some((c) =>
        c >= 0 && c % 10 === 9 && c * 20 < n
      );
      assertEquals(s.train.includes(i), !nearTest, `row ${i}`);
    }
  }
});

Deno.test("`blockedHoldout()` honours block size, period and offset", () => {
  const s = blockedHoldout(30, { blockSize: 3, every: 5, offset: 0 });
  // blocks 0..9; test blocks 0, 5; gaps 1, 4, 6; train 2, 3, 7, 8, 9
  assertEquals([...s.test], [0, 1, 2, 15, 16, 17]);
  assertEquals([...s.train], [
    6,
    7,
    8,
    9,
    10,
    11,
    21,
    22,
    23,
    24,
    25,
    26,
    27,
    28,
    29,
  ]);
});

Deno.test("`blockedHoldout()` rejects too few rows and bad options", () => {
  assertThrows(() => blockedHoldout(180), RangeError); // no tenth block yet
  assertThrows(() => blockedHoldout(100, { every: 1 }), RangeError);
  assertThrows(() => blockedHoldout(100, { blockSize: 0 }), RangeError);
  assertThrows(() => blockedHoldout(100, { every: 5, offset: 5 }), RangeError);
});

Deno.test("`takeColumnRows()` and `take()` select rows by index", () => {
  assertEquals(
    takeColumnRows([Float64Array.of(1, 2, 3), Float64Array.of(4, 5, 6)], [
      2,
      0,
    ]),
    [
      Float64Array.of(3, 1),
      Float64Array.of(6, 4),
    ],
  );
  assertThrows(() => take(Float64Array.of(1), [1]), RangeError);
});
