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
    self.postMessage({ id, ok: true, result: serializeTrained(trained) });
  } catch (error) {
    self.postMessage({
      id,
      ok: false,
      error: (error as Error).message,
      name: (error as Error).name,
    });
  }
};
