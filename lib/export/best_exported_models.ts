/**
 * The models an export publishes, and the best of them per node type,
 * energy source, output type and feature group (upstream's
 * `BestModelCollection`): the lowest error (`ERROR_KEY`, default `mae`)
 * among all exported models, for the sidecar estimator (zip), and among
 * the models with a linear Kepler weight file, for the local estimator
 * (json; upstream also recommended curve fits, which Kepler evaluates on an
 * arbitrary counter).
 * On a tie the earlier model stays. Ranked by a MAPE, an undefined MAPE
 * (−1) counts as the worst, not the best (upstream's ranking took −1 as
 * the best).
 *
 * @module
 */
import {
  CURVE_FIT_TRAINERS,
  type EnergySource,
  type ErrorKey,
  type FeatureGroup,
  type OutputType,
} from "../types.ts";

/** A model that passed the export thresholds. */
export interface ExportedModel {
  /** Pipeline name. */
  pipeline: string;
  /** Energy source. */
  source: EnergySource;
  /** Output type. */
  outputType: OutputType;
  /** Feature group. */
  featureGroup: FeatureGroup;
  /** `<Trainer>_<node type>`. */
  modelName: string;
  /** Trainer name. */
  trainer: string;
  /** Node type. */
  nodeType: number;
  /** Max-over-components MAE, W. */
  mae: number;
  /** Max defined MAPE, %, or −1. */
  mape: number;
  /** Every numeric column of its summary row (for the error key). */
  errors: Readonly<Record<string, number>>;
  /** Whether a Kepler weight file (`<model>.json`) is exported with it. */
  hasWeight: boolean;
  /**
   * The error it is ranked by: its blocked cross-validation figure when it
   * was cross-validated (`rankingError` of lib/pipeline).
   *
   * @default {undefined} `errors[errorKey]`
   */
  rank?: number;
  /**
   * Its error per power component, MAE (W) and MAPE (%), e.g. on the rows
   * calibrate's onboarding held out; when a row of a report table has
   * them, a per-component table follows that table.
   *
   * @default {undefined} none (upstream's report)
   */
  components?: Readonly<Record<string, ComponentError>>;
}

/** A model's error on one power component. */
export interface ComponentError {
  /** Mean absolute error, W. */
  mae: number;
  /** Mean absolute percentage error, %, or −1 when undefined. */
  mape: number;
}

/** The best models of one (source, output type, feature group). */
export interface BestOfGroup {
  /** Lowest error among all models (sidecar estimator, zip). */
  sidecar: ExportedModel;
  /**
   * Lowest error among models with a linear weight file (Kepler's local
   * estimator). Curve-fit weight files are exported but not recommended:
   * Kepler v0.7 evaluates them on its first eBPF counter in Go map order,
   * an arbitrary one (lib/pipeline/kepler_weight_file.ts).
   */
  local?: ExportedModel;
}

/**
 * The key of a (source, output type, feature group) in {@linkcode bestExportedModels}.
 *
 * @example
 * ```ts
 * import { exportGroupKey } from "./best_exported_models.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(exportGroupKey("acpi", "AbsPower", "BPFOnly"), "acpi/AbsPower/BPFOnly");
 * ```
 */
export function exportGroupKey(
  source: EnergySource,
  outputType: OutputType,
  featureGroup: FeatureGroup,
): string {
  return `${source}/${outputType}/${featureGroup}`;
}

/**
 * The best models per node type, then per {@linkcode exportGroupKey}. `errorKey`
 * must be a number in every model's `errors` (a `RangeError` names the
 * model otherwise).
 *
 * @example
 * ```ts
 * import { bestExportedModels, type ExportedModel } from "./best_exported_models.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const m = (modelName: string, mae: number, hasWeight: boolean): ExportedModel => ({
 *   pipeline: "p", source: "acpi", outputType: "AbsPower", featureGroup: "BPFOnly", modelName,
 *   trainer: modelName.slice(0, -2), nodeType: 0, mae, mape: 5, errors: { mae }, hasWeight });
 * const best = bestExportedModels([m("XgboostFitTrainer_0", 2, false), m("SGDRegressorTrainer_0", 3, true)]);
 * const g = best.get(0)!.get("acpi/AbsPower/BPFOnly")!;
 * assertEquals([g.sidecar.modelName, g.local?.modelName], ["XgboostFitTrainer_0", "SGDRegressorTrainer_0"]);
 * // A curve fit's weight file is not recommended for the local estimator.
 * const fits = bestExportedModels([m("LogarithmicRegressionTrainer_0", 1, true), m("SGDRegressorTrainer_0", 3, true)]);
 * assertEquals(fits.get(0)!.get("acpi/AbsPower/BPFOnly")!.local?.modelName, "SGDRegressorTrainer_0");
 * // Ranked by mape, an undefined mape (−1) loses.
 * const byMape = bestExportedModels([{ ...m("A_0", 1, false), errors: { mape: -1 } },
 *   { ...m("B_0", 2, false), errors: { mape: 7 } }], "mape");
 * assertEquals(byMape.get(0)!.get("acpi/AbsPower/BPFOnly")!.sidecar.modelName, "B_0");
 * ```
 */
export function bestExportedModels(
  models: readonly ExportedModel[],
  errorKey: ErrorKey = "mae",
): Map<number, Map<string, BestOfGroup>> {
  const out = new Map<number, Map<string, BestOfGroup>>();
  const errorOf = (m: ExportedModel): number => {
    if (m.rank !== undefined) return m.rank;
    const e = m.errors[errorKey];
    if (typeof e !== "number" || Number.isNaN(e)) {
      throw new RangeError(
        `Cannot rank exported models by ${errorKey}: model ${m.modelName} (${
          exportGroupKey(m.source, m.outputType, m.featureGroup)
        }) has no numeric ${errorKey}`,
      );
    }
    // An undefined MAPE (−1) is not a small error.
    return e < 0 && errorKey.endsWith("mape") ? Infinity : e;
  };
  for (const m of models) {
    const error = errorOf(m);
    let byGroup = out.get(m.nodeType);
    if (byGroup === undefined) {
      byGroup = new Map();
      out.set(m.nodeType, byGroup);
    }
    const key = exportGroupKey(m.source, m.outputType, m.featureGroup);
    const current = byGroup.get(key);
    const local = m.hasWeight &&
      !(CURVE_FIT_TRAINERS as readonly string[]).includes(m.trainer);
    if (current === undefined) {
      byGroup.set(key, local ? { sidecar: m, local: m } : { sidecar: m });
      continue;
    }
    if (errorOf(current.sidecar) > error) current.sidecar = m;
    if (
      local &&
      (current.local === undefined || errorOf(current.local) > error)
    ) {
      current.local = m;
    }
  }
  return out;
}
