/**
 * Extraction on simulated Kepler data with a known ground truth
 * (lib/simulate): the extracted power is the simulator's measured power
 * (Σ Δjoules/Δt), within the measurement noise of the true power, and the
 * features are its summed usage rates — also with resets, gaps, irregular
 * steps, duplicated samples and the older metric names.
 */
import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import {
  queryJsonBytes,
  simulate,
  type SimulatedNode,
  type SimulateOptions,
} from "../simulate/mod.ts";
import type { Component } from "../types.ts";
import { extract } from "./extract.ts";
import type { Frame } from "./frame.ts";
import { parseQuery } from "./read_query.ts";

const NOISE = 2;

function run(options: SimulateOptions) {
  const sim = simulate({
    start: 1_700_000_000,
    duration: 600,
    containers: 5,
    nodes: 2,
    seed: 11,
    noise: NOISE,
    ...options,
  });
  return { sim, query: parseQuery(queryJsonBytes(sim)) };
}

/**
 * The truth over a row's interval (t_prev, t]: the Δt-weighted mean of the
 * simulator's per-sample values (one sample unless the row spans a gap).
 */
function overRow(
  node: SimulatedNode,
  values: Float64Array,
  from: number,
  to: number,
): number {
  let sum = 0;
  let span = 0;
  for (let j = 1; j < node.timestamps.length; j++) {
    const t = node.timestamps[j]!;
    if (t > from && t <= to) {
      const dt = t - node.timestamps[j - 1]!;
      sum += values[j]! * dt;
      span += dt;
    }
  }
  assert(
    Math.abs(span - (to - from)) < 1e-6,
    `row (${from}, ${to}] is covered`,
  );
  return sum / span;
}

/** Checks every row of a node frame against the simulation's truth. */
function checkAgainstTruth(frame: Frame, nodes: SimulatedNode[]) {
  const last = new Map<number, number>();
  let absError = 0;
  let count = 0;
  for (let r = 0; r < frame.length; r++) {
    const inst = frame.instance[r]!;
    const node = nodes.find((n) => n.instance === frame.instances[inst])!;
    const t = frame.timestamp[r]!;
    // the row's start: the previous emitted sample time of that node
    const k = node.timestamps.indexOf(t);
    assert(k > 0, `row time ${t} is a sample of ${node.instance}`);
    const emitted = [...new Set(node.emitted)].filter((i) =>
      node.timestamps[i]! < t
    );
    const from = node.timestamps[emitted[emitted.length - 1]!]!;
    if (last.has(inst)) assert(last.get(inst)! <= from);
    last.set(inst, t);
    for (const c of frame.components as Component[]) {
      const measured = overRow(node, node.truth.measured[c], from, t);
      const truth = overRow(node, node.truth.power[c], from, t);
      const got = frame.power[c]![r]!;
      assert(
        Math.abs(got - measured) <= 1e-6 * Math.max(1, measured),
        `${c} @${t}: ${got} ≠ measured ${measured}`,
      );
      assert(
        Math.abs(got - truth) <= 4 * NOISE + 1e-6,
        `${c} @${t}: ${got} vs truth ${truth}`,
      );
      absError += Math.abs(got - truth);
      count++;
    }
    for (const f of frame.featureNames) {
      const rates = node.truth.rates[f as keyof typeof node.truth.rates];
      const expected = overRow(node, rates, from, t);
      const got = frame.features[f]![r]!;
      assert(
        Math.abs(got - expected) <= 1e-6 * Math.max(1, Math.abs(expected)),
        `${f} @${t}: ${got} ≠ ${expected}`,
      );
    }
  }
  return absError / count;
}

Deno.test("`extract()` gives the simulator's measured power and usage rates for every row, within the noise of the truth", () => {
  const { sim, query } = run({});
  for (const source of ["rapl-sysfs", "acpi"] as const) {
    const frame = extract(query, "BPFIRQ", { source });
    assertEquals(frame.instances, ["sim-node-0", "sim-node-1"]);
    // 200 samples per node: 199 intervals each
    assertEquals(frame.length, 2 * 199);
    const mae = checkAgainstTruth(frame, sim.nodes);
    // Gaussian noise of σ = 2 W per component: mean |error| ≈ 0.8 σ
    assert(mae > 0.5 * NOISE && mae < 1.1 * NOISE, `MAE ${mae}`);
  }
  const counters = extract(query, "CounterOnly");
  checkAgainstTruth(counters, sim.nodes);
});

Deno.test("`extract()` stays exact through resets, gaps, irregular steps and duplicates", () => {
  const { sim, query } = run({
    faults: ["reset", "gap", "irregular", "duplicate"],
  });
  const frame = extract(query, "Basic", { source: "rapl-sysfs" });
  checkAgainstTruth(frame, sim.nodes);
  for (const event of sim.events.filter((e) => e.kind === "reset")) {
    const rows = [...frame.timestamp].filter((t, r) =>
      t === event.time && frame.instances[frame.instance[r]!] === event.instance
    );
    assertEquals(
      rows,
      [],
      `the reset interval ending ${event.time} is dropped`,
    );
  }
  const samples = sim.nodes.reduce(
    (n, node) => n + new Set(node.emitted).size - 1,
    0,
  );
  const resets = sim.events.filter((e) => e.kind === "reset").length;
  assertEquals(frame.length, samples - resets);
});

Deno.test("`extract()` reads the simulator's older names (source rapl, bpf_cpu_time_us) like the current ones", () => {
  const current = run({});
  const legacy = run({ naming: "legacy" });
  assert(legacy.query.metrics.has("kepler_container_bpf_cpu_time_ms_total"));
  const a = extract(current.query, "BPFOnly", { source: "rapl-sysfs" });
  const b = extract(legacy.query, "BPFOnly", { source: "rapl-sysfs" });
  assertEquals(b.timestamp, a.timestamp);
  for (let r = 0; r < a.length; r++) {
    const x = a.features.bpf_cpu_time_ms![r]!;
    assert(
      Math.abs(b.features.bpf_cpu_time_ms![r]! - x) <= 1e-9 * Math.max(1, x),
    );
    assertEquals(b.power.package![r], a.power.package![r]);
  }
});
