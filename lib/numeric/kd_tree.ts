/**
 * An exact k-nearest-neighbour search in a KD-tree (Bentley 1975; the
 * layout of scikit-learn's `KDTree`: points reordered so each node owns a
 * contiguous range, a bounding box per node, median splits on the widest
 * dimension, leaves of at most `leafSize` points).
 *
 * **Exact, ties included.** The answer is the k smallest pairs
 * (squared distance, row index) in lexicographic order, i.e. exactly what a
 * brute-force scan that keeps the lower row index on equal distances
 * returns, bit for bit:
 *
 * - a point's squared distance is computed as the scan does it
 *   (`d = 0; d = d + (x_j − q_j)²` for j = 0, 1, …), so equal points give
 *   equal floats;
 * - a node's lower bound is computed the same way from its box, and since
 *   rounding is monotone it never exceeds the computed distance of any of
 *   its points; a node is skipped only when that bound is strictly above
 *   the current k-th distance, so a point at an equal distance with a lower
 *   index is never skipped;
 * - a leaf whose points are all identical keeps them sorted by row index and
 *   reads only its first k (the others tie with them and lose on index).
 *
 * **Why hand-written:** no maintained npm package gives an exact k-NN in a
 * KD-tree or ball tree with distance ties broken by row order; the ones
 * found are unmaintained, approximate, or order ties by traversal, which
 * would make predictions differ from the brute-force definition (and from
 * model to model on data with repeated rows, common in idle power data).
 *
 * @module
 */

/** Options of {@linkcode kdTree}. */
export interface KdTreeOptions {
  /** Most points in a leaf (a leaf of identical points can be larger). Default: 16. */
  leafSize?: number;
}

/** The k nearest points of a query: indices and squared distances. */
export interface KNearest {
  /** Row indices, nearest first (ties: lower index first). */
  indices: Int32Array;
  /** Squared Euclidean distances, ascending, as a brute-force scan computes them. */
  distances: Float64Array;
}

/** A KD-tree over fixed points. */
export interface KdTree {
  /** Number of points. */
  readonly size: number;
  /** Number of dimensions. */
  readonly dimensions: number;
  /**
   * The k nearest points of `query`.
   *
   * @param query The query point, `dimensions` coordinates, none NaN.
   * @param k Number of neighbours, an integer in 1..size.
   * @param out Buffers of length ≥ k to write into (reused across queries
   *   to save allocations). Default: new buffers of length k.
   * @returns `out` (or the new buffers), first k entries filled.
   * @throws {RangeError} when k is out of range, the query has the wrong
   *   length or a NaN coordinate, or a buffer is shorter than k.
   */
  nearest(query: ArrayLike<number>, k: number, out?: KNearest): KNearest;
}

interface Build {
  p: number;
  leafSize: number;
  rows: Float64Array;
  perm: Int32Array;
  start: number[];
  end: number[];
  left: number[];
  right: number[];
  lo: number[];
  hi: number[];
  same: number[];
}

/** Reorders perm[from, to) so position `nth` holds its order statistic. */
function select(
  b: Build,
  from: number,
  to: number,
  nth: number,
  dim: number,
): void {
  const { rows, perm, p } = b;
  const at = (pos: number) => rows[perm[pos]! * p + dim]!;
  let lo = from, hi = to - 1;
  while (hi > lo) {
    // median of three as pivot, then a three-way partition (many ties)
    const a = at(lo), m = at((lo + hi) >>> 1), z = at(hi);
    const pivot = a < m
      ? (m < z ? m : a < z ? z : a)
      : (a < z ? a : m < z ? z : m);
    let lt = lo, gt = hi, i = lo;
    while (i <= gt) {
      const v = at(i);
      if (v < pivot) {
        const t = perm[lt]!;
        perm[lt++] = perm[i]!;
        perm[i++] = t;
      } else if (v > pivot) {
        const t = perm[gt]!;
        perm[gt--] = perm[i]!;
        perm[i] = t;
      } else i++;
    }
    if (nth < lt) hi = lt - 1;
    else if (nth > gt) lo = gt + 1;
    else return;
  }
}

