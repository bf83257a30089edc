import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import { testdata } from "../../test/testdata.ts";
import { parseFrameCsv } from "../extract/mod.ts";
import type { TrainerName } from "../types.ts";
import { TrainPool } from "./_pool.ts";
import { runJob, type SerializedJob, serializeFrame } from "./_train_job.ts";

const CSV = testdata("derived/dbe1166-v0.6-BPFIRQ/rapl_BPFIRQ_abs_data.csv");

const frame = serializeFrame(
  parseFrameCsv(Deno.readTextFileSync(CSV), {
    source: "rapl-sysfs",
    origin: CSV,
  }),
);

function job(trainer: TrainerName, cvFolds: number, tune = 0): SerializedJob {
  return {
    frame,
    trainer,
    options: {
      featureGroup: "BPFIRQ",
      outputType: "AbsPower",
      cvFolds,
      seed: 7,
      tune,
    },
  };
}

/** Waits in this thread, never yielding, until `done()` or `ms` passed. */
function spin(done: () => boolean, ms: number): void {
  const end = performance.now() + ms;
  while (!done() && performance.now() < end) {
    // busy: no event loop turn, so no message from a worker gets in
  }
}

Deno.test("TrainPool: a worker runs its jobs while this thread is busy, and they equal this thread's", async () => {
  const pool = new TrainPool(2);
  try {
    assert(pool.parallel);
    const jobs = Array.from(
      { length: 8 },
      (_, i) => job("LinearRegressionTrainer", i % 2 === 0 ? 0 : 3),
    );
    const results = jobs.map((j) => pool.run(j));
    // this thread never yields: a worker that waited for it to hand out
    // jobs would stop after the first ones
    spin(() => pool.unclaimed === 0, 60_000);
    assertEquals(pool.unclaimed, 0);
    const done = await Promise.all(results);
    assertEquals(pool.ran, { pool: 0, workers: jobs.length });
    assertEquals(done, jobs.map(runJob));
  } finally {
    pool.close();
  }
});

Deno.test("TrainPool: the worker takes the long job at the front, this thread the short ones at the back, each once", async () => {
  const pool = new TrainPool(2);
  try {
    // ~0.5 s against a few ms each: the worker is still on it when this
    // thread has run the short ones
    const long = job("XgboostFitTrainer", 5, 8);
    const short = Array.from(
      { length: 3 },
      () => job("LinearRegressionTrainer", 0),
    );
    const results = [long, ...short].map((j) => pool.run(j));
    // until the worker has started and claimed the first job
    spin(() => pool.unclaimed < short.length + 1, 60_000);
    // the short ones are done here while the worker is still on the long one
    await Promise.all(results.slice(1));
    assertEquals(pool.ran, { pool: short.length, workers: 0 });
    const done = await Promise.all(results);
    assertEquals(pool.ran, { pool: short.length, workers: 1 });
    assertEquals(done, [long, ...short].map(runJob));
  } finally {
    pool.close();
  }
});

Deno.test("TrainPool: without workers every job runs in this thread", async () => {
  const pool = new TrainPool(1);
  assert(!pool.parallel);
  const j = job("LinearRegressionTrainer", 0);
  assertEquals(await pool.run(j), runJob(j));
  assertEquals(pool.ran, { pool: 1, workers: 0 });
  pool.close();
});

Deno.test("TrainPool: limit() stops the workers a pool has no jobs for", async () => {
  const pool = new TrainPool(2);
  pool.limit(1);
  assert(!pool.parallel);
  const j = job("LinearRegressionTrainer", 0);
  assertEquals(await pool.run(j), runJob(j));
  assertEquals(pool.ran, { pool: 1, workers: 0 });
  pool.close();
});

Deno.test("serializeFrame: the columns live in shared memory, equal to the frame's, so queued jobs hold no copies", () => {
  const source = parseFrameCsv(Deno.readTextFileSync(CSV), {
    source: "rapl-sysfs",
    origin: CSV,
  });
  const shared = serializeFrame(source);
  const columns = (f: typeof source) => [
    f.timestamp,
    f.instance,
    f.nodeType,
    ...Object.values(f.features),
    ...Object.values(f.power),
  ];
  const before = columns(source);
  const after = columns(shared as typeof source);
  assertEquals(after.length, before.length);
  after.forEach((column, i) => {
    assert(column!.buffer instanceof SharedArrayBuffer, `column ${i}`);
    assertEquals(column!.constructor, before[i]!.constructor);
    assertEquals([...column!], [...before[i]!]);
  });
  // a message carries a reference: what the receiver sees is the same memory
  const received = structuredClone(shared);
  received.features[source.featureNames[0]!]![0] = -1;
  assertEquals(shared.features[source.featureNames[0]!]![0], -1);
});
