/**
 * The time window of a query, as upstream chooses it: a benchmark file
 * (upstream's `{startTimeUTC, endTimeUTC}` or a CPE Benchmark CR) if one is
 * given and exists, else `--start-time`/`--end-time`, else the last
 * `--interval` seconds.
 *
 * @module
 */
import { type BenchmarkWindow, formatUtc, parseUtc } from "./format.ts";

/** A resolved window in unix seconds, and where it came from. */
export interface TimeWindow {
  /** Start, unix seconds. */
  start: number;
  /** End, unix seconds. */
  end: number;
  /** How it was chosen. */
  source: "benchmark" | "start-end" | "interval";
}

/**
 * Parses the CPE operator's pushed time `%Y-%m-%d %H:%M:%S.f` (UTC) to unix
 * seconds, dropping the fraction as upstream does.
 */
function parseCpeTime(text: string): number {
  const match = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(\.\d+)?$/.exec(
    text.trim(),
  );
  if (!match) {
    throw new RangeError(
      `Invalid CPE pushedTime "${text}": expected the format %Y-%m-%d %H:%M:%S.f`,
    );
  }
  try {
    return parseUtc(`${match[1]}T${match[2]}Z`);
  } catch (error) {
    throw new RangeError(
      `Invalid CPE pushedTime "${text}": ${
        (error as Error).message.replace(/^Invalid time "[^"]*": /, "")
      }`,
      { cause: error },
    );
  }
}

