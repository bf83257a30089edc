/**
 * Counts the node intervals the extractor excluded for data that cannot be
 * true, by reason (see data_checks.ts), and those it dropped across counter
 * resets or for NaN or infinite samples. Private to lib/extract.
 *
 * @module
 */
import type { InstancePower } from "./_power.ts";
import type { InstanceUsage } from "./_usage.ts";
import type { ExclusionReason, ExclusionReport } from "./data_checks.ts";

/**
 * The report of one query: every instance's grid rows k ≥ 1 are its
 * intervals; usage flags count on the grid of the instance they map to.
 */
export function exclusionReport(
  origin: string,
  power: ReadonlyMap<string, InstancePower>,
  usage: ReadonlyMap<string, ReadonlyMap<string, InstanceUsage>>,
  maxPowerWatts: number,
): ExclusionReport {
  const counts: Record<ExclusionReason, number> = {
    negative_counter: 0,
    counter_decrease: 0,
    power_above_bound: 0,
    stuck_counter: 0,
  };
  let intervals = 0;
  let excluded = 0;
  let resets = 0;
  let nonFinite = 0;
  for (const [instance, p] of power) {
    const n = p.grid.length;
    const negative = Uint8Array.from(p.flags.negative);
    const reset = Uint8Array.from(p.flags.reset);
    const notFinite = Uint8Array.from(p.flags.nonFinite);
    for (const byInstance of usage.values()) {
      const u = byInstance.get(instance);
      if (u === undefined) continue;
      for (let k = 1; k < n; k++) {
        if (u.negative[k]) negative[k] = 1;
        if (u.reset[k]) reset[k] = 1;
        if (u.nonFinite[k]) notFinite[k] = 1;
      }
    }
    const reasons: [ExclusionReason, Uint8Array][] = [
      ["negative_counter", negative],
      ["counter_decrease", p.flags.decrease],
      ["power_above_bound", p.flags.bound],
      ["stuck_counter", p.flags.stuck],
    ];
    for (let k = 1; k < n; k++) {
      intervals++;
      let any = false;
      for (const [reason, flags] of reasons) {
        if (flags[k]) {
          counts[reason]++;
          any = true;
        }
      }
      if (any) excluded++;
      else if (reset[k]) resets++;
      else if (notFinite[k]) nonFinite++;
    }
  }
  return {
    origin,
    intervals,
    excluded,
    counts,
    resets,
    nonFinite,
    maxPowerWatts,
  };
}
