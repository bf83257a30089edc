/**
 * The estimator: powers per component for the rows of a PowerRequest, from
 * a served model. A model with JSON fitted models (ours) is evaluated with
 * `predict`, and with its conformal interval when it has one; a model with
 * only a Kepler weight file (kepler-model-db's) is evaluated exactly as
 * Kepler's local estimator does. Negative powers are clipped to 0, as
 * upstream's estimator does (and lower bounds with them).
 *
 * The reply is upstream's `{"powers": {...}, "msg": "", "core_ratio": r}`,
 * plus the model's name and, when the model has intervals, `coverage`,
 * `lower` and `upper` per component.
 *
 * @module
 */
import type { Component } from "../types.ts";
import type { EstimatePool } from "./_estimate_pool.ts";
import {
  predictFitted,
  type Prediction,
  predictWeights,
  type WeightInput,
} from "./_predict.ts";
import type { ServedModel } from "./pipeline_catalog.ts";
import { isNormalisedVmModel, vmRescaledWeights } from "./_vm_weights.ts";
import type { PowerRequest } from "./power_request.ts";

/** The estimator's reply. */
export interface PowerEstimate {
  /** Watts per component, one per row. */
  powers: Partial<Record<Component, number[]>>;
  /** `""` on success, else what went wrong. */
  msg: string;
  /**
   * `min(1, requesting machine's cores / model machine's cores)`, 1 when
   * either is unknown (Kepler scales idle power by it).
   */
  core_ratio: number;
  /** The model that answered. */
  model_name?: string;
  /** Its pipeline. */
  pipeline?: string;
  /** Its feature group. */
  feature_group?: string;
  /** Nominal coverage of the interval bounds. */
  coverage?: number;
  /** Lower interval bounds per component (clipped at 0). */
  lower?: Partial<Record<Component, number[]>>;
  /** Upper interval bounds per component. */
  upper?: Partial<Record<Component, number[]>>;
}

/** Options of {@linkcode estimatePower}. */
export interface EstimatePowerOptions {
  /**
   * Logical CPUs of the requesting machine, when the request's
   * `machine_spec` does not say.
   *
   * @default {undefined} unknown (core ratio 1)
   */
  machineCores?: number;
  /**
   * Workers to predict on, off the event loop (private to lib/serve).
   *
   * @default {undefined} none (predictions run in this thread)
   */
  pool?: EstimatePool;
}

function coreRatio(model: ServedModel, cores: number | undefined): number {
  const modelCores = Number(model.machineSpec?.cores);
  if (!(cores !== undefined && cores > 0 && modelCores > 0)) return 1;
  return Math.min(1, cores / modelCores);
}

function column(request: PowerRequest, feature: string): Float64Array {
  const j = request.metrics.indexOf(feature);
  if (j >= 0) return request.columns[j]!;
  const k = request.systemFeatures.indexOf(feature);
  const v = k >= 0 ? Number(request.systemValues[k]) : 0;
  return new Float64Array(request.rows).fill(Number.isFinite(v) ? v : 0);
}

function finite(powers: Partial<Record<Component, number[]>>): boolean {
  return Object.values(powers).every((a) => a.every(Number.isFinite));
}

