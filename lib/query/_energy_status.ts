/**
 * The energy part of validate's summary: for each energy source and
 * component, the mean power as extract will read it. Series that differ
 * only in labels added by the scrape are one counter (the same Kepler
 * scraped by two jobs counts once), and an interval where a counter
 * decreases (a reset) is skipped, as extract drops it. Private to lib/query.
 *
 * @module
 */
import {
  type Component,
  ENERGY_SOURCE_ALIASES,
  powerMetric,
  SOURCE_COMPONENTS,
} from "../types.ts";
import type { Labels } from "./format.ts";
import { counterIdentity } from "../vocabulary/scrape_labels.ts";
import type { EnergyStatus } from "./validate_types.ts";

/** A series as validation reads it: labels, and times and values as numbers. */
export interface NumericSeries {
  /** The series' labels. */
  metric: Labels;
  /** Sample times, unix seconds. */
  times: ArrayLike<number>;
  /** Sample values. */
  values: ArrayLike<number>;
}

/** The energy source of a series (the `source` label, aliases resolved). */
export function sourceOf(series: NumericSeries): string | undefined {
  const s = series.metric.source;
  return s === undefined ? undefined : ENERGY_SOURCE_ALIASES[s] ?? s;
}

/** The samples of all `series`. */
export function countSamples(
  series: readonly NumericSeries[] | undefined,
): number {
  let n = 0;
  for (const s of series ?? []) n += s.values.length;
  return n;
}

/** Energy of one counter over the intervals that measure it. */
interface CounterEnergy {
  joules: number;
  seconds: number;
  resets: number;
}

/**
 * The energy of one counter held by one or more copies, as extract reads
 * it: at each time the first copy with a sample there gives the value, an
 * interval counts only between two samples of the same copy, and a
 * decrease (a reset) is skipped.
 */
function counterEnergy(copies: readonly NumericSeries[]): CounterEnergy {
  const owner = new Map<number, { copy: number; value: number }>();
  copies.forEach((s, copy) => {
    for (let i = 0; i < s.times.length; i++) {
      const t = s.times[i] as number;
      if (!owner.has(t)) owner.set(t, { copy, value: s.values[i] as number });
    }
  });
  const times = [...owner.keys()].filter(Number.isFinite).sort((a, b) => a - b);
  const out = { joules: 0, seconds: 0, resets: 0 };
  for (let k = 1; k < times.length; k++) {
    const a = owner.get(times[k - 1]!)!;
    const b = owner.get(times[k]!)!;
    if (a.copy !== b.copy || a.value < 0 || b.value < 0) continue;
    const d = b.value - a.value;
    if (d < 0) out.resets++;
    else if (Number.isFinite(d)) {
      out.joules += d;
      out.seconds += times[k]! - times[k - 1]!;
    }
  }
  return out;
}

/** The status of one source and component from its series. */
function statusOf(
  source: string,
  component: Component,
  mine: readonly NumericSeries[],
): EnergyStatus {
  const counters = new Map<string, NumericSeries[]>();
  for (const s of mine) {
    const key = counterIdentity(s.metric);
    const copies = counters.get(key);
    if (copies === undefined) counters.set(key, [s]);
    else copies.push(s);
  }
  let watts = 0;
  let hasPower = false;
  let resets = 0;
  for (const copies of counters.values()) {
    const e = counterEnergy(copies);
    resets += e.resets;
    if (e.joules > 0 && e.seconds > 0) {
      hasPower = true;
      watts += e.joules / e.seconds;
    }
  }
  return {
    source,
    component,
    metric: powerMetric(component),
    series: mine.length,
    samples: countSamples(mine),
    meanWatts: watts,
    hasPower,
    resetsSkipped: resets,
    duplicateSeries: mine.length - counters.size,
  };
}

/**
 * Per energy source and component: series, samples and mean power (Σ over
 * counters, i.e. sockets, modes and instances, of each counter's joules
 * over the seconds its intervals span), sorted by source then component.
 */
export function energyStatus(
  result: Record<string, readonly NumericSeries[]>,
): EnergyStatus[] {
  const out: EnergyStatus[] = [];
  const components = [...new Set(Object.values(SOURCE_COMPONENTS).flat())];
  for (const component of components) {
    const series = result[powerMetric(component)] ?? [];
    const sources = [...new Set(series.map(sourceOf))]
      .filter((s): s is string => s !== undefined);
    for (const source of sources) {
      const mine = series.filter((s) => sourceOf(s) === source);
      out.push(statusOf(source, component, mine));
    }
  }
  return out.sort((a, b) =>
    a.source === b.source
      ? components.indexOf(a.component) - components.indexOf(b.component)
      : a.source < b.source
      ? -1
      : 1
  );
}
