/**
 * The `trainer` isolator (upstream's TrainIsolator): the power of the
 * background containers is predicted by an AbsPower model from their usage
 * and subtracted from each component (clipped at 0); the features are the
 * target containers' usage. The model is passed in as a function, so this
 * stage never imports the training stage.
 *
 * Background containers are, in this order: the names given (from an idle
 * query), else those not matching any target hint, else those matching a
 * background hint, else none (every container is a target, and the
 * prediction at zero background usage is the idle power). Upstream passed
 * the background hints through the target-hint function (inverting them),
 * made every container background when no hint was given, and overwrote the
 * idle-query names with None.
 *
 * @module
 */
import {
  type ContainerKey,
  featureOf,
  type Frame,
  powerOf,
} from "../extract/mod.ts";
import type { Component } from "../types.ts";
import { squeeze } from "./squeeze.ts";

/** Predicts absolute power per component for each row of a usage frame. */
export type BackgroundPredictor = (
  usage: Frame,
) => Partial<Record<Component, Float64Array>>;

/** A candidate background model. */
export interface BackgroundModel {
  /** The predictor. */
  readonly predict: BackgroundPredictor;
  /** Its error (lower is better) for choosing among candidates. Default: 0. */
  readonly mae?: number;
  /** A name for messages. Default: `model <index>`. */
  readonly name?: string;
}

/** Options of {@linkcode isolateTrainer}. */
export interface TrainerIsolateOptions {
  /**
   * Background container names (e.g. from an idle query).
   *
   * @default {undefined} none
   */
  backgroundContainers?: ReadonlySet<string>;
  /**
   * Containers whose name contains one of these are targets.
   *
   * @default {undefined} none
   */
  targetHints?: readonly string[];
  /**
   * Containers whose name contains one of these are background.
   *
   * @default {undefined} none
   */
  bgHints?: readonly string[];
  /**
   * Candidates whose dynamic power correlates at least this much with the
   * target usage are preferred (then the lowest `mae`).
   *
   * @default {0.7}
   */
  corrThreshold?: number;
}

/**
 * Which containers are background under the options (see the module doc).
 *
 * @example
 * ```ts
 * import { isBackground } from "./isolate_trainer.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const c = (name: string) => ({ id: name, containerId: "", podName: "", containerName: name, containerNamespace: "" });
 * assertEquals(isBackground({ targetHints: ["stress"] })(c("coredns")), true);
 * assertEquals(isBackground({ bgHints: ["core"] })(c("coredns")), true);
 * assertEquals(isBackground({ bgHints: ["core"] })(c("stress-ng")), false);
 * assertEquals(isBackground({})(c("coredns")), false);
 * ```
 */
export function isBackground(
  options: TrainerIsolateOptions,
): (container: ContainerKey) => boolean {
  const names = options.backgroundContainers;
  if (names !== undefined && names.size > 0) {
    return (c) => names.has(c.containerName);
  }
  const targets = options.targetHints ?? [];
  if (targets.length > 0) {
    return (c) => !targets.some((h) => c.containerName.includes(h));
  }
  const bg = options.bgHints ?? [];
  if (bg.length > 0) return (c) => bg.some((h) => c.containerName.includes(h));
  return () => false;
}

function zeroUsage(frame: Frame): Frame {
  const features: Record<string, Float64Array> = {};
  for (const f of frame.featureNames) {
    features[f] = new Float64Array(frame.length);
  }
  return { ...frame, features };
}

function pearson(a: Float64Array, b: Float64Array): number {
  const n = a.length;
  if (n < 2) return NaN;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i]!;
    mb += b[i]!;
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i]! - ma;
    const db = b[i]! - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return sab / Math.sqrt(saa * sbb);
}

