import {
  deepStrictEqual as assertEquals,
  notDeepStrictEqual as assertNotEquals,
  ok as assert,
  throws as assertThrows,
} from "node:assert/strict";
import { parseQuery } from "../extract/read_query.ts";
import { formatQueryJson } from "../query/query_json.ts";
import type { QueryResult } from "../query/format.ts";
import {
  DEFAULT_NODE_MODEL,
  queryJson,
  queryResult,
  simulate,
  SIMULATED_FEATURES,
  truePower,
} from "./mod.ts";
import type { NodeModel, Simulation } from "./mod.ts";
import { VARIED_COEFFICIENTS } from "./node_model.ts";
import { truthCsv } from "./truth_csv.ts";
import { workloadPlan } from "./workload_plan.ts";

const START = 1_700_000_001; // a multiple of 3

function small(options: Parameters<typeof simulate>[0] = {}): Simulation {
  return simulate({ start: START, duration: 600, containers: 6, ...options });
}

/** Σ over series of a metric (optionally filtered) per sample, from a query result. */
function sumSeries(
  result: QueryResult,
  metric: string,
  filter: (labels: Record<string, string>) => boolean = () => true,
): Map<number, number> {
  const out = new Map<number, number>();
  for (const series of result[metric] ?? []) {
    if (!filter(series.metric)) continue;
    for (const [t, v] of series.values) {
      out.set(t, (out.get(t) ?? 0) + Number(v));
    }
  }
  return out;
}

Deno.test("`simulate()` query JSON reads with extract's reader and has Kepler's metrics and labels", () => {
  const sim = small({ nodes: 2 });
  const text = queryJson(sim);
  const data = parseQuery(text);
  const names = [...data.metrics.keys()];
  for (const feature of SIMULATED_FEATURES) {
    assert(names.includes(`kepler_container_${feature}_total`), feature);
  }
  for (const c of ["package", "core", "uncore", "dram", "platform", "other"]) {
    assert(names.includes(`kepler_node_${c}_joules_total`), c);
    assert(names.includes(`kepler_container_${c}_joules_total`), c);
  }
  assert(names.includes("kepler_container_joules_total"));
  assert(names.includes("kepler_node_info"));

  const result = JSON.parse(text) as QueryResult;
  const pkg = result["kepler_node_package_joules_total"]!;
  assertEquals(pkg.length, 2 * 2 * 2); // nodes × sockets × modes
  assertEquals(Object.keys(pkg[0]!.metric), [
    "__name__",
    "exported_instance",
    "instance",
    "job",
    "mode",
    "package",
    "source",
  ]);
  assertEquals(
    new Set(pkg.map((s) => s.metric.instance)),
    new Set(["sim-node-0", "sim-node-1"]),
  );
  assert(pkg.every((s) => s.metric.instance === s.metric.exported_instance));
  const platform = result["kepler_node_platform_joules_total"]![0]!.metric;
  assertEquals(platform.source, "acpi");
  const cpu = result["kepler_container_bpf_cpu_time_ms_total"]!;
  assertEquals(cpu.length, 2 * (6 + 2));
  assertEquals(Object.keys(cpu[0]!.metric), [
    "__name__",
    "container_id",
    "container_name",
    "container_namespace",
    "instance",
    "job",
    "pod_name",
    "source",
  ]);
  assertEquals(cpu[0]!.metric.source, "bpf");
  assert(/^[0-9a-f]{64}$/.test(cpu[0]!.metric.container_id!));
  const names2 = cpu.map((s) => s.metric.container_name);
  assert(names2.includes("system_processes"));
  assert(names2.includes("kernel_processes"));
  const info = result["kepler_node_info"]![0]!.metric;
  assertEquals(info.cpu_architecture, "Cascade Lake");
  assertEquals(info.components_power_source, "rapl-sysfs");
  assertEquals(info.platform_power_source, "acpi");
  assertEquals(info.source, "os");
  const total = result["kepler_container_joules_total"]![0]!.metric;
  assertEquals(total.source, undefined);
  assert(total.mode === "dynamic" || total.mode === "idle");
  // Every series has one sample per step, at the step times.
  for (const series of Object.values(result).flat()) {
    assertEquals(series.values.length, 200);
    assertEquals(series.values[0]![0], START);
    assertEquals(series.values[199]![0], START + 199 * 3);
    assert(series.values.every(([, v]) => Number.isFinite(Number(v))));
  }
});

