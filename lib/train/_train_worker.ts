/**
 * Worker side of parallel training: receives jobs (a frame's columns and a
 * trainer) as the pool submits them, keeps them in order, and runs each
 * one it can claim (the pool's thread may have claimed it first), posting
 * back the serialised result (model JSON, metrics, metadata). It never
 * waits for the pool's thread between jobs, only for jobs. Private to
 * lib/train.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import {
  CLAIM,
  claimJob,
  type JobMessage,
  predictionBuffers,
  runJob,
} from "./_train_job.ts";

/** Jobs received and not yet claimed or skipped, in the order sent. */
const queue: JobMessage[] = [];
let draining = false;

/** Runs the jobs of the queue this worker can claim, one per turn. */
async function drain(): Promise<void> {
  while (queue.length > 0) {
    const { id, job, cell } = queue.shift()!;
    if (!claimJob(cell, CLAIM.worker)) continue; // the pool's thread runs it
    try {
      const result = runJob(job);
      // the predictions move to the pool's thread, not copied
      self.postMessage({ id, ok: true, result }, predictionBuffers(result));
    } catch (error) {
      self.postMessage({
        id,
        ok: false,
        error: (error as Error).message,
        name: (error as Error).name,
      });
    }
    // take in the jobs sent meanwhile
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  draining = false;
}

self.onmessage = (event: MessageEvent<JobMessage>) => {
  queue.push(event.data);
  if (draining) return;
  draining = true;
  setTimeout(drain, 0);
};
