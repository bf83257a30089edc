/**
 * The extractor's data checks over a whole query, for `validate`: what
 * extraction would exclude as data that cannot be true, per energy source.
 *
 * @module
 */
import {
  ENERGY_SOURCES,
  type EnergySource,
  featureGroupFeatures,
  featureMetric,
  SOURCE_COMPONENTS,
} from "../types.ts";
import { instanceOf, instancePower, type SeriesOptions } from "./_power.ts";
import { counterUsage, type InstanceUsage } from "./_usage.ts";
import { exclusionReport } from "./_exclusions.ts";
import {
  DEFAULT_MAX_EXCLUDED_FRACTION,
  defaultMaxPowerWatts,
  EXCLUSION_REASONS,
  type ExclusionReport,
} from "./data_checks.ts";
import { specFromNodeInfo } from "./machine_spec_of.ts";
import type { QueryData } from "./read_query.ts";
import { isGaugeFeature, validFeatureGroups } from "./valid_feature_groups.ts";

/** Options of {@linkcode checkQueryData}. */
export interface CheckQueryOptions {
  /**
   * Power bound per component and node (W).
   *
   * @default {undefined} 2000 W per socket of the spec in the query's `kepler_node_info`, else 5000 W
   */
  maxPowerWatts?: number;
  /**
   * Third-party metrics.
   *
   * @default {undefined} none
   */
  thirdParty?: readonly string[];
  /**
   * The label that identifies a Kepler instance.
   *
   * @default {"instance"}
   */
  instanceLabel?: string;
  /**
   * Prometheus job of VM metrics, which are left out.
   *
   * @default {"vm"}
   */
  vmJobName?: string;
}

/**
 * What extraction would exclude from `query` for each energy source with
 * power: the energy counters of every component and the usage counters of
 * every feature group the query can give (see data_checks.ts).
 *
 * @param query The query data.
 * @param options The bound and labels. Default: `{}`.
 * @returns One report per energy source whose power can be read.
 *
 * @example
 * ```ts
 * import { checkQueryData } from "./check_query.ts";
 * import { parseQuery } from "./read_query.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const values = [[0, "-9000"], [3, "300"], [6, "600"], [9, "900"]];
 * const q = parseQuery(JSON.stringify({
 *   kepler_node_platform_joules_total: [{ metric: { source: "acpi", instance: "n" }, values }],
 * }), { origin: "q.json" });
 * const report = checkQueryData(q).get("acpi")!;
 * assertEquals([report.intervals, report.excluded, report.counts.negative_counter], [3, 1, 1]);
 * ```
 */
export function checkQueryData(
  query: QueryData,
  options: CheckQueryOptions = {},
): Map<EnergySource, ExclusionReport> {
  const thirdParty = options.thirdParty ?? [];
  const maxPowerWatts = options.maxPowerWatts ??
    defaultMaxPowerWatts(specFromNodeInfo(query)?.spec);
  const seriesOptions: SeriesOptions = {
    instanceLabel: options.instanceLabel ?? "instance",
    vmJobName: options.vmJobName ?? "vm",
    maxPowerWatts,
  };
  const features = [
    ...new Set(
      validFeatureGroups(query, { thirdParty }).flatMap((g) =>
        featureGroupFeatures(g, { thirdParty })
      ),
    ),
  ].filter((f) => !isGaugeFeature(f));
  const out = new Map<EnergySource, ExclusionReport>();
  for (const source of ENERGY_SOURCES) {
    const { instances, problems } = instancePower(
      query,
      source,
      SOURCE_COMPONENTS[source],
      seriesOptions,
    );
    if (problems.length > 0 || instances.size === 0) continue;
    // usage and power of one instance each under different names are paired
    const only = instances.size === 1 ? [...instances.keys()][0]! : undefined;
    const mapInstance = (labels: Readonly<Record<string, string>>) => {
      const name = instanceOf(labels, seriesOptions);
      return instances.has(name) || only === undefined ? name : only;
    };
    const usage = new Map<string, Map<string, InstanceUsage>>();
    for (const f of features) {
      const series = query.metrics.get(featureMetric(f)) ?? [];
      usage.set(f, counterUsage(series, instances, mapInstance, seriesOptions));
    }
    out.set(
      source,
      exclusionReport(query.origin, instances, usage, maxPowerWatts),
    );
  }
  return out;
}

/**
 * The validate summary's lines for {@linkcode checkQueryData}'s reports:
 * the intervals excluded per reason (every reason, zeros included) for each
 * energy source, those dropped across counter resets or for NaN or infinite
 * samples, and whether the input would be refused.
 *
 * @param reports The reports per source.
 * @param maxFraction The limit of excluded intervals. Default: 0.2.
 * @returns Lines for a person.
 *
 * @example
 * ```ts
 * import { formatDataChecks } from "./check_query.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const counts = { negative_counter: 3, counter_decrease: 0, power_above_bound: 0, stuck_counter: 0 };
 * const report = { origin: "q.json", intervals: 10, excluded: 3, counts, resets: 1, nonFinite: 2, maxPowerWatts: 5000 };
 * assertEquals(formatDataChecks(new Map([["acpi", report]])), [
 *   "Data that cannot be true (intervals extract excludes; power bound 5000 W):",
 *   "  acpi: 3 of 10 intervals (30.0 %): negative_counter 3, counter_decrease 0, power_above_bound 0, stuck_counter 0; 1 more across counter resets; 2 more with NaN or infinite samples; above the 20.0 % limit: extract and train refuse this input",
 * ]);
 * ```
 */
export function formatDataChecks(
  reports: ReadonlyMap<EnergySource, ExclusionReport>,
  maxFraction = DEFAULT_MAX_EXCLUDED_FRACTION,
): string[] {
  const first = [...reports.values()][0];
  if (first === undefined) {
    return [
      "Data that cannot be true: not checked (no energy source with power).",
    ];
  }
  const lines = [
    `Data that cannot be true (intervals extract excludes; power bound ${first.maxPowerWatts} W):`,
  ];
  for (const [source, r] of reports) {
    const share = r.intervals === 0 ? 0 : r.excluded / r.intervals;
    lines.push(
      `  ${source}: ${r.excluded} of ${r.intervals} intervals (${
        (100 * share).toFixed(1)
      } %): ${
        EXCLUSION_REASONS.map((reason) => `${reason} ${r.counts[reason]}`)
          .join(", ")
      }${r.resets > 0 ? `; ${r.resets} more across counter resets` : ""}${
        r.nonFinite > 0
          ? `; ${r.nonFinite} more with NaN or infinite samples`
          : ""
      }${
        share > maxFraction
          ? `; above the ${
            (100 * maxFraction).toFixed(1)
          } % limit: extract and train refuse this input`
          : ""
      }`,
    );
  }
  return lines;
}
