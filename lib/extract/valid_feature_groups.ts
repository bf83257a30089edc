/**
 * Which feature groups a query can give: a group is valid when every one of
 * its metrics has data (a counter needs a series with two usable samples, a
 * gauge one usable sample).
 *
 * @module
 */
import {
  ALL_FEATURE_GROUPS,
  type FeatureGroup,
  featureGroupFeatures,
  featureMetric,
  SYSTEM_FEATURES,
} from "../types.ts";
import type { QueryData } from "./read_query.ts";

/** Options of {@linkcode validFeatureGroups} and {@linkcode missingFeatureMetrics}. */
export interface FeatureGroupQueryOptions {
  /**
   * Third-party metric names (see `featureGroupFeatures`).
   *
   * @default {undefined} none
   */
  thirdParty?: readonly string[];
  /**
   * Groups to consider.
   *
   * @default {undefined} every group, current and legacy (`ThirdParty` only when third-party metrics are given)
   */
  groups?: readonly FeatureGroup[];
}

/** A metric a feature group needs and what is wrong with it. */
export interface MissingMetric {
  /** The feature. */
  readonly feature: string;
  /** The metric it is read from. */
  readonly metric: string;
  /** `missing`: not in the query; `no data`: present without usable samples. */
  readonly problem: "missing" | "no data";
}

/**
 * Whether a feature is a gauge (averaged at each timestamp) rather than a
 * counter (turned into a per-second rate): the system features.
 *
 * @example
 * ```ts
 * import { isGaugeFeature } from "./valid_feature_groups.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(isGaugeFeature("cpu_scaling_frequency_hertz"), true);
 * assertEquals(isGaugeFeature("bpf_cpu_time_ms"), false);
 * ```
 */
export function isGaugeFeature(feature: string): boolean {
  return (SYSTEM_FEATURES as readonly string[]).includes(feature);
}

function hasData(query: QueryData, metric: string, gauge: boolean): boolean {
  const need = gauge ? 1 : 2;
  for (const s of query.metrics.get(metric) ?? []) {
    let usable = 0;
    for (let i = 0; i < s.values.length; i++) {
      if (Number.isFinite(s.values[i]!) && ++usable >= need) return true;
    }
  }
  return false;
}

/**
 * The metrics of a feature group that are missing from a query or have no
 * usable samples (empty when the group is valid).
 *
 * @example
 * ```ts
 * import { missingFeatureMetrics } from "./valid_feature_groups.ts";
 * import { parseQuery } from "./read_query.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const q = parseQuery('{"kepler_container_bpf_cpu_time_ms_total": [{"metric": {}, "values": [[1, "1"], [2, "3"]]}]}');
 * assertEquals(missingFeatureMetrics(q, "BPFOnly"), [{
 *   feature: "bpf_page_cache_hit", metric: "kepler_container_bpf_page_cache_hit_total", problem: "missing",
 * }]);
 * ```
 */
export function missingFeatureMetrics(
  query: QueryData,
  group: FeatureGroup,
  options: FeatureGroupQueryOptions = {},
): MissingMetric[] {
  const thirdParty = options.thirdParty ?? [];
  const features = featureGroupFeatures(group, { thirdParty });
  const out: MissingMetric[] = [];
  if (features.length === 0) {
    return [{
      feature: "(third-party)",
      metric: "(none given)",
      problem: "missing",
    }];
  }
  for (const feature of features) {
    const metric = featureMetric(feature);
    if (!query.metrics.has(metric)) {
      out.push({ feature, metric, problem: "missing" });
    } else if (!hasData(query, metric, isGaugeFeature(feature))) {
      out.push({ feature, metric, problem: "no data" });
    }
  }
  return out;
}

/**
 * The feature groups whose metrics all have data in a query, in the order of
 * the vocabulary.
 *
 * @param query The parsed Prometheus query result.
 * @param options The third-party metric names and the groups to consider.
 * @returns The valid groups (empty when none is); a group is left out when
 *   one of its metrics is missing or has no usable samples.
 *
 * @example
 * ```ts
 * import { validFeatureGroups } from "./valid_feature_groups.ts";
 * import { parseQuery } from "./read_query.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const series = '[{"metric": {}, "values": [[1, "1"], [2, "3"]]}]';
 * const q = parseQuery(`{"kepler_container_bpf_cpu_time_ms_total": ${series}, "kepler_container_bpf_page_cache_hit_total": ${series}}`);
 * assertEquals(validFeatureGroups(q), ["BPFOnly"]);
 * ```
 */
export function validFeatureGroups(
  query: QueryData,
  options: FeatureGroupQueryOptions = {},
): FeatureGroup[] {
  const thirdParty = options.thirdParty ?? [];
  const groups = options.groups ??
    ALL_FEATURE_GROUPS.filter((g) =>
      g !== "ThirdParty" || thirdParty.length > 0
    );
  return groups.filter((g) =>
    missingFeatureMetrics(query, g, options).length === 0
  );
}