Deno.test("`queryJson()` writes the same bytes as `query`'s formatter and `queryResult()`", () => {
  const sim = small({
    containers: 2,
    duration: 60,
    faults: ["irregular", "duplicate"],
  });
  const text = queryJson(sim);
  assertEquals(text, formatQueryJson(queryResult(sim)));
  assertEquals(JSON.parse(text), queryResult(sim));
});

Deno.test("`simulate()` counters never decrease except at injected resets", () => {
  const sim = small({
    faults: ["reset", "gap", "irregular", "duplicate"],
    nodes: 2,
  });
  const resets = sim.events.filter((e) => e.kind === "reset");
  assertEquals(resets.length, 2);
  const result = queryResult(sim);
  let decreases = 0;
  for (const [name, list] of Object.entries(result)) {
    for (const series of list) {
      const resetTimes = resets.filter((r) =>
        r.instance === series.metric.instance
      ).map((r) => r.time);
      for (let i = 1; i < series.values.length; i++) {
        const [t, v] = series.values[i]!;
        const prev = Number(series.values[i - 1]![1]);
        if (Number(v) < prev) {
          decreases++;
          assert(
            resetTimes.includes(t),
            `${name} decreased at ${t} without a reset`,
          );
        }
      }
    }
  }
  assert(decreases > 100, `resets show in the counters (${decreases})`);
});

Deno.test("`simulate()` energy rates Σ over sockets and modes equal the ground truth within the noise", () => {
  const noise = 2;
  const sim = simulate({
    start: START,
    duration: 3600,
    containers: 3,
    noise,
  });
  const node = sim.nodes[0]!;
  const result = queryResult(sim);
  for (const component of ["package", "dram", "platform", "core"] as const) {
    const sums = sumSeries(result, `kepler_node_${component}_joules_total`);
    const times = [...sums.keys()];
    let absError = 0;
    for (let k = 1; k < times.length; k++) {
      const dt = times[k]! - times[k - 1]!;
      const watts = (sums.get(times[k]!)! - sums.get(times[k - 1]!)!) / dt;
      // The counters show exactly the measured power (mJ rounding only)…
      assert(
        Math.abs(watts - node.truth.measured[component][k]!) < 0.01,
        `${component} at ${k}: ${watts} vs measured ${
          node.truth.measured[component][k]
        }`,
      );
      // …which is the truth plus noise clipped at 4σ.
      const error = watts - node.truth.power[component][k]!;
      assert(
        Math.abs(error) <= 4 * noise + 0.01,
        `${component} error ${error}`,
      );
      absError += Math.abs(error);
    }
    // Gaussian noise of σ has a mean absolute value of σ·√(2/π) ≈ 0.80σ.
    const mae = absError / (times.length - 1);
    assert(mae > 0.72 * noise && mae < 0.88 * noise, `${component} MAE ${mae}`);
  }
  // The truth spans idle to heavy load.
  const pkg = node.truth.power.package;
  assert(Math.min(...pkg) < 45 && Math.max(...pkg) > 150);
});

Deno.test("`simulate()` container usage sums to the node rates that drive the truth", () => {
  const sim = small({ faults: ["irregular"] });
  const node = sim.nodes[0]!;
  const result = queryResult(sim);
  for (const feature of SIMULATED_FEATURES) {
    const sums = sumSeries(result, `kepler_container_${feature}_total`);
    const times = [...sums.keys()];
    for (let k = 1; k < times.length; k++) {
      const dt = times[k]! - times[k - 1]!;
      const rate = (sums.get(times[k]!)! - sums.get(times[k - 1]!)!) / dt;
      const expected = node.truth.rates[feature][k]!;
      assert(
        Math.abs(rate - expected) <= 1e-9 * Math.max(1, expected),
        `${feature} at ${k}: ${rate} vs ${expected}`,
      );
    }
  }
  // The truth is the node model applied to those rates.
  for (const k of [5, 50, 150]) {
    const rates = Object.fromEntries(
      SIMULATED_FEATURES.map((f) => [f, node.truth.rates[f][k]!]),
    ) as Record<(typeof SIMULATED_FEATURES)[number], number>;
    const expected = truePower(node.model, rates);
    for (const [c, w] of Object.entries(expected)) {
      assertEquals(node.truth.power[c as "package"][k], w);
    }
  }
});

