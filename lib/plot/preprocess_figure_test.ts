import {
  deepStrictEqual as assertEquals,
  ok as assert,
  throws as assertThrows,
} from "node:assert/strict";
import { preprocessFigure } from "./preprocess_figure.ts";

const T0 = 1702462614; // 2023-12-13 10:16:54 UTC

Deno.test("`preprocessFigure()` draws power first, then one subplot per feature", () => {
  const fig = preprocessFigure({
    timestamp: [T0, T0 + 3],
    bpf_cpu_time_ms: [100, 300],
    bpf_page_cache_hit: [7, 9],
    package_power: [40, 60],
    dram_power: [5, 6],
    node_type: [0, 0],
  }, { title: "BPFOnly" });
  assertEquals(
    fig.data.map((t) => [t.name, t.y, t.xaxis, t.yaxis]),
    [
      ["package", [40, 60], "x", "y"],
      ["dram", [5, 6], "x", "y"],
      ["bpf_cpu_time_ms", [100, 300], "x2", "y2"],
      ["bpf_page_cache_hit", [7, 9], "x3", "y3"],
    ],
  );
  assertEquals(fig.data[0]!.x, ["2023-12-13 10:16:54", "2023-12-13 10:16:57"]);
  const axisTitle = (key: string) =>
    (fig.layout[key] as { title?: { text: string } }).title?.text;
  assertEquals(
    ["yaxis", "yaxis2", "yaxis3"].map(axisTitle),
    ["power (W)", "CPU ms/s", "page cache hits/s"],
  );
  // only the bottom axis carries the time title; the others follow axis x
  assertEquals(["xaxis", "xaxis2", "xaxis3"].map(axisTitle), [
    undefined,
    undefined,
    "time (UTC)",
  ]);
  assertEquals((fig.layout.xaxis3 as { matches: string }).matches, "x");
  assertEquals(
    (fig.layout.annotations as { text: string }[]).map((a) => a.text),
    ["measured power", "bpf_cpu_time_ms", "bpf_page_cache_hit"],
  );
  assertEquals(fig.layout.title.text, "BPFOnly");
  // three rows of 180 px, two gaps of 80 px, margins 90 + 70
  assertEquals(fig.layout.height, 90 + 3 * 180 + 2 * 80 + 70);
});

Deno.test("`preprocessFigure()` sums features and averages power per timestamp", () => {
  // container-level rows, out of time order: power is repeated per container
  const fig = preprocessFigure({
    timestamp: [T0 + 3, T0, T0, T0 + 3],
    cpu_instructions: [5, 1, 2, NaN],
    platform_power: [90, 80, 80, 90],
  });
  assertEquals(fig.data.map((t) => t.y), [[80, 90], [3, 5]]);
  assert(fig.layout.title.text.includes("features summed, power averaged"));
});

Deno.test("`preprocessFigure()` leaves gaps for missing values", () => {
  const fig = preprocessFigure({
    timestamp: [T0, T0 + 3, T0 + 6],
    package_power: [40, NaN, Infinity],
  });
  assertEquals(fig.data[0]!.y, [40, null, null]);
  assertEquals(fig.data.length, 1);
});

Deno.test("`preprocessFigure()` follows the features and components asked for", () => {
  const fig = preprocessFigure({
    timestamp: [T0],
    a: [1],
    b: [2],
    core_power: [3],
    package_power: [4],
  }, { features: ["b"], components: ["package"] });
  assertEquals(fig.data.map((t) => t.name), ["package", "b"]);
  assertThrows(
    () => preprocessFigure({ timestamp: [T0], a: [1] }, { features: ["zz"] }),
    /column zz is missing; columns are timestamp, a/,
  );
});

Deno.test("`preprocessFigure()` rejects tables without data columns", () => {
  assertThrows(
    () => preprocessFigure({ timestamp: [T0], node_type: [0] }),
    (e: unknown) =>
      e instanceof RangeError &&
      e.message.includes("no feature or <component>_power columns") &&
      e.message.includes("timestamp, node_type"),
  );
  assertThrows(
    () => preprocessFigure({ timestamp: [T0, T0], package_power: [1] }),
    /column package_power has 1 rows, timestamp has 2/,
  );
});

Deno.test("`preprocessFigure()` is plain, deterministic JSON", () => {
  const table = {
    timestamp: Float64Array.of(T0, T0 + 3),
    cpu_cycles: Float64Array.of(1e9, 2e9),
    package_power: Float64Array.of(40, 41),
  };
  const fig = preprocessFigure(table);
  const json = JSON.stringify(fig);
  assertEquals(JSON.parse(json), fig); // no typed arrays or undefined inside
  assertEquals(JSON.stringify(preprocessFigure(table)), json);
});
