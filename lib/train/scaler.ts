/**
 * The MaxAbs scaler with scikit-learn's semantics: `scale_j = max_i |x_ij|`,
 * or 1.0 when column j is all zero; `transform` divides by the scale.
 * Kepler's weight files store this scale (`Numerical_Variables.<f>.scale`)
 * and divide the raw feature by it before applying the weights.
 *
 * @module
 */
import type { Columns } from "./model.ts";

/** A fitted MaxAbs scaler. */
export interface MaxAbsScaler {
  /** One scale per feature column (never zero). */
  readonly scale: readonly number[];
  /** Divides each column by its scale; returns new columns. */
  transform(x: Columns): Float64Array[];
}

/**
 * Fits a MaxAbs scaler on feature columns. Throws a `RangeError` if a value
 * is not finite.
 *
 * @example
 * ```ts
 * import { fitMaxAbsScaler } from "./scaler.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const s = fitMaxAbsScaler([Float64Array.of(-4, 2), Float64Array.of(0, 0)]);
 * assertEquals(s.scale, [4, 1]);
 * assertEquals(s.transform([Float64Array.of(2), Float64Array.of(3)]), [
 *   Float64Array.of(0.5), Float64Array.of(3),
 * ]);
 * ```
 */
export function fitMaxAbsScaler(x: Columns): MaxAbsScaler {
  const scale = x.map((col, j) => {
    let m = 0;
    for (let i = 0; i < col.length; i++) {
      const a = Math.abs(col[i]!);
      if (!Number.isFinite(a)) {
        throw new RangeError(
          `Cannot fit a MaxAbs scaler: column ${j} row ${i} is ${col[i]}`,
        );
      }
      if (a > m) m = a;
    }
    return m === 0 ? 1 : m;
  });
  return maxAbsScaler(scale);
}

/**
 * A MaxAbs scaler from stored scales (e.g. loaded from JSON). Throws a
 * `RangeError` if a scale is not a positive finite number.
 *
 * @example
 * ```ts
 * import { maxAbsScaler } from "./scaler.ts";
 * import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
 * assertEquals(maxAbsScaler([2]).transform([Float64Array.of(1)]), [Float64Array.of(0.5)]);
 * assertThrows(() => maxAbsScaler([0]), RangeError);
 * ```
 */
export function maxAbsScaler(scale: ArrayLike<number>): MaxAbsScaler {
  const s = Float64Array.from(scale);
  for (let j = 0; j < s.length; j++) {
    if (!(s[j]! > 0) || !Number.isFinite(s[j]!)) {
      throw new RangeError(
        `Cannot make a MaxAbs scaler: scale ${j} is ${
          s[j]
        }, expected a positive finite number`,
      );
    }
  }
  const frozen = Object.freeze(Array.from(s));
  return {
    scale: frozen,
    transform(x: Columns): Float64Array[] {
      if (x.length !== s.length) {
        throw new RangeError(
          `Cannot scale: the scaler has ${s.length} columns, got ${x.length}`,
        );
      }
      return x.map((col, j) => {
        const out = new Float64Array(col.length);
        const d = s[j]!;
        for (let i = 0; i < col.length; i++) out[i] = col[i]! / d;
        return out;
      });
    },
  };
}
