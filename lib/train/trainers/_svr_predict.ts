/**
 * SVR predictions that share their kernel values (private to
 * `lib/train/trainers`, used by `svr_regressor.ts`).
 *
 * A prediction's cost is its `exp` calls: one per row and support vector.
 * Models fitted on the same rows with the same scaling and γ share most of
 * their support vectors (each is a training row): the settings of a
 * `--tune` search, and the components of one model (package, core, uncore,
 * dram: the same features, other labels), which `train` fits in lockstep
 * (`lib/train/steps.ts`), so they predict the same rows one after another.
 * So the kernel values of the rows last predicted are kept in this thread,
 * row by row against the vectors of the model that computed them (the
 * reference); a later prediction of the same rows, bit for bit, with the
 * same scaling and γ, takes the value of each of its vectors that the
 * reference also has (the same values, found by a hash of their bits) and
 * computes the others.
 *
 * Each prediction still sums its own vectors' terms in its own order, from
 * kernel values computed by the same expression (`exp(−γ·d)`, `d` summed in
 * feature order), so it is the same bits as a model predicting alone.
 * Values are kept only while {@linkcode keepingPredictions} runs (a
 * model's components in lockstep), and at most
 * {@linkcode KEPT_VALUES_LIMIT} (20 MB); otherwise predictions share within
 * one call only.
 *
 * @module
 */
import type { Columns } from "../model.ts";
import { maxAbsScaler } from "../scaler.ts";
import { squaredDistance, squaredDistances } from "../../numeric/rbf_kernel.ts";
import { checkPredictColumns } from "./_validate.ts";
import { columnBits, sameColumnBits } from "../../numeric/column_bits.ts";

/** What a prediction needs of an SVR model. */
export interface SvrParts {
  scale: readonly number[];
  gamma: number;
  /** Support vectors, column-major (`svColumns[k][v]`: feature k of v). */
  svColumns: Float64Array[];
  coef: Float64Array;
  intercept: number;
}

/** Most kernel values kept between predictions (rows × vectors). */
export const KEPT_VALUES_LIMIT = 2_500_000;

/** The rows last predicted and their kernel values against `ref`. */
interface Kept {
  /** The rows' columns, as 32-bit words (bits, so −0 is not 0). */
  words: Uint32Array[];
  ref: SvrParts;
  index: Map<number, number[]>;
  /** `values[r · m + a]`: K(row r, vector a of ref), m = ref's count. */
  values: Float64Array;
}

let kept: Kept | undefined;
/** How many {@linkcode keepingPredictions} calls are running. */
let sharing = 0;
let storage: Float64Array | undefined;
let shared = 0;

/** Kernel values taken from another model's instead of computed. */
export function sharedKernelValues(): number {
  return shared;
}

/**
 * Runs `fn` with predictions kept for the next model: outside such a call
 * (a model with one component: nothing would take them) predictions keep
 * nothing and allocate no storage, and share only within one call.
 */
export function keepingPredictions<T>(fn: () => T): T {
  sharing++;
  try {
    return fn();
  } finally {
    sharing--;
    if (sharing === 0) kept = undefined;
  }
}

/** Lets go of the kept kernel values (for a long-lived process). */
export function releaseKeptPredictions(): number {
  const bytes = storage?.byteLength ?? 0;
  kept = undefined;
  storage = undefined;
  return bytes;
}

/** The kept values, when they are of these rows, scaling and γ. */
function keptFor(x: Columns, first: SvrParts): Kept | undefined {
  const k = kept;
  if (
    k === undefined || k.ref.gamma !== first.gamma ||
    k.ref.scale.length !== first.scale.length ||
    !k.ref.scale.every((v, j) => v === first.scale[j])
  ) return undefined;
  return sameColumnBits(x, k.words) ? k : undefined;
}

/**
 * Predictions of models that share their scaling and γ, in order, each the
 * same bits as the model predicting alone.
 */
