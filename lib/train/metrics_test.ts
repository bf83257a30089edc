import {
  deepStrictEqual as assertEquals,
  ok as assert,
  throws as assertThrows,
} from "node:assert/strict";
import {
  MAPE_FLOOR_W,
  meanAbsolutePercentageError,
  regressionMetrics,
  summarizeMetrics,
} from "./metrics.ts";

Deno.test("`regressionMetrics()` computes mae, mape, mse and r2 by hand", () => {
  const y = Float64Array.of(100, 200, 300, 400);
  const p = Float64Array.of(110, 190, 330, 400);
  const m = regressionMetrics(y, p);
  assertEquals(m.mae, (10 + 10 + 30 + 0) / 4);
  assert(
    Math.abs(m.mape - ((10 / 100 + 10 / 200 + 30 / 300 + 0) / 4) * 100) < 1e-12,
  );
  assertEquals(m.mse, (100 + 100 + 900) / 4);
  // mean 250; SS_tot = 22500 + 2500 + 2500 + 22500 = 50000; SS_res = 1100
  assert(Math.abs(m.r2 - (1 - 1100 / 50000)) < 1e-15);
});

Deno.test("`meanAbsolutePercentageError()` counts labels at or above 1 W only (hand-computed)", () => {
  assertEquals(MAPE_FLOOR_W, 1);
  // Labels 1e-9 W (upstream's rounding leftover), 0, 0.999 W: below the
  // floor, left out. 1 W (at the floor), 4 W and 50 W count:
  // |1.5 − 1| / 1 = 0.5, |3 − 4| / 4 = 0.25, |55 − 50| / 50 = 0.1.
  const y = Float64Array.of(1e-9, 0, 0.999, 1, 4, 50);
  const p = Float64Array.of(5, 2, 3, 1.5, 3, 55);
  const mape = meanAbsolutePercentageError(y, p);
  assert(Math.abs(mape - ((0.5 + 0.25 + 0.1) / 3) * 100) < 1e-12, `${mape}`);
  // Without the floor the 1e-9 W row alone would be 5e11 %.
  assert(mape < 100);
  // The same number through regressionMetrics, whose MAE counts every row.
  const m = regressionMetrics(y, p);
  assertEquals(m.mape, mape);
  assert(Math.abs(m.mae - (5 + 2 + 2.001 + 0.5 + 1 + 5) / 6) < 1e-9);
});

Deno.test("`meanAbsolutePercentageError()` is −1 (undefined) when every label is below 1 W", () => {
  const y = Float64Array.of(1e-9, 0.5, 0.999999, 0, -2, NaN);
  assertEquals(
    meanAbsolutePercentageError(y, Float64Array.of(1, 1, 1, 1, 1, 1)),
    -1,
  );
  assertEquals(meanAbsolutePercentageError([], []), -1);
  // NaN labels never count, even among labels that do.
  assertEquals(meanAbsolutePercentageError([NaN, 10], [3, 11]), 10);
  assertThrows(() => meanAbsolutePercentageError([1, 2], [1]), RangeError);
});

Deno.test("`regressionMetrics()` gives mape −1 when no y is positive", () => {
  const m = regressionMetrics(
    Float64Array.of(0, 0, -1),
    Float64Array.of(1, 0, 0),
  );
  assertEquals(m.mape, -1);
  assertEquals(m.mae, 2 / 3);
});

Deno.test("`regressionMetrics()` follows scikit-learn's r2 for constant y", () => {
  assertEquals(
    regressionMetrics(Float64Array.of(5, 5), Float64Array.of(5, 5)).r2,
    1,
  );
  assertEquals(
    regressionMetrics(Float64Array.of(5, 5), Float64Array.of(5, 6)).r2,
    0,
  );
});

Deno.test("`regressionMetrics()` rejects empty and mismatched input", () => {
  assertThrows(
    () => regressionMetrics(new Float64Array(0), new Float64Array(0)),
    RangeError,
  );
  assertThrows(
    () => regressionMetrics(Float64Array.of(1), Float64Array.of(1, 2)),
    RangeError,
  );
});

Deno.test("`summarizeMetrics()` takes the worst component, not the last one (upstream's bug)", () => {
  const s = summarizeMetrics({
    package: { mae: 17.06, mape: 12.55, mse: 1, r2: 0.9 },
    core: { mae: 0, mape: -1, mse: 0, r2: 1 },
    uncore: { mae: 0, mape: -1, mse: 0, r2: 1 },
    dram: { mae: 6.99, mape: 9.7, mse: 1, r2: 0.8 },
  });
  // upstream would write mape = 9.7 (dram, the last); we write package's
  assertEquals(s, { mae: 17.06, mape: 12.55 });
  assertEquals(
    summarizeMetrics({ core: { mae: 1, mape: -1, mse: 1, r2: 0 } }),
    { mae: 1, mape: -1 },
  );
  assertThrows(() => summarizeMetrics({}), RangeError);
});
