/**
 * The extractors: from a query to a training frame of per-second usage
 * features and power labels in watts.
 *
 * `default` works per Kepler instance (node):
 *
 * - **Instances.** A series belongs to the instance named by its `instance`
 *   label (the scrape target: the only label that both Kepler's node
 *   metrics and its container metrics carry; Kepler's own node name is in
 *   `exported_instance`). Instances are never summed together (upstream
 *   #519). If the container metrics and the node metrics name their single
 *   instance differently (Prometheus `honor_labels`), the two are paired.
 * - **Grid.** Each instance's timestamps are those of its energy series. A
 *   scrape where no energy counter of the source moved is a stale repeat of
 *   the previous one and is removed, so the next interval spans from the
 *   last real sample. Row k is the interval (t[k-1], t[k]].
 * - **Power** per component = Σ over sockets (`package` label) and modes
 *   (`dynamic`, `idle`) of Δjoules/Δt with the row's own Δt, from the series
 *   whose `source` label is the energy source. A row is kept only when every
 *   socket×mode counter has samples at both ends of the interval and did
 *   not decrease (a decrease is a counter reset: the interval is dropped).
 * - **Features**: each counter series gives Δcounter/Δt over its own
 *   consecutive samples; the rate is spread over the grid rows it overlaps
 *   (exactly one row when timestamps align). A reset or NaN makes the
 *   overlapped rows unusable (dropped, not zeroed). A container's first
 *   sample has no interval: it contributes nothing until its second sample.
 *   At node level features are summed over containers; at container level
 *   each container has a row where it has a rate, with the node's power.
 *   Series that differ only in scrape labels (job, pod, …) are one counter:
 *   overlapping incarnations are counted once.
 * - System features (`node_info`, `cpu_scaling_frequency_hertz`) are gauges:
 *   the mean over their series at the row's timestamp.
 *
 * `smooth` is `default` followed by {@linkcode smoothFrame}.
 *
 * @module
 */
import {
  type Component,
  DEFAULT_ENERGY_SOURCE,
  type EnergySource,
  type ExtractorName,
  type FeatureGroup,
  featureGroupFeatures,
  featureMetric,
  SOURCE_COMPONENTS,
} from "../types.ts";
import type { Frame, FrameLevel } from "./frame.ts";
import { instanceOf, instancePower, type SeriesOptions } from "./_power.ts";
import {
  containerOf,
  counterUsage,
  gaugeUsage,
  type InstanceGrid,
  type InstanceUsage,
} from "./_usage.ts";
import type { QueryData } from "./read_query.ts";
import { assemble } from "./_assemble.ts";
import type { Prepared } from "./_assemble.ts";
import { smoothFrame } from "./smooth.ts";
import {
  isGaugeFeature,
  missingFeatureMetrics,
} from "./valid_feature_groups.ts";
import {
  checkExcludedFraction,
  DEFAULT_MAX_EXCLUDED_FRACTION,
  defaultMaxPowerWatts,
  type ExclusionReport,
} from "./data_checks.ts";
import { exclusionReport } from "./_exclusions.ts";
import { specFromNodeInfo } from "./machine_spec_of.ts";

/** Options of {@linkcode extract} and {@linkcode extractFeatureGroups}. */
export interface ExtractOptions {
  /**
   * Energy source of the power labels.
   *
   * @default {"rapl-sysfs"}
   */
  source?: EnergySource;
  /**
   * `"node"`: one row per timestamp and instance, features summed over
   * containers (AbsPower data). `"container"`: one row per container (the
   * input of the isolators, DynPower data).
   *
   * @default {"node"}
   */
  level?: FrameLevel;
  /**
   * `"default"` or `"smooth"`.
   *
   * @default {"default"}
   */
  extractor?: ExtractorName;
  /**
   * Rolling-mean window of the `smooth` extractor, in samples.
   *
   * @default {30}
   */
  smoothWindow?: number;
  /**
   * Third-party metric names (features of `ThirdParty`).
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
  /**
   * Node type of the rows: one number for every instance, or a number per
   * instance name (instances not listed get 0).
   *
   * @default {0}
   */
  nodeType?: number | Readonly<Record<string, number>>;
  /**
   * Power bound per component and node (W); an interval above it is
   * excluded (see data_checks.ts).
   *
   * @default {undefined} `defaultMaxPowerWatts()` of the spec in the query's `kepler_node_info` (2000 W per socket), else 5000 W
   */
  maxPowerWatts?: number;
  /**
   * Largest share of intervals excluded for data that cannot be true
   * before the whole query is refused (an `ImplausibleDataError`).
   *
   * @default {0.2}
   */
  maxExcludedFraction?: number;
  /**
   * Receives what was excluded from each query.
   *
   * @default {undefined} none
   */
  onExcluded?: (report: ExclusionReport) => void;
}

