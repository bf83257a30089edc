/**
 * The `min`, `quantile` and `floor` isolators: each component's idle power
 * is estimated per Kepler instance from the data itself and subtracted.
 *
 * `min` is upstream's MinIdleIsolator (the minimum over the data), per
 * instance instead of over all nodes at once. On noisy power the minimum
 * is the deepest noise dip, not the idle level: with σ = 2 W of noise it
 * lands 3–6 W below the true idle power on the simulator. `quantile` (not
 * in upstream) takes a low quantile instead (default q = 0.05), so one
 * outlier interval does not set the idle level; it still depends on how
 * much of the data is idle. `floor` (not in upstream; the default of
 * `train` and `isolate`) finds the quietest stretch of the power series
 * and takes the median of the rows as quiet as it ({@linkcode floorLevel}).
 * On the simulator (demo loads, σ = 2 W, `bench/isolate_bench.ts`) its
 * estimate is 0.4 W from the true power of the idle phase on average
 * (worst 0.9 W), where `min` is 4.7 W below it and `quantile` 0.75 W off;
 * for dram (true idle 8 W) 0.75 W against `min`'s 4.3 W.
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

/** Options of {@linkcode floorLevel} and {@linkcode isolateFloor}. */
export interface FloorOptions {
  /**
   * Rows in the rolling-median window. A series of fewer than 4 × window
   * rows is too short to tell noise from load steps: its floor is its
   * minimum.
   *
   * @default {9}
   */
  window?: number;
}

/**
 * The noise of one value of a series: the median absolute difference of
 * successive values × 1.4826 / √2 (σ for Gaussian noise; load steps are
 * rare among the differences, so they do not count). 0 for < 2 values.
 */
function successiveNoise(values: Float64Array): number {
  if (values.length < 2) return 0;
  const d = new Float64Array(values.length - 1);
  for (let i = 1; i < values.length; i++) {
    d[i - 1] = Math.abs(values[i]! - values[i - 1]!);
  }
  return quantile(d, 0.5) * 1.4826 / Math.SQRT2;
}

/**
 * The idle level of a power series in time order, robust to measurement
 * noise: (1) the rolling median over `window` rows, whose minimum marks the
 * quietest stretch; (2) every window whose median is within two standard
 * errors of a window median (2 × 1.2533 σ/√window, σ the noise of one row
 * from successive differences) of that minimum is as quiet; (3) the median
 * of the rows of those windows. The minimum of the raw values (upstream's `min`)
 * is the deepest noise dip instead. Fewer than 4 × window values give
 * their minimum; no values give NaN.
 *
 * @param values Power in time order, W.
 * @param options The window.
 * @returns The idle level, W.
 * @throws {RangeError} when the window is not a positive integer.
 *
 * @example
 * ```ts
 * import { floorLevel } from "./idle_estimate.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * // idle at 10 W with ±1 W noise and one deep dip, then a load at 50 W
 * const idle = [11, 9, 10, 11, 9, 10, 2, 10, 11, 9, 10, 11, 9, 10, 11, 9];
 * const v = Float64Array.from([...idle, ...idle.map(() => 50)]);
 * assertEquals(floorLevel(v, { window: 5 }), 10);
 * ```
 */
export function floorLevel(
  values: Float64Array,
  options: FloorOptions = {},
): number {
  const window = options.window ?? 9;
  if (!Number.isInteger(window) || window < 1) {
    throw new RangeError(
      `Invalid floor window ${window}: expected an integer ≥ 1`,
    );
  }
  const n = values.length;
  if (n < 4 * window) return quantile(values, 0);
  const w = window;
  const medians = new Float64Array(n - w + 1);
  let lowest = Infinity;
  for (let i = 0; i + w <= n; i++) {
    medians[i] = quantile(values.subarray(i, i + w), 0.5);
    lowest = Math.min(lowest, medians[i]!);
  }
  // the standard error of a median of w values with Gaussian noise σ
  const spread = 1.2533 * successiveNoise(values) / Math.sqrt(w);
  const band = lowest + 2 * spread;
  const quiet = new Uint8Array(n);
  for (let i = 0; i < medians.length; i++) {
    if (medians[i]! <= band) quiet.fill(1, i, i + w);
  }
  return quantile(values.filter((_, i) => quiet[i] === 1), 0.5);
}

/**
 * Options of {@linkcode idleEstimates}, {@linkcode isolateQuantile},
 * {@linkcode isolateFloor}.
 */
export interface IdleEstimateOptions {
  /** `min` (upstream), `quantile` or `floor`. Default: `quantile`. */
  method?: "min" | "quantile" | "floor";
  /** The quantile of the `quantile` method. Default: 0.05. */
  q?: number;
  /** The rolling-median window of the `floor` method, rows. Default: 9. */
  window?: number;
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
  const level = method === "floor"
    ? (v: Float64Array) =>
      floorLevel(
        v,
        options.window === undefined ? {} : { window: options.window },
      )
    : (v: Float64Array) => quantile(v, q);
  const out: IdleEstimates = {};
  rowsByInstance(node).forEach((rows, i) => {
    if (rows.length === 0) return;
    // in time order (the floor's rolling window runs along time)
    const ordered = Array.from(rows).sort((a, b) =>
      node.timestamp[a]! - node.timestamp[b]!
    );
    const estimate: Partial<Record<Component, number>> = {};
    for (const c of node.components) {
      const col = powerOf(node, c);
      estimate[c] = level(Float64Array.from(ordered, (r) => col[r]!));
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

/**
 * The `floor` isolator (the default of `train`): squeeze, then subtract
 * each instance's {@linkcode floorLevel} per component, clipped at 0.
 *
 * @param frame An extracted frame, container or node level.
 * @param options The rolling-median window.
 * @returns A node-level frame whose power is dynamic power.
 * @throws {RangeError} when the window is not a positive integer.
 *
 * @example
 * ```ts
 * import { isolateFloor } from "./idle_estimate.ts";
 * import type { Frame } from "../extract/mod.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const platform = Float64Array.of(101, 99, 100, 90, 100, 101, 99, 140, 141, 139, 140, 141);
 * const frame = {
 *   level: "node", source: "acpi", length: 12, timestamp: Float64Array.from(platform.keys()),
 *   instances: ["n"], instance: new Uint32Array(12), containers: [], featureNames: [], features: {},
 *   components: ["platform"], power: { platform }, nodeType: new Int32Array(12),
 * } satisfies Frame;
 * // idle is 100 W: the dip to 90 W is noise, not idle
 * assertEquals([...isolateFloor(frame, { window: 3 }).power.platform!].slice(7), [40, 41, 39, 40, 41]);
 * ```
 */
export function isolateFloor(
  frame: Frame,
  options: FloorOptions = {},
): Frame {
  const node = squeeze(frame);
  return subtract(
    node,
    idleEstimates(node, {
      method: "floor",
      ...(options.window === undefined ? {} : { window: options.window }),
    }),
  );
}
