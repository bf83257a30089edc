import {
  deepStrictEqual as assertEquals,
  ok as assert,
  throws as assertThrows,
} from "node:assert/strict";
import { testdata } from "../../test/testdata.ts";
import { parseFrameCsv } from "../extract/mod.ts";
import { formatCsv, parseCsv } from "../io/mod.ts";
import { modelMetadataTable } from "../pipeline/pipeline_metadata.ts";
import { SUMMARY_EXTRA_COLUMNS } from "../pipeline/summary.ts";
import type { ModelMetadata } from "../pipeline/model_metadata.ts";
import { trainModel } from "../train/train_model.ts";
import type { CrossValidation } from "../train/cross_validate.ts";
import type { TrainerName } from "../types.ts";
import { cvErrorFigure } from "./cv_error_figure.ts";
import type { Trace } from "./figure.ts";
import {
  modelSummaryFromCsv,
  modelSummaryFromMetadata,
  type ModelSummaryRow,
} from "./model_summary.ts";

const row = (
  trainer: string,
  feature_group: string,
  fields: Record<string, unknown>,
): ModelSummaryRow => ({
  model_name: `${trainer}_0`,
  trainer,
  feature_group,
  mae: 0,
  mape: -1,
  node_type: 0,
  interval_coverage: 0.9,
  ...fields,
});

/** Hand-made rows: one off the scale, one without CV, one whose CV failed. */
const ROWS: ModelSummaryRow[] = [
  row("SGDRegressorTrainer", "BPFOnly", {
    mae: 4,
    mape: 12,
    cv_folds: 3,
    cv_mae: 6,
    cv_mae_std: 2,
    cv_mape: 15,
    cv_mape_std: 3,
    interval_coverage_cv: 0.875,
    interval_coverage_holdout: 0.95,
  }),
  row("PolynomialRegressionTrainer", "BPFOnly", {
    mae: 5,
    mape: 20,
    cv_folds: 3,
    cv_mae: 6_281_782.25,
    cv_mae_std: 10_880_348.11,
    cv_mape: -1,
    cv_mape_std: -1,
    interval_coverage_cv: 0.704,
    interval_coverage_holdout: 1,
  }),
  row("LinearRegressionTrainer", "BPFOnly", { mae: 3, mape: 10 }),
  row("XgboostFitTrainer", "BPFOnly", {
    mae: 7,
    cv_folds: 3,
    cv_failed: "package: fold 2 predicts non-finite values",
  }),
  row("GradientBoostingRegressorTrainer", "CounterOnly", {
    mae: 2,
    cv_folds: 5,
    cv_mae: 2.5,
    cv_mae_std: 0.25,
    interval_coverage: 0.8,
    interval_coverage_cv: 0.81,
  }),
];

const trace = (fig: { data: Trace[] }, name: string, yaxis: string) => {
  const t = fig.data.find((t) => t.name.startsWith(name) && t.yaxis === yaxis);
  assert(t !== undefined, `no trace ${name} on ${yaxis}`);
  return t;
};
const errorBars = (t: Trace) => (t.error_y as { array: unknown[] }).array;

