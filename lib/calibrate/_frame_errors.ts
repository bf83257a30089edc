/**
 * The error of a served model on a frame's rows, per component, through
 * serve's own estimator.
 *
 * @module
 */
import type { Frame } from "../extract/frame.ts";
import type { ServedModel } from "../serve/pipeline_catalog.ts";
import { estimatePower } from "../serve/estimate_power.ts";
import type { PowerRequest } from "../serve/power_request.ts";
import type { Component } from "../types.ts";
import { errorOf, type MaxError } from "./max_error.ts";

/** Error per component of `model` on `frame` (estimated as serve does). */
export async function frameErrors(
  model: ServedModel,
  frame: Frame,
  o: { kind: MaxError["kind"]; pipelineName: string },
): Promise<Map<Component, number>> {
  const request: PowerRequest = {
    metrics: [...frame.featureNames],
    columns: frame.featureNames.map((f) => frame.features[f]!),
    rows: frame.length,
    outputType: "AbsPower",
    source: frame.source,
    systemFeatures: [],
    systemValues: [],
    trainerName: "",
    filters: [],
    filter: "",
    nodeType: -1,
    pipelineName: o.pipelineName,
    intervals: false,
  };
  const estimate = await estimatePower(model, request);
  const out = new Map<Component, number>();
  for (const c of frame.components) {
    const predicted = estimate.powers[c];
    const measured = frame.power[c];
    if (predicted === undefined || measured === undefined) continue;
    out.set(c, errorOf(o.kind, predicted, measured));
  }
  return out;
}
