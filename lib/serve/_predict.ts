/**
 * The arithmetic of an estimate, shared by the server's thread and its
 * estimate workers so both give the same bytes: fitted models (with their
 * conformal intervals) and Kepler weight files over feature columns.
 * Negative powers (and lower bounds) are clipped to 0. Private to
 * lib/serve.
 *
 * @module
 */
import type { Component } from "../types.ts";
import {
  keplerCurveOf,
  keplerPredict,
  type KeplerWeights,
} from "../pipeline/kepler_weight_file.ts";
import type { IntervalModel } from "../train/interval.ts";
import type { FittedModel } from "../train/model.ts";

/** Powers per component, and interval bounds when every component has them. */
export interface Prediction {
  /** Watts per component, one per row. */
  powers: Partial<Record<Component, number[]>>;
  /** Nominal coverage of the bounds. */
  coverage?: number;
  /** Lower bounds per component (clipped at 0). */
  lower?: Partial<Record<Component, number[]>>;
  /** Upper bounds per component. */
  upper?: Partial<Record<Component, number[]>>;
}

/** Fitted models per component. */
export type FittedComponents = Partial<Record<Component, FittedModel>>;

/** Kepler weights per component. */
export type WeightComponents = Partial<Record<Component, KeplerWeights>>;

function clip(values: ArrayLike<number>): number[] {
  const out = new Array<number>(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    out[i] = v > 0 ? v : 0;
  }
  return out;
}

/** Predicts with fitted models over the model's feature columns `x`. */
export function predictFitted(
  components: FittedComponents,
  x: readonly Float64Array[],
): Prediction {
  const out: Prediction = { powers: {} };
  const lower: Partial<Record<Component, number[]>> = {};
  const upper: Partial<Record<Component, number[]>> = {};
  let coverage: number | undefined;
  let allIntervals = true;
  for (const [c, fitted] of Object.entries(components)) {
    const component = c as Component;
    const iv = fitted as Partial<IntervalModel>;
    if (typeof iv.predictInterval === "function" && iv.interval) {
      const r = iv.predictInterval(x as Float64Array[]);
      out.powers[component] = clip(r.yHat);
      lower[component] = clip(r.lo);
      upper[component] = clip(r.hi);
      coverage = iv.interval.coverage;
    } else {
      out.powers[component] = clip(fitted!.predict(x as Float64Array[]));
      allIntervals = false;
    }
  }
  if (allIntervals && coverage !== undefined) {
    out.coverage = coverage;
    out.lower = lower;
    out.upper = upper;
  }
  return out;
}

/** What Kepler's formula needs: columns by feature, categories, row count. */
export interface WeightInput {
  /** The model's name (its trainer picks the curve). */
  name: string;
  /** Feature columns, by feature name. */
  columns: readonly (readonly [string, Float64Array])[];
  /** System feature values, by name. */
  categories: Readonly<Record<string, string>>;
  /** Number of rows. */
  rows: number;
}

/** Predicts with Kepler weight files, as Kepler's local estimator does. */
export function predictWeights(
  weights: WeightComponents,
  input: WeightInput,
): Prediction {
  const curve = keplerCurveOf(input.name);
  const rows: Record<string, number>[] = [];
  for (let i = 0; i < input.rows; i++) {
    const row: Record<string, number> = {};
    for (const [f, col] of input.columns) row[f] = col[i]!;
    rows.push(row);
  }
  const out: Prediction = { powers: {} };
  for (const [c, w] of Object.entries(weights)) {
    out.powers[c as Component] = clip(
      rows.map((row) => keplerPredict(w, curve, row, input.categories)),
    );
  }
  return out;
}
