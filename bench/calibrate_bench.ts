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
 * The memory run uses 10 nodes (`CALIBRATE_BENCH_MEMORY_NODES`) so that
 * 1,000 cycles (`CALIBRATE_BENCH_CYCLES`) fit in minutes on a shared
 * 2-core machine; the reservoir then holds 120 windows of each node type.
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
function windows(nodes: number): { start: number; results: QueryResult[] } {
  const start = 1_700_000_000;
  const sim = queryResult(simulate({
    start,
    duration: 600,
    step: STEP,
    nodes,
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

/** A calibrator reading `results` in turn; never retrains (bound 1 MW). */
function calibrator(results: QueryResult[], models: string): Calibrator {
  let k = 0;
  return new Calibrator({
    modelPath: models,
    stateDir: `${models}/.calibrate`,
    period: PERIOD,
    step: STEP,
    maxError: { kind: "watts", value: 1e6 }, // measure, never retrain
    fetchWindow: () => Promise.resolve(results[k++ % results.length]!),
  });
}

function cpuSeconds(): number {
  const u = Deno.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** Cycle times for 100 nodes: the onboarding cycle, then 20 more. */
async function cycleTimes(models: string) {
  const { start, results } = windows(NODES);
  const cal = calibrator(results, models);
  const wall: number[] = [];
  const cpu: number[] = [];
  let onboard = 0;
  for (let n = 1; n <= 21; n++) {
    const t0 = performance.now();
    const c0 = cpuSeconds();
    const r = await cal.cycle(start + n * PERIOD);
    const seconds = (performance.now() - t0) / 1000;
    if (r.nodes !== NODES) throw new Error(`cycle ${n} saw ${r.nodes} nodes`);
    if (n === 1) onboard = seconds;
    else {
      wall.push(seconds);
      cpu.push(cpuSeconds() - c0);
    }
  }
  return { onboard, wall: medianOf(wall), cpu: medianOf(cpu) };
}

/**
 * RSS once the reservoir is full (median over the 100 cycles from cycle
 * 200) and at the end (median over the last 100 cycles): single samples
 * swing with the garbage collector.
 */
async function memory(models: string, nodes: number, total: number) {
  const { start, results } = windows(nodes);
  const cal = calibrator(results, models);
  const warmAt = Math.min(200, Math.floor(total / 5));
  const span = Math.min(100, Math.floor(total / 5));
  const warm: number[] = [];
  const end: number[] = [];
  for (let n = 1; n <= total; n++) {
    await cal.cycle(start + n * PERIOD);
    if (n >= warmAt && n < warmAt + span) warm.push(rssMb());
    if (n > total - span) end.push(rssMb());
  }
  return { warmAt, span, warm: medianOf(warm), end: medianOf(end) };
}

/** The suite. */
export const suite: BenchSuite = {
  title: "calibrate: one cycle for 100 nodes, memory over 1,000 cycles",
  async run(): Promise<BenchFigure[]> {
    const total = Number(Deno.env.get("CALIBRATE_BENCH_CYCLES") ?? 1000);
    const nodes = Number(Deno.env.get("CALIBRATE_BENCH_MEMORY_NODES") ?? 10);
    const models = await Deno.makeTempDir({ prefix: "kepler_cal_bench_" });
    try {
      // memory first: the 100-node windows would otherwise sit in the heap
      const m = await memory(`${models}/b`, nodes, total);
      const t = await cycleTimes(`${models}/a`);
      const change = (m.end - m.warm) / m.warm;
      return [
        {
          name: `one cycle, ${NODES} nodes (median of 20, wall)`,
          value: t.wall,
          unit: "s",
          goal: `≤ ${PERIOD / 10} s (10 % of --period ${PERIOD})`,
          ok: t.wall <= PERIOD / 10,
        },
        {
          name: `one cycle, ${NODES} nodes (median of 20, CPU user+sys)`,
          value: t.cpu,
          unit: "s",
        },
        {
          name: `first cycle, ${NODES} nodes: onboarding (a training)`,
          value: t.onboard,
          unit: "s",
        },
        {
          name: `RSS, cycles ${m.warmAt}–${
            m.warmAt + m.span - 1
          } (median; ${nodes} nodes, reservoir full)`,
          value: m.warm,
          unit: "MB",
        },
        {
          name: `RSS, last ${m.span} cycles of ${total} (median)`,
          value: m.end,
          unit: "MB",
        },
        {
          name: `RSS change, cycles ${m.warmAt}… → last ${m.span}`,
          value: 100 * change,
          unit: "%",
          goal: "within ±10 %",
          ok: Math.abs(change) <= 0.1,
        },
      ];
    } finally {
      await Deno.remove(models, { recursive: true });
    }
  },
};
