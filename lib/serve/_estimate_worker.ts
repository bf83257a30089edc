/**
 * Worker side of the estimate pool: keeps the models it was sent (by id)
 * and answers predictions, so a heavy model (e.g. KNN over 10,000 rows)
 * never blocks the server's event loop. Private to lib/serve.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { loadModel } from "../train/load_model.ts";
import type { Component } from "../types.ts";
import {
  type FittedComponents,
  predictFitted,
  predictWeights,
} from "./_predict.ts";
import {
  type EstimateJob,
  type EstimateModel,
  parseInline,
  sendError,
} from "./_estimate_pool.ts";

type Held =
  | { kind: "fitted"; components: FittedComponents }
  | Extract<EstimateModel, { kind: "weights" }>;

const held = new Map<number, Held>();

function hold(model: EstimateModel): Held {
  if (model.kind === "weights") return model;
  const components: FittedComponents = {};
  for (const [c, json] of Object.entries(model.components)) {
    components[c as Component] = loadModel(json);
  }
  return { kind: "fitted", components };
}

self.onmessage = (event: MessageEvent<EstimateJob>) => {
  const job = event.data;
  try {
    if (job.parse !== undefined) {
      const { body, maxRows } = job.parse;
      const result = parseInline(body, maxRows);
      self.postMessage({ task: job.task, ok: true, result });
      return;
    }
    if (job.forget) held.clear();
    if (job.model !== undefined) held.set(job.id, hold(job.model));
    const model = held.get(job.id);
    if (model === undefined) throw new Error(`model ${job.id} was not sent`);
    const result = model.kind === "fitted"
      ? predictFitted(model.components, job.x ?? [])
      : predictWeights(model.weights, job.weightInput!);
    self.postMessage({ task: job.task, ok: true, result });
  } catch (error) {
    self.postMessage({ task: job.task, ok: false, error: sendError(error) });
  }
};
