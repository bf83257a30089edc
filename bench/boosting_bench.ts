/**
 * Fit time of the two boosting trainers (GradientBoostingRegressorTrainer:
 * 100 trees of depth 3; XgboostFitTrainer: 100 trees of depth 6) on a
 * synthetic 5-feature regression of 2.2k, 12k and 100k rows.
 *
 * Goals (issue 6): GradientBoosting ≤ 0.3 s at 12k × 5 and ≤ 3 s at
 * 100k × 5 on a 2-core machine; XgboostFit ≤ 0.5 s at 12k × 5 (anchors.md
 * §6, goal 5: "a 100-tree GBDT in < 0.5 s at ≤ 12 k rows").
 *
 * Each figure is the median of 3 fits after one warm-up fit (so the JIT has
 * compiled the hot loops). The machines are shared (2 cores, other jobs
 * running), so figures are noisy: expect ±30 % between runs.
 *
 * Run alone with `deno run bench/boosting_bench.ts`.
 *
 * @module
 */
import type { BenchFigure, BenchSuite } from "./_types.ts";
import { timeIt } from "./_types.ts";
import { releaseKept } from "../lib/train/trainers/kept.ts";
import { gradientBoostingRegressor } from "../lib/train/trainers/gradient_boosting.ts";
import { xgboostFit } from "../lib/train/trainers/xgboost_fit.ts";
import type { Trainer } from "../lib/train/model.ts";
import { syntheticData } from "./_synthetic.ts";

const SIZES = [
  { rows: 2_200, label: "2.2k" },
  { rows: 12_000, label: "12k" },
  { rows: 100_000, label: "100k" },
] as const;

const TRAINERS: {
  trainer: () => Trainer;
  goals: Partial<Record<string, number>>;
}[] = [
  {
    trainer: () => gradientBoostingRegressor(),
    goals: { "12k": 0.3, "100k": 3 },
  },
  { trainer: () => xgboostFit(), goals: { "12k": 0.5 } },
];

async function medianFitSeconds(
  trainer: Trainer,
  data: ReturnType<typeof syntheticData>,
  runs = 3,
): Promise<number> {
  const times: number[] = [];
  for (let k = 0; k < runs; k++) {
    releaseKept(); // no bins kept from the fit before
    const { seconds } = await timeIt(() => trainer.fit(data.x, data.y));
    times.push(seconds);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

/** The boosting fit-time suite. */
export const suite: BenchSuite = {
  title: "Boosting trainers: fit time (median of 3, shared 2-core machine)",
  async run(): Promise<BenchFigure[]> {
    const figures: BenchFigure[] = [];
    const warmUp = syntheticData(2_000, 99);
    for (const { trainer } of TRAINERS) trainer().fit(warmUp.x, warmUp.y);
    for (const { rows, label } of SIZES) {
      const data = syntheticData(rows);
      for (const { trainer, goals } of TRAINERS) {
        const t = trainer();
        const seconds = await medianFitSeconds(t, data);
        const goal = goals[label];
        figures.push({
          name: `fit ${t.name} ${label}×5`,
          value: Math.round(seconds * 1000) / 1000,
          unit: "s",
          ...(goal === undefined
            ? {}
            : { goal: `≤ ${goal} s`, ok: seconds <= goal }),
        });
      }
    }
    return figures;
  },
};

if (import.meta.main) {
  console.log(suite.title);
  for (const f of await suite.run()) {
    const goal = f.goal ? `  goal ${f.goal} ${f.ok ? "ok" : "MISSED"}` : "";
    console.log(`${f.name}: ${f.value} ${f.unit}${goal}`);
  }
}
