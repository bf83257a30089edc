/**
 * The `profile` isolator (upstream's ProfileBackgroundIsolator): the usage
 * of background containers is left out of the features, and the background
 * power of the node type, `(min_watt + max_watt) / 2 × #unit` from the idle
 * profile, is subtracted from each component (clipped at 0).
 *
 * @module
 */
import { type Frame, powerOf } from "../extract/mod.ts";
import type { Component } from "../types.ts";
import { backgroundPower, type IdleProfile } from "./profile.ts";
import { squeeze } from "./squeeze.ts";

/** Options of {@linkcode isolateProfile}. */
export interface ProfileIsolateOptions {
  /**
   * Names of background containers (see `backgroundContainers`); their
   * usage is left out.
   *
   * @default {undefined} none (every container is a target)
   */
  backgroundContainers?: ReadonlySet<string>;
}

/**
 * Isolates dynamic power with an idle profile of the frame's energy
 * source. Throws a `RangeError` when the profile lacks a component or node
 * type of the frame.
 *
 * @param frame An extracted frame, container or node level.
 * @param profile The idle profile of the frame's energy source: per
 *   component and node type, the idle watts per unit and the unit count.
 * @param options The background containers whose usage is left out.
 * @returns A node-level frame of the target containers' usage, with each
 *   component's power minus the background power of the row's node type,
 *   clipped at 0.
 * @throws {RangeError} when the profile has no entry for a component and
 *   node type of the frame.
 *
 * @example
 * ```ts
 * import { isolateProfile } from "./isolate_profile.ts";
 * import type { Frame } from "../extract/mod.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const key = (name: string) => ({ id: name, containerId: name, podName: "", containerName: name, containerNamespace: "" });
 * const frame: Frame = {
 *   level: "container", source: "acpi", length: 2,
 *   timestamp: Float64Array.of(3, 3), instances: ["n"], instance: new Uint32Array(2),
 *   containers: [key("coredns"), key("stress")], container: Uint32Array.of(0, 1),
 *   featureNames: ["x"], features: { x: Float64Array.of(1, 5) },
 *   components: ["platform"], power: { platform: Float64Array.of(130, 130) }, nodeType: new Int32Array(2),
 * };
 * const profile = { platform: { "0": { min_watt: 100, max_watt: 110, "#unit": 1 } } };
 * const dyn = isolateProfile(frame, profile, { backgroundContainers: new Set(["coredns"]) });
 * assertEquals([...dyn.features.x!], [5]);
 * assertEquals([...dyn.power.platform!], [25]);
 * ```
 */
export function isolateProfile(
  frame: Frame,
  profile: IdleProfile,
  options: ProfileIsolateOptions = {},
): Frame {
  const background = options.backgroundContainers ?? new Set<string>();
  const node = background.size > 0
    ? squeeze(frame, { include: (c) => !background.has(c.containerName) })
    : squeeze(frame);
  const power: Partial<Record<Component, Float64Array>> = {};
  for (const c of node.components) {
    const col = powerOf(node, c);
    const out = new Float64Array(node.length);
    for (let r = 0; r < node.length; r++) {
      const nt = node.nodeType[r]!;
      const bg = backgroundPower(profile, c, nt);
      if (bg === undefined) {
        const types = Object.keys(profile[c] ?? {});
        throw new RangeError(
          `Cannot isolate with the profile isolator: the ${node.source} idle profile has no ${c} entry for node type ${nt} (${
            types.length === 0
              ? `no ${c} entry at all`
              : `${c} has node types ${types.join(", ")}`
          })`,
        );
      }
      out[r] = Math.max(0, col[r]! - bg);
    }
    power[c] = out;
  }
  return { ...node, power };
}
