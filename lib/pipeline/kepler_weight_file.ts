/**
 * Kepler's weight files (`weight.json`, kepler-model-db `<Trainer>_<nt>.json`,
 * Kepler's own `model_weight/*.json`): reading them in both the v0.7.11 form
 * (component keys only) and the v0.7.12 form (optional `model_name` and
 * `machine_spec`), and evaluating them exactly as Kepler v0.7 does
 * (`pkg/model/estimator/local/regressor` in Kepler v0.7.12, the weight.json
 * schema its local regressor reads):
 *
 * - linear (SGDRegressorTrainer and any unknown trainer):
 *   `P = Bias_Weight + Σ_cat weight + Σ_j weight_j · x_j / scale_j`,
 *   skipping features whose scale or weight is 0;
 * - LogarithmicRegressionTrainer: `P = cat + a·ln(b·x₀ + 1) + c`;
 * - ExponentialRegressionTrainer: `P = cat + a·exp(b·x₀) + c`;
 * - LogisticRegressionTrainer: `P = cat + A / (1 + exp(−k·(x₀ − x0))) + off`
 *   with `[A, x0, k, off] = CurveFit_Weights`;
 *
 * where `x₀` is the first numerical variable divided by its scale: the
 * model's main feature, which our curve-fit files list first. Kepler v0.7
 * takes instead its own first usage metric, the first of its eBPF software
 * counters in Go map order (`GetProcessFeatureNames`), which changes from
 * one start to the next: a curve-fit file is evaluated there on an
 * arbitrary counter (its scale 0 when the model lacks it, so x₀ = 0 and P
 * the constant c). So the model server hands Kepler linear weight files
 * unless a curve-fit trainer is asked for by name, and export recommends
 * only linear weight files for the local estimator. Missing features count
 * as 0, as in Kepler. Negative predictions are returned as they are;
 * callers clamp.
 *
 * @module
 */
import { type Component, COMPONENTS, type MachineSpec } from "../types.ts";

/**
 * Kepler's weight dict for one component (`All_Weights` of a weight.json):
 * `P = Bias_Weight + Σ weight_i × x_i / scale_i` for linear models, or a
 * curve fit on the first numerical variable with `CurveFit_Weights`.
 */
export interface KeplerWeights {
  /** The weights. */
  All_Weights: {
    /** Intercept (linear models only). */
    Bias_Weight?: number;
    /** Categorical weights; always `{}` for our models. */
    Categorical_Variables: Record<string, Record<string, { weight: number }>>;
    /** Per-feature scale (and weight, for linear models). */
    Numerical_Variables: Record<string, { scale: number; weight?: number }>;
    /** Curve parameters (curve-fit models only). */
    CurveFit_Weights?: number[];
  };
}

/** A parsed weight file. */
export interface WeightFile {
  /** `model_name` (v0.7.12 files), if present. */
  modelName?: string;
  /** `machine_spec` (v0.7.12 server replies), if present. */
  machineSpec?: Partial<MachineSpec>;
  /** Weights per component present in the file. */
  components: Partial<Record<Component, KeplerWeights>>;
}

/** The curve-fit trainers Kepler knows, by name. */
export type KeplerCurve = "linear" | "logarithmic" | "exponential" | "logistic";

/**
 * The predictor Kepler v0.7.12 builds for a trainer name: the model name
 * without its last `_` token (`SGDRegressorTrainer_0` → linear).
 *
 * @param modelOrTrainer A model name (`<Trainer>_<node type>`) or trainer
 *   name; undefined when the file brings no name.
 * @returns The curve Kepler evaluates: `linear` for SGDRegressorTrainer,
 *   any unknown trainer and no name.
 *
 * @example
 * ```ts
 * import { keplerCurveOf } from "./kepler_weight_file.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(keplerCurveOf("LogarithmicRegressionTrainer_1"), "logarithmic");
 * assertEquals(keplerCurveOf("SGDRegressorTrainer_0"), "linear");
 * assertEquals(keplerCurveOf(undefined), "linear");
 * ```
 */
