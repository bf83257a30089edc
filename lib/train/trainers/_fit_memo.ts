/**
 * Results of deterministic fits already computed in this thread, found by a
 * digest of everything that determines them (private to
 * `lib/train/trainers`).
 *
 * The three univariate curve fits (logarithmic, logistic, exponential) see
 * only the scaled main feature and the labels. Feature groups that share a
 * main feature (CounterOnly, CounterIRQCombined and Basic share
 * `cpu_instructions`; BPFOnly and BPFIRQ share `bpf_cpu_time_ms`) give them
 * the same column and the same labels, fold by fold, so a `train` run made
 * the same Levenberg–Marquardt fit up to three times. A result is keyed by
 * the SHA-256 of the fit's kind, settings and input bytes: equal keys mean
 * equal inputs (a collision is 2⁻¹²⁸-unlikely), so a recalled result is the
 * one the fit would compute, bit for bit.
 *
 * The store keeps the most recent {@linkcode FIT_MEMO_LIMIT} results (a
 * curve fit's is a few numbers).
 *
 * @module
 */
import { createHash } from "node:crypto";

/** How many results the store keeps (least recently used go first). */
export const FIT_MEMO_LIMIT = 2048;

const store = new Map<string, unknown>();
let hits = 0;

/**
 * The digest of a fit's inputs: a text naming the fit and its settings,
 * then the bytes of each array, each preceded by its length.
 */
export function fitKey(
  what: string,
  arrays: readonly Float64Array[],
): string {
  const h = createHash("sha256");
  h.update(what);
  for (const a of arrays) {
    h.update(`|${a.length}|`);
    h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  }
  return h.digest("base64");
}

/**
 * The result stored under `key`, else `compute()`'s, stored. `compute`
 * must be deterministic in what the key digests, and its result is shared:
 * callers must not modify it. A throwing `compute` stores nothing.
 */
export function memoizedFit<T>(key: string, compute: () => T): T {
  if (store.has(key)) {
    const known = store.get(key) as T;
    // most recently used last
    store.delete(key);
    store.set(key, known);
    hits++;
    return known;
  }
  const value = compute();
  store.set(key, value);
  if (store.size > FIT_MEMO_LIMIT) {
    store.delete(store.keys().next().value!);
  }
  return value;
}

/** How many fits this thread recalled instead of computing (for tests). */
export function fitMemoHits(): number {
  return hits;
}

/** Forgets every stored result; returns how many there were. */
export function forgetFits(): number {
  const n = store.size;
  store.clear();
  return n;
}
