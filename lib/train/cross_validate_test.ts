import {
  deepStrictEqual as assertEquals,
  ok as assert,
  throws as assertThrows,
} from "node:assert/strict";
import {
  blockedFolds,
  crossValidate,
  cvCoverage,
  cvInterval,
} from "./cross_validate.ts";
import { cvMetadata } from "./cv_metadata.ts";
import { makeTrainer } from "./trainers.ts";
import { trainModel } from "./train_model.ts";
import { mulberry32, normal } from "../numeric/random.ts";
import { rankingError } from "../pipeline/model_metadata.ts";
import type { Frame } from "../extract/frame.ts";

/** Ordinary least squares of y on one x, by the textbook formulas. */
function ols(x: ArrayLike<number>, y: ArrayLike<number>): [number, number] {
  const n = x.length;
  let sx = 0, sy = 0;
  for (let i = 0; i < n; i++) (sx += x[i]!), (sy += y[i]!);
  const mx = sx / n, my = sy / n;
  let sxy = 0, sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i]! - mx) * (y[i]! - my);
    sxx += (x[i]! - mx) ** 2;
  }
  const slope = sxy / sxx;
  return [my - slope * mx, slope];
}

function noisyLine(n: number, seed: number, sigma: number) {
  const random = mulberry32(seed);
  const x = Float64Array.from({ length: n }, (_, i) => (i * 7919) % 997);
  const y = x.map((v) => 40 + 0.1 * v + sigma * normal(random));
  return { x, y };
}

Deno.test("`blockedFolds()` partitions the rows into contiguous test folds and keeps training a gap away", () => {
  for (const [n, k, gap] of [[100, 3, 5], [1000, 5, 20], [61, 2, 0]]) {
    const folds = blockedFolds(n!, k!, { gap: gap!, minTestRows: 1 });
    assertEquals(folds.length, k);
    const tests = folds.flatMap((f) => [...f.test]);
    assertEquals(tests, Array.from({ length: n! }, (_, i) => i));
    for (const f of folds) {
      const lo = f.test[0]!, hi = f.test[f.test.length - 1]!;
      assertEquals(hi - lo + 1, f.test.length, "contiguous");
      for (const r of f.train) {
        assert(
          r < lo - gap! || r > hi + gap!,
          `row ${r} within ${gap} of [${lo}, ${hi}]`,
        );
      }
      // every row outside the gap trains
      assertEquals(
        f.train.length,
        [...Array(n!).keys()].filter((r) => r < lo - gap! || r > hi + gap!)
          .length,
      );
    }
  }
  assertThrows(() => blockedFolds(100, 1), RangeError);
  assertThrows(() => blockedFolds(25, 3), /fold 1 would have 8 test rows/);
  assertThrows(
    () => blockedFolds(30, 2, { gap: 20, minTestRows: 1 }),
    RangeError,
  );
});

Deno.test("`crossValidate()` gives each fold the error of a least-squares line fitted on the other folds", () => {
  const { x, y } = noisyLine(600, 7, 2);
  const folds = blockedFolds(600, 3);
  const cv = crossValidate(
    makeTrainer("LinearRegressionTrainer"),
    [x],
    y,
    folds,
    {
      seed: 42,
      mainFeature: 0,
    },
  );
  folds.forEach((f, i) => {
    const [a, b] = ols(
      [...f.train].map((r) => x[r]!),
      [...f.train].map((r) => y[r]!),
    );
    const mae = [...f.test].reduce((s, r) =>
      s + Math.abs(y[r]! - (a + b * x[r]!)), 0) /
      f.test.length;
    assert(
      Math.abs(cv.metrics[i]!.mae - mae) < 1e-9,
      `fold ${i}: ${cv.metrics[i]!.mae} vs ${mae}`,
    );
  });
  assertEquals(cv.y.length, 600);
  assertEquals([...cv.fold.slice(0, 1)], [0]);
  assertEquals([...cv.fold.slice(-1)], [2]);
});

