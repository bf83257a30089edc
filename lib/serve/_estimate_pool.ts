/**
 * A pool of module workers that evaluate models for `POST /estimate` and
 * the estimator socket, so the event loop keeps answering (`/healthz`,
 * `POST /model`) while heavy models predict. Workers start on first use;
 * each is sent a model once (its JSON) and keeps it. When workers cannot
 * start (e.g. inside the single-file bundle, where the worker module is
 * not a file) or one fails, predictions run in this thread, with the same
 * code and so the same bytes. Private to lib/serve.
 *
 * @module
 */
import type { Component } from "../types.ts";
import type { ModelJson } from "../train/model.ts";
import {
  type FittedComponents,
  predictFitted,
  type Prediction,
  predictWeights,
  type WeightComponents,
  type WeightInput,
} from "./_predict.ts";
import {
  parsePowerRequest,
  type PowerRequest,
  TooManyRowsError,
} from "./power_request.ts";
import { HttpError, parseJsonBody } from "./read_body.ts";

/** An error as a worker sends it back. */
export interface SentError {
  /** Its class name. */
  name: string;
  /** Its message. */
  message: string;
  /** An `HttpError`'s status. */
  status?: number;
  /** A `TooManyRowsError`'s rows and limit. */
  rows?: number;
  /** See `rows`. */
  limit?: number;
}

/** An error in a form a worker can send. */
export function sendError(error: unknown): SentError {
  const e = error as Partial<HttpError & TooManyRowsError>;
  return {
    name: e.name ?? "Error",
    message: e.message ?? String(error),
    ...(e.status !== undefined ? { status: e.status } : {}),
    ...(e.rows !== undefined ? { rows: e.rows, limit: e.limit! } : {}),
  };
}

/** The error a worker sent, as the class it was thrown as. */
function revive(e: SentError): Error {
  if (e.name === "HttpError") return new HttpError(e.status ?? 400, e.message);
  if (e.name === "TooManyRowsError") {
    return new TooManyRowsError(e.rows ?? 0, e.limit ?? 0);
  }
  if (e.name === "TypeError") return new TypeError(e.message);
  if (e.name === "RangeError") return new RangeError(e.message);
  return new Error(e.message);
}

/** Parses a PowerRequest body (JSON, then fields) in this thread. */
export function parseInline(body: Uint8Array, maxRows: number): PowerRequest {
  return parsePowerRequest(parseJsonBody(body), { maxRows });
}

/** A model as sent to a worker. */
export type EstimateModel =
  | { kind: "fitted"; components: Partial<Record<Component, ModelJson>> }
  | { kind: "weights"; weights: WeightComponents };

/** One prediction asked of a worker. */
export interface EstimateJob {
  /** Task number (the answer carries it). */
  task: number;
  /** Model id. */
  id: number;
  /** The model, the first time this worker is asked about it. */
  model?: EstimateModel;
  /** Drop every model held before this one. */
  forget?: boolean;
  /** A PowerRequest body to parse instead of a prediction. */
  parse?: { body: Uint8Array; maxRows: number };
  /** Feature columns (fitted models). */
  x?: Float64Array[];
  /** Columns and categories (weight files). */
  weightInput?: WeightInput;
}

interface Slot {
  worker: Worker;
  busy: number;
  known: Set<number>;
}

interface Task {
  // deno-lint-ignore no-explicit-any
  resolve: (p: any) => void;
  reject: (e: Error) => void;
  inline: () => unknown;
}

/** Models a worker holds before it is told to forget them all. */
const HELD_MODELS = 64;

/**
 * The estimate workers (see the module doc): parsing large request bodies
 * and evaluating models off the event loop, falling back to this thread
 * when the pool has no workers or they broke.
 *
 * @example
 * ```ts
 * import { EstimatePool } from "./_estimate_pool.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const pool = new EstimatePool(0); // no workers: predictions run inline
 * const w = { All_Weights: { Bias_Weight: 1, Categorical_Variables: {},
 *   Numerical_Variables: { x: { scale: 2, mean: 0, variance: 1, weight: 4 } } } };
 * const p = await pool.weights({ platform: w }, {
 *   name: "SGDRegressorTrainer_0", rows: 2, categories: {},
 *   columns: [["x", Float64Array.of(1, 3)]],
 * });
 * assertEquals(p.powers.platform, [3, 7]); // 1 + 4·x/2
 * pool.close();
 * ```
 */
export class EstimatePool {
  #size: number;
  #slots: Slot[] = [];
  #tasks = new Map<number, Task>();
  #ids = new WeakMap<object, number>();
  #next = 0;
  #broken = false;
  #onWorkers = 0;

  /** Tasks (parses and predictions) done on a worker so far. */
  get tasksOnWorkers(): number {
    return this.#onWorkers;
  }