function describeMissing(
  query: QueryData,
  group: FeatureGroup,
  thirdParty: readonly string[],
): string | undefined {
  if (featureGroupFeatures(group, { thirdParty }).length === 0) {
    return `Cannot extract ${group} features: no third-party metrics were given (--thirdparty-metrics)`;
  }
  const missing = missingFeatureMetrics(query, group, { thirdParty });
  if (missing.length === 0) return undefined;
  const absent = missing.filter((m) => m.problem === "missing").map((m) =>
    m.metric
  );
  const empty = missing.filter((m) => m.problem === "no data" && !m.tooFew)
    .map((m) => m.metric);
  const few = missing.filter((m) => m.tooFew === true).map((m) => m.metric);
  const parts: string[] = [];
  if (absent.length === 1) {
    parts.push(`metric ${absent[0]} is missing from ${query.origin}`);
  } else if (absent.length > 1) {
    parts.push(`metrics ${absent.join(", ")} are missing from ${query.origin}`);
  }
  if (empty.length > 0) {
    parts.push(
      `${empty.length === 1 ? "metric" : "metrics"} ${empty.join(", ")} ${
        empty.length === 1 ? "has" : "have"
      } no series with usable samples in ${query.origin}`,
    );
  }
  if (few.length > 0) {
    parts.push(
      `${few.length === 1 ? "metric" : "metrics"} ${few.join(", ")} ${
        few.length === 1 ? "has" : "have"
      } fewer than 2 samples per series in ${query.origin} (a rate needs two samples)`,
    );
  }
  return `Cannot extract ${group} features: ${parts.join("; ")}`;
}

/** Every instance's power on its grid; throws when none is usable. */
function preparePower(
  query: QueryData,
  source: EnergySource,
  components: readonly Component[],
  seriesOptions: SeriesOptions,
) {
  const { instances: power, problems: powerProblems } = instancePower(
    query,
    source,
    components,
    seriesOptions,
  );
  if (powerProblems.length > 0) {
    throw new RangeError(
      `Cannot extract ${source} power: ${
        powerProblems.map((p) => `metric ${p.metric} ${p.problem}`).join("; ")
      }`,
    );
  }
  if (power.size === 0) {
    throw new RangeError(
      `Cannot extract ${source} power from ${query.origin}: no Kepler instance has series of every component (${
        components.join(", ")
      })`,
    );
  }
  return power;
}

/**
 * How a usage series' labels map to a power instance: by the instance
 * label, or onto the only power instance when usage and power come from
 * one instance each under different names.
 */
function instanceMapper(
  query: QueryData,
  features: readonly string[],
  power: ReadonlyMap<string, unknown>,
  source: string,
  seriesOptions: SeriesOptions,
): (labels: Readonly<Record<string, string>>) => string {
  const featureInstances = new Set<string>();
  for (const f of features) {
    for (const s of query.metrics.get(featureMetric(f)) ?? []) {
      if (s.labels.job !== seriesOptions.vmJobName) {
        featureInstances.add(instanceOf(s.labels, seriesOptions));
      }
    }
  }
  let mapInstance = (labels: Readonly<Record<string, string>>) =>
    instanceOf(labels, seriesOptions);
  const overlap = [...featureInstances].some((i) => power.has(i));
  if (!overlap && featureInstances.size === 1 && power.size === 1) {
    const only = [...power.keys()][0]!;
    mapInstance = () => only;
  } else if (!overlap) {
    throw new RangeError(
      `Cannot extract features from ${query.origin}: the usage metrics come from Kepler instances ${
        [...featureInstances].sort().join(", ") || "(none)"
      } but the ${source} energy metrics from ${
        [...power.keys()].sort().join(", ")
      } (label "${seriesOptions.instanceLabel}"); pass the label that names a Kepler instance in both`,
    );
  }
  return mapInstance;
}

