/**
 * KNeighborsRegressorTrainer as the training pipeline runs it: fit on 90 %
 * of the rows, predict the other 10 % (the holdout whose error is
 * reported), on the synthetic 5-feature regression of the trainer suites,
 * at 20k and 110k rows. Prediction searches a KD-tree
 * (lib/numeric/kd_tree.ts) built on the first predict, so the tree's build
 * is inside the figure.
 *
 * Goal (issue 18 item 7, speed parity with scikit-learn): scikit-learn's
 * `KNeighborsRegressor(n_neighbors=6)` fits and predicts 110k rows in 1.6 s
 * (measured for the issue); ours should not be slower. The brute-force
 * scan this replaced took 6.9 s at 110k rows and 0.42 s at 20k on the
 * same machine (same data, identical predictions).
 *
 * Figures are the median of 3 runs after a warm-up. The machine is shared
 * (2 cores, other jobs running): expect ±30 % between runs.
 *
 * Run alone with `deno run bench/knn_bench.ts`.
 *
 * @module
 */
import type { BenchFigure, BenchSuite } from "./_types.ts";
import { timeIt } from "./_types.ts";
import { kNeighborsRegressor } from "../lib/train/trainers/k_neighbors_regressor.ts";
import { syntheticData } from "./_synthetic.ts";

const SKLEARN_110K = 1.6;

const SIZES = [
  { rows: 20_000, label: "20k" },
  { rows: 110_000, label: "110k" },
] as const;

function fitPredict(rows: number, data: ReturnType<typeof syntheticData>) {
  const nTest = Math.round(rows / 10);
  const train = {
    x: data.x.map((c) => c.subarray(nTest)),
    y: data.y.subarray(nTest),
  };
  const test = data.x.map((c) => c.subarray(0, nTest));
  return () => kNeighborsRegressor().fit(train.x, train.y).predict(test);
}

async function median(fn: () => unknown, runs: number): Promise<number> {
  const times: number[] = [];
  for (let k = 0; k < runs; k++) times.push((await timeIt(fn)).seconds);
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

/** The KNN fit + predict suite. */
export const suite: BenchSuite = {
  title:
    "KNeighborsRegressorTrainer: fit on 90 %, predict 10 % (KD-tree, median of 3)",
  async run(): Promise<BenchFigure[]> {
    const figures: BenchFigure[] = [];
    fitPredict(2_000, syntheticData(2_000, 99))();
    for (const { rows, label } of SIZES) {
      const seconds = await median(fitPredict(rows, syntheticData(rows)), 3);
      const goal = rows === 110_000
        ? {
          goal: `≤ ${SKLEARN_110K} s (scikit-learn)`,
          ok: seconds <= SKLEARN_110K,
        }
        : {};
      figures.push({
        name: `fit + predict KNeighborsRegressorTrainer ${label}×5 (${
          Math.round(rows / 10)
        } predicted)`,
        value: Number(seconds.toPrecision(3)),
        unit: "s",
        ...goal,
      });
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