Deno.test("`cvErrorFigure()` draws holdout and CV errors with their spread, and coverage against nominal", () => {
  const fig = cvErrorFigure(ROWS);
  // feature groups in vocabulary order (CounterOnly before BPFOnly), each
  // an error cell then a coverage cell; trainers in vocabulary order
  const cv = trace(fig, "blocked-CV MAE", "y3");
  assertEquals(cv.x, ["Polynomial", "Linear", "XgboostFit", "SGD"]);
  assertEquals(trace(fig, "holdout MAE", "y3").y, [5, 3, 7, 4]);
  assertEquals(cv.y, [6_281_782.25, null, null, 6]);
  assertEquals(errorBars(cv), [10_880_348.11, null, null, 2]);
  assertEquals(trace(fig, "coverage on unseen folds", "y4").y, [
    70.4,
    null,
    null,
    87.5,
  ]);
  assertEquals(trace(fig, "coverage on the holdout", "y4").y, [
    100,
    null,
    null,
    95,
  ]);
  assertEquals(trace(fig, "nominal coverage", "y4").y, [90, 90, 90, 90]);
  // CounterOnly: a nominal 80 % interval, 5 folds
  assertEquals(trace(fig, "blocked-CV MAE", "y").y, [2.5]);
  assertEquals(errorBars(trace(fig, "blocked-CV MAE", "y")), [0.25]);
  assertEquals(trace(fig, "nominal coverage", "y2").y, [80]);
  // Off the scale: the axis ends 10 % above the highest other bar and
  // spread (SGD: 6 + 2), and the cut bar carries its value.
  const range = (k: string) => (fig.layout[k] as { range: number[] }).range;
  assertEquals(range("yaxis3"), [0, 8.8]);
  assertEquals(range("yaxis"), [0, 3.025]);
  const notes = (fig.layout.annotations as { text: string; xref?: string }[])
    .filter((a) => a.xref === "x3").map((a) => a.text);
  assertEquals(notes, ["6.3e6", "CV failed"]);
  const titles = (fig.layout.annotations as { text: string }[]).map((a) =>
    a.text
  );
  assert(
    titles.includes("CounterOnly MAE: holdout, 5-fold CV ± std"),
  );
  assert(
    titles.includes("BPFOnly MAE: holdout, 3-fold CV ± std"),
  );
  // one legend entry per kind
  assertEquals(fig.data.filter((t) => t.showlegend).map((t) => t.name), [
    "holdout MAE",
    "blocked-CV MAE (mean ± std over folds)",
    "coverage on unseen folds",
    "coverage on the holdout",
    "nominal coverage",
  ]);
});

Deno.test("`cvErrorFigure()` draws MAPE on request, an undefined MAPE (−1) as a gap", () => {
  const fig = cvErrorFigure(ROWS.filter((r) => r.feature_group === "BPFOnly"), {
    error: "mape",
  });
  const cv = trace(fig, "blocked-CV MAPE", "y");
  assertEquals(trace(fig, "holdout MAPE", "y").y, [20, 10, null, 12]);
  assertEquals(cv.y, [null, null, null, 15]);
  assertEquals(errorBars(cv), [null, null, null, 3]);
});

Deno.test("`cvErrorFigure()` says so when no model was cross-validated, and throws on no rows", () => {
  const fig = cvErrorFigure([
    row("LinearRegressionTrainer", "BPFOnly", { mae: 3 }),
  ]);
  const texts = (fig.layout.annotations as { text: string }[]).map((a) =>
    a.text
  );
  assert(texts.includes("no blocked CV (trained with --cv-folds 0)"));
  assert(texts.includes("no coverage measured on unseen rows"));
  assertThrows(() => cvErrorFigure([]), RangeError);
  assertThrows(() => cvErrorFigure(ROWS, { nodeType: 4 }), /node type 4/);
});

Deno.test("`cvErrorFigure()` reads the summary CSV the train stage writes: cv and coverage columns as numbers", () => {
  const metadata = (trainer: TrainerName, extra: Record<string, unknown>) => ({
    metadata: {
      model_name: `${trainer}_0`,
      trainer,
      model_class: "scikit",
      model_file: `${trainer}_0.json`,
      features: ["bpf_cpu_time_ms"],
      fe_files: [],
      output_type: "AbsPower",
      mae: 4,
      mape: 9,
      node_type: 0,
      package_mae: 4,
      package_mape: 9,
      ...extra,
    } as ModelMetadata,
    featureGroup: "BPFOnly" as const,
  });
  const table = modelMetadataTable([
    metadata("SGDRegressorTrainer", {
      interval_coverage: 0.9,
      cv_folds: 3,
      cv_mae: 5.5,
      cv_mae_std: 1.25,
      cv_mape: 11,
      cv_mape_std: 2,
      interval_calibration: "cv",
      interval_coverage_cv: 0.8912,
      interval_coverage_holdout: 0.9333,
    }),
  ], { components: ["package"], extraColumns: SUMMARY_EXTRA_COLUMNS });
  const rows = modelSummaryFromCsv(
    parseCsv(formatCsv(table.header, table.rows)),
  );
  assertEquals(
    [rows[0]!.interval_coverage_cv, rows[0]!.interval_coverage_holdout],
    [0.8912, 0.9333],
  );
  const fig = cvErrorFigure(rows);
  assertEquals(trace(fig, "blocked-CV MAE", "y").y, [5.5]);
  assertEquals(errorBars(trace(fig, "blocked-CV MAE", "y")), [1.25]);
  assertEquals(trace(fig, "coverage on unseen folds", "y2").y, [89.12]);
  assertEquals(trace(fig, "coverage on the holdout", "y2").y, [93.33]);
});

