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
    job.predictions ?? false,
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
    (w as Worker & { task?: unknown }).task = undefined;
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

  #fail(_w: Worker, _error: Error): void {
    // A worker that cannot load (no module file next to a bundle) breaks the
    // pool: every job in flight on any worker, and every queued job, runs in
    // this thread instead.
    if (this.#broken) return;
    this.#broken = true;
    const tasks = [
      ...this.#workers
        .map((w) =>
          (w as Worker & { task?: { id: number; job: SerializedJob } }).task
        )
        .filter((t): t is { id: number; job: SerializedJob } =>
          t !== undefined
        ),
      ...this.#queue,
    ];
    this.#queue = [];
    this.close();
    for (const t of tasks) {
      const p = this.#pending.get(t.id);
      this.#pending.delete(t.id);
      if (!p) continue;
      try {
        p.resolve(runJobInline(t.job));
      } catch (e) {
        p.reject(e as Error);
      }
    }
  }

  /** Stops the workers. */
  close(): void {
    for (const w of this.#workers) w.terminate();
    this.#workers = [];
    this.#idle = [];
  }
}
