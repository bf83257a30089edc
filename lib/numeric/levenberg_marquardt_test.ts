import { ok as assert } from "node:assert/strict";
import { levenbergMarquardt as mlLevenbergMarquardt } from "ml-levenberg-marquardt";
import {
  type CurveFunction,
  levenbergMarquardt,
} from "./levenberg_marquardt.ts";
import { mulberry32, normal } from "./random.ts";

const f = (t: ArrayLike<number>, x: number) =>
  t[0]! / (1 + Math.exp(-t[2]! * (x - t[1]!))) + t[3]!;
const logistic: CurveFunction = {
  eval: (t, x, out) => {
    const s = 1 / (1 + Math.exp(-t[2]! * (x - t[1]!)));
    out[0] = s;
    out[1] = -t[0]! * t[2]! * s * (1 - s);
    out[2] = t[0]! * (x - t[1]!) * s * (1 - s);
    out[3] = 1;
    return f(t, x);
  },
};

function noisy(seed: number, n: number, truth: number[], noise: number) {
  const r = mulberry32(seed);
  const x = Float64Array.from({ length: n }, () => r());
  const y = x.map((v) => f(truth, v) + noise * normal(r));
  return { x, y };
}

function sse(
  theta: ArrayLike<number>,
  x: Float64Array,
  y: Float64Array,
): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    s += (y[i]! - f(theta, x[i]!)) ** 2;
  }
  return s;
}

Deno.test("`levenbergMarquardt()` recovers exact parameters from noiseless data", () => {
  const { x, y } = noisy(1, 200, [150, 0.6, 8, 90], 0);
  const r = levenbergMarquardt(logistic, x, y, [150, 0.5, 2, 90]);
  assert(r.converged);
  [150, 0.6, 8, 90].forEach((v, k) =>
    assert(Math.abs(r.theta[k]! - v) < 1e-8 * v)
  );
});

Deno.test("`levenbergMarquardt()` reaches at least ml-levenberg-marquardt's minimum", () => {
  for (let seed = 1; seed <= 3; seed++) {
    const { x, y } = noisy(seed, 200, [150, 0.6, 8, 90], 5);
    const p0 = [150, 0.5, 2, 90];
    const ours = levenbergMarquardt(logistic, x, y, p0);
    // the library needs a damping of the order of JᵀJ to move from p0
    const ref = mlLevenbergMarquardt({ x, y }, (t) => (v) => f(t, v), {
      initialValues: p0,
      damping: 100,
      maxIterations: 200,
      errorTolerance: 0,
    });
    assert(ours.converged);
    assert(
      ours.sse <= ref.parameterError * (1 + 1e-9),
      `${ours.sse} > ${ref.parameterError}`,
    );
    // and the gradient vanishes there: ‖Jᵀr‖ small against ‖J‖‖r‖
    const g = new Float64Array(4),
      jr = new Float64Array(4),
      jj = new Float64Array(4);
    for (let i = 0; i < x.length; i++) {
      const res = y[i]! - f(ours.theta, x[i]!);
      logistic.eval(ours.theta, x[i]!, g);
      for (let k = 0; k < 4; k++) {
        jr[k] = jr[k]! + g[k]! * res;
        jj[k] = jj[k]! + g[k]! ** 2;
      }
    }
    for (let k = 0; k < 4; k++) {
      assert(
        Math.abs(jr[k]!) <= 1e-5 * Math.sqrt(jj[k]! * ours.sse),
        `seed ${seed} k ${k}`,
      );
    }
  }
});

Deno.test("`levenbergMarquardt()` never takes an uphill step", () => {
  const { x, y } = noisy(9, 100, [150, 0.6, 8, 90], 5);
  const p0 = [10, 0.1, 50, 0];
  let prev = sse(p0, x, y);
  for (let k = 1; k <= 30; k++) {
    const r = levenbergMarquardt(logistic, x, y, p0, { maxIterations: k });
    assert(r.sse <= prev + 1e-9 * prev);
    assert(Math.abs(r.sse - sse(r.theta, x, y)) <= 1e-9 * r.sse);
    prev = r.sse;
  }
});

Deno.test("`levenbergMarquardt()` reports non-convergence at its iteration cap", () => {
  const { x, y } = noisy(3, 100, [150, 0.6, 8, 90], 5);
  const r = levenbergMarquardt(logistic, x, y, [1, 0, 1, 0], {
    maxIterations: 2,
  });
  assert(!r.converged && r.reason === "maxIterations");
});