/** Every feature's usage on the instances' grids, and which are per container. */
function prepareUsage(
  query: QueryData,
  features: readonly string[],
  grids: ReadonlyMap<string, InstanceGrid>,
  mapInstance: (labels: Readonly<Record<string, string>>) => string,
  seriesOptions: SeriesOptions,
) {
  const usage = new Map<string, Map<string, InstanceUsage>>();
  const containerLevel = new Map<string, boolean>();
  for (const f of features) {
    const series = query.metrics.get(featureMetric(f)) ?? [];
    const gauge = isGaugeFeature(f);
    usage.set(
      f,
      gauge
        ? gaugeUsage(series, grids, mapInstance, seriesOptions)
        : counterUsage(series, grids, mapInstance, seriesOptions),
    );
    containerLevel.set(
      f,
      !gauge && series.some((s) => containerOf(s.labels) !== undefined),
    );
  }
  return { usage, containerLevel };
}

function prepare(
  query: QueryData,
  groups: readonly FeatureGroup[],
  options: ExtractOptions,
): Prepared {
  const thirdParty = options.thirdParty ?? [];
  const problems = groups.map((g) => describeMissing(query, g, thirdParty))
    .filter((m): m is string => m !== undefined);
  if (problems.length > 0) throw new RangeError(problems.join(". "));

  const source = options.source ?? DEFAULT_ENERGY_SOURCE;
  const components = SOURCE_COMPONENTS[source];
  const maxPowerWatts = options.maxPowerWatts ??
    defaultMaxPowerWatts(specFromNodeInfo(query)?.spec);
  const seriesOptions: SeriesOptions = {
    instanceLabel: options.instanceLabel ?? "instance",
    vmJobName: options.vmJobName ?? "vm",
    maxPowerWatts,
  };
  const power = preparePower(query, source, components, seriesOptions);
  const features = [
    ...new Set(groups.flatMap((g) => featureGroupFeatures(g, { thirdParty }))),
  ];
  const mapInstance = instanceMapper(
    query,
    features,
    power,
    source,
    seriesOptions,
  );
  const { usage, containerLevel } = prepareUsage(
    query,
    features,
    power,
    mapInstance,
    seriesOptions,
  );
  const report = exclusionReport(query.origin, power, usage, maxPowerWatts);
  options.onExcluded?.(report);
  checkExcludedFraction(
    report,
    options.maxExcludedFraction ?? DEFAULT_MAX_EXCLUDED_FRACTION,
  );
  return {
    source,
    components,
    power,
    usage,
    containerLevel,
    instances: [...power.keys()].sort(),
  };
}

/**
 * Extracts several feature groups from one query, reading each metric once.
 * Throws a `RangeError` that lists every missing metric when a group is not
 * valid for the query, or that says why no row could be made.
 *
 * @param query The parsed Prometheus query result.
 * @param groups The feature groups to extract; each gets its own frame.
 * @param options Energy source, frame level, extractor and label options.
 * @returns One frame per group, keyed by group (in the order given).
 * @throws {RangeError} when a group's metrics are missing from the query,
 *   or no row can be made (e.g. no instance has enough consecutive rows
 *   for the smooth window).
 *
 * @example
 * ```ts
 * import { extractFeatureGroups } from "./extract.ts";
 * import { parseQuery } from "./read_query.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const joules = (source: string, values: [number, string][]) => ({ metric: { source, instance: "n1", mode: "dynamic" }, values });
 * const usage = (values: [number, string][]) => [{ metric: { instance: "n1", container_id: "c1" }, values }];
 * const q = parseQuery(JSON.stringify({
 *   kepler_node_platform_joules_total: [joules("acpi", [[0, "0"], [3, "300"], [9, "900"]])],
 *   kepler_container_bpf_cpu_time_ms_total: usage([[0, "0"], [3, "30"], [9, "90"]]),
 *   kepler_container_bpf_page_cache_hit_total: usage([[0, "0"], [3, "0"], [9, "6"]]),
 * }));
 * const frame = extractFeatureGroups(q, ["BPFOnly"], { source: "acpi" }).get("BPFOnly")!;
 * assertEquals([...frame.timestamp], [3, 9]);
 * assertEquals([...frame.power.platform!], [100, 100]);
 * assertEquals([...frame.features.bpf_cpu_time_ms!], [10, 10]);
 * assertEquals([...frame.features.bpf_page_cache_hit!], [0, 1]);
 * ```
 */