export function predictParts(
  parts: readonly SvrParts[],
  x: Columns,
): Float64Array[] {
  const first = parts[0]!;
  const n = checkPredictColumns("svr", x, first.scale.length);
  const q = maxAbsScaler(first.scale).transform(x);
  let base = sharing > 0 ? keptFor(x, first) : undefined;
  if (
    base === undefined && sharing > 0 &&
    n * first.coef.length <= KEPT_VALUES_LIMIT
  ) {
    base = kernelValues(x, q, first, n);
    kept = base;
  }
  // Without kept values (too many rows, or one component): row by row, the
  // first model's kernel values shared with the others within the row.
  const ref = base?.ref ?? first;
  const index = base?.index ?? vectorIndex(ref.svColumns);
  const m = ref.coef.length;
  const maps = parts.map((t) =>
    t === ref ? undefined : sharedVectors(t.svColumns, ref, index)
  );
  for (const map of maps) {
    if (map !== undefined) { for (const a of map) if (a >= 0) shared += n; }
  }
  const row = base === undefined ? new Float64Array(m) : undefined;
  const d = new Float64Array(base === undefined ? m : 0);
  const point = new Float64Array(q.length);
  const outs = parts.map(() => new Float64Array(n));
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < q.length; j++) point[j] = q[j]![r]!;
    if (row !== undefined) kernelRow(ref, point, d, row, 0);
    const e = row ?? base!.values;
    const at = row === undefined ? r * m : 0;
    for (let i = 0; i < parts.length; i++) {
      const t = parts[i]!;
      const map = maps[i];
      outs[i]![r] = (map === undefined
        ? ownSum(t.coef, e, at)
        : sharedSum(t, map, e, at, point)) + t.intercept;
    }
  }
  return outs;
}

/**
 * `out[at + v] = K(point, vector v of ref)`: `exp(−γ·d)`, `d` summed in
 * feature order (`squaredDistances`, into `d`).
 */
function kernelRow(
  ref: SvrParts,
  point: Float64Array,
  d: Float64Array,
  out: Float64Array,
  at: number,
): void {
  squaredDistances(ref.svColumns, point, d);
  for (let v = 0; v < d.length; v++) out[at + v] = Math.exp(-ref.gamma * d[v]!);
}

/** Every row's kernel values against `ref`'s vectors, to keep. */
function kernelValues(
  x: Columns,
  q: Float64Array[],
  ref: SvrParts,
  n: number,
): Kept {
  const m = ref.coef.length;
  // one buffer per thread, grown as needed: a fresh one's first touch (page
  // faults) costs more than the `exp` calls it saves
  if (storage === undefined || storage.length < n * m) {
    storage = new Float64Array(n * m);
  }
  const values = storage.subarray(0, n * m);
  const d = new Float64Array(m);
  const point = new Float64Array(q.length);
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < q.length; j++) point[j] = q[j]![r]!;
    kernelRow(ref, point, d, values, r * m);
  }
  return {
    words: columnBits(x),
    ref,
    index: vectorIndex(ref.svColumns),
    values,
  };
}

/** `Σ_v coef[v] · e[at + v]`, in vector order. */
function ownSum(coef: Float64Array, e: Float64Array, at: number): number {
  let s = 0;
  for (let v = 0; v < coef.length; v++) s += coef[v]! * e[at + v]!;
  return s;
}

/**
 * `Σ_v coef[v] · K(point, v)` in vector order, K taken from `e[at + a]`
 * (the reference's kernel values of this point) where `map` finds the
 * vector there as `a`.
 */
function sharedSum(
  t: SvrParts,
  map: Int32Array,
  e: Float64Array,
  at: number,
  point: Float64Array,
): number {
  const { coef, svColumns, gamma } = t;
  let s = 0;
  for (let v = 0; v < coef.length; v++) {
    const a = map[v]!;
    const k = a >= 0
      ? e[at + a]!
      : Math.exp(-gamma * squaredDistance(svColumns, v, point));
    s += coef[v]! * k;
  }
  return s;
}

const cell = new Float64Array(1);
const words = new Uint32Array(cell.buffer);

/** A hash of vector `v`'s values (FNV-1a over their bits). */
function vectorHash(svColumns: readonly Float64Array[], v: number): number {
  let h = 0x811c9dc5;
  for (const col of svColumns) {
    cell[0] = col[v]!;
    h = Math.imul(h ^ words[0]!, 0x01000193);
    h = Math.imul(h ^ words[1]!, 0x01000193);
  }
  return h;
}

/** The vectors of `svColumns` by the hash of their values. */
function vectorIndex(
  svColumns: readonly Float64Array[],
): Map<number, number[]> {
  const index = new Map<number, number[]>();
  const m = svColumns[0]?.length ?? 0;
  for (let v = 0; v < m; v++) {
    const h = vectorHash(svColumns, v);
    const at = index.get(h);
    if (at === undefined) index.set(h, [v]);
    else at.push(v);
  }
  return index;
}

/**
 * For each vector of `svColumns`, the index of a vector of `ref` with the
 * very same values (the same kernel values, bit for bit), or −1.
 */
function sharedVectors(
  svColumns: readonly Float64Array[],
  ref: SvrParts,
  index: Map<number, number[]>,
): Int32Array {
  const m = svColumns[0]?.length ?? 0;
  const out = new Int32Array(m).fill(-1);
  for (let v = 0; v < m; v++) {
    const found = index.get(vectorHash(svColumns, v))?.find((a) =>
      svColumns.every((col, k) => col[v] === ref.svColumns[k]![a])
    );
    if (found !== undefined) out[v] = found;
  }
  return out;
}
