/**
 * The `smooth` extractor's step: a rolling mean over the last `window` rows,
 * kept apart per series (upstream ran one window down the interleaved rows
 * of all containers).
 *
 * @module
 */
import type { Component } from "../types.ts";
import { type Frame, powerOf, rowsByInstance, takeRows } from "./frame.ts";

/** Options of {@linkcode smoothFrame}. */
export interface SmoothOptions {
  /** Number of rows in the window. Default: 30 (upstream's). */
  window?: number;
}

function rollingMean(
  source: Float64Array,
  rows: ArrayLike<number>,
  window: number,
  into: Float64Array,
): void {
  for (let j = window - 1; j < rows.length; j++) {
    let sum = 0;
    for (let i = j - window + 1; i <= j; i++) sum += source[rows[i]!]!;
    into[rows[j]!] = sum / window;
  }
}

/**
 * Smooths a frame with a rolling mean of `window` rows (pandas'
 * `rolling(window).mean()`, rows without a full window dropped):
 *
 * - node level: features and power per instance, over its rows in time
 *   order;
 * - container level: features per container over that container's rows,
 *   and power per instance over the instance's timestamps; a row is kept
 *   when both windows are full.
 *
 * @example
 * ```ts
 * import { smoothFrame } from "./smooth.ts";
 * import type { Frame } from "./frame.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const frame: Frame = {
 *   level: "node", source: "acpi", length: 4,
 *   timestamp: Float64Array.of(1, 2, 3, 4), instances: ["n"], instance: new Uint32Array(4),
 *   containers: [], featureNames: ["x"], features: { x: Float64Array.of(1, 3, 5, 7) },
 *   components: ["platform"], power: { platform: Float64Array.of(10, 20, 30, 40) },
 *   nodeType: new Int32Array(4),
 * };
 * const smooth = smoothFrame(frame, { window: 2 });
 * assertEquals([...smooth.timestamp], [2, 3, 4]);
 * assertEquals([...smooth.features.x!], [2, 4, 6]);
 * assertEquals([...smooth.power.platform!], [15, 25, 35]);
 * ```
 */
export function smoothFrame(frame: Frame, options: SmoothOptions = {}): Frame {
  const window = options.window ?? 30;
  if (!Number.isInteger(window) || window < 1) {
    throw new RangeError(
      `Invalid smooth window ${window}: expected a whole number of rows ≥ 1`,
    );
  }
  const n = frame.length;
  const features: Record<string, Float64Array> = {};
  for (const f of frame.featureNames) features[f] = new Float64Array(n);
  const power: Partial<Record<Component, Float64Array>> = {};
  for (const c of frame.components) power[c] = new Float64Array(n);
  const keep = new Uint8Array(n);

  const byInstance = rowsByInstance(frame);
  if (frame.level === "node" || frame.container === undefined) {
    for (const rows of byInstance) {
      for (const f of frame.featureNames) {
        rollingMean(frame.features[f]!, rows, window, features[f]!);
      }
      for (const c of frame.components) {
        rollingMean(powerOf(frame, c), rows, window, power[c]!);
      }
      for (let j = window - 1; j < rows.length; j++) keep[rows[j]!] = 1;
    }
  } else {
    const container = frame.container;
    const full = new Uint8Array(n);
    for (const rows of byInstance) {
      // the instance's power: one value per distinct timestamp
      const first: number[] = [];
      for (const r of rows) {
        const last = first[first.length - 1];
        if (
          last === undefined || frame.timestamp[last] !== frame.timestamp[r]
        ) {
          first.push(r);
        }
      }
      const smoothedAt = new Map<number, number>();
      for (const c of frame.components) {
        rollingMean(powerOf(frame, c), first, window, power[c]!);
      }
      for (let j = window - 1; j < first.length; j++) {
        smoothedAt.set(frame.timestamp[first[j]!]!, first[j]!);
      }
      // features per container
      const byContainer = new Map<number, number[]>();
      for (const r of rows) {
        const list = byContainer.get(container[r]!);
        if (list === undefined) byContainer.set(container[r]!, [r]);
        else list.push(r);
      }
      for (const list of byContainer.values()) {
        for (const f of frame.featureNames) {
          rollingMean(frame.features[f]!, list, window, features[f]!);
        }
        for (let j = window - 1; j < list.length; j++) full[list[j]!] = 1;
      }
      for (const r of rows) {
        const at = smoothedAt.get(frame.timestamp[r]!);
        if (!full[r] || at === undefined) continue;
        for (const c of frame.components) power[c]![r] = power[c]![at]!;
        keep[r] = 1;
      }
    }
  }
  const smoothed: Frame = { ...frame, features, power };
  const kept: number[] = [];
  for (let r = 0; r < n; r++) if (keep[r]) kept.push(r);
  return takeRows(smoothed, Uint32Array.from(kept));
}
