/**
 * Derived features: named columns computed from a frame's raw features and
 * the machine spec, in ONE place ({@linkcode derivedColumns}) that training,
 * `estimate` and `serve` all go through.
 *
 * A model trained with derived features is a fitted model of kind
 * `"derived"` that wraps the trainer's model: it takes the raw feature
 * columns (the metadata's `features`, as upstream), computes the derived
 * columns itself and predicts with the inner model. So every consumer that
 * loads models with `loadModel` evaluates it identically, and the request
 * still carries only raw features. The metadata names them in
 * `derived_features`.
 *
 * The derived features:
 *
 * - `per_core`: every workload feature divided by the spec's logical cores
 *   (a node type's usage as a share of the machine; it needs `cores`);
 * - `freq_ratio`: the effective frequency in GHz, `cpu_cycles /
 *   (bpf_cpu_time_ms · 10⁶)` (0 when there is no CPU time, at most 10 GHz),
 *   appended where the features have both columns;
 * - `cycles_freq2`: `cpu_cycles · freq_ratio²` (CMOS dynamic energy per
 *   cycle grows with V² ∝ f²), appended with `freq_ratio`.
 *
 * Kepler's local estimator can only compute a linear sum of raw features,
 * so trainers whose models are written as weight.json never get them.
 *
 * @module
 */
import { WEIGHT_SUPPORT_TRAINERS, WORKLOAD_FEATURES } from "../types.ts";
import type { TrainerName } from "../types.ts";
import type {
  Columns,
  FitOptions,
  FittedModel,
  ModelJson,
  Trainer,
} from "./model.ts";

/** The derived features, in the order their columns are appended. */
export const DERIVED_FEATURES = [
  "per_core",
  "freq_ratio",
  "cycles_freq2",
] as const;
/** One derived feature. */
export type DerivedFeature = typeof DERIVED_FEATURES[number];

/** `--derived-features`: choose by blocked CV (`auto`) or never (`none`). */
export const DERIVED_MODES = ["auto", "none"] as const;
/** One derived-features mode. */
export type DerivedMode = typeof DERIVED_MODES[number];

/** What computes a model's input columns from its raw features. */
export interface DerivedSpec {
  /** The raw feature names, in column order. */
  features: readonly string[];
  /** The derived features to compute, in {@linkcode DERIVED_FEATURES} order. */
  derived: readonly DerivedFeature[];
  /** Logical cores of the machine (needed by `per_core`). */
  cores?: number;
}

const CYCLES = "cpu_cycles";
const CPU_TIME = "bpf_cpu_time_ms";
/** The highest effective frequency `freq_ratio` reports, GHz. */
const MAX_GHZ = 10;
const WORKLOAD = new Set<string>(WORKLOAD_FEATURES);

/**
 * Trainers whose models are written as weight.json (linear or curve-fit
 * weights Kepler's local estimator evaluates on raw features): they never
 * get derived features, so they keep their weight.json.
 */
export const WEIGHT_FILE_TRAINERS: readonly TrainerName[] = Object.freeze([
  ...WEIGHT_SUPPORT_TRAINERS,
  "LinearRegressionTrainer",
]);

/**
 * The derived features that apply to a trainer's model on `features`:
 * none for weight.json trainers ({@linkcode WEIGHT_FILE_TRAINERS}); `freq_ratio` and `cycles_freq2` when the
 * features hold both `cpu_cycles` and `bpf_cpu_time_ms`, with `per_core`
 * when the spec's cores are known. `per_core` alone is never tried: on one
 * node type it divides by a constant, which every trainer undoes (they
 * scale their inputs or are scale-equivariant), so it would double the
 * training for a difference of rounding only.
 *
 * @param trainer The trainer.
 * @param features The raw feature names.
 * @param options The machine spec's logical cores, if known.
 * @returns The applicable derived features, in DERIVED_FEATURES order.
 *
 * @example
 * ```ts
 * import { applicableDerived } from "./derived_features.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const basic = ["bpf_cpu_time_ms", "cache_miss", "cpu_cycles"];
 * assertEquals(applicableDerived("GradientBoostingRegressorTrainer", basic, { cores: 8 }),
 *   ["per_core", "freq_ratio", "cycles_freq2"]);
 * assertEquals(applicableDerived("SGDRegressorTrainer", basic, { cores: 8 }), []);
 * assertEquals(applicableDerived("LinearRegressionTrainer", basic, { cores: 8 }), []);
 * assertEquals(applicableDerived("KNeighborsRegressorTrainer", ["bpf_cpu_time_ms"], { cores: 8 }), []);
 * ```
 */