Deno.test("`simulate()` container energy adds up to node energy per mode", () => {
  const sim = small({ containers: 4 });
  const result = queryResult(sim);
  for (const component of ["package", "dram", "platform"]) {
    for (const mode of ["dynamic", "idle"]) {
      const byMode = (l: Record<string, string>) => l.mode === mode;
      const node = sumSeries(
        result,
        `kepler_node_${component}_joules_total`,
        byMode,
      );
      const containers = sumSeries(
        result,
        `kepler_container_${component}_joules_total`,
        byMode,
      );
      const times = [...node.keys()];
      const first = times[0]!, last = times.at(-1)!;
      const nodeJ = node.get(last)! - node.get(first)!;
      const ctrJ = containers.get(last)! - containers.get(first)!;
      // Each of 6 containers rounds to 1 mJ per sample.
      assert(
        Math.abs(nodeJ - ctrJ) <= 6 * 200 * 0.001,
        `${component}/${mode}: node ${nodeJ} J vs containers ${ctrJ} J`,
      );
    }
  }
});

Deno.test("`simulate()` is deterministic for a seed and differs across seeds", () => {
  assertEquals(queryJson(small({ seed: 7 })), queryJson(small({ seed: 7 })));
  assertNotEquals(queryJson(small({ seed: 7 })), queryJson(small({ seed: 8 })));
  // Noise has its own stream: changing it keeps the workload.
  const a = small({ noise: 0 }).nodes[0]!.truth;
  const b = small({ noise: 5 }).nodes[0]!.truth;
  assertEquals(a.rates, b.rates);
  assert(
    a.measured.package.every((w, k) =>
      Math.abs(w - a.power.package[k]!) < 1e-3
    ),
  );
  assertNotEquals(b.measured.package, b.power.package);
});

Deno.test("`simulate()` injects gaps, duplicates and irregular intervals", () => {
  const sim = small({ faults: ["gap", "duplicate", "irregular"] });
  const node = sim.nodes[0]!;
  const gaps = sim.events.filter((e) => e.kind === "gap");
  const dups = sim.events.filter((e) => e.kind === "duplicate");
  assertEquals(gaps.length, 5 + 1);
  assertEquals(dups.length, 3);
  const series = queryResult(sim)["kepler_node_info"]![0]!.values;
  assertEquals(series.length, 200 - gaps.length + dups.length);
  const times = series.map(([t]) => t);
  for (const g of gaps) assert(!times.includes(g.time));
  for (const d of dups) {
    assertEquals(times.filter((t) => t === d.time).length, 2);
  }
  const steps = new Set<number>();
  for (let k = 1; k < node.timestamps.length; k++) {
    const dt = node.timestamps[k]! - node.timestamps[k - 1]!;
    assert(dt > 0.3 * 3 && dt < 1.7 * 3, `interval ${dt}`);
    steps.add(Math.round(dt * 1000));
  }
  assert(steps.size > 50, "intervals vary");
  // Without faults the grid is regular.
  const regular = small().nodes[0]!.timestamps;
  assert(regular.every((t, k) => t === START + 3 * k));
});

Deno.test("`simulate()` legacy naming uses bpf_cpu_time_us in microseconds and source rapl", () => {
  const current = queryResult(small());
  const legacy = queryResult(small({ naming: "legacy" }));
  assertEquals(legacy["kepler_container_bpf_cpu_time_ms_total"], undefined);
  const us = legacy["kepler_container_bpf_cpu_time_us_total"]!;
  const ms = current["kepler_container_bpf_cpu_time_ms_total"]!;
  assertEquals(us.length, ms.length);
  assertEquals(us[0]!.metric.source, undefined);
  assertEquals(
    us[0]!.values.map(([, v]) => Number(v)),
    ms[0]!.values.map(([, v]) => Number(v) * 1000),
  );
  const pkg = legacy["kepler_node_package_joules_total"]![0]!;
  assertEquals(pkg.metric.source, "rapl");
  assertEquals(
    pkg.values,
    current["kepler_node_package_joules_total"]![0]!.values,
  );
  assertEquals(Object.keys(legacy["kepler_node_info"]![0]!.metric), [
    "__name__",
    "cpu_architecture",
    "instance",
    "job",
  ]);
  // extract's reader maps the legacy names back.
  const read = parseQuery(queryJson(small({ naming: "legacy" })));
  const bpf = read.metrics.get("kepler_container_bpf_cpu_time_ms_total")![0]!;
  assertEquals(bpf.values[3], Number(ms[0]!.values[3]![1]));
});

Deno.test("`simulate()` emits only the requested energy sources", () => {
  const acpi = queryResult(small({ sources: ["acpi"] }));
  assertEquals(acpi["kepler_node_package_joules_total"], undefined);
  assertEquals(acpi["kepler_node_other_joules_total"], undefined);
  assert(acpi["kepler_node_platform_joules_total"]!.length === 2);
  assertEquals(
    acpi["kepler_node_info"]![0]!.metric.components_power_source,
    "estimator",
  );
  const rapl = queryResult(small({ sources: ["rapl-sysfs"] }));
  assertEquals(rapl["kepler_node_platform_joules_total"], undefined);
  assertEquals(
    rapl["kepler_node_info"]![0]!.metric.platform_power_source,
    "none",
  );
});

