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

/** Node-level system features. */
export const SYSTEM_FEATURES = [
  "node_info",
  "cpu_scaling_frequency_hertz",
] as const;
/** Hardware counter features (upstream's COUNTER_FEAUTRES). */
export const COUNTER_FEATURES = [
  "cache_miss",
  "cpu_cycles",
  "cpu_instructions",
] as const;
/** eBPF features. */
export const BPF_FEATURES = ["bpf_cpu_time_ms", "bpf_page_cache_hit"] as const;
/** eBPF soft-IRQ counter features. */
export const IRQ_FEATURES = [
  "bpf_block_irq",
  "bpf_net_rx_irq",
  "bpf_net_tx_irq",
] as const;
/** Accelerator features (node level). */
export const ACCELERATOR_FEATURES = ["accelerator_intel_qat"] as const;
/** cgroupfs features of Kepler up to v0.7.10, for old data. */
export const CGROUP_FEATURES = [
  "cgroupfs_cpu_usage_us",
  "cgroupfs_memory_usage_bytes",
  "cgroupfs_system_cpu_usage_us",
  "cgroupfs_user_cpu_usage_us",
] as const;
/** kubelet features of early Kepler v0.7 / v0.6, for old data. */
export const KUBELET_FEATURES = [
  "kubelet_cpu_usage",
  "kubelet_memory_bytes",
] as const;

/** Workload features (counter, BPF, IRQ and accelerator). */
export const WORKLOAD_FEATURES = [
  ...COUNTER_FEATURES,
  ...BPF_FEATURES,
  ...IRQ_FEATURES,
  ...ACCELERATOR_FEATURES,
] as const;

/** Every known built-in feature name. */
export const FEATURES = [
  ...WORKLOAD_FEATURES,
  ...SYSTEM_FEATURES,
  ...CGROUP_FEATURES,
  ...KUBELET_FEATURES,
] as const;
/** One built-in feature name. */
export type Feature = typeof FEATURES[number];

/** Feature groups a model can be trained on (names as on disk). */
export const FEATURE_GROUPS = [
  "CounterOnly",
  "BPFOnly",
  "BPFIRQ",
  "IRQOnly",
  "CounterIRQCombined",
  "Basic",
  "WorkloadOnly",
  "Full",
  "AcceleratorOnly",
  "ThirdParty",
] as const;
/** One current feature group. */
export type CurrentFeatureGroup = typeof FEATURE_GROUPS[number];

/** Feature groups of older Kepler data (removed upstream in 2024). */
export const LEGACY_FEATURE_GROUPS = ["CgroupOnly", "KubeletOnly"] as const;

/** Every feature group, current and legacy. */
export const ALL_FEATURE_GROUPS = [
  ...FEATURE_GROUPS,
  ...LEGACY_FEATURE_GROUPS,
] as const;
/** One feature group, e.g. `"BPFOnly"`. */
export type FeatureGroup = typeof ALL_FEATURE_GROUPS[number];

function sorted<T extends string>(xs: readonly T[]): readonly T[] {
  return Object.freeze([...new Set(xs)].sort());
}

/**
 * The features of each built-in feature group, sorted alphabetically: the
 * sorted order is the model input order (upstream sorts them too).
 * `ThirdParty` is empty here: its features are given at run time, see
 * {@linkcode featureGroupFeatures}.
 */
export const FEATURE_GROUP_FEATURES: Readonly<
  Record<FeatureGroup, readonly string[]>
> = {
  CounterOnly: sorted(COUNTER_FEATURES),
  BPFOnly: sorted(BPF_FEATURES),
  BPFIRQ: sorted([...BPF_FEATURES, ...IRQ_FEATURES]),
  IRQOnly: sorted(IRQ_FEATURES),
  CounterIRQCombined: sorted([...COUNTER_FEATURES, ...IRQ_FEATURES]),
  Basic: sorted([...COUNTER_FEATURES, ...BPF_FEATURES]),
  WorkloadOnly: sorted(WORKLOAD_FEATURES),
  Full: sorted([...WORKLOAD_FEATURES, ...SYSTEM_FEATURES]),
  AcceleratorOnly: sorted(ACCELERATOR_FEATURES),
  ThirdParty: Object.freeze([]),
  CgroupOnly: sorted(CGROUP_FEATURES),
  KubeletOnly: sorted(KUBELET_FEATURES),
};

/** Options of {@linkcode featureGroupFeatures}. */
export interface FeatureGroupOptions {
  /**
   * Third-party metric names (`--thirdparty-metrics`): the features of
   * `ThirdParty`, and added to `WorkloadOnly` and `Full` as upstream does.
   * Default: none.
   */
  thirdParty?: readonly string[];
}

