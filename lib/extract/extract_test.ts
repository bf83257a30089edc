/**
 * Extraction on synthetic queries: several instances, and the faults a real
 * query has (counter reset, gap, duplicate timestamp, NaN, irregular step,
 * stale repeat, missing metric). Expected values are computed by hand from
 * the counters written in each test.
 */
import {
  deepStrictEqual as assertEquals,
  ok as assert,
  throws as assertThrows,
} from "node:assert/strict";
import { extract, extractFeatureGroups } from "./extract.ts";
import { queryDataFrom } from "./read_query.ts";
import { energy, queryOf, ramp, usage } from "./_testdata.ts";

const T = [0, 3, 6, 9, 12];

function close(actual: number | undefined, expected: number, what = "") {
  assert(
    actual !== undefined &&
      Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected)),
    `${what}: ${actual} ≠ ${expected}`,
  );
}

/** acpi platform (idle 100 W + dynamic 20 W) and BPFOnly usage of two containers. */
function simpleNode(instance = "node-a", watts = [100, 20], extra = {}) {
  const labels = { instance, ...extra };
  return [
    energy("platform", ramp(T, watts[0]!, 1000), { ...labels, mode: "idle" }),
    energy("platform", ramp(T, watts[1]!, 50), { ...labels, mode: "dynamic" }),
    usage("bpf_cpu_time_ms", `a-${instance}`, ramp(T, 10), labels),
    usage("bpf_cpu_time_ms", `b-${instance}`, ramp(T, 5), labels),
    usage("bpf_page_cache_hit", `a-${instance}`, ramp(T, 1), labels),
    usage("bpf_page_cache_hit", `b-${instance}`, ramp(T, 0), labels),
  ] as const;
}

Deno.test("`extract()` keeps several Kepler instances apart instead of summing them (upstream #519)", () => {
  const q = queryDataFrom(queryOf(
    ...simpleNode("node-a", [100, 20]),
    ...simpleNode("node-b", [50, 5]),
  ));
  const frame = extract(q, "BPFOnly", {
    source: "acpi",
    nodeType: { "node-b": 7 },
  });
  assertEquals(frame.instances, ["node-a", "node-b"]);
  assertEquals(frame.length, 8);
  assertEquals([...frame.timestamp], [3, 3, 6, 6, 9, 9, 12, 12]);
  for (let r = 0; r < frame.length; r++) {
    const b = frame.instance[r] === 1;
    close(frame.power.platform![r], b ? 55 : 120, `power row ${r}`);
    close(frame.features.bpf_cpu_time_ms![r], 15, `bpf row ${r}`);
    close(frame.features.bpf_page_cache_hit![r], 1, `cache row ${r}`);
    assertEquals(frame.nodeType[r], b ? 7 : 0);
  }
  const containers = extract(q, "BPFOnly", {
    source: "acpi",
    level: "container",
  });
  assertEquals(containers.length, 16);
  assertEquals(containers.containers.map((c) => c.containerName), [
    "a-node-a",
    "b-node-a",
    "a-node-b",
    "b-node-b",
  ]);
});

Deno.test("`extract()` pairs node and container metrics that name their single instance differently", () => {
  // honor_labels: node series keep Kepler's node name, container series get
  // the scrape target
  const [, , ...use] = simpleNode("10.0.0.5:9102");
  const q = queryDataFrom(queryOf(
    energy("platform", ramp(T, 100), { instance: "worker-1", mode: "idle" }),
    energy("platform", ramp(T, 20), { instance: "worker-1" }),
    ...use,
  ));
  const frame = extract(q, "BPFOnly", { source: "acpi" });
  assertEquals(frame.instances, ["worker-1"]);
  assertEquals(frame.length, 4);
  close(frame.features.bpf_cpu_time_ms![0], 15);
});

