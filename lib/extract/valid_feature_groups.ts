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
import { containerOf } from "./_usage.ts";

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
  /**
   * With `no data` for a counter: every series has fewer than 2 samples
   * (usable or not), so no rate can be made, rather than unusable ones.
   *
   * @default {undefined} false
   */
  readonly tooFew?: boolean;
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

/** Whether every series of a metric has fewer than 2 samples. */
function tooFewSamples(query: QueryData, metric: string): boolean {
  return (query.metrics.get(metric) ?? []).every((s) => s.values.length < 2);
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
      out.push(
        !isGaugeFeature(feature) && tooFewSamples(query, metric)
          ? { feature, metric, problem: "no data", tooFew: true }
          : { feature, metric, problem: "no data" },
      );
    }
  }
  return out;
}

/**
 * Why a feature group cannot be extracted per container (DynPower data)
 * from a query: some of its counter metrics have series, none of them per
 * container (e.g. a node-level third-party metric).
 *
 * @param query The parsed Prometheus query result.
 * @param group The feature group.
 * @param options The third-party metric names.
 * @returns The reason, or `undefined` when nothing stops it (missing
 *   metrics are told by {@linkcode missingFeatureMetrics}).
 *
 * @example
 * ```ts
 * import { perContainerProblem } from "./valid_feature_groups.ts";
 * import { parseQuery } from "./read_query.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const q = parseQuery('{"up_total": [{"metric": {"instance": "n"}, "values": [[1, "1"], [2, "3"]]}]}');
 * assertEquals(
 *   perContainerProblem(q, "ThirdParty", { thirdParty: ["up_total"] }),
 *   "Cannot extract ThirdParty features per container: up_total is a node-level metric (DynPower data needs per-container usage)",
 * );
 * ```
 */
export function perContainerProblem(
  query: QueryData,
  group: FeatureGroup,
  options: Pick<FeatureGroupQueryOptions, "thirdParty"> = {},
): string | undefined {
  const nodeOnly = featureGroupFeatures(group, options)
    .filter((f) => !isGaugeFeature(f))
    .map((f) => featureMetric(f))
    .filter((m) => {
      const series = query.metrics.get(m) ?? [];
      return series.length > 0 &&
        !series.some((s) => containerOf(s.labels) !== undefined);
    });
  if (nodeOnly.length === 0) return undefined;
  return `Cannot extract ${group} features per container: ${
    nodeOnly.join(", ")
  } ${
    nodeOnly.length === 1 ? "is a node-level metric" : "are node-level metrics"
  } (DynPower data needs per-container usage)`;
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
  return groupsOf(options).filter((g) =>
    missingFeatureMetrics(query, g, options).length === 0
  );
}

function groupsOf(options: FeatureGroupQueryOptions): readonly FeatureGroup[] {
  const thirdParty = options.thirdParty ?? [];
  return options.groups ??
    ALL_FEATURE_GROUPS.filter((g) =>
      g !== "ThirdParty" || thirdParty.length > 0
    );
}

/**
 * Why no feature group is valid in every query, when the reason is not
 * missing metrics: groups whose metrics are all there but whose counter
 * series have fewer than 2 samples each (a rate needs two; upstream counts
 * a query only with more than one row), or groups valid in some queries
 * but none in all of them.
 *
 * @param queries The queries (a group must be valid in each).
 * @param options The third-party metric names and the groups to consider.
 * @returns The reason, or `undefined` when neither applies (some group is
 *   valid in every query, or the groups lack metrics).
 *
 * @example
 * ```ts
 * import { featureGroupShortfall } from "./valid_feature_groups.ts";
 * import { parseQuery } from "./read_query.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const series = '[{"metric": {}, "values": [[1, "1"]]}]';
 * const q = parseQuery(`{"kepler_container_bpf_cpu_time_ms_total": ${series}, "kepler_container_bpf_page_cache_hit_total": ${series}}`, { origin: "q.json" });
 * assertEquals(
 *   featureGroupShortfall([q]),
 *   "feature group BPFOnly has its metrics but fewer than 2 samples per series in q.json (a rate needs two samples; query a longer window)",
 * );
 * ```
 */
export function featureGroupShortfall(
  queries: readonly QueryData[],
  options: FeatureGroupQueryOptions = {},
): string | undefined {
  const groups = groupsOf(options);
  const valid = queries.map((q) => validFeatureGroups(q, options));
  const common = valid.reduce((a, v) => a.filter((g) => v.includes(g)), [
    ...groups,
  ]);
  if (common.length > 0) return undefined;
  for (const q of queries) {
    const short = groups.filter((g) => {
      const missing = missingFeatureMetrics(q, g, options);
      return missing.length > 0 && missing.every((m) => m.tooFew === true);
    });
    if (short.length === 0) continue;
    const one = short.length === 1;
    return `feature group${one ? "" : "s"} ${short.join(", ")} ${
      one ? "has its" : "have their"
    } metrics but fewer than 2 samples per series in ${q.origin} (a rate needs two samples; query a longer window)`;
  }
  if (queries.length < 2 || valid.some((v) => v.length === 0)) {
    return undefined;
  }
  return `no feature group is valid in every query (${
    queries.map((q, i) => `${q.origin}: ${valid[i]!.join(", ")}`).join("; ")
  })`;
}
