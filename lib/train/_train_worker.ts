/**
 * Worker side of parallel training: receives a frame's columns and a
 * trainer, runs {@linkcode trainModel}, and posts back the serialised
 * result (model JSON, metrics, metadata). Private to lib/train.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { loadModel } from "./load_model.ts";
import {
  deserializeFrame,
  predictionBuffers,
  type SerializedJob,
  serializeTrained,
} from "./_train_job.ts";
import { trainModel } from "./train_model.ts";
import type { Component } from "../types.ts";
import type { FittedModel } from "./model.ts";

self.onmessage = (event: MessageEvent<{ id: number; job: SerializedJob }>) => {
  const { id, job } = event.data;
  try {
    const frame = deserializeFrame(job.frame);
    const init: Partial<Record<Component, FittedModel>> = {};
    for (const [c, json] of Object.entries(job.init ?? {})) {
      init[c as Component] = loadModel(json);
    }
    const trained = trainModel(frame, job.trainer, { ...job.options, init });
    const result = serializeTrained(trained, job.predictions ?? false);
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
};