  /**
   * A pool of at most `size` workers, started on first use.
   *
   * @param size The most workers (0: predictions run in this thread).
   */
  constructor(size: number) {
    this.#size = Math.max(0, Math.floor(size));
  }

  /**
   * Predicts with fitted models.
   *
   * @param components The fitted model per component.
   * @param x The feature columns, in the models' input order.
   * @returns The predictions per component.
   */
  fitted(components: FittedComponents, x: Float64Array[]): Promise<Prediction> {
    return this.#run(
      components,
      () => ({
        kind: "fitted",
        components: Object.fromEntries(
          Object.entries(components).map(([c, m]) => [c, m!.toJSON()]),
        ),
      }),
      { x },
      () => predictFitted(components, x),
    );
  }

  /**
   * Predicts with Kepler weight files.
   *
   * @param weights The weights per component.
   * @param input The request's feature names and columns.
   * @returns The predictions per component.
   */
  weights(weights: WeightComponents, input: WeightInput): Promise<Prediction> {
    return this.#run(
      weights,
      () => ({ kind: "weights", weights }),
      { weightInput: input },
      () => predictWeights(weights, input),
    );
  }

  /**
   * Parses a PowerRequest body on a worker (a large body costs the event
   * loop milliseconds); errors keep their class (`HttpError` for bad JSON,
   * `TooManyRowsError`, `TypeError`, `RangeError`).
   *
   * @param body The request body.
   * @param maxRows The most rows a request may have.
   * @returns The parsed request.
   */
  parse(body: Uint8Array, maxRows: number): Promise<PowerRequest> {
    const slot = this.#slot();
    if (slot === undefined) {
      try {
        return Promise.resolve(parseInline(body, maxRows));
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return this.#post(slot, {
      task: this.#next++,
      id: -1,
      parse: { body, maxRows },
    }, () => parseInline(body, maxRows));
  }

  #post<T>(slot: Slot, job: EstimateJob, inline: () => T): Promise<T> {
    slot.busy++;
    return new Promise<T>((resolve, reject) => {
      this.#tasks.set(job.task, { resolve, reject, inline });
      slot.worker.postMessage(job);
    });
  }

  #run(
    key: object,
    model: () => EstimateModel,
    input: Pick<EstimateJob, "x" | "weightInput">,
    inline: () => Prediction,
  ): Promise<Prediction> {
    const slot = this.#slot();
    if (slot === undefined) {
      try {
        return Promise.resolve(inline());
      } catch (error) {
        return Promise.reject(error);
      }
    }
    let id = this.#ids.get(key);
    if (id === undefined) this.#ids.set(key, id = this.#next++);
    const task = this.#next++;
    const job: EstimateJob = { task, id, ...input };
    if (!slot.known.has(id)) {
      if (slot.known.size >= HELD_MODELS) {
        slot.known.clear();
        job.forget = true;
      }
      job.model = model();
      slot.known.add(id);
    }
    return this.#post(slot, job, inline);
  }

  /** The least busy worker, starting one when all are busy; none inline. */
  #slot(): Slot | undefined {
    if (this.#broken || this.#size === 0) return undefined;
    let best = this.#slots[0];
    for (const s of this.#slots) if (s.busy < best!.busy) best = s;
    if (
      (best === undefined || best.busy > 0) && this.#slots.length < this.#size
    ) {
      try {
        best = this.#start();
      } catch {
        this.#break();
        return undefined;
      }
    }
    return best;
  }

  #start(): Slot {
    const worker = new Worker(
      new URL("./_estimate_worker.ts", import.meta.url),
      { type: "module" },
    );
    const slot: Slot = { worker, busy: 0, known: new Set() };
    worker.onmessage = (e: MessageEvent) => this.#done(slot, e.data);
    worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      this.#break();
    };
    this.#slots.push(slot);
    return slot;
  }

  #done(
    slot: Slot,
    data: { task: number; ok: boolean; result?: unknown; error?: SentError },
  ): void {
    const t = this.#tasks.get(data.task);
    this.#tasks.delete(data.task);
    slot.busy--;
    if (t === undefined) return;
    this.#onWorkers++;
    if (data.ok) t.resolve(data.result);
    else t.reject(revive(data.error!));
  }

  /** A worker that fails (or cannot load) sends everything inline. */
  #break(): void {
    if (this.#broken) return;
    this.#broken = true;
    const tasks = [...this.#tasks.values()];
    this.#tasks.clear();
    this.#terminate();
    for (const t of tasks) {
      try {
        t.resolve(t.inline());
      } catch (error) {
        t.reject(error as Error);
      }
    }
  }

  #terminate(): void {
    for (const s of this.#slots) s.worker.terminate();
    this.#slots = [];
  }

  /** Stops the workers; predictions in flight fail, later ones start new workers. */
  close(): void {
    this.#terminate();
    const tasks = [...this.#tasks.values()];
    this.#tasks.clear();
    for (const t of tasks) t.reject(new Error("the model server is closing"));
  }
}
