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

function close(actual: number, expected: number): void {
  assert(Math.abs(actual - expected) < 1e-9, `${actual} ≠ ${expected}`);
}

Deno.test("jobCost() is components × fits × (fixed + perRow·n + perRow2·n²)", () => {
  // XgboostFit [8.2, 0.0231, 0]: 4 components × 4 fits × (8.2 + 0.0231 · 200)
  close(jobCost(job("XgboostFitTrainer", 200).job), 205.12);
  // SVR [0.53, 0, 1.49e-5], one component, no CV: 0.53 + 1.49e-5 · 1000²
  close(jobCost(job("SVRRegressorTrainer", 1000, 1, 0).job), 15.43);
  // with --tune, TUNED_JOB_COST: XgboostFit [5.0, 0.0548, 0]
  const tuned = job("XgboostFitTrainer", 200).job;
  close(jobCost({ ...tuned, options: { ...tuned.options, tune: 8 } }), 255.36);
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

const BASIC = ["bpf_cpu_time_ms", "cache_miss", "cpu_cycles"];

/**
 * The 120 measured jobs of train at 1 h × 50 containers (testdata): without
 * `--tune` (job_times_1h.txt: trainer rows components outputType ms) or with
 * the CLI's defaults (job_times_1h_tune8.txt: trainer rows components
 * variants ms, variants 2 where derived features were tried).
 */
async function measuredJobs(tuned = false) {
  const text = await Deno.readTextFile(
    new URL(
      `./testdata/job_times_1h${tuned ? "_tune8" : ""}.txt`,
      import.meta.url,
    ),
  );
  return text.split("\n").filter((l) => l !== "" && !l.startsWith("#")).map(
    (l) => {
      const [trainer, rows, components, variants, ms] = l.split(" ");
      const j = job(trainer as TrainerName, Number(rows), Number(components));
      if (tuned) {
        j.job = {
          ...j.job,
          frame: {
            ...j.job.frame,
            featureNames: variants === "2" ? BASIC : [],
          },
          options: { ...j.job.options, tune: 8, derivedFeatures: "auto" },
        };
      }
      return { ...j, ms: Number(ms) };
    },
  );
}

for (const tuned of [false, true]) {
  Deno.test(`longestFirst() on the model's costs puts measured long jobs first: two workers finish within the shortest tenth of the jobs (${tuned ? "--tune 8, derived features" : "no --tune"})`, async () => {
    const jobs = await measuredJobs(tuned);
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
      const order = xs.map((x, i) => [x, i] as const).sort((a, b) =>
        a[0] - b[0]
      );
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
}

Deno.test("jobCost() counts the second training of --derived-features auto where derived features apply", () => {
  const withFeatures = (trainer: TrainerName, featureNames: string[]) => {
    const j = job(trainer, 200).job;
    return {
      ...j,
      frame: { ...j.frame, featureNames },
      options: { ...j.options, derivedFeatures: "auto" },
    } as SerializedJob;
  };
  const basic = BASIC;
  // 2 variants × 4 components × 4 fits × (8.2 + 0.0231 · 200)
  close(jobCost(withFeatures("XgboostFitTrainer", basic)), 410.24);
  // no cycles: nothing derived, one training
  close(
    jobCost(withFeatures("XgboostFitTrainer", ["bpf_cpu_time_ms"])),
    205.12,
  );
  // weight.json trainers never get derived features
  assertEquals(
    jobCost(withFeatures("SGDRegressorTrainer", basic)),
    jobCost(job("SGDRegressorTrainer", 200).job),
  );
});
