/**
 * Transfer to another node of the same type (issue 18, goal 5): AbsPower
 * models trained on simulated node A (seed A, `nodeVariation` 0.08: every
 * power coefficient nominal × (1 + U(−0.08, 0.08))) are used on node B
 * (seed B: other coefficients, another drawn workload plan). Loads as the
 * demo's (1800 s, 20 containers, 3 s step), noise σ = 2 W.
 *
 * Goal: the best AbsPower model (ranked by its holdout error on A, as
 * `estimate` picks it) has MAE ≤ 1.5 σ on node B, for Basic and
 * CounterOnly, rapl-sysfs and acpi. The MAE is `estimate`'s: against B's
 * measured power, the largest over the source's components.
 *
 * To say where the error comes from, each source and group also reports
 * (all in σ, against measured power, largest over components):
 *
 * - the model's error on A's own holdout (the in-node error);
 * - the same model on B's workload run by node A's coefficients (seed B's
 *   plan, A's node): what a new workload alone costs;
 * - the floor for any model of A: A's true power function (its recorded
 *   coefficients, `truePower`) on B's usage, against B's measurements —
 *   independent of our training;
 * - the model on B after one idle calibration: its mean error over B's
 *   idle phase (the first 10 % of the window) subtracted from every
 *   prediction, as an idle profile of the new node would do;
 * - each trainer's MAE on node B, median over the pairs.
 *
 * One pair is shown in detail, then five pairs (seeds 21→22 … 29→30) in
 * summary, since one pair of nodes is one draw of their difference.
 *
 * How to read it: at v = 0.08 two nodes' idle platform power differ by
 * about 4 W on average (the sum of three independent ±8 % draws on 36, 8
 * and 51 W: a standard deviation of 4.1 W), which alone is ≈ 1.6 σ of
 * offset, so for acpi even a perfect model of node A misses the 1.5 σ goal
 * on most pairs (the floor rows); only a calibration on the new node (its
 * idle power) removes that part. For rapl-sysfs the floor stays near the
 * noise (≈ 0.8–1.1 σ on most pairs) and the error above it is the model's
 * on an unseen workload (the "seed B's workload run by node A" rows).
 *
 * Run alone with `deno task bench transfer`.
 *
 * @module
 */
import type { BenchFigure, BenchSuite } from "./_types.ts";
import { queryDataFrom } from "../lib/extract/mod.ts";
import type { QueryData } from "../lib/extract/mod.ts";
import { estimate } from "../lib/estimate/mod.ts";
import type { SourceEstimate } from "../lib/estimate/mod.ts";
import { queryResult, simulate, truePower } from "../lib/simulate/mod.ts";
import type {
  NodeModel,
  SimulatedFeature,
  Simulation,
} from "../lib/simulate/mod.ts";
import { SIMULATED_FEATURES } from "../lib/simulate/mod.ts";
import { trainPipeline } from "../lib/train/pipeline.ts";
import type { Component, FeatureGroup, MachineSpec } from "../lib/types.ts";

/** Noise σ (the simulator's default), W. */
const SIGMA = 2;
/** Node-to-node variation of the machine type. */
const VARIATION = 0.08;
/** The goal, in σ. */
const GOAL = 1.5;
/** Seeds of node A and node B of the detailed pair. */
const SEED_A = 21;
const SEED_B = 22;
const GROUPS: readonly FeatureGroup[] = ["Basic", "CounterOnly"];
const SOURCES = ["rapl-sysfs", "acpi"] as const;
type Source = typeof SOURCES[number];

/** A node of the demo's size. */
function node(
  seed: number,
  start: number,
  model?: NodeModel,
): Simulation {
  return simulate({
    start,
    duration: 1800,
    step: 3,
    containers: 20,
    seed,
    noise: SIGMA,
    sources: SOURCES,
    ...(model === undefined
      ? { nodeVariation: VARIATION }
      : { model, nodeVariation: 0 }),
  });
}

function query(sim: Simulation, origin: string): QueryData {
  return queryDataFrom(queryResult(sim), { origin });
}

/**
 * Mean absolute error of `predict` against the measured power of `sim`'s
 * node 0, per component, over every sample but the first (no rate there).
 */
function maeAgainstMeasured(
  sim: Simulation,
  components: readonly Component[],
  predict: (rates: Record<SimulatedFeature, number>, k: number) => Record<
    Component,
    number
  >,
): number {
  const truth = sim.nodes[0]!.truth;
  const n = truth.phase.length;
  let worst = 0;
  const sums = new Map<Component, number>(components.map((c) => [c, 0]));
  for (let k = 1; k < n; k++) {
    const rates = {} as Record<SimulatedFeature, number>;
    for (const f of SIMULATED_FEATURES) rates[f] = truth.rates[f][k]!;
    const p = predict(rates, k);
    for (const c of components) {
      sums.set(c, sums.get(c)! + Math.abs(p[c] - truth.measured[c][k]!));
    }
  }
  for (const c of components) worst = Math.max(worst, sums.get(c)! / (n - 1));
  return worst;
}

