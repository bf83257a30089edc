/**
 * The vocabulary of kepler-model: energy sources and their components, output
 * types, feature groups with their exact sorted feature lists, trainer names,
 * the Kepler v0.7 metric names and the aliases of older Kepler versions.
 *
 * Everything here is data (`as const` arrays and literal unions) plus small
 * pure functions that parse user input into the vocabulary. Facts come from
 * Kepler v0.7.11/v0.7.12 (metric names and labels, weight files) and
 * kepler-model-server HEAD 3829b624 (`src/util/train_types.py`: feature
 * groups, sources, components, trainers).
 *
 * @module
 */
import { ALL_FEATURE_GROUPS } from "./vocabulary/features.ts";
import type { FeatureGroup } from "./vocabulary/features.ts";

// ---------------------------------------------------------------- sources

/** Energy sources Kepler v0.7 labels its node energy counters with. */
export const ENERGY_SOURCES = [
  "rapl-sysfs",
  "rapl-msr",
  "trained_power_model",
  "acpi",
  "hmc",
  "redfish",
] as const;
/** One energy source, e.g. `"rapl-sysfs"` or `"acpi"`. */
export type EnergySource = typeof ENERGY_SOURCES[number];

/** Power components measured by an energy source. */
export const COMPONENTS = [
  "package",
  "core",
  "uncore",
  "dram",
  "platform",
] as const;
/** One power component, e.g. `"package"`. */
export type Component = typeof COMPONENTS[number];

/** Components of a RAPL-like source, in upstream's order. */
export const RAPL_COMPONENTS = ["package", "core", "uncore", "dram"] as const;

/** The components each energy source measures (upstream's PowerSourceMap). */
export const SOURCE_COMPONENTS: Readonly<
  Record<EnergySource, readonly Component[]>
> = {
  "rapl-sysfs": RAPL_COMPONENTS,
  "rapl-msr": RAPL_COMPONENTS,
  "trained_power_model": RAPL_COMPONENTS,
  "acpi": ["platform"],
  "hmc": ["platform"],
  "redfish": ["platform"],
};

/**
 * Older names of energy sources, read as the current one: Kepler's `source`
 * label went from `rapl` to `intel_rapl` to `rapl-sysfs`
 * (kepler-model-server#324).
 */
export const ENERGY_SOURCE_ALIASES: Readonly<Record<string, EnergySource>> = {
  "rapl": "rapl-sysfs",
  "intel_rapl": "rapl-sysfs",
};

/** The energy source used when none is given (upstream's default). */
export const DEFAULT_ENERGY_SOURCE: EnergySource = "rapl-sysfs";

/**
 * The unit label of a component's node energy series: RAPL components are
 * reported per socket in the `package` label; platform has no unit.
 *
 * @param component The power component.
 * @returns `"package"` for the RAPL components (package, core, uncore,
 *   dram), undefined for platform.
 *
 * @example
 * ```ts
 * import { componentUnit } from "./types.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(componentUnit("core"), "package");
 * assertEquals(componentUnit("platform"), undefined);
 * ```
 */
export function componentUnit(component: Component): "package" | undefined {
  return component === "platform" ? undefined : "package";
}

// ---------------------------------------------------------- output types

/** Model output types. */
export const OUTPUT_TYPES = ["AbsPower", "DynPower"] as const;
/** `AbsPower` (node power including idle) or `DynPower` (without idle). */
export type OutputType = typeof OUTPUT_TYPES[number];

// -------------------------------------------------------------- features

export {
  ACCELERATOR_FEATURES,
  ALL_FEATURE_GROUPS,
  BPF_FEATURES,
  CGROUP_FEATURES,
  COUNTER_FEATURES,
  FEATURE_ALIASES,
  FEATURE_GROUP_FEATURES,
  FEATURE_GROUPS,
  featureGroupFeatures,
  featureNamesOf,
  FEATURES,
  IRQ_FEATURES,
  KUBELET_FEATURES,
  LEGACY_FEATURE_GROUPS,
  SYSTEM_FEATURES,
  WORKLOAD_FEATURES,
} from "./vocabulary/features.ts";
export type {
  CurrentFeatureGroup,
  Feature,
  FeatureAlias,
  FeatureGroup,
  FeatureGroupOptions,
} from "./vocabulary/features.ts";
export { mainFeature } from "./vocabulary/main_feature.ts";
export type { MainFeatureOptions } from "./vocabulary/main_feature.ts";

// -------------------------------------------------------------- trainers

