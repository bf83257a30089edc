/**
 * RBF kernel rows for SMO (./smo.ts): an LRU cache of rows, or, when the
 * budget holds them all, one symmetric `l × l` matrix in single precision
 * (LIBSVM's `Qfloat`), whose storage is kept from one solve to the next in
 * a thread.
 *
 * @module
 */

/**
 * An LRU cache of RBF kernel rows over row-major points (`l × p`), stored
 * in single precision as LIBSVM does (`Qfloat`), which doubles the rows a
 * cache budget holds.
 *
 * When the budget holds all `l` rows (up to 7,000 rows at 200 MB), they
 * live in one `l × l` matrix, computed a row at a time as they are first
 * asked for, and a new row copies `K(i, j)` from every row `j` already
 * there instead of evaluating its `exp` again: the kernel is symmetric bit
 * for bit (`(a − b)²` and `(b − a)²` are the same number, summed in the same
 * feature order). Once an eighth of the rows are there, the rest are filled
 * in tiles (see `kernelMatrix`). Which rows are cached, and how they were
 * filled, never changes their values.
 *
 * `storage`, when it holds at least `l × l` values, is used for the matrix
 * in place of a new allocation; its old content does not matter, except in
 * the rows `done` marks with 1: those must hold this `x`'s and `gamma`'s
 * values already (a solve before on the same points), and are not computed
 * again. `done` is updated as rows are computed.
 *
 * @example
 * ```ts
 * import { rbfKernelRows } from "./rbf_kernel.ts";
 * import { ok as assert } from "node:assert/strict";
 * const k = rbfKernelRows(Float64Array.of(0, 1), 2, 1, 0.5, 1);
 * assert(k.row(0)[0] === 1 && Math.abs(k.row(0)[1]! - Math.exp(-0.5)) < 1e-7);
 * ```
 */
export function rbfKernelRows(
  x: Float64Array,
  l: number,
  p: number,
  gamma: number,
  cacheMb: number,
  storage?: Float32Array,
  done?: Uint8Array,
): { row(i: number): Float32Array } {
  const capacity = rowCapacity(cacheMb, l);
  // Column-major copy: the distance loop then runs down whole columns.
  const cols: Float64Array[] = [];
  for (let k = 0; k < p; k++) {
    const c = new Float64Array(l);
    for (let j = 0; j < l; j++) c[j] = x[j * p + k]!;
    cols.push(c);
  }
  const d = new Float64Array(l);
  const point = new Float64Array(p);
  const distances = (i: number) => {
    for (let k = 0; k < p; k++) point[k] = cols[k]![i]!;
    squaredDistances(cols, point, d);
  };
  if (capacity >= l) {
    const matrix = storage !== undefined && storage.length >= l * l
      ? storage
      : new Float32Array(l * l);
    return kernelMatrix(
      l,
      p,
      gamma,
      cols,
      d,
      distances,
      matrix,
      matrix === storage ? done : undefined,
    );
  }
  const slots: (Float32Array | undefined)[] = new Array(l).fill(undefined);
  /** Cached rows, least recently used first. */
  const lru = new Map<number, Float32Array>();
  let size = 0;
  return {
    row(i: number): Float32Array {
      const hit = slots[i];
      if (hit !== undefined) {
        lru.delete(i);
        lru.set(i, hit);
        return hit;
      }
      let out: Float32Array;
      if (size >= capacity) {
        const oldest = lru.keys().next().value as number;
        out = lru.get(oldest)!;
        lru.delete(oldest);
        slots[oldest] = undefined;
      } else {
        out = new Float32Array(l);
        size++;
      }
      distances(i);
      for (let j = 0; j < l; j++) out[j] = Math.exp(-gamma * d[j]!);
      slots[i] = out;
      lru.set(i, out);
      return out;
    },
  };
}

/**
 * Squared distances from `point` to every point of `cols` (column-major:
 * `cols[k][j]` is feature `k` of point `j`) into `out`:
 * `out[j] = Σ_k (cols[k][j] − point[k])²`, summed a feature at a time in
 * feature order, so a symmetric pair gives the same bits either way round.
 *
 * @example
 * ```ts
 * import { squaredDistances } from "./rbf_kernel.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const out = new Float64Array(2);
 * squaredDistances([Float64Array.of(0, 3), Float64Array.of(0, 4)], Float64Array.of(0, 0), out);
 * assertEquals(out, Float64Array.of(0, 25));
 * ```
 */
