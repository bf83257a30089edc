/**
 * The engine shared by the two boosting trainers (GradientBoostingRegressor
 * and XgboostFit): histogram gradient-boosted regression trees for squared
 * error, after LightGBM and scikit-learn's HistGradientBoosting.
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
 * - **Trees.** {@linkcode boost} grows depth-limited trees on gradients
 *   `pred − y` and hessians 1; a leaf's value is `−G/(H+λ) × learningRate`.
 * - **Models.** Trees split on raw feature values (`x ≤ threshold` goes
 *   left), so a saved model needs no bin tables: {@linkcode predictForest},
 *   {@linkcode forestModel} and {@linkcode loadForest}.
 *
 * Private to `lib/train`.
 *
 * @module
 */
import type { Columns, FittedModel, ModelJson } from "./model.ts";
import { mulberry32 } from "./_random.ts";
import { checkNumber, checkPredictColumns } from "./_validate.ts";

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
 * import { binEdges } from "./_histogram.ts";
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
 * import { binColumns } from "./_histogram.ts";
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
 * import { binColumns, buildHistogram } from "./_histogram.ts";
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
 * import { subtractHistogram } from "./_histogram.ts";
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
 * import { binColumns, buildHistogram, findBestSplit } from "./_histogram.ts";
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

// ------------------------------------------------------------ trees, models

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

/**
 * Predicts with a forest on raw feature columns. Each row starts at
 * `baseScore` and adds the trees' leaf values in order. A `NaN` feature
 * value goes right at every split on it.
 *
 * @example
 * ```ts
 * import { predictForest } from "./_histogram.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const stump = { feature: new Int32Array([0, -1, -1]),
 *   threshold: new Float64Array([2, 0, 0]), left: new Int32Array([1, -1, -1]),
 *   right: new Int32Array([2, -1, -1]), value: new Float64Array([0, -1, 1]),
 *   gain: new Float64Array(3) };
 * const forest = { nFeatures: 1, baseScore: 10, trees: [stump] };
 * assertEquals([...predictForest(forest, [new Float64Array([1, 2, 3])])], [9, 9, 11]);
 * ```
 */
export function predictForest(
  forest: Forest,
  x: Columns,
  options: { kind?: string } = {},
): Float64Array {
  const n = checkPredictColumns(
    options.kind ?? "tree ensemble",
    x,
    forest.nFeatures,
  );
  const out = new Float64Array(n).fill(forest.baseScore);
  for (const tree of forest.trees) {
    const { feature, threshold, left, right, value } = tree;
    const rootFeature = feature[0]!;
    for (let i = 0; i < n; i++) {
      let node = 0;
      let f = rootFeature;
      while (f >= 0) {
        node = x[f]![i]! <= threshold[node]! ? left[node]! : right[node]!;
        f = feature[node]!;
      }
      out[i] = out[i]! + value[node]!;
    }
  }
  return out;
}

/** A fitted tree-ensemble model. */
export interface ForestModel<K extends string> extends FittedModel {
  /** The model kind. */
  readonly kind: K;
  /** Number of trees. */
  readonly nTrees: number;
  /** The prediction before any tree. */
  readonly baseScore: number;
}

/** What a forest model records besides its trees. */
export interface ForestMeta {
  /** The hyperparameters it was fitted with. */
  params: Readonly<Record<string, unknown>>;
  /** The seed it was fitted with. */
  seed: number;
}

/** A tree in JSON: the arrays of {@linkcode Tree} as plain number arrays. */
export interface TreeJson {
  /** Split feature, or −1 for a leaf. */
  feature: number[];
  /** Raw split threshold (0 for leaves). */
  threshold: number[];
  /** Left child (−1 for leaves). */
  left: number[];
  /** Right child (−1 for leaves). */
  right: number[];
  /** Leaf value, learning rate included (0 for splits). */
  value: number[];
  /** Split gain (0 for leaves). */
  gain: number[];
}

const TREE_KEYS = [
  "feature",
  "threshold",
  "left",
  "right",
  "value",
  "gain",
] as const;

/**
 * Wraps a forest as an immutable fitted model of a kind. Its JSON is
 * `{kind, version: 1, nFeatures, baseScore, seed, params, trees}` with
 * {@linkcode TreeJson} trees; numbers survive `JSON.stringify`/`parse`
 * exactly, so a reloaded model predicts bit for bit the same.
 *
 * @example
 * ```ts
 * import { forestModel, loadForest } from "./_histogram.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const leaf = { feature: new Int32Array([-1]), threshold: new Float64Array(1),
 *   left: new Int32Array([-1]), right: new Int32Array([-1]),
 *   value: new Float64Array([0.5]), gain: new Float64Array(1) };
 * const model = forestModel("gbdt", { nFeatures: 1, baseScore: 1, trees: [leaf] },
 *   { params: {}, seed: 42 });
 * assertEquals([...model.predict([new Float64Array([7])])], [1.5]);
 * const again = loadForest(JSON.parse(JSON.stringify(model.toJSON())), "gbdt");
 * assertEquals(again.toJSON(), model.toJSON());
 * ```
 */