/** The ten upstream trainers, by their upstream class names. */
export const UPSTREAM_TRAINERS = [
  "PolynomialRegressionTrainer",
  "GradientBoostingRegressorTrainer",
  "KNeighborsRegressorTrainer",
  "LinearRegressionTrainer",
  "SVRRegressorTrainer",
  "XgboostFitTrainer",
  "SGDRegressorTrainer",
  "LogarithmicRegressionTrainer",
  "LogisticRegressionTrainer",
  "ExponentialRegressionTrainer",
] as const;
/** One of the ten upstream trainers: it fits one model on the features. */
export type UpstreamTrainerName = typeof UPSTREAM_TRAINERS[number];

/**
 * The trainer that weights the best upstream trainers of a group by their
 * blocked cross-validation error (ours; no weight.json: Kepler's local
 * estimator cannot run it).
 */
export const ENSEMBLE_TRAINER = "EnsembleTrainer" as const;

/**
 * The trainer of a saturating curve of all the features (ours; non-negative
 * weights, a power limit; no weight.json): see
 * `lib/train/trainers/saturating_regression.ts`.
 */
export const SATURATING_TRAINER = "SaturatingRegressionTrainer" as const;

/** The trainers whose models an ensemble may weight: all but itself. */
export const MEMBER_TRAINERS = [
  ...UPSTREAM_TRAINERS,
  SATURATING_TRAINER,
] as const;
/** A trainer that fits one model on the features (an ensemble member). */
export type MemberTrainerName = typeof MEMBER_TRAINERS[number];

/**
 * The trainers `train` runs by default (`default` in a trainer list):
 * upstream's ten and SaturatingRegressionTrainer, the best at loads it has
 * not seen on rapl-sysfs for about 7 % more CPU (BENCHMARKS.md, accuracy).
 * `upstream` in a list stands for upstream's ten alone.
 */
export const DEFAULT_TRAIN_TRAINERS: readonly TrainerName[] = MEMBER_TRAINERS;

/**
 * Every trainer `train` knows: upstream's ten, SaturatingRegressionTrainer,
 * then EnsembleTrainer.
 */
export const TRAINERS = [
  ...UPSTREAM_TRAINERS,
  SATURATING_TRAINER,
  ENSEMBLE_TRAINER,
] as const;
/** One trainer name. */
export type TrainerName = typeof TRAINERS[number];

/** Trainers whose models Kepler's local estimator can load as weight JSON. */
export const WEIGHT_SUPPORT_TRAINERS = [
  "SGDRegressorTrainer",
  "LogarithmicRegressionTrainer",
  "LogisticRegressionTrainer",
  "ExponentialRegressionTrainer",
] as const satisfies readonly TrainerName[];

/** Curve-fit trainers (one main feature, `CurveFit_Weights`). */
export const CURVE_FIT_TRAINERS = [
  "LogarithmicRegressionTrainer",
  "LogisticRegressionTrainer",
  "ExponentialRegressionTrainer",
] as const satisfies readonly TrainerName[];

/** Model classes recorded in model metadata (`model_class`). */
export const MODEL_CLASSES = [
  "scikit",
  "xgboost",
  "curvefit",
  "ensemble",
] as const;
/** One model class. */
export type ModelClass = typeof MODEL_CLASSES[number];

/** The model class upstream records for each trainer. */
export const TRAINER_MODEL_CLASS: Readonly<Record<TrainerName, ModelClass>> = {
  PolynomialRegressionTrainer: "scikit",
  GradientBoostingRegressorTrainer: "scikit",
  KNeighborsRegressorTrainer: "scikit",
  LinearRegressionTrainer: "scikit",
  SVRRegressorTrainer: "scikit",
  XgboostFitTrainer: "xgboost",
  SGDRegressorTrainer: "scikit",
  LogarithmicRegressionTrainer: "curvefit",
  LogisticRegressionTrainer: "curvefit",
  ExponentialRegressionTrainer: "curvefit",
  SaturatingRegressionTrainer: "curvefit",
  EnsembleTrainer: "ensemble",
};

/**
 * Kinds of fitted-model JSON (the `kind` field that selects a loader): one
 * per model family our trainers produce.
 */
export const MODEL_KINDS = [
  "linear",
  "polynomial",
  "curvefit",
  "knn",
  "svr",
  "gbdt",
  "xgboost",
  "ensemble",
  "derived",
  "saturating",
] as const;
/** One fitted-model kind, e.g. `"linear"` or `"gbdt"`. */
export type ModelKind = typeof MODEL_KINDS[number];