// ------------------------------------------------- against trained models

function mean(xs: readonly number[]): number {
  return xs.reduce((s, v) => s + v, 0) / xs.length;
}

/** Sample standard deviation (n − 1), as the spread over folds. */
function sampleStd(xs: readonly number[]): number {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((s, v) => s + (v - m) ** 2, 0) / (xs.length - 1));
}

/** Each fold's MAE of one component, from its out-of-fold predictions. */
function foldMaes(cv: CrossValidation): number[] {
  return Array.from({ length: cv.folds }, (_, f) => {
    const err: number[] = [];
    cv.fold.forEach((g, i) => {
      if (g === f) err.push(Math.abs(cv.y[i]! - cv.yHat[i]!));
    });
    return mean(err);
  });
}

/**
 * Coverage on unseen folds of one component: each fold's rows against the
 * split-conformal half-width of the other folds' residuals (the
 * ⌈(n + 1)·0.9⌉-th smallest).
 */
function foldCoverage(cv: CrossValidation): number {
  let inside = 0;
  for (let f = 0; f < cv.folds; f++) {
    const other: number[] = [];
    cv.fold.forEach((g, i) => {
      if (g !== f) other.push(Math.abs(cv.y[i]! - cv.yHat[i]!));
    });
    other.sort((a, b) => a - b);
    const q = other[Math.ceil((other.length + 1) * 0.9) - 1]!;
    cv.fold.forEach((g, i) => {
      if (g === f && Math.abs(cv.y[i]! - cv.yHat[i]!) <= q) inside++;
    });
  }
  return inside / cv.y.length;
}

Deno.test("`cvErrorFigure()` of trained models shows their fold errors and coverage (real rows)", () => {
  const path = testdata("derived/dbe1166-v0.6-BPFIRQ/rapl_BPFIRQ_abs_data.csv");
  const frame = parseFrameCsv(Deno.readTextFileSync(path), {
    source: "rapl-sysfs",
    origin: path,
  });
  const trainers: TrainerName[] = [
    "LinearRegressionTrainer",
    "KNeighborsRegressorTrainer",
  ];
  const trained = trainers.map((t) =>
    trainModel(frame, t, {
      featureGroup: "BPFIRQ",
      outputType: "AbsPower",
      cvFolds: 3,
    })
  );
  const fig = cvErrorFigure(
    modelSummaryFromMetadata(
      trained.map((t) => ({ metadata: t.metadata, featureGroup: "BPFIRQ" })),
    ),
  );
  const cvBars = trace(fig, "blocked-CV MAE", "y");
  const covered = trace(fig, "coverage on unseen folds", "y2");
  assertEquals(cvBars.x, ["KNeighbors", "Linear"]);
  for (
    const [i, name] of ["KNeighborsRegressorTrainer", "LinearRegressionTrainer"]
      .entries()
  ) {
    const t = trained.find((m) => m.trainer === name)!;
    const cvs = Object.values(t.components).map((c) => c.cv!);
    assertEquals(cvs.length, 4); // package, core, uncore, dram
    // per fold, the largest component MAE; then mean and spread over folds
    const perFold = Array.from(
      { length: 3 },
      (_, f) => Math.max(...cvs.map((cv) => foldMaes(cv)[f]!)),
    );
    const [shown, spread] = [
      cvBars.y[i] as number,
      errorBars(cvBars)[i] as number,
    ];
    assert(Math.abs(shown - mean(perFold)) <= 0.005 + 1e-9, `${name} ${shown}`);
    assert(
      Math.abs(spread - sampleStd(perFold)) <= 0.005 + 1e-9,
      `${name} ${spread}`,
    );
    assert(spread > 0, `${name}: folds differ`);
    const coverage = 100 * mean(cvs.map(foldCoverage));
    const y = covered.y[i] as number;
    assert(Math.abs(y - coverage) <= 0.005 + 1e-9, `${name} ${y} ${coverage}`);
  }
  assertEquals(trace(fig, "nominal coverage", "y2").y, [90, 90]);
});
