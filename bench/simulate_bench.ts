/**
 * Generating simulated Kepler data: 1 h × 50 containers at 3 s (1200
 * samples of 1166 series, about 1.4 million samples) with `simulate()` and
 * the query JSON with `queryJsonBytes()` (what `writeSimulation` writes), in a fresh Deno process so the peak
 * resident memory (VmHWM) belongs to this work alone. Also times the
 * OpenMetrics bytes for a backfill (no goal; about 400 MB of text).
 *
 * Goals (issue 3): generation (simulate + query JSON) ≤ 2 s and ≤ 500 MB.
 * Cold figures (first run in the process, JIT included), as the CLI sees
 * them. The machines are shared (2 cores), so expect ±30 % between runs.
 *
 * Run alone with `deno run -A bench/simulate_bench.ts`.
 *
 * @module
 */
import type { BenchFigure, BenchSuite } from "./_types.ts";
import { peakRssMb, runBenchChild } from "./_types.ts";
import {
  openMetricsBytes,
  queryJsonBytes,
  simulate,
} from "../lib/simulate/mod.ts";

interface Measurement {
  simulateSeconds: number;
  jsonSeconds: number;
  samples: number;
  jsonMb: number;
  peakMb: number;
  omSeconds: number;
  omMb: number;
}

function measure(): Measurement {
  const t0 = performance.now();
  const sim = simulate({
    start: 1_700_000_001,
    duration: 3600,
    step: 3,
    containers: 50,
  });
  const t1 = performance.now();
  const json = queryJsonBytes(sim);
  const t2 = performance.now();
  const peakMb = peakRssMb();
  let samples = 0;
  for (const node of sim.nodes) {
    samples += node.series.length * node.emitted.length;
  }
  const t3 = performance.now();
  const om = openMetricsBytes(sim);
  const t4 = performance.now();
  return {
    simulateSeconds: (t1 - t0) / 1000,
    jsonSeconds: (t2 - t1) / 1000,
    samples,
    jsonMb: json.length / 1e6,
    peakMb,
    omSeconds: (t4 - t3) / 1000,
    omMb: om.length / 1e6,
  };
}

function measureInChild(): Promise<Measurement> {
  return runBenchChild<Measurement>(import.meta.url, [], "simulate");
}

/** The simulate benchmark suite. */
export const suite: BenchSuite = {
  title: "simulate: 1 h × 50 containers at 3 s",
  async run(): Promise<BenchFigure[]> {
    const m = await measureInChild();
    const total = m.simulateSeconds + m.jsonSeconds;
    return [
      { name: "samples in the query JSON", value: m.samples, unit: "" },
      { name: "simulate()", value: m.simulateSeconds, unit: "s" },
      { name: "queryJsonBytes()", value: m.jsonSeconds, unit: "s" },
      {
        name: "generation: simulate() + queryJsonBytes()",
        value: total,
        unit: "s",
        goal: "≤ 2 s",
        ok: total <= 2,
      },
      {
        name: "peak resident memory (fresh process, generation)",
        value: m.peakMb,
        unit: "MB",
        goal: "≤ 500 MB",
        ok: m.peakMb <= 500,
      },
      { name: "query JSON size", value: m.jsonMb, unit: "MB" },
      { name: "openMetricsBytes()", value: m.omSeconds, unit: "s" },
      { name: "OpenMetrics size", value: m.omMb, unit: "MB" },
    ];
  },
};

if (import.meta.main) {
  if (Deno.args.includes("--child")) {
    console.log(JSON.stringify(measure()));
  } else {
    for (const f of await suite.run()) {
      console.log(
        `${f.name}: ${f.value.toFixed(3)} ${f.unit}${
          f.goal ? ` (goal ${f.goal}: ${f.ok ? "met" : "missed"})` : ""
        }`,
      );
    }
  }
}