/**
 * Upstream's error figures in model metadata that rank models (ERROR_KEY):
 * the error of the summed prediction, not per component.
 */
export const ERROR_KEYS = ["mae", "mape"] as const;
/**
 * A metadata key that ranks models: `mae` or `mape`, or one component's
 * figure such as `package_mae` (upstream's per-component columns).
 */
export type ErrorKey =
  | typeof ERROR_KEYS[number]
  | `${Component}_${typeof ERROR_KEYS[number]}`;

/**
 * Parses an ERROR_KEY value. Throws a `RangeError` naming the value and the
 * valid keys.
 *
 * @param input The key, e.g. `"mae"`, `"MAPE"` or `"package_mae"`.
 * @returns The key as a literal {@linkcode ErrorKey}.
 * @throws {RangeError} When the value is not an error key.
 *
 * @example
 * ```ts
 * import { parseErrorKey } from "./types.ts";
 * import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
 * assertEquals(parseErrorKey("MAPE"), "mape");
 * assertEquals(parseErrorKey("dram_mae"), "dram_mae");
 * assertThrows(() => parseErrorKey("rmse"), /Unknown error key "rmse"/);
 * ```
 */
export function parseErrorKey(input: string): ErrorKey {
  const value = input.trim().toLowerCase();
  for (const key of ERROR_KEYS) {
    if (value === key) return key;
    for (const c of COMPONENTS) {
      if (value === `${c}_${key}`) return `${c}_${key}`;
    }
  }
  throw new RangeError(
    `Unknown error key "${input}": valid keys are ${
      ERROR_KEYS.join(", ")
    } or <component>_<key> (components: ${COMPONENTS.join(", ")})`,
  );
}

// ---------------------------------------------------- pipeline components

/** Extractors (`--extractor`). */
export const EXTRACTORS = ["default", "smooth"] as const;
/** One extractor name. */
export type ExtractorName = typeof EXTRACTORS[number];

/**
 * Isolators (`--isolator`): upstream's four, plus `quantile` (a low quantile
 * per component) and `floor` (the quietest stretch, robust to noise; the
 * default of `train` and `isolate`).
 */
export const ISOLATORS = [
  "none",
  "min",
  "profile",
  "trainer",
  "quantile",
  "floor",
] as const;
/** One isolator name. */
export type IsolatorName = typeof ISOLATORS[number];

/** Node-type attributes of a machine spec, in upstream's order. */
export const NODE_ATTRIBUTES = [
  "processor",
  "cores",
  "chips",
  "memory",
  "frequency",
] as const;
/** One node attribute. */
export type NodeAttribute = typeof NODE_ATTRIBUTES[number];

/**
 * A machine spec in upstream's flat form (`spec.json`, `machine_spec` in
 * metadata, the `attrs` of `node_type_index.json`). Unknown values are `-1`
 * for numbers, as upstream writes them.
 */
export interface MachineSpec {
  /** Normalised processor name, e.g. `intel_xeon_platinum_8259cl`. */
  processor: string;
  /** Logical CPUs. */
  cores: number;
  /** Distinct physical packages (sockets). */
  chips: number;
  /** Memory in GiB, truncated. */
  memory: number;
  /** Maximum frequency in MHz, rounded to 100. */
  frequency: number;
}

// ----------------------------------------------------------- metric names

export {
  CONTAINER_ID_LABELS,
  CPU_ARCHITECTURE_LABEL,
  DEFAULT_VM_JOB_NAME,
  ENERGY_MODES,
  featureMetric,
  KEPLER_PREFIX,
  METRIC_ALIASES,
  METRIC_LEVELS,
  NODE_INFO_METRIC,
  powerColumn,
  powerMetric,
  PROCESS_ID_LABELS,
  PSEUDO_CONTAINERS,
  resolveMetricAlias,
  VM_ID_LABELS,
} from "./vocabulary/metric_names.ts";
export type {
  EnergyMode,
  MetricAlias,
  MetricLevel,
} from "./vocabulary/metric_names.ts";

// ------------------------------------------------------------- parsers