export function extractFeatureGroups(
  query: QueryData,
  groups: readonly FeatureGroup[],
  options: ExtractOptions = {},
): Map<FeatureGroup, Frame> {
  const source = extractFeatureGroupsLazily(query, groups, options);
  const out = new Map<FeatureGroup, Frame>();
  for (const group of groups) out.set(group, source.get(group)!);
  return out;
}

/** Frames of several feature groups, each made when it is asked for. */
export interface FrameSource {
  /**
   * The frame of a group (made anew at each call), or undefined for a
   * group the source was not made for.
   */
  get(group: FeatureGroup): Frame | undefined;
}

/**
 * {@linkcode extractFeatureGroups} with each group's frame made only when
 * asked for: the metrics are read once, now (so a missing metric or data
 * that cannot be true throws here), and no more than the frame asked for
 * is held, which keeps memory low when frames are large (container level)
 * and used one at a time.
 *
 * @param query The parsed Prometheus query result.
 * @param groups The feature groups the source can make.
 * @param options Energy source, frame level, extractor and label options.
 * @returns The source of the groups' frames.
 * @throws {RangeError} when a group's metrics are missing from the query;
 *   `get` throws when a group gives no row.
 *
 * @example
 * ```ts
 * import { extractFeatureGroupsLazily } from "./extract.ts";
 * import { parseQuery } from "./read_query.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const joules = [{ metric: { source: "acpi", instance: "n1", mode: "dynamic" }, values: [[0, "0"], [3, "300"]] }];
 * const usage = [{ metric: { instance: "n1", container_id: "c1" }, values: [[0, "0"], [3, "30"]] }];
 * const q = parseQuery(JSON.stringify({
 *   kepler_node_platform_joules_total: joules,
 *   kepler_container_bpf_cpu_time_ms_total: usage,
 *   kepler_container_bpf_page_cache_hit_total: usage,
 * }));
 * const source = extractFeatureGroupsLazily(q, ["BPFOnly"], { source: "acpi" });
 * assertEquals([...source.get("BPFOnly")!.power.platform!], [100]);
 * assertEquals(source.get("IRQOnly"), undefined);
 * ```
 */
export function extractFeatureGroupsLazily(
  query: QueryData,
  groups: readonly FeatureGroup[],
  options: ExtractOptions = {},
): FrameSource {
  const level = options.level ?? "node";
  const prepared = prepare(query, groups, options);
  return {
    get(group: FeatureGroup): Frame | undefined {
      if (!groups.includes(group)) return undefined;
      const frame = assemble(prepared, query, group, level, options);
      if ((options.extractor ?? "default") !== "smooth") return frame;
      const window = options.smoothWindow ?? 30;
      const smoothed = smoothFrame(frame, { window });
      if (smoothed.length === 0) {
        throw new RangeError(
          `Cannot extract ${group} features with the smooth extractor from ${query.origin}: no ${
            level === "node" ? "instance" : "container"
          } has ${window} consecutive rows (smooth window ${window})`,
        );
      }
      return smoothed;
    },
  };
}

/**
 * Extracts one feature group from a query (see {@linkcode extractFeatureGroups}).
 *
 * @param query The parsed Prometheus query result.
 * @param group The feature group whose columns the frame keeps.
 * @param options Energy source, frame level, extractor and label options.
 * @returns The group's frame: features as per-second rates, power in watts.
 * @throws {RangeError} when the group's metrics are missing from the query
 *   or no row can be made.
 *
 * @example
 * ```ts
 * import { extract } from "./extract.ts";
 * import { parseQuery } from "./read_query.ts";
 * import { throws as assertThrows } from "node:assert/strict";
 * const q = parseQuery('{"kepler_container_bpf_cpu_time_ms_total": []}', { origin: "data/q.json" });
 * assertThrows(() => extract(q, "BPFOnly"), {
 *   name: "RangeError",
 *   message: /^Cannot extract BPFOnly features: metric kepler_container_bpf_page_cache_hit_total is missing from data\/q.json/,
 * });
 * ```
 */
export function extract(
  query: QueryData,
  group: FeatureGroup,
  options: ExtractOptions = {},
): Frame {
  return extractFeatureGroups(query, [group], options).get(group)!;
}
