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
import type { BinnedColumns, SplitRule } from "./histogram.ts";
import {
  bestSplitInto,
  buildOnActive,
  buildRoot,
  newNodeHistogram,
  newSplitSlot,
  type NodeHistogram,
  type SplitSlot,
  subtractOnActive,
} from "./_active_histogram.ts";
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

/**
 * The nodes waiting to be split or made a leaf, last in first out, in
 * typed arrays (a tree grower handles millions of nodes: an object per
 * waiting node, with its boxed sums, and one per split were two fifths of
 * what a 10 min × 10 training allocated). Entry
 * `k` holds the node's id, its rows `rows[start..end)` and depth in
 * `ints[4k..4k+4)`, its gradient sum, hessian sum and row count in
 * `sums[3k..3k+3)`, and its histogram (when it may split) in `hists[k]`.
 * Depth first, it holds at most one node per level and two more.
 */
class PendingStack {
  ints = new Int32Array(4 * 16);
  sums = new Float64Array(3 * 16);
  hists: (NodeHistogram | undefined)[] = [];
  size = 0;

  push(
    id: number,
    start: number,
    end: number,
    depth: number,
    hist: NodeHistogram | undefined,
    g: number,
    h: number,
    c: number,
  ): void {
    const k = this.size++;
    if (4 * k >= this.ints.length) {
      const ints = new Int32Array(2 * this.ints.length);
      ints.set(this.ints);
      this.ints = ints;
      const sums = new Float64Array(2 * this.sums.length);
      sums.set(this.sums);
      this.sums = sums;
    }
    const { ints, sums } = this;
    ints[4 * k] = id;
    ints[4 * k + 1] = start;
    ints[4 * k + 2] = end;
    ints[4 * k + 3] = depth;
    sums[3 * k] = g;
    sums[3 * k + 1] = h;
    sums[3 * k + 2] = c;
    this.hists[k] = hist;
  }
}

/**
 * Gradient boosting for squared error on binned columns: each round takes
 * gradients `pred − y` and hessians 1, grows one depth-limited tree with
 * histograms (building the smaller child, subtracting for the larger, each
 * on the bins the node's rows fall in: see `_active_histogram.ts`) and adds
 * it to the predictions. The training predictions it returns equal
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
  const subsample = options.subsample ?? 1;
  const random = mulberry32(options.seed ?? 42);
  const { nRows: n, nFeatures, offsets } = binned;
  const pred = options.start
    ? Float64Array.from(options.start)
    : new Float64Array(n);
  const nBins = offsets[nFeatures]!;
  const pool: NodeHistogram[] = [];
  const ctx: Grower = {
    binned,
    rule: splitRule(options),
    maxDepth: options.maxDepth ?? 3,
    learningRate: options.learningRate ?? 0.1,
    pred,
    grad: new Float64Array(n),
    rows: new Uint32Array(n),
    scratch: new Uint32Array(n),
    split: newSplitSlot(),
    stack: new PendingStack(),
    acquire: () => pool.pop() ?? newNodeHistogram(nBins),
    release: (h: NodeHistogram) => void pool.push(h),
  };
  const { grad, rows } = ctx;
  const nIn = Math.max(1, Math.min(n, Math.floor(subsample * n)));
  // A tree has at most 2·nIn − 1 nodes (every leaf holds a row), and at
  // most 2^(maxDepth+1) − 1.
  const tree = growingTree(
    Math.min(2 * nIn - 1, 2 ** (Math.min(ctx.maxDepth, 30) + 1) - 1),
  );
  const trees: Tree[] = [];
  // room for every tree at its largest, within 256 KiB per buffer
  const slab = new TreeSlab(
    Math.min(256 << 10, 36 * tree.feature.length * nEstimators),
  );
  for (let round = 0; round < nEstimators; round++) {
    for (let i = 0; i < n; i++) grad[i] = pred[i]! - y[i]!;
    sampleRows(random, rows, n, nIn);
    growTree(ctx, tree, nIn);
    followOutOfBag(ctx, tree, nIn);
    trees.push(slab.copy(tree));
  }
  return { trees, pred };
}

/**
 * Carves the trees of one {@linkcode boost} call out of shared buffers:
 * an `ArrayBuffer` per tree (a hundred or more per fit, of a few hundred
 * bytes each) cost more in allocation and collection than filling it.
 * The trees of a forest live and die together, so sharing is free.
 */
class TreeSlab {
  #buffer = new ArrayBuffer(0);
  #used = 0;
  #chunk: number;

  /** `chunk`: bytes of each shared buffer (one tree may need more). */
  constructor(chunk: number) {
    this.#chunk = chunk;
  }

