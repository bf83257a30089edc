/**
 * EnsembleTrainer against oracles written here from the definitions (top
 * 5 by CV MAE, weights ∝ 1/CV MSE, predictions clipped to the training
 * labels' range widened by half of it, each fold scored with a choice made
 * on the other folds), on the simulator's data; round trips through
 * loadModel and the model files.
 */
import {
  deepStrictEqual as assertEquals,
  ok as assert,
  throws as assertThrows,
} from "node:assert/strict";
import { join } from "node:path";
import { extract, queryDataFrom } from "../extract/mod.ts";
import type { Frame } from "../extract/frame.ts";
import { queryResult, simulate } from "../simulate/mod.ts";
import { mainFeature, UPSTREAM_TRAINERS } from "../types.ts";
import { writeModel } from "../pipeline/model_files.ts";
import { ensembleOf } from "./ensemble.ts";
import type { IntervalModel } from "./interval.ts";
import { loadModel } from "./load_model.ts";
import { readModelDir } from "./loaded_model.ts";
import { blockedHoldout, take } from "./split.ts";
import { type TrainedModel, trainModel } from "./train_model.ts";
import { makeTrainer } from "./trainers.ts";
import type { EnsembleModel } from "./trainers/ensemble.ts";
import { FitError } from "./model.ts";

const GROUP = "Basic" as const;
const OPTIONS = { featureGroup: GROUP, outputType: "AbsPower" } as const;

// 30 min of 10 containers, acpi: one component (platform), 599 rows.
const sim = simulate({
  start: 1_700_000_001,
  duration: 1800,
  containers: 10,
  seed: 4,
  sources: ["acpi"],
});
const frame: Frame = extract(queryDataFrom(queryResult(sim)), GROUP, {
  source: "acpi",
});
const members: TrainedModel[] = UPSTREAM_TRAINERS.flatMap((t) => {
  try {
    return [trainModel(frame, t, OPTIONS)];
  } catch {
    return []; // skipped, as the pipeline does
  }
});
const ensemble = ensembleOf(members);
const y = frame.power.platform!;
const split = blockedHoldout(frame.length);

// ------------------------------------------------------------- oracles

const mean = (xs: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  return s / xs.length;
};

/** The training labels' range widened by half of it. */
function boundsOf(labels: ArrayLike<number>): [number, number] {
  const lo = Math.min(...Array.from(labels)),
    hi = Math.max(...Array.from(labels));
  return [lo - (hi - lo) / 2, hi + (hi - lo) / 2];
}

/** Members (indices) and weights chosen on `rows` of the OOF predictions. */
function oracleChoice(
  oof: Float64Array[],
  labels: Float64Array,
  rows: number[],
): { members: number[]; weights: number[]; bounds: [number, number] } {
  const bounds = boundsOf(rows.map((i) => labels[i]!));
  const clip = (v: number) => Math.min(bounds[1], Math.max(bounds[0], v));
  const err = oof.map((p) => ({
    mae: mean(rows.map((i) => Math.abs(labels[i]! - clip(p[i]!)))),
    mse: mean(rows.map((i) => (labels[i]! - clip(p[i]!)) ** 2)),
  }));
  const top = err.map((_, i) => i).sort((a, b) =>
    err[a]!.mae - err[b]!.mae || a - b
  ).slice(0, 5);
  const inv = top.map((i) => 1 / err[i]!.mse);
  const sum = inv.reduce((a, b) => a + b, 0);
  return { members: top, weights: inv.map((v) => v / sum), bounds };
}

const cvOf = (m: TrainedModel) => m.components.platform!.cv!;
const joined = members.filter((m) =>
  m.components.platform?.cv && !m.components.platform.cvFailure
);
const oofs = joined.map((m) => cvOf(m).yHat);
const labels = cvOf(joined[0]!).y;
const foldOf = cvOf(joined[0]!).fold;

