/**
 * The messages of parallel training: a frame and a trainer go to a worker,
 * a trained model comes back as JSON. Private to lib/train.
 *
 * @module
 */
import type { Frame } from "../extract/frame.ts";
import type { Component, TrainerName } from "../types.ts";
import type { ComponentMetrics } from "./metrics.ts";
import type { ModelJson } from "./model.ts";
import type { TrainedModel, TrainModelOptions } from "./train_model.ts";

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
}

/** A trained model with its models as JSON. */
export type SerializedTrained = Omit<TrainedModel, "components"> & {
  components: Partial<
    Record<Component, { json: ModelJson; metrics: ComponentMetrics }>
  >;
};

/** A frame as plain data. */
export function serializeFrame(frame: Frame): SerializedFrame {
  return {
    ...frame,
    features: { ...frame.features },
    power: { ...frame.power },
  };
}

/** The frame back from plain data. */
export function deserializeFrame(data: SerializedFrame): Frame {
  return data as Frame;
}

/** A trained model's JSON form. */
export function serializeTrained(trained: TrainedModel): SerializedTrained {
  const components: SerializedTrained["components"] = {};
  for (const [c, t] of Object.entries(trained.components)) {
    if (t) {
      components[c as Component] = {
        json: t.model.toJSON(),
        metrics: t.metrics,
      };
    }
  }
  return { ...trained, components };
}

/** A trained model whose component models are their JSON (enough to write files). */
export function trainedFromSerialized(data: SerializedTrained): TrainedModel {
  const components: TrainedModel["components"] = {};
  for (const [c, t] of Object.entries(data.components)) {
    if (!t) continue;
    const json = t.json;
    components[c as Component] = {
      model: {
        kind: json.kind,
        nFeatures: data.features.length,
        predict: () => new Float64Array(),
        toJSON: () => json,
      },
      metrics: t.metrics,
    };
  }
  return { ...data, components };
}
