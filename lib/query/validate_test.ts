import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import type { PromSeries } from "./format.ts";
import { formatValidationSummary, validateQuery } from "./validate.ts";

const series = (
  metric: Record<string, string>,
  values: [number, number][],
): PromSeries => ({
  metric,
  values: values.map(([t, v]) => [t, String(v)]),
});

Deno.test("`validateQuery()` gives one row per CPE scenario pod and container metric", () => {
  const result = {
    kepler_container_cpu_instructions_total: [
      series({ pod_name: "coremark-a" }, [[0, 0], [3, 5]]),
      series({ pod_name: "coremark-b" }, [[0, 1], [3, 2], [6, 3]]),
    ],
    up: [series({ instance: "x" }, [[0, 1]])],
  };
  const cr = {
    metadata: { creationTimestamp: "2023-09-22T05:43:45Z" },
    status: {
      results: [
        {
          scenarioID: "s0",
          repetitions: [{
            pod: "coremark-a",
            pushedTime: "2023-09-22 05:48:00.1",
          }],
        },
        {
          scenarioID: "s1",
          repetitions: [{
            pod: "coremark-b",
            pushedTime: "2023-09-22 05:50:00.1",
          }],
        },
      ],
    },
  };
  const { rows, summary } = validateQuery(result, {
    benchmark: "coremark",
    benchmarkContent: cr,
  });
  const mine = rows.filter((r) =>
    r.query === "kepler_container_cpu_instructions_total"
  );
  assertEquals(mine, [
    {
      pod: "coremark-a",
      scenarioID: "s0",
      query: "kepler_container_cpu_instructions_total",
      count: 2,
      ">0": 1,
      total: 5,
    },
    {
      pod: "coremark-b",
      scenarioID: "s1",
      query: "kepler_container_cpu_instructions_total",
      count: 3,
      ">0": 3,
      total: 3,
    },
  ]);
  assertEquals(rows.at(-1), {
    pod: "coremark",
    scenarioID: "",
    query: "up",
    count: 1,
    ">0": 1,
    total: 1,
  });
  // 6 sources × their components, each present even without data.
  assertEquals(rows.filter((r) => r.pod === "").length, 4 * 3 + 3);
  assert(summary.filteredByBenchmark);
});

Deno.test("`validateQuery()` counts gaps, counter resets, instances and empty metrics", () => {
  const result = {
    kepler_node_package_joules_total: [
      series({ source: "rapl", package: "0", mode: "idle", instance: "n1" }, [
        [0, 10],
        [3, 40],
        [6, 70],
        [15, 160],
        [18, 5],
        [21, 35],
      ]),
    ],
    kepler_node_platform_joules_total: [
      series({ source: "acpi", instance: "n1" }, [[0, 7], [3, 7], [6, 7]]),
    ],
    kepler_container_joules_total: [],
  };
  const { summary } = validateQuery(result, { step: 3 });
  assertEquals(summary.gaps, { count: 1, series: 1, largestSeconds: 9 });
  assertEquals(summary.counterResets, {
    count: 1,
    series: 1,
    metrics: ["kepler_node_package_joules_total"],
  });
  assertEquals(summary.instances, ["n1"]);
  assertEquals(summary.emptyMetrics, ["kepler_container_joules_total"]);
  assertEquals(summary.window, { first: 0, last: 21 });
  const [acpi, rapl] = summary.energy;
  assertEquals([acpi?.source, acpi?.hasPower, acpi?.meanWatts], [
    "acpi",
    false,
    0,
  ]);
  assertEquals([rapl?.source, rapl?.component, rapl?.hasPower], [
    "rapl-sysfs",
    "package",
    true,
  ]);
  const text = formatValidationSummary(summary).join("\n");
  assert(
    text.includes(
      "acpi platform: 1 series, 3 samples, no power (counters never increase)",
    ),
    text,
  );
  assert(text.includes("Gaps: 1 gap in 1 series, largest 9 s."), text);
  assert(
    text.includes(
      "Counter resets: 1 in 1 series (kepler_node_package_joules_total).",
    ),
    text,
  );
  assert(text.includes("Usable feature groups: none."), text);
});