export function forestModel<K extends string>(
  kind: K,
  forest: Forest,
  meta: ForestMeta,
): ForestModel<K> {
  const trees = forest.trees.map((t) => Object.freeze({ ...t }));
  const frozen: Forest = Object.freeze({
    nFeatures: forest.nFeatures,
    baseScore: forest.baseScore,
    trees: Object.freeze(trees),
  });
  const params = Object.freeze({ ...meta.params });
  return Object.freeze({
    kind,
    nFeatures: frozen.nFeatures,
    nTrees: trees.length,
    baseScore: frozen.baseScore,
    predict: (x: Columns) => predictForest(frozen, x, { kind }),
    toJSON: (): ModelJson => ({
      kind,
      version: 1,
      nFeatures: frozen.nFeatures,
      baseScore: frozen.baseScore,
      seed: meta.seed,
      params: { ...params },
      trees: trees.map((t) => {
        const json: Record<string, number[]> = {};
        for (const key of TREE_KEYS) json[key] = Array.from(t[key]);
        return json as unknown as TreeJson;
      }),
    }),
  });
}

function isInt(v: unknown): v is number {
  return Number.isSafeInteger(v);
}

/**
 * Reads and validates the forest and metadata in a forest model's JSON (see
 * {@linkcode forestModel}). Throws a `TypeError` naming the first bad field
 * when the JSON is not a model of that kind, and a `RangeError` for another
 * version.
 *
 * @example
 * ```ts
 * import { parseForest } from "./_histogram.ts";
 * import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
 * const json = { kind: "xgboost", version: 1, nFeatures: 1, baseScore: 2,
 *   seed: 1, params: {}, trees: [{ feature: [-1], threshold: [0], left: [-1],
 *   right: [-1], value: [1], gain: [0] }] };
 * assertEquals(parseForest(json, "xgboost").forest.trees.length, 1);
 * assertThrows(() => parseForest({ ...json, nFeatures: 0 }, "xgboost"), TypeError);
 * ```
 */
export function parseForest(
  json: ModelJson,
  kind: string,
): { forest: Forest; meta: ForestMeta } {
  const fail = (what: string): never => {
    throw new TypeError(`Cannot load a ${kind} model: ${what}`);
  };
  if (json === null || typeof json !== "object") fail(`got ${String(json)}`);
  if (json.kind !== kind) fail(`kind is ${JSON.stringify(json.kind)}`);
  if (json.version !== 1) {
    throw new RangeError(
      `Cannot load a ${kind} model: version ${
        JSON.stringify(json.version)
      } is not supported (expected 1)`,
    );
  }
  const { nFeatures, baseScore, seed, params, trees } = json;
  if (!isInt(nFeatures) || nFeatures < 1) {
    fail(`nFeatures is ${JSON.stringify(nFeatures)}, expected an integer ≥ 1`);
  }
  const nf = nFeatures as number;
  if (typeof baseScore !== "number" || !Number.isFinite(baseScore)) {
    fail(`baseScore is ${JSON.stringify(baseScore)}, expected a finite number`);
  }
  if (typeof seed !== "number") fail(`seed is ${JSON.stringify(seed)}`);
  if (params === null || typeof params !== "object" || Array.isArray(params)) {
    fail(`params is ${JSON.stringify(params)}, expected an object`);
  }
  if (!Array.isArray(trees)) fail(`trees is not an array`);
  const out: Tree[] = [];
  (trees as unknown[]).forEach((t, ti) => {
    if (t === null || typeof t !== "object") fail(`trees[${ti}] is ${t}`);
    const obj = t as Record<string, unknown>;
    const arrays: Record<string, number[]> = {};
    let n = -1;
    for (const key of TREE_KEYS) {
      const a = obj[key];
      if (!Array.isArray(a) || !a.every((v) => typeof v === "number")) {
        fail(`trees[${ti}].${key} is not an array of numbers`);
      }
      const arr = a as number[];
      if (n < 0) n = arr.length;
      if (arr.length !== n || n === 0) {
        fail(
          `trees[${ti}].${key} has ${arr.length} nodes, expected ${
            Math.max(n, 1)
          }`,
        );
      }
      arrays[key] = arr;
    }
    const { feature, threshold, left, right, value, gain } = arrays as Record<
      typeof TREE_KEYS[number],
      number[]
    >;
    for (let i = 0; i < n; i++) {
      const f = feature[i]!;
      const where = `trees[${ti}] node ${i}`;
      if (!isInt(f) || f < -1 || f >= nf) {
        fail(`${where} has feature ${f}, expected −1 or 0..${nf - 1}`);
      }
      if (f >= 0) {
        for (const [name, c] of [["left", left[i]], ["right", right[i]]]) {
          if (!isInt(c) || (c as number) <= i || (c as number) >= n) {
            fail(
              `${where} has ${name} child ${c}, expected ${i + 1}..${n - 1}`,
            );
          }
        }
        if (!Number.isFinite(threshold[i])) {
          fail(`${where} has threshold ${threshold[i]}`);
        }
      } else if (!Number.isFinite(value[i])) {
        fail(`${where} has leaf value ${value[i]}`);
      }
    }
    out.push({
      feature: Int32Array.from(feature),
      threshold: Float64Array.from(threshold),
      left: Int32Array.from(left),
      right: Int32Array.from(right),
      value: Float64Array.from(value),
      gain: Float64Array.from(gain),
    });
  });
  return {
    forest: { nFeatures: nf, baseScore: baseScore as number, trees: out },
    meta: {
      params: params as Record<string, unknown>,
      seed: seed as number,
    },
  };
}