/**
 * Estimates the powers of the request's rows with a model. Errors of the
 * model (e.g. a non-finite prediction) are returned in `msg` with empty
 * powers, as upstream's estimator does.
 *
 * @param model The served model that answers (its JSON models when it has
 *   them, else its Kepler weight file).
 * @param request The parsed request: feature columns, one value per row,
 *   and system feature values.
 * @param options What to assume about the requesting machine.
 * @returns Watts per component and row (negative clipped to 0), `msg` `""`
 *   on success or the model's error with empty powers, the core ratio and,
 *   when every component has an interval, its bounds.
 *
 * @example
 * ```ts
 * import { estimatePower } from "./estimate_power.ts";
 * import { parsePowerRequest } from "./power_request.ts";
 * import type { ServedModel } from "./pipeline_catalog.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const model = { name: "SGDRegressorTrainer_0", pipeline: "p", featureGroup: "BPFOnly",
 *   features: ["bpf_cpu_time_ms"], machineSpec: { cores: 8 },
 *   weights: { platform: { All_Weights: { Bias_Weight: 10, Categorical_Variables: {},
 *     Numerical_Variables: { bpf_cpu_time_ms: { scale: 100, weight: 50 } } } } },
 *   load: () => Promise.resolve(undefined) } as unknown as ServedModel;
 * const request = parsePowerRequest({ metrics: ["bpf_cpu_time_ms"], values: [[0], [50]],
 *   output_type: "AbsPower", source: "acpi", system_features: [], system_values: [] });
 * const r = await estimatePower(model, request, { machineCores: 4 });
 * assertEquals([r.powers.platform, r.msg, r.core_ratio], [[10, 35], "", 0.5]);
 * ```
 */
export async function estimatePower(
  model: ServedModel,
  request: PowerRequest,
  options: EstimatePowerOptions = {},
): Promise<PowerEstimate> {
  const out: PowerEstimate = {
    powers: {},
    msg: "",
    core_ratio: coreRatio(
      model,
      request.machineSpec?.cores ?? options.machineCores,
    ),
    model_name: model.name,
    pipeline: model.pipeline,
    feature_group: model.featureGroup,
  };
  const pool = options.pool;
  let p: Prediction;
  if (isNormalisedVmModel(model)) {
    // a VM model fitted on normalised usage: its weight file, for raw usage
    // of the VM's cores (its size's when the request has none)
    const cores = request.machineSpec?.cores;
    const weights = vmRescaledWeights(model, cores)?.weights ?? model.weights;
    if (weights === undefined) {
      return {
        powers: {},
        msg:
          `model ${model.pipeline}/${model.name} is a VM model fitted on normalised usage without a weight file: it cannot be evaluated on raw usage`,
        core_ratio: 1,
      };
    }
    out.core_ratio = 1;
    const input = weightInput(model.name, weights, request);
    p = pool
      ? await pool.weights(weights, input)
      : predictWeights(weights, input);
    return finish(out, p, model);
  }
  const loaded = await model.load();
  if (loaded !== undefined) {
    const x = loaded.features.map((f) => column(request, f));
    p = pool
      ? await pool.fitted(loaded.components, x)
      : predictFitted(loaded.components, x);
  } else if (model.weights !== undefined) {
    const input = weightInput(model.name, model.weights, request);
    p = pool
      ? await pool.weights(model.weights, input)
      : predictWeights(model.weights, input);
  } else {
    return {
      powers: {},
      msg:
        `model ${model.pipeline}/${model.name} cannot be evaluated here (no JSON model or weight file)`,
      core_ratio: 1,
    };
  }
  return finish(out, p, model);
}

/** The estimate with the prediction's powers and interval, or its error. */
function finish(
  out: PowerEstimate,
  p: Prediction,
  model: ServedModel,
): PowerEstimate {
  out.powers = p.powers;
  if (p.coverage !== undefined) {
    out.coverage = p.coverage;
    out.lower = p.lower!;
    out.upper = p.upper!;
  }
  if (!finite(out.powers)) {
    return {
      powers: {},
      msg: `model ${model.pipeline}/${model.name} predicted a non-finite power`,
      core_ratio: 1,
    };
  }
  return out;
}

/** The columns and categories Kepler's formula reads, for a weight file. */
function weightInput(
  name: string,
  weights: NonNullable<ServedModel["weights"]>,
  request: PowerRequest,
): WeightInput {
  const features = new Set<string>();
  for (const w of Object.values(weights)) {
    for (const f of Object.keys(w.All_Weights.Numerical_Variables)) {
      features.add(f);
    }
  }
  const categories: Record<string, string> = {};
  request.systemFeatures.forEach((f, k) => {
    categories[f] = request.systemValues[k]!;
  });
  return {
    name,
    columns: [...features].map((f) => [f, column(request, f)] as const),
    categories,
    rows: request.rows,
  };
}
