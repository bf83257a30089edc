/**
 * The tree grower shared by the two boosting trainers (GradientBoostingRegressor
 * and XgboostFit): {@linkcode boost} grows depth-limited regression trees on
 * gradients `pred − y` and hessians 1 from the histograms of
 * `histogram.ts`; a leaf's value is `−G/(H+λ) × learningRate`. Trees split
 * on raw feature values (`x ≤ threshold` goes left), so a saved model needs
 * no bin tables.
 *
 * @module
 */
import {
  type BinnedColumns,
  buildHistogram,
  findBestSplit,
  type NodeTotals,
  type SplitRule,
  subtractHistogram,
} from "./histogram.ts";
import { mulberry32 } from "./random.ts";

/**
 * One regression tree as parallel arrays indexed by node (root = 0). A node
 * with `feature[i] ≥ 0` sends `x[feature[i]] ≤ threshold[i]` to `left[i]`
 * and the rest to `right[i]`; children have higher indices than their
 * parent. A leaf has `feature[i] = −1` and predicts `value[i]` (the learning
 * rate is already applied). `gain[i]` is a split's gain (0 for leaves).
 */
export interface Tree {
  /** Split feature, or −1 for a leaf. */
  readonly feature: Int32Array;
  /** Raw split threshold (0 for leaves). */
  readonly threshold: Float64Array;
  /** Left child (−1 for leaves). */
  readonly left: Int32Array;
  /** Right child (−1 for leaves). */
  readonly right: Int32Array;
  /** Leaf value, learning rate included (0 for splits). */
  readonly value: Float64Array;
  /** Split gain (0 for leaves). */
  readonly gain: Float64Array;
}

/** An additive ensemble: `baseScore + Σ_t tree_t(x)`, trees in order. */
export interface Forest {
  /** Number of input features. */
  readonly nFeatures: number;
  /** The prediction before any tree. */
  readonly baseScore: number;
  /** The trees, summed in this order. */
  readonly trees: readonly Tree[];
}

/** Options of {@linkcode boost}; defaults are scikit-learn GBR's. */
export interface BoostOptions extends SplitRule {
  /** Number of trees to add. Default: 100. */
  nEstimators?: number;
  /** Maximum depth of a tree (the root is depth 0). Default: 3. */
  maxDepth?: number;
  /** Factor applied to every leaf value. Default: 0.1. */
  learningRate?: number;
  /**
   * Fraction of rows drawn, without replacement, to grow each tree; the
   * others only get the tree's prediction. Default: 1.
   */
  subsample?: number;
  /** Seed of the row sampling. Default: 42. */
  seed?: number;
  /** Raw prediction each row starts from. Default: 0 for every row. */
  start?: Float64Array;
}

/** What {@linkcode boost} returns. */
export interface BoostResult {
  /** The new trees, in order. */
  trees: Tree[];
  /** The training predictions after the last tree. */
  pred: Float64Array;
}

interface Pending {
  id: number;
  start: number;
  end: number;
  depth: number;
  hist: Float64Array | undefined;
  totals: NodeTotals;
}

/**
 * Gradient boosting for squared error on binned columns: each round takes
 * gradients `pred − y` and hessians 1, grows one depth-limited tree with
 * histograms (building the smaller child, subtracting for the larger) and
 * adds it to the predictions. The training predictions it returns equal
 * {@linkcode predictForest} on the raw columns, bit for bit.
 *
 * @example
 * ```ts
 * import { binColumns } from "./histogram.ts";
 * import { boost } from "./boost.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const binned = binColumns([new Float64Array([1, 2, 3, 4])]);
 * const { trees, pred } = boost(binned, new Float64Array([0, 0, 8, 8]),
 *   { nEstimators: 1, maxDepth: 1, learningRate: 1 });
 * assertEquals(trees[0]?.threshold[0], 2.5);
 * assertEquals([...pred], [0, 0, 8, 8]);
 * ```
 */
