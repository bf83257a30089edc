import {
  deepStrictEqual as assertEquals,
  ok as assert,
  throws as assertThrows,
} from "node:assert/strict";
import { mergeSeries } from "./merge_series.ts";
import type { PromSeries } from "./format.ts";
import {
  MAX_POINTS_PER_SERIES,
  rangePoints,
  splitRange,
} from "./split_range.ts";

function grid(start: number, end: number, step: number): number[] {
  const out: number[] = [];
  for (let k = 0; start + k * step <= end + 1e-9; k++) {
    out.push(start + k * step);
  }
  return out;
}

Deno.test("`splitRange()` covers every grid point once, in chunks within the limit", () => {
  const cases: [number, number, number, number][] = [
    [0, 100, 3, 7],
    [1_700_000_000, 1_700_000_000 + 14_400, 1, MAX_POINTS_PER_SERIES],
    [10, 10, 3, 1],
    [0, 35, 3, 12], // exactly one full chunk
    [0, 36, 3, 12], // one point over
    [5, 23.5, 0.5, 4],
  ];
  for (const [start, end, step, maxPoints] of cases) {
    const chunks = splitRange(start, end, step, { maxPoints });
    const points = chunks.flatMap((c) => grid(c.start, c.end, step));
    assertEquals(points, grid(start, end, step), `${start}..${end}/${step}`);
    for (const c of chunks) assert(rangePoints(c, step) <= maxPoints);
  }
  assertEquals(splitRange(0, 36, 3, { maxPoints: 12 }).length, 2);
  // 4 h at 1 s is 14,401 points: two requests with Prometheus' limit.
  assertEquals(splitRange(0, 14_400, 1), [{ start: 0, end: 10_999 }, {
    start: 11_000,
    end: 14_400,
  }]);
});

Deno.test("`splitRange()` rejects a bad step, window or chunk size with the value", () => {
  assertThrows(() => splitRange(0, 10, 0), /step 0/);
  assertThrows(() => splitRange(10, 0, 1), /end is before the start/);
  assertThrows(
    () => splitRange(0, 10, 1, { maxPoints: 0 }),
    /chunks of 0 points/,
  );
  assertThrows(() => splitRange(NaN, 10, 1), /finite/);
});

Deno.test("`mergeSeries()` joins chunks without duplicates and keeps series that start late", () => {
  const s = (i: string, values: [number, string][]): PromSeries => ({
    metric: { __name__: "m", i },
    values,
  });
  const merged = mergeSeries([
    [s("b", [[0, "1"], [3, "2"]])],
    [s("b", [[3, "2"], [6, "3"]]), s("a", [[6, "0"]])],
    [],
    [s("a", [[9, "1"]])],
  ]);
  assertEquals(merged, [
    s("a", [[6, "0"], [9, "1"]]),
    s("b", [[0, "1"], [3, "2"], [6, "3"]]),
  ]);
});
