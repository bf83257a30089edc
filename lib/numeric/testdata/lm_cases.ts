/**
 * Curve-fit problems for the Levenberg–Marquardt identity fixture
 * (`lm_fits.json`, written by `make_lm_fits.ts` with the code as it was
 * before working arrays were reused across steps): the three curves of the
 * curve-fit trainers, upstream's starting points, on seeded data of five
 * shapes and four sizes. Data are regenerated from the seeds; only results
 * are stored.
 *
 * @module
 */
import type { CurveFunction } from "../levenberg_marquardt.ts";
import { mulberry32, normal } from "../random.ts";

/** The curves (as lib/train/trainers/curve_fit.ts evaluates them). */
export const CURVES: Record<string, CurveFunction> = {
  logarithmic: {
    eval: (p, x, out) => {
      const u = p[1]! * x + 1;
      const l = Math.log(u);
      out[0] = l;
      out[1] = (p[0]! * x) / u;
      out[2] = 1;
      return p[0]! * l + p[2]!;
    },
  },
  logistic: {
    eval: (p, x, out) => {
      const s = 1 / (1 + Math.exp(-p[2]! * (x - p[1]!)));
      const ds = s * (1 - s);
      out[0] = s;
      out[1] = -p[0]! * p[2]! * ds;
      out[2] = p[0]! * (x - p[1]!) * ds;
      out[3] = 1;
      return p[0]! * s + p[3]!;
    },
  },
  exponential: {
    eval: (p, x, out) => {
      const e = Math.exp(p[1]! * x);
      out[0] = e;
      out[1] = p[0]! * x * e;
      out[2] = 1;
      return p[0]! * e + p[2]!;
    },
  },
};

const SHAPES: Record<string, (x: number) => number> = {
  linear: (x) => 20 + 80 * x,
  log: (x) => 30 + 50 * Math.log(1 + 5 * x),
  sigmoid: (x) => 10 + 100 / (1 + Math.exp(-8 * (x - 0.5))),
  steps: (x) => 40 + 30 * Math.round(4 * x),
  flat: (_x) => 55,
};

/** Upstream's p0 (curve_fit.ts). */
function p0(curve: string, y: Float64Array): number[] {
  let min = Infinity, max = -Infinity, s = 0;
  for (const v of y) {
    min = Math.min(min, v);
    max = Math.max(max, v);
    s += v;
  }
  const a = max - min;
  if (curve === "logarithmic") return [a, 1, min];
  if (curve === "exponential") {
    const e = Math.floor(a / Math.E);
    return [e, 1, min - e];
  }
  const mean = s / y.length;
  let v = 0;
  for (const w of y) v += (w - mean) ** 2;
  const std = Math.sqrt(v / y.length);
  return [a, 0.5, std > 0 ? Math.floor(a / std) : 0, min];
}

/** One problem. */
export interface LmCase {
  name: string;
  curve: string;
  x: Float64Array;
  y: Float64Array;
  theta0: number[];
}

/** Every problem: 3 curves × 5 shapes × 4 sizes (60 cases). */
export function lmCases(): LmCase[] {
  const out: LmCase[] = [];
  let seed = 1;
  for (const curve of Object.keys(CURVES)) {
    for (const [shape, f] of Object.entries(SHAPES)) {
      for (const n of [60, 200, 800, 2500]) {
        const r = mulberry32(seed++);
        const x = Float64Array.from({ length: n }, () => r());
        const y = x.map((v) => f(v) + 2 * normal(r));
        out.push({
          name: `${curve} ${shape} n=${n}`,
          curve,
          x,
          y,
          theta0: p0(curve, y),
        });
      }
    }
  }
  return out;
}