Deno.test("`extract()` refuses to guess when several instances do not match", () => {
  const q = queryDataFrom(queryOf(
    energy("platform", ramp(T, 100), { instance: "n1" }),
    energy("platform", ramp(T, 100), { instance: "n2" }),
    usage("bpf_cpu_time_ms", "a", ramp(T, 1), { instance: "x1" }),
    usage("bpf_page_cache_hit", "a", ramp(T, 1), { instance: "x2" }),
  ));
  assertThrows(() => extract(q, "BPFOnly", { source: "acpi" }), {
    name: "RangeError",
    message: /Kepler instances x1, x2 but the acpi energy metrics from n1, n2/,
  });
});

Deno.test("`extract()` drops the interval of an energy counter reset, not zeroes it", () => {
  const q = queryDataFrom(queryOf(
    // counter restarts at 9: 1000, 1300, 1600, 5 (reset), 305
    energy("platform", [[0, 1000], [3, 1300], [6, 1600], [9, 5], [12, 305]]),
    usage("bpf_cpu_time_ms", "a", ramp(T, 10)),
    usage("bpf_page_cache_hit", "a", ramp(T, 1)),
  ));
  const frame = extract(q, "BPFOnly", { source: "acpi" });
  assertEquals([...frame.timestamp], [3, 6, 12]);
  assertEquals([...frame.power.platform!], [100, 100, 100]);
});

Deno.test("`extract()` drops the row of a container counter reset at both levels", () => {
  const q = queryDataFrom(queryOf(
    energy("platform", ramp(T, 100)),
    usage("bpf_cpu_time_ms", "a", [[0, 0], [3, 30], [6, 60], [9, 2], [12, 32]]),
    usage("bpf_cpu_time_ms", "b", ramp(T, 5)),
    usage("bpf_page_cache_hit", "a", ramp(T, 1)),
  ));
  const node = extract(q, "BPFOnly", { source: "acpi" });
  assertEquals([...node.timestamp], [3, 6, 12]);
  assertEquals([...node.features.bpf_cpu_time_ms!], [15, 15, 15]);
  const containers = extract(q, "BPFOnly", {
    source: "acpi",
    level: "container",
  });
  assert(
    ![...containers.timestamp].includes(9),
    "row 9 dropped for every container",
  );
});

Deno.test("`extract()` spans a scrape gap with one row of the gap's Δt", () => {
  const times = [0, 3, 9, 12]; // the scrape at 6 is missing everywhere
  const q = queryDataFrom(queryOf(
    energy("platform", [[0, 0], [3, 300], [9, 1500], [12, 1800]]),
    usage("bpf_cpu_time_ms", "a", ramp(times, 10)),
    usage("bpf_page_cache_hit", "a", ramp(times, 1)),
  ));
  const frame = extract(q, "BPFOnly", { source: "acpi" });
  assertEquals([...frame.timestamp], [3, 9, 12]);
  // (1500 − 300) J over 6 s
  assertEquals([...frame.power.platform!], [100, 200, 100]);
  assertEquals([...frame.features.bpf_cpu_time_ms!], [10, 10, 10]);
});

Deno.test("`extract()` spreads a container's rate over the rows its own gap spans", () => {
  const q = queryDataFrom(queryOf(
    energy("platform", ramp(T, 100)),
    // container b misses the scrape at 6: its 6 s interval covers rows 6 and 9
    usage("bpf_cpu_time_ms", "a", ramp(T, 10)),
    usage("bpf_cpu_time_ms", "b", [[0, 0], [3, 6], [9, 42], [12, 48]]),
    usage("bpf_page_cache_hit", "a", ramp(T, 1)),
  ));
  const frame = extract(q, "BPFOnly", { source: "acpi" });
  // b: 2/s, then (42 − 6)/6 = 6/s on rows 6 and 9, then 2/s
  assertEquals([...frame.features.bpf_cpu_time_ms!], [12, 16, 16, 12]);
});

Deno.test("`extract()` uses each row's own Δt on an irregular step", () => {
  const times = [0, 3, 8, 10, 20];
  const q = queryDataFrom(queryOf(
    energy("platform", ramp(times, 100), { mode: "idle" }),
    energy("platform", ramp(times, 20)),
    usage("bpf_cpu_time_ms", "a", ramp(times, 10)),
    usage("bpf_page_cache_hit", "a", ramp(times, 1)),
  ));
  const frame = extract(q, "BPFOnly", { source: "acpi" });
  // upstream's mean Δt (5 s) would give 72, 120, 48, 240 W
  assertEquals([...frame.power.platform!], [120, 120, 120, 120]);
  assertEquals([...frame.features.bpf_cpu_time_ms!], [10, 10, 10, 10]);
});