/** Adds a node over perm[from, to) and its subtree; returns its id. */
function buildNode(b: Build, from: number, to: number): number {
  const { rows, perm, p } = b;
  const id = b.start.length;
  b.start.push(from);
  b.end.push(to);
  b.left.push(-1);
  b.right.push(-1);
  b.same.push(0);
  let widest = -1, spread = 0;
  for (let j = 0; j < p; j++) {
    let mn = Infinity, mx = -Infinity;
    for (let pos = from; pos < to; pos++) {
      const v = rows[perm[pos]! * p + j]!;
      if (v < mn) mn = v;
      if (v > mx) mx = v;
    }
    b.lo.push(mn);
    b.hi.push(mx);
    if (mx - mn > spread) {
      spread = mx - mn;
      widest = j;
    }
  }
  if (widest < 0 || to - from <= b.leafSize) {
    // a leaf: its points in row order (identical points then tie by index)
    perm.subarray(from, to).sort();
    b.same[id] = widest < 0 ? 1 : 0;
    return id;
  }
  const mid = (from + to) >>> 1;
  select(b, from, to, mid, widest);
  b.left[id] = buildNode(b, from, mid);
  b.right[id] = buildNode(b, mid, to);
  return id;
}

function checkRows(rows: Float64Array, dimensions: number): number {
  if (!Number.isInteger(dimensions) || dimensions < 1) {
    throw new RangeError(
      `Cannot build a KD-tree: dimensions ${dimensions} must be an integer ≥ 1`,
    );
  }
  if (rows.length % dimensions !== 0) {
    throw new RangeError(
      `Cannot build a KD-tree: ${rows.length} values are not rows of ${dimensions} coordinates`,
    );
  }
  for (let i = 0; i < rows.length; i++) {
    if (!Number.isFinite(rows[i]!)) {
      throw new RangeError(
        `Cannot build a KD-tree: row ${Math.floor(i / dimensions)} coordinate ${
          i % dimensions
        } is ${rows[i]}`,
      );
    }
  }
  return rows.length / dimensions;
}

/**
 * Builds a KD-tree over points given row-major (`rows[i * dimensions + j]`
 * is coordinate j of point i). The points are copied; `nearest` returns
 * indices into `rows`.
 *
 * @param rows The points, row-major, all finite.
 * @param dimensions Coordinates per point.
 * @param options The leaf size.
 * @returns The tree.
 * @throws {RangeError} when `dimensions` is not a positive integer, `rows`
 *   is not a whole number of points, a coordinate is not finite, or the
 *   leaf size is not a positive integer.
 *
 * @example
 * ```ts
 * import { kdTree } from "./kd_tree.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * // points 0..4 on a line; 1 and 3 tie at distance 1 from 2
 * const tree = kdTree(Float64Array.of(0, 1, 2, 3, 4), 1, { leafSize: 1 });
 * const near = tree.nearest([2], 3);
 * assertEquals([...near.indices], [2, 1, 3]);
 * assertEquals([...near.distances], [0, 1, 1]);
 * ```
 */
export function kdTree(
  rows: Float64Array,
  dimensions: number,
  options: KdTreeOptions = {},
): KdTree {
  const n = checkRows(rows, dimensions);
  const leafSize = options.leafSize ?? 16;
  if (!Number.isInteger(leafSize) || leafSize < 1) {
    throw new RangeError(
      `Cannot build a KD-tree: leafSize ${leafSize} must be an integer ≥ 1`,
    );
  }
  const p = dimensions;
  const b: Build = {
    p,
    leafSize,
    rows,
    perm: Int32Array.from({ length: n }, (_, i) => i),
    start: [],
    end: [],
    left: [],
    right: [],
    lo: [],
    hi: [],
    same: [],
  };
  if (n > 0) buildNode(b, 0, n);
  const points = new Float64Array(n * p);
  for (let pos = 0; pos < n; pos++) {
    const i = b.perm[pos]!;
    for (let j = 0; j < p; j++) points[pos * p + j] = rows[i * p + j]!;
  }
  return searcher(n, p, {
    points,
    index: b.perm,
    start: Int32Array.from(b.start),
    end: Int32Array.from(b.end),
    left: Int32Array.from(b.left),
    right: Int32Array.from(b.right),
    lo: Float64Array.from(b.lo),
    hi: Float64Array.from(b.hi),
    same: Uint8Array.from(b.same),
  });
}