Deno.test("`simulate()` rejects invalid options with the option and value", () => {
  assertThrows(() => simulate({ step: 0 }), /step must be .* got 0/);
  assertThrows(
    () => simulate({ duration: 3 }),
    /duration must be at least two steps/,
  );
  assertThrows(
    () => simulate({ containers: 0 }),
    /containers must be an integer ≥ 1, got 0/,
  );
  assertThrows(
    () => simulate({ sources: ["redfish" as "acpi"] }),
    /sources must be .* got \[redfish\]/,
  );
  assertThrows(
    () => simulate({ faults: ["fire" as "gap"] }),
    /unknown fault "fire"/,
  );
  assertThrows(() => simulate({ noise: -1 }), RangeError);
});

Deno.test("`simulate()` runs the workload plan: stress containers load up in stress phases", () => {
  const sim = simulate({ start: START, duration: 3600, containers: 8 });
  const node = sim.nodes[0]!;
  const stress = node.containers.filter((c) => c.role === "stress");
  assertEquals(stress.length, 4);
  assert(stress.every((c) => c.pod.startsWith("stressng-")));
  const cpu = node.truth.rates.bpf_cpu_time_ms;
  const phase = node.truth.phase;
  const mean = (f: (p: string) => boolean) => {
    let s = 0, n = 0;
    phase.forEach((p, k) => {
      if (f(p)) (s += cpu[k]!, n++);
    });
    return s / n;
  };
  const idle = mean((p) => p === "idle");
  const full = mean((p) => p === "cpu-40");
  assert(idle < 3000, `idle CPU ${idle} ms/s`);
  assert(full > 38_000 && full <= 40_000, `cpu-40 CPU ${full} ms/s`);
  // Frequency caps change cycles per CPU-second.
  const cycles = node.truth.rates.cpu_cycles;
  const ghz = (p: string) => {
    let s = 0, t = 0;
    phase.forEach((q, k) => {
      if (q === p) (s += cycles[k]!, t += cpu[k]! / 1000);
    });
    return s / t / 1e9;
  };
  const f8 = sim.plan.find((p) => p.name === "cpu-8")!.frequency;
  const f16 = sim.plan.find((p) => p.name === "cpu-16")!.frequency;
  assertNotEquals(f8, f16);
  assert(Math.abs(ghz("cpu-8") - f8 / 1000) < 0.05);
  assert(Math.abs(ghz("cpu-16") - f16 / 1000) < 0.05);
});

Deno.test("`simulate()` gives each node its own instance, workload noise and (optionally) power", () => {
  const same = small({ nodes: 2, containers: 3 });
  const [a, b] = same.nodes as [typeof same.nodes[0], typeof same.nodes[0]];
  assertEquals([a.instance, b.instance], ["sim-node-0", "sim-node-1"]);
  assertEquals(a.truth.idle, b.truth.idle);
  assertNotEquals(a.truth.rates.bpf_cpu_time_ms, b.truth.rates.bpf_cpu_time_ms);
  assertNotEquals(a.containers[0]!.id, b.containers[0]!.id);
  const varied = small({ nodes: 3, containers: 3, nodeVariation: 0.05 });
  const idle = varied.nodes.map((n) => n.truth.idle.platform);
  assertEquals(new Set(idle).size, 3, `${idle}`);
  assert(
    idle.every((w) => w !== 95 && Math.abs(w / 95 - 1) <= 0.05),
    `${idle}`,
  );
});

/** A coefficient of a model by its dotted name, e.g. `idle.rest`. */
function coefficient(model: NodeModel, name: string): number {
  if (name === "idle.rest") {
    return model.idle.platform - model.idle.package - model.idle.dram;
  }
  const [group, key] = name.split(".") as [string, string];
  return (model as unknown as Record<string, Record<string, number>>)[group]![
    key
  ]!;
}

