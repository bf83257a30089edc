/**
 * Each curve's `evaluateAll` (levenberg_marquardt.ts) gives what its `eval`
 * gives row by row, bit for bit, and a fit with it takes the same steps.
 */
import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import {
  type CurveFunction,
  evaluate,
  levenbergMarquardt,
} from "./levenberg_marquardt.ts";
import { curveFunction, CURVES } from "../train/trainers/curve_fit.ts";
import { saturatingCurve } from "../train/trainers/saturating_regression.ts";
import { mulberry32, normal } from "./random.ts";

/** `evaluate` at θ over the rows: residuals, gradient columns, SSE. */
function evaluated(
  curve: CurveFunction,
  theta: number[],
  x: Float64Array,
  y: Float64Array,
) {
  const m = theta.length;
  const r = new Float64Array(x.length);
  const jac = Array.from({ length: m }, () => new Float64Array(x.length));
  const sse = evaluate(curve, theta, x, y, r, jac, new Float64Array(m));
  return { sse, r, jac };
}

/** The curve without its evaluateAll: `eval` row by row. */
const byRow = (curve: CurveFunction): CurveFunction => ({
  eval: curve.eval.bind(curve),
});

const rand = mulberry32(7);
const x = Float64Array.from({ length: 300 }, () => rand());
const y = Float64Array.from(
  { length: 300 },
  (_, i) => 20 + 30 * x[i]! + normal(rand),
);
const cols = [0, 1, 2].map(() =>
  Float64Array.from({ length: 300 }, () => rand())
);
const rows = Float64Array.from({ length: 300 }, (_, i) => i);
const cases: [string, CurveFunction, Float64Array, () => number[]][] = [
  ...CURVES.map((c) =>
    [
      c,
      curveFunction(c),
      x,
      () =>
        Array.from(
          { length: c === "logistic" ? 4 : 3 },
          () => 3 * normal(rand),
        ),
    ] as [string, CurveFunction, Float64Array, () => number[]]
  ),
  [
    "saturating",
    saturatingCurve(cols),
    rows,
    () => [
      20 + normal(rand),
      Math.log(40 + 10 * rand()),
      2 * rand(),
      3 * rand(),
      rand(),
    ],
  ],
];

for (const [name, curve, xs, theta] of cases) {
  Deno.test(`${name}: evaluateAll is eval row by row, bit for bit`, () => {
    for (let k = 0; k < 20; k++) {
      const t = theta();
      assert(curve.evaluateAll !== undefined);
      assertEquals(
        evaluated(curve, t, xs, y),
        evaluated(byRow(curve), t, xs, y),
      );
    }
  });

  Deno.test(`${name}: a fit with evaluateAll is the fit without it`, () => {
    const t0 = theta();
    assertEquals(
      levenbergMarquardt(curve, xs, y, t0),
      levenbergMarquardt(byRow(curve), xs, y, t0),
    );
  });
}