// --------------------------------------------------------------- tests

Deno.test("`ensembleOf()` predicts the weighted sum of its members' clipped predictions, weights ∝ 1/CV MSE of the 5 best by CV MAE", () => {
  assert(joined.length >= 5, `${joined.length} members cross-validated`);
  const all = Array.from({ length: labels.length }, (_, i) => i);
  const want = oracleChoice(oofs, labels, all);
  // the bounds come from the training rows' labels (every OOF row is one)
  assertEquals(
    want.bounds,
    boundsOf(take(y, Uint32Array.from(split.train, (i) => i))),
  );
  const model = ensemble.components.platform!.model as IntervalModel;
  const inner = model.model as EnsembleModel;
  assertEquals(
    inner.members.map((m) => m.trainer),
    want.members.map((i) => joined[i]!.trainer),
  );
  assertEquals(inner.bounds, want.bounds);
  // held-out rows, predicted by each member's own model
  const x = frame.featureNames.map((f) => take(frame.features[f]!, split.test));
  const got = model.predict(x);
  const sum = new Float64Array(x[0]!.length);
  want.members.forEach((m, j) => {
    const p = joined[m]!.components.platform!.model.predict(x);
    p.forEach((v, i) => {
      const c = Math.min(want.bounds[1], Math.max(want.bounds[0], v));
      sum[i] = sum[i]! + want.weights[j]! * c;
    });
  });
  got.forEach((v, i) =>
    assert(Math.abs(v - sum[i]!) <= 1e-9 * Math.abs(sum[i]!), `row ${i}`)
  );
  assertEquals(ensemble.weights, undefined); // no Kepler weight file
  assertEquals(ensemble.metadata.trainer, "EnsembleTrainer");
  assertEquals(ensemble.metadata.model_class, "ensemble");
});

Deno.test("`ensembleOf()` scores each fold with members and weights chosen on the other folds only", () => {
  const folds = cvOf(joined[0]!).folds;
  const nested = new Float64Array(labels.length);
  for (let f = 0; f < folds; f++) {
    const other: number[] = [], mine: number[] = [];
    foldOf.forEach((g, i) => (g === f ? mine : other).push(i));
    const c = oracleChoice(oofs, labels, other);
    for (const i of mine) {
      nested[i] = c.members.reduce(
        (s, m, j) =>
          s +
          c.weights[j]! *
            Math.min(c.bounds[1], Math.max(c.bounds[0], oofs[m]![i]!)),
        0,
      );
    }
  }
  const cv = ensemble.components.platform!.cv!;
  cv.yHat.forEach((v, i) => assert(Math.abs(v - nested[i]!) < 1e-9, `${i}`));
  for (let f = 0; f < folds; f++) {
    const rows = Array.from(foldOf.keys()).filter((i) => foldOf[i] === f);
    const mae = mean(rows.map((i) => Math.abs(labels[i]! - nested[i]!)));
    assert(Math.abs(cv.metrics[f]!.mae - mae) < 1e-9, `fold ${f}`);
  }
  // the tuned figure (weights chosen on every fold) is not what is reported
  const all = Array.from({ length: labels.length }, (_, i) => i);
  const t = oracleChoice(oofs, labels, all);
  const tuned = mean(all.map((i) =>
    Math.abs(
      labels[i]! -
        t.members.reduce(
          (s, m, j) =>
            s + t.weights[j]! *
              Math.min(t.bounds[1], Math.max(t.bounds[0], oofs[m]![i]!)),
          0,
        ),
    )
  ));
  const reported = mean(all.map((i) => Math.abs(labels[i]! - nested[i]!)));
  assert(Math.abs(tuned - reported) > 1e-6, `${tuned} vs ${reported}`);
});

