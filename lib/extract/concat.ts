/**
 * Joins node-level frames of several queries (`train -i a,b`,
 * `estimate -i a,b`) into one:
 * rows are appended in input order, instance names merged into one
 * dictionary. Frames must have the same features and components.
 *
 * @module
 */
import type { Frame } from "../extract/frame.ts";

/**
 * Concatenates node-level frames; one frame is returned as it is.
 *
 * @param frames The frames to join, in the order their rows are appended.
 * @returns A node-level frame with every input row, the instance names of
 *   all inputs merged into one sorted dictionary, and the first frame's
 *   source, features and components.
 * @throws {RangeError} when no frame is given, a frame is at container
 *   level, or the frames differ in features or components.
 *
 * @example
 * ```ts
 * import { concatNodeFrames } from "./concat.ts";
 * import type { Frame } from "./frame.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const frame = (t: number, instance: string): Frame => ({
 *   level: "node", source: "acpi", length: 1, timestamp: Float64Array.of(t),
 *   instances: [instance], instance: new Uint32Array(1), containers: [],
 *   featureNames: ["a"], features: { a: Float64Array.of(t) },
 *   components: ["platform"], power: { platform: Float64Array.of(100 + t) }, nodeType: new Int32Array(1),
 * });
 * const joined = concatNodeFrames([frame(1, "n2"), frame(2, "n1")]);
 * assertEquals([...joined.timestamp], [1, 2]);
 * assertEquals(joined.instances, ["n1", "n2"]);
 * assertEquals([...joined.instance], [1, 0]);
 * ```
 */
export function concatNodeFrames(frames: readonly Frame[]): Frame {
  const [first] = frames;
  if (first === undefined) {
    throw new RangeError("Cannot join frames: none was given");
  }
  if (frames.length === 1) return first;
  for (const f of frames) {
    if (f.level !== "node") {
      throw new RangeError(
        "Cannot join container-level frames: isolate or aggregate them first",
      );
    }
    if (
      f.featureNames.join() !== first.featureNames.join() ||
      f.components.join() !== first.components.join()
    ) {
      throw new RangeError(
        `Cannot join frames with different columns: [${f.featureNames}] vs [${first.featureNames}]`,
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
    for (let i = 0; i < f.length; i++) {
      instance[at + i] = instances.indexOf(f.instances[f.instance[i]!]!);
    }
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