export function keplerCurveOf(modelOrTrainer: string | undefined): KeplerCurve {
  const trainer = (modelOrTrainer ?? "").replace(/_-?\d+$/, "");
  switch (trainer) {
    case "LogarithmicRegressionTrainer":
      return "logarithmic";
    case "ExponentialRegressionTrainer":
      return "exponential";
    case "LogisticRegressionTrainer":
      return "logistic";
    default:
      return "linear";
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function checkWeights(value: unknown, where: string): KeplerWeights {
  if (!isRecord(value) || !isRecord(value.All_Weights)) {
    throw new TypeError(`Invalid weight file ${where}: missing All_Weights`);
  }
  const all = value.All_Weights;
  if (!isRecord(all.Numerical_Variables)) {
    throw new TypeError(
      `Invalid weight file ${where}: All_Weights.Numerical_Variables must be an object`,
    );
  }
  for (const [feature, v] of Object.entries(all.Numerical_Variables)) {
    if (!isRecord(v) || typeof v.scale !== "number") {
      throw new TypeError(
        `Invalid weight file ${where}: feature ${feature} has no numeric scale`,
      );
    }
    if (v.weight !== undefined && typeof v.weight !== "number") {
      throw new TypeError(
        `Invalid weight file ${where}: feature ${feature} has a non-numeric weight`,
      );
    }
  }
  if (all.Bias_Weight !== undefined && typeof all.Bias_Weight !== "number") {
    throw new TypeError(
      `Invalid weight file ${where}: Bias_Weight is not a number`,
    );
  }
  if (
    all.CurveFit_Weights !== undefined &&
    (!Array.isArray(all.CurveFit_Weights) ||
      all.CurveFit_Weights.some((w) => typeof w !== "number"))
  ) {
    throw new TypeError(
      `Invalid weight file ${where}: CurveFit_Weights must be a list of numbers`,
    );
  }
  return value as unknown as KeplerWeights;
}

/**
 * Reads a weight file's JSON value. Component keys are kept; `model_name`
 * and `machine_spec` are read; any other top-level key is an error (Kepler
 * v0.7.11 would fail on it too).
 *
 * @param json The parsed JSON of the weight file (or of a model server
 *   reply, whose `mae` key is ignored).
 * @param source The file's name or URL, used in messages.
 * @returns The model name and machine spec when present, and the weights
 *   of each component in the file.
 * @throws {TypeError} when the value is not an object, has an unknown
 *   top-level key, a non-text `model_name`, malformed component weights, or
 *   no component at all.
 *
 * @example
 * ```ts
 * import { readWeightFile } from "./kepler_weight_file.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const file = readWeightFile({ model_name: "SGDRegressorTrainer_0", platform: { All_Weights: {
 *   Bias_Weight: 1, Categorical_Variables: {}, Numerical_Variables: { a: { scale: 2, weight: 4 } } } } });
 * assertEquals(Object.keys(file.components), ["platform"]);
 * ```
 */
export function readWeightFile(
  json: unknown,
  source = "weight file",
): WeightFile {
  if (!isRecord(json)) {
    throw new TypeError(`Invalid weight file ${source}: not a JSON object`);
  }
  const out: WeightFile = { components: {} };
  for (const [key, value] of Object.entries(json)) {
    if (key === "model_name") {
      if (typeof value !== "string") {
        throw new TypeError(
          `Invalid weight file ${source}: model_name is not a string`,
        );
      }
      out.modelName = value;
    } else if (key === "machine_spec") {
      if (isRecord(value)) out.machineSpec = value as Partial<MachineSpec>;
    } else if ((COMPONENTS as readonly string[]).includes(key)) {
      out.components[key as Component] = checkWeights(
        value,
        `${source} (${key})`,
      );
    } else if (key === "mae") {
      // A model server reply for node_type -1 carries mae; not a component.
    } else {
      throw new TypeError(
        `Invalid weight file ${source}: unknown top-level key "${key}" (expected ${
          COMPONENTS.join(", ")
        }, model_name or machine_spec)`,
      );
    }
  }
  if (Object.keys(out.components).length === 0) {
    throw new TypeError(
      `Invalid weight file ${source}: it has no component weights`,
    );
  }
  return out;
}

/**
 * Kepler's prediction for one component from raw per-second feature values
 * (features absent from `values` count as 0).
 *
 * @param weights The component's weights (`All_Weights` of a weight file).
 * @param curve How to evaluate them (see {@linkcode keplerCurveOf}).
 * @param values Raw per-second feature values by feature name (not yet
 *   divided by the scales).
 * @param categories Categorical feature values by feature name (none by
 *   default); a value without a weight adds 0.
 * @returns The predicted power in watts, possibly negative (callers clamp).
 * @throws {TypeError} when a linear file has `CurveFit_Weights`, or a
 *   curve-fit file has too few of them (3, or 4 for logistic).
 *
 * @example
 * ```ts
 * import { keplerPredict } from "./kepler_weight_file.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const w = { All_Weights: { Bias_Weight: 10, Categorical_Variables: {},
 *   Numerical_Variables: { cpu: { scale: 100, weight: 50 } } } };
 * assertEquals(keplerPredict(w, "linear", { cpu: 50 }), 35);
 * ```
 */
export function keplerPredict(
  weights: KeplerWeights,
  curve: KeplerCurve,
  values: Readonly<Record<string, number>>,
  categories: Readonly<Record<string, string>> = {},
): number {
  const all = weights.All_Weights;
  let cat = 0;
  for (
    const [feature, byValue] of Object.entries(all.Categorical_Variables ?? {})
  ) {
    const value = categories[feature];
    if (value !== undefined) cat += byValue[value]?.weight ?? 0;
  }
  const numerical = Object.entries(all.Numerical_Variables);
  if (curve === "linear") {
    if ((all.CurveFit_Weights?.length ?? 0) > 0) {
      throw new TypeError(
        "Cannot evaluate a linear weight file that has CurveFit_Weights (Kepler rejects it too)",
      );
    }
    let p = (all.Bias_Weight ?? 0) + cat;
    for (const [feature, { scale, weight }] of numerical) {
      if (scale === 0 || !weight) continue;
      // Kepler's Go: weight * (x / scale), in that order (bit-exact).
      p += weight * ((values[feature] ?? 0) / scale);
    }
    return p;
  }
  const first = numerical[0];
  const x = first === undefined ? 0 : (values[first[0]] ?? 0) / first[1].scale;
  const w = all.CurveFit_Weights ?? [];
  const need = curve === "logistic" ? 4 : 3;
  if (w.length < need) {
    throw new TypeError(
      `Cannot evaluate a ${curve} weight file: CurveFit_Weights has ${w.length} values, needs ${need}`,
    );
  }
  const [a, b, c, d] = w as [number, number, number, number];
  switch (curve) {
    case "logarithmic":
      return cat + a * Math.log(b * x + 1) + c;
    case "exponential":
      return cat + a * Math.exp(b * x) + c;
    case "logistic":
      return cat + a / (1 + Math.exp(-c * (x - b))) + d;
  }
}

/**
 * The form Kepler v0.7.11 accepts: only component keys at the top level.
 *
 * @example
 * ```ts
 * import { toV0711WeightJson } from "./kepler_weight_file.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const w = { All_Weights: { Bias_Weight: 1, Categorical_Variables: {}, Numerical_Variables: {} } };
 * assertEquals(Object.keys(toV0711WeightJson({ modelName: "X_0", components: { package: w } })), ["package"]);
 * ```
 */
export function toV0711WeightJson(
  file: WeightFile,
): Partial<Record<Component, KeplerWeights>> {
  const out: Partial<Record<Component, KeplerWeights>> = {};
  for (const c of COMPONENTS) {
    const w = file.components[c];
    if (w !== undefined) out[c] = w;
  }
  return out;
}

/**
 * The forms of a weight file we write:
 *
 * - `"v0.7.11"` (the default): component keys only. Every Kepler v0.7.x
 *   reads it; v0.7.11 unmarshals into `map[string]ModelWeights` and fails
 *   on any other top-level key. Kepler v0.7.12 takes the trainer from the
 *   `*_INIT_URL` file name, but a local file (`ModelWeightsFilepath`)
 *   brings no name, so v0.7.12 falls back to its linear predictor, which
 *   rejects a curve-fit file (`CurveFit_Weights`).
 * - `"v0.7.12"`: `model_name` first, then the components. Kepler v0.7.12
 *   (and v0.8, v0.9) derive the trainer, and so the predictor, from it:
 *   the form for a file deployed as a local path. Kepler v0.7.11 cannot
 *   read it.
 */
export const WEIGHT_FORMATS = ["v0.7.11", "v0.7.12"] as const;
/** A weight file form: `"v0.7.11"` or `"v0.7.12"`. */
export type WeightFormat = typeof WEIGHT_FORMATS[number];

/**
 * A weight file in the given form (see {@linkcode WEIGHT_FORMATS}). The
 * v0.7.12 form needs the model name (`<Trainer>_<node type>`).
 *
 * @param file The parsed weight file.
 * @param format The form to write, `"v0.7.11"` by default.
 * @returns The JSON value to write: the components in Kepler's order,
 *   preceded by `model_name` in the v0.7.12 form.
 * @throws {TypeError} when the v0.7.12 form is asked of a file without a
 *   model name.
 *
 * @example
 * ```ts
 * import { toKeplerWeightJson } from "./kepler_weight_file.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const w = { All_Weights: { Categorical_Variables: {}, Numerical_Variables: { a: { scale: 1 } },
 *   CurveFit_Weights: [1, 2, 3] } };
 * const file = { modelName: "LogarithmicRegressionTrainer_0", components: { package: w } };
 * assertEquals(Object.keys(toKeplerWeightJson(file)), ["package"]);
 * assertEquals(Object.keys(toKeplerWeightJson(file, "v0.7.12")), ["model_name", "package"]);
 * ```
 */
export function toKeplerWeightJson(
  file: WeightFile,
  format: WeightFormat = "v0.7.11",
): Record<string, unknown> {
  const components = toV0711WeightJson(file);
  if (format === "v0.7.11") return components;
  if (!file.modelName) {
    throw new TypeError(
      "Cannot write a weight file in the v0.7.12 form: its model name (model_name) is unknown",
    );
  }
  return { model_name: file.modelName, ...components };
}
