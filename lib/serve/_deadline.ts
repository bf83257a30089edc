/**
 * Deadlines for reads that are awaited as promises (request bodies through
 * `Request` streams, the estimator socket), and joining byte chunks.
 *
 * Deadlines share one sweeping interval instead of a timer each (a timer
 * per request was a measurable share of a weight reply's cost); the
 * interval stops when no deadline is pending. (The HTTP/1.1 layer keeps a
 * deadline field per connection and sweeps its own connections instead: it
 * closes sockets rather than racing promises.)
 *
 * @module
 */

/** What {@linkcode Deadline.race} gives when the time ran out. */
export const TIMEOUT: unique symbol = Symbol("timeout");

interface Pending {
  at: number;
  expire: () => void;
}

const pending = new Set<Pending>();
let sweeper: ReturnType<typeof setInterval> | undefined;

function stopIfIdle(): void {
  if (pending.size === 0 && sweeper !== undefined) {
    clearInterval(sweeper);
    sweeper = undefined;
  }
}

function sweep(): void {
  const now = performance.now();
  for (const d of pending) {
    if (d.at <= now) {
      pending.delete(d);
      d.expire();
    }
  }
  stopIfIdle();
}

/**
 * A point in time that promises can be raced against; `clear()` it when
 * done.
 *
 * @example
 * ```ts
 * import { Deadline, TIMEOUT } from "./_deadline.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const d = new Deadline(20);
 * assertEquals(await d.race(Promise.resolve(1)), 1);
 * assertEquals(await d.race(new Promise(() => {})), TIMEOUT);
 * d.clear();
 * ```
 */
export class Deadline {
  #entry: Pending;
  #expired: Promise<typeof TIMEOUT>;

  /** Starts a deadline `ms` from now. */
  constructor(ms: number) {
    let expire!: () => void;
    this.#expired = new Promise((resolve) => expire = () => resolve(TIMEOUT));
    this.#entry = { at: performance.now() + ms, expire };
    pending.add(this.#entry);
    sweeper ??= setInterval(sweep, Math.max(10, Math.min(100, ms / 4)));
  }

  /**
   * `p`'s value, or {@linkcode TIMEOUT} if the deadline passes first. A
   * promise that loses the race and rejects later is not reported.
   */
  race<T>(p: Promise<T>): Promise<T | typeof TIMEOUT> {
    p.catch(() => {});
    return Promise.race([p, this.#expired]);
  }

  /** Stops watching (the sweep stops when nothing is watched). */
  clear(): void {
    pending.delete(this.#entry);
    stopIfIdle();
  }
}

/**
 * Joins byte chunks of `total` bytes in all into one array.
 *
 * @example
 * ```ts
 * import { concatBytes } from "./_deadline.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(concatBytes([new Uint8Array([1]), new Uint8Array([2, 3])], 3), new Uint8Array([1, 2, 3]));
 * ```
 */
export function concatBytes(
  chunks: readonly Uint8Array[],
  total: number,
): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
