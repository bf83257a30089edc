import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import { levenbergMarquardt as mlLevenbergMarquardt } from "ml-levenberg-marquardt";
import {
  type CurveFunction,
  levenbergMarquardt,
  type LmResult,
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

/** `a·ln(b·x + 1) + c`, the logarithmic trainer's curve. */
const logCurve: CurveFunction = {
  eval: (t, x, out) => {
    const u = t[1]! * x + 1;
    out[0] = Math.log(u);
    out[1] = (t[0]! * x) / u;
    out[2] = 1;
    return t[0]! * Math.log(u) + t[2]!;
  },
};

interface ScipyFit {
  params: number[];
  ier: number;
  sse: number;
}

interface ValleyFixture {
  p0: number[];
  scipy: {
    finite_differences: ScipyFit;
    analytic_jacobian: ScipyFit;
    linear_fit_sse: number;
  };
  x: number[];
  y: number[];
}

const valley = JSON.parse(
  await Deno.readTextFile(
    new URL("./testdata/log_valley.json", import.meta.url),
  ),
) as ValleyFixture;

Deno.test("testdata/log_valley.json holds the data its description makes", () => {
  let s = 1;
  const u = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  for (let i = 0; i < 200; i++) {
    const x = u();
    assert(x === valley.x[i], `x[${i}]`);
    assert(100 + 50 * x + 0.01 * (u() - 0.5) === valley.y[i], `y[${i}]`);
  }
  assert(valley.x.length === 200 && valley.y.length === 200);
});

Deno.test("`levenbergMarquardt()` converges in a flat valley where scipy's curve_fit does", () => {
  const x = Float64Array.from(valley.x), y = Float64Array.from(valley.y);
  const { finite_differences: fd, analytic_jacobian: lmder } = valley.scipy;
  assert([1, 2, 3, 4].includes(fd.ier) && [1, 2, 3, 4].includes(lmder.ier));
  const r = levenbergMarquardt(logCurve, x, y, valley.p0);
  assert(r.converged, `${r.reason} after ${r.iterations} iterations`);
  // at least as low as both of scipy's fits, never below the line the
  // curve tends to as b → 0 (the valley's floor)
  assert(r.sse <= lmder.sse * (1 + 1e-9), `${r.sse} vs ${lmder.sse}`);
  assert(r.sse < fd.sse);
  assert(r.sse >= valley.scipy.linear_fit_sse);
  // the same predictions as MINPACK's analytic-Jacobian fit, to 1e-4 W
  const g = new Float64Array(3);
  for (let i = 0; i < x.length; i++) {
    const d = logCurve.eval(r.theta, x[i]!, g) -
      logCurve.eval(lmder.params, x[i]!, g);
    assert(Math.abs(d) < 1e-4, `row ${i}: ${d}`);
  }
  // the case the test is about: 10,000 iterations do not reach it
  const capped = levenbergMarquardt(logCurve, x, y, valley.p0, {
    maxIterations: 10_000,
  });
  assert(!capped.converged && capped.reason === "maxIterations");
});

Deno.test("`levenbergMarquardt()` converges at a kink where no step is downhill, as MINPACK does", () => {
  // θ0 + |θ1|·x on y = 5 − x: the slope cannot go negative, so the least
  // squares point is θ1 = 0, θ0 = mean(y) = 4.5 with Σ(0.5 − x)² = 1.1;
  // there the gradient is one-sided (not zero) and every step goes uphill.
  // scipy 1.17.1's curve_fit from [4.5, 0] stops there with info 2 (xtol).
  const kink: CurveFunction = {
    eval: (t, x, g) => {
      g[0] = 1;
      g[1] = (t[1]! >= 0 ? 1 : -1) * x;
      return t[0]! + Math.abs(t[1]!) * x;
    },
  };
  const x = Float64Array.from({ length: 11 }, (_, i) => i / 10);
  const y = x.map((v) => 5 - v);
  const r = levenbergMarquardt(kink, x, y, [4.5, 0]);
  assert(r.converged, `${r.reason} after ${r.iterations} iterations`);
  assert(r.theta[0] === 4.5 && r.theta[1] === 0, `${r.theta}`);
  assert(Math.abs(r.sse - 1.1) < 1e-12);
});

Deno.test("levenbergMarquardt() gives bit-identical fits to the code before working arrays were reused (lm_fits.json, 60 problems)", async () => {
  const { CURVES, lmCases } = await import("./testdata/lm_cases.ts");
  const fixture = JSON.parse(
    await Deno.readTextFile(
      new URL("./testdata/lm_fits.json", import.meta.url),
    ),
  ) as { fits: ({ name: string } & LmResult)[] };
  const cases = lmCases();
  assert(cases.length === fixture.fits.length && cases.length === 60);
  for (const [i, c] of cases.entries()) {
    const r = levenbergMarquardt(CURVES[c.curve]!, c.x, c.y, c.theta0);
    assertEquals({ name: c.name, ...r }, fixture.fits[i]);
  }
});