  /** A copy of a grown tree's nodes, its six arrays side by side. */
  copy(tree: GrowingTree): Tree {
    const m = tree.size;
    // whole 8-byte words, so the next tree's doubles are aligned
    const bytes = (36 * m + 7) & ~7;
    if (this.#used + bytes > this.#buffer.byteLength) {
      this.#buffer = new ArrayBuffer(Math.max(bytes, this.#chunk));
      this.#used = 0;
    }
    const at = this.#used;
    this.#used += bytes;
    const buffer = this.#buffer;
    const float = (k: number) => new Float64Array(buffer, at + 8 * k * m, m);
    const int = (k: number) =>
      new Int32Array(buffer, at + 24 * m + 4 * k * m, m);
    const out = {
      feature: int(0),
      threshold: float(0),
      left: int(1),
      right: int(2),
      value: float(1),
      gain: float(2),
    };
    for (let i = 0; i < m; i++) {
      out.feature[i] = tree.feature[i]!;
      out.threshold[i] = tree.threshold[i]!;
      out.left[i] = tree.left[i]!;
      out.right[i] = tree.right[i]!;
      out.value[i] = tree.value[i]!;
      out.gain[i] = tree.gain[i]!;
    }
    return out;
  }
}

/** The split rule of the options, with scikit-learn GBR's defaults. */
function splitRule(options: BoostOptions): Required<SplitRule> {
  return {
    lambda: options.lambda ?? 0,
    gamma: options.gamma ?? 0,
    minChildWeight: options.minChildWeight ?? 0,
    minSamplesLeaf: options.minSamplesLeaf ?? 1,
  };
}

/** What growing the trees of one {@linkcode boost} call shares. */
interface Grower {
  binned: BinnedColumns;
  rule: Required<SplitRule>;
  maxDepth: number;
  learningRate: number;
  /** Training predictions, updated as leaves are set. */
  pred: Float64Array;
  grad: Float64Array;
  /** Row indices: a node's rows are a contiguous range. */
  rows: Uint32Array;
  scratch: Uint32Array;
  /** Where the best split of the node being split is written. */
  split: SplitSlot;
  /** The nodes of the tree being grown that wait (see `PendingStack`). */
  stack: PendingStack;
  /** A histogram buffer from the pool. */
  acquire(): NodeHistogram;
  /** Returns a histogram buffer to the pool. */
  release(h: NodeHistogram): void;
}

/**
 * A tree being grown: parallel node arrays, plus each split's bin, of which
 * the first `size` nodes are in use (reused from tree to tree).
 */
interface GrowingTree {
  size: number;
  feature: Int32Array;
  threshold: Float64Array;
  bin: Int32Array;
  left: Int32Array;
  right: Int32Array;
  value: Float64Array;
  gain: Float64Array;
}

function growingTree(capacity: number): GrowingTree {
  return {
    size: 0,
    feature: new Int32Array(capacity),
    threshold: new Float64Array(capacity),
    bin: new Int32Array(capacity),
    left: new Int32Array(capacity),
    right: new Int32Array(capacity),
    value: new Float64Array(capacity),
    gain: new Float64Array(capacity),
  };
}

function newNode(t: GrowingTree): number {
  const id = t.size++;
  t.feature[id] = -1;
  t.threshold[id] = 0;
  t.bin[id] = -1;
  t.left[id] = -1;
  t.right[id] = -1;
  t.value[id] = 0;
  t.gain[id] = 0;
  return id;
}

function canSplit(
  ctx: Grower,
  depth: number,
  count: number,
  hess: number,
): boolean {
  return depth < ctx.maxDepth && count >= 2 * ctx.rule.minSamplesLeaf &&
    hess >= 2 * ctx.rule.minChildWeight;
}

/**
 * Rows of this round: rows[0..nIn) grow the tree (a seeded sample without
 * replacement, in row order), the rest are out of bag.
 */
function sampleRows(
  random: () => number,
  rows: Uint32Array,
  n: number,
  nIn: number,
): void {
  if (nIn === n) {
    for (let i = 0; i < n; i++) rows[i] = i;
    return;
  }
  let a = 0;
  let b = nIn;
  for (let i = 0; i < n; i++) {
    if (random() * (n - i) < nIn - a) rows[a++] = i;
    else rows[b++] = i;
  }
}

/**
 * Grows one tree into `tree` on rows[0..nIn), depth first, adding leaves to
 * `pred`.
 */
