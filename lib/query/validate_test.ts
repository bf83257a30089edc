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

/** A package counter rising by `watts` per second, sampled every 3 s. */
function packageCounter(
  labels: Record<string, string>,
  watts: number,
  resetAt?: number,
): PromSeries {
  const values: [number, number][] = [];
  let joules = 1000;
  for (let t = 0; t <= 60; t += 3) {
    if (t === resetAt) joules = 5;
    values.push([t, joules]);
    joules += 3 * watts;
  }
  return series({
    __name__: "kepler_node_package_joules_total",
    instance: "n1",
    job: "kepler",
    source: "rapl-sysfs",
    package: "0",
    ...labels,
  }, values);
}

Deno.test("`validateQuery()` skips a counter reset in the mean power and counts it", () => {
  const result = {
    kepler_node_package_joules_total: [
      packageCounter({ mode: "dynamic" }, 50, 30),
      packageCounter({ mode: "idle" }, 20, 30),
    ],
  };
  const { summary } = validateQuery(result);
  const [pkg] = summary.energy;
  assertEquals(
    [pkg?.hasPower, pkg?.meanWatts, pkg?.resetsSkipped, pkg?.duplicateSeries],
    [true, 70, 2, 0],
  );
  const text = formatValidationSummary(summary).join("\n");
  assert(
    text.includes(
      "rapl-sysfs package: 2 series, 42 samples, mean 70.0 W; 2 counter resets skipped",
    ),
    text,
  );
});

Deno.test("`validateQuery()` counts a counter scraped by two jobs once, as extract does", () => {
  const result = {
    kepler_node_package_joules_total: [
      packageCounter({ mode: "dynamic" }, 50),
      packageCounter({ mode: "idle" }, 20),
      packageCounter({ mode: "dynamic", job: "kepler-2" }, 50),
      packageCounter({ mode: "idle", job: "kepler-2", pod: "kepler-x" }, 20),
      // another instance is another counter: summed
      packageCounter({ mode: "dynamic", instance: "n2" }, 10),
    ],
  };
  const { summary } = validateQuery(result);
  const [pkg] = summary.energy;
  assertEquals(
    [pkg?.series, pkg?.meanWatts, pkg?.resetsSkipped, pkg?.duplicateSeries],
    [5, 80, 0, 2],
  );
  const text = formatValidationSummary(summary).join("\n");
  assert(
    text.includes(
      "rapl-sysfs package: 5 series, 105 samples, mean 80.0 W; 2 duplicate series (the same counter scraped again, e.g. by another job) counted once",
    ),
    text,
  );
});

Deno.test("`validateQuery()` joins a counter's copies across an exporter restart without differencing them", () => {
  const before = packageCounter({ mode: "dynamic", pod: "kepler-a" }, 40);
  const after = packageCounter({ mode: "dynamic", pod: "kepler-b" }, 40);
  // the first copy until t = 30, the new copy (a restarted counter) after
  before.values = before.values.filter(([t]) => t <= 30);
  after.values = after.values.filter(([t]) => t > 30)
    .map(([t, v]) => [t, String(Number(v) - 900)]);
  const { summary } = validateQuery({
    kepler_node_package_joules_total: [before, after],
  });
  const [pkg] = summary.energy;
  assertEquals(
    [pkg?.meanWatts, pkg?.resetsSkipped, pkg?.duplicateSeries],
    [40, 0, 1],
  );
});
