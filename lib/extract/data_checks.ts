/**
 * Data that cannot be true: the rules by which the extractor refuses an
 * interval instead of learning from it, their counts, and the limit above
 * which a whole dataset is refused.
 *
 * Reasons (each counted in node intervals: one Kepler instance × one grid
 * row; an interval can have several reasons and counts once in `excluded`):
 *
 * - `negative_counter`: a sample of an energy counter or of a usage counter
 *   feature is below 0. Both intervals that touch the sample are excluded.
 * - `counter_decrease`: an energy counter decreases without a reset. A
 *   decrease is a **reset** (an exporter or machine restart, as Prometheus'
 *   `rate()` reads it) when the new value is below {@linkcode RESET_FRACTION}
 *   (one half) of the previous one — a restarted counter starts again near
 *   zero. A smaller drop is not a restart: the counter is broken. Resets are
 *   excluded too (the interval has no known energy), counted as `resets`,
 *   but are not data that cannot be true and do not count towards the
 *   limit. Usage counters are not checked for decreases: the legacy
 *   `*_memory_*bytes_total` features are gauges named like counters, whose
 *   decreases are real; any decrease of a usage counter is a reset there.
 * - `power_above_bound`: a component's node power (Σ sockets and modes) is
 *   above `maxPowerWatts`; see {@linkcode defaultMaxPowerWatts}.
 * - `stuck_counter`: a socket's energy counter (Σ of its modes, which
 *   physically always grows while the machine runs) is unchanged over
 *   {@linkcode STUCK_INTERVALS} or more consecutive intervals while the node
 *   is up (some other energy counter of the instance moved: scrapes where
 *   none moved are stale repeats and were removed already). All intervals
 *   of the run are excluded. A counter that never moves in the whole query
 *   is an unmeasured component (e.g. uncore 0 on many servers), not stuck.
 *
 * Intervals with a NaN or infinite sample (of an energy counter or a usage
 * feature) have no known value: they are dropped, counted as `nonFinite`
 * (like resets, not towards the limit) and reported.
 *
 * @module
 */
import type { MachineSpec } from "../types.ts";

/** The reasons an interval holds data that cannot be true. */
export const EXCLUSION_REASONS = [
  "negative_counter",
  "counter_decrease",
  "power_above_bound",
  "stuck_counter",
] as const;

/** One of {@linkcode EXCLUSION_REASONS}. */
export type ExclusionReason = typeof EXCLUSION_REASONS[number];

/**
 * A drop of a counter to below this fraction of its previous value is a
 * reset (restart); a smaller drop is a decrease without reset.
 */
export const RESET_FRACTION = 0.5;

/**
 * A socket's energy counter unchanged over this many consecutive intervals
 * (with the node up) is stuck. Kepler adds energy every 3 s; the real
 * upstream dumps never repeat a used counter over more than one interval.
 */
export const STUCK_INTERVALS = 5;

/** Default power bound per socket: 4 × 500 W, the largest server CPU TDP. */
export const DEFAULT_MAX_WATTS_PER_SOCKET = 2000;

/** Default power bound of a node whose socket count is unknown. */
export const DEFAULT_MAX_WATTS_PER_NODE = 5000;

/** Default largest share of excluded intervals before a dataset is refused. */
export const DEFAULT_MAX_EXCLUDED_FRACTION = 0.2;

/** What was excluded from one query. */
export interface ExclusionReport {
  /** Where the data came from (the query's origin). */
  origin: string;
  /** Node intervals (instances × grid rows) that power was read for. */
  intervals: number;
  /** Intervals excluded for at least one reason. */
  excluded: number;
  /** Intervals per reason. */
  counts: Record<ExclusionReason, number>;
  /** Intervals excluded as counter resets (not counted in `excluded`). */
  resets: number;
  /**
   * Intervals dropped for a NaN or infinite sample (a `"NaN"` or `"+Inf"`
   * value, or conflicting duplicate samples) and for no other reason: not
   * data that cannot be true, not counted in `excluded` or `resets`.
   */
  nonFinite: number;
  /** The power bound applied, in watts. */
  maxPowerWatts: number;
}

