/**
 * EnsembleTrainer's figures for the accuracy bench: the ensemble against
 * the best single model of each group (its CV figure is nested, theirs is
 * the least of ten CV errors picked on the folds it reports), its interval
 * coverage, what it costs, and why its weights are inverse-MSE (against
 * NNLS stacking and against the best single model chosen the same nested
 * way, on the AbsPower groups trained in this process).
 *
 * @module
 */
import type { BenchFigure } from "./_types.ts";
import type { QueryData } from "../lib/extract/mod.ts";
import { extract } from "../lib/extract/mod.ts";
import { rankingError } from "../lib/pipeline/model_metadata.ts";
import {
  type EnsembleChoiceOptions,
  ensembleOf,
  type TrainedModel,
  trainModel,
  type TrainReport,
} from "../lib/train/mod.ts";
import {
  type EnergySource,
  type FeatureGroup,
  UPSTREAM_TRAINERS,
} from "../lib/types.ts";

type Model = TrainReport["models"][number];

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Each group's ensemble and best single model (by CV MAE). */
function pairs(report: TrainReport): { ens: Model; single: Model }[] {
  const groups = new Map<string, Model[]>();
  for (const m of report.models) {
    const k = `${m.source} ${m.outputType} ${m.featureGroup}`;
    groups.set(k, [...(groups.get(k) ?? []), m]);
  }
  return [...groups.values()].flatMap((ms) => {
    const ens = ms.find((m) => m.metadata.trainer === "EnsembleTrainer");
    const single = ms.filter((m) =>
      m.metadata.trainer !== "EnsembleTrainer" &&
      typeof m.metadata.cv_mae === "number"
    ).sort((a, b) =>
      rankingError(a.metadata, "mae") - rankingError(b.metadata, "mae")
    )[0];
    return ens && single ? [{ ens, single }] : [];
  });
}

/**
 * The ensemble against each group's best single model, from a pipeline
 * trained with EnsembleTrainer.
 *
 * @param report The training report.
 * @param sigma The simulator's noise, W.
 * @returns The figures.
 */
export function ensembleFigures(
  report: TrainReport,
  sigma: number,
): BenchFigure[] {
  const out: BenchFigure[] = [];
  const all = pairs(report);
  for (const { ens, single } of all) {
    if (
      ens.outputType !== "AbsPower" ||
      !["Basic", "CounterOnly"].includes(ens.featureGroup)
    ) continue;
    out.push({
      name:
        `${ens.source} AbsPower ${ens.featureGroup}: EnsembleTrainer nested blocked-CV MAE (${
          JSON.stringify(
            Object.keys(
              Object.values(
                ens.metadata.ensemble_members as Record<string, object>,
              )[0] ?? {},
            ).map((t) => t.replace(/Trainer$/, "")),
          )
        }); best single ${single.metadata.model_name}: ${
          (Number(single.metadata.cv_mae) / sigma).toFixed(2)
        } σ`,
      value: Number(ens.metadata.cv_mae) / sigma,
      unit: "σ",
    });
  }
  const ratio = (key: "cv_mae" | "mae") =>
    mean(
      all.map((p) =>
        Number(p.ens.metadata[key]) / Number(p.single.metadata[key])
      ),
    );
  const le =
    all.filter((p) =>
      Number(p.ens.metadata.cv_mae) <= Number(p.single.metadata.cv_mae)
    ).length;
  out.push(
    {
      name:
        `groups where the ensemble's nested CV MAE ≤ the best single model's CV MAE (the least of ten, chosen on the folds it reports), of ${all.length}`,
      value: le,
      unit: "groups",
    },
    {
      name: "mean over groups: ensemble CV MAE ÷ best single CV MAE",
      value: ratio("cv_mae"),
      unit: "×",
    },
    {
      name:
        "mean over groups: ensemble holdout MAE ÷ holdout MAE of the best single by CV",
      value: ratio("mae"),
      unit: "×",
    },
  );
  for (
    const [what, key] of [
      ["unseen folds", "interval_coverage_cv"],
      ["holdout", "interval_coverage_holdout"],
    ] as const
  ) {
    const v = 100 * mean(all.map((p) => Number(p.ens.metadata[key])));
    out.push({
      name:
        `EnsembleTrainer 90 % interval coverage, ${what} (mean over ${all.length} groups)`,
      value: v,
      unit: "%",
      goal: "87–93 %",
      ok: v >= 87 && v <= 93,
    });
  }
  return out;
}

/** Mean nested-CV and holdout MAE of ensembles over groups. */
interface Tally {
  cv: number[];
  holdout: number[];
}

const CHOICES: [string, EnsembleChoiceOptions][] = [
  ["best single model chosen on the other folds (size 1)", {
    size: 1,
    weighting: "inverse-mse",
  }],
  ["inverse-MSE weights, 5 members (the default)", {
    size: 5,
    weighting: "inverse-mse",
  }],
  ["inverse-MSE weights, 3 members", { size: 3, weighting: "inverse-mse" }],
  ["NNLS stacking, 5 members", { size: 5, weighting: "nnls" }],
  ["NNLS stacking, 3 members", { size: 3, weighting: "nnls" }],
];

/**
 * The weighting choice, in this process: the ten trainers on each AbsPower
 * group, then the ensemble built every way from the same members.
 *
 * @param data The demo's query.
 * @param sources The energy sources.
 * @param sigma The simulator's noise, W.
 * @returns The figures: mean nested CV MAE and holdout MAE per choice, and
 *   the time to build an ensemble against the time to train its members.
 */
export function weightingFigures(
  data: QueryData,
  sources: readonly EnergySource[],
  sigma: number,
): BenchFigure[] {
  const tally = CHOICES.map((): Tally => ({ cv: [], holdout: [] }));
  let trainMs = 0, buildMs = 0;
  const groups: FeatureGroup[] = [
    "Basic",
    "CounterOnly",
    "BPFOnly",
    "CounterIRQCombined",
  ];
  for (const source of sources) {
    for (const group of groups) {
      const frame = extract(data, group, { source });
      let t = performance.now();
      const members: TrainedModel[] = [];
      for (const name of UPSTREAM_TRAINERS) {
        try {
          members.push(
            trainModel(frame, name, {
              featureGroup: group,
              outputType: "AbsPower",
              seed: 1,
            }),
          );
        } catch { /* skipped, as the pipeline does */ }
      }
      trainMs += performance.now() - t;
      CHOICES.forEach(([, options], i) => {
        t = performance.now();
        const e = ensembleOf(members, options);
        if (i === 1) buildMs += performance.now() - t;
        tally[i]!.cv.push(Number(e.metadata.cv_mae));
        tally[i]!.holdout.push(e.metadata.mae);
      });
    }
  }
  const n = sources.length * groups.length;
  return [
    ...CHOICES.flatMap(([label], i) => [
      {
        name:
          `weighting: ${label}: nested CV MAE, mean of ${n} AbsPower groups`,
        value: mean(tally[i]!.cv) / sigma,
        unit: "σ",
      },
      {
        name: `weighting: ${label}: holdout MAE, mean of ${n} AbsPower groups`,
        value: mean(tally[i]!.holdout) / sigma,
        unit: "σ",
      },
    ]),
    {
      name:
        `build an ensemble from its members' predictions (choice, nested CV, interval) ÷ train the ten members (${n} groups)`,
      value: 100 * buildMs / trainMs,
      unit: "%",
      goal: "near 0",
      ok: buildMs / trainMs < 0.05,
    },
  ];
}
