/**
 * Fit speed against scikit-learn at equal size (issue 18: "speed parity
 * with scikit-learn at 20k–100k rows"): SGDRegressorTrainer at 20k and
 * 100k rows and SVRRegressorTrainer at 5k and 12k rows (12k is our SVR's
 * subsample cap, so it fits every row there as scikit-learn does), 5
 * features from bench/_synthetic.ts, upstream's settings on both sides
 * (`SGDRegressor(max_iter=1000)`, `SVR(C=1.0, epsilon=0.2)`, after a
 * MaxAbsScaler; the kernel cache is 200 MB on both sides).
 *
 * scikit-learn runs in `bench/sklearn_speed.py` under `/usr/bin/python3`
 * with Debian's python3-sklearn (the benchmark only, never a dependency of
 * the project) on the very rows we fit, written as raw float64. Both sides
 * time the fit alone, on the wall clock, in one thread, after 3 untimed
 * fits of the same job (steady state: `train` makes dozens of fits per
 * trainer in one process, so a fit there runs V8's optimised code); medians
 * of 3 runs (1 at SVR 12k). SGD's epoch count depends on the shuffle (seeded here,
 * unseeded upstream), so its time per epoch is given too. KNN's comparison
 * is in bench/knn_bench.ts.
 *
 * @module
 */
import { join } from "node:path";
import { runSklearnScript } from "./_sklearn.ts";
import type { BenchFigure, BenchSuite } from "./_types.ts";
import { syntheticData } from "./_synthetic.ts";
import { sgdRegressor } from "../lib/train/trainers/sgd_regressor.ts";
import { svrRegressor } from "../lib/train/trainers/svr_regressor.ts";
import { releaseKept } from "../lib/train/trainers/kept.ts";

type Model = "SGDRegressorTrainer" | "SVRRegressorTrainer";

interface Job {
  name: string;
  model: Model;
  n: number;
  runs: number;
}

const JOBS: Job[] = [
  { name: "sgd20k", model: "SGDRegressorTrainer", n: 20_000, runs: 3 },
  { name: "sgd100k", model: "SGDRegressorTrainer", n: 100_000, runs: 3 },
  { name: "svr5k", model: "SVRRegressorTrainer", n: 5_000, runs: 3 },
  { name: "svr12k", model: "SVRRegressorTrainer", n: 12_000, runs: 1 },
];

interface Timed {
  seconds: number[];
  epochs: number | null;
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function rowMajor(x: Float64Array[], n: number): Float64Array {
  const p = x.length;
  const out = new Float64Array(n * p);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < p; j++) out[i * p + j] = x[j]![i]!;
  }
  return out;
}

function ours(job: Job, x: Float64Array[], y: Float64Array): Timed {
  const trainer = job.model === "SGDRegressorTrainer"
    ? sgdRegressor()
    : svrRegressor();
  for (let r = 0; r < 3; r++) trainer.fit(x, y, { seed: 97 + r }); // warm-up
  const seconds: number[] = [];
  let epochs: number | null = null;
  for (let r = 0; r < job.runs; r++) {
    // the same rows again would reuse SVR's kernel rows
    // (lib/numeric/rbf_kernel.ts): time every fit from none, as scikit-learn's
    releaseKept();
    const t0 = performance.now();
    const model = trainer.fit(x, y, { seed: r + 1 });
    seconds.push((performance.now() - t0) / 1000);
    epochs = (model.toJSON().info as Record<string, number> | undefined)
      ?.epochs ?? null;
  }
  return { seconds, epochs };
}

async function scikit(
  jobs: readonly Job[],
  data: Map<string, { x: Float64Array[]; y: Float64Array }>,
): Promise<Map<string, Timed>> {
  const dir = await Deno.makeTempDir({ prefix: "kepler-sklearn-speed-" });
  try {
    for (const job of jobs) {
      const { x, y } = data.get(job.name)!;
      const bytes = (a: Float64Array) =>
        new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
      await Deno.writeFile(
        join(dir, `${job.name}.x`),
        bytes(rowMajor(x, y.length)),
      );
      await Deno.writeFile(join(dir, `${job.name}.y`), bytes(y));
    }
    const input = join(dir, "in.json"), output = join(dir, "out.json");
    await Deno.writeTextFile(
      input,
      JSON.stringify({
        jobs: jobs.map((j) => ({
          name: j.name,
          model: j.model,
          p: data.get(j.name)!.x.length,
          runs: j.runs,
        })),
      }),
    );
    await runSklearnScript("sklearn_speed.py", [input, output]);
    const rows = JSON.parse(
      await Deno.readTextFile(output),
    ) as (Timed & { name: string })[];
    return new Map(rows.map((t) => [t.name, t]));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function figures(job: Job, a: Timed, b: Timed): BenchFigure[] {
  const size = `${job.n / 1000}k×5`;
  const oursS = median(a.seconds), theirsS = median(b.seconds);
  const ratio = oursS / theirsS;
  const epochs = (t: Timed) => t.epochs === null ? "" : `, ${t.epochs} epochs`;
  const out: BenchFigure[] = [{
    name: `fit ${job.model} ${size}: ours (${oursS.toPrecision(3)} s${
      epochs(a)
    }) ÷ scikit-learn's (${theirsS.toPrecision(3)} s${epochs(b)})`,
    value: ratio,
    unit: "×",
    goal: "≤ 1 (parity)",
    ok: ratio <= 1,
  }];
  if (a.epochs !== null && b.epochs !== null) {
    out.push({
      name: `fit ${job.model} ${size}, time per epoch: ours ÷ scikit-learn's`,
      value: (oursS / a.epochs) / (theirsS / b.epochs),
      unit: "×",
    });
  }
  return out;
}

/** The suite. */
export const suite: BenchSuite = {
  title: "Fit speed against scikit-learn at equal size (SGD, SVR; issue 18)",
  async run(): Promise<BenchFigure[]> {
    const data = new Map(
      JOBS.map((j) => [j.name, syntheticData(j.n, 3)] as const),
    );
    const theirs = await scikit(JOBS, data);
    const out: BenchFigure[] = [];
    for (const job of JOBS) {
      const { x, y } = data.get(job.name)!;
      out.push(...figures(job, ours(job, x, y), theirs.get(job.name)!));
    }
    return out;
  },
};
