/**
 * Counts the node intervals the extractor excluded for data that cannot be
 * true, by reason (see data_checks.ts). Private to lib/extract.
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
  for (const [instance, p] of power) {
    const n = p.grid.length;
    const negative = Uint8Array.from(p.flags.negative);
    const reset = Uint8Array.from(p.flags.reset);
    for (const byInstance of usage.values()) {
      const u = byInstance.get(instance);
      if (u === undefined) continue;
      for (let k = 1; k < n; k++) {
        if (u.negative[k]) negative[k] = 1;
        if (u.reset[k]) reset[k] = 1;
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
    }
  }
  return { origin, intervals, excluded, counts, resets, maxPowerWatts };
}
