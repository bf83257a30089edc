import {
  deepStrictEqual as assertEquals,
  ok as assert,
  throws as assertThrows,
} from "node:assert/strict";
import {
  loadSaturatingModel,
  saturatingModel,
  saturatingRegression,
} from "./saturating_regression.ts";
import { linearRegression } from "./linear_regression.ts";
import { gradientBoostingRegressor } from "./gradient_boosting.ts";
import { loadModel } from "../load_model.ts";
import { makeTrainer } from "../trainers.ts";
import { mulberry32 } from "../../numeric/random.ts";
import { queryResult, simulate } from "../../simulate/mod.ts";
import { queryDataFrom } from "../../extract/mod.ts";
import { prepareFrames } from "../../isolate/prepare_frames.ts";
import type { Component } from "../../types.ts";

function columns(n: number, p: number, seed: number): Float64Array[] {
  const rand = mulberry32(seed);
  return Array.from(
    { length: p },
    (_, j) => Float64Array.from({ length: n }, () => (j + 1) * 1e9 * rand()),
  );
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

Deno.test("saturatingRegression() recovers a noise-free saturating curve: intercept, limit and weights, a feature without effect at 0", () => {
  const x = columns(300, 3, 1);
  // y = 40 + 120·(1 − e^(−z/120)), z = 60·x0/max0 + 30·x1/max1 (x2: none)
  const max = x.map((c) => Math.max(...c));
  const y = x[0]!.map((_, i) => {
    const z = 60 * x[0]![i]! / max[0]! + 30 * x[1]![i]! / max[1]!;
    return 40 + 120 * (1 - Math.exp(-z / 120));
  });
  const m = saturatingRegression().fit(x, y);
  assert(Math.abs(m.intercept - 40) < 1e-6, `intercept ${m.intercept}`);
  assert(Math.abs(m.saturation! - 120) < 1e-4, `S ${m.saturation}`);
  assert(Math.abs(m.weights[0]! - 60) < 1e-5, `w0 ${m.weights[0]}`);
  assert(Math.abs(m.weights[1]! - 30) < 1e-5, `w1 ${m.weights[1]}`);
  assert(m.weights[2]! >= 0 && m.weights[2]! < 1e-6, `w2 ${m.weights[2]}`);
  assert(maxAbsDiff(m.predict(x), y) < 1e-6);
});

Deno.test("saturatingRegression() on a straight line predicts as LinearRegressionTrainer (its non-negative least squares)", () => {
  const x = columns(200, 2, 2);
  const rand = mulberry32(9);
  const y = x[0]!.map((v, i) => 10 + 3e-9 * v + 1e-9 * x[1]![i]! + rand());
  const sat = saturatingRegression().fit(x, y).predict(x);
  const line = linearRegression().fit(x, y).predict(x);
  // the curve may bend by the noise's chance, never by more than a little
  assert(maxAbsDiff(sat, line) < 0.05, `${maxAbsDiff(sat, line)}`);
  // the fit is at least as good as the line on the training rows
  const sse = (p: Float64Array) =>
    p.reduce((s, v, i) => s + (v - y[i]!) ** 2, 0);
  assert(sse(sat) <= sse(line) + 1e-9);
});

Deno.test("saturatingModel() caps each scaled feature at the extrapolation limit", () => {
  const m = saturatingModel({
    scale: [10, 4],
    weights: [20, 8],
    intercept: 5,
    saturation: 50,
    cap: 1.5,
  });
  // x0 = 40 is 4× its scale: counted as 1.5; x1 = 2 is 0.5
  const z = 20 * 1.5 + 8 * 0.5;
  const [p] = m.predict([Float64Array.of(40), Float64Array.of(2)]);
  assert(Math.abs(p! - (5 + 50 * (1 - Math.exp(-z / 50)))) < 1e-12);
  // no cap, no saturation: the straight line
  const line = saturatingModel({
    scale: [10],
    weights: [20],
    intercept: 5,
    saturation: null,
    cap: null,
  });
  assertEquals(line.predict([Float64Array.of(40)]), Float64Array.of(85));
  // the trainer's cap is its extrapolation parameter (1.5 by default)
  const x = columns(50, 1, 3);
  const y = x[0]!.map((v) => 1 + v / 1e9);
  assertEquals(saturatingRegression().fit(x, y).cap, 1.5);
  assertEquals(
    saturatingRegression({ extrapolation: Infinity }).fit(x, y).cap,
    null,
  );
});

Deno.test("a saturating model round-trips through loadModel bit for bit, and bad documents and inputs are refused", () => {
  const x = columns(80, 2, 4);
  const y = x[0]!.map((v, i) =>
    30 + 50 * (1 - Math.exp(-(v + x[1]![i]!) / 2e9))
  );
  const m = makeTrainer("SaturatingRegressionTrainer").fit(x, y);
  const json = JSON.parse(JSON.stringify(m));
  assertEquals(json.kind, "saturating");
  assertEquals(json.trainer, "SaturatingRegressionTrainer");
  assertEquals(loadModel(json).predict(x), m.predict(x));
  assertThrows(
    () => loadSaturatingModel({ ...json, weights: [-1, 1] }),
    /weight 0 is -1/,
  );
  assertThrows(() => loadSaturatingModel({ ...json, cap: 0 }), /cap is 0/);
  assertThrows(
    () => loadSaturatingModel({ ...json, weights: [1] }),
    /weights has 1 values, expected 2/,
  );
  assertThrows(
    () => loadSaturatingModel({ ...json, trainer: "SVRRegressorTrainer" }),
    TypeError,
  );
  assertThrows(
    () =>
      saturatingRegression().fit(
        [Float64Array.of(1, 2)],
        Float64Array.of(1, 2),
      ),
    /at least 3 rows/,
  );
  assertThrows(
    () =>
      saturatingRegression().fit(
        [Float64Array.of(1, NaN, 3)],
        Float64Array.of(1, 2, 3),
      ),
    /row 1 is NaN/,
  );
  assertThrows(
    () => saturatingRegression({ extrapolation: 0.5 }).fit(x, y),
    /extrapolation is 0.5/,
  );
  assertThrows(() => m.predict([x[0]!]), /takes 2 feature columns/);
});

Deno.test("on loads it has not seen, SaturatingRegressionTrainer tracks the simulator's noise-free truth better than GradientBoosting", () => {
  // the demo's loads; train on the first two thirds of the time, predict
  // the last third (other load kinds and levels), score against the truth
  const sim = simulate({
    start: 1_767_225_600,
    duration: 1800,
    containers: 20,
    seed: 1,
    sources: ["rapl-sysfs"],
  });
  const node = sim.nodes[0]!;
  const index = new Map(Array.from(node.timestamps, (t, i) => [t, i]));
  const frame = prepareFrames(
    queryDataFrom(queryResult(sim)),
    "CounterOnly",
    "AbsPower",
    { source: "rapl-sysfs" },
  );
  const n = frame.length, cut = Math.floor(n * 2 / 3);
  const rows = (from: number, to: number) =>
    frame.featureNames.map((f) => frame.features[f]!.slice(from, to));
  const xTrain = rows(0, cut), xTest = rows(cut, n);
  const errors: Record<string, Record<string, number>> = {};
  for (
    const [name, trainer] of [
      ["saturating", saturatingRegression()],
      ["gbr", gradientBoostingRegressor()],
    ] as const
  ) {
    errors[name] = {};
    for (const c of frame.components as Component[]) {
      const y = frame.power[c]!;
      const model = trainer.fit(xTrain, y.slice(0, cut), { seed: 1 });
      const p = model.predict(xTest);
      let abs = 0;
      for (let i = cut; i < n; i++) {
        const t = index.get(frame.timestamp[i]!);
        assert(t !== undefined, `no truth at ${frame.timestamp[i]}`);
        abs += Math.abs(p[i - cut]! - node.truth.power[c][t]!);
      }
      errors[name][c] = abs / (n - cut);
    }
  }
  const said = JSON.stringify(errors);
  for (const c of frame.components) {
    assert(errors.saturating![c]! < errors.gbr![c]!, `${c}: ${said}`);
  }
  // σ = 2 W: the CPU's components stay within the noise on unseen loads,
  // at less than half the trees' error (dram needs page-cache hits, which
  // CounterOnly lacks: better than the trees, not within the noise)
  for (const c of ["package", "core", "uncore"]) {
    assert(errors.saturating![c]! < 2, `${c}: ${said}`);
    assert(errors.saturating![c]! < errors.gbr![c]! / 2, `${c}: ${said}`);
  }
});

Deno.test("saturatingRegression() with fewer rows than the curve's parameters is the non-negative line", () => {
  // 4 rows, 3 features: the curve has 5 parameters
  const x = columns(4, 3, 5);
  const y = Float64Array.of(10, 20, 15, 30);
  const m = saturatingRegression().fit(x, y);
  assertEquals(m.saturation, null);
  const line = linearRegression().fit(x, y).predict(x);
  assert(maxAbsDiff(m.predict(x), line) < 1e-9);
});
