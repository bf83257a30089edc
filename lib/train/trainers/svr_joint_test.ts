/**
 * predictSvrModels (svr_regressor.ts): several models predicted together,
 * each the same bits as its own predict, kernel values shared only where
 * they are the same numbers.
 */
import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import {
  predictSvrModels,
  svrKernelValuesShared,
  svrRegressor,
} from "./svr_regressor.ts";
import { makeTrainer } from "../trainers.ts";
import { selectParams } from "../tune.ts";
import { regressionMetrics } from "../metrics.ts";
import { blockedFolds } from "../cross_validate.ts";
import { take } from "../split.ts";
import { mulberry32 } from "../../numeric/random.ts";
import type { FittedModel } from "../model.ts";

/** Three features over `n` rows and a noisy label of them. */
function data(n: number, seed: number) {
  const rand = mulberry32(seed);
  const x = Array.from(
    { length: 3 },
    () => Float64Array.from({ length: n }, () => rand() * 10),
  );
  const y = Float64Array.from(
    { length: n },
    (_, i) => Math.sin(x[0]![i]!) + 0.3 * x[1]![i]! + (rand() - 0.5),
  );
  return { x, y };
}

const sharedBy = (f: () => unknown) => {
  const before = svrKernelValuesShared();
  f();
  return svrKernelValuesShared() - before;
};

Deno.test("predictSvrModels: settings fitted on the same rows share kernel values, the same bits as alone", () => {
  const train = data(300, 1), test = data(120, 2);
  const models = [
    svrRegressor().fit(train.x, train.y),
    svrRegressor({ c: 10 }).fit(train.x, train.y),
    svrRegressor({ c: 10, epsilon: 0.05 }).fit(train.x, train.y),
  ];
  const alone = models.map((m) => m.predict(test.x));
  let together: Float64Array[] = [];
  const n = sharedBy(() => together = predictSvrModels(models, test.x));
  assertEquals(together, alone);
  // most of the later models' vectors are rows the first one has too
  const later = models[1]!.nSupport + models[2]!.nSupport;
  assert(
    n > 0.6 * later * 120 && n <= later * 120,
    `${n} of ${later * 120}`,
  );
});

Deno.test("predictSvrModels: another γ, another scaling or another kind predict alone", () => {
  const a = data(200, 3), b = data(200, 4), test = data(60, 5);
  const base = svrRegressor().fit(a.x, a.y);
  const cases: FittedModel[][] = [
    [base, svrRegressor({ gamma: 0.05 }).fit(a.x, a.y)],
    [base, svrRegressor().fit(b.x, b.y)],
    [base, makeTrainer("KNeighborsRegressorTrainer", {}).fit(a.x, a.y)],
    [base],
    [],
  ];
  for (const models of cases) {
    let got: Float64Array[] = [];
    assertEquals(sharedBy(() => got = predictSvrModels(models, test.x)), 0);
    assertEquals(got, models.map((m) => m.predict(test.x)));
  }
});

Deno.test("selectParams scores SVR's candidates as a fit and predict of each would", () => {
  const { x, y } = data(400, 6);
  const make = (p: Record<string, number | string | boolean>) =>
    makeTrainer("SVRRegressorTrainer", p);
  const candidates = [{}, { c: 10 }];
  let chosen: ReturnType<typeof selectParams> | undefined;
  assert(
    sharedBy(() => {
      chosen = selectParams(make, candidates, x, y, { seed: 42 });
    }) > 0,
  );
  const split = blockedFolds(y.length, 3)[2]!;
  const xTrain = x.map((c) => take(c, split.train));
  const xTest = x.map((c) => take(c, split.test));
  const scores = candidates.map((p) =>
    regressionMetrics(
      take(y, split.test),
      make(p).fit(xTrain, take(y, split.train), { seed: 42 }).predict(xTest),
    ).mae
  );
  assertEquals(chosen!.scores, scores);
});
