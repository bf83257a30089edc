/**
 * Histogram primitives of gradient-boosted regression trees for squared
 * error, after LightGBM and scikit-learn's HistGradientBoosting (the trees
 * themselves are grown in `boost.ts`).
 *
 * - **Binning.** Each feature column is cut into at most 255 bins at quantile
 *   edges ({@linkcode binEdges}); a column with at most 255 distinct values
 *   gets one bin per value, with edges half-way between neighbours, so the
 *   splits are the same as an exact (sorted-values) search. Bin codes are a
 *   row-major `Uint8Array` ({@linkcode binColumns}).
 * - **Histograms.** A node's histogram holds, per feature and bin, the sums
 *   of gradients, hessians and rows ({@linkcode buildHistogram}). Only the
 *   smaller child of a split is built from its rows; the larger one is the
 *   parent minus the smaller ({@linkcode subtractHistogram}).
 * - **Splits.** {@linkcode findBestSplit} scans each feature's bins once with
 *   the second-order gain ½[G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ)] − γ; with
 *   λ = 0 and hessians of 1 this is half the squared-error reduction, so it
 *   also picks scikit-learn's splits (whose `friedman_mse` criterion equals the
 *   squared-error reduction for unweighted rows).
 *
 * `boost.ts` grows its trees with the faster forms of these three in
 * `_active_histogram.ts` (only the bins a node's rows fall in); the plain
 * forms here stay as their definition: `_active_histogram_test.ts` checks
 * that both give the same histograms and splits, bit for bit.
 *
 * @module
 */

/** Feature columns: `x[j][i]` is feature j of row i. */
import { columnBits, sameColumnBits } from "./column_bits.ts";

type Columns = readonly Float64Array[];

/** The most bins a feature can have (bin codes are `Uint8Array`). */
export const MAX_BINS = 255;

// ------------------------------------------------------------------ binning

/** Options of {@linkcode binEdges} and {@linkcode binColumns}. */
export interface BinOptions {
  /** Maximum bins per feature, an integer in 2–255. Default: 255. */
  maxBins?: number;
}

function midpoint(a: number, b: number): number {
  let m = 0.5 * (a + b);
  if (!Number.isFinite(m)) m = 0.5 * a + 0.5 * b;
  // Neighbouring floats: the midpoint rounds onto b, which must go right.
  return m < b ? m : a;
}

/**
 * The bin edges of one column, in raw units and strictly increasing: a value
 * `v` falls in bin `b` when `edges[b-1] < v ≤ edges[b]`. With at most
 * `maxBins` distinct values the edges are the midpoints between neighbouring
 * distinct values (one bin per value); otherwise they are the `maxBins − 1`
 * inner quantiles (numpy's "midpoint" method), with duplicates removed, as
 * scikit-learn's HistGradientBoosting bins.
 *
 * @example
 * ```ts
 * import { binEdges } from "./histogram.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals([...binEdges(new Float64Array([3, 1, 2, 2]))], [1.5, 2.5]);
 * assertEquals(binEdges(new Float64Array(1000).map((_, i) => i), { maxBins: 4 }).length, 3);
 * ```
 */
export function binEdges(
  column: Float64Array,
  options: BinOptions = {},
): Float64Array {
  const maxBins = options.maxBins ?? MAX_BINS;
  const sorted = Float64Array.from(column).sort();
  const n = sorted.length;
  const distinct: number[] = [];
  for (let i = 0; i < n && distinct.length <= maxBins; i++) {
    const v = sorted[i]!;
    if (i === 0 || v !== sorted[i - 1]) distinct.push(v);
  }
  const raw: number[] = [];
  if (distinct.length <= maxBins) {
    for (let i = 1; i < distinct.length; i++) {
      raw.push(midpoint(distinct[i - 1]!, distinct[i]!));
    }
  } else {
    for (let k = 1; k < maxBins; k++) {
      const p = (k * (n - 1)) / maxBins;
      const a = sorted[Math.floor(p)]!;
      const b = sorted[Math.ceil(p)]!;
      raw.push(a === b ? a : midpoint(a, b));
    }
  }
  const edges: number[] = [];
  for (const e of raw) {
    if (edges.length === 0 || e > edges[edges.length - 1]!) edges.push(e + 0);
  }
  return Float64Array.from(edges);
}

