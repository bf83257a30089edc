import {
  deepStrictEqual as assertEquals,
  ok as assert,
  throws as assertThrows,
} from "node:assert/strict";
import {
  powerIntervalColumns,
  predictedPowerColumn,
} from "./estimate_columns.ts";
import {
  estimateFigure,
  estimateScatterFigure,
  estimateStats,
} from "./estimate_figure.ts";

const T0 = 1702462614;

/** Two components; only package has a prediction interval. */
const TABLE = {
  timestamp: [T0, T0 + 3, T0 + 6, T0 + 9],
  bpf_cpu_time_ms: [1, 2, 3, 4],
  package_power: [40, 50, 60, 80],
  dram_power: [10, 10, 10, 10],
  node_type: [0, 0, 0, 0],
  default_package_power: [42, 50, 57, 70],
  default_package_power_lo: [38, 46, 53, 66],
  default_package_power_hi: [46, 54, 61, 74],
  default_dram_power: [9, 11, 10, 12],
};

const titles = (fig: { layout: Record<string, unknown> }) =>
  (fig.layout.annotations as { text: string }[]).map((a) => a.text);

Deno.test("`estimateFigure()` draws the interval as a band under measured and predicted", () => {
  const fig = estimateFigure(TABLE);
  assertEquals(fig.data.map((t) => [t.name, t.yaxis, t.y]), [
    ["prediction interval", "y", [38, 46, 53, 66]],
    ["prediction interval", "y", [46, 54, 61, 74]],
    ["measured", "y", [40, 50, 60, 80]],
    ["predicted", "y", [42, 50, 57, 70]],
    ["measured", "y2", [10, 10, 10, 10]],
    ["predicted", "y2", [9, 11, 10, 12]],
  ]);
  // the upper bound fills down to the lower bound; one legend entry each
  assertEquals(fig.data[1]!.fill, "tonexty");
  assertEquals(fig.data.map((t) => t.showlegend), [
    false,
    true,
    true,
    true,
    false,
    false,
  ]);
  // package: |err| = 2,0,3,10 → MAE 3.75; % = 5,0,5,12.5 → 5.625 → 5.6;
  // inside [lo, hi]: 40 ✓, 50 ✓, 60 ✓, 80 ✗ → 75 %
  // dram: |err| = 1,1,0,2 → 1; % = 10,10,0,20 → 10
  assertEquals(titles(fig), [
    "package: MAE 3.75 W, MAPE 5.6 %, 75 % inside interval",
    "dram: MAE 1 W, MAPE 10 %",
  ]);
  const yTitle = (k: string) =>
    (fig.layout[k] as { title: { text: string } }).title.text;
  assertEquals([yTitle("yaxis"), yTitle("yaxis2")], [
    "package power (W)",
    "dram power (W)",
  ]);
  assertEquals(yTitle("xaxis2"), "time (UTC)");
});

Deno.test("`estimateFigure()` needs both bounds for a band", () => {
  const { default_package_power_hi: _, ...onlyLo } = TABLE;
  const fig = estimateFigure(onlyLo, { components: ["package"] });
  assertEquals(fig.data.map((t) => t.name), ["measured", "predicted"]);
  assertEquals(titles(fig), ["package: MAE 3.75 W, MAPE 5.6 %"]);
});

Deno.test("`estimateFigure()` sums predictions and averages measurements per timestamp", () => {
  // DynPower at container level: two containers share each node's power
  const fig = estimateFigure({
    timestamp: [T0, T0, T0 + 3, T0 + 3],
    platform_power: [100, 100, 120, 120],
    default_platform_power: [30, 60, 70, 40],
    default_platform_power_lo: [25, 55, 65, 35],
    default_platform_power_hi: [35, 65, 75, 45],
  }, { intervalLabel: "90 % interval" });
  assertEquals(fig.data.map((t) => [t.name, t.y]), [
    ["90 % interval", [80, 100]],
    ["90 % interval", [100, 120]],
    ["measured", [100, 120]],
    ["predicted", [90, 110]],
  ]);
  assert(fig.layout.title.text.includes("predictions summed"));
});

Deno.test("`estimateFigure()` says which columns it needs", () => {
  assertThrows(
    () => estimateFigure({ timestamp: [T0], package_power: [1] }),
    (e: unknown) =>
      e instanceof RangeError &&
      e.message ===
        "Cannot plot estimation result: no component has both a <c>_power and a default_<c>_power column; columns are timestamp, package_power",
  );
  assertThrows(
    () => estimateFigure(TABLE, { components: ["core"] }),
    /column core_power is missing/,
  );
});

Deno.test("`estimateScatterFigure()` plots predicted against measured on one range", () => {
  const fig = estimateScatterFigure(TABLE);
  const [pkg, diag, dram] = [fig.data[0]!, fig.data[1]!, fig.data[2]!];
  assertEquals([pkg.x, pkg.y], [[40, 50, 60, 80], [42, 50, 57, 70]]);
  // error bars: hi − ŷ and ŷ − lo
  assertEquals(pkg.error_y, {
    type: "data",
    symmetric: false,
    array: [4, 4, 4, 4],
    arrayminus: [4, 4, 4, 4],
    color: "rgba(78,121,167,0.5)",
    thickness: 1,
    width: 0,
  });
  // values 38..80 → pad 5 % of 42 = 2.1 → [35.9, 82.1] on both axes
  assertEquals(diag.x, [35.9, 82.1]);
  assertEquals((fig.layout.xaxis as { range: number[] }).range, [35.9, 82.1]);
  assertEquals((fig.layout.yaxis as { range: number[] }).range, [35.9, 82.1]);
  assertEquals(dram.error_y, undefined);
  // two components side by side in one row
  assertEquals((fig.layout.xaxis2 as { domain: number[] }).domain, [0.56, 1]);
  assertEquals((fig.layout.yaxis2 as { domain: number[] }).domain, [0, 1]);
  assertEquals(titles(fig), [
    "package: MAE 3.75 W, MAPE 5.6 %, 75 % inside interval",
    "dram: MAE 1 W, MAPE 10 %",
  ]);
});

Deno.test("`estimateStats()` takes MAPE over points at 1 W or more, as training does", () => {
  // 1e-9 W and −3 W are below the floor; 10 W and 20 W give 10 % and 5 %.
  const s = estimateStats([1e-9, -3, 10, 20, NaN], [2, 1, 11, 19, 4]);
  assertEquals(s.n, 4);
  assert(Math.abs(s.mape! - (10 + 5) / 2) < 1e-12, `${s.mape}`);
});

Deno.test("`estimateStats()` skips gaps and leaves MAPE out when power is 0", () => {
  assertEquals(estimateStats([0, 0, NaN], [1, 3, 5]), { n: 2, mae: 2 });
  assertEquals(estimateStats([], []), { n: 0, mae: NaN });
  // Below the 1 W MAPE floor, like a model's metadata: no MAPE either.
  assertEquals(estimateStats([0.25, 0.5], [1, 1]), {
    n: 2,
    mae: (0.75 + 0.5) / 2,
  });
});

Deno.test("`powerIntervalColumns()` names the bounds after the prediction", () => {
  assertEquals(predictedPowerColumn("dram"), "default_dram_power");
  assertEquals(powerIntervalColumns("dram"), {
    lo: "default_dram_power_lo",
    hi: "default_dram_power_hi",
  });
});