/**
 * A parser for a closed vocabulary: trims the input, accepts exact values,
 * aliases and case-insensitive matches, and otherwise throws a `RangeError`
 * that names the value and lists the valid ones. Every vocabulary parser of
 * the project (here, in lib/simulate and the CLI) is built with it.
 *
 * @param what What the values are, for the error message, e.g.
 *   `"energy source"`.
 * @param values The valid values, listed in this order in the error.
 * @param aliases Other accepted names, each mapped to its value; matched
 *   exactly, after trimming.
 * @returns A parser from text to one of `values`.
 * @throws {RangeError} (from the returned parser) when the trimmed input is
 *   neither a value, an alias nor a value in another case.
 *
 * @example
 * ```ts
 * import { vocabularyParser } from "./types.ts";
 * import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
 * const parseColour = vocabularyParser("colour", ["red", "green"] as const, { verde: "green" });
 * assertEquals(parseColour(" Red"), "red");
 * assertEquals(parseColour("verde"), "green");
 * assertThrows(() => parseColour("blue"), /Unknown colour "blue": valid values are red, green/);
 * ```
 */
export function vocabularyParser<T extends string>(
  what: string,
  values: readonly T[],
  aliases: Readonly<Record<string, T>> = {},
): (input: string) => T {
  return (input: string): T => {
    const value = input.trim();
    const found = values.find((v) => v === value) ?? aliases[value] ??
      values.find((v) => v.toLowerCase() === value.toLowerCase());
    if (found === undefined) {
      throw new RangeError(
        `Unknown ${what} "${input}": valid values are ${values.join(", ")}`,
      );
    }
    return found;
  };
}

/**
 * Parses an energy source, accepting the older names `rapl` and
 * `intel_rapl`. Throws a `RangeError` that lists the valid values.
 *
 * @example
 * ```ts
 * import { parseEnergySource } from "./types.ts";
 * import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
 * assertEquals(parseEnergySource("rapl"), "rapl-sysfs");
 * assertThrows(() => parseEnergySource("solar"), RangeError);
 * ```
 */
export const parseEnergySource: (input: string) => EnergySource =
  vocabularyParser(
    "energy source",
    ENERGY_SOURCES,
    ENERGY_SOURCE_ALIASES,
  );

/**
 * Parses an output type (`AbsPower` or `DynPower`, case-insensitive).
 *
 * @example
 * ```ts
 * import { parseOutputType } from "./types.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(parseOutputType("dynpower"), "DynPower");
 * ```
 */
export const parseOutputType: (input: string) => OutputType = vocabularyParser(
  "output type",
  OUTPUT_TYPES,
);

/**
 * Parses a feature group name, current or legacy.
 *
 * @example
 * ```ts
 * import { parseFeatureGroup } from "./types.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(parseFeatureGroup("BPFOnly"), "BPFOnly");
 * ```
 */
export const parseFeatureGroup: (input: string) => FeatureGroup =
  vocabularyParser(
    "feature group",
    ALL_FEATURE_GROUPS,
  );

/**
 * Parses a trainer name.
 *
 * @example
 * ```ts
 * import { parseTrainerName } from "./types.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(parseTrainerName("SGDRegressorTrainer"), "SGDRegressorTrainer");
 * ```
 */
export const parseTrainerName: (input: string) => TrainerName =
  vocabularyParser(
    "trainer",
    TRAINERS,
  );

/**
 * Parses an extractor name.
 *
 * @example
 * ```ts
 * import { parseExtractorName } from "./types.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(parseExtractorName("smooth"), "smooth");
 * ```
 */
export const parseExtractorName: (input: string) => ExtractorName =
  vocabularyParser(
    "extractor",
    EXTRACTORS,
  );

/**
 * Parses an isolator name.
 *
 * @example
 * ```ts
 * import { parseIsolatorName } from "./types.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(parseIsolatorName("min"), "min");
 * ```
 */
export const parseIsolatorName: (input: string) => IsolatorName =
  vocabularyParser(
    "isolator",
    ISOLATORS,
  );

/**
 * Parses a comma list with an element parser; empty items are ignored and
 * duplicates are removed (first occurrence wins).
 *
 * @param input Comma-separated items, e.g. `"rapl, acpi"`; each item is
 *   passed to `parse` untrimmed.
 * @param parse Parses one item; what it throws escapes.
 * @returns The parsed values in input order, without duplicates; empty for
 *   an empty or all-blank input.
 *
 * @example
 * ```ts
 * import { parseList, parseEnergySource } from "./types.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(parseList("rapl, acpi,,rapl-sysfs", parseEnergySource), ["rapl-sysfs", "acpi"]);
 * ```
 */
export function parseList<T>(input: string, parse: (s: string) => T): T[] {
  const out: T[] = [];
  for (const item of input.split(",")) {
    if (item.trim() === "") continue;
    const value = parse(item);
    if (!out.includes(value)) out.push(value);
  }
  return out;
}