export function applicableDerived(
  trainer: TrainerName,
  features: readonly string[],
  options: { cores?: number } = {},
): DerivedFeature[] {
  if (WEIGHT_FILE_TRAINERS.includes(trainer)) return [];
  if (!features.includes(CYCLES) || !features.includes(CPU_TIME)) return [];
  const cores = options.cores;
  return cores !== undefined && cores > 0
    ? ["per_core", "freq_ratio", "cycles_freq2"]
    : ["freq_ratio", "cycles_freq2"];
}

/**
 * The names of a spec's input columns: the raw features (suffixed
 * `_per_core` when divided by the cores), then the appended ones.
 *
 * @param spec The raw features and the derived ones.
 * @returns The input column names, in order.
 *
 * @example
 * ```ts
 * import { derivedFeatureNames } from "./derived_features.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(derivedFeatureNames({ features: ["bpf_cpu_time_ms", "cpu_cycles"],
 *   derived: ["freq_ratio", "cycles_freq2"] }),
 *   ["bpf_cpu_time_ms", "cpu_cycles", "freq_ratio", "cycles_freq2"]);
 * ```
 */
export function derivedFeatureNames(spec: DerivedSpec): string[] {
  const perCore = spec.derived.includes("per_core");
  const out = spec.features.map((f) =>
    perCore && WORKLOAD.has(f) ? `${f}_per_core` : f
  );
  for (const d of spec.derived) if (d !== "per_core") out.push(d);
  return out;
}

/**
 * A model's input columns from raw feature columns: the one computation of
 * derived features, used by training, `estimate` and `serve` alike. Throws
 * a `RangeError` when the columns do not match the spec or a derived
 * feature lacks what it needs.
 *
 * @param x Raw feature columns, in `spec.features` order.
 * @param spec The raw features, the derived ones and the cores.
 * @returns The input columns (see {@linkcode derivedFeatureNames}); the raw
 *   columns themselves when nothing is derived.
 * @throws {RangeError} when `x` has a different number of columns than
 *   `spec.features`, `per_core` has no cores > 0, or `freq_ratio` lacks
 *   `cpu_cycles` or `bpf_cpu_time_ms`.
 *
 * @example
 * ```ts
 * import { derivedColumns } from "./derived_features.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * // 2 s of CPU time at 3 GHz: 6e9 cycles
 * const x = [Float64Array.of(2000, 0), Float64Array.of(6e9, 5)];
 * const out = derivedColumns(x, { features: ["bpf_cpu_time_ms", "cpu_cycles"],
 *   derived: ["per_core", "freq_ratio", "cycles_freq2"], cores: 2 });
 * assertEquals([...out[0]!], [1000, 0]);
 * assertEquals([...out[1]!], [3e9, 2.5]);
 * assertEquals([...out[2]!], [3, 0]);
 * assertEquals([...out[3]!], [27e9, 0]);
 * ```
 */
