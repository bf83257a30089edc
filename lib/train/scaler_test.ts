import {
  deepStrictEqual as assertEquals,
  throws as assertThrows,
} from "node:assert/strict";
import { fitMaxAbsScaler, maxAbsScaler } from "./scaler.ts";

Deno.test("`fitMaxAbsScaler()` takes max |x| per column and 1 for all-zero columns", () => {
  const s = fitMaxAbsScaler([
    Float64Array.of(-3, 2, 1),
    Float64Array.of(0, 0, 0),
    Float64Array.of(0.25, -0.5, 0),
  ]);
  assertEquals(s.scale, [3, 1, 0.5]);
});

Deno.test("`fitMaxAbsScaler()` transform divides each column by its scale", () => {
  const s = fitMaxAbsScaler([Float64Array.of(-4, 2), Float64Array.of(0, 0)]);
  assertEquals(
    s.transform([Float64Array.of(-4, 1, 8), Float64Array.of(5, 0, 0)]),
    [
      Float64Array.of(-1, 0.25, 2),
      Float64Array.of(5, 0, 0),
    ],
  );
});

Deno.test("`fitMaxAbsScaler()` rejects non-finite values", () => {
  assertThrows(() => fitMaxAbsScaler([Float64Array.of(1, NaN)]), RangeError);
  assertThrows(() => fitMaxAbsScaler([Float64Array.of(Infinity)]), RangeError);
});

Deno.test("`maxAbsScaler()` rejects zero, negative and non-finite scales and wrong column counts", () => {
  assertThrows(() => maxAbsScaler([1, 0]), RangeError);
  assertThrows(() => maxAbsScaler([-1]), RangeError);
  assertThrows(() => maxAbsScaler([NaN]), RangeError);
  assertThrows(() => maxAbsScaler([1]).transform([]), RangeError);
});

Deno.test("`maxAbsScaler()` scale cannot be mutated through the model", () => {
  const s = maxAbsScaler([2]);
  assertThrows(() => {
    (s.scale as number[])[0] = 5;
  }, TypeError);
  assertEquals(s.transform([Float64Array.of(4)]), [Float64Array.of(2)]);
});
