/**
 * The idle-power isolators against the simulator's ground truth: on the
 * demo's loads (30 min, 20 containers, noise σ = 2 W, seeds 1–4, rapl-sysfs
 * and acpi), how far each isolator's idle estimate lies from the node's
 * true idle power, and how far DynPower lies from the true dynamic power
 * (true power − true idle power, per row, from `node.truth`):
 *
 * - the idle estimate against the true idle power (the node model's idle
 *   coefficient) and against the true power of the idle phase (idle plus
 *   what the background containers draw while idle: what a data-only
 *   isolator can see);
 * - the DynPower labels (measured power − idle estimate, clipped at 0)
 *   against the true dynamic power: measurement noise plus the offset;
 * - a DynPower model (GradientBoostingRegressorTrainer on the Basic
 *   features of the isolated frame, fitted on 9 of every 10 blocks of 20
 *   rows) on the held-out blocks, against the true dynamic power.
 *
 * Goal (issue 18 item 7): the default isolator's idle estimate within 1 W
 * of the true idle power at σ = 2 W, where `min` (upstream) is off by more.
 * The goal is set on the idle-phase power: on the demo's 20 containers the
 * background containers draw 2–3.5 W of package and platform power while
 * idle, which no isolator that reads only the power data can tell from
 * idle power (the `profile` and `trainer` isolators exist for that); for
 * dram they draw < 0.3 W. Figures are means over components, nodes and
 * seeds.
 *
 * Run alone with `deno run -A bench/isolate_bench.ts`.
 *
 * @module
 */
import type { BenchFigure, BenchSuite } from "./_types.ts";
import { extract, parseQuery } from "../lib/extract/mod.ts";
import type { Frame } from "../lib/extract/mod.ts";
import { queryJsonBytes, simulate } from "../lib/simulate/mod.ts";
import type { SimulatedNode } from "../lib/simulate/mod.ts";
import { isolate } from "../lib/isolate/mod.ts";
import { idleEstimates } from "../lib/isolate/idle_estimate.ts";
import { gradientBoostingRegressor } from "../lib/train/trainers/gradient_boosting.ts";
import type { Component } from "../lib/types.ts";

const ISOLATORS = ["min", "quantile", "floor"] as const;
type Isolator = typeof ISOLATORS[number];
const SEEDS = [1, 2, 3, 4];

interface Sums {
  idleVsCoefficient: number[];
  dramVsCoefficient: number[];
  idleVsIdlePhase: number[];
  labels: number[];
  model: number[];
}

const mean = (v: readonly number[]) =>
  v.reduce((s, x) => s + x, 0) / Math.max(1, v.length);

/** Sample index of each timestamp of a node. */
function sampleIndex(node: SimulatedNode): Map<number, number> {
  return new Map([...node.timestamps].map((t, i) => [t, i]));
}

function idlePhasePower(node: SimulatedNode, c: Component): number {
  const power = node.truth.power[c];
  const rows = node.truth.phase.flatMap((p, i) =>
    p === "idle" && i > 0 ? [power[i]!] : []
  );
  return mean(rows);
}

/** Label and model errors of one isolated frame against the truth. */
function dynErrors(
  dyn: Frame,
  nodes: readonly SimulatedNode[],
  sums: Sums,
): void {
  const x = dyn.featureNames.map((f) => dyn.features[f]!);
  const test = (r: number) => Math.floor(r / 20) % 10 === 9;
  const trainRows = [...Array(dyn.length).keys()].filter((r) => !test(r));
  const testRows = [...Array(dyn.length).keys()].filter(test);
  const index = new Map(nodes.map((n) => [n.instance, sampleIndex(n)]));
  const truthOf = (c: Component, r: number) => {
    const node = nodes.find((n) =>
      n.instance === dyn.instances[dyn.instance[r]!]
    )!;
    const i = index.get(node.instance)!.get(dyn.timestamp[r]!)!;
    return node.truth.power[c][i]! - node.truth.idle[c]!;
  };
  for (const c of dyn.components) {
    const y = dyn.power[c]!;
    for (let r = 0; r < dyn.length; r++) {
      sums.labels.push(Math.abs(y[r]! - truthOf(c, r)));
    }
    const model = gradientBoostingRegressor().fit(
      x.map((col) => Float64Array.from(trainRows, (r) => col[r]!)),
      Float64Array.from(trainRows, (r) => y[r]!),
    );
    const yHat = model.predict(
      x.map((col) => Float64Array.from(testRows, (r) => col[r]!)),
    );
    testRows.forEach((r, k) =>
      sums.model.push(Math.abs(yHat[k]! - truthOf(c, r)))
    );
  }
}