/**
 * The best model's MAE on the table after subtracting its mean error over
 * the idle phase `[start, end)`, largest over components.
 */
function idleCalibratedMae(
  best: SourceEstimate,
  idle: { start: number; end: number },
): number {
  const { header, rows } = best.table;
  const t = header.indexOf("timestamp");
  let worst = 0;
  for (const e of best.best.components) {
    const measured = header.indexOf(`${e.component}_power`);
    const predicted = header.indexOf(`default_${e.component}_power`);
    let offset = 0, m = 0;
    for (const row of rows) {
      const time = Number(row[t]);
      if (time > idle.start && time <= idle.end) {
        offset += Number(row[measured]) - Number(row[predicted]);
        m++;
      }
    }
    offset = m > 0 ? offset / m : 0;
    let sum = 0;
    for (const row of rows) {
      sum += Math.abs(
        Number(row[predicted]) + offset - Number(row[measured]),
      );
    }
    worst = Math.max(worst, sum / rows.length);
  }
  return worst;
}

/** Estimates `data` with the pipeline's AbsPower models of one group. */
async function estimateGroup(
  pipeline: string,
  data: QueryData,
  source: Source,
  group: FeatureGroup,
): Promise<SourceEstimate> {
  const report = await estimate([data], {
    pipelines: [pipeline],
    sources: [source],
    featureGroup: group,
    outputType: "AbsPower",
  });
  return report.sources[0]!;
}

/** The nodes and the pipeline trained on A. */
interface Setup {
  a: Simulation;
  b: Simulation;
  pipeline: string;
  bData: QueryData;
  /** Seed B's workload run by node A. */
  aOnBData: QueryData;
}

/** What one source and group measured on one pair of nodes, in σ. */
interface Measured {
  /** The best model by A's holdout error. */
  best: string;
  /** Its MAE on node B: the goal's figure. */
  transfer: number;
  /** Its holdout error on node A. */
  inNode: number;
  /** Its MAE on seed B's workload run by node A. */
  sameNode: number;
  /** Node A's true power function on node B. */
  floor: number;
  /** Its MAE on node B after an idle calibration. */
  calibrated: number;
  /** Every model's MAE on node B. */
  perTrainer: Map<string, number>;
}

const sigma = (watts: number) => watts / SIGMA;

/** Measures one source and group. */
async function measureGroup(
  setup: Setup,
  source: Source,
  group: FeatureGroup,
): Promise<Measured> {
  const { a, b } = setup;
  const onB = await estimateGroup(setup.pipeline, setup.bData, source, group);
  const sameNode = await estimateGroup(
    setup.pipeline,
    setup.aOnBData,
    source,
    group,
  );
  const best = onB.best;
  const components = best.components.map((e) => e.component);
  const modelA = a.nodes[0]!.model;
  const floor = maeAgainstMeasured(b, components, (r) => truePower(modelA, r));
  return {
    best: best.name,
    transfer: sigma(best.mae),
    inNode: sigma(best.holdoutError ?? NaN),
    sameNode: sigma(sameNode.models.find((m) => m.name === best.name)!.mae),
    floor: sigma(floor),
    calibrated: sigma(idleCalibratedMae(onB, b.plan[0]!)),
    perTrainer: new Map(onB.models.map((m) => [m.name, sigma(m.mae)])),
  };
}

/** One pair of nodes: what each source and group measured, by `source group`. */
interface Pair {
  seeds: [number, number];
  measured: Map<string, Measured>;
  a: NodeModel;
  b: NodeModel;
}

