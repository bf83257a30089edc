/**
 * A small pool of module workers that run training jobs in parallel,
 * bounded by the core count. When workers cannot start (e.g. inside the
 * single-file bundle, where the worker module is not a file), jobs run in
 * this thread instead. Private to lib/train.
 *
 * @module
 */
import { releaseKept } from "./trainers/kept.ts";
import { jobCost } from "./_job_cost.ts";
import {
  CLAIM,
  claimCell,
  claimJob,
  type JobMessage,
  runJob,
  type SerializedJob,
  type SerializedTrained,
} from "./_train_job.ts";

/** A submitted job until it settles. */
type Task = JobMessage & {
  /** Its expected cost (lib/train/_job_cost.ts). */
  cost: number;
  /** The worker it was sent to. */
  worker?: Worker;
  resolve: (r: SerializedTrained) => void;
  reject: (e: Error) => void;
};

/** A worker's message: a job's result or its error. */
type Reply = {
  id: number;
  ok: boolean;
  result?: SerializedTrained;
  error?: string;
  name?: string;
};

/**
 * A pool of `size` training threads: `size − 1` workers and this thread.
 *
 * Every job goes to a worker as soon as it is submitted (to the one with
 * the least expected work outstanding, by the cost model of
 * lib/train/_job_cost.ts), so a worker never waits for this thread, which
 * is often busy (running a job, writing models): it runs its jobs in the
 * order submitted (submit the longest first). This thread runs jobs too,
 * from the back of the order (the short ones, between writes), claiming
 * each in shared memory first, so a job runs once, on whichever thread
 * reaches it first; the two meet where the measured work splits, and the
 * last jobs are short. One worker fewer than threads saves a worker's heap
 * and its start-up.
 */
export class TrainPool {
  #workers: Worker[] = [];
  /** Expected cost of the jobs sent to each worker and not settled. */
  #outstanding = new Map<Worker, number>();
  /** Tasks this thread may still claim, in submission order. */
  #queue: Task[] = [];
  #tasks = new Map<number, Task>();
  #next = 0;
  #broken = false;
  #helping = false;
  #ran = { pool: 0, workers: 0 };

  /** Starts `size − 1` workers (none when size ≤ 1: jobs then run inline). */
  constructor(size: number) {
    if (size <= 1) return;
    try {
      for (let i = 0; i < size - 1; i++) {
        const w = new Worker(new URL("./_train_worker.ts", import.meta.url), {
          type: "module",
        });
        w.onmessage = (e: MessageEvent<Reply>) => this.#done(e.data);
        w.onerror = (e: ErrorEvent) => {
          e.preventDefault();
          this.#fail();
        };
        this.#workers.push(w);
        this.#outstanding.set(w, 0);
      }
    } catch {
      this.close();
      this.#broken = true;
    }
  }

  /** Whether jobs run on workers. */
  get parallel(): boolean {
    return this.#workers.length > 0 && !this.#broken;
  }

  /** Submitted jobs that no thread has claimed yet. */
  get unclaimed(): number {
    return this.#queue.filter((t) => Atomics.load(t.cell, 0) === CLAIM.none)
      .length;
  }

  /** How many jobs ran in this thread and on workers so far. */
  get ran(): { pool: number; workers: number } {
    return { ...this.#ran };
  }

  /** Runs a job; resolves with the trained model's JSON form. */
  run(job: SerializedJob): Promise<SerializedTrained> {
    if (!this.parallel) {
      try {
        const result = runJob(job);
        this.#ran.pool++;
        return Promise.resolve(result);
      } catch (error) {
        return Promise.reject(error);
      }
    }
    const id = this.#next++;
    const cell = claimCell();
    const cost = jobCost(job);
    const p = new Promise<SerializedTrained>((resolve, reject) => {
      const task: Task = { id, job, cell, cost, resolve, reject };
      this.#tasks.set(id, task);
      this.#queue.push(task);
      this.#send(task);
    });
    if (!this.#helping) {
      this.#helping = true;
      // after the caller has submitted the rest (so this thread takes the
      // shortest), between the event loop's turns
      setTimeout(() => this.#help(), 0);
    }
    return p;
  }

  /** Sends a task to the worker with the least expected work outstanding. */
  #send(task: Task): void {
    let w = this.#workers[0]!;
    for (const o of this.#workers) {
      if (this.#outstanding.get(o)! < this.#outstanding.get(w)!) w = o;
    }
    task.worker = w;
    this.#outstanding.set(w, this.#outstanding.get(w)! + task.cost);
    const message: JobMessage = { id: task.id, job: task.job, cell: task.cell };
    w.postMessage(message);
  }

  /** This thread claims jobs from the back of the order, one per turn. */
  async #help(): Promise<void> {
    while (this.#queue.length > 0) {
      const task = this.#queue.pop()!;
      if (!claimJob(task.cell, CLAIM.pool)) continue; // a worker has it
      this.#settle(task);
      // let worker results in and the writes of finished models go on
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    this.#helping = false;
  }

  /** Forgets a settled task (and its cost on its worker). */
  #forget(task: Task): void {
    this.#tasks.delete(task.id);
    const w = task.worker;
    if (w && this.#outstanding.has(w)) {
      this.#outstanding.set(w, this.#outstanding.get(w)! - task.cost);
    }
  }

  /** Runs a task in this thread and settles its promise. */
  #settle(task: Task): void {
    if (!this.#tasks.has(task.id)) return;
    this.#forget(task);
    this.#ran.pool++;
    try {
      task.resolve(runJob(task.job));
    } catch (e) {
      task.reject(e as Error);
    }
  }

  #done(data: Reply): void {
    const task = this.#tasks.get(data.id);
    if (!task) return;
    this.#forget(task);
    this.#ran.workers++;
    if (data.ok) task.resolve(data.result!);
    else {
      const e = new Error(data.error);
      e.name = data.name ?? "Error";
      task.reject(e);
    }
  }

  #fail(): void {
    // A worker that cannot load (no module file next to a bundle) breaks the
    // pool: every job not settled yet (sent to any worker, claimed or not)
    // runs in this thread instead.
    if (this.#broken) return;
    this.#broken = true;
    this.close();
    this.#queue = [];
    for (const task of [...this.#tasks.values()]) {
      Atomics.store(task.cell, 0, CLAIM.pool);
      this.#settle(task);
    }
  }

  /**
   * Keeps at most `size − 1` workers (a pool started before its jobs were
   * planned stops the workers it has no jobs for); call before any job.
   */
  limit(size: number): void {
    const keep = Math.max(0, size - 1);
    for (const w of this.#workers.splice(keep)) {
      w.terminate();
      this.#outstanding.delete(w);
    }
  }

  /**
   * Stops the workers, and lets go of what the main thread's jobs kept
   * (trainers/kept.ts; the workers' goes with them).
   */
  close(): void {
    releaseKept();
    for (const w of this.#workers) w.terminate();
    this.#workers = [];
    this.#outstanding.clear();
  }
}
