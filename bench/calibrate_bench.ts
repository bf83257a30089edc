/**
 * One calibration cycle for 100 nodes at `--period 60` (goal: within 10 %
 * of the period, 6 s), and the resident memory over 1,000 cycles (goal:
 * flat within ±10 % once the reservoir is full). The windows come from the
 * simulator (100 nodes × 5 containers, 10 min at step 3, one node type),
 * served in turn as Prometheus' answers, so a cycle costs what it costs
 * after the query: reading the answer, extracting both sources, selecting
 * and evaluating the served model per node type, recording the errors and
 * storing the window in the reservoir. The first cycle onboards the node
 * type (a training); its time is reported apart.
 *
 * `CALIBRATE_BENCH_CYCLES` changes the 1,000.
 *
 * @module
 */
import type { BenchFigure, BenchSuite } from "./_types.ts";
import { rssMb } from "./_types.ts";
import { queryResult, simulate } from "../lib/simulate/mod.ts";
import type { QueryResult } from "../lib/query/format.ts";
import { Calibrator } from "../lib/calibrate/mod.ts";

const NODES = 100;
const PERIOD = 60;
const STEP = 3;

/** The simulation cut into windows of one period (and one step before). */
function windows(): { start: number; results: QueryResult[] } {
  const start = 1_700_000_000;
  const sim = queryResult(simulate({
    start,
    duration: 600,
    step: STEP,
    nodes: NODES,
    containers: 5,
    noise: 1,
  }));
  const results: QueryResult[] = [];
  for (let end = start + PERIOD; end <= start + 600; end += PERIOD) {
    const from = end - PERIOD - STEP;
    results.push(Object.fromEntries(
      Object.entries(sim).map(([metric, series]) => [
        metric,
        series.map((s) => ({
          ...s,
          values: s.values.filter(([t]) =>
            Number(t) >= from && Number(t) <= end
          ),
        })).filter((s) => s.values.length > 0),
      ]),
    ));
  }
  return { start, results };
}

function medianOf(values: number[]): number {
  const v = [...values].sort((a, b) => a - b);
  return v[Math.floor(v.length / 2)]!;
}

/** The suite. */
export const suite: BenchSuite = {
  title: "calibrate: one cycle for 100 nodes, memory over 1,000 cycles",
  async run(): Promise<BenchFigure[]> {
    const total = Number(Deno.env.get("CALIBRATE_BENCH_CYCLES") ?? 1000);
    const { start, results } = windows();
    const models = await Deno.makeTempDir({ prefix: "kepler_cal_bench_" });
    let k = 0;
    const cal = new Calibrator({
      modelPath: models,
      stateDir: `${models}/.calibrate`,
      period: PERIOD,
      step: STEP,
      maxError: { kind: "watts", value: 1e6 }, // measure, never retrain
      fetchWindow: () => Promise.resolve(results[k++ % results.length]!),
    });
    try {
      const times: number[] = [];
      const cpu: number[] = [];
      let onboard = 0;
      let rssWarm = 0;
      let rssEnd = 0;
      const warmAt = Math.min(200, Math.floor(total / 5));
      for (let n = 1; n <= total; n++) {
        const t0 = performance.now();
        const c0 = Deno.cpuUsage?.() as
          | { user: number; system: number }
          | undefined;
        const r = await cal.cycle(start + n * PERIOD);
        const seconds = (performance.now() - t0) / 1000;
        if (n === 1) onboard = seconds;
        else if (n <= 21) {
          times.push(seconds);
          const c1 = Deno.cpuUsage?.() as
            | { user: number; system: number }
            | undefined;
          if (c0 && c1) {
            cpu.push((c1.user + c1.system - c0.user - c0.system) / 1e6);
          }
        }
        if (r.nodes !== NODES) {
          throw new Error(`cycle ${n} saw ${r.nodes} nodes`);
        }
        if (n === warmAt) rssWarm = rssMb();
        if (n === total) rssEnd = rssMb();
      }
      const cycle = medianOf(times);
      const drift = (rssEnd - rssWarm) / rssWarm;
      return [
        {
          name: `one cycle, ${NODES} nodes (median of 20, wall)`,
          value: cycle,
          unit: "s",
          goal: `≤ ${PERIOD / 10} s (10 % of --period ${PERIOD})`,
          ok: cycle <= PERIOD / 10,
        },
        ...(cpu.length > 0
          ? [{
            name: `one cycle, ${NODES} nodes (median of 20, CPU user+sys)`,
            value: medianOf(cpu),
            unit: "s",
          }]
          : []),
        {
          name: "first cycle: onboarding (training the node type)",
          value: onboard,
          unit: "s",
        },
        { name: `RSS after cycle ${warmAt}`, value: rssWarm, unit: "MB" },
        { name: `RSS after cycle ${total}`, value: rssEnd, unit: "MB" },
        {
          name: `RSS change, cycle ${warmAt} → ${total}`,
          value: 100 * drift,
          unit: "%",
          goal: "within ±10 %",
          ok: Math.abs(drift) <= 0.1,
        },
      ];
    } finally {
      await Deno.remove(models, { recursive: true });
    }
  },
};
