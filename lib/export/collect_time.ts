/**
 * The collect time recorded by `export`: the start of the benchmark window
 * (`--benchmark`, upstream's `{startTimeUTC, endTimeUTC}` file or a CPE
 * Benchmark CR), or a date given as it is (`--collect-date`), written as
 * upstream writes times: `%Y-%m-%d %H:%M:%S` UTC.
 *
 * @module
 */
import { parseBenchmarkWindow } from "../query/time_window.ts";
import { formatPipelineTime } from "../pipeline/pipeline_metadata.ts";

/**
 * The collect time of a benchmark file's content: its window start, as
 * `%Y-%m-%d %H:%M:%S` (UTC). Throws a `RangeError` naming `source` when the
 * content has no window.
 *
 * @param content The parsed benchmark file: upstream's
 *   `{startTimeUTC, endTimeUTC}` or a CPE Benchmark CR.
 * @param source How the error names the file, e.g. its path.
 * @returns The window start as `%Y-%m-%d %H:%M:%S` (UTC).
 * @throws {RangeError} when the content has no benchmark window.
 *
 * @example
 * ```ts
 * import { collectTimeOfBenchmark } from "./collect_time.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(collectTimeOfBenchmark({ startTimeUTC: "2024-07-25T21:05:43Z", endTimeUTC: "2024-07-25T22:00:00Z" }),
 *   "2024-07-25 21:05:43");
 * ```
 */
export function collectTimeOfBenchmark(
  content: unknown,
  source = "the benchmark file",
): string {
  const { start } = parseBenchmarkWindow(content, source);
  return formatPipelineTime(new Date(start * 1000));
}

/**
 * A `--collect-date` value as recorded: an ISO 8601 date-time in UTC
 * (`2024-07-25T21:05:43Z`, or with a space and no `Z`) is written as
 * `2024-07-25 21:05:43`; a bare date `2024-07-25` as `2024-07-25 00:00:00`;
 * any other text (kepler-model-db has "February 2024" and "Late 2007 to
 * Early 2024") is kept as it is. Empty text, or text with `|` or a line
 * break (it would break the README table), is a `RangeError`.
 *
 * @param text The `--collect-date` value as given (trimmed here).
 * @returns The date as `%Y-%m-%d %H:%M:%S` (UTC) when it is an ISO date or
 *   date-time, else the trimmed text.
 * @throws {RangeError} when the text is empty, holds `|` or a line break, or
 *   has an ISO form that is not a calendar date (e.g. `2024-02-30`).
 *
 * @example
 * ```ts
 * import { normalizeCollectDate } from "./collect_time.ts";
 * import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
 * assertEquals(normalizeCollectDate("2024-07-25T21:05:43Z"), "2024-07-25 21:05:43");
 * assertEquals(normalizeCollectDate("2024-07-25"), "2024-07-25 00:00:00");
 * assertEquals(normalizeCollectDate("February 2024"), "February 2024");
 * assertThrows(() => normalizeCollectDate("a|b"), RangeError);
 * ```
 */
export function normalizeCollectDate(text: string): string {
  const value = text.trim();
  if (value === "" || /[|\r\n]/.test(value)) {
    throw new RangeError(
      `Invalid collect date "${text}": it must be a non-empty date or text without "|" or line breaks`,
    );
  }
  const full =
    /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:\.\d+)?(?:Z|\+00:?00)?$/
      .exec(value);
  const day = /^(\d{4}-\d{2}-\d{2})$/.exec(value);
  const iso = full
    ? `${full[1]}T${full[2]}Z`
    : day
    ? `${day[1]}T00:00:00Z`
    : undefined;
  if (iso === undefined) return value;
  const date = new Date(iso);
  if (
    Number.isNaN(date.getTime()) ||
    date.toISOString().slice(0, 10) !== iso.slice(0, 10)
  ) {
    throw new RangeError(
      `Invalid collect date "${text}": ${
        iso.slice(0, 10)
      } is not a calendar date`,
    );
  }
  return formatPipelineTime(date);
}