/**
 * Whether a counter going from `previous` down to `next` is a reset
 * (a restart) rather than a decrease without reset.
 *
 * @param previous The earlier value.
 * @param next The later, smaller value.
 * @returns `true` for a reset.
 *
 * @example
 * ```ts
 * import { isReset } from "./data_checks.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals([isReset(40, 2), isReset(1000, 999), isReset(1000, 499)], [true, false, true]);
 * ```
 */
export function isReset(previous: number, next: number): boolean {
  return next < RESET_FRACTION * previous;
}

/**
 * The default power bound of a node: {@linkcode DEFAULT_MAX_WATTS_PER_SOCKET}
 * per socket when the machine spec gives the sockets (`chips`), else
 * {@linkcode DEFAULT_MAX_WATTS_PER_NODE}.
 *
 * @param spec The machine spec, when known.
 * @returns Watts.
 *
 * @example
 * ```ts
 * import { defaultMaxPowerWatts } from "./data_checks.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const spec = { processor: "p", cores: 8, chips: 2, memory: 16, frequency: 3000 };
 * assertEquals([defaultMaxPowerWatts(spec), defaultMaxPowerWatts(undefined)], [4000, 5000]);
 * ```
 */
export function defaultMaxPowerWatts(
  spec: Pick<MachineSpec, "chips"> | undefined,
): number {
  const chips = spec?.chips ?? -1;
  return chips > 0
    ? chips * DEFAULT_MAX_WATTS_PER_SOCKET
    : DEFAULT_MAX_WATTS_PER_NODE;
}

/**
 * The thrown error when too much of a dataset cannot be true.
 *
 * @example
 * ```ts
 * import { EXCLUSION_REASONS, ImplausibleDataError } from "./data_checks.ts";
 * import { ok as assert } from "node:assert/strict";
 * const counts = Object.fromEntries(EXCLUSION_REASONS.map((r) => [r, 0]));
 * const e = new ImplausibleDataError("Refusing q.json", {
 *   origin: "q.json",
 *   intervals: 10,
 *   excluded: 5,
 *   counts: { ...counts, negative_counter: 5 } as Record<typeof EXCLUSION_REASONS[number], number>,
 *   resets: 0,
 *   nonFinite: 0,
 *   maxPowerWatts: 5000,
 * });
 * assert(e instanceof RangeError && e.name === "ImplausibleDataError");
 * ```
 */
export class ImplausibleDataError extends RangeError {
  /** The counts behind the refusal. */
  readonly report: ExclusionReport;
  /**
   * An error carrying the counts behind the refusal.
   *
   * @param message The one-line message.
   * @param report The counts.
   */
  constructor(message: string, report: ExclusionReport) {
    super(message);
    this.name = "ImplausibleDataError";
    this.report = report;
  }
}

/**
 * The reason counts as text, e.g. `negative_counter 3, stuck_counter 5`.
 *
 * @param report The report.
 * @returns The non-zero counts, or `none`.
 *
 * @example
 * ```ts
 * import { formatReasonCounts } from "./data_checks.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const counts = { negative_counter: 3, counter_decrease: 0, power_above_bound: 1, stuck_counter: 0 };
 * assertEquals(formatReasonCounts({ counts }), "negative_counter 3, power_above_bound 1");
 * ```
 */
export function formatReasonCounts(
  report: Pick<ExclusionReport, "counts">,
): string {
  const parts = EXCLUSION_REASONS.filter((r) => report.counts[r] > 0)
    .map((r) => `${r} ${report.counts[r]}`);
  return parts.length > 0 ? parts.join(", ") : "none";
}

