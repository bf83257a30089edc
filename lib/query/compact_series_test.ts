import { deepStrictEqual as assertEquals } from "node:assert/strict";
import {
  compactSeries,
  expandSeries,
  promValueText,
  sampleText,
} from "./compact_series.ts";
import type { PromSeries } from "./format.ts";

/** A seeded generator (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

Deno.test("`promValueText()` writes what Go's strconv.FormatFloat writes for Prometheus", () => {
  // Expected texts: Go's FormatFloat(v, 'f', -1, 64), or 'e' below 1e-6 and
  // from 1e21 (prometheus/util/jsonutil.MarshalFloat), worked out by hand.
  const cases: [number, string][] = [
    [0, "0"],
    [-0, "-0"],
    [1, "1"],
    [-42, "-42"],
    [7150.525, "7150.525"],
    [0.1 + 0.2, "0.30000000000000004"],
    [0.000001, "0.000001"],
    [0.0000009, "9e-07"],
    [1e-7, "1e-07"],
    [1.5e-10, "1.5e-10"],
    [5e-324, "5e-324"],
    [1e20, "100000000000000000000"],
    [123456789012345680000, "123456789012345680000"],
    [1e21, "1e+21"],
    [1.23456789e28, "1.23456789e+28"],
    [1.7976931348623157e308, "1.7976931348623157e+308"],
    [2 ** 53, "9007199254740992"],
    [NaN, "NaN"],
    [Infinity, "+Inf"],
    [-Infinity, "-Inf"],
  ];
  for (const [value, text] of cases) {
    assertEquals(promValueText(value), text, String(value));
  }
});

Deno.test("`compactSeries()` then `expandSeries()` gives back every value text, canonical or not", () => {
  const next = random(17);
  const texts = [
    "1.50",
    "+1",
    "1E5",
    "007",
    ".5",
    "5.",
    "+Inf",
    "-Inf",
    "Inf",
    "NaN",
    "-0",
    "0.0",
    "1e-7",
    "1e-07",
    "12345678901234567890",
    "0.1000000000000000055511151231257827",
  ];
  for (let i = 0; i < 2000; i++) {
    const kind = next();
    const x = (next() - 0.5) * 10 ** Math.floor(next() * 40 - 20);
    texts.push(
      kind < 0.4
        ? promValueText(x)
        : kind < 0.7
        ? x.toFixed(Math.floor(next() * 8))
        : kind < 0.85
        ? x.toExponential(Math.floor(next() * 6))
        : String(Math.floor(next() * 1e6)),
    );
  }
  const series: PromSeries = {
    metric: { __name__: "m" },
    values: texts.map((v, i) => [1_700_000_000 + i * 3 + (i % 7) / 8, v]),
  };
  const compact = compactSeries(series);
  assertEquals(expandSeries(compact), series);
  for (let i = 0; i < texts.length; i++) {
    assertEquals(sampleText(compact, i), texts[i]);
    // The number every reader of the query JSON sees.
    assertEquals(Object.is(compact.values[i], Number(texts[i])), true);
  }
  // Canonical texts take no room beyond the two arrays.
  const canonical = compactSeries({
    metric: {},
    values: texts.map((v, i) => [i, promValueText(Number(v))]),
  });
  assertEquals(canonical.texts, undefined);
});