/**
 * Rebuilds a forest model of a kind from its JSON (see
 * {@linkcode forestModel} and {@linkcode parseForest} for the errors).
 *
 * @example
 * ```ts
 * import { loadForest } from "./_histogram.ts";
 * import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
 * const json = { kind: "xgboost", version: 1, nFeatures: 1, baseScore: 2,
 *   seed: 1, params: {}, trees: [{ feature: [-1], threshold: [0], left: [-1],
 *   right: [-1], value: [1], gain: [0] }] };
 * assertEquals(loadForest(json, "xgboost").predict([new Float64Array([0])])[0], 3);
 * assertThrows(() => loadForest(json, "gbdt"), TypeError);
 * ```
 */
export function loadForest<K extends string>(
  json: ModelJson,
  kind: K,
): ForestModel<K> {
  const { forest, meta } = parseForest(json, kind);
  return forestModel(kind, forest, meta);
}

// ------------------------------------------------------------------ boosting

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
 * import { binColumns, boost } from "./_histogram.ts";
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

// --------------------------------------------------------------- validation

/** Hyperparameters common to both boosting trainers. */
export interface TreeParams {
  /** Number of trees. */
  nEstimators: number;
  /** Maximum tree depth. */
  maxDepth: number;
  /** Shrinkage of leaf values. */
  learningRate: number;
  /** Row fraction per tree. */
  subsample: number;
  /** Maximum bins per feature. */
  maxBins: number;
}

/**
 * Checks the hyperparameters both boosting trainers share: `nEstimators`
 * and `maxDepth` integers ≥ 1, `learningRate` > 0, `subsample` in (0, 1],
 * `maxBins` an integer in 2–255. Throws a `RangeError` (a `TypeError` for a
 * non-number) naming the trainer, the parameter and its value.
 *
 * @example
 * ```ts
 * import { checkTreeParams } from "./_histogram.ts";
 * import { throws as assertThrows } from "node:assert/strict";
 * const p = { nEstimators: 100, maxDepth: 3, learningRate: 0.1, subsample: 1, maxBins: 255 };
 * checkTreeParams("T", p);
 * assertThrows(() => checkTreeParams("T", { ...p, subsample: 1.5 }), RangeError);
 * assertThrows(() => checkTreeParams("T", { ...p, maxDepth: 0 }), RangeError);
 * ```
 */
export function checkTreeParams(who: string, params: TreeParams): void {
  checkNumber(who, "nEstimators", params.nEstimators, {
    min: 1,
    integer: true,
  });
  checkNumber(who, "maxDepth", params.maxDepth, { min: 1, integer: true });
  checkNumber(who, "learningRate", params.learningRate, {
    min: 0,
    exclusiveMin: true,
  });
  checkNumber(who, "subsample", params.subsample, {
    min: 0,
    exclusiveMin: true,
  });
  checkNumber(who, "maxBins", params.maxBins, { min: 2, integer: true });
  for (
    const [name, max] of [["subsample", 1], ["maxBins", MAX_BINS]] as const
  ) {
    if (params[name] > max) {
      throw new RangeError(
        `Cannot fit ${who}: parameter ${name} must be ≤ ${max}, got ${
          params[name]
        }`,
      );
    }
  }
}