/**
 * The sorted features of a feature group.
 *
 * @example
 * ```ts
 * import { featureGroupFeatures } from "./types.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(featureGroupFeatures("BPFOnly"), ["bpf_cpu_time_ms", "bpf_page_cache_hit"]);
 * assertEquals(featureGroupFeatures("ThirdParty", { thirdParty: ["z", "a"] }), ["a", "z"]);
 * ```
 */
export function featureGroupFeatures(
  group: FeatureGroup,
  options: FeatureGroupOptions = {},
): readonly string[] {
  const extra = options.thirdParty ?? [];
  const base = FEATURE_GROUP_FEATURES[group];
  if (group === "ThirdParty") return sorted(extra);
  if (group === "WorkloadOnly" || group === "Full") {
    return sorted([...base, ...extra]);
  }
  return base;
}

/**
 * The feature a curve-fit model of a group and component is fitted on
 * (upstream's `main_feature`): `cpu_instructions` for counter groups and
 * `bpf_cpu_time_ms` for BPF groups; for `dram`, `cache_miss` and
 * `bpf_page_cache_hit`. Falls back to the group's first feature.
 *
 * @example
 * ```ts
 * import { mainFeature } from "./types.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(mainFeature("Basic", "package"), "cpu_instructions");
 * assertEquals(mainFeature("BPFOnly", "dram"), "bpf_page_cache_hit");
 * ```
 */
export function mainFeature(
  group: FeatureGroup,
  component: Component,
  options: FeatureGroupOptions = {},
): string {
  const features = featureGroupFeatures(group, options);
  const has = (f: string) => features.includes(f);
  if (has("cpu_instructions")) {
    return component === "dram" && has("cache_miss")
      ? "cache_miss"
      : "cpu_instructions";
  }
  if (has("bpf_cpu_time_ms")) {
    return component === "dram" && has("bpf_page_cache_hit")
      ? "bpf_page_cache_hit"
      : "bpf_cpu_time_ms";
  }
  if (has("accelerator_intel_qat")) return "accelerator_intel_qat";
  const first = features[0];
  if (first === undefined) {
    throw new RangeError(
      `Cannot pick a main feature: feature group ${group} has no features`,
    );
  }
  return first;
}

// -------------------------------------------------------------- trainers

/** The ten upstream trainers, by their upstream class names. */
export const TRAINERS = [
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
export const MODEL_CLASSES = ["scikit", "xgboost", "curvefit"] as const;
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
};

// ---------------------------------------------------- pipeline components

/** Extractors (`--extractor`). */
export const EXTRACTORS = ["default", "smooth"] as const;
/** One extractor name. */
export type ExtractorName = typeof EXTRACTORS[number];

/**
 * Isolators (`--isolator`): upstream's four, plus `quantile` (a robust idle
 * estimate per component).
 */
