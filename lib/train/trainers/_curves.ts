/**
 * The three curves of the curve-fit trainers (private to
 * lib/train/trainers): each one's value, gradient, evaluation over all rows
 * and starting points (upstream's p0, and a concave start where upstream's
 * is convex). `curve_fit.ts` fits them.
 *
 * @module
 */
import type { TrainerName } from "../../types.ts";
import type { CurveFunction } from "../../numeric/levenberg_marquardt.ts";

/** The curves. */
export const CURVES = ["logarithmic", "logistic", "exponential"] as const;
/** One curve name. */
export type Curve = typeof CURVES[number];

/** A curve: its parameters, value, gradient and starting points. */
export interface CurveSpec {
  trainer: TrainerName;
  params: readonly string[];
  /** The curve, written exactly as Kepler evaluates it. */
  f(p: ArrayLike<number>, x: number): number;
  /** The curve's value with its gradient in the parameters. */
  eval(p: ArrayLike<number>, x: number, out: Float64Array): number;
  /** `eval` over every row (see `CurveFunction.evaluateAll`). */
  evaluateAll: NonNullable<CurveFunction["evaluateAll"]>;
  p0(x: Float64Array, y: Float64Array): number[];
  /** The concave start, where upstream's p0 starts convex (exponential). */
  concaveP0?(x: Float64Array, y: Float64Array): number[];
}

function range(y: Float64Array): { min: number; max: number } {
  let min = Infinity, max = -Infinity;
  for (let i = 0; i < y.length; i++) {
    const v = y[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}

function populationStd(y: Float64Array): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += y[i]!;
  const m = s / y.length;
  let v = 0;
  for (let i = 0; i < y.length; i++) v += (y[i]! - m) ** 2;
  return Math.sqrt(v / y.length);
}

/** The three curves, by name. */
export const SPECS: Readonly<Record<Curve, CurveSpec>> = {
  logarithmic: {
    trainer: "LogarithmicRegressionTrainer",
    params: ["a", "b", "c"],
    f: (p, x) => p[0]! * Math.log(p[1]! * x + 1) + p[2]!,
    eval: (p, x, out) => {
      const u = p[1]! * x + 1;
      const l = Math.log(u);
      out[0] = l;
      out[1] = (p[0]! * x) / u;
      out[2] = 1;
      return p[0]! * l + p[2]!;
    },
    evaluateAll: (p, x, y, r, jac) => {
      const a = p[0]!, b = p[1]!, c = p[2]!;
      const j0 = jac[0]!, j1 = jac[1]!, j2 = jac[2]!;
      let sse = 0;
      for (let i = 0; i < x.length; i++) {
        const xi = x[i]!;
        const u = b * xi + 1;
        const l = Math.log(u);
        j0[i] = l;
        j1[i] = (a * xi) / u;
        j2[i] = 1;
        const ri = y[i]! - (a * l + c);
        r[i] = ri;
        sse += ri * ri;
      }
      return sse;
    },
    p0: (_x, y) => {
      const { min, max } = range(y);
      return [max - min, 1, min];
    },
  },
  logistic: {
    trainer: "LogisticRegressionTrainer",
    params: ["A", "x0", "k", "off"],
    f: (p, x) => p[0]! / (1 + Math.exp(-p[2]! * (x - p[1]!))) + p[3]!,
    eval: (p, x, out) => {
      const s = 1 / (1 + Math.exp(-p[2]! * (x - p[1]!)));
      const ds = s * (1 - s);
      out[0] = s;
      out[1] = -p[0]! * p[2]! * ds;
      out[2] = p[0]! * (x - p[1]!) * ds;
      out[3] = 1;
      return p[0]! * s + p[3]!;
    },
    evaluateAll: (p, x, y, r, jac) => {
      const a = p[0]!, x0 = p[1]!, k = p[2]!, off = p[3]!;
      const j0 = jac[0]!, j1 = jac[1]!, j2 = jac[2]!, j3 = jac[3]!;
      let sse = 0;
      for (let i = 0; i < x.length; i++) {
        const xi = x[i]!;
        const s = 1 / (1 + Math.exp(-k * (xi - x0)));
        const ds = s * (1 - s);
        j0[i] = s;
        j1[i] = -a * k * ds;
        j2[i] = a * (xi - x0) * ds;
        j3[i] = 1;
        const ri = y[i]! - (a * s + off);
        r[i] = ri;
        sse += ri * ri;
      }
      return sse;
    },
    p0: (_x, y) => {
      const { min, max } = range(y);
      const a = max - min;
      const std = populationStd(y);
      return [a, 0.5, std > 0 ? Math.floor(a / std) : 0, min];
    },
  },
  exponential: {
    trainer: "ExponentialRegressionTrainer",
    params: ["a", "b", "c"],
    f: (p, x) => p[0]! * Math.exp(p[1]! * x) + p[2]!,
    eval: (p, x, out) => {
      const e = Math.exp(p[1]! * x);
      out[0] = e;
      out[1] = p[0]! * x * e;
      out[2] = 1;
      return p[0]! * e + p[2]!;
    },
    evaluateAll: (p, x, y, r, jac) => {
      const a = p[0]!, b = p[1]!, c = p[2]!;
      const j0 = jac[0]!, j1 = jac[1]!, j2 = jac[2]!;
      let sse = 0;
      for (let i = 0; i < x.length; i++) {
        const xi = x[i]!;
        const e = Math.exp(b * xi);
        j0[i] = e;
        j1[i] = a * xi * e;
        j2[i] = 1;
        const ri = y[i]! - (a * e + c);
        r[i] = ri;
        sse += ri * ri;
      }
      return sse;
    },
    p0: (_x, y) => {
      const { min, max } = range(y);
      const a = Math.floor((max - min) / Math.E);
      return [a, 1, min - a];
    },
    // c − a'·e^(−x) through (0, min) and (1, max): rising and bending over,
    // as power does with the main feature (scaled to [0, 1] by MaxAbs)
    concaveP0: (_x, y) => {
      const { min, max } = range(y);
      const a = (max - min) / (1 - 1 / Math.E);
      return [-a, -1, min + a];
    },
  },
};