Deno.test("`extract()` drops only the rows a NaN sample touches", () => {
  const q = queryDataFrom(queryOf(
    energy("platform", [[0, 0], [3, 300], [6, "NaN"], [9, 900], [12, 1200]]),
    usage("bpf_cpu_time_ms", "a", ramp(T, 10)),
    usage("bpf_page_cache_hit", "a", [[0, 0], [3, 3], [6, 6], [9, 9], [
      12,
      "NaN",
    ]]),
  ));
  const frame = extract(q, "BPFOnly", { source: "acpi" });
  // platform NaN at 6 spoils rows 6 and 9; cache NaN at 12 spoils row 12
  assertEquals([...frame.timestamp], [3]);
  assertEquals([...frame.power.platform!], [100]);
});

Deno.test("`extract()` dedupes equal duplicate samples and drops conflicting ones", () => {
  const same = queryDataFrom(queryOf(
    energy("platform", [[0, 0], [3, 300], [3, 300], [6, 600]]),
    usage("bpf_cpu_time_ms", "a", [[0, 0], [3, 30], [6, 60]]),
    usage("bpf_page_cache_hit", "a", [[0, 0], [3, 3], [6, 6]]),
  ));
  assertEquals(
    [...extract(same, "BPFOnly", { source: "acpi" }).power.platform!],
    [100, 100],
  );
  const conflict = queryDataFrom(queryOf(
    energy("platform", [[0, 0], [3, 300], [3, 333], [6, 600], [9, 900]]),
    usage("bpf_cpu_time_ms", "a", ramp([0, 3, 6, 9], 10)),
    usage("bpf_page_cache_hit", "a", ramp([0, 3, 6, 9], 1)),
  ));
  const frame = extract(conflict, "BPFOnly", { source: "acpi" });
  assertEquals([...frame.timestamp], [9]);
  assertEquals([...frame.power.platform!], [100]);
});

Deno.test("`extract()` merges a stale repeated scrape into the next interval", () => {
  // the scrape at 6 repeats 3's counters (no new Kepler sample)
  const q = queryDataFrom(queryOf(
    energy("platform", [[0, 0], [3, 300], [6, 300], [9, 900]]),
    energy("platform", [[0, 0], [3, 30], [6, 30], [9, 90]], { mode: "idle" }),
    usage("bpf_cpu_time_ms", "a", [[0, 0], [3, 30], [6, 30], [9, 90]]),
    usage("bpf_page_cache_hit", "a", [[0, 0], [3, 3], [6, 3], [9, 9]]),
  ));
  const frame = extract(q, "BPFOnly", { source: "acpi" });
  assertEquals([...frame.timestamp], [3, 9]);
  // (900 + 90 − 300 − 30) J over 6 s; (90 − 30) ms over 6 s
  assertEquals([...frame.power.platform!], [110, 110]);
  assertEquals([...frame.features.bpf_cpu_time_ms!], [10, 10]);
});

Deno.test("`extract()` drops repeats from the first row on: the first row's scrape time is unknown", () => {
  // 0, 3 and 6 repeat one value (Prometheus paused, or a window that starts
  // inside a stale stretch): the value may be up to the lookback old, so
  // the move at 9 has no known interval; 9 → 12 is the first one.
  const q = queryDataFrom(queryOf(
    energy("platform", [[0, 300], [3, 300], [6, 300], [9, 1200], [12, 1530]]),
    energy("platform", [[0, 30], [3, 30], [6, 30], [9, 90], [12, 120]], {
      mode: "idle",
    }),
    usage("bpf_cpu_time_ms", "a", [[0, 30], [3, 30], [6, 30], [9, 90], [
      12,
      120,
    ]]),
    usage("bpf_page_cache_hit", "a", [[0, 3], [3, 3], [6, 3], [9, 9], [
      12,
      12,
    ]]),
  ));
  const frame = extract(q, "BPFOnly", { source: "acpi" });
  assertEquals([...frame.timestamp], [12]);
  // (1530 + 120 − 1200 − 90) J over 3 s; (120 − 90) ms over 3 s
  assertEquals([...frame.power.platform!], [120]);
  assertEquals([...frame.features.bpf_cpu_time_ms!], [10]);
});

