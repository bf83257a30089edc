import {
  deepStrictEqual as assertEquals,
  ok as assert,
  throws as assertThrows,
} from "node:assert/strict";
import {
  type Curve,
  exponentialRegression,
  initialValues,
  logarithmicRegression,
  logisticRegression,
} from "./curve_fit.ts";
import { FitError, type Trainer } from "../model.ts";
import type { CurveFitModel } from "./curve_fit.ts";
import { loadModel } from "../load_model.ts";
import { keplerPredict, maxRelDiff } from "../testing.ts";
import { mulberry32, normal } from "../../numeric/random.ts";

const FEATURES = ["bpf_block_irq", "bpf_cpu_time_ms", "bpf_net_rx_irq"];
const MAX = 96_000;

const CASES: [
  Curve,
  Trainer<CurveFitModel>,
  number[],
  (p: number[], x: number) => number,
][] = [
  [
    "logarithmic",
    logarithmicRegression(),
    [70, 4, 140],
    (p, x) => p[0]! * Math.log(p[1]! * x + 1) + p[2]!,
  ],
  [
    "logistic",
    logisticRegression(),
    [150, 0.6, 8, 90],
    (p, x) => p[0]! / (1 + Math.exp(-p[2]! * (x - p[1]!))) + p[3]!,
  ],
  [
    "exponential",
    exponentialRegression(),
    [30, 1.2, 120],
    (p, x) => p[0]! * Math.exp(p[1]! * x) + p[2]!,
  ],
];

/** Three feature columns; the main one (index 1) runs up to MAX exactly. */
function data(n: number, seed: number) {
  const r = mulberry32(seed);
  const main = Float64Array.from({ length: n }, () => r() * MAX);
  main[0] = MAX;
  return [
    Float64Array.from({ length: n }, () => r() * 50),
    main,
    Float64Array.from({ length: n }, () => r() * 7),
  ];
}

for (const [curve, trainer, truth, f] of CASES) {
  Deno.test(`\`${curve}Regression()\` recovers known parameters from noiseless data`, () => {
    const x = data(200, 1);
    const y = x[1]!.map((v) => f(truth, v / MAX));
    const m = trainer.fit(x, y, { mainFeature: 1 });
    assertEquals(m.curve, curve);
    assert(maxRelDiff(m.params, truth) < 1e-6, `${m.params} vs ${truth}`);
  });

  Deno.test(`\`${curve}Regression()\` Kepler weights put the main feature first and reproduce predict`, () => {
    const r = mulberry32(2);
    const x = data(300, 2);
    const y = x[1]!.map((v) => f(truth, v / MAX) + normal(r));
    const m = trainer.fit(x, y, { mainFeature: 1 });
    const w = m.keplerWeights(FEATURES);
    assertEquals(Object.keys(w.All_Weights.Numerical_Variables), [
      "bpf_cpu_time_ms",
      "bpf_block_irq",
      "bpf_net_rx_irq",
    ]);
    assertEquals(w.All_Weights.Numerical_Variables.bpf_cpu_time_ms, {
      scale: MAX,
    });
    assertEquals(w.All_Weights.Bias_Weight, undefined);
    assertEquals(w.All_Weights.CurveFit_Weights, [...m.params]);
    const probe = data(50, 3);
    assert(
      maxRelDiff(keplerPredict(w, curve, FEATURES, probe), m.predict(probe)) <
        1e-9,
    );
  });

  Deno.test(`\`${curve}Regression()\` models round-trip through JSON bit-identically`, () => {
    const r = mulberry32(4);
    const x = data(100, 4);
    const y = x[1]!.map((v) => f(truth, v / MAX) + normal(r));
    const m = trainer.fit(x, y, { mainFeature: 1 });
    const back = loadModel(JSON.parse(JSON.stringify(m)));
    assertEquals(back.predict(x), m.predict(x));
    assertEquals(back.toJSON(), m.toJSON());
  });

  Deno.test(`\`${curve}Regression()\` throws FitError when it does not converge`, () => {
    const r = mulberry32(5);
    const x = data(200, 5);
    const y = x[1]!.map((v) => f(truth, v / MAX) + 5 * normal(r));
    const t = [
      logarithmicRegression,
      logisticRegression,
      exponentialRegression,
    ][
      CASES.findIndex((c) => c[0] === curve)
    ]!({ maxIterations: 1 });
    assertThrows(() => t.fit(x, y, { mainFeature: 1 }), FitError);
  });
}

