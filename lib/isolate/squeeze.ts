/**
 * Squeezing a container-level frame into one row per timestamp and instance
 * (upstream's `squeeze_data`): features are summed over the containers,
 * power and node type are the node's (the same on every container row).
 *
 * @module
 */
import type { ContainerKey, Frame } from "../extract/mod.ts";
import type { Component } from "../types.ts";

/** Options of {@linkcode squeeze}. */
export interface SqueezeOptions {
  /**
   * Which containers' usage to sum. Rows of (timestamp, instance) where no
   * container is included are kept with zero usage (the node's power was
   * still measured). Default: every container.
   */
  include?: (container: ContainerKey) => boolean;
}

/**
 * Squeezes a container-level frame to node level. A node-level frame is
 * returned as it is (an `include` filter needs containers: `RangeError`).
 *
 * @example
 * ```ts
 * import { squeeze } from "./squeeze.ts";
 * import type { Frame } from "../extract/mod.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const key = (id: string) => ({ id, containerId: id, podName: "", containerName: id, containerNamespace: "" });
 * const frame: Frame = {
 *   level: "container", source: "acpi", length: 3,
 *   timestamp: Float64Array.of(3, 3, 6), instances: ["n"], instance: new Uint32Array(3),
 *   containers: [key("a"), key("b")], container: Uint32Array.of(0, 1, 1),
 *   featureNames: ["x"], features: { x: Float64Array.of(1, 2, 4) },
 *   components: ["platform"], power: { platform: Float64Array.of(100, 100, 120) },
 *   nodeType: new Int32Array(3),
 * };
 * const node = squeeze(frame);
 * assertEquals([...node.timestamp], [3, 6]);
 * assertEquals([...node.features.x!], [3, 4]);
 * assertEquals([...node.power.platform!], [100, 120]);
 * assertEquals([...squeeze(frame, { include: (c) => c.id === "a" }).features.x!], [1, 0]);
 * ```
 */
export function squeeze(frame: Frame, options: SqueezeOptions = {}): Frame {
  if (frame.level === "node" || frame.container === undefined) {
    if (options.include !== undefined) {
      throw new RangeError(
        "Cannot separate containers in a node-level frame: extract at container level (DynPower) to isolate background containers",
      );
    }
    return frame;
  }
  const include = options.include;
  const container = frame.container;
  const included = frame.containers.map((c) =>
    include === undefined || include(c)
  );
  // groups of consecutive rows with the same (timestamp, instance)
  const starts: number[] = [];
  for (let r = 0; r < frame.length; r++) {
    if (
      r === 0 || frame.timestamp[r] !== frame.timestamp[r - 1] ||
      frame.instance[r] !== frame.instance[r - 1]
    ) starts.push(r);
  }
  const m = starts.length;
  const timestamp = new Float64Array(m);
  const instance = new Uint32Array(m);
  const nodeType = new Int32Array(m);
  const features: Record<string, Float64Array> = {};
  for (const f of frame.featureNames) features[f] = new Float64Array(m);
  const power: Partial<Record<Component, Float64Array>> = {};
  for (const c of frame.components) power[c] = new Float64Array(m);
  starts.forEach((start, g) => {
    const end = g + 1 < m ? starts[g + 1]! : frame.length;
    timestamp[g] = frame.timestamp[start]!;
    instance[g] = frame.instance[start]!;
    nodeType[g] = frame.nodeType[start]!;
    for (const c of frame.components) power[c]![g] = frame.power[c]![start]!;
    for (const f of frame.featureNames) {
      const src = frame.features[f]!;
      let sum = 0;
      for (let r = start; r < end; r++) {
        if (included[container[r]!]) sum += src[r]!;
      }
      features[f]![g] = sum;
    }
  });
  return {
    level: "node",
    source: frame.source,
    length: m,
    timestamp,
    instances: frame.instances,
    instance,
    containers: [],
    featureNames: frame.featureNames,
    features,
    components: frame.components,
    power,
    nodeType,
  };
}
