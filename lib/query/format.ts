/**
 * The query JSON format: what `query` writes and `simulate` imitates, and
 * what `extract` reads. It is upstream's format, byte-compatible in structure:
 * an object from metric name to the Prometheus `query_range` result array,
 * each series `{ "metric": {labels}, "values": [[unix seconds, "value"], ...] }`.
 *
 * @module
 */
import { calendarProblem, calendarSeconds } from "./_calendar.ts";

/** Labels of one series, `__name__` included as Prometheus returns it. */
export type Labels = Record<string, string>;

/** One sample: unix time in seconds and the value as Prometheus' string. */
export type Sample = [number, string];

/** One series of a range query result. */
export interface PromSeries {
  /** The series' labels. */
  metric: Labels;
  /** Samples in time order. */
  values: Sample[];
}

/** A query JSON: metric name → series. */
export type QueryResult = Record<string, PromSeries[]>;

/** A benchmark file (`<data>/<benchmark>.json`), as upstream writes it. */
export interface BenchmarkWindow {
  /** Start, `%Y-%m-%dT%H:%M:%SZ`. */
  startTimeUTC: string;
  /** End, `%Y-%m-%dT%H:%M:%SZ`. */
  endTimeUTC: string;
}

/**
 * Formats a unix time (seconds) as `%Y-%m-%dT%H:%M:%SZ`.
 *
 * @param unixSeconds Seconds since the epoch; a fraction is dropped.
 * @returns The UTC time, e.g. `2023-12-13T10:16:39Z`.
 *
 * @example
 * ```ts
 * import { formatUtc } from "./format.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(formatUtc(1702462599), "2023-12-13T10:16:39Z");
 * ```
 */
export function formatUtc(unixSeconds: number): string {
  return new Date(Math.floor(unixSeconds) * 1000).toISOString().replace(
    /\.\d{3}Z$/,
    "Z",
  );
}

/**
 * Parses `%Y-%m-%dT%H:%M:%SZ` (also accepting fractional seconds) to unix
 * seconds; anything else is a `RangeError` naming the value. As upstream's
 * `strptime`, a date or time that does not exist (`2026-02-30`, `T24:00:00`)
 * is refused, never rolled over into the next month or day.
 *
 * @param text A UTC time such as `2023-12-13T10:16:39Z`; surrounding
 *   white space is ignored.
 * @returns Seconds since the epoch, with a fraction when the text has one.
 * @throws {RangeError} when `text` is not in that format or a field is
 *   out of range: month 1-12, day within the month (leap years included),
 *   hour 0-23, minute and second 0-59.
 *
 * @example
 * ```ts
 * import { parseUtc } from "./format.ts";
 * import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
 * assertEquals(parseUtc("2023-12-13T10:16:39Z"), 1702462599);
 * assertEquals(parseUtc("2024-02-29T00:00:00Z"), 1709164800);
 * throws(() => parseUtc("2026-02-30T01:00:00Z"), /day 30 is out of range \(February 2026 has 28 days\)/);
 * throws(() => parseUtc("2026-01-01T24:00:00Z"), /hour 24 is out of range 0-23/);
 * ```
 */
export function parseUtc(text: string): number {
  const trimmed = text.trim();
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?Z$/
    .exec(trimmed);
  if (!match) {
    throw new RangeError(
      `Invalid time "${text}": expected the format %Y-%m-%dT%H:%M:%SZ, e.g. 2024-01-31T12:00:00Z`,
    );
  }
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(
    Number,
  ) as [number, number, number, number, number, number];
  const fields = { year, month, day, hour, minute, second };
  const problem = calendarProblem(fields);
  if (problem !== undefined) {
    throw new RangeError(
      `Invalid time "${text}": ${problem}`,
    );
  }
  return calendarSeconds(fields) + Number(`0${match[7] ?? ""}`);
}