export function boost(
  binned: BinnedColumns,
  y: Float64Array,
  options: BoostOptions = {},
): BoostResult {
  const nEstimators = options.nEstimators ?? 100;
  const maxDepth = options.maxDepth ?? 3;
  const learningRate = options.learningRate ?? 0.1;
  const subsample = options.subsample ?? 1;
  const lambda = options.lambda ?? 0;
  const minSamplesLeaf = options.minSamplesLeaf ?? 1;
  const minChildWeight = options.minChildWeight ?? 0;
  const rule: SplitRule = {
    lambda,
    gamma: options.gamma ?? 0,
    minChildWeight,
    minSamplesLeaf,
  };
  const random = mulberry32(options.seed ?? 42);
  const { nRows: n, nFeatures, codes, offsets } = binned;
  const pred = options.start
    ? Float64Array.from(options.start)
    : new Float64Array(n);
  const grad = new Float64Array(n);
  const hess = new Float64Array(n).fill(1);
  const rows = new Uint32Array(n);
  const scratch = new Uint32Array(n);
  const histSize = 3 * offsets[nFeatures]!;
  const pool: Float64Array[] = [];
  const acquire = () => pool.pop() ?? new Float64Array(histSize);
  const release = (h: Float64Array) => void pool.push(h);
  const nIn = Math.max(1, Math.min(n, Math.floor(subsample * n)));
  const trees: Tree[] = [];

  const canSplit = (depth: number, t: NodeTotals) =>
    depth < maxDepth && t.count >= 2 * minSamplesLeaf &&
    t.hess >= 2 * minChildWeight;

  for (let round = 0; round < nEstimators; round++) {
    for (let i = 0; i < n; i++) grad[i] = pred[i]! - y[i]!;
    // Rows of this round: rows[0..nIn) grow the tree, the rest are out of bag.
    if (nIn === n) {
      for (let i = 0; i < n; i++) rows[i] = i;
    } else {
      let a = 0;
      let b = nIn;
      for (let i = 0; i < n; i++) {
        if (random() * (n - i) < nIn - a) rows[a++] = i;
        else rows[b++] = i;
      }
    }
    let G = 0;
    let H = 0;
    for (let k = 0; k < nIn; k++) {
      const r = rows[k]!;
      G += grad[r]!;
      H += hess[r]!;
    }
    const feature: number[] = [];
    const threshold: number[] = [];
    const bin: number[] = [];
    const left: number[] = [];
    const right: number[] = [];
    const value: number[] = [];
    const gain: number[] = [];
    const newNode = () => {
      feature.push(-1);
      threshold.push(0);
      bin.push(-1);
      left.push(-1);
      right.push(-1);
      value.push(0);
      gain.push(0);
      return feature.length - 1;
    };
    const rootTotals = { grad: G, hess: H, count: nIn };
    let rootHist: Float64Array | undefined;
    if (canSplit(0, rootTotals)) {
      rootHist = acquire();
      buildHistogram(
        { binned, grad, hess, rows, start: 0, end: nIn },
        rootHist,
      );
    }
    const stack: Pending[] = [{
      id: newNode(),
      start: 0,
      end: nIn,
      depth: 0,
      hist: rootHist,
      totals: rootTotals,
    }];
    while (stack.length > 0) {
      const node = stack.pop()!;
      const { id, start, end, depth, hist, totals } = node;
      const split = hist
        ? findBestSplit(binned, hist, totals, rule)
        : undefined;
      if (!hist || !split) {
        const v = (-totals.grad / (totals.hess + lambda)) * learningRate + 0;
        value[id] = v;
        for (let k = start; k < end; k++) {
          const r = rows[k]!;
          pred[r] = pred[r]! + v;
        }
        if (hist) release(hist);
        continue;
      }
      feature[id] = split.feature;
      threshold[id] = split.threshold + 0;
      bin[id] = split.bin;
      gain[id] = split.gain;
      // Stable partition: bin ≤ split.bin to the front.
      let mid = start;
      let s = 0;
      const f = split.feature;
      for (let k = start; k < end; k++) {
        const r = rows[k]!;
        if (codes[r * nFeatures + f]! <= split.bin) rows[mid++] = r;
        else scratch[s++] = r;
      }
      rows.set(scratch.subarray(0, s), mid);
      const l = newNode();
      const rr = newNode();
      left[id] = l;
      right[id] = rr;
      const needL = canSplit(depth + 1, split.left);
      const needR = canSplit(depth + 1, split.right);
      let histL: Float64Array | undefined;
      let histR: Float64Array | undefined;
      if (needL || needR) {
        const small = acquire();
        const leftSmaller = mid - start <= end - mid;
        buildHistogram(
          leftSmaller
            ? { binned, grad, hess, rows, start, end: mid }
            : { binned, grad, hess, rows, start: mid, end },
          small,
        );
        subtractHistogram(hist, small);
        histL = leftSmaller ? small : hist;
        histR = leftSmaller ? hist : small;
        if (!needL) {
          release(histL);
          histL = undefined;
        }
        if (!needR) {
          release(histR);
          histR = undefined;
        }
      } else {
        release(hist);
      }
      stack.push({
        id: rr,
        start: mid,
        end,
        depth: depth + 1,
        hist: histR,
        totals: split.right,
      });
      stack.push({
        id: l,
        start,
        end: mid,
        depth: depth + 1,
        hist: histL,
        totals: split.left,
      });
    }
    // Out-of-bag rows follow the tree by bin codes.
    for (let k = nIn; k < n; k++) {
      const r = rows[k]!;
      const c = r * nFeatures;
      let node = 0;
      while (feature[node]! >= 0) {
        node = codes[c + feature[node]!]! <= bin[node]!
          ? left[node]!
          : right[node]!;
      }
      pred[r] = pred[r]! + value[node]!;
    }
    trees.push({
      feature: Int32Array.from(feature),
      threshold: Float64Array.from(threshold),
      left: Int32Array.from(left),
      right: Int32Array.from(right),
      value: Float64Array.from(value),
      gain: Float64Array.from(gain),
    });
  }
  return { trees, pred };
}