Deno.test("EnsembleTrainer's CV MAE on simulated data: below the best single model chosen the same nested way, and here below the best member's", () => {
  // The honest comparison: a single model picked on the other folds and
  // scored on the held-back one (what "use the model with the best CV
  // error" achieves on unseen blocks).
  let singleAbs = 0;
  const folds = cvOf(joined[0]!).folds;
  const perFold: number[] = [];
  for (let f = 0; f < folds; f++) {
    const other: number[] = [], mine: number[] = [];
    foldOf.forEach((g, i) => (g === f ? mine : other).push(i));
    const errOn = (p: Float64Array, rows: number[]) =>
      mean(rows.map((i) => Math.abs(labels[i]! - p[i]!)));
    const best = oofs.reduce(
      (b, p, i) => errOn(p, other) < errOn(oofs[b]!, other) ? i : b,
      0,
    );
    perFold.push(errOn(oofs[best]!, mine));
    singleAbs += perFold.at(-1)!;
  }
  const nestedSingle = singleAbs / folds;
  const ens = ensemble.metadata.cv_mae as number;
  assert(
    ens <= nestedSingle,
    `ensemble ${ens} W, nested single ${nestedSingle}`,
  );
  // The best member's CV MAE is the least of ten CV errors, picked on the
  // very folds it reports (so optimistic): the nested ensemble need not
  // beat it, and does not on some of the simulator's seeds (e.g. 5 and 6,
  // rapl-sysfs Basic); on this one it does.
  const best = Math.min(...joined.map((m) => m.metadata.cv_mae as number));
  assert(ens <= best, `ensemble ${ens} W, best member ${best} W`);
});

Deno.test('`makeTrainer("EnsembleTrainer").fit()` on the training rows makes the model `ensembleOf()` builds from the trained members', () => {
  const names = [
    "LinearRegressionTrainer",
    "PolynomialRegressionTrainer",
    "KNeighborsRegressorTrainer",
    "LogarithmicRegressionTrainer",
    "GradientBoostingRegressorTrainer",
  ] as const;
  const some = members.filter((m) =>
    (names as readonly string[]).includes(m.trainer)
  );
  const built = ensembleOf(some, { size: 3 }).components.platform!.model;
  const xTrain = frame.featureNames.map((f) =>
    take(frame.features[f]!, split.train)
  );
  const main = frame.featureNames.indexOf(
    mainFeature(GROUP, "platform", { columns: frame.featureNames }),
  );
  const fitted = makeTrainer("EnsembleTrainer", { members: names, size: 3 })
    .fit(xTrain, take(y, split.train), { seed: 42, mainFeature: main });
  const x = frame.featureNames.map((f) => take(frame.features[f]!, split.test));
  assertEquals(fitted.predict(x), built.predict(x));
  assertEquals(
    JSON.stringify(fitted),
    JSON.stringify((built as IntervalModel).model),
  );
});

