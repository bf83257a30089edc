/**
 * Splitting a range query into pieces Prometheus accepts: `query_range`
 * refuses more than 11,000 points per series ("exceeded maximum resolution of
 * 11,000 points per timeseries").
 *
 * @module
 */

/** Prometheus' limit of points per series in one `query_range` call. */
export const MAX_POINTS_PER_SERIES = 11_000;

/** One `query_range` window: evaluation at `start + k·step ≤ end`. */
export interface RangeChunk {
  /** First evaluation time, unix seconds. */
  start: number;
  /** Last evaluation time, unix seconds (on the step grid of `start`). */
  end: number;
}

/** Options of {@linkcode splitRange}. */
export interface SplitRangeOptions {
  /** Points per series in one request. Default: {@linkcode MAX_POINTS_PER_SERIES}. */
  maxPoints?: number;
}

/**
 * The number of evaluation points of a range: `floor((end − start) / step) + 1`.
 *
 * @example
 * ```ts
 * import { rangePoints } from "./split_range.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(rangePoints({ start: 0, end: 3597 }, 3), 1200);
 * ```
 */
export function rangePoints(range: RangeChunk, step: number): number {
  return Math.floor((range.end - range.start) / step + 1e-9) + 1;
}

/**
 * Splits `[start, end]` at `step` into consecutive chunks of at most
 * `maxPoints` evaluation points each, all on the step grid of `start`: the
 * chunks together evaluate exactly the points one unlimited request would,
 * each once (no duplicates, no gaps). The last chunk ends on the last grid
 * point `≤ end`.
 *
 * @example
 * ```ts
 * import { splitRange } from "./split_range.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(splitRange(0, 20, 2, { maxPoints: 4 }), [
 *   { start: 0, end: 6 }, { start: 8, end: 14 }, { start: 16, end: 20 },
 * ]);
 * assertEquals(splitRange(0, 9, 3), [{ start: 0, end: 9 }]);
 * ```
 */
export function splitRange(
  start: number,
  end: number,
  step: number,
  options: SplitRangeOptions = {},
): RangeChunk[] {
  const maxPoints = options.maxPoints ?? MAX_POINTS_PER_SERIES;
  if (!Number.isFinite(start) || !Number.isFinite(end)) {
    throw new RangeError(
      `Cannot split the range ${start}..${end}: start and end must be finite unix seconds`,
    );
  }
  if (!(step > 0)) {
    throw new RangeError(
      `Cannot split a range at step ${step}: the step must be positive`,
    );
  }
  if (!(Number.isInteger(maxPoints) && maxPoints >= 1)) {
    throw new RangeError(
      `Cannot split a range into chunks of ${maxPoints} points: expected a whole number ≥ 1`,
    );
  }
  if (end < start) {
    throw new RangeError(
      `Cannot split the range ${start}..${end}: the end is before the start`,
    );
  }
  const total = rangePoints({ start, end }, step);
  const chunks: RangeChunk[] = [];
  for (let first = 0; first < total; first += maxPoints) {
    const last = Math.min(total, first + maxPoints) - 1;
    chunks.push({ start: start + first * step, end: start + last * step });
  }
  return chunks;
}
