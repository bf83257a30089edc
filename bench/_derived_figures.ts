/**
 * Derived features' figures for the accuracy bench (issue 18 item 4): the
 * same training with `derivedFeatures: "auto"` against without, per source
 * and output type on the feature groups that have cycles and CPU time
 * (Basic, WorkloadOnly, Full): the best blocked-CV error with and without,
 * how many models kept the derived features, and what it costs.
 *
 * @module
 */
import type { BenchFigure } from "./_types.ts";
import { rankingError } from "../lib/pipeline/model_metadata.ts";
import type { TrainReport } from "../lib/train/mod.ts";

type Model = TrainReport["models"][number];

/** The groups where derived features apply. */
const GROUPS = ["Basic", "WorkloadOnly", "Full"];

function best(models: Model[]): Model | undefined {
  return [...models].sort((a, b) =>
    rankingError(a.metadata, "mae") - rankingError(b.metadata, "mae")
  )[0];
}

/**
 * Figures of a training with derived features (`auto`) against the same
 * training without (`none`).
 *
 * @param none The report without derived features.
 * @param auto The report with `derivedFeatures: "auto"`.
 * @param sigma The simulator's noise σ in W.
 * @param seconds Wall seconds of each training.
 * @returns One figure per source, output type and group, the share of
 *   models that kept derived features, and the cost.
 */
export function derivedFigures(
  none: TrainReport,
  auto: TrainReport,
  sigma: number,
  seconds: { none: number; auto: number },
): BenchFigure[] {
  const out: BenchFigure[] = [];
  const keys = new Set(
    auto.models.filter((m) => GROUPS.includes(m.featureGroup)).map((m) =>
      `${m.source} ${m.outputType} ${m.featureGroup}`
    ),
  );
  const of = (r: TrainReport, key: string) =>
    r.models.filter((m) =>
      `${m.source} ${m.outputType} ${m.featureGroup}` === key
    );
  for (const key of [...keys].sort()) {
    const a = best(of(none, key));
    const b = best(of(auto, key));
    if (a === undefined || b === undefined) continue;
    const derived = (b.metadata.derived_features as string[] | undefined) ??
      [];
    out.push({
      name:
        `${key}: best blocked-CV MAE, --derived-features none ${a.metadata.model_name} ${
          (Number(a.metadata.cv_mae) / sigma).toFixed(2)
        } σ → auto (${b.metadata.model_name}${
          derived.length > 0 ? ` with ${derived.join(", ")}` : ", raw features"
        })`,
      value: Number(b.metadata.cv_mae) / sigma,
      unit: "σ",
    });
  }
  const tried = auto.models.filter((m) =>
    Array.isArray(m.metadata.derived_features_tried)
  );
  const kept = tried.filter((m) =>
    (m.metadata.derived_features as string[]).length > 0
  );
  out.push({
    name:
      `models that kept derived features (blocked-CV MAE ≥ 1 % lower), of ${tried.length} that tried them: ${
        kept.map((m) =>
          `${m.source} ${m.outputType} ${m.featureGroup} ${m.metadata.model_name}`
        ).join("; ") || "none"
      }`,
    value: kept.length,
    unit: "models",
  });
  out.push({
    name:
      "train (demo data, --tune 8) with --derived-features auto ÷ none (wall time on a shared 2-core machine)",
    value: seconds.auto / seconds.none,
    unit: "×",
  });
  return out;
}