interface Nodes {
  points: Float64Array;
  index: Int32Array;
  start: Int32Array;
  end: Int32Array;
  left: Int32Array;
  right: Int32Array;
  lo: Float64Array;
  hi: Float64Array;
  same: Uint8Array;
}

function checkQuery(
  n: number,
  p: number,
  query: ArrayLike<number>,
  k: number,
  out: KNearest,
): void {
  if (!Number.isInteger(k) || k < 1 || k > n) {
    throw new RangeError(
      `Cannot search a KD-tree of ${n} points: k = ${k} must be an integer in 1..${n}`,
    );
  }
  if (query.length !== p) {
    throw new RangeError(
      `Cannot search a KD-tree of ${p} dimensions: the query has ${query.length}`,
    );
  }
  for (let j = 0; j < p; j++) {
    if (Number.isNaN(query[j])) {
      throw new RangeError(
        `Cannot search a KD-tree: query coordinate ${j} is NaN`,
      );
    }
  }
  if (out.indices.length < k || out.distances.length < k) {
    throw new RangeError(
      `Cannot search a KD-tree: the output buffers are shorter than k = ${k}`,
    );
  }
}

/**
 * Inserts (d, i) into the sorted best list of `filled` entries (k at most,
 * the last one dropped when full); returns the new count.
 */
function insert(
  best: KNearest,
  filled: number,
  k: number,
  d: number,
  i: number,
): number {
  const bestD = best.distances, bestI = best.indices;
  let at = filled < k ? filled : k - 1;
  while (
    at > 0 &&
    (bestD[at - 1]! > d || (bestD[at - 1] === d && bestI[at - 1]! > i))
  ) {
    bestD[at] = bestD[at - 1]!;
    bestI[at] = bestI[at - 1]!;
    at--;
  }
  bestD[at] = d;
  bestI[at] = i;
  return filled < k ? filled + 1 : k;
}

function searcher(n: number, p: number, t: Nodes): KdTree {
  const { points, index, start, end, left, right, lo, hi, same } = t;
  const stack = new Int32Array(Math.max(1, start.length));
  const bound = new Float64Array(Math.max(1, start.length));
  const q = new Float64Array(p);
  // squared distance from q to a node's box, summed as a point distance is
  const boxDistance = (node: number): number => {
    let d = 0;
    const base = node * p;
    for (let j = 0; j < p; j++) {
      const v = q[j]!, a = lo[base + j]!, z = hi[base + j]!;
      const s = v < a ? a - v : v > z ? v - z : 0;
      d = d + s * s;
    }
    return d;
  };
  return Object.freeze({
    size: n,
    dimensions: p,
    nearest(query: ArrayLike<number>, k: number, out?: KNearest): KNearest {
      const res = out ??
        { indices: new Int32Array(k), distances: new Float64Array(k) };
      checkQuery(n, p, query, k, res);
      for (let j = 0; j < p; j++) q[j] = query[j]!;
      const bestD = res.distances, bestI = res.indices;
      let filled = 0, top = 0;
      stack[top] = 0;
      bound[top++] = boxDistance(0);
      while (top > 0) {
        const node = stack[--top]!;
        if (filled === k && bound[top]! > bestD[k - 1]!) continue;
        const l = left[node]!;
        if (l >= 0) {
          const r = right[node]!;
          const dl = boxDistance(l), dr = boxDistance(r);
          // push the farther child first, so the nearer one is searched first
          if (dl <= dr) {
            stack[top] = r;
            bound[top++] = dr;
            stack[top] = l;
            bound[top++] = dl;
          } else {
            stack[top] = l;
            bound[top++] = dl;
            stack[top] = r;
            bound[top++] = dr;
          }
          continue;
        }
        const to = same[node] === 1
          ? Math.min(end[node]!, start[node]! + k)
          : end[node]!;
        for (let pos = start[node]!; pos < to; pos++) {
          let d = 0;
          const base = pos * p;
          for (let j = 0; j < p; j++) {
            const s = points[base + j]! - q[j]!;
            d = d + s * s;
          }
          const i = index[pos]!;
          if (filled === k) {
            const w = bestD[k - 1]!;
            if (d > w || (d === w && i > bestI[k - 1]!)) continue;
          }
          filled = insert(res, filled, k, d, i);
        }
      }
      return res;
    },
  });
}
