/**
 * Node power per Kepler instance: Σ over sockets and modes of Δjoules/Δt,
 * on each instance's own time grid, with stale repeats removed. Private to
 * lib/extract.
 *
 * @module
 */
import {
  type Component,
  componentUnit,
  type EnergySource,
  powerMetric,
} from "../types.ts";
import type { Labels } from "../query/format.ts";
import type { MetricSeries, QueryData } from "./read_query.ts";
import { isReset, STUCK_INTERVALS } from "./data_checks.ts";
import { counterIdentity } from "../vocabulary/scrape_labels.ts";

/** Options shared by the power and usage readers. */
export interface SeriesOptions {
  /** Label that identifies a Kepler instance. */
  instanceLabel: string;
  /** Prometheus job of VM metrics, excluded from bare-metal data. */
  vmJobName: string;
  /** Power bound per component and node, in watts. Default: no bound. */
  maxPowerWatts?: number;
}

/**
 * Grid rows excluded for data that cannot be true (see data_checks.ts), and
 * rows dropped across counter resets; 1 where the reason applies.
 */
export interface RowFlags {
  /** A counter sample below 0 at either end. */
  readonly negative: Uint8Array;
  /** A counter decrease without reset. */
  readonly decrease: Uint8Array;
  /** A counter reset (restart). */
  readonly reset: Uint8Array;
  /** A NaN or infinite sample at either end (not data that cannot be true). */
  readonly nonFinite: Uint8Array;
  /** A socket counter stuck over STUCK_INTERVALS intervals or more. */
  readonly stuck: Uint8Array;
  /** A component's power above the bound. */
  readonly bound: Uint8Array;
}

function rowFlags(n: number): RowFlags {
  return {
    negative: new Uint8Array(n),
    decrease: new Uint8Array(n),
    reset: new Uint8Array(n),
    nonFinite: new Uint8Array(n),
    stuck: new Uint8Array(n),
    bound: new Uint8Array(n),
  };
}

/** The instance a series belongs to ("" when it has no instance label). */
export function instanceOf(labels: Labels, options: SeriesOptions): string {
  return labels[options.instanceLabel] ?? "";
}

/** Power of one unit (socket) or of all units of a component. */
export interface PowerColumn {
  /** Watts for each grid row k ≥ 1 (row 0 has no interval). */
  readonly watts: Float64Array;
  /** 1 where every counter of the column gives a valid interval. */
  readonly valid: Uint8Array;
}

/** Power of one instance on its grid. */
export interface InstancePower {
  /** The instance. */
  readonly instance: string;
  /** Grid timestamps after stale repeats were removed. */
  readonly grid: Float64Array;
  /** Timestamps removed as stale repeats (no counter moved). */
  readonly stale: ReadonlySet<number>;
  /** Power per component (all units and modes summed). */
  readonly components: ReadonlyMap<Component, PowerColumn>;
  /** Power per component and unit (`package` label, "" without one). */
  readonly units: ReadonlyMap<Component, ReadonlyMap<string, PowerColumn>>;
  /** 1 where every component is valid. */
  readonly valid: Uint8Array;
  /** Why rows were excluded (resets included). */
  readonly flags: RowFlags;
}

interface Slot {
  component: Component;
  unit: string;
  series: MetricSeries[];
  val: Float64Array;
  inc: Int32Array;
}