function growTree(ctx: Grower, tree: GrowingTree, nIn: number): void {
  const { binned, grad, rows } = ctx;
  let G = 0;
  for (let k = 0; k < nIn; k++) G += grad[rows[k]!]!;
  // every hessian is 1: their sum is the row count, exactly
  const H = nIn;
  tree.size = 0;
  let rootHist: NodeHistogram | undefined;
  if (canSplit(ctx, 0, nIn, H)) {
    rootHist = ctx.acquire();
    buildRoot(binned, grad, rows, nIn, rootHist);
  }
  const { split, rule, stack } = ctx;
  stack.size = 0;
  stack.push(newNode(tree), 0, nIn, 0, rootHist, G, H, nIn);
  while (stack.size > 0) {
    const k = --stack.size;
    const hist = stack.hists[k];
    stack.hists[k] = undefined;
    const { sums } = stack;
    if (
      hist &&
      bestSplitInto(
        binned,
        hist,
        sums[3 * k]!,
        sums[3 * k + 1]!,
        sums[3 * k + 2]!,
        rule,
        split,
      )
    ) splitNode(ctx, tree, k, hist);
    else setLeaf(ctx, tree, k, hist);
  }
}

/**
 * Makes the node just taken off the stack (entry `k`) a leaf: its value,
 * added to its rows' predictions.
 */
function setLeaf(
  ctx: Grower,
  tree: GrowingTree,
  k: number,
  hist: NodeHistogram | undefined,
): void {
  const { rows, pred, stack: { ints, sums } } = ctx;
  const id = ints[4 * k]!;
  const start = ints[4 * k + 1]!;
  const end = ints[4 * k + 2]!;
  const v = (-sums[3 * k]! / (sums[3 * k + 1]! + ctx.rule.lambda)) *
      ctx.learningRate + 0;
  tree.value[id] = v;
  for (let k = start; k < end; k++) {
    const r = rows[k]!;
    pred[r] = pred[r]! + v;
  }
  if (hist) ctx.release(hist);
}

/**
 * Splits the node just taken off the stack (entry `k`) by `ctx.split`
 * (just found for it): partitions its rows (stably, bin ≤ split.bin to the
 * front), adds its two children and pushes them, right then left (so the
 * left is grown first), with the histograms they need.
 */
function splitNode(
  ctx: Grower,
  tree: GrowingTree,
  k: number,
  hist: NodeHistogram,
): void {
  const { binned, grad, rows, scratch, split, stack } = ctx;
  const { ints, sums } = stack;
  const id = ints[4 * k]!;
  const start = ints[4 * k + 1]!;
  const end = ints[4 * k + 2]!;
  const depth = ints[4 * k + 3]!;
  const g = sums[3 * k]!;
  const h = sums[3 * k + 1]!;
  const c = sums[3 * k + 2]!;
  const { nFeatures, codes } = binned;
  const f = split.feature;
  const bin = split.bin;
  tree.feature[id] = f;
  tree.threshold[id] = binned.edges[f]![bin]! + 0;
  tree.bin[id] = bin;
  tree.gain[id] = split.gain;
  let mid = start;
  let s = 0;
  for (let k = start; k < end; k++) {
    const r = rows[k]!;
    if (codes[r * nFeatures + f]! <= bin) rows[mid++] = r;
    else scratch[s++] = r;
  }
  // a loop, not rows.set(scratch.subarray(…)): no view object per split
  for (let k = 0; k < s; k++) rows[mid + k] = scratch[k]!;
  const l = newNode(tree);
  const rr = newNode(tree);
  tree.left[id] = l;
  tree.right[id] = rr;
  // the children's totals: the left side's sums, and the node's minus them
  const gl = split.gl;
  const cl = split.cl;
  const gr = g - gl;
  const hr = h - cl;
  const cr = c - cl;
  const needL = canSplit(ctx, depth + 1, cl, cl);
  const needR = canSplit(ctx, depth + 1, cr, hr);
  let histL: NodeHistogram | undefined;
  let histR: NodeHistogram | undefined;
  if (needL || needR) {
    const small = ctx.acquire();
    const leftSmaller = mid - start <= end - mid;
    buildOnActive(
      binned,
      grad,
      rows,
      leftSmaller ? start : mid,
      leftSmaller ? mid : end,
      hist,
      small,
    );
    subtractOnActive(hist, small, leftSmaller ? needL : needR);
    histL = leftSmaller ? small : hist;
    histR = leftSmaller ? hist : small;
    if (!needL) {
      ctx.release(histL);
      histL = undefined;
    }
    if (!needR) {
      ctx.release(histR);
      histR = undefined;
    }
  } else {
    ctx.release(hist);
  }
  // entry k is free: the node's own numbers were read above
  stack.push(rr, mid, end, depth + 1, histR, gr, hr, cr);
  stack.push(l, start, mid, depth + 1, histL, gl, cl, cl);
}

/** Out-of-bag rows rows[nIn..n) follow the tree by bin codes. */
function followOutOfBag(ctx: Grower, tree: GrowingTree, nIn: number): void {
  const { binned: { nRows: n, nFeatures, codes }, rows, pred } = ctx;
  const { feature, bin, left, right, value } = tree;
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
}
