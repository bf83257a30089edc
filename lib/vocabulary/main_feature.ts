/**
 * The main feature a curve-fit model is fitted on (upstream's
 * `main_feature`, re-exported by `lib/types.ts`), found among a frame's
 * columns through the feature aliases of older data. Facts from
 * kepler-model-server HEAD 3829b624 (`src/util/train_types.py`:
 * `default_main_feature_map`, `default_dram_feature_map`).
 *
 * @module
 */
import type { Component } from "../types.ts";
import {
  type FeatureGroup,
  featureGroupFeatures,
  type FeatureGroupOptions,
  featureNamesOf,
} from "./features.ts";

/**
 * Main features in order of preference, each with the feature `dram` is
 * fitted on instead when the group has it (upstream's two maps, written as
 * rules over the group's features so they also hold for groups upstream's
 * maps lack).
 */
const MAIN_FEATURE_RULES: readonly { main: string; dram?: string }[] = [
  { main: "cpu_instructions", dram: "cache_miss" },
  { main: "bpf_cpu_time_ms", dram: "bpf_page_cache_hit" },
  { main: "cgroupfs_cpu_usage_us", dram: "cgroupfs_memory_usage_bytes" },
  { main: "accelerator_intel_qat" },
];

/** Options of {@linkcode mainFeature}. */
export interface MainFeatureOptions extends FeatureGroupOptions {
  /**
   * The frame's feature columns: the main feature is looked up among them,
   * under its current name or an old one (`bpf_cpu_time_us` for
   * `bpf_cpu_time_ms`), and the column's name is returned. When `dram`'s
   * own feature is not among them (older data has no
   * `bpf_page_cache_hit`), the group's main feature is used.
   *
   * @default {undefined} the group's features, current names
   */
  columns?: readonly string[];
}

/**
 * The feature names a curve-fit model of a group and component may be
 * fitted on, most preferred first.
 */
function candidates(
  component: Component,
  features: readonly string[],
): string[] {
  const rule = MAIN_FEATURE_RULES.find((r) => features.includes(r.main));
  if (rule === undefined) return features.length > 0 ? [features[0]!] : [];
  return component === "dram" && rule.dram !== undefined &&
      features.includes(rule.dram)
    ? [rule.dram, rule.main]
    : [rule.main];
}

/**
 * The feature a curve-fit model of a group and component is fitted on
 * (upstream's `main_feature`): `cpu_instructions` for counter groups,
 * `bpf_cpu_time_ms` for BPF groups, `cgroupfs_cpu_usage_us` for
 * `CgroupOnly`; for `dram`, `cache_miss`, `bpf_page_cache_hit` and
 * `cgroupfs_memory_usage_bytes`. Other groups (`IRQOnly`, `KubeletOnly`,
 * `ThirdParty`) use their first feature.
 *
 * With `options.columns` (a frame's feature columns) the feature is found
 * among them through the feature aliases (`FEATURE_ALIASES`), so a v0.6 BPFIRQ frame
 * (`bpf_cpu_time_us`, no `bpf_page_cache_hit`) is fitted on
 * `bpf_cpu_time_us`; a frame without it is an error, never another column.
 *
 * @param group The model's feature group.
 * @param component The power component the model predicts.
 * @param options The third-party metric names (the features of
 *   `ThirdParty`, also added to `WorkloadOnly` and `Full`) and the frame's
 *   feature columns to find the feature among.
 * @returns The name of the feature to fit on: one of the group's features,
 *   or with `options.columns` the column that holds it (possibly under an
 *   old name).
 * @throws {RangeError} when the group has no features (`ThirdParty`
 *   without third-party metrics), or none of `options.columns` holds the
 *   main feature (the message names the group and the columns present).
 *
 * @example
 * ```ts
 * import { mainFeature } from "../types.ts";
 * import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
 * assertEquals(mainFeature("Basic", "package"), "cpu_instructions");
 * assertEquals(mainFeature("BPFOnly", "dram"), "bpf_page_cache_hit");
 * const v06 = ["bpf_block_irq", "bpf_cpu_time_us", "bpf_net_rx_irq", "bpf_net_tx_irq"];
 * assertEquals(mainFeature("BPFIRQ", "package", { columns: v06 }), "bpf_cpu_time_us");
 * assertEquals(mainFeature("BPFIRQ", "dram", { columns: v06 }), "bpf_cpu_time_us");
 * assertThrows(() => mainFeature("BPFIRQ", "package", { columns: ["bpf_block_irq"] }), RangeError);
 * ```
 */
export function mainFeature(
  group: FeatureGroup,
  component: Component,
  options: MainFeatureOptions = {},
): string {
  const features = featureGroupFeatures(group, options);
  const wanted = candidates(component, features);
  if (wanted.length === 0) {
    throw new RangeError(
      `Cannot pick a main feature: feature group ${group} has no features`,
    );
  }
  const { columns } = options;
  if (columns === undefined) return wanted[0]!;
  for (const feature of wanted) {
    const found = featureNamesOf(feature).find((n) => columns.includes(n));
    if (found !== undefined) return found;
  }
  throw new RangeError(
    `Cannot pick the ${component} main feature of ${group}: no column is ${
      wanted.flatMap(featureNamesOf).join(" or ")
    } (feature columns present: ${columns.join(", ") || "none"})`,
  );
}