/** Parses a time, naming where it came from (a field, a flag) when invalid. */
function timeIn(where: string, text: string): number {
  try {
    return parseUtc(text);
  } catch (error) {
    throw new RangeError(`${where}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/** Parses the CPE end time, naming the file when invalid. */
function cpeTimeIn(where: string, text: string): number {
  try {
    return parseCpeTime(text);
  } catch (error) {
    throw new RangeError(`${where}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/**
 * Reads the window from a benchmark file's content: upstream's
 * `{"startTimeUTC", "endTimeUTC"}`, or a CPE Benchmark CR (start
 * `metadata.creationTimestamp`, end the last repetition's `pushedTime` of the
 * last result). `source` names the file in errors.
 *
 * @example
 * ```ts
 * import { parseBenchmarkWindow } from "./time_window.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(parseBenchmarkWindow({ startTimeUTC: "2023-12-13T10:16:39Z", endTimeUTC: "2023-12-13T10:18:06Z" }),
 *   { start: 1702462599, end: 1702462686 });
 * const cr = { metadata: { creationTimestamp: "2023-12-13T10:16:39Z" },
 *   status: { results: [{ repetitions: [{ pushedTime: "2023-12-13 10:18:06.123456" }] }] } };
 * assertEquals(parseBenchmarkWindow(cr), { start: 1702462599, end: 1702462686 });
 * ```
 */
export function parseBenchmarkWindow(
  content: unknown,
  source = "the benchmark file",
): { start: number; end: number } {
  const fail = (why: string): never => {
    throw new RangeError(
      `Cannot read a time window from ${source}: ${why}; expected {"startTimeUTC": "...Z", "endTimeUTC": "...Z"} or a CPE Benchmark CR`,
    );
  };
  if (content === null || typeof content !== "object") {
    fail("it is not an object");
  }
  const data = content as Record<string, unknown>;
  if ("metadata" in data) {
    const metadata = data.metadata as Record<string, unknown> | null;
    const start = metadata?.creationTimestamp;
    if (typeof start !== "string") {
      fail("metadata.creationTimestamp is missing");
    }
    const results = (data.status as { results?: unknown } | undefined)?.results;
    const last = Array.isArray(results)
      ? results[results.length - 1]
      : undefined;
    const reps = (last as { repetitions?: unknown } | undefined)?.repetitions;
    const rep = Array.isArray(reps) ? reps[reps.length - 1] : undefined;
    const pushed = (rep as { pushedTime?: unknown } | undefined)?.pushedTime;
    if (typeof pushed !== "string") {
      fail("status.results[-1].repetitions[-1].pushedTime is missing");
    }
    const at = `Cannot read a time window from ${source}`;
    return {
      start: timeIn(`${at}: metadata.creationTimestamp`, start as string),
      end: cpeTimeIn(
        `${at}: status.results[-1].repetitions[-1].pushedTime`,
        pushed as string,
      ),
    };
  }
  const { startTimeUTC, endTimeUTC } = data as Partial<BenchmarkWindow>;
  if (typeof startTimeUTC !== "string" || typeof endTimeUTC !== "string") {
    fail("startTimeUTC or endTimeUTC is missing");
  }
  const at = `Cannot read a time window from ${source}`;
  return {
    start: timeIn(`${at}: startTimeUTC`, startTimeUTC as string),
    end: timeIn(`${at}: endTimeUTC`, endTimeUTC as string),
  };
}

/** Options of {@linkcode resolveTimeWindow}. */
export interface ResolveTimeWindowOptions {
  /**
   * Content of an existing benchmark file (wins over everything).
   *
   * @default {undefined} none
   */
  benchmark?: unknown;
  /**
   * Name of that file, for messages.
   *
   * @default {"the benchmark file"}
   */
  benchmarkSource?: string;
  /**
   * `--start-time`, `%Y-%m-%dT%H:%M:%SZ`.
   *
   * @default {undefined} none
   */
  startTime?: string;
  /**
   * `--end-time`, `%Y-%m-%dT%H:%M:%SZ`.
   *
   * @default {undefined} none
   */
  endTime?: string;
  /**
   * `--interval` in seconds back from `now`.
   *
   * @default {undefined} 300 (PROM_QUERY_INTERVAL)
   */
  interval?: number;
  /**
   * Now, unix seconds.
   *
   * @default {undefined} the clock
   */
  now?: number;
}

/**
 * Chooses the query window with upstream's priority: benchmark file, then
 * start/end time, then the last `interval` seconds (whole seconds, as
 * upstream truncates through the benchmark file's format).
 *
 * @param options The benchmark file's content, start and end times, or
 *   interval and now; empty is the last 300 s before the clock.
 * @returns The window in whole unix seconds and how it was chosen.
 * @throws {RangeError} when the benchmark content holds no window, only
 *   one of start and end time is given, a time is not
 *   `%Y-%m-%dT%H:%M:%SZ` or not a real date and time (`2026-02-30`,
 *   `T24:00:00Z`; the message names the flag or the benchmark file's
 *   field), the interval is not a positive number, or the end is not after
 *   the start.
 *
 * @example
 * ```ts
 * import { resolveTimeWindow } from "./time_window.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(resolveTimeWindow({ interval: 60, now: 1000.7 }), { start: 940, end: 1000, source: "interval" });
 * assertEquals(resolveTimeWindow({ startTime: "2023-12-13T10:16:39Z", endTime: "2023-12-13T10:18:06Z" }),
 *   { start: 1702462599, end: 1702462686, source: "start-end" });
 * ```
 */
export function resolveTimeWindow(
  options: ResolveTimeWindowOptions = {},
): TimeWindow {
  let window: TimeWindow;
  if (options.benchmark !== undefined) {
    window = {
      ...parseBenchmarkWindow(options.benchmark, options.benchmarkSource),
      source: "benchmark",
    };
  } else if (options.startTime !== undefined || options.endTime !== undefined) {
    if (options.startTime === undefined || options.endTime === undefined) {
      throw new RangeError(
        `Cannot query with only ${
          options.startTime === undefined ? "--end-time" : "--start-time"
        }: give both --start-time and --end-time, or --interval`,
      );
    }
    window = {
      start: timeIn("--start-time", options.startTime),
      end: timeIn("--end-time", options.endTime),
      source: "start-end",
    };
  } else {
    const interval = options.interval ?? 300;
    if (!(interval > 0) || !Number.isFinite(interval)) {
      throw new RangeError(
        `Invalid --interval ${interval}: expected a positive number of seconds`,
      );
    }
    const end = Math.floor(options.now ?? Date.now() / 1000);
    window = { start: Math.floor(end - interval), end, source: "interval" };
  }
  if (!(window.end > window.start)) {
    throw new RangeError(
      `Invalid time window ${formatUtc(window.start)} to ${
        formatUtc(window.end)
      }: the end must be after the start`,
    );
  }
  return window;
}

/**
 * The benchmark file content for a window, as upstream writes it.
 *
 * @param window Start and end in unix seconds (fractions dropped).
 * @returns `startTimeUTC` and `endTimeUTC` as `%Y-%m-%dT%H:%M:%SZ`.
 *
 * @example
 * ```ts
 * import { benchmarkWindow } from "./time_window.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(benchmarkWindow({ start: 1702462599, end: 1702462686 }),
 *   { startTimeUTC: "2023-12-13T10:16:39Z", endTimeUTC: "2023-12-13T10:18:06Z" });
 * ```
 */
export function benchmarkWindow(
  window: { start: number; end: number },
): BenchmarkWindow {
  return {
    startTimeUTC: formatUtc(window.start),
    endTimeUTC: formatUtc(window.end),
  };
}
