import {
  deepStrictEqual as assertEquals,
  ok as assert,
  throws as assertThrows,
} from "node:assert/strict";
import { TRAINERS, WEIGHT_SUPPORT_TRAINERS } from "../types.ts";
import { makeTrainer } from "./trainers.ts";
import { isWeightExportable } from "./model.ts";
import { syntheticPower } from "./testing.ts";

Deno.test("`makeTrainer()` makes each trainer under its name (the ten upstream ones, and EnsembleTrainer)", () => {
  const { x, y } = syntheticPower({ n: 200, p: 2, noise: 1, seed: 61 });
  for (const name of TRAINERS) {
    const t = makeTrainer(name);
    assertEquals(t.name, name);
    const m = t.fit(x, y);
    const pred = m.predict(x);
    assert(pred.every(Number.isFinite), name);
    // every trainer beats predicting the mean on this near-linear data
    // (SVR only just: with upstream's C = 1 its dual coefficients are
    // bounded by 1, too small for targets spanning ~2000 W)
    const mean = y.reduce((a, b) => a + b, 0) / y.length;
    let sse = 0, sst = 0;
    for (let i = 0; i < y.length; i++) {
      sse += (pred[i]! - y[i]!) ** 2;
      sst += (mean - y[i]!) ** 2;
    }
    const limit = name === "SVRRegressorTrainer" ? 0.95 : 0.5;
    assert(sse < limit * sst, `${name}: R² ${1 - sse / sst}`);
  }
});

Deno.test("`makeTrainer()` uses upstream's hyperparameters as defaults", () => {
  assertEquals(makeTrainer("KNeighborsRegressorTrainer").params.nNeighbors, 6);
  assertEquals(makeTrainer("SVRRegressorTrainer").params.c, 1);
  assertEquals(makeTrainer("SVRRegressorTrainer").params.epsilon, 0.2);
  assertEquals(makeTrainer("LinearRegressionTrainer").params.positive, true);
  assertEquals(makeTrainer("SGDRegressorTrainer").params.maxIter, 1000);
  assertEquals(makeTrainer("PolynomialRegressionTrainer").params.degree, 2);
  assertEquals(
    makeTrainer("GradientBoostingRegressorTrainer").params.nEstimators,
    100,
  );
  assertEquals(makeTrainer("XgboostFitTrainer").params.nEstimators, 100);
});

Deno.test("`makeTrainer()` trainers whose models Kepler can load export weights", () => {
  const { x, y } = syntheticPower({ n: 100, p: 2, seed: 62 });
  for (
    const name of [
      ...WEIGHT_SUPPORT_TRAINERS,
      "LinearRegressionTrainer",
    ] as const
  ) {
    assert(isWeightExportable(makeTrainer(name).fit(x, y)), name);
  }
  assert(
    !isWeightExportable(makeTrainer("KNeighborsRegressorTrainer").fit(x, y)),
  );
});

Deno.test("`makeTrainer()` passes parameters and rejects unknown ones", () => {
  assertEquals(
    makeTrainer("SGDRegressorTrainer", { alpha: 0.01 }).params.alpha,
    0.01,
  );
  assertThrows(
    () => makeTrainer("SGDRegressorTrainer", { alhpa: 1 } as never),
    RangeError,
  );
  assertThrows(() => makeTrainer("NoSuchTrainer" as never), RangeError);
});