Deno.test("an ensemble round-trips through loadModel and its model folder (no weight.json, no checkpoint), interval included", async () => {
  const c = ensemble.components.platform!.model as IntervalModel;
  const back = loadModel(JSON.parse(JSON.stringify(c))) as IntervalModel;
  const x = frame.featureNames.map((f) => take(frame.features[f]!, split.test));
  const p = c.predict(x), q = back.predict(x);
  assert(p.every((v, i) => Object.is(v, q[i])));
  assertEquals(back.interval, c.interval);
  assertEquals(back.kind, "ensemble");
  const dir = await Deno.makeTempDir();
  try {
    const folder = await writeModel(dir, ensemble);
    const names: string[] = [];
    for await (const e of Deno.readDir(folder)) names.push(e.name);
    assertEquals(names.sort(), [
      "EnsembleTrainer_0.json",
      "metadata.json",
      "platform.json",
    ]);
    assertEquals(
      await Deno.stat(join(dir, "checkpoint")).catch(() => undefined),
      undefined,
    );
    const loaded = await readModelDir(folder);
    const r = loaded.components.platform!.predict(x);
    assert(p.every((v, i) => Object.is(v, r[i])));
    assertEquals(loaded.weights, undefined);
    assertEquals(loaded.metadata.ensemble_members, {
      platform: ensemble.metadata.ensemble_members &&
        (ensemble.metadata.ensemble_members as Record<string, unknown>)
          .platform,
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an ensemble's holdout coverage in its metadata is that of its interval on the held-out rows", () => {
  const model = ensemble.components.platform!.model as IntervalModel;
  const x = frame.featureNames.map((f) => take(frame.features[f]!, split.test));
  const yTest = take(y, split.test);
  const r = model.predictInterval(x);
  let inside = 0;
  yTest.forEach((v, i) => {
    if (v >= r.lo[i]! && v <= r.hi[i]!) inside++;
  });
  const coverage = inside / yTest.length;
  assertEquals(
    ensemble.metadata.interval_coverage_holdout,
    Math.round(coverage * 1e4) / 1e4,
  );
  assertEquals(ensemble.metadata.interval_calibration, "cv");
  // calibrated on the nested out-of-fold residuals: ⌈(n+1)·0.9⌉-th smallest
  const cv = ensemble.components.platform!.cv!;
  const res = Array.from(cv.y, (v, i) => Math.abs(v - cv.yHat[i]!)).sort((
    a,
    b,
  ) => a - b);
  assertEquals(
    model.interval.halfWidth,
    res[Math.ceil((res.length + 1) * 0.9) - 1],
  );
});

Deno.test("EnsembleTrainer needs two members that cross-validated: a clear RangeError otherwise", () => {
  const noCv =
    (["LinearRegressionTrainer", "KNeighborsRegressorTrainer"] as const)
      .map((t) => trainModel(frame, t, { ...OPTIONS, cvFolds: 0 }));
  assertThrows(
    () => ensembleOf(noCv),
    /Cannot build EnsembleTrainer on platform: 0 member model\(s\) cross-validated, at least 2 needed/,
  );
  assertThrows(() => ensembleOf([]), /no member model was trained/);
  assertThrows(
    () =>
      trainModel(frame, "EnsembleTrainer", {
        ...OPTIONS,
        ensemble: { members: ["LinearRegressionTrainer"] },
      }),
    RangeError,
  );
  assertThrows(
    () =>
      makeTrainer("EnsembleTrainer", { members: ["LinearRegressionTrainer"] })
        .fit(
          [Float64Array.from({ length: 200 }, (_, i) => i)],
          new Float64Array(200),
        ),
    FitError,
  );
});

Deno.test("`loadModel()` refuses an ensemble of ensembles, unknown members and bad weights", () => {
  const member = {
    kind: "linear",
    version: 1,
    trainer: "SGDRegressorTrainer",
    scale: [1],
    coef: [1],
    intercept: 0,
  };
  const ok = {
    kind: "ensemble",
    version: 1,
    members: [{ trainer: "SGDRegressorTrainer", weight: 1, model: member }],
  };
  assertEquals(loadModel(ok).predict([Float64Array.of(3)]), Float64Array.of(3));
  assertThrows(
    () =>
      loadModel({
        ...ok,
        members: [{ trainer: "SGDRegressorTrainer", weight: 1, model: ok }],
      }),
    /is itself an ensemble/,
  );
  assertThrows(
    () =>
      loadModel({
        ...ok,
        members: [{ trainer: "EnsembleTrainer", weight: 1, model: member }],
      }),
    RangeError,
  );
  assertThrows(
    () =>
      loadModel({
        ...ok,
        members: [{ trainer: "SGDRegressorTrainer", weight: 0, model: member }],
      }),
    RangeError,
  );
  assertThrows(() => loadModel({ ...ok, members: [] }), TypeError);
  assertThrows(() => loadModel({ ...ok, bounds: [1] }), TypeError);
  assertThrows(() => loadModel({ ...ok, bounds: [2, 1] }), RangeError);
});