Deno.test("out-of-fold intervals cover about their nominal share of unseen rows", () => {
  // Independent noise around a line the model can learn: the residuals are
  // exchangeable, so a 90 % interval covers close to 90 % of unseen rows.
  const { x, y } = noisyLine(3000, 11, 2);
  const cv = crossValidate(
    makeTrainer("LinearRegressionTrainer"),
    [x],
    y,
    blockedFolds(3000, 5),
    {
      seed: 42,
      mainFeature: 0,
    },
  );
  const coverage = cvCoverage(cv, 0.9)!;
  assert(coverage > 0.87 && coverage < 0.93, `coverage ${coverage}`);
  // the half-width is the 90 % quantile of |N(0, 2)|: 1.645 · 2
  const hw = cvInterval(cv, 0.9)!.halfWidth;
  assert(Math.abs(hw - 1.645 * 2) < 0.2, `half-width ${hw}`);
  // fresh rows from the same process: covered about 90 % too
  const fresh = noisyLine(3000, 12, 2);
  const [a, b] = ols(x, y);
  const inside =
    fresh.x.filter((v, i) => Math.abs(fresh.y[i]! - (a + b * v)) <= hw).length;
  assert(
    Math.abs(inside / 3000 - 0.9) < 0.03,
    `fresh coverage ${inside / 3000}`,
  );
});

Deno.test("`trainModel()` records the blocked-CV mean and spread, calibrates on out-of-fold rows, and ranks by CV", () => {
  const n = 900;
  const { x, y } = noisyLine(n, 3, 1);
  const frame: Frame = {
    level: "node",
    source: "acpi",
    length: n,
    timestamp: Float64Array.from({ length: n }, (_, i) => 3 * i),
    instances: ["node-1"],
    instance: new Uint32Array(n),
    containers: [],
    featureNames: ["bpf_cpu_time_ms"],
    features: { bpf_cpu_time_ms: x },
    components: ["platform"],
    power: { platform: y },
    nodeType: new Int32Array(n),
  };
  const trained = trainModel(frame, "LinearRegressionTrainer", {
    featureGroup: "BPFOnly",
    outputType: "AbsPower",
    cvFolds: 3,
  });
  const md = trained.metadata;
  assertEquals(md.cv_folds, 3);
  assertEquals(md.interval_calibration, "cv");
  // the folds are over the training rows: recompute them independently
  const trainRows = trained.components.platform!.cv!;
  assertEquals(trainRows.y.length, md.train_rows);
  const maes = trainRows.metrics.map((m) => m.mae);
  const mean = maes.reduce((s, v) => s + v, 0) / 3;
  const std = Math.sqrt(maes.reduce((s, v) => s + (v - mean) ** 2, 0) / 2);
  assertEquals(md.cv_mae, Math.round(mean * 100) / 100);
  assertEquals(md.cv_mae_std, Math.round(std * 100) / 100);
  assertEquals(md.platform_cv_mae, md.cv_mae);
  // |N(0, 1)|'s mean is 0.80: the CV error of the right model is the noise
  assert(Math.abs(Number(md.cv_mae) - 0.8) < 0.1, `cv_mae ${md.cv_mae}`);
  const hw = Number(md.platform_interval_halfwidth);
  assert(Math.abs(hw - 1.645) < 0.2, `half-width ${hw}`);
  const holdout = Number(md.interval_coverage_holdout);
  assert(holdout > 0.8 && holdout <= 1, `holdout coverage ${holdout}`);
  assertEquals(rankingError(md, "mae"), md.cv_mae);

  const off = trainModel(frame, "LinearRegressionTrainer", {
    featureGroup: "BPFOnly",
    outputType: "AbsPower",
    cvFolds: 0,
  });
  assertEquals(off.metadata.cv_folds, undefined);
  assertEquals(off.metadata.interval_calibration, "holdout");
  assertEquals(rankingError(off.metadata, "mae"), off.metadata.mae);
  // the fitted model and its holdout figures do not depend on CV
  assertEquals(off.metadata.mae, md.mae);
  assertEquals(off.metadata.platform_mse, md.platform_mse);
});

Deno.test("a model whose cross-validation fails is kept, says why, and ranks last", () => {
  const m = { mae: 1, mape: 2, mse: 1, r2: 1 };
  const fields = cvMetadata(["package", "dram"], {
    package: {
      model: {} as never,
      metrics: m,
      cvFailure: "package: fold 3 predicts non-finite values",
    },
    dram: { model: {} as never, metrics: m },
  }, 3);
  assertEquals(fields, {
    cv_folds: 3,
    cv_failed: "package: fold 3 predicts non-finite values",
    interval_calibration: "holdout",
  });
  assertEquals(rankingError({ mae: 0.1, ...fields }, "mae"), Infinity);
});