function lowerBound(a: Float64Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function unionGrid(slots: Iterable<Slot>): Float64Array {
  let total = 0;
  for (const slot of slots) {
    for (const s of slot.series) total += s.timestamps.length;
  }
  const all = new Float64Array(total);
  let n = 0;
  for (const slot of slots) {
    for (const s of slot.series) {
      all.set(s.timestamps, n);
      n += s.timestamps.length;
    }
  }
  all.sort();
  let m = 0;
  for (let i = 0; i < all.length; i++) {
    if (m === 0 || all[i] !== all[m - 1]) all[m++] = all[i]!;
  }
  return all.slice(0, m);
}

/** Why no power could be read, for a clear error. */
export interface PowerProblem {
  /** The metric concerned. */
  readonly metric: string;
  /** What is wrong with it. */
  readonly problem: string;
}

/**
 * Reads the power of every instance for an energy source. Returns the
 * instances, or the problems (missing metrics, no series of the source).
 */
export function instancePower(
  query: QueryData,
  source: EnergySource,
  components: readonly Component[],
  options: SeriesOptions,
): { instances: Map<string, InstancePower>; problems: PowerProblem[] } {
  const problems: PowerProblem[] = [];
  // instance → slot key → slot
  const byInstance = new Map<string, Map<string, Slot>>();
  for (const component of components) {
    const metric = powerMetric(component);
    const all = query.metrics.get(metric);
    if (all === undefined || all.length === 0) {
      problems.push({
        metric,
        problem: all === undefined
          ? `is missing from ${query.origin}`
          : `has no series in ${query.origin}`,
      });
      continue;
    }
    const unitLabel = componentUnit(component);
    let found = 0;
    for (const s of all) {
      if (s.labels.source !== source) continue;
      if (s.labels.job === options.vmJobName) continue;
      found++;
      const instance = instanceOf(s.labels, options);
      let slots = byInstance.get(instance);
      if (slots === undefined) {
        slots = new Map();
        byInstance.set(instance, slots);
      }
      const key = `${component}\u0001${counterIdentity(s.labels)}`;
      let slot = slots.get(key);
      if (slot === undefined) {
        slot = {
          component,
          unit: unitLabel === undefined ? "" : s.labels[unitLabel] ?? "",
          series: [],
          val: new Float64Array(0),
          inc: new Int32Array(0),
        };
        slots.set(key, slot);
      }
      slot.series.push(s);
    }
    if (found === 0) {
      const sources = [
        ...new Set(all.map((s) => s.labels.source ?? "(none)")),
      ].sort();
      problems.push({
        metric,
        problem:
          `has no series with source="${source}" in ${query.origin} (sources found: ${
            sources.join(", ")
          })`,
      });
    }
  }
  const instances = new Map<string, InstancePower>();
  if (problems.length > 0) return { instances, problems };
  for (const [instance, slots] of byInstance) {
    const have = new Set([...slots.values()].map((s) => s.component));
    if (!components.every((c) => have.has(c))) continue;
    instances.set(
      instance,
      powerOfInstance(
        instance,
        [...slots.values()],
        components,
        options.maxPowerWatts ?? Infinity,
      ),
    );
  }
  return { instances, problems };
}

/** Places every slot's samples on the union grid `raw` (NaN / -1 where none). */
function placeOnGrid(slots: Slot[], raw: Float64Array) {
  const n = raw.length;
  for (const slot of slots) {
    slot.val = new Float64Array(n).fill(NaN);
    slot.inc = new Int32Array(n).fill(-1);
    slot.series.forEach((s, j) => {
      let k = 0;
      for (let i = 0; i < s.timestamps.length; i++) {
        const t = s.timestamps[i]!;
        while (raw[k]! < t) k++;
        if (slot.inc[k] === -1) {
          slot.inc[k] = j;
          slot.val[k] = s.values[i]!;
        }
      }
    });
  }
}

/**
 * Drops stale repeats (a scrape where no counter of the source moved) from
 * the grid and the slots; returns the kept grid and the stale times.
 */
function dropStale(
  slots: Slot[],
  raw: Float64Array,
): { grid: Float64Array; stale: Set<number> } {
  const n = raw.length;
  const kept: number[] = [];
  const stale = new Set<number>();
  for (let k = 0; k < n; k++) {
    const prev = kept[kept.length - 1];
    if (prev !== undefined && slots.length > 0) {
      const repeat = slots.every((s) =>
        s.inc[k]! >= 0 && s.inc[k] === s.inc[prev] && s.val[k] === s.val[prev]
      );
      if (repeat) {
        stale.add(raw[k]!);
        continue;
      }
    }
    kept.push(k);
  }
  // Repeats from the first row on: when the first row's value was scraped
  // is unknown (up to Prometheus' lookback before the window), so the
  // first move after it has no known interval; it becomes the first row.
  if (n > 1 && kept[0] === 0 && stale.has(raw[1]!)) {
    kept.shift();
    stale.add(raw[0]!);
  }
  const m = kept.length;
  const grid = new Float64Array(m);
  kept.forEach((k, i) => grid[i] = raw[k]!);
  const compact = (slot: Slot) => {
    const val = new Float64Array(m);
    const inc = new Int32Array(m);
    kept.forEach((k, i) => {
      val[i] = slot.val[k]!;
      inc[i] = slot.inc[k]!;
    });
    slot.val = val;
    slot.inc = inc;
  };
  slots.forEach(compact);
  return { grid, stale };
}

/**
 * Σ Δjoules/Δt of `members` on each grid row where every counter is valid;
 * with `flags`, marks the rows of negative samples, NaN or infinite
 * samples, decreases and resets.
 */
function powerColumn(
  members: Slot[],
  grid: Float64Array,
  flags?: RowFlags,
): PowerColumn {
  const m = grid.length;
  const watts = new Float64Array(m);
  const valid = new Uint8Array(m);
  for (let k = 1; k < m; k++) {
    const dt = grid[k]! - grid[k - 1]!;
    let sum = 0;
    let ok = true;
    for (const s of members) {
      if (s.inc[k]! < 0 || s.inc[k] !== s.inc[k - 1]) {
        ok = false;
        continue;
      }
      const a = s.val[k - 1]!;
      const b = s.val[k]!;
      const d = b - a;
      if (a < 0 || b < 0) {
        if (flags) flags.negative[k] = 1;
        ok = false;
      } else if (!Number.isFinite(a) || !Number.isFinite(b)) {
        if (flags) flags.nonFinite[k] = 1;
        ok = false;
      } else if (d < 0) {
        if (flags) (isReset(a, b) ? flags.reset : flags.decrease)[k] = 1;
        ok = false;
      } else if (!(d >= 0)) ok = false;
      else sum += d / dt;
    }
    if (ok && Number.isFinite(sum)) {
      watts[k] = sum;
      valid[k] = 1;
    }
  }
  return { watts, valid };
}

/**
 * Marks in `stuck` the rows of runs of STUCK_INTERVALS or more intervals
 * where the unit's counter (Σ of its modes) did not change, unless it never
 * changes in the whole grid (an unmeasured component).
 */
function markStuck(members: Slot[], m: number, stuck: Uint8Array): void {
  const sum = new Float64Array(m).fill(NaN);
  for (let k = 0; k < m; k++) {
    let total = 0;
    for (const s of members) total += s.inc[k]! < 0 ? NaN : s.val[k]!;
    sum[k] = total;
  }
  const same = (k: number) =>
    members.every((s) => s.inc[k]! >= 0 && s.inc[k] === s.inc[k - 1]) &&
    sum[k] === sum[k - 1];
  let moved = false;
  for (let k = 1; k < m && !moved; k++) {
    moved = Number.isFinite(sum[k]!) && Number.isFinite(sum[k - 1]!) &&
      !same(k);
  }
  if (!moved) return;
  let start = 1;
  for (let k = 1; k <= m; k++) {
    if (k < m && same(k)) continue;
    if (k - start >= STUCK_INTERVALS) stuck.fill(1, start, k);
    start = k + 1;
  }
}

function powerOfInstance(
  instance: string,
  slots: Slot[],
  components: readonly Component[],
  maxPowerWatts: number,
): InstancePower {
  const raw = unionGrid(slots);
  placeOnGrid(slots, raw);
  const { grid, stale } = dropStale(slots, raw);
  const m = grid.length;
  const flags = rowFlags(m);
  const byComponent = new Map<Component, PowerColumn>();
  const byUnit = new Map<Component, Map<string, PowerColumn>>();
  const valid = new Uint8Array(m).fill(1);
  valid[0] = 0;
  for (const component of components) {
    const members = slots.filter((s) => s.component === component);
    const col = powerColumn(members, grid, flags);
    byComponent.set(component, col);
    for (let k = 0; k < m; k++) {
      if (!col.valid[k]) valid[k] = 0;
      else if (col.watts[k]! > maxPowerWatts) flags.bound[k] = 1;
    }
    const units = new Map<string, PowerColumn>();
    for (const unit of [...new Set(members.map((s) => s.unit))].sort()) {
      const unitMembers = members.filter((s) => s.unit === unit);
      markStuck(unitMembers, m, flags.stuck);
      units.set(unit, powerColumn(unitMembers, grid));
    }
    byUnit.set(component, units);
  }
  const columns = [...byComponent.values()].concat(
    [...byUnit.values()].flatMap((u) => [...u.values()]),
  );
  for (let k = 1; k < m; k++) {
    if (!flags.stuck[k] && !flags.bound[k]) continue;
    valid[k] = 0;
    for (const col of columns) col.valid[k] = 0;
  }
  return {
    instance,
    grid,
    stale,
    components: byComponent,
    units: byUnit,
    valid,
    flags,
  };
}

export { lowerBound };
