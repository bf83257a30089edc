/**
 * The intervals dropped for NaN or infinite samples are counted
 * (`nonFinite`) and reported, as counter resets are, without changing which
 * rows are kept.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { extract } from "./extract.ts";
import { queryDataFrom } from "./read_query.ts";
import { energy, queryOf, ramp, usage } from "./_testdata.ts";
import { type ExclusionReport, formatExclusions } from "./data_checks.ts";
import { checkQueryData, formatDataChecks } from "./check_query.ts";
import type { Samples } from "./_testdata.ts";

const T = [0, 3, 6, 9, 12, 15, 18, 21];

/** Replaces the values at `at` (sample indexes). */
function spoil(
  samples: Samples,
  at: readonly number[],
  value: string,
): Samples {
  return samples.map(([t, v], i) => [t, at.includes(i) ? value : v]);
}

function node(power: Samples, cpu: Samples) {
  return queryDataFrom(
    queryOf(
      energy("platform", power),
      usage("bpf_cpu_time_ms", "a", cpu),
      usage("bpf_page_cache_hit", "a", ramp(T, 1)),
    ),
    { origin: "q.json" },
  );
}

function extracted(power: Samples, cpu: Samples) {
  const reports: ExclusionReport[] = [];
  const frame = extract(node(power, cpu), "BPFOnly", {
    source: "acpi",
    onExcluded: (r) => reports.push(r),
  });
  return { frame, report: reports[0]! };
}

Deno.test("`extract()` counts the intervals dropped for NaN or infinite samples of energy and usage counters", () => {
  const clean = extracted(ramp(T, 100), ramp(T, 10));
  assertEquals([clean.frame.length, clean.report.nonFinite], [7, 0]);
  assertEquals(formatExclusions(clean.report), undefined);

  // one NaN energy sample touches its two intervals
  const power = extracted(spoil(ramp(T, 100), [3], "NaN"), ramp(T, 10));
  assertEquals([...power.frame.timestamp], [3, 6, 15, 18, 21]);
  assertEquals(
    [power.report.intervals, power.report.excluded, power.report.nonFinite],
    [7, 0, 2],
  );
  assertEquals(
    formatExclusions(power.report),
    "note: q.json: 2 intervals with NaN or infinite samples dropped",
  );

  // +Inf in a usage series, and two NaN in a row (three intervals)
  const cpu = extracted(
    ramp(T, 100),
    spoil(spoil(ramp(T, 10), [1], "+Inf"), [5, 6], "NaN"),
  );
  assertEquals([...cpu.frame.timestamp], [9, 12]);
  assertEquals([cpu.report.resets, cpu.report.nonFinite], [0, 5]);
});

Deno.test("`extract()` counts a reset and a NaN apart, and validate's lines give both", () => {
  const power = spoil(ramp(T, 100), [6], "NaN");
  const reset: Samples = ramp(T, 10).map((
    [t, v],
    i,
  ) => [t, i >= 3 ? v - 60 : v]);
  const { frame, report } = extracted(power, reset);
  assertEquals([...frame.timestamp], [3, 6, 12, 15]);
  assertEquals([report.excluded, report.resets, report.nonFinite], [0, 1, 2]);
  assertEquals(
    formatExclusions(report),
    "note: q.json: 1 interval across counter resets dropped; 2 intervals with NaN or infinite samples dropped",
  );
  const checks = checkQueryData(node(power, reset));
  assertEquals(checks.get("acpi")!.nonFinite, 2);
  assertEquals(
    formatDataChecks(checks)[1],
    "  acpi: 0 of 7 intervals (0.0 %): negative_counter 0, counter_decrease 0, power_above_bound 0, stuck_counter 0; 1 more across counter resets; 2 more with NaN or infinite samples",
  );
});
