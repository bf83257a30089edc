/**
 * A small pool of module workers that run training jobs in parallel,
 * bounded by the core count. When workers cannot start (e.g. inside the
 * single-file bundle, where the worker module is not a file), jobs run in
 * this thread instead. Private to lib/train.
 *
 * @module
 */
import { loadModel } from "./load_model.ts";
import type { Component } from "../types.ts";
import type { FittedModel } from "./model.ts";
import {
  deserializeFrame,
  type SerializedJob,
  type SerializedTrained,
  serializeTrained,
} from "./_train_job.ts";
import { trainModel } from "./train_model.ts";

type Pending = {
  resolve: (r: SerializedTrained) => void;
  reject: (e: Error) => void;
};

/** A queued or dispatched job. */
type Task = { id: number; job: SerializedJob };

/**
 * Jobs a worker holds at once: the one it runs and the next, so it never
 * waits for this thread (busy running a job of its own) to send more.
 */
const WORKER_DEPTH = 2;

/** Runs one job in this thread. */
export function runJobInline(job: SerializedJob): SerializedTrained {
  const init: Partial<Record<Component, FittedModel>> = {};
  for (const [c, json] of Object.entries(job.init ?? {})) {
    init[c as Component] = loadModel(json);
  }
  return serializeTrained(
    trainModel(deserializeFrame(job.frame), job.trainer, {
      ...job.options,
      init,
    }),
    job.predictions ?? false,
  );
}

/**
 * A pool of `size` training threads: `size − 1` workers and this thread.
 * Jobs run in the order they were submitted (submit the longest first):
 * workers take them from the front, this thread from the back, so the
 * long jobs go to workers while this thread, which also writes each
 * result as it arrives, runs the short ones between writes. One worker
 * fewer than threads saves a worker's heap and its start-up.
 */
export class TrainPool {
  #workers: Worker[] = [];
  #inFlight = new Map<Worker, Task[]>();
  #queue: Task[] = [];
  #pending = new Map<number, Pending>();
  #next = 0;
  #broken = false;
  #helping = false;

  /** Starts `size − 1` workers (none when size ≤ 1: jobs then run inline). */
  constructor(size: number) {
    if (size <= 1) return;
    try {
      for (let i = 0; i < size - 1; i++) {
        const w = new Worker(new URL("./_train_worker.ts", import.meta.url), {
          type: "module",
        });
        w.onmessage = (e: MessageEvent) => this.#done(w, e.data);
        w.onerror = (e: ErrorEvent) => {
          e.preventDefault();
          this.#fail(new Error(`training worker failed: ${e.message}`));
        };
        this.#workers.push(w);
        this.#inFlight.set(w, []);
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

  /** Runs a job; resolves with the trained model's JSON form. */
  run(job: SerializedJob): Promise<SerializedTrained> {
    if (!this.parallel) {
      try {
        return Promise.resolve(runJobInline(job));
      } catch (error) {
        return Promise.reject(error);
      }
    }
    const id = this.#next++;
    const p = new Promise<SerializedTrained>((resolve, reject) =>
      this.#pending.set(id, { resolve, reject })
    );
    this.#queue.push({ id, job });
    this.#pump();
    if (!this.#helping) {
      this.#helping = true;
      // after the caller has submitted the rest (so this thread takes the
      // shortest), between the event loop's turns
      setTimeout(() => this.#help(), 0);
    }
    return p;
  }

  /** This thread runs jobs from the back of the queue, one per turn. */
  async #help(): Promise<void> {
    while (this.#queue.length > 0) {
      this.#settle(this.#queue.pop()!);
      // let worker results in and the writes of finished models go on
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    this.#helping = false;
  }

  /** Runs a task in this thread and settles its promise. */
  #settle(task: Task): void {
    const p = this.#pending.get(task.id);
    this.#pending.delete(task.id);
    if (!p) return;
    try {
      p.resolve(runJobInline(task.job));
    } catch (e) {
      p.reject(e as Error);
    }
  }

  #pump(): void {
    for (const w of this.#workers) {
      const held = this.#inFlight.get(w)!;
      while (held.length < WORKER_DEPTH && this.#queue.length > 0) {
        const task = this.#queue.shift()!;
        held.push(task);
        w.postMessage(task);
      }
    }
  }

  #done(
    w: Worker,
    data: {
      id: number;
      ok: boolean;
      result?: SerializedTrained;
      error?: string;
      name?: string;
    },
  ): void {
    const held = this.#inFlight.get(w);
    if (held) held.splice(held.findIndex((t) => t.id === data.id), 1);
    const p = this.#pending.get(data.id);
    this.#pending.delete(data.id);
    if (p) {
      if (data.ok) p.resolve(data.result!);
      else {
        const e = new Error(data.error);
        e.name = data.name ?? "Error";
        p.reject(e);
      }
    }
    this.#pump();
  }

  #fail(_error: Error): void {
    // A worker that cannot load (no module file next to a bundle) breaks the
    // pool: every job in flight on any worker, and every queued job, runs in
    // this thread instead.
    if (this.#broken) return;
    this.#broken = true;
    const tasks = [...[...this.#inFlight.values()].flat(), ...this.#queue];
    this.#queue = [];
    this.close();
    for (const t of tasks) this.#settle(t);
  }

  /** Stops the workers. */
  close(): void {
    for (const w of this.#workers) w.terminate();
    this.#workers = [];
    this.#inFlight.clear();
  }
}