/**
 * What was dropped without being data that cannot be true, e.g.
 * `3 intervals across counter resets dropped; 11 intervals with NaN or
 * infinite samples dropped`, or `""` when nothing was.
 */
function formatDropped(
  report: Pick<ExclusionReport, "resets" | "nonFinite">,
): string {
  const intervals = (n: number) => `${n} interval${n === 1 ? "" : "s"}`;
  const parts: string[] = [];
  if (report.resets > 0) {
    parts.push(`${intervals(report.resets)} across counter resets dropped`);
  }
  if (report.nonFinite > 0) {
    parts.push(
      `${intervals(report.nonFinite)} with NaN or infinite samples dropped`,
    );
  }
  return parts.join("; ");
}

/**
 * The warning line for a report, or `undefined` when nothing was excluded
 * or dropped (counter resets and NaN or infinite samples give a note).
 *
 * @param report The report.
 * @returns One line.
 *
 * @example
 * ```ts
 * import { formatExclusions } from "./data_checks.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const counts = { negative_counter: 2, counter_decrease: 0, power_above_bound: 0, stuck_counter: 0 };
 * const report = { origin: "q.json", intervals: 40, excluded: 2, counts, resets: 0, nonFinite: 0, maxPowerWatts: 5000 };
 * assertEquals(
 *   formatExclusions(report),
 *   "warning: q.json: excluded 2 of 40 intervals holding data that cannot be true (negative_counter 2)",
 * );
 * const zero = { negative_counter: 0, counter_decrease: 0, power_above_bound: 0, stuck_counter: 0 };
 * assertEquals(
 *   formatExclusions({ ...report, excluded: 0, counts: zero, nonFinite: 11 }),
 *   "note: q.json: 11 intervals with NaN or infinite samples dropped",
 * );
 * ```
 */
export function formatExclusions(report: ExclusionReport): string | undefined {
  const dropped = formatDropped(report);
  if (report.excluded === 0 && dropped === "") return undefined;
  if (report.excluded === 0) return `note: ${report.origin}: ${dropped}`;
  return `warning: ${report.origin}: excluded ${report.excluded} of ${report.intervals} intervals holding data that cannot be true (${
    formatReasonCounts(report)
  }${
    report.counts.power_above_bound > 0
      ? `; power bound ${report.maxPowerWatts} W, --max-power-watts`
      : ""
  })${dropped === "" ? "" : `; ${dropped}`}`;
}

/**
 * Throws when more than `maxFraction` of the intervals were excluded.
 *
 * @param report The report.
 * @param maxFraction The largest share allowed (0–1).
 * @throws {ImplausibleDataError} Naming the counts per reason.
 *
 * @example
 * ```ts
 * import { checkExcludedFraction } from "./data_checks.ts";
 * import { throws as assertThrows } from "node:assert/strict";
 * const counts = { negative_counter: 0, counter_decrease: 0, power_above_bound: 0, stuck_counter: 5 };
 * const report = { origin: "q.json", intervals: 10, excluded: 5, counts, resets: 0, nonFinite: 0, maxPowerWatts: 5000 };
 * checkExcludedFraction(report, 0.5);
 * assertThrows(() => checkExcludedFraction(report, 0.2), /5 of 10 intervals \(50\.0 %\).*stuck_counter 5/);
 * ```
 */
export function checkExcludedFraction(
  report: ExclusionReport,
  maxFraction: number,
): void {
  if (report.intervals === 0) return;
  const share = report.excluded / report.intervals;
  if (share <= maxFraction) return;
  throw new ImplausibleDataError(
    `Refusing ${report.origin}: ${report.excluded} of ${report.intervals} intervals (${
      (100 * share).toFixed(1)
    } %) hold data that cannot be true (${
      formatReasonCounts(report)
    }), above the limit of ${
      (100 * maxFraction).toFixed(1)
    } % (--max-excluded ${maxFraction})`,
    report,
  );
}
