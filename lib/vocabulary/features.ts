/**
 * The feature vocabulary (re-exported by `lib/types.ts`): Kepler's usage
 * features, the feature groups with their exact sorted feature lists, and
 * the feature names of older data read as current ones. Facts from
 * kepler-model-server HEAD 3829b624 (`src/util/train_types.py`) and its
 * 2023 history (the `bpf_cpu_time_us` and `nodeInfo` names).
 *
 * @module
 */

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
   *
   * @default {undefined} none
   */
  thirdParty?: readonly string[];
}

/**
 * The sorted features of a feature group.
 *
 * @param group The feature group, e.g. `BPFOnly`.
 * @param options The third-party metric names, the features of
 *   `ThirdParty` and added to `WorkloadOnly` and `Full`; empty adds none.
 * @returns The group's feature names, sorted; empty for `ThirdParty`
 *   without third-party metrics.
 *
 * @example
 * ```ts
 * import { featureGroupFeatures } from "../types.ts";
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

// ---------------------------------------------------------------- aliases

/** A feature column name of older data that stands for a current feature. */
export interface FeatureAlias {
  /** The old column name, e.g. `bpf_cpu_time_us`. */
  readonly from: string;
  /** The current feature it stands for, e.g. `bpf_cpu_time_ms`. */
  readonly to: Feature;
  /** Factor from the old unit to the current one (`to = from × factor`). */
  readonly factor: number;
}

/**
 * Feature column names of older data (upstream's preprocessed CSVs of
 * kepler-model-server v0.6 and Kepler up to v0.7.2) and the current
 * feature each stands for. `bpf_cpu_time_us` (microseconds, renamed in
 * Kepler v0.7.3) is `bpf_cpu_time_ms` × 1000; `nodeInfo` is `node_info`.
 * The metric names of the same renames are `METRIC_ALIASES`.
 */
export const FEATURE_ALIASES: readonly FeatureAlias[] = Object.freeze([
  { from: "bpf_cpu_time_us", to: "bpf_cpu_time_ms", factor: 1e-3 },
  { from: "nodeInfo", to: "node_info", factor: 1 },
]);

/**
 * The names a current feature may carry in a frame: itself, then the old
 * names of {@linkcode FEATURE_ALIASES} that stand for it.
 *
 * @param feature A current feature name, e.g. `bpf_cpu_time_ms`.
 * @returns The feature followed by its aliases, e.g.
 *   `["bpf_cpu_time_ms", "bpf_cpu_time_us"]`; only the feature itself when
 *   it has none.
 *
 * @example
 * ```ts
 * import { featureNamesOf } from "../types.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(featureNamesOf("bpf_cpu_time_ms"), ["bpf_cpu_time_ms", "bpf_cpu_time_us"]);
 * assertEquals(featureNamesOf("cache_miss"), ["cache_miss"]);
 * ```
 */
export function featureNamesOf(feature: string): string[] {
  return [
    feature,
    ...FEATURE_ALIASES.filter((a) => a.to === feature).map((a) => a.from),
  ];
}