Deno.test("`extract()` sums sockets and modes and keeps only the requested energy source", () => {
  const q = queryDataFrom(queryOf(
    ...(["package", "core", "uncore", "dram"] as const).flatMap((c) =>
      ["0", "1"].flatMap((pkg) =>
        ["idle", "dynamic"].map((mode) =>
          energy(c, ramp(T, c === "package" ? 10 : 1), {
            source: "rapl-sysfs",
            package: pkg,
            mode,
          })
        )
      )
    ),
    // another source's package counter must be ignored
    energy("package", ramp(T, 1000), { source: "trained_power_model" }),
    usage("cpu_cycles", "a", ramp(T, 1)),
    usage("cpu_instructions", "a", ramp(T, 1)),
    usage("cache_miss", "a", ramp(T, 1)),
  ));
  const frame = extract(q, "CounterOnly");
  assertEquals(frame.components, ["package", "core", "uncore", "dram"]);
  assertEquals([...frame.power.package!], [40, 40, 40, 40]);
  assertEquals([...frame.power.dram!], [4, 4, 4, 4]);
});

Deno.test("`extract()` counts a counter scraped by two jobs once", () => {
  const q = queryDataFrom(queryOf(
    energy("platform", ramp(T, 100), { job: "kepler" }),
    energy("platform", ramp(T, 100), { job: "kepler-2" }),
    usage("bpf_cpu_time_ms", "a", ramp(T, 10), { job: "kepler" }),
    usage("bpf_cpu_time_ms", "a", ramp(T, 10), { job: "kepler-2" }),
    usage("bpf_page_cache_hit", "a", ramp(T, 1)),
  ));
  const frame = extract(q, "BPFOnly", { source: "acpi" });
  assertEquals([...frame.power.platform!], [100, 100, 100, 100]);
  assertEquals([...frame.features.bpf_cpu_time_ms!], [10, 10, 10, 10]);
});

Deno.test("`extract()` gives a container no row for its first sample, and its squeeze equals the node frame", () => {
  const q = queryDataFrom(queryOf(
    energy("platform", ramp(T, 100)),
    usage("bpf_cpu_time_ms", "a", ramp(T, 10)),
    usage("bpf_cpu_time_ms", "late", ramp([6, 9, 12], 4, 50)),
    usage("bpf_page_cache_hit", "a", ramp(T, 1)),
  ));
  const containers = extract(q, "BPFOnly", {
    source: "acpi",
    level: "container",
  });
  const late = containers.containers.findIndex((c) =>
    c.containerName === "late"
  );
  const lateRows = [...containers.timestamp].filter((_, r) =>
    containers.container![r] === late
  );
  assertEquals(lateRows, [9, 12]);
  const node = extract(q, "BPFOnly", { source: "acpi" });
  // node sums: a's 10/s, plus late's 4/s from its second sample on
  assertEquals([...node.features.bpf_cpu_time_ms!], [10, 10, 14, 14]);
});

