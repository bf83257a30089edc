/**
 * Train/test splits as index arrays:
 *
 * - {@linkcode trainTestSplit}: upstream's shuffled 90/10 split
 *   (`train_test_split(test_size=0.1, shuffle=True)`), but seeded — upstream
 *   passes no `random_state`, so its published errors are not reproducible.
 * - {@linkcode blockedHoldout}: a time-aware holdout. Consecutive Kepler
 *   samples (3 s apart) are strongly autocorrelated, so a shuffled split
 *   puts near-copies of every test row in training and flatters the error.
 *   Here rows (in time order) are cut into blocks; every tenth block is
 *   held out and the blocks either side of it are left out of training.
 *
 * @module
 */
import type { Columns } from "./model.ts";
import { mulberry32, permutation } from "../numeric/random.ts";

/** Row indices of a split (ascending). */
export interface Split {
  /** Training rows. */
  train: Uint32Array;
  /** Test rows. */
  test: Uint32Array;
}

/** Options of {@linkcode trainTestSplit}. */
export interface TrainTestSplitOptions {
  /** Fraction of rows in the test set, rounded up. Default: `0.1`. */
  testSize?: number;
  /** Shuffle seed. Default: `42`. */
  seed?: number;
}

/**
 * A seeded shuffled split with scikit-learn's sizes: `ceil(testSize · n)`
 * test rows, the rest for training. Throws a `RangeError` if either side
 * would be empty.
 *
 * @example
 * ```ts
 * import { trainTestSplit } from "./split.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const s = trainTestSplit(25, { seed: 1 });
 * assertEquals([s.train.length, s.test.length], [22, 3]);
 * assertEquals(trainTestSplit(25, { seed: 1 }), s);
 * ```
 */
export function trainTestSplit(
  n: number,
  options: TrainTestSplitOptions = {},
): Split {
  const testSize = options.testSize ?? 0.1;
  const seed = options.seed ?? 42;
  if (!(testSize > 0 && testSize < 1)) {
    throw new RangeError(
      `Cannot split: testSize must be in (0, 1), got ${testSize}`,
    );
  }
  const nTest = Math.ceil(testSize * n);
  if (!Number.isInteger(n) || nTest < 1 || n - nTest < 1) {
    throw new RangeError(
      `Cannot split ${n} rows with testSize ${testSize}: a side would be empty`,
    );
  }
  const perm = permutation(n, mulberry32(seed));
  return {
    test: perm.slice(0, nTest).sort(),
    train: perm.slice(nTest).sort(),
  };
}

/** Options of {@linkcode blockedHoldout}. */
export interface BlockedHoldoutOptions {
  /** Rows per block. Default: `20` (one minute of 3 s samples). */
  blockSize?: number;
  /** Hold out one block in this many. Default: `10`. */
  every?: number;
  /**
   * Which block of each group of `every` is held out (0-based). Default:
   * `every − 1`, i.e. blocks 9, 19, 29, …
   */
  offset?: number;
}

/**
 * A blocked time holdout over `n` rows in time order: block `b` covers rows
 * `[b·blockSize, (b+1)·blockSize)`; blocks with `b % every === offset` are
 * test blocks; blocks next to a test block are in neither set; the rest
 * train. No training row is within `blockSize` rows of a test row.
 * Deterministic (no randomness). Throws a `RangeError` when there are too
 * few rows for a test block and a training block.
 *
 * @example
 * ```ts
 * import { blockedHoldout } from "./split.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const s = blockedHoldout(12, { blockSize: 2, every: 3 });
 * // blocks 0..5; test blocks 2, 5; gaps 1, 3, 4; train block 0
 * assertEquals([...s.test], [4, 5, 10, 11]);
 * assertEquals([...s.train], [0, 1]);
 * ```
 */
export function blockedHoldout(
  n: number,
  options: BlockedHoldoutOptions = {},
): Split {
  const blockSize = options.blockSize ?? 20;
  const every = options.every ?? 10;
  const offset = options.offset ?? every - 1;
  for (
    const [name, v] of [["blockSize", blockSize], ["every", every]] as const
  ) {
    if (!Number.isInteger(v) || v < 1) {
      throw new RangeError(
        `Cannot make a blocked holdout: ${name} must be a positive integer, got ${v}`,
      );
    }
  }
  if (every < 2) {
    throw new RangeError(
      `Cannot make a blocked holdout: every must be ≥ 2, got ${every}`,
    );
  }
  if (!Number.isInteger(offset) || offset < 0 || offset >= every) {
    throw new RangeError(
      `Cannot make a blocked holdout: offset must be an integer in 0..${
        every - 1
      }, got ${offset}`,
    );
  }
  const blocks = Math.ceil(n / blockSize);
  const isTest = (b: number) => b >= 0 && b < blocks && b % every === offset;
  const train: number[] = [];
  const test: number[] = [];
  for (let i = 0; i < n; i++) {
    const b = Math.floor(i / blockSize);
    if (isTest(b)) test.push(i);
    else if (!isTest(b - 1) && !isTest(b + 1)) train.push(i);
  }
  if (test.length === 0 || train.length === 0) {
    throw new RangeError(
      `Cannot make a blocked holdout of ${n} rows: with blocks of ${blockSize} and one test block in ${every} (offset ${offset}) the ${
        test.length === 0 ? "test" : "training"
      } set is empty`,
    );
  }
  return { train: Uint32Array.from(train), test: Uint32Array.from(test) };
}

/**
 * Selects rows of feature columns (or of one column) by index.
 *
 * @example
 * ```ts
 * import { takeColumnRows } from "./split.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(takeColumnRows([Float64Array.of(5, 6, 7)], Uint32Array.of(2, 0)), [Float64Array.of(7, 5)]);
 * ```
 */
export function takeColumnRows(
  x: Columns,
  rows: ArrayLike<number>,
): Float64Array[] {
  return x.map((col) => take(col, rows));
}

/**
 * Selects values of one column by index.
 *
 * @example
 * ```ts
 * import { take } from "./split.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(take(Float64Array.of(5, 6, 7), [1]), Float64Array.of(6));
 * ```
 */
export function take(col: Float64Array, rows: ArrayLike<number>): Float64Array {
  const out = new Float64Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    if (!(r >= 0 && r < col.length)) {
      throw new RangeError(
        `Cannot take row ${r}: the column has ${col.length} rows`,
      );
    }
    out[i] = col[r]!;
  }
  return out;
}
