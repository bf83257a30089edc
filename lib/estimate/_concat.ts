/**
 * Joins node-level frames of several queries (`estimate -i a,b`): rows
 * appended in input order, instance names merged into one dictionary.
 * (The same join as the train stage's private one.)
 *
 * @module
 */
import type { Frame } from "../extract/frame.ts";

/** Concatenates node-level frames with the same columns. */
export function concatFrames(frames: readonly Frame[]): Frame {
  const [first] = frames;
  if (first === undefined) {
    throw new RangeError("Cannot join frames: none was given");
  }
  if (frames.length === 1) return first;
  for (const f of frames) {
    if (
      f.level !== "node" ||
      f.featureNames.join() !== first.featureNames.join() ||
      f.components.join() !== first.components.join()
    ) {
      throw new RangeError(
        `Cannot join frames of different shapes: [${f.featureNames}] vs [${first.featureNames}]`,
      );
    }
  }
  const length = frames.reduce((n, f) => n + f.length, 0);
  const instances = [...new Set(frames.flatMap((f) => f.instances))].sort();
  const timestamp = new Float64Array(length);
  const instance = new Uint32Array(length);
  const nodeType = new Int32Array(length);
  const features: Record<string, Float64Array> = {};
  for (const name of first.featureNames) {
    features[name] = new Float64Array(length);
  }
  const power: Partial<Record<string, Float64Array>> = {};
  for (const c of first.components) power[c] = new Float64Array(length);
  let at = 0;
  for (const f of frames) {
    timestamp.set(f.timestamp, at);
    nodeType.set(f.nodeType, at);
    const map = f.instances.map((name) => instances.indexOf(name));
    for (let i = 0; i < f.length; i++) instance[at + i] = map[f.instance[i]!]!;
    for (const name of first.featureNames) {
      features[name]!.set(f.features[name]!, at);
    }
    for (const c of first.components) power[c]!.set(f.power[c]!, at);
    at += f.length;
  }
  return {
    level: "node",
    source: first.source,
    length,
    timestamp,
    instances,
    instance,
    containers: [],
    featureNames: first.featureNames,
    features,
    components: first.components,
    power: power as Frame["power"],
    nodeType,
  };
}
