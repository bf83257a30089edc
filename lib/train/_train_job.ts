/**
 * The messages of parallel training: a frame and a trainer go to a worker,
 * a trained model comes back as JSON, with its out-of-fold and held-out
 * predictions when the group also builds an `EnsembleTrainer` (typed
 * arrays, transferred rather than copied). Each job carries a claim cell
 * in shared memory: the thread that claims it first runs it, so a job sent
 * to a worker can still run in the pool's thread. Private to lib/train.
 *
 * @module
 */
import type { Frame } from "../extract/frame.ts";
import type { Component, TrainerName } from "../types.ts";
import type { CrossValidation } from "./cross_validate.ts";
import { loadModel } from "./load_model.ts";
import type { ComponentMetrics } from "./metrics.ts";
import type { FittedModel, ModelJson } from "./model.ts";
import {
  type TrainedComponent,
  type TrainedModel,
  trainModel,
  type TrainModelOptions,
} from "./train_model.ts";

/** A frame as plain data (typed arrays survive structured cloning). */
export type SerializedFrame = Omit<Frame, "features" | "power"> & {
  features: Record<string, Float64Array>;
  power: Partial<Record<Component, Float64Array>>;
};

/** One training job. */
export interface SerializedJob {
  /** The frame. */
  frame: SerializedFrame;
  /** The trainer. */
  trainer: TrainerName;
  /** trainModel's options without `init`. */
  options: Omit<TrainModelOptions, "init">;
  /** Checkpoint JSON per component to continue from. */
  init?: Partial<Record<Component, ModelJson>>;
  /** Send back the out-of-fold and held-out predictions. */
  predictions?: boolean;
}

/** One trained component as plain data. */
export interface SerializedComponent {
  json: ModelJson;
  metrics: ComponentMetrics;
  cv?: CrossValidation;
  cvFailure?: string;
  holdout?: { y: Float64Array; yHat: Float64Array };
}

/** A job as sent to a worker: its id, the job and its claim cell. */
export interface JobMessage {
  /** The pool's id of the job. */
  id: number;
  /** The job. */
  job: SerializedJob;
  /** One Int32 over a SharedArrayBuffer: who runs the job (see {@linkcode claimJob}). */
  cell: Int32Array;
}

/** Who has claimed a job: nobody yet, a worker, the pool's own thread. */
export const CLAIM = { none: 0, worker: 1, pool: 2 } as const;

/** A new claim cell, claimed by nobody. */
export function claimCell(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
}

/**
 * Claims a job for `by` (atomically): true when nobody had, so this
 * thread runs it; false when another thread has it.
 */
export function claimJob(cell: Int32Array, by: 1 | 2): boolean {
  return Atomics.compareExchange(cell, 0, CLAIM.none, by) === CLAIM.none;
}

/** Runs one job in the calling thread: the trained model's JSON form. */
export function runJob(job: SerializedJob): SerializedTrained {
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

/** A trained model with its models as JSON. */
export type SerializedTrained = Omit<TrainedModel, "components"> & {
  components: Partial<Record<Component, SerializedComponent>>;
};

/**
 * A frame as plain data whose columns live in shared memory: a job
 * message then carries references, not copies, so the jobs queued for a
 * worker (all of them, sent up front) hold no second copy of their
 * group's frame, in the channel or in the worker. Serialize once per
 * group: every job of the group shares the one copy. Training only reads
 * a frame, so sharing it is safe.
 */
export function serializeFrame(frame: Frame): SerializedFrame {
  const features: Record<string, Float64Array> = {};
  for (const [name, column] of Object.entries(frame.features)) {
    features[name] = sharedCopy(column);
  }
  const power: Partial<Record<Component, Float64Array>> = {};
  for (const [c, column] of Object.entries(frame.power)) {
    if (column) power[c as Component] = sharedCopy(column);
  }
  return {
    ...frame,
    timestamp: sharedCopy(frame.timestamp),
    instance: sharedCopy(frame.instance),
    ...(frame.container ? { container: sharedCopy(frame.container) } : {}),
    nodeType: sharedCopy(frame.nodeType),
    features,
    power,
  };
}

/** A copy of a typed array over a SharedArrayBuffer. */
function sharedCopy<T extends Float64Array | Uint32Array | Int32Array>(
  column: T,
): T {
  const Kind = column.constructor as new (buffer: SharedArrayBuffer) => T;
  const out = new Kind(new SharedArrayBuffer(column.byteLength));
  out.set(column);
  return out;
}

/** The frame back from plain data. */
export function deserializeFrame(data: SerializedFrame): Frame {
  return data as Frame;
}

/**
 * A trained model's JSON form; with `predictions`, each component's
 * out-of-fold and held-out predictions too.
 */
export function serializeTrained(
  trained: TrainedModel,
  predictions = false,
): SerializedTrained {
  const components: SerializedTrained["components"] = {};
  for (const [c, t] of Object.entries(trained.components)) {
    if (!t) continue;
    const out: SerializedComponent = {
      json: t.model.toJSON(),
      metrics: t.metrics,
    };
    if (predictions) {
      if (t.cv) out.cv = t.cv;
      if (t.cvFailure !== undefined) out.cvFailure = t.cvFailure;
      if (t.holdout) out.holdout = t.holdout;
    }
    components[c as Component] = out;
  }
  return { ...trained, components };
}

/** The buffers of a serialised model's predictions, each once (to transfer). */
export function predictionBuffers(data: SerializedTrained): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const t of Object.values(data.components)) {
    const arrays = [
      t?.cv?.y,
      t?.cv?.yHat,
      t?.cv?.fold,
      t?.holdout?.y,
      t?.holdout?.yHat,
    ];
    for (const a of arrays) {
      if (a !== undefined && a.buffer instanceof ArrayBuffer) out.add(a.buffer);
    }
  }
  return [...out];
}

/** A model that is only its JSON (enough to write files). */
function jsonOnly(json: ModelJson, nFeatures: number): FittedModel {
  return {
    kind: json.kind,
    nFeatures,
    predict: () => new Float64Array(),
    toJSON: () => json,
  };
}

/**
 * A trained model from its serialised form, with its predictions when they
 * were sent. Its component models are their JSON only, unless `load` asks
 * for them loaded (an ensemble member must predict).
 */
export function trainedFromSerialized(
  data: SerializedTrained,
  load = false,
): TrainedModel {
  const components: TrainedModel["components"] = {};
  for (const [c, t] of Object.entries(data.components)) {
    if (!t) continue;
    const out: TrainedComponent = {
      model: load ? loadModel(t.json) : jsonOnly(t.json, data.features.length),
      metrics: t.metrics,
    };
    if (t.cv) out.cv = t.cv;
    if (t.cvFailure !== undefined) out.cvFailure = t.cvFailure;
    if (t.holdout) out.holdout = t.holdout;
    components[c as Component] = out;
  }
  return { ...data, components };
}