export function derivedColumns(x: Columns, spec: DerivedSpec): Columns {
  if (x.length !== spec.features.length) {
    throw new RangeError(
      `Cannot compute derived features: ${x.length} columns for ${spec.features.length} features (${
        spec.features.join(", ")
      })`,
    );
  }
  if (spec.derived.length === 0) return x;
  const perCore = spec.derived.includes("per_core");
  const cores = spec.cores ?? 0;
  if (perCore && !(cores > 0)) {
    throw new RangeError(
      `Cannot compute derived feature per_core: the machine's cores are ${
        spec.cores ?? "unknown"
      }, expected a number > 0`,
    );
  }
  const out: Float64Array[] = spec.features.map((f, j) =>
    perCore && WORKLOAD.has(f) ? x[j]!.map((v) => v / cores) : x[j]!
  );
  if (!spec.derived.includes("freq_ratio")) return out;
  const ci = spec.features.indexOf(CYCLES);
  const ti = spec.features.indexOf(CPU_TIME);
  if (ci < 0 || ti < 0) {
    throw new RangeError(
      `Cannot compute derived feature freq_ratio: it needs ${CYCLES} and ${CPU_TIME}, the features are ${
        spec.features.join(", ")
      }`,
    );
  }
  const cycles = out[ci]!;
  const time = x[ti]!;
  const raw = x[ci]!;
  const n = cycles.length;
  const ratio = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t = time[i]!;
    const r = t > 0 ? raw[i]! / (t * 1e6) : 0;
    ratio[i] = r > MAX_GHZ ? MAX_GHZ : r > 0 ? r : 0;
  }
  out.push(ratio);
  if (spec.derived.includes("cycles_freq2")) {
    out.push(cycles.map((c, i) => c * ratio[i]! * ratio[i]!));
  }
  return out;
}

/** A fitted model that computes its derived features from raw columns. */
export interface DerivedModel extends FittedModel {
  /** `"derived"`. */
  readonly kind: "derived";
  /** What it computes. */
  readonly spec: Readonly<DerivedSpec>;
  /** The model fitted on the derived columns. */
  readonly inner: FittedModel;
}

/**
 * Wraps a model fitted on `derivedColumns(x, spec)` so that it takes the
 * raw columns `x`.
 *
 * @param inner The model fitted on the derived columns.
 * @param spec The raw features, the derived ones and the cores.
 * @returns A model of kind `"derived"` over `spec.features`.
 *
 * @example
 * ```ts
 * import { withDerived } from "./derived_features.ts";
 * import { linearRegression } from "../train/trainers/linear_regression.ts";
 * import { loadModel } from "./load_model.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const spec = { features: ["bpf_cpu_time_ms"], derived: ["per_core"] as const, cores: 4 };
 * const inner = linearRegression().fit([Float64Array.of(0, 1, 2)], Float64Array.of(1, 3, 5));
 * const m = withDerived(inner, spec);
 * assertEquals([...m.predict([Float64Array.of(8)])], [5]); // 8 / 4 = 2
 * const back = loadModel(JSON.parse(JSON.stringify(m)));
 * assertEquals([...back.predict([Float64Array.of(8)])], [5]);
 * ```
 */
export function withDerived(
  inner: FittedModel,
  spec: DerivedSpec,
): DerivedModel {
  const frozen: Readonly<DerivedSpec> = Object.freeze({
    features: Object.freeze([...spec.features]),
    derived: Object.freeze([...spec.derived]),
    ...(spec.cores === undefined ? {} : { cores: spec.cores }),
  });
  return Object.freeze({
    kind: "derived" as const,
    nFeatures: frozen.features.length,
    spec: frozen,
    inner,
    predict: (x: Columns) => inner.predict(derivedColumns(x, frozen)),
    toJSON(): ModelJson {
      return {
        kind: "derived",
        version: 1,
        features: [...frozen.features],
        derived: [...frozen.derived],
        ...(frozen.cores === undefined ? {} : { cores: frozen.cores }),
        model: inner.toJSON(),
      };
    },
  });
}

/**
 * Loads a `"derived"` model's JSON; its inner model loads through `load`.
 *
 * @param json The model JSON (`kind: "derived"`, version 1).
 * @param load The loader of the inner model (`loadModel`).
 * @returns The derived model.
 * @throws {TypeError} when a field has the wrong type.
 * @throws {RangeError} for an unknown version or derived feature.
 *
 * @example
 * ```ts
 * import { loadDerivedModel } from "./derived_features.ts";
 * import { loadModel } from "./load_model.ts";
 * import { throws as assertThrows } from "node:assert/strict";
 * assertThrows(() => loadDerivedModel({ kind: "derived", version: 1, features: ["a"],
 *   derived: ["magic"], model: {} }, loadModel), RangeError);
 * ```
 */
