/**
 * A bounded store of recent and past windows of data: the newest `recent`
 * windows in a ring, and a uniform sample of the older ones (Vitter's
 * algorithm R) of at most `past` windows. Memory stays flat however long it
 * runs: at most `recent + past` windows are held.
 *
 * @module
 */
import { mulberry32 } from "../numeric/random.ts";

/** Options of {@linkcode WindowReservoir}. */
export interface WindowReservoirOptions {
  /**
   * Newest windows always kept.
   *
   * @default {60}
   */
  recent?: number;
  /**
   * Older windows kept as a uniform sample.
   *
   * @default {60}
   */
  past?: number;
  /**
   * Seed of the sampling.
   *
   * @default {42}
   */
  seed?: number;
}

/** One stored window: its sequence number (cycle) and its data. */
export interface StoredWindow<T> {
  /** The cycle that recorded it (increasing). */
  readonly seq: number;
  /** The data. */
  readonly data: T;
}

/**
 * Recent windows plus a uniform sample of past ones, bounded.
 *
 * @example
 * ```ts
 * import { WindowReservoir } from "./window_reservoir.ts";
 * import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
 * const r = new WindowReservoir<number>({ recent: 3, past: 2 });
 * for (let i = 0; i < 100; i++) r.add(i, i * 10);
 * assertEquals(r.size, 5);
 * const seqs = r.windows().map((w) => w.seq);
 * assertEquals(seqs.slice(-3), [97, 98, 99]); // the newest, in order
 * assert(seqs.slice(0, 2).every((s) => s < 97)); // sampled from the past
 * r.dropBefore(98);
 * assertEquals(r.windows().map((w) => w.seq), [98, 99]);
 * ```
 */
export class WindowReservoir<T> {
  #recent: StoredWindow<T>[] = [];
  #past: StoredWindow<T>[] = [];
  #seenPast = 0;
  #recentCap: number;
  #pastCap: number;
  #random: () => number;

  /**
   * Creates an empty reservoir.
   *
   * @param options How many recent and past windows are kept, and the seed.
   * @throws {RangeError} when a capacity is not an integer ≥ 0 (recent ≥ 1).
   */
  constructor(options: WindowReservoirOptions = {}) {
    this.#recentCap = options.recent ?? 60;
    this.#pastCap = options.past ?? 60;
    if (
      !Number.isInteger(this.#recentCap) || this.#recentCap < 1 ||
      !Number.isInteger(this.#pastCap) || this.#pastCap < 0
    ) {
      throw new RangeError(
        `Invalid reservoir: recent ${this.#recentCap} must be an integer ≥ 1 and past ${this.#pastCap} an integer ≥ 0`,
      );
    }
    this.#random = mulberry32(options.seed ?? 42);
  }

  /** Windows held. */
  get size(): number {
    return this.#recent.length + this.#past.length;
  }

  /**
   * Adds the newest window; the oldest recent one moves to the past
   * sample (kept with probability past / windows seen there).
   *
   * @param seq Its cycle number (larger than every earlier one).
   * @param data Its data.
   */
  add(seq: number, data: T): void {
    this.#recent.push({ seq, data });
    if (this.#recent.length <= this.#recentCap) return;
    const old = this.#recent.shift()!;
    this.#seenPast++;
    if (this.#pastCap === 0) return;
    if (this.#past.length < this.#pastCap) this.#past.push(old);
    else {
      const j = Math.floor(this.#random() * this.#seenPast);
      if (j < this.#pastCap) this.#past[j] = old;
    }
  }

  /**
   * Forgets every window recorded before cycle `seq` (data of a machine
   * that has changed since).
   *
   * @param seq The first cycle kept.
   */
  dropBefore(seq: number): void {
    this.#recent = this.#recent.filter((w) => w.seq >= seq);
    this.#past = this.#past.filter((w) => w.seq >= seq);
    if (this.#past.length === 0) this.#seenPast = 0;
  }

  /** Every window held, oldest first. */
  windows(): StoredWindow<T>[] {
    return [...this.#past, ...this.#recent].sort((a, b) => a.seq - b.seq);
  }
}
