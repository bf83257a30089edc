/**
 * Usage features per Kepler instance: each counter series becomes per-second
 * rates over its own intervals (per-row Δt), spread onto the instance's grid
 * by time overlap; gauges are averaged at the grid timestamps. Private to
 * lib/extract.
 *
 * @module
 */
import { CONTAINER_ID_LABELS } from "../types.ts";
import type { ContainerKey } from "./frame.ts";
import { lowerBound, type SeriesOptions } from "./_power.ts";
import { counterIdentity } from "../vocabulary/scrape_labels.ts";
import type { MetricSeries } from "./read_query.ts";

/** The grid of an instance (from its power series). */
export interface InstanceGrid {
  /** Grid timestamps; row k ≥ 1 is the interval (grid[k-1], grid[k]]. */
  readonly grid: Float64Array;
  /** Timestamps removed as stale repeats. */
  readonly stale: ReadonlySet<number>;
}

/** The rates of one series on rows [k0, k0 + values.length) of its grid. */
export interface SeriesRates {
  /** First row covered. */
  readonly k0: number;
  /** Rate contributed to each covered row. */
  readonly values: Float64Array;
  /** 1 where the series overlaps the row with a valid interval. */
  readonly touched: Uint8Array;
}

/** The container a series belongs to, or undefined for a node-level series. */
export function containerOf(
  labels: Readonly<Record<string, string>>,
): ContainerKey | undefined {
  if (!CONTAINER_ID_LABELS.some((l) => labels[l] !== undefined)) {
    return undefined;
  }
  const containerId = labels.container_id ?? "";
  const podName = labels.pod_name ?? "";
  const containerName = labels.container_name ?? "";
  const containerNamespace = labels.container_namespace ?? "";
  return {
    id: [containerId, podName, containerName, containerNamespace].join("/"),
    containerId,
    podName,
    containerName,
    containerNamespace,
  };
}

/** One metric's usage on one instance. */
export interface InstanceUsage {
  /** Per container id ("" for node-level series): its series' rates. */
  readonly byContainer: Map<
    string,
    { key: ContainerKey | undefined; rates: SeriesRates[] }
  >;
  /** 1 where at least one series overlaps the row. */
  readonly covered: Uint8Array;
  /** 1 where some series has an unusable interval (reset, NaN) on the row. */
  readonly invalid: Uint8Array;
  /** 1 where that interval has a sample below 0 (data that cannot be true). */
  readonly negative: Uint8Array;
  /** 1 where that interval is a decrease (read as a counter reset). */
  readonly reset: Uint8Array;
  /** 1 where that interval has a NaN or infinite sample at either end. */
  readonly nonFinite: Uint8Array;
  /** Σ over all series, per row. */
  readonly total: Float64Array;
}

/** The rows a usage metric cannot use, and why. */
interface Unusable {
  invalid: Uint8Array;
  negative: Uint8Array;
  reset: Uint8Array;
  nonFinite: Uint8Array;
}

function seriesRates(
  s: MetricSeries,
  g: InstanceGrid,
  unusable: Unusable,
  claimed: Uint8Array | undefined,
): SeriesRates | undefined {
  const { invalid, negative, reset, nonFinite } = unusable;
  const grid = g.grid;
  const n = grid.length;
  const t = s.timestamps;
  const v = s.values;
  const checkStale = g.stale.size > 0;
  // first and last usable sample times
  let first = -1;
  let last = -1;
  for (let i = 0; i < t.length; i++) {
    if (checkStale && g.stale.has(t[i]!)) continue;
    if (first < 0) first = i;
    last = i;
  }
  if (first < 0 || last === first || n < 2) return undefined;
  // rows overlapping (t[first], t[last]]
  // rows k ≥ 1 with grid[k] > t[first] and grid[k - 1] < t[last]
  let k0 = lowerBound(grid, t[first]!);
  if (k0 < n && grid[k0] === t[first]) k0++;
  if (k0 < 1) k0 = 1;
  let k1 = lowerBound(grid, t[last]!);
  if (k1 >= n) k1 = n - 1;
  if (k0 > k1) return undefined;
  const size = k1 - k0 + 1;
  const values = new Float64Array(size);
  const touched = new Uint8Array(size);
  let k = k0;
  let tp = t[first]!;
  let vp = v[first]!;
  for (let i = first + 1; i <= last; i++) {
    const tc = t[i]!;
    if (checkStale && g.stale.has(tc)) continue;
    const vc = v[i]!;
    const d = vc - vp;
    const below = vp < 0 || vc < 0;
    const bad = below || !(d >= 0) || !Number.isFinite(d);
    const rate = d / (tc - tp);
    while (k < n && grid[k - 1]! < tc) {
      const lo = grid[k - 1]!;
      const hi = grid[k]!;
      if (hi > tp) {
        const j = k - k0;
        if (claimed === undefined || !claimed[k]) {
          if (bad) {
            invalid[k] = 1;
            if (below) negative[k] = 1;
            else if (!Number.isFinite(vp) || !Number.isFinite(vc)) {
              nonFinite[k] = 1;
            } else if (d < 0) reset[k] = 1;
          } else {
            const overlap = Math.min(tc, hi) - Math.max(tp, lo);
            const width = hi - lo;
            if (overlap > 0) {
              values[j]! += overlap === width ? rate : rate * overlap / width;
              touched[j] = 1;
            }
          }
        }
      }
      if (hi <= tc) k++;
      else break;
    }
    tp = tc;
    vp = vc;
  }
  if (claimed !== undefined) {
    for (let j = 0; j < size; j++) if (touched[j]) claimed[k0 + j] = 1;
  }
  return { k0, values, touched };
}