/** The bin of a raw value: the number of edges below it. */
function binOf(edges: Float64Array, value: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (edges[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Feature columns cut into bins. */
export interface BinnedColumns {
  /** Number of rows. */
  readonly nRows: number;
  /** Number of features. */
  readonly nFeatures: number;
  /** Bin codes, row-major: `codes[i * nFeatures + j]` is row i, feature j. */
  readonly codes: Uint8Array;
  /** Per feature, the raw bin edges (see {@linkcode binEdges}). */
  readonly edges: readonly Float64Array[];
  /**
   * Where each feature's bins start in a histogram; `offsets[nFeatures]` is
   * the total number of bins.
   */
  readonly offsets: Uint32Array;
}

/**
 * Bins every feature column (see {@linkcode binEdges}). Rows with bin code
 * `≤ b` of feature `j` are exactly those with `x[j][i] ≤ edges[j][b]`.
 *
 * @example
 * ```ts
 * import { binColumns } from "./histogram.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const b = binColumns([new Float64Array([5, 1, 5]), new Float64Array([0, 0, 0])]);
 * assertEquals([...b.codes], [1, 0, 0, 0, 1, 0]);
 * assertEquals([...b.offsets], [0, 2, 3]);
 * ```
 */
export function binColumns(
  x: Columns,
  options: BinOptions = {},
): BinnedColumns {
  const nFeatures = x.length;
  const nRows = x[0]?.length ?? 0;
  const codes = new Uint8Array(nRows * nFeatures);
  const edges: Float64Array[] = [];
  const offsets = new Uint32Array(nFeatures + 1);
  for (let j = 0; j < nFeatures; j++) {
    const column = x[j]!;
    const e = binEdges(column, options);
    edges.push(e);
    offsets[j + 1] = offsets[j]! + e.length + 1;
    for (let i = 0; i < nRows; i++) {
      codes[i * nFeatures + j] = binOf(e, column[i]!);
    }
  }
  return { nRows, nFeatures, codes, edges, offsets };
}

/** The last columns {@linkcode binColumnsKept} binned, and their bins. */
let kept:
  | { bits: Uint32Array[]; maxBins: number; binned: BinnedColumns }
  | undefined;

/**
 * {@linkcode binColumns}, returning the bins of the previous call in this
 * thread when its columns were the same, bit for bit, and binned with the
 * same `maxBins`. A model's components fit the same rows one after another
 * (`lib/train/steps.ts`), so three fits in four bin nothing. The result is
 * shared: callers must not modify it.
 *
 * @example
 * ```ts
 * import { binColumnsKept } from "./histogram.ts";
 * import { ok as assert } from "node:assert/strict";
 * const a = binColumnsKept([Float64Array.of(5, 1, 5)]);
 * assert(binColumnsKept([Float64Array.of(5, 1, 5)]) === a);
 * assert(binColumnsKept([Float64Array.of(5, 1, 6)]) !== a);
 * ```
 */
export function binColumnsKept(
  x: Columns,
  options: BinOptions = {},
): BinnedColumns {
  const maxBins = options.maxBins ?? MAX_BINS;
  if (
    kept !== undefined && kept.maxBins === maxBins &&
    sameColumnBits(x, kept.bits)
  ) return kept.binned;
  const binned = binColumns(x, options);
  kept = { bits: columnBits(x), maxBins, binned };
  return binned;
}

/** Forgets the bins {@linkcode binColumnsKept} keeps. */
export function forgetKeptBins(): void {
  kept = undefined;
}

// --------------------------------------------------------------- histograms

/** The rows a histogram is built from. */
export interface HistogramInput {
  /** The binned features. */
  binned: BinnedColumns;
  /** Gradient of each row. */
  grad: Float64Array;
  /** Hessian of each row. */
  hess: Float64Array;
  /** Row indices; the histogram covers `rows[start..end)`. */
  rows: Uint32Array;
  /** First position in `rows`. Default: 0. */
  start?: number;
  /** End position in `rows` (exclusive). Default: `rows.length`. */
  end?: number;
}

/**
 * Builds a gradient/hessian histogram into `out` (overwritten): for the
 * global bin `k = offsets[j] + code`, `out[3k]` is the sum of gradients,
 * `out[3k+1]` of hessians and `out[3k+2]` the number of rows. `out` must
 * hold `3 × offsets[nFeatures]` numbers.
 *
 * @example
 * ```ts
 * import { binColumns, buildHistogram } from "./histogram.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const binned = binColumns([new Float64Array([1, 2, 1])]);
 * const out = new Float64Array(6);
 * buildHistogram({ binned, grad: new Float64Array([1, 2, 3]),
 *   hess: new Float64Array([1, 1, 1]), rows: new Uint32Array([0, 1, 2]) }, out);
 * assertEquals([...out], [4, 2, 2, 2, 1, 1]);
 * ```
 */
export function buildHistogram(input: HistogramInput, out: Float64Array): void {
  const { binned, grad, hess, rows } = input;
  const start = input.start ?? 0;
  const end = input.end ?? rows.length;
  const { codes, nFeatures, offsets } = binned;
  const need = 3 * offsets[nFeatures]!;
  if (out.length < need) {
    throw new RangeError(
      `Cannot build a histogram: out holds ${out.length} numbers, needs ${need}`,
    );
  }
  out.fill(0, 0, need);
  const base = new Uint32Array(nFeatures);
  for (let j = 0; j < nFeatures; j++) base[j] = 3 * offsets[j]!;
  if (nFeatures === 1) {
    for (let k = start; k < end; k++) {
      const r = rows[k]!;
      const idx = 3 * codes[r]!;
      out[idx] = out[idx]! + grad[r]!;
      out[idx + 1] = out[idx + 1]! + hess[r]!;
      out[idx + 2] = out[idx + 2]! + 1;
    }
    return;
  }
  for (let k = start; k < end; k++) {
    const r = rows[k]!;
    const g = grad[r]!;
    const h = hess[r]!;
    const c = r * nFeatures;
    for (let j = 0; j < nFeatures; j++) {
      const idx = base[j]! + 3 * codes[c + j]!;
      out[idx] = out[idx]! + g;
      out[idx + 1] = out[idx + 1]! + h;
      out[idx + 2] = out[idx + 2]! + 1;
    }
  }
}

/**
 * The sibling trick: `out = parent − child`, element by element, where
 * `child` is the histogram of one child of `parent`'s node; the result is
 * the other child's histogram. `out` defaults to `parent` (in place).
 *
 * @example
 * ```ts
 * import { subtractHistogram } from "./histogram.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const parent = new Float64Array([5, 3, 3]);
 * subtractHistogram(parent, new Float64Array([2, 1, 1]));
 * assertEquals([...parent], [3, 2, 2]);
 * ```
 */
export function subtractHistogram(
  parent: Float64Array,
  child: Float64Array,
  options: { out?: Float64Array } = {},
): void {
  const out = options.out ?? parent;
  const n = Math.min(parent.length, child.length);
  for (let i = 0; i < n; i++) out[i] = parent[i]! - child[i]!;
}

// ------------------------------------------------------------------- splits

/** Sums of a node's gradients, hessians and rows. */
export interface NodeTotals {
  /** Sum of gradients G. */
  grad: number;
  /** Sum of hessians H. */
  hess: number;
  /** Number of rows. */
  count: number;
}

/** Constraints and regularisation of splits. */
export interface SplitRule {
  /** L2 regularisation λ of leaf weights. Default: 0. */
  lambda?: number;
  /** Minimum gain γ a split must exceed. Default: 0. */
  gamma?: number;
  /** Minimum sum of hessians in each child. Default: 0. */
  minChildWeight?: number;
  /** Minimum rows in each child. Default: 1. */
  minSamplesLeaf?: number;
}

/** A split: rows with `bin ≤ split.bin` (raw `x ≤ threshold`) go left. */
export interface Split {
  /** Feature index. */
  feature: number;
  /** Last bin that goes left. */
  bin: number;
  /** Raw threshold: `x[feature] ≤ threshold` goes left. */
  threshold: number;
  /** ½[G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ)] − γ. */
  gain: number;
  /** Totals of the left child. */
  left: NodeTotals;
  /** Totals of the right child. */
  right: NodeTotals;
}

/**
 * The best split of a node from its histogram: the largest gain over every
 * feature and bin boundary whose children satisfy the rule; ties go to the
 * lower feature, then the lower bin. Returns `undefined` when no split has a
 * gain above zero (allowing for rounding: above 1e-10 of the children's
 * scores).
 *
 * @example
 * ```ts
 * import { binColumns, buildHistogram, findBestSplit } from "./histogram.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const binned = binColumns([new Float64Array([1, 2, 3, 4])]);
 * const grad = new Float64Array([5, 4, -4, -5]);
 * const hist = new Float64Array(12);
 * buildHistogram({ binned, grad, hess: new Float64Array(4).fill(1),
 *   rows: new Uint32Array([0, 1, 2, 3]) }, hist);
 * const split = findBestSplit(binned, hist, { grad: 0, hess: 4, count: 4 }, { lambda: 1 });
 * assertEquals(split?.threshold, 2.5);
 * assertEquals(split?.gain, 0.5 * (81 / 3 + 81 / 3));
 * ```
 */
export function findBestSplit(
  binned: BinnedColumns,
  hist: Float64Array,
  totals: NodeTotals,
  rule: SplitRule = {},
): Split | undefined {
  const lambda = rule.lambda ?? 0;
  const gamma = rule.gamma ?? 0;
  const minChildWeight = rule.minChildWeight ?? 0;
  const minSamplesLeaf = rule.minSamplesLeaf ?? 1;
  const { grad: G, hess: H, count: C } = totals;
  const parentScore = H + lambda > 0 ? (G * G) / (H + lambda) : 0;
  let best = -Infinity;
  let bestScores = 0;
  let bestFeature = -1;
  let bestBin = -1;
  let bestGL = 0;
  let bestHL = 0;
  let bestCL = 0;
  const { offsets, nFeatures } = binned;
  for (let j = 0; j < nFeatures; j++) {
    const first = offsets[j]!;
    const nBins = offsets[j + 1]! - first;
    let gl = 0;
    let hl = 0;
    let cl = 0;
    for (let b = 0; b < nBins - 1; b++) {
      const idx = 3 * (first + b);
      const cb = hist[idx + 2]!;
      if (cb === 0) continue; // same split as the previous bin
      gl += hist[idx]!;
      hl += hist[idx + 1]!;
      cl += cb;
      const cr = C - cl;
      const hr = H - hl;
      if (cr < minSamplesLeaf || hr < minChildWeight) break;
      if (cl < minSamplesLeaf || hl < minChildWeight) continue;
      const dl = hl + lambda;
      const dr = hr + lambda;
      if (!(dl > 0 && dr > 0)) continue;
      const gr = G - gl;
      const scores = (gl * gl) / dl + (gr * gr) / dr;
      const gain = 0.5 * (scores - parentScore) - gamma;
      if (gain > best) {
        best = gain;
        bestScores = scores;
        bestFeature = j;
        bestBin = b;
        bestGL = gl;
        bestHL = hl;
        bestCL = cl;
      }
    }
  }
  if (bestFeature < 0 || !(best > 1e-10 * 0.5 * bestScores)) return undefined;
  return {
    feature: bestFeature,
    bin: bestBin,
    threshold: binned.edges[bestFeature]![bestBin]!,
    gain: best,
    left: { grad: bestGL, hess: bestHL, count: bestCL },
    right: { grad: G - bestGL, hess: H - bestHL, count: C - bestCL },
  };
}