function measure(): Record<Isolator, Sums> {
  const empty = (): Sums => ({
    idleVsCoefficient: [],
    dramVsCoefficient: [],
    idleVsIdlePhase: [],
    labels: [],
    model: [],
  });
  const out: Record<Isolator, Sums> = {
    min: empty(),
    quantile: empty(),
    floor: empty(),
  };
  for (const seed of SEEDS) {
    const sim = simulate({
      start: 1_767_225_600,
      duration: 1800,
      containers: 20,
      seed,
      noise: 2,
      sources: ["rapl-sysfs", "acpi"],
    });
    const query = parseQuery(queryJsonBytes(sim));
    for (const source of ["rapl-sysfs", "acpi"] as const) {
      const frame = extract(query, "Basic", { level: "container", source });
      for (const isolator of ISOLATORS) {
        const sums = out[isolator];
        const idle = idleEstimates(frame, { method: isolator });
        for (const node of sim.nodes) {
          for (const [c, estimate] of Object.entries(idle[node.instance]!)) {
            const comp = c as Component;
            const error = Math.abs(estimate! - node.truth.idle[comp]!);
            sums.idleVsCoefficient.push(error);
            if (comp === "dram") sums.dramVsCoefficient.push(error);
            sums.idleVsIdlePhase.push(
              Math.abs(estimate! - idlePhasePower(node, comp)),
            );
          }
        }
        dynErrors(isolate(frame, { isolator }), sim.nodes, sums);
      }
    }
  }
  return out;
}

/** The isolator accuracy suite. */
export const suite: BenchSuite = {
  title:
    "Isolators against the simulator's truth (demo loads, σ = 2 W, seeds 1–4)",
  run(): Promise<BenchFigure[]> {
    const results = measure();
    const figures: BenchFigure[] = [];
    for (const isolator of ISOLATORS) {
      const s = results[isolator];
      const phase = mean(s.idleVsIdlePhase);
      const worst = Math.max(...s.idleVsIdlePhase);
      const figure = (name: string, v: number[]): BenchFigure => ({
        name: `${isolator}: ${name}`,
        value: Number(mean(v).toPrecision(3)),
        unit: "W",
      });
      figures.push(
        {
          name:
            `${isolator}: idle estimate − true idle-phase power (idle + background draw), mean abs. error (worst ${
              worst.toFixed(2)
            } W)`,
          value: Number(phase.toPrecision(3)),
          unit: "W",
          ...(isolator === "floor" ? { goal: "≤ 1 W", ok: phase <= 1 } : {}),
        },
        figure(
          "idle estimate − true idle power (node model), mean abs. error",
          s.idleVsCoefficient,
        ),
        figure(
          "dram idle estimate − true dram idle (8 W), mean abs. error",
          s.dramVsCoefficient,
        ),
        figure("DynPower labels − true dynamic power, MAE", s.labels),
        figure(
          "DynPower GradientBoosting, held-out blocks − true dynamic power, MAE",
          s.model,
        ),
      );
    }
    return Promise.resolve(figures);
  },
};

if (import.meta.main) {
  console.log(suite.title);
  for (const f of await suite.run()) {
    const goal = f.goal ? `  goal ${f.goal} ${f.ok ? "ok" : "MISSED"}` : "";
    console.log(`${f.name}: ${f.value} ${f.unit}${goal}`);
  }
}