/**
 * Isolates dynamic power with a background model (or the best of several).
 * Throws a `RangeError` when a model does not predict a component of the
 * frame or predicts the wrong number of rows.
 *
 * @param frame An extracted frame, container or node level.
 * @param models An AbsPower predictor, or one or more candidate models
 *   (the one whose dynamic power correlates with the target usage above the
 *   threshold, then with the lowest `mae`, is used).
 * @param options Which containers are background (names or hints) and the
 *   correlation threshold.
 * @returns A node-level frame of the target containers' usage, with each
 *   component's power minus the power predicted from the background usage,
 *   clipped at 0.
 * @throws {RangeError} when no model is given, or a model predicts no
 *   values or the wrong number of rows for a component of the frame.
 *
 * @example
 * ```ts
 * import { isolateTrainer } from "./isolate_trainer.ts";
 * import type { Frame } from "../extract/mod.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const key = (name: string) => ({ id: name, containerId: name, podName: "", containerName: name, containerNamespace: "" });
 * const frame: Frame = {
 *   level: "container", source: "acpi", length: 2,
 *   timestamp: Float64Array.of(3, 3), instances: ["n"], instance: new Uint32Array(2),
 *   containers: [key("coredns"), key("stress")], container: Uint32Array.of(0, 1),
 *   featureNames: ["x"], features: { x: Float64Array.of(2, 5) },
 *   components: ["platform"], power: { platform: Float64Array.of(130, 130) }, nodeType: new Int32Array(2),
 * };
 * // an AbsPower model: 100 W idle + 1 W per unit of x
 * const model = (usage: Frame) => ({ platform: usage.features.x!.map((x) => 100 + x) });
 * const dyn = isolateTrainer(frame, model, { targetHints: ["stress"] });
 * assertEquals([...dyn.features.x!], [5]);
 * assertEquals([...dyn.power.platform!], [28]);
 * ```
 */
export function isolateTrainer(
  frame: Frame,
  models: BackgroundPredictor | BackgroundModel | readonly BackgroundModel[],
  options: TrainerIsolateOptions = {},
): Frame {
  const candidates: readonly BackgroundModel[] = typeof models === "function"
    ? [{ predict: models }]
    : Array.isArray(models)
    ? models as readonly BackgroundModel[]
    : [models as BackgroundModel];
  if (candidates.length === 0) {
    throw new RangeError(
      "Cannot isolate with the trainer isolator: no background model was given",
    );
  }
  const background = isBackground(options);
  const hinted = (options.backgroundContainers?.size ?? 0) > 0 ||
    (options.targetHints?.length ?? 0) > 0 ||
    (options.bgHints?.length ?? 0) > 0;
  // A node-level frame has no containers to separate: all usage is target
  // usage and the background is predicted at zero usage.
  const target = frame.level === "node" && !hinted
    ? frame
    : squeeze(frame, { include: (c) => !background(c) });
  const bgUsage = frame.level === "node" && !hinted
    ? zeroUsage(frame)
    : squeeze(frame, { include: background });
  const threshold = options.corrThreshold ?? 0.7;
  let best:
    | {
      power: Partial<Record<Component, Float64Array>>;
      mae: number;
      corr: number;
    }
    | undefined;
  candidates.forEach((model, index) => {
    const name = model.name ?? `model ${index}`;
    const predicted = model.predict(bgUsage);
    const power: Partial<Record<Component, Float64Array>> = {};
    for (const c of target.components) {
      const p = predicted[c];
      if (p === undefined || p.length !== target.length) {
        throw new RangeError(
          `Cannot isolate with the trainer isolator: ${name} predicted ${
            p === undefined ? "no" : `${p.length} rows of`
          } ${c} power for ${target.length} rows`,
        );
      }
      const label = powerOf(target, c);
      const out = new Float64Array(target.length);
      for (let r = 0; r < target.length; r++) {
        out[r] = Math.max(0, label[r]! - p[r]!);
      }
      power[c] = out;
    }
    const first = target.components[0];
    let corr = 0;
    if (first !== undefined) {
      for (const f of target.featureNames) {
        const v = pearson(power[first]!, featureOf(target, f));
        if (Number.isFinite(v) && v > corr) corr = v;
      }
    }
    const mae = model.mae ?? 0;
    const better = best === undefined ||
        (corr >= threshold) !== (best.corr >= threshold)
      ? best === undefined || corr >= threshold
      : mae < best.mae || (mae === best.mae && corr > best.corr);
    if (better) best = { power, mae, corr };
  });
  return { ...target, power: best!.power };
}
