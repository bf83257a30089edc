/**
 * Test helpers for lib/train (imported only by `*_test.ts`): synthetic data
 * and an independent implementation of how Kepler v0.7 evaluates a weight
 * file (`pkg/model/estimator/local/regressor`, as documented in
 * kepler-interfaces.md §2.4), to check that exported weights reproduce our
 * predictions.
 *
 * @module
 */
import type { Columns, KeplerWeights } from "./model.ts";
import { mulberry32, normal } from "../numeric/random.ts";
import { gaussSolve } from "../numeric/testing.ts";

export { gaussSolve, maxRelDiff } from "../numeric/testing.ts";

/** Kepler's predictor families (chosen from the trainer name). */
export type KeplerPredictor =
  | "linear"
  | "logarithmic"
  | "logistic"
  | "exponential";

/**
 * Kepler's power for one row of raw feature values given by name. Linear:
 * `Bias + Σ weight·x/scale` (skipping zero scale or weight); curve fits:
 * the curve of the first numerical variable's `x/scale`, with
 * `CurveFit_Weights` as `[a,b,c]`, `[A,x0,k,off]` or `[a,b,c]`.
 *
 * @example
 * ```ts
 * import { keplerPower } from "./testing.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const w = { All_Weights: { Bias_Weight: 10, Categorical_Variables: {},
 *   Numerical_Variables: { cpu: { scale: 2, weight: 4 } } } };
 * assertEquals(keplerPower(w, "linear", { cpu: 1 }), 12);
 * ```
 */
export function keplerPower(
  weights: KeplerWeights,
  predictor: KeplerPredictor,
  row: Readonly<Record<string, number>>,
): number {
  const all = weights.All_Weights;
  const names = Object.keys(all.Numerical_Variables);
  if (predictor === "linear") {
    let p = all.Bias_Weight ?? 0;
    for (const name of names) {
      const v = all.Numerical_Variables[name]!;
      const w = v.weight ?? 0;
      if (v.scale === 0 || w === 0) continue;
      p += w * ((row[name] ?? 0) / v.scale);
    }
    return p;
  }
  const first = names[0]!;
  const x = (row[first] ?? 0) / all.Numerical_Variables[first]!.scale;
  const c = all.CurveFit_Weights!;
  switch (predictor) {
    case "logarithmic":
      return c[0]! * Math.log(c[1]! * x + 1) + c[2]!;
    case "exponential":
      return c[0]! * Math.exp(c[1]! * x) + c[2]!;
    case "logistic":
      return c[0]! / (1 + Math.exp(-c[2]! * (x - c[1]!))) + c[3]!;
  }
}

/**
 * Kepler's power for every row of columns named by `features`.
 *
 * @example
 * ```ts
 * import { keplerPredict } from "./testing.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const w = { All_Weights: { Bias_Weight: 1, Categorical_Variables: {},
 *   Numerical_Variables: { a: { scale: 1, weight: 1 } } } };
 * assertEquals(keplerPredict(w, "linear", ["a"], [Float64Array.of(1, 2)]), [2, 3]);
 * ```
 */
export function keplerPredict(
  weights: KeplerWeights,
  predictor: KeplerPredictor,
  features: readonly string[],
  x: Columns,
): number[] {
  const n = x[0]?.length ?? 0;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const row: Record<string, number> = {};
    features.forEach((f, j) => (row[f] = x[j]![i]!));
    out.push(keplerPower(weights, predictor, row));
  }
  return out;
}

/** Options of {@linkcode syntheticPower}. */
export interface SyntheticOptions {
  /** Rows. Default: 500. */
  n?: number;
  /** Features. Default: 3. */
  p?: number;
  /** Noise standard deviation. Default: 1. */
  noise?: number;
  /** Seed. Default: 1. */
  seed?: number;
  /** True coefficients on raw features. Default: 1, 0.5, 0.25, … */
  coef?: readonly number[];
  /** True intercept. Default: 50. */
  intercept?: number;
}

/**
 * Synthetic power-like data: features uniform in [0, 1000·(j+1)), y linear
 * in them plus Gaussian noise.
 *
 * @example
 * ```ts
 * import { syntheticPower } from "./testing.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const { x, y } = syntheticPower({ n: 10, p: 2, noise: 0 });
 * assertEquals(x.length, 2);
 * assertEquals(y[0], 50 + x[0]![0]! + 0.5 * x[1]![0]!);
 * ```
 */
export function syntheticPower(
  options: SyntheticOptions = {},
): { x: Float64Array[]; y: Float64Array; coef: number[]; intercept: number } {
  const n = options.n ?? 500;
  const p = options.p ?? 3;
  const noise = options.noise ?? 1;
  const random = mulberry32(options.seed ?? 1);
  const coef = options.coef
    ? [...options.coef]
    : Array.from({ length: p }, (_, j) => 1 / 2 ** j);
  const intercept = options.intercept ?? 50;
  const x = Array.from(
    { length: p },
    (_, j) => Float64Array.from({ length: n }, () => random() * 1000 * (j + 1)),
  );
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = intercept;
    for (let j = 0; j < p; j++) s += coef[j]! * x[j]![i]!;
    y[i] = s + (noise === 0 ? 0 : noise * normal(random));
  }
  return { x, y, coef, intercept };
}

/**
 * Ordinary least squares with an intercept by the normal equations, solved
 * with Gaussian elimination (partial pivoting) — an independent reference
 * for the trainers' QR-based solves on well-conditioned problems.
 * Returns `[intercept, ...coef]` on raw features.
 *
 * @example
 * ```ts
 * import { olsReference } from "./testing.ts";
 * import { ok as assert } from "node:assert/strict";
 * const b = olsReference([Float64Array.of(0, 1, 2)], Float64Array.of(1, 3, 5));
 * assert(Math.abs(b[0]! - 1) < 1e-12 && Math.abs(b[1]! - 2) < 1e-12);
 * ```
 */
export function olsReference(x: Columns, y: Float64Array): number[] {
  const p = x.length + 1;
  const n = y.length;
  const col = (j: number, i: number) => (j === 0 ? 1 : x[j - 1]![i]!);
  const a: number[][] = [];
  for (let r = 0; r < p; r++) {
    const row: number[] = [];
    for (let c = 0; c < p; c++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += col(r, i) * col(c, i);
      row.push(s);
    }
    let s = 0;
    for (let i = 0; i < n; i++) s += col(r, i) * y[i]!;
    row.push(s);
    a.push(row);
  }
  return gaussSolve(a);
}