export function loadDerivedModel(
  json: ModelJson,
  load: (json: unknown) => FittedModel,
): DerivedModel {
  if (json.version !== 1) {
    throw new RangeError(
      `Cannot load a derived model: format version ${
        String(json.version)
      } is not supported (expected 1)`,
    );
  }
  const { features, derived, cores } = json;
  if (
    !Array.isArray(features) || !features.every((f) => typeof f === "string")
  ) {
    throw new TypeError(
      "Cannot load a derived model: field features is not a list of names",
    );
  }
  if (!Array.isArray(derived)) {
    throw new TypeError(
      "Cannot load a derived model: field derived is not a list",
    );
  }
  for (const d of derived) {
    if (!(DERIVED_FEATURES as readonly unknown[]).includes(d)) {
      throw new RangeError(
        `Cannot load a derived model: unknown derived feature ${
          String(d)
        } (known: ${DERIVED_FEATURES.join(", ")})`,
      );
    }
  }
  if (cores !== undefined && typeof cores !== "number") {
    throw new TypeError(
      `Cannot load a derived model: field cores is ${typeof cores}, expected a number`,
    );
  }
  const inner = load(json.model);
  return withDerived(inner, {
    features: features as string[],
    derived: derived as DerivedFeature[],
    ...(cores === undefined ? {} : { cores }),
  });
}

/**
 * A trainer that fits `trainer` on the derived columns of its raw input and
 * returns the wrapped model; with nothing derived, `trainer` itself.
 *
 * @param trainer The trainer.
 * @param spec The raw features, the derived ones and the cores.
 * @returns The trainer over raw columns.
 *
 * @example
 * ```ts
 * import { derivedTrainer } from "./derived_features.ts";
 * import { linearRegression } from "../train/trainers/linear_regression.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * // power = cycles · GHz²: linear in the derived cycles_freq2 column
 * const time = Float64Array.of(1000, 1000, 2000, 500), cyc = Float64Array.of(1e9, 3e9, 2e9, 1.5e9);
 * const y = Float64Array.of(1, 27, 2, 13.5);
 * const t = derivedTrainer(linearRegression(),
 *   { features: ["bpf_cpu_time_ms", "cpu_cycles"], derived: ["freq_ratio", "cycles_freq2"] });
 * const m = t.fit([time, cyc], y.map((v) => v * 1e9));
 * const p = m.predict([Float64Array.of(1000), Float64Array.of(2e9)]);
 * assertEquals(Math.round(p[0]! / 1e9), 8);
 * ```
 */
export function derivedTrainer(trainer: Trainer, spec: DerivedSpec): Trainer {
  if (spec.derived.length === 0) return trainer;
  const frozen = { ...spec };
  return {
    name: trainer.name,
    params: trainer.params,
    fit(x: Columns, y: Float64Array, options?: FitOptions): FittedModel {
      // a model to continue from (XgboostFit) continues only when it was
      // fitted on the same derived columns
      const init = unwrapInterval(options?.init) as
        | Partial<DerivedModel>
        | undefined;
      const fitOptions: FitOptions = { ...options };
      delete fitOptions.init;
      if (init?.kind === "derived" && init.inner !== undefined) {
        fitOptions.init = init.inner;
      }
      const inner = trainer.fit(derivedColumns(x, frozen), y, fitOptions);
      return withDerived(inner, frozen);
    },
  };
}

/** The model inside an interval wrapper (see `withInterval`), or itself. */
function unwrapInterval(m: FittedModel | undefined): FittedModel | undefined {
  if (m !== undefined && "model" in m && "interval" in m) {
    return (m as unknown as { model: FittedModel }).model;
  }
  return m;
}