Deno.test("`initialValues()` follows upstream's p0 functions", () => {
  const y = Float64Array.of(10, 20, 40);
  assertEquals(initialValues("logarithmic", y), [30, 1, 10]);
  // logistic: A = 30, x0 = 0.5, k = 30 // std(y) = 30 // 12.47… = 2, off = 10
  assertEquals(initialValues("logistic", y), [30, 0.5, 2, 10]);
  // exponential: a = 30 // e = 11, b = 1, c = 10 − 11
  assertEquals(initialValues("exponential", y), [11, 1, -1]);
});

Deno.test("`logarithmicRegression()` of an all-zero component is the zero curve [0, 1, 0] as upstream", () => {
  const x = data(20, 6);
  const m = logarithmicRegression().fit(x, new Float64Array(20), {
    mainFeature: 1,
  });
  assertEquals([...m.params], [0, 1, 0]);
  assertEquals(m.predict(x), new Float64Array(20));
  // the logistic curve of constant y has k = 0 (0/0 upstream) and still fits
  const c = logisticRegression().fit(x, new Float64Array(20).fill(5), {
    mainFeature: 1,
  });
  assertEquals(c.predict(x), new Float64Array(20).fill(5));
});

Deno.test("`exponentialRegression()` rejects a bad main feature index and too few rows", () => {
  const x = data(20, 7);
  const y = new Float64Array(20);
  assertThrows(
    () => exponentialRegression().fit(x, y, { mainFeature: 3 }),
    RangeError,
  );
  assertThrows(
    () => exponentialRegression().fit(x, y, { mainFeature: -1 }),
    RangeError,
  );
  assertThrows(
    () =>
      exponentialRegression().fit(
        [Float64Array.of(1, 2)],
        Float64Array.of(1, 2),
      ),
    RangeError,
  );
});

Deno.test("`logarithmicRegression()` on linear data settles in the linear limit with good predictions", () => {
  // a·ln(b·x+1)+c has no finite best fit to a straight line (b → 0,
  // a → ∞); as with scipy, the flat valley counts as converged.
  const r = mulberry32(8);
  const x = data(500, 8);
  const y = x[1]!.map((v) => 100 + 200 * (v / MAX) + normal(r));
  const m = logarithmicRegression().fit(x, y, { mainFeature: 1 });
  const pred = m.predict(x);
  let worst = 0;
  for (let i = 0; i < 500; i++) {
    worst = Math.max(worst, Math.abs(pred[i]! - (100 + 200 * x[1]![i]! / MAX)));
  }
  assert(worst < 1, `worst error against the noiseless line: ${worst}`);
});

Deno.test("a concave start of `exponentialRegression()` finds the bending curve upstream's convex start walks away from", () => {
  // y = 50 − 40·e^(−2x) on x scaled to [0, 1]: concave, rising, flattening
  const x = Float64Array.from({ length: 60 }, (_, i) => (i / 59) * 200);
  const y = x.map((v) => 50 - 40 * Math.exp(-2 * (v / 200)));
  const sse = (m: CurveFitModel) =>
    m.predict([x]).reduce((s, v, i) => s + (v - y[i]!) ** 2, 0);
  const concave = exponentialRegression({ start: "concave" }).fit([x], y);
  // the generating parameters, in Kepler's order [a, b, c]
  [-40, -2, 50].forEach((v, i) =>
    assert(Math.abs(concave.params[i]! - v) < 1e-6, `${concave.params}`)
  );
  // from upstream's p0 (b = 1) the fit ends far off; the memo must not
  // hand either start the other's fit
  const upstream = exponentialRegression().fit([x], y);
  assert(sse(upstream) > 100 && sse(concave) < 1e-9, `${sse(upstream)}`);
  const again = exponentialRegression({ start: "concave" }).fit([x], y);
  assertEquals(again.params, concave.params);
  // a, b < 0 in Kepler's weight file: Kepler's formula gives predict's
  // values, and the JSON model loads back to the same curve
  const w = concave.keplerWeights(["bpf_cpu_time_ms"]);
  assert(
    maxRelDiff(
      keplerPredict(w, "exponential", ["bpf_cpu_time_ms"], [x]),
      concave.predict([x]),
    ) < 1e-9,
  );
  const back = loadModel(JSON.parse(JSON.stringify(concave)));
  assertEquals(back.predict([x]), concave.predict([x]));
});

Deno.test("a curve fit's start must be one it has", () => {
  assertThrows(
    () => logarithmicRegression({ start: "concave" }),
    RangeError,
    'start must be "upstream", got "concave"',
  );
  assertThrows(
    // deno-lint-ignore no-explicit-any
    () => exponentialRegression({ start: "convex" as any }),
    RangeError,
    'start must be "upstream" or "concave", got "convex"',
  );
  assertEquals(exponentialRegression().params.start, "upstream");
});