Deno.test("`simulate({ nodeVariation })` draws every node's coefficients within nominal × [1 − v, 1 + v] and its truth is their closed form", () => {
  const v = 0.08;
  const sim = small({ nodes: 3, seed: 4, nodeVariation: v });
  assertEquals(sim.metadata.nodeVariation, v);
  const nominal = DEFAULT_NODE_MODEL;
  for (const node of sim.nodes) {
    const m = node.model;
    for (const name of VARIED_COEFFICIENTS) {
      const ratio = coefficient(m, name) / coefficient(nominal, name);
      assert(Math.abs(ratio - 1) <= v + 1e-12, `${name}: ×${ratio}`);
      assert(ratio !== 1, `${name} was not drawn`);
    }
    // Not varied: the spec, the RAPL split; core and uncore idle keep their share.
    assertEquals(m.spec, nominal.spec);
    assertEquals([m.coreShare, m.uncoreShare], [0.75, 0.12]);
    assert(Math.abs(m.idle.core / m.idle.package - 12 / 36) < 1e-12);
    assertEquals(node.truth.idle, { ...m.idle });
    // The truth is the closed form of the recorded coefficients.
    const rates = node.truth.rates;
    for (let k = 0; k < node.timestamps.length; k += 7) {
      const at = Object.fromEntries(
        SIMULATED_FEATURES.map((f) => [f, rates[f][k]!]),
      ) as Record<(typeof SIMULATED_FEATURES)[number], number>;
      const expected = truePower(m, at);
      for (
        const c of ["package", "core", "uncore", "dram", "platform"] as const
      ) {
        assertEquals(node.truth.power[c][k], expected[c], `${c} at ${k}`);
      }
    }
  }
  const [a, b] = sim.nodes;
  assertNotEquals(a!.model, b!.model);
  // Same seed, same nodes; v = 0 gives the nominal node.
  assertEquals(
    small({ nodes: 3, seed: 4, nodeVariation: v }).nodes[2]!.model,
    sim.nodes[2]!.model,
  );
  assertEquals(small({ seed: 4 }).nodes[0]!.model, nominal);
  for (const bad of [-0.01, 0.31, NaN]) {
    assertThrows(
      () => small({ nodeVariation: bad }),
      new RegExp(
        `nodeVariation must be a fraction in \\[0, 0\\.3\\], got ${bad}`,
      ),
    );
  }
});

Deno.test("`simulate()` draws the workload plan from the seed; the default seed keeps the canonical plan", () => {
  const canonical = workloadPlan(START, 600);
  assertEquals(small().plan, canonical);
  assertEquals(small({ seed: 1 }).metadata.planSeed, null);
  const a = small({ seed: 7 });
  assertEquals(a.metadata.planSeed, 7);
  // Same seed: byte-identical outputs.
  const again = small({ seed: 7 });
  assertEquals(queryJson(again), queryJson(a));
  assertEquals(truthCsv(again), truthCsv(a));
  // Another seed: another plan of the same loads' kinds and window.
  const b = small({ seed: 8 });
  const names = (sim: Simulation) => sim.plan.map((p) => p.name).join();
  assert(names(a) !== names(b) && names(a) !== names(small()));
  for (const sim of [a, b]) {
    assertEquals(sim.plan.length, canonical.length);
    assertEquals(
      sim.plan.map((p) => p.kind).sort(),
      canonical.map((p) => p.kind).sort(),
    );
    assertEquals(sim.plan[0], canonical[0]); // the idle collect stays
    for (let i = 1; i < sim.plan.length; i++) {
      const p = sim.plan[i]!;
      assert(p.start >= sim.plan[i - 1]!.end && p.end > p.start);
      assert(p.instances >= 1 && p.instances <= 40, p.name);
    }
    assert(sim.plan.at(-1)!.end <= START + 600 + 1e-9);
  }
  // planSeed: null keeps the canonical plan with any seed.
  assertEquals(small({ seed: 7, planSeed: null }).plan, canonical);
});

Deno.test("`simulate()` with a drawn plan starts some background containers late, with no usage before", () => {
  const sim = small({ seed: 12, containers: 20, duration: 900 });
  const node = sim.nodes[0]!;
  const late = node.containers.filter((c) => c.arrival !== undefined);
  assert(late.length > 0, "no container arrives late");
  assert(late.every((c) => c.role === "background"));
  const cpu = node.series.filter((s) =>
    s.name === "kepler_container_bpf_cpu_time_ms_total"
  );
  for (const c of late) {
    const values = cpu.find((s) => s.labels.container_id === c.id)!.values;
    const arrival = c.arrival!;
    assert(arrival > START && arrival <= START + 0.8 * 900, `${arrival}`);
    node.timestamps.forEach((t, k) => {
      if (t <= arrival) assertEquals(values[k], 0, `${c.name} at ${t}`);
    });
    assert(values.at(-1)! > 0, `${c.name} never ran`);
  }
  // The canonical plan: every container from the start.
  assert(small().nodes[0]!.containers.every((c) => c.arrival === undefined));
});