export function squaredDistances(
  cols: readonly Float64Array[],
  point: Float64Array,
  out: Float64Array,
): void {
  out.fill(0);
  for (let k = 0; k < cols.length; k++) {
    const c = cols[k]!;
    const v = point[k]!;
    for (let j = 0; j < out.length; j++) {
      const t = c[j]! - v;
      out[j] = out[j]! + t * t;
    }
  }
}

/**
 * {@linkcode squaredDistances} for one point `j` of `cols`: the same sum in
 * the same feature order, so the same bits.
 *
 * @example
 * ```ts
 * import { squaredDistance } from "./rbf_kernel.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(squaredDistance([Float64Array.of(0, 3), Float64Array.of(0, 4)], 1, Float64Array.of(0, 0)), 25);
 * ```
 */
export function squaredDistance(
  cols: readonly Float64Array[],
  j: number,
  point: Float64Array,
): number {
  let d = 0;
  for (let k = 0; k < cols.length; k++) {
    const t = cols[k]![j]! - point[k]!;
    d = d + t * t;
  }
  return d;
}

/** How many kernel rows of `l` single-precision values `cacheMb` holds. */
function rowCapacity(cacheMb: number, l: number): number {
  return Math.max(2, Math.floor((cacheMb * 1e6) / (4 * l)));
}

/**
 * The storage of the last full kernel matrix, kept for the next solve in
 * this thread (a solve is synchronous, so only one uses it at a time).
 *
 * Measured on this project's 2-core Firecracker VM: the first touch of a
 * fresh 45 MB buffer (3,380 rows) costs about 140 ms of page faults, more
 * than the 100 ms its `exp` calls take, and a buffer that size is returned
 * to the system when freed, so every solve paid it again (kernel time was
 * about half of SVR's CPU at 4 h × 100 containers).
 */
let matrixStorage: Float32Array | undefined;

/** Rows of full kernel matrices computed in this thread (not kept ones). */
let rowsComputed = 0;

/**
 * How many rows of full kernel matrices (see {@linkcode keptKernelRows})
 * this thread has computed so far; a row found kept from the last solve
 * does not count. For tests.
 */
export function kernelRowsComputed(): number {
  return rowsComputed;
}

/**
 * The points, width and finished rows of the matrix in `matrixStorage`.
 * `train`'s search fits SVR's candidate settings one after another on the
 * same rows, and most share `gamma = "scale"`, so the next solve often
 * needs the very same matrix.
 */
let keptMatrix:
  | { x: Float64Array; p: number; gamma: number; done: Uint8Array }
  | undefined;

/**
 * {@linkcode rbfKernelRows} over the storage kept in this thread, grown to
 * `l × l` when the budget holds all rows and the kept one is smaller. When
 * the last solve's points and `gamma` were the same, value for value, the
 * rows it computed are used as they are (the same numbers: the same code on
 * the same input computed them).
 */
export function keptKernelRows(
  x: Float64Array,
  l: number,
  p: number,
  gamma: number,
  cacheMb: number,
): { row(i: number): Float32Array } {
  if (rowCapacity(cacheMb, l) < l) {
    return rbfKernelRows(x, l, p, gamma, cacheMb);
  }
  if ((matrixStorage?.length ?? 0) < l * l) {
    matrixStorage = new Float32Array(l * l);
    keptMatrix = undefined;
  }
  const k = keptMatrix;
  const same = k !== undefined && k.p === p && k.gamma === gamma &&
    k.x.length === x.length && k.x.every((v, i) => v === x[i]);
  if (!same) keptMatrix = { x: x.slice(), p, gamma, done: new Uint8Array(l) };
  return rbfKernelRows(
    x,
    l,
    p,
    gamma,
    cacheMb,
    matrixStorage,
    keptMatrix!.done,
  );
}

/**
 * Lets go of the kernel matrix storage kept by the last solve in this
 * thread (up to `cacheMb`, 200 MB by default), for a long-lived process
 * between training runs.
 *
 * @returns The bytes let go of.
 *
 * @example
 * ```ts
 * import { solveEpsilonSvr } from "./smo.ts";
 * import { releaseKernelStorage } from "./rbf_kernel.ts";
 * import { ok as assert } from "node:assert/strict";
 * solveEpsilonSvr(Float64Array.of(0, 1), 1, Float64Array.of(0, 1),
 *   { c: 10, epsilon: 0.1, gamma: 1 });
 * assert(releaseKernelStorage() === 2 * 2 * 4 && releaseKernelStorage() === 0);
 * ```
 */
export function releaseKernelStorage(): number {
  const bytes = matrixStorage?.byteLength ?? 0;
  matrixStorage = undefined;
  keptMatrix = undefined;
  return bytes;
}

