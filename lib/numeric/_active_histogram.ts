/**
 * Histograms of tree nodes that cost what the node's rows cost, not what the
 * whole bin table costs (private to `lib/numeric`, used by `boost.ts`).
 *
 * A node's rows fall in few of the features' bins once the node is small:
 * at depth 6 of a tree on 200 rows, a node of 4 rows touches at most 4 bins
 * per feature out of up to 255. So a {@linkcode NodeHistogram} carries the
 * list of its *active* bins (those holding at least one of its rows, in
 * ascending global order) and every step — zeroing, building, the sibling
 * subtraction, the split scan — walks that list only. A child's active bins
 * are a subset of its parent's, so a child is built on its parent's list,
 * and both children's lists are filtered from it in the subtraction's pass.
 *
 * Boosting for squared error has every hessian 1 (`boost.ts`), so a bin's
 * hessian sum is its row count, exactly (sums of 1 are exact integers):
 * one channel holds both, and a bin is two numbers (gradient sum, rows)
 * where `histogram.ts` keeps three. A third less to add, subtract and scan.
 *
 * The numbers are those of `histogram.ts` with hessians 1, bit for bit: a
 * built bin sums its rows in the same order from 0, a subtracted bin is the
 * same `parent − child` difference, and the scan visits the same non-empty bins
 * in the same order with the same arithmetic as `findBestSplit`, except
 * that it skips the two divisions of a bin whose score is provably below
 * the best so far (such a bin cannot be chosen). Bins off the active list
 * hold stale values and are never read.
 *
 * @module
 */
import type { BinnedColumns, SplitRule } from "./histogram.ts";

/** A node's histogram and the bins its rows fall in. */
export interface NodeHistogram {
  /**
   * Two numbers per global bin `k` (gradient sum, rows = hessian sum) at
   * `2k`; only the active bins' are meaningful.
   */
  readonly hist: Float64Array;
  /** The active global bins, ascending, in `active[0..nActive)`. */
  readonly active: Uint32Array;
  /** How many bins are active. */
  nActive: number;
}

/** An empty node histogram for a bin table of `nBins` global bins. */
export function newNodeHistogram(nBins: number): NodeHistogram {
  return {
    hist: new Float64Array(2 * nBins),
    active: new Uint32Array(nBins),
    nActive: 0,
  };
}

/**
 * Makes every bin of a fully built histogram (see `buildHistogram`) with at
 * least one row active.
 */
export function activateAll(node: NodeHistogram): void {
  const { hist, active } = node;
  const nBins = active.length;
  let m = 0;
  for (let k = 0; k < nBins; k++) if (hist[2 * k + 1]! > 0) active[m++] = k;
  node.nActive = m;
}

/**
 * Builds into `out.hist` the histogram of `rows[start..end)`, rows of a
 * node whose active bins are `parent.active[0..parent.nActive)`: zeroes
 * those bins, then adds each row, in order, as `buildHistogram` does. Does
 * not set `out`'s active list.
 */
export function buildOnActive(
  binned: BinnedColumns,
  grad: Float64Array,
  rows: Uint32Array,
  start: number,
  end: number,
  parent: NodeHistogram,
  out: NodeHistogram,
): void {
  const { hist } = out;
  const { active, nActive } = parent;
  for (let a = 0; a < nActive; a++) {
    const idx = 2 * active[a]!;
    hist[idx] = 0;
    hist[idx + 1] = 0;
  }
  addRows(binned, grad, rows, start, end, hist);
}

/**
 * Builds into `out` the histogram of the root's rows `rows[0..end)`, as
 * `buildHistogram` does, and makes every bin with a row active.
 */
export function buildRoot(
  binned: BinnedColumns,
  grad: Float64Array,
  rows: Uint32Array,
  end: number,
  out: NodeHistogram,
): void {
  const { hist } = out;
  hist.fill(0, 0, 2 * out.active.length);
  addRows(binned, grad, rows, 0, end, hist);
  activateAll(out);
}

/** Adds each of `rows[start..end)`, in order, to its bins of `hist`. */
function addRows(
  binned: BinnedColumns,
  grad: Float64Array,
  rows: Uint32Array,
  start: number,
  end: number,
  hist: Float64Array,
): void {
  const { codes, nFeatures, offsets } = binned;
  if (nFeatures === 1) {
    for (let k = start; k < end; k++) {
      const r = rows[k]!;
      const idx = 2 * codes[r]!;
      hist[idx] = hist[idx]! + grad[r]!;
      hist[idx + 1] = hist[idx + 1]! + 1;
    }
    return;
  }
  for (let k = start; k < end; k++) {
    const r = rows[k]!;
    const g = grad[r]!;
    const c = r * nFeatures;
    for (let j = 0; j < nFeatures; j++) {
      const idx = 2 * (offsets[j]! + codes[c + j]!);
      hist[idx] = hist[idx]! + g;
      hist[idx + 1] = hist[idx + 1]! + 1;
    }
  }
}

