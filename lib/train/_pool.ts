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
  );
}

/** A pool of training workers. */
export class TrainPool {
  #workers: Worker[] = [];
  #idle: Worker[] = [];
  #queue: { id: number; job: SerializedJob }[] = [];
  #pending = new Map<number, Pending>();
  #next = 0;
  #broken = false;

  /** Starts `size` workers (none when size ≤ 1: jobs then run inline). */
  constructor(size: number) {
    if (size <= 1) return;
    try {
      for (let i = 0; i < size; i++) {
        const w = new Worker(new URL("./_train_worker.ts", import.meta.url), {
          type: "module",
        });
        w.onmessage = (e: MessageEvent) => this.#done(w, e.data);
        w.onerror = (e: ErrorEvent) => {
          e.preventDefault();
          this.#fail(w, new Error(`training worker failed: ${e.message}`));
        };
        this.#workers.push(w);
        this.#idle.push(w);
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
    return p;
  }

  #pump(): void {
    while (this.#idle.length > 0 && this.#queue.length > 0) {
      const w = this.#idle.pop()!;
      const task = this.#queue.shift()!;
      (w as Worker & { task?: { id: number; job: SerializedJob } }).task = task;
      w.postMessage(task);
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
    const p = this.#pending.get(data.id);
    this.#pending.delete(data.id);
    this.#idle.push(w);
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

  #fail(w: Worker, _error: Error): void {
    // A worker that cannot load (no module file in a bundle) breaks the pool:
    // run what is left inline.
    this.#broken = true;
    const inFlight =
      (w as Worker & { task?: { id: number; job: SerializedJob } }).task;
    const queued = [...this.#queue];
    this.#queue = [];
    const retry = (taskId: number, job: SerializedJob) => {
      const p = this.#pending.get(taskId);
      this.#pending.delete(taskId);
      if (!p) return;
      try {
        p.resolve(runJobInline(job));
      } catch (e) {
        p.reject(e as Error);
      }
    };
    if (inFlight !== undefined) retry(inFlight.id, inFlight.job);
    for (const t of queued) retry(t.id, t.job);
    this.close();
  }

  /** Stops the workers. */
  close(): void {
    for (const w of this.#workers) w.terminate();
    this.#workers = [];
    this.#idle = [];
  }
}
