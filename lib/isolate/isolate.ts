/**
 * The isolators by name (`--isolator`): from a container-level extracted
 * frame to a node-level frame whose power labels are dynamic power
 * (DynPower), never negative.
 *
 * | name | background power subtracted | background usage |
 * |---|---|---|
 * | `none` | nothing | kept |
 * | `min` | minimum of each component, per instance (upstream) | kept |
 * | `quantile` | low quantile (default 0.05) per instance | kept |
 * | `floor` | median of the quietest stretch per instance (the default) | kept |
 * | `profile` | `(min+max)/2 × #unit` of the idle profile, per node type | left out |
 * | `trainer` | predicted by an AbsPower model from background usage | left out |
 *
 * @module
 */
import type { Frame } from "../extract/mod.ts";
import type { IsolatorName } from "../types.ts";
import { isolateFloor, isolateMin, isolateQuantile } from "./idle_estimate.ts";
import { isolateProfile } from "./isolate_profile.ts";
import {
  type BackgroundModel,
  type BackgroundPredictor,
  isolateTrainer,
} from "./isolate_trainer.ts";
import type { IdleProfile } from "./profile.ts";
import { squeeze } from "./squeeze.ts";

/** Options of {@linkcode isolate}. */
export interface IsolateOptions {
  /**
   * The isolator.
   *
   * @default {undefined} `"floor"` (upstream's default `min` subtracts the
   * deepest noise dip; name it to get upstream's labels)
   */
  isolator?: IsolatorName;
  /**
   * Quantile of the `quantile` isolator.
   *
   * @default {0.05}
   */
  q?: number;
  /**
   * Idle profile of the frame's source (`profile`; required there).
   *
   * @default {undefined} none (an error for the `profile` isolator)
   */
  profile?: IdleProfile;
  /**
   * Background container names (`profile`, `trainer`).
   *
   * @default {undefined} none
   */
  backgroundContainers?: ReadonlySet<string>;
  /**
   * Background model(s) (`trainer`; required there).
   *
   * @default {undefined} none (an error for the `trainer` isolator)
   */
  predict?: BackgroundPredictor | BackgroundModel | readonly BackgroundModel[];
  /**
   * Target hints (`trainer`).
   *
   * @default {undefined} none
   */
  targetHints?: readonly string[];
  /**
   * Background hints (`trainer`).
   *
   * @default {undefined} none
   */
  bgHints?: readonly string[];
}

/**
 * The `none` isolator: squeeze only (the labels stay absolute power).
 *
 * @param frame An extracted frame, container or node level.
 * @returns The node-level frame: features summed over containers, power
 *   unchanged.
 *
 * @example
 * ```ts
 * import { isolateNone } from "./isolate.ts";
 * import type { Frame } from "../extract/mod.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const frame = {
 *   level: "node", source: "acpi", length: 1, timestamp: Float64Array.of(1),
 *   instances: ["n"], instance: new Uint32Array(1), containers: [], featureNames: [], features: {},
 *   components: ["platform"], power: { platform: Float64Array.of(120) }, nodeType: new Int32Array(1),
 * } satisfies Frame;
 * assertEquals([...isolateNone(frame).power.platform!], [120]);
 * ```
 */
export function isolateNone(frame: Frame): Frame {
  return squeeze(frame);
}

/**
 * Runs the isolator named in the options. Throws a `RangeError` when the
 * isolator needs an input that is not given (a profile, a model).
 *
 * @param frame An extracted frame, container or node level.
 * @param options The isolator (`floor` by default) and its inputs: quantile,
 *   idle profile, background containers, background models and hints.
 * @returns A node-level frame whose power is dynamic power, never negative
 *   (absolute power for the `none` isolator).
 * @throws {RangeError} when the `profile` isolator has no profile or the
 *   profile lacks a component or node type of the frame, or the `trainer`
 *   isolator has no model or a model predicts a component wrongly.
 *
 * @example
 * ```ts
 * import { isolate } from "./isolate.ts";
 * import type { Frame } from "../extract/mod.ts";
 * import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
 * const frame = {
 *   level: "node", source: "acpi", length: 2, timestamp: Float64Array.of(1, 2),
 *   instances: ["n"], instance: new Uint32Array(2), containers: [], featureNames: [], features: {},
 *   components: ["platform"], power: { platform: Float64Array.of(120, 100) }, nodeType: new Int32Array(2),
 * } satisfies Frame;
 * assertEquals([...isolate(frame, { isolator: "min" }).power.platform!], [20, 0]);
 * assertThrows(() => isolate(frame, { isolator: "profile" }), RangeError);
 * ```
 */
export function isolate(frame: Frame, options: IsolateOptions = {}): Frame {
  const isolator = options.isolator ?? "floor";
  switch (isolator) {
    case "none":
      return isolateNone(frame);
    case "min":
      return isolateMin(frame);
    case "floor":
      return isolateFloor(frame);
    case "quantile":
      return isolateQuantile(
        frame,
        options.q === undefined ? {} : { q: options.q },
      );
    case "profile": {
      if (options.profile === undefined) {
        throw new RangeError(
          `Cannot isolate with the profile isolator: no ${frame.source} idle profile was given (build one from an idle query with --profile)`,
        );
      }
      return isolateProfile(
        frame,
        options.profile,
        options.backgroundContainers === undefined
          ? {}
          : { backgroundContainers: options.backgroundContainers },
      );
    }
    case "trainer": {
      if (options.predict === undefined) {
        throw new RangeError(
          "Cannot isolate with the trainer isolator: no AbsPower background model was given",
        );
      }
      const { backgroundContainers, targetHints, bgHints } = options;
      return isolateTrainer(frame, options.predict, {
        ...(backgroundContainers === undefined ? {} : { backgroundContainers }),
        ...(targetHints === undefined ? {} : { targetHints }),
        ...(bgHints === undefined ? {} : { bgHints }),
      });
    }
  }
}
