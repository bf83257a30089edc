/**
 * The query JSON format: what `query` writes and `simulate` imitates, and
 * what `extract` reads. It is upstream's format, byte-compatible in structure:
 * an object from metric name to the Prometheus `query_range` result array,
 * each series `{ "metric": {labels}, "values": [[unix seconds, "value"], ...] }`.
 *
 * @module
 */

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
 * seconds; anything else is a `RangeError` naming the value.
 *
 * @param text A UTC time such as `2023-12-13T10:16:39Z`; surrounding
 *   white space is ignored.
 * @returns Seconds since the epoch, with a fraction when the text has one.
 * @throws {RangeError} when `text` is not in that format or a field is
 *   out of range (e.g. month 13).
 *
 * @example
 * ```ts
 * import { parseUtc } from "./format.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(parseUtc("2023-12-13T10:16:39Z"), 1702462599);
 * ```
 */
export function parseUtc(text: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2}(?:\.\d+)?)Z$/
    .exec(text.trim());
  const ms = match ? Date.parse(text.trim()) : NaN;
  if (!match || Number.isNaN(ms)) {
    throw new RangeError(
      `Invalid time "${text}": expected the format %Y-%m-%dT%H:%M:%SZ, e.g. 2024-01-31T12:00:00Z`,
    );
  }
  return ms / 1000;
}
