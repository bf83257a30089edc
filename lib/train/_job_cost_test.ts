import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import { finishTimes, jobCost, longestFirst } from "./_job_cost.ts";
import type { SerializedJob } from "./_train_job.ts";
import type { TrainerName } from "../types.ts";

function job(
  trainer: TrainerName,
  rows: number,
  components = 4,
  cvFolds = 3,
): { job: SerializedJob } {
  const power = Object.fromEntries(
    ["package", "core", "uncore", "dram"].slice(0, components).map((c) => [
      c,
      new Float64Array(rows),
    ]),
  );
  return {
    job: {
      trainer,
      frame: { length: rows, power, features: {} },
      options: { cvFolds },
    } as unknown as SerializedJob,
  };
}

Deno.test("jobCost() is components × fits × (fixed + perRow·n + perRow2·n²)", () => {
  // XgboostFit [12, 0.04, 0]: 4 components × 4 fits × (12 + 0.04 · 200)
  assertEquals(jobCost(job("XgboostFitTrainer", 200).job), 320);
  // SVR [1.25, 0, 2.3e-5], one component, no CV: 1.25 + 2.3e-5 · 1000²
  const svr = jobCost(job("SVRRegressorTrainer", 1000, 1, 0).job);
  assert(Math.abs(svr - 24.25) < 1e-9);
});

Deno.test("longestFirst() orders by cost, keeping the order of equal costs", () => {
  const a = job("LinearRegressionTrainer", 100);
  const b = job("SVRRegressorTrainer", 4000);
  const c = job("LinearRegressionTrainer", 100);
  const d = job("XgboostFitTrainer", 200);
  assertEquals(longestFirst([a, b, c, d]), [b, d, a, c]);
});

Deno.test("finishTimes() runs list scheduling: hand-computed FIFO and longest-first", () => {
  // FIFO 3,3 | 3→6 | 4→7 | 5→11; longest first 5,4 | 3→7 | 3→8 | 3→10
  assertEquals(finishTimes([3, 3, 3, 4, 5], 2), [11, 7]);
  assertEquals(finishTimes([5, 4, 3, 3, 3], 2), [8, 10]);
});

/** The 120 measured jobs of train at 1 h × 50 containers (testdata). */
async function measuredJobs() {
  const text = await Deno.readTextFile(
    new URL("./testdata/job_times_1h.txt", import.meta.url),
  );
  return text.split("\n").filter((l) => l !== "" && !l.startsWith("#")).map(
    (l) => {
      const [trainer, rows, components, , ms] = l.split(" ");
      return {
        ...job(trainer as TrainerName, Number(rows), Number(components)),
        ms: Number(ms),
      };
    },
  );
}

Deno.test("longestFirst() on the model's costs puts measured long jobs first: two workers finish within the shortest tenth of the jobs", async () => {
  const jobs = await measuredJobs();
  assertEquals(jobs.length, 120);
  const ordered = longestFirst(jobs).map((j) => j.ms);
  const [w0, w1] = finishTimes(ordered, 2);
  const total = ordered.reduce((s, x) => s + x, 0);
  assert(Math.abs(w0! + w1! - total) < 1e-6);
  // the gap between the workers is below the measured 10th-percentile job
  const p10 = [...ordered].sort((a, b) => a - b)[12]!;
  assert(Math.abs(w0! - w1!) <= p10, `gap ${Math.abs(w0! - w1!)} > ${p10}`);
  // the model's costs rank the jobs as measured (Spearman ρ > 0.8)
  const rank = (xs: number[]) => {
    const order = xs.map((x, i) => [x, i] as const).sort((a, b) => a[0] - b[0]);
    const r = new Array<number>(xs.length);
    order.forEach(([, i], k) => (r[i] = k));
    return r;
  };
  const rm = rank(jobs.map((j) => j.ms));
  const rc = rank(jobs.map((j) => jobCost(j.job)));
  const n = jobs.length;
  const d2 = rm.reduce((s, r, i) => s + (r - rc[i]!) ** 2, 0);
  const rho = 1 - (6 * d2) / (n * (n * n - 1));
  assert(rho > 0.8, `Spearman ρ ${rho}`);
});

Deno.test("jobCost() counts the second training of --derived-features auto where derived features apply", () => {
  const withFeatures = (trainer: TrainerName, featureNames: string[]) => {
    const j = job(trainer, 200).job;
    return {
      ...j,
      frame: { ...j.frame, featureNames },
      options: { ...j.options, derivedFeatures: "auto" },
    } as SerializedJob;
  };
  const basic = ["bpf_cpu_time_ms", "cache_miss", "cpu_cycles"];
  // 2 variants × 4 components × 4 fits × (12 + 0.04 · 200)
  assertEquals(jobCost(withFeatures("XgboostFitTrainer", basic)), 640);
  // no cycles: nothing derived, one training
  assertEquals(
    jobCost(withFeatures("XgboostFitTrainer", ["bpf_cpu_time_ms"])),
    320,
  );
  // weight.json trainers never get derived features
  assertEquals(
    jobCost(withFeatures("SGDRegressorTrainer", basic)),
    jobCost(job("SGDRegressorTrainer", 200).job),
  );
});