/**
 * Spreads the series of one counter metric onto the grids of the instances.
 * `instanceOf` maps a series to its instance (series of unknown instances
 * are ignored).
 */
export function counterUsage(
  series: readonly MetricSeries[],
  grids: ReadonlyMap<string, InstanceGrid>,
  instanceOf: (labels: Readonly<Record<string, string>>) => string,
  options: SeriesOptions,
): Map<string, InstanceUsage> {
  // group series by instance, then by identity (incarnations of one counter)
  const groups = new Map<string, Map<string, MetricSeries[]>>();
  for (const s of series) {
    if (s.labels.job === options.vmJobName) continue;
    const instance = instanceOf(s.labels);
    if (!grids.has(instance)) continue;
    let ids = groups.get(instance);
    if (ids === undefined) {
      ids = new Map();
      groups.set(instance, ids);
    }
    const id = counterIdentity(s.labels);
    const list = ids.get(id);
    if (list === undefined) ids.set(id, [s]);
    else list.push(s);
  }
  const out = new Map<string, InstanceUsage>();
  for (const [instance, ids] of groups) {
    const g = grids.get(instance)!;
    const n = g.grid.length;
    const usage: InstanceUsage = {
      byContainer: new Map(),
      covered: new Uint8Array(n),
      invalid: new Uint8Array(n),
      negative: new Uint8Array(n),
      reset: new Uint8Array(n),
      nonFinite: new Uint8Array(n),
      total: new Float64Array(n),
    };
    for (const incarnations of ids.values()) {
      const claimed = incarnations.length > 1 ? new Uint8Array(n) : undefined;
      for (const s of incarnations) {
        const rates = seriesRates(s, g, usage, claimed);
        if (rates === undefined) continue;
        const key = containerOf(s.labels);
        const id = key?.id ?? "";
        let entry = usage.byContainer.get(id);
        if (entry === undefined) {
          entry = { key, rates: [] };
          usage.byContainer.set(id, entry);
        }
        entry.rates.push(rates);
        for (let j = 0; j < rates.values.length; j++) {
          if (rates.touched[j]) {
            usage.covered[rates.k0 + j] = 1;
            usage.total[rates.k0 + j]! += rates.values[j]!;
          }
        }
      }
    }
    out.set(instance, usage);
  }
  return out;
}

/**
 * Averages a gauge metric (e.g. `cpu_scaling_frequency_hertz` over CPUs) at
 * each grid timestamp, truncated to an integer as upstream does; rows
 * without a finite sample at their timestamp are marked invalid (and
 * `nonFinite` when a NaN or infinite one was there).
 */
export function gaugeUsage(
  series: readonly MetricSeries[],
  grids: ReadonlyMap<string, InstanceGrid>,
  instanceOf: (labels: Readonly<Record<string, string>>) => string,
  options: SeriesOptions,
): Map<string, InstanceUsage> {
  const sums = new Map<
    string,
    { sum: Float64Array; count: Uint32Array; bad: Uint8Array }
  >();
  for (const s of series) {
    if (s.labels.job === options.vmJobName) continue;
    const instance = instanceOf(s.labels);
    const g = grids.get(instance);
    if (g === undefined) continue;
    let acc = sums.get(instance);
    if (acc === undefined) {
      acc = {
        sum: new Float64Array(g.grid.length),
        count: new Uint32Array(g.grid.length),
        bad: new Uint8Array(g.grid.length),
      };
      sums.set(instance, acc);
    }
    for (let i = 0; i < s.timestamps.length; i++) {
      const k = lowerBound(g.grid, s.timestamps[i]!);
      const value = s.values[i]!;
      if (g.grid[k] !== s.timestamps[i]) continue;
      if (Number.isFinite(value)) {
        acc.sum[k]! += value;
        acc.count[k]!++;
      } else acc.bad[k] = 1;
    }
  }
  const out = new Map<string, InstanceUsage>();
  for (const [instance, acc] of sums) {
    const n = acc.sum.length;
    const total = new Float64Array(n);
    const covered = new Uint8Array(n);
    const invalid = new Uint8Array(n);
    const nonFinite = new Uint8Array(n);
    for (let k = 0; k < n; k++) {
      if (acc.count[k]! > 0) {
        total[k] = Math.trunc(acc.sum[k]! / acc.count[k]!);
        covered[k] = 1;
      } else {
        invalid[k] = 1;
        nonFinite[k] = acc.bad[k]!;
      }
    }
    out.set(instance, {
      byContainer: new Map(),
      covered,
      invalid,
      negative: new Uint8Array(n),
      reset: new Uint8Array(n),
      nonFinite,
      total,
    });
  }
  return out;
}