/** Trains on node A (seed `seedA`) and measures every group on node B. */
async function measurePair(seedA: number, seedB: number): Promise<Pair> {
  const a = node(seedA, 1_767_225_600);
  const b = node(seedB, 1_767_232_800);
  const aOnB = node(seedB, 1_767_232_800, a.nodes[0]!.model);
  const dir = await Deno.makeTempDir({ prefix: "kepler-transfer-" });
  try {
    await trainPipeline([query(a, "node_a.json")], {
      modelPath: dir,
      pipelineName: "transfer",
      sources: SOURCES,
      featureGroups: GROUPS,
      dynTrainers: [],
      machineSpec: a.spec as MachineSpec,
      machineId: "node-type",
    });
    const setup: Setup = {
      a,
      b,
      pipeline: `${dir}/transfer`,
      bData: query(b, "node_b.json"),
      aOnBData: query(aOnB, "node_a_workload_b.json"),
    };
    const measured = new Map<string, Measured>();
    for (const source of SOURCES) {
      for (const group of GROUPS) {
        const m = await measureGroup(setup, source, group);
        measured.set(`${source} ${group}`, m);
        console.log(
          `seeds ${seedA}→${seedB} ${source} ${group}: best ${m.best} ${
            m.transfer.toFixed(2)
          } σ; per trainer: ${
            [...m.perTrainer].sort((x, y) => x[1] - y[1]).map(([n, v]) =>
              `${n.replace(/Trainer_0$/, "")} ${v.toFixed(2)}`
            ).join(", ")
          }`,
        );
      }
    }
    return {
      seeds: [seedA, seedB],
      measured,
      a: a.nodes[0]!.model,
      b: b.nodes[0]!.model,
    };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** The detailed figures of one source and group on the main pair. */
function detailFigures(what: string, m: Measured): BenchFigure[] {
  return [
    {
      name: `${what}: best model (${m.best}) on node B`,
      value: m.transfer,
      unit: "σ",
      goal: `≤ ${GOAL} σ`,
      ok: m.transfer <= GOAL,
    },
    {
      name: `${what}: the same model on node A's holdout (in-node)`,
      value: m.inNode,
      unit: "σ",
    },
    {
      name: `${what}: the same model on seed B's workload run by node A`,
      value: m.sameNode,
      unit: "σ",
    },
    {
      name:
        `${what}: floor: node A's true power function on node B (recorded coefficients)`,
      value: m.floor,
      unit: "σ",
    },
    {
      name: `${what}: the same model on node B after an idle calibration`,
      value: m.calibrated,
      unit: "σ",
    },
  ];
}

function median(values: readonly number[]): number {
  const v = [...values].sort((x, y) => x - y);
  const h = v.length >> 1;
  return v.length % 2 === 1 ? v[h]! : (v[h - 1]! + v[h]!) / 2;
}

/** Median with the range, as a unit suffix: `σ (min–max)`. */
function spread(values: readonly number[]): string {
  return `σ (${Math.min(...values).toFixed(2)}–${
    Math.max(...values).toFixed(2)
  })`;
}

/** Figures over every pair: per source and group, and per trainer. */
function summaryFigures(pairs: readonly Pair[]): BenchFigure[] {
  const out: BenchFigure[] = [];
  const n = pairs.length;
  for (const what of pairs[0]!.measured.keys()) {
    const all = pairs.map((p) => p.measured.get(what)!);
    const transfer = all.map((m) => m.transfer);
    const met = transfer.filter((v) => v <= GOAL).length;
    out.push({
      name:
        `${what}, ${n} pairs: best model on node B, median (range); goal met in ${met} of ${n}`,
      value: median(transfer),
      unit: spread(transfer),
      goal: `≤ ${GOAL} σ`,
      ok: median(transfer) <= GOAL,
    }, {
      name: `${what}, ${n} pairs: floor (node A's truth on node B), median`,
      value: median(all.map((m) => m.floor)),
      unit: spread(all.map((m) => m.floor)),
    });
  }
  const trainers = new Map<string, number[]>();
  for (const p of pairs) {
    for (const m of p.measured.values()) {
      for (const [name, v] of m.perTrainer) {
        trainers.set(name, [...trainers.get(name) ?? [], v]);
      }
    }
  }
  const ranked = [...trainers].map(([name, v]) => [name, median(v), v] as const)
    .sort((x, y) => x[1] - y[1]);
  for (const [name, med, v] of ranked) {
    out.push({
      name: `${name} on node B, median over ${n} pairs × 4 source-groups`,
      value: med,
      unit: spread(v),
    });
  }
  const idle = pairs.map((p) =>
    Math.abs(100 * (p.b.idle.platform / p.a.idle.platform - 1))
  );
  out.push({
    name:
      `idle platform power, node B vs node A, absolute difference, median over ${n} pairs`,
    value: median(idle),
    unit: `% (${Math.min(...idle).toFixed(1)}–${Math.max(...idle).toFixed(1)})`,
  });
  return out;
}

/** Seed pairs (A, B); the first is the detailed one. */
const PAIRS: readonly [number, number][] = [
  [SEED_A, SEED_B],
  [23, 24],
  [25, 26],
  [27, 28],
  [29, 30],
];

/** The suite. */
export const suite: BenchSuite = {
  title:
    `Transfer: AbsPower models of node A on node B of the same type (node variation ±${VARIATION}, σ = ${SIGMA} W; seeds ${SEED_A} → ${SEED_B} in detail, then ${PAIRS.length} pairs)`,
  async run(): Promise<BenchFigure[]> {
    const pairs: Pair[] = [];
    for (const [a, b] of PAIRS) pairs.push(await measurePair(a, b));
    const figures: BenchFigure[] = [];
    for (const [what, m] of pairs[0]!.measured) {
      figures.push(...detailFigures(what, m));
    }
    figures.push(...summaryFigures(pairs));
    return figures;
  },
};

if (import.meta.main) {
  for (const f of await suite.run()) {
    console.log(
      `${f.name}: ${f.value.toFixed(3)} ${f.unit}${
        f.goal ? ` (goal ${f.goal}: ${f.ok ? "met" : "missed"})` : ""
      }`,
    );
  }
}