/**
 * The sibling trick on the parent's active bins: `parent.hist −=
 * small.hist` there, which leaves the large child's histogram in
 * `parent.hist`, and in the same pass the children's active lists: the
 * bins where each counts at least one row (`small`'s list only when
 * `listSmall`, `parent`'s filtered in place).
 */
export function subtractOnActive(
  parent: NodeHistogram,
  small: NodeHistogram,
  listSmall: boolean,
): void {
  const { hist, active, nActive } = parent;
  const c = small.hist;
  const smallActive = small.active;
  let ms = 0;
  let ml = 0;
  for (let a = 0; a < nActive; a++) {
    const k = active[a]!;
    const idx = 2 * k;
    const cs = c[idx + 1]!;
    if (listSmall && cs > 0) smallActive[ms++] = k;
    hist[idx] = hist[idx]! - c[idx]!;
    const cl = hist[idx + 1]! - cs;
    hist[idx + 1] = cl;
    if (cl > 0) active[ml++] = k;
  }
  small.nActive = ms;
  parent.nActive = ml;
}

/**
 * A node's best split, as {@linkcode bestSplitInto} leaves it: the
 * feature, its last bin that goes left, the gain, and the left side's
 * gradient sum and rows (its hessian sum). The right side's are the
 * node's totals minus those.
 */
export interface SplitSlot {
  feature: number;
  bin: number;
  gain: number;
  gl: number;
  cl: number;
}

/** A slot for {@linkcode bestSplitInto} to fill. */
export function newSplitSlot(): SplitSlot {
  return { feature: -1, bin: -1, gain: 0, gl: 0, cl: 0 };
}

/**
 * `findBestSplit` on a node histogram of totals `G`, `H`, `C`: the same
 * split and gain, bit for bit, from the active bins only, without an
 * object per split (a tree grower asks for millions). Writes the split
 * into `out` and returns true, or returns false when there is none (`out`
 * then holds nothing of use).
 */
export function bestSplitInto(
  binned: BinnedColumns,
  node: NodeHistogram,
  G: number,
  H: number,
  C: number,
  rule: Required<SplitRule>,
  out: SplitSlot,
): boolean {
  const { lambda, gamma, minChildWeight, minSamplesLeaf } = rule;
  const parentScore = H + lambda > 0 ? (G * G) / (H + lambda) : 0;
  let best = -Infinity, bestScores = -Infinity;
  let bestFeature = -1, bestBin = -1, bestGL = 0, bestCL = 0;
  const { offsets } = binned;
  const { hist, active, nActive } = node;
  // Only a larger score can give a larger gain (the gain is monotone in
  // it). Cross-multiplied, without the divisions, a score below the best by
  // more than the rounding of either side (a few ulps, all terms being ≥ 0)
  // cannot win, and its exact value is not needed.
  let rejectBelow = -Infinity;
  // Every hessian is 1, so a side's hessian sum is its row count and each
  // side's two minimums are one. Its denominator (rows + λ) is then > 0
  // when λ ≥ 0 and the minimum is > 0 (the left side always has a row).
  const minLeft = Math.max(minSamplesLeaf, minChildWeight);
  const checkDenominators = !(lambda >= 0 && minLeft > 0);
  let a = 0;
  let j = 0;
  while (a < nActive) {
    while (offsets[j + 1]! <= active[a]!) j++; // the feature of this bin
    const first = offsets[j]!;
    const last = offsets[j + 1]! - 1;
    let gl = 0, cl = 0;
    for (; a < nActive; a++) {
      const k = active[a]!;
      // The last bin of a feature is no split (nor the next feature's).
      if (k >= last) break;
      const idx = 2 * k;
      gl += hist[idx]!;
      cl += hist[idx + 1]!;
      const cr = C - cl;
      // Past a too-small right side, every further bin of j is too.
      if (cr < minLeft) break;
      if (cl < minLeft) continue;
      const dl = cl + lambda;
      const dr = H - cl + lambda;
      if (checkDenominators && !(dl > 0 && dr > 0)) continue;
      const gr = G - gl;
      if (gl * gl * dr + gr * gr * dl < rejectBelow * dl * dr) continue;
      const scores = (gl * gl) / dl + (gr * gr) / dr;
      const gain = 0.5 * (scores - parentScore) - gamma;
      if (gain > best) {
        best = gain;
        bestScores = scores;
        rejectBelow = scores > 1e-280 ? scores * (1 - 1e-12) : -Infinity;
        bestFeature = j;
        bestBin = k - first;
        bestGL = gl;
        bestCL = cl;
      }
    }
    while (a < nActive && active[a]! <= last) a++;
  }
  if (bestFeature < 0 || !(best > 1e-10 * 0.5 * bestScores)) return false;
  out.feature = bestFeature;
  out.bin = bestBin;
  out.gain = best;
  out.gl = bestGL;
  out.cl = bestCL;
  return true;
}