export const ISOLATORS = [
  "none",
  "min",
  "profile",
  "trainer",
  "quantile",
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

/** Prefix of every Kepler metric. */
export const KEPLER_PREFIX = "kepler_";

/** Levels a Kepler usage or energy metric is exported at. */
export const METRIC_LEVELS = ["node", "container", "process", "vm"] as const;
/** One metric level. */
export type MetricLevel = typeof METRIC_LEVELS[number];

/** Kepler's node information metric (upstream queries a wrong name). */
export const NODE_INFO_METRIC = "kepler_node_info";

/** Label of `kepler_node_info` that carries the CPU micro-architecture. */
export const CPU_ARCHITECTURE_LABEL = "cpu_architecture";

/** Labels that identify a container in Kepler's container metrics. */
export const CONTAINER_ID_LABELS = [
  "container_id",
  "pod_name",
  "container_name",
  "container_namespace",
] as const;
/** Labels that identify a process in Kepler's process metrics. */
export const PROCESS_ID_LABELS = ["container_id", "pid"] as const;
/** Label that identifies a VM in Kepler's VM metrics. */
export const VM_ID_LABELS = ["vm_id"] as const;

/** Kepler's pseudo-containers for host processes. */
export const PSEUDO_CONTAINERS = [
  { container_name: "system_processes", container_namespace: "system" },
  { container_name: "kernel_processes", container_namespace: "kernel" },
] as const;

/** Energy mode label values. */
export const ENERGY_MODES = ["dynamic", "idle"] as const;
/** One energy mode. */
export type EnergyMode = typeof ENERGY_MODES[number];

/** Prometheus job name of VM metrics (upstream's `VM_JOB_NAME`). */
export const DEFAULT_VM_JOB_NAME = "vm";

/**
 * The metric a feature is read from.
 *
 * Workload features are `kepler_<level>_<f>_total` (level `container` for
 * bare-metal training, `process` or `vm` for VM training); `node_info` is
 * `kepler_node_info`; other system and accelerator features are
 * `kepler_node_<f>`; third-party features are their own metric names.
 *
 * @example
 * ```ts
 * import { featureMetric } from "./types.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(featureMetric("cpu_cycles"), "kepler_container_cpu_cycles_total");
 * assertEquals(featureMetric("cpu_cycles", "process"), "kepler_process_cpu_cycles_total");
 * assertEquals(featureMetric("node_info"), "kepler_node_info");
 * assertEquals(featureMetric("my_metric"), "my_metric");
 * ```
 */
export function featureMetric(
  feature: string,
  level: Exclude<MetricLevel, "node"> = "container",
): string {
  if (feature === "node_info") return NODE_INFO_METRIC;
  if (
    (SYSTEM_FEATURES as readonly string[]).includes(feature) ||
    (ACCELERATOR_FEATURES as readonly string[]).includes(feature)
  ) {
    return `kepler_node_${feature}`;
  }
  if ((FEATURES as readonly string[]).includes(feature)) {
    return `kepler_${level}_${feature}_total`;
  }
  return feature;
}

/**
 * The energy counter of a component: `kepler_node_<c>_joules_total`, or
 * `kepler_vm_<c>_joules_total` for VM training.
 *
 * @example
 * ```ts
 * import { powerMetric } from "./types.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(powerMetric("package"), "kepler_node_package_joules_total");
 * assertEquals(powerMetric("platform", "vm"), "kepler_vm_platform_joules_total");
 * ```
 */
export function powerMetric(
  component: Component,
  level: "node" | "vm" = "node",
): string {
  return `kepler_${level}_${component}_joules_total`;
}

/** The power column of a component in frames and CSVs: `<c>_power`. */
export function powerColumn(component: Component): `${Component}_power` {
  return `${component}_power`;
}

/** A metric of an older Kepler that is read as a current one. */
export interface MetricAlias {
  /** The old metric name as found in a query. */
  readonly from: string;
  /** The current metric name it is read as. */
  readonly to: string;
  /** Factor applied to values (`to = from × factor`). */
  readonly factor: number;
}

/**
 * Older metric names read through aliases: `bpf_cpu_time_us` was renamed to
 * `bpf_cpu_time_ms` in Kepler v0.7.3, so its microseconds are divided by
 * 1000; `kepler_node_node_info` and `kepler_node_nodeInfo` are node info.
 */
export const METRIC_ALIASES: readonly MetricAlias[] = [
  {
    from: "kepler_container_bpf_cpu_time_us_total",
    to: "kepler_container_bpf_cpu_time_ms_total",
    factor: 1e-3,
  },
  {
    from: "kepler_process_bpf_cpu_time_us_total",
    to: "kepler_process_bpf_cpu_time_ms_total",
    factor: 1e-3,
  },
  {
    from: "kepler_vm_bpf_cpu_time_us_total",
    to: "kepler_vm_bpf_cpu_time_ms_total",
    factor: 1e-3,
  },
  { from: "kepler_node_node_info", to: NODE_INFO_METRIC, factor: 1 },
  { from: "kepler_node_nodeInfo", to: NODE_INFO_METRIC, factor: 1 },
];

/**
 * Resolves a metric name read from a query to its current name and value
 * factor; names without an alias map to themselves with factor 1.
 *
 * @example
 * ```ts
 * import { resolveMetricAlias } from "./types.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(resolveMetricAlias("kepler_container_bpf_cpu_time_us_total"), {
 *   name: "kepler_container_bpf_cpu_time_ms_total", factor: 0.001 });
 * assertEquals(resolveMetricAlias("kepler_node_info"), { name: "kepler_node_info", factor: 1 });
 * ```
 */
export function resolveMetricAlias(
  metric: string,
): { name: string; factor: number } {
  const alias = METRIC_ALIASES.find((a) => a.from === metric);
  return alias
    ? { name: alias.to, factor: alias.factor }
    : { name: metric, factor: 1 };
}

// ------------------------------------------------------------- parsers

/**
 * A parser for a closed vocabulary: trims the input, accepts exact values,
 * aliases and case-insensitive matches, and otherwise throws a `RangeError`
 * that names the value and lists the valid ones. Every vocabulary parser of
 * the project (here, in lib/simulate and the CLI) is built with it.
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
