/**
 * The `min` and `quantile` isolators: each component's idle power is
 * estimated per Kepler instance from the data itself and subtracted.
 *
 * `min` is upstream's MinIdleIsolator (the minimum over the data), per
 * instance instead of over all nodes at once. `quantile` (not in upstream)
 * takes a low quantile instead (default q = 0.05), so one outlier interval
 * (a counter glitch, a stale scrape) does not set the idle level.
 *
 * @module
 */
import { type Frame, powerOf, rowsByInstance } from "../extract/mod.ts";
import type { Component } from "../types.ts";
import { squeeze } from "./squeeze.ts";

/**
 * The q-quantile of values with linear interpolation between order
 * statistics (numpy's default, type 7). NaN for no values.
 *
 * @example
 * ```ts
 * import { quantile } from "./idle_estimate.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(quantile(Float64Array.of(4, 1, 3, 2), 0), 1);
 * assertEquals(quantile(Float64Array.of(4, 1, 3, 2), 0.5), 2.5);
 * assertEquals(quantile(Float64Array.of(10, 20), 0.05), 10.5);
 * ```
 */
export function quantile(values: Float64Array, q: number): number {
  if (!(q >= 0 && q <= 1)) {
    throw new RangeError(`Invalid quantile ${q}: expected a number in [0, 1]`);
  }
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/** Options of {@linkcode idleEstimates}, {@linkcode isolateQuantile}. */
export interface IdleEstimateOptions {
  /** `min` (upstream) or `quantile`. Default: `quantile`. */
  method?: "min" | "quantile";
  /** The quantile of the `quantile` method. Default: 0.05. */
  q?: number;
}

/** Idle power per instance name and component, in watts. */
export type IdleEstimates = Record<string, Partial<Record<Component, number>>>;

/**
 * Estimates each instance's idle power per component from the power
 * columns of a frame (container frames are squeezed first).
 *
 * @example
 * ```ts
 * import { idleEstimates } from "./idle_estimate.ts";
 * import type { Frame } from "../extract/mod.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const frame = {
 *   level: "node", source: "acpi", length: 3, timestamp: Float64Array.of(1, 2, 3),
 *   instances: ["n"], instance: new Uint32Array(3), containers: [], featureNames: [], features: {},
 *   components: ["platform"], power: { platform: Float64Array.of(120, 100, 140) }, nodeType: new Int32Array(3),
 * } satisfies Frame;
 * assertEquals(idleEstimates(frame, { method: "min" }), { n: { platform: 100 } });
 * assertEquals(idleEstimates(frame, { q: 0.5 }), { n: { platform: 120 } });
 * ```
 */
export function idleEstimates(
  frame: Frame,
  options: IdleEstimateOptions = {},
): IdleEstimates {
  const node = squeeze(frame);
  const method = options.method ?? "quantile";
  const q = method === "min" ? 0 : options.q ?? 0.05;
  const out: IdleEstimates = {};
  rowsByInstance(node).forEach((rows, i) => {
    if (rows.length === 0) return;
    const estimate: Partial<Record<Component, number>> = {};
    for (const c of node.components) {
      const col = powerOf(node, c);
      estimate[c] = quantile(Float64Array.from(rows, (r) => col[r]!), q);
    }
    out[node.instances[i]!] = estimate;
  });
  return out;
}

/**
 * Subtracts a per-instance idle estimate from a node frame's power, clipped
 * at 0 (DynPower labels are never negative).
 */
function subtract(node: Frame, idle: IdleEstimates): Frame {
  const power: Partial<Record<Component, Float64Array>> = {};
  for (const c of node.components) {
    const col = powerOf(node, c);
    const out = new Float64Array(node.length);
    for (let r = 0; r < node.length; r++) {
      const base = idle[node.instances[node.instance[r]!]!]?.[c] ?? 0;
      out[r] = Math.max(0, col[r]! - base);
    }
    power[c] = out;
  }
  return { ...node, power };
}

/**
 * The `min` isolator: squeeze, then subtract each instance's minimum power
 * per component.
 *
 * @param frame An extracted frame, container or node level.
 * @returns A node-level frame whose power is dynamic power: each row's
 *   power minus its instance's minimum, so the lowest row is 0.
 *
 * @example
 * ```ts
 * import { isolateMin } from "./idle_estimate.ts";
 * import type { Frame } from "../extract/mod.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const frame = {
 *   level: "node", source: "acpi", length: 3, timestamp: Float64Array.of(1, 2, 3),
 *   instances: ["n"], instance: new Uint32Array(3), containers: [], featureNames: [], features: {},
 *   components: ["platform"], power: { platform: Float64Array.of(120, 100, 140) }, nodeType: new Int32Array(3),
 * } satisfies Frame;
 * assertEquals([...isolateMin(frame).power.platform!], [20, 0, 40]);
 * ```
 */
export function isolateMin(frame: Frame): Frame {
  const node = squeeze(frame);
  return subtract(node, idleEstimates(node, { method: "min" }));
}

/** Options of {@linkcode isolateQuantile}. */
export interface QuantileIsolateOptions {
  /** The quantile taken as idle power. Default: 0.05. */
  q?: number;
}

/**
 * The `quantile` isolator: squeeze, then subtract each instance's q-quantile
 * of power per component, clipped at 0.
 *
 * @example
 * ```ts
 * import { isolateQuantile } from "./idle_estimate.ts";
 * import type { Frame } from "../extract/mod.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const frame = {
 *   level: "node", source: "acpi", length: 3, timestamp: Float64Array.of(1, 2, 3),
 *   instances: ["n"], instance: new Uint32Array(3), containers: [], featureNames: [], features: {},
 *   components: ["platform"], power: { platform: Float64Array.of(120, 100, 140) }, nodeType: new Int32Array(3),
 * } satisfies Frame;
 * assertEquals([...isolateQuantile(frame, { q: 0.5 }).power.platform!], [0, 0, 20]);
 * ```
 */
export function isolateQuantile(
  frame: Frame,
  options: QuantileIsolateOptions = {},
): Frame {
  const node = squeeze(frame);
  return subtract(
    node,
    idleEstimates(node, { method: "quantile", q: options.q ?? 0.05 }),
  );
}