Deno.test("`extract()` names every missing metric in its error", () => {
  const q = queryDataFrom(queryOf(energy("platform", ramp(T, 100))), {
    origin: "data/kepler_query.json",
  });
  assertThrows(() => extract(q, "Basic", { source: "acpi" }), {
    name: "RangeError",
    message:
      "Cannot extract Basic features: metrics kepler_container_bpf_cpu_time_ms_total, kepler_container_bpf_page_cache_hit_total, kepler_container_cache_miss_total, kepler_container_cpu_cycles_total, kepler_container_cpu_instructions_total are missing from data/kepler_query.json",
  });
  const noPower = queryDataFrom(
    queryOf(
      usage("bpf_cpu_time_ms", "a", ramp(T, 10)),
      usage("bpf_page_cache_hit", "a", ramp(T, 1)),
      energy("platform", ramp(T, 100)),
    ),
    { origin: "q.json" },
  );
  assertThrows(() => extract(noPower, "BPFOnly"), {
    name: "RangeError",
    message:
      "Cannot extract rapl-sysfs power: metric kepler_node_package_joules_total is missing from q.json; metric kepler_node_core_joules_total is missing from q.json; metric kepler_node_uncore_joules_total is missing from q.json; metric kepler_node_dram_joules_total is missing from q.json",
  });
  const otherSource = queryDataFrom(
    queryOf(
      usage("bpf_cpu_time_ms", "a", ramp(T, 10)),
      usage("bpf_page_cache_hit", "a", ramp(T, 1)),
      energy("platform", ramp(T, 100), { source: "redfish" }),
    ),
    { origin: "q.json" },
  );
  assertThrows(() => extract(otherSource, "BPFOnly", { source: "acpi" }), {
    name: "RangeError",
    message:
      'Cannot extract acpi power: metric kepler_node_platform_joules_total has no series with source="acpi" in q.json (sources found: redfish)',
  });
});

Deno.test("`extract()` asks for third-party metrics when ThirdParty has none", () => {
  const q = queryDataFrom(queryOf(energy("platform", ramp(T, 100))));
  assertThrows(() => extract(q, "ThirdParty", { source: "acpi" }), {
    name: "RangeError",
    message:
      "Cannot extract ThirdParty features: no third-party metrics were given (--thirdparty-metrics)",
  });
});

Deno.test("`extract()` explains an empty result instead of returning no rows", () => {
  const q = queryDataFrom(
    queryOf(
      energy("platform", [[0, 0]]),
      usage("bpf_cpu_time_ms", "a", ramp(T, 10)),
      usage("bpf_page_cache_hit", "a", ramp(T, 1)),
    ),
    { origin: "q.json" },
  );
  assertThrows(() => extract(q, "BPFOnly", { source: "acpi" }), {
    name: "RangeError",
    message:
      /^Cannot extract BPFOnly features from q.json: no interval has both acpi power and usage data/,
  });
});

Deno.test("`extractFeatureGroups()` gives the same frames as one `extract()` per group", () => {
  const q = queryDataFrom(queryOf(
    energy("platform", ramp(T, 100)),
    usage("bpf_cpu_time_ms", "a", ramp(T, 10)),
    usage("bpf_page_cache_hit", "a", ramp(T, 1)),
    usage("bpf_block_irq", "a", ramp(T, 2)),
    usage("bpf_net_rx_irq", "a", ramp(T, 3)),
    usage("bpf_net_tx_irq", "a", ramp(T, 4)),
  ));
  const all = extractFeatureGroups(q, ["BPFOnly", "BPFIRQ", "IRQOnly"], {
    source: "acpi",
  });
  for (const group of ["BPFOnly", "BPFIRQ", "IRQOnly"] as const) {
    assertEquals(all.get(group), extract(q, group, { source: "acpi" }));
  }
  assertEquals([...all.get("IRQOnly")!.features.bpf_net_tx_irq!], [4, 4, 4, 4]);
});

Deno.test("`extract()` refuses node-level-only metrics per container", () => {
  const q = queryDataFrom(queryOf(
    energy("platform", ramp(T, 100)),
    ["kepler_node_accelerator_intel_qat", {
      metric: { instance: "node-a", type: "qat" },
      values: ramp(T, 2).map(([t, v]) => [t, String(v)]),
    }],
  ));
  assertEquals([
    ...extract(q, "AcceleratorOnly", { source: "acpi" }).features
      .accelerator_intel_qat!,
  ], [2, 2, 2, 2]);
  assertThrows(
    () => extract(q, "AcceleratorOnly", { source: "acpi", level: "container" }),
    {
      name: "RangeError",
      message: /kepler_node_accelerator_intel_qat is a node-level metric/,
    },
  );
});
