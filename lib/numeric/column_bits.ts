/**
 * Columns of numbers compared by their bits, for results kept from one
 * call to the next (binning, SVR kernel values): the same bits in, the same
 * bits out. Bits, not `===`: −0 and 0 differ (a computation may tell them
 * apart), and so would two NaNs of other payloads.
 *
 * @module
 */

function wordsOf(c: Float64Array): Uint32Array {
  return new Uint32Array(c.buffer, c.byteOffset, 2 * c.length);
}

/**
 * A copy of the columns' bits.
 *
 * @example
 * ```ts
 * import { columnBits, sameColumnBits } from "./column_bits.ts";
 * import { ok as assert } from "node:assert/strict";
 * const kept = columnBits([Float64Array.of(1, 0)]);
 * assert(sameColumnBits([Float64Array.of(1, 0)], kept));
 * assert(!sameColumnBits([Float64Array.of(1, -0)], kept));
 * ```
 */
export function columnBits(x: readonly Float64Array[]): Uint32Array[] {
  return x.map((c) => wordsOf(c).slice());
}

/** Whether the columns hold exactly the bits `bits` copied. */
export function sameColumnBits(
  x: readonly Float64Array[],
  bits: readonly Uint32Array[],
): boolean {
  if (x.length !== bits.length) return false;
  return x.every((c, j) => {
    const a = wordsOf(c);
    const b = bits[j]!;
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  });
}
