/**
 * A node type's error history: the last `window` errors per
 * `source/component`, the medians above the bound, and the cycle the
 * errors rose at.
 *
 * @module
 */
import { median } from "./max_error.ts";
import type { ExclusionReport } from "../extract/data_checks.ts";
import {
  type EnergySource,
  type FeatureGroup,
  SOURCE_COMPONENTS,
} from "../types.ts";
import { featureGroupFeatures } from "../vocabulary/features.ts";
import {
  featureMetric,
  NODE_INFO_METRIC,
  powerMetric,
} from "../vocabulary/metric_names.ts";
import type { CalibrateMetrics } from "./calibrate_metrics.ts";
import type { NodeState } from "./_windows.ts";

/** Median errors above `bound`, per key whose window is full; else undefined. */
export function overBound(
  state: NodeState,
  window: number,
  bound: number,
): Record<string, number> | undefined {
  const over: Record<string, number> = {};
  let any = false;
  for (const [key, h] of state.history) {
    if (h.length < window) continue;
    const m = median(h.map((x) => x.error));
    if (m > bound) {
      over[key] = m;
      any = true;
    }
  }
  return any ? over : undefined;
}

/**
 * Appends a cycle's errors (keeping the last `window` per key) and updates
 * the rise: when the medians go over the bound, the first cycle of the
 * window whose error was above it; undefined once they are back under.
 */
export function recordErrors(
  state: NodeState,
  seq: number,
  errs: ReadonlyMap<string, number>,
  window: number,
  bound: number,
): void {
  for (const [key, error] of errs) {
    const h = state.history.get(key) ?? [];
    h.push({ seq, error });
    while (h.length > window) h.shift();
    state.history.set(key, h);
  }
  const over = overBound(state, window, bound);
  if (over === undefined) {
    state.riseSeq = undefined;
    return;
  }
  if (state.riseSeq !== undefined) return;
  let first = seq;
  for (const [key, h] of state.history) {
    if (!(key in over)) continue;
    for (const x of h) if (x.error > bound) first = Math.min(first, x.seq);
  }
  state.riseSeq = first;
}

/** The Kepler metrics a cycle reads: node info, features, energy counters. */
export function metricNamesOf(
  group: FeatureGroup,
  sources: readonly EnergySource[],
): string[] {
  const out = new Set<string>([NODE_INFO_METRIC]);
  for (const f of featureGroupFeatures(group)) {
    out.add(featureMetric(f, "container"));
  }
  for (const s of sources) {
    for (const c of SOURCE_COMPONENTS[s]) out.add(powerMetric(c));
  }
  return [...out];
}

/** Counts what the extractor excluded (a broken meter), by reason. */
export function countExcluded(
  metrics: CalibrateMetrics,
  r: ExclusionReport,
): void {
  for (const [reason, n] of Object.entries(r.counts)) {
    if (n > 0) metrics.count("excluded_intervals", reason, n);
  }
  if (r.resets > 0) {
    metrics.count("excluded_intervals", "counter_reset", r.resets);
  }
}