/** Block edge of the tiled fill: 64 × 64 single-precision values (16 KB). */
const TILE = 64;

/**
 * All `l` kernel rows in one matrix, each value computed once.
 *
 * Rows are computed as SMO first asks for them until an eighth of them are
 * there; then the rest are filled in 64 × 64 tiles, each `exp` written to
 * both `(i, j)` and `(j, i)`. SMO on this project's data asks for 95–99 %
 * of the rows (nearly every point ends up a support vector when ε is small
 * against the noise), and a lazily computed row reads its finished part
 * down the columns of earlier rows, a cache miss per value; tiles keep both
 * halves in cache. A solve that needs few rows never gets to the fill.
 * Every value is the one the row-at-a-time path gives, bit for bit.
 */
function kernelMatrix(
  l: number,
  p: number,
  gamma: number,
  cols: Float64Array[],
  d: Float64Array,
  distances: (i: number) => void,
  matrix: Float32Array,
  known?: Uint8Array,
): { row(i: number): Float32Array } {
  const rows: (Float32Array | undefined)[] = new Array(l).fill(undefined);
  const done = known ?? new Uint8Array(l);
  let count = 0;
  for (let i = 0; i < l; i++) {
    if (done[i] === 1) {
      rows[i] = matrix.subarray(i * l, i * l + l);
      count++;
    }
  }
  const threshold = Math.max(TILE, Math.ceil(l / 8));
  const fillRest = () => {
    for (const i of fillInTiles(matrix, l, p, gamma, cols, done)) {
      done[i] = 1;
      rows[i] = matrix.subarray(i * l, i * l + l);
      rowsComputed++;
    }
    count = l;
  };
  return {
    row(i: number): Float32Array {
      const hit = rows[i];
      if (hit !== undefined) return hit;
      if (count >= threshold) {
        fillRest();
        return rows[i]!;
      }
      distances(i);
      const o = i * l;
      for (let j = 0; j < l; j++) {
        matrix[o + j] = done[j] === 1
          ? matrix[j * l + i]!
          : Math.exp(-gamma * d[j]!);
      }
      done[i] = 1;
      count++;
      rowsComputed++;
      return rows[i] = matrix.subarray(o, o + l);
    },
  };
}

/**
 * Fills the rows not `done` of a kernel matrix (see `kernelMatrix`) in
 * tiles and returns their indices.
 */
function fillInTiles(
  matrix: Float32Array,
  l: number,
  p: number,
  gamma: number,
  cols: Float64Array[],
  done: Uint8Array,
): number[] {
  const doneList: number[] = [], rest: number[] = [];
  for (let j = 0; j < l; j++) (done[j] === 1 ? doneList : rest).push(j);
  // Finished rows' values, transposed tile by tile.
  for (let a = 0; a < rest.length; a += TILE) {
    const aEnd = Math.min(a + TILE, rest.length);
    for (let b = 0; b < doneList.length; b += TILE) {
      const bEnd = Math.min(b + TILE, doneList.length);
      for (let u = b; u < bEnd; u++) {
        const j = doneList[u]!, oj = j * l;
        for (let v = a; v < aEnd; v++) {
          const i = rest[v]!;
          matrix[i * l + j] = matrix[oj + i]!;
        }
      }
    }
  }
  // The rest against itself: the upper triangle of tiles, mirrored.
  const restCols = cols.map((c) => Float64Array.from(rest, (j) => c[j]!));
  const di = new Float64Array(TILE);
  for (let a = 0; a < rest.length; a += TILE) {
    const aEnd = Math.min(a + TILE, rest.length);
    for (let b = a; b < rest.length; b += TILE) {
      const bEnd = Math.min(b + TILE, rest.length);
      for (let u = a; u < aEnd; u++) {
        const i = rest[u]!, oi = i * l;
        const from = b === a ? u : b;
        const n = bEnd - from;
        // d(i, j) = Σ_k (x_jk − x_ik)², features in order, as in `distances`.
        di.fill(0, 0, n);
        for (let k = 0; k < p; k++) {
          const c = restCols[k]!;
          const ci = c[u]!;
          for (let v = 0; v < n; v++) {
            const t = c[from + v]! - ci;
            di[v] = di[v]! + t * t;
          }
        }
        for (let v = 0; v < n; v++) {
          const j = rest[from + v]!;
          const e = Math.exp(-gamma * di[v]!);
          matrix[oi + j] = e;
          matrix[j * l + i] = e;
        }
      }
    }
  }
  return rest;
}
