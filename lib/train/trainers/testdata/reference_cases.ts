// The fits whose outputs reference_fits.json records (read by
// ../reference_fits_test.ts and written by make_reference_fits.ts): the two
// boosting trainers and SVR on seeded, power-like data, with the settings
// `--tune` tries and the shapes a pipeline sees (a few to ten features, a
// counter with few distinct values, a constant column, 25 to 1,500 rows).
import type { Columns, FittedModel } from "../../model.ts";
import { mulberry32, normal } from "../../../numeric/random.ts";
import { xgboostFit } from "../xgboost_fit.ts";
import { gradientBoostingRegressor } from "../gradient_boosting.ts";
import { svrRegressor } from "../svr_regressor.ts";

/** Training and test rows of one data set. */
export interface Data {
  x: Float64Array[];
  y: Float64Array;
  xTest: Float64Array[];
}

/** `n` training and 100 test rows of `p` features (p ≥ 1), from a seed. */
export function powerData(n: number, p: number, seed: number): Data {
  const r = mulberry32(seed);
  const make = (m: number) => {
    const x = Array.from({ length: p }, () => new Float64Array(m));
    const y = new Float64Array(m);
    for (let i = 0; i < m; i++) {
      const load = r();
      x[0]![i] = Math.round(load * 4000 * (0.9 + 0.2 * r())); // cpu time, ms
      if (p > 1) x[1]![i] = Math.floor(load * 12 + 3 * r()); // irq count
      if (p > 2) x[2]![i] = 7; // a constant column
      for (let j = 3; j < p; j++) x[j]![i] = load * (j + 1) * 1e6 + 1e5 * r();
      y[i] = 20 + 60 * load + 8 * Math.sin(9 * load) + normal(r);
    }
    return { x, y };
  };
  const train = make(n);
  return { x: train.x, y: train.y, xTest: make(100).x };
}

/** One reference fit: a name, and the model it fits. */
export interface Case {
  name: string;
  fit(): { model: FittedModel; xTest: Columns };
}

const DATA = {
  d600x5: () => powerData(600, 5, 1),
  d200x3: () => powerData(200, 3, 2),
  d1500x10: () => powerData(1500, 10, 3),
  d25x2: () => powerData(25, 2, 4),
  d300x1: () => powerData(300, 1, 5),
};

function fitCase(
  name: string,
  data: keyof typeof DATA,
  trainer: { fit(x: Columns, y: Float64Array, o?: object): FittedModel },
  options: object = {},
): Case {
  return {
    name: `${name} on ${data}`,
    fit() {
      const d = DATA[data]();
      return { model: trainer.fit(d.x, d.y, options), xTest: d.xTest };
    },
  };
}

/** The boosting cases (XgboostFit and GradientBoosting). */
export function boostCases(): Case[] {
  const cases: Case[] = [];
  const xgb = [
    {},
    { maxDepth: 3, minChildWeight: 20 },
    { nEstimators: 200, learningRate: 0.05, maxDepth: 4 },
    { maxDepth: 2, lambda: 10 },
    { maxDepth: 8, minChildWeight: 5 },
    { subsample: 0.7 },
    { maxBins: 16, gamma: 0.5 },
  ];
  const gbr = [
    {},
    { maxDepth: 2, minSamplesLeaf: 20 },
    { nEstimators: 200, learningRate: 0.05, minSamplesLeaf: 10 },
    { maxDepth: 4, minSamplesLeaf: 5 },
    { nEstimators: 50, learningRate: 0.2, maxDepth: 2 },
    { subsample: 0.8 },
  ];
  for (const data of Object.keys(DATA) as (keyof typeof DATA)[]) {
    for (const p of xgb) {
      cases.push(
        fitCase(`xgboost ${JSON.stringify(p)}`, data, xgboostFit(p), {
          seed: 7,
        }),
      );
    }
    for (const p of gbr) {
      cases.push(
        fitCase(
          `gbdt ${JSON.stringify(p)}`,
          data,
          gradientBoostingRegressor(p),
          {
            seed: 7,
          },
        ),
      );
    }
  }
  cases.push({
    name: "xgboost continued from a model (init) on d600x5",
    fit() {
      const d = DATA.d600x5();
      const t = xgboostFit({ nEstimators: 30 });
      const first = t.fit(
        d.x.map((c) => c.subarray(0, 300)),
        d.y.subarray(0, 300),
      );
      return { model: t.fit(d.x, d.y, { init: first }), xTest: d.xTest };
    },
  });
  return cases;
}

/** The SVR cases. */
export function svrCases(): Case[] {
  const cases: Case[] = [];
  const grid = [
    {},
    { c: 10 },
    { c: 10, epsilon: 0.05 },
    { c: 100, gamma: 0.1 },
    {
      c: 0.1,
    },
  ];
  for (const data of ["d600x5", "d200x3", "d1500x10", "d25x2"] as const) {
    for (const p of grid) {
      cases.push(fitCase(`svr ${JSON.stringify(p)}`, data, svrRegressor(p)));
    }
  }
  cases.push(
    fitCase(
      "svr {maxSamples: 500}",
      "d1500x10",
      svrRegressor({ maxSamples: 500 }),
      {
        seed: 3,
      },
    ),
  );
  return cases;
}
