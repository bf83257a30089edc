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
import type { ContainerKey, Frame, FrameLevel } from "./frame.ts";
import {
  instanceOf,
  type InstancePower,
  instancePower,
  type SeriesOptions,
} from "./_power.ts";
import {
  containerOf,
  counterUsage,
  gaugeUsage,
  type InstanceGrid,
  type InstanceUsage,
  type SeriesRates,
} from "./_usage.ts";
import type { QueryData } from "./read_query.ts";
import { smoothFrame } from "./smooth.ts";
import {
  isGaugeFeature,
  missingFeatureMetrics,
} from "./valid_feature_groups.ts";

/** Options of {@linkcode extract} and {@linkcode extractFeatureGroups}. */
export interface ExtractOptions {
  /** Energy source of the power labels. Default: `"rapl-sysfs"`. */
  source?: EnergySource;
  /**
   * `"node"`: one row per timestamp and instance, features summed over
   * containers (AbsPower data). `"container"`: one row per container (the
   * input of the isolators, DynPower data). Default: `"node"`.
   */
  level?: FrameLevel;
  /** `"default"` or `"smooth"`. Default: `"default"`. */
  extractor?: ExtractorName;
  /** Rolling-mean window of the `smooth` extractor, in samples. Default: 30. */
  smoothWindow?: number;
  /** Third-party metric names (features of `ThirdParty`). Default: none. */
  thirdParty?: readonly string[];
  /** The label that identifies a Kepler instance. Default: `"instance"`. */
  instanceLabel?: string;
  /** Prometheus job of VM metrics, which are left out. Default: `"vm"`. */
  vmJobName?: string;
  /**
   * Node type of the rows: one number for every instance, or a number per
   * instance name (instances not listed get 0). Default: 0.
   */
  nodeType?: number | Readonly<Record<string, number>>;
}

interface Prepared {
  source: EnergySource;
  components: readonly Component[];
  power: Map<string, InstancePower>;
  usage: Map<string, Map<string, InstanceUsage>>;
  containerLevel: Map<string, boolean>;
  instances: string[];
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
  const empty = missing.filter((m) => m.problem === "no data").map((m) =>
    m.metric
  );
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
  return `Cannot extract ${group} features: ${parts.join("; ")}`;
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
  const seriesOptions: SeriesOptions = {
    instanceLabel: options.instanceLabel ?? "instance",
    vmJobName: options.vmJobName ?? "vm",
  };
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

  const features = [
    ...new Set(groups.flatMap((g) => featureGroupFeatures(g, { thirdParty }))),
  ];
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

  const grids = new Map<string, InstanceGrid>(power);
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
  return {
    source,
    components,
    power,
    usage,
    containerLevel,
    instances: [...power.keys()].sort(),
  };
}

function nodeTypeOf(options: ExtractOptions, instance: string): number {
  const nt = options.nodeType ?? 0;
  return typeof nt === "number" ? nt : nt[instance] ?? 0;
}

/** One container's summed rates per counter feature on rows [k0, k0+len). */
interface ContainerRates {
  k0: number;
  /** One column per counter feature of the group (undefined: no series). */
  values: (Float64Array | undefined)[];
  /** 1 where any of its series has a rate on the row. */
  touched: Uint8Array;
}

function containerRates(
  lists: readonly (readonly SeriesRates[] | undefined)[],
): ContainerRates {
  let k0 = Infinity;
  let k1 = -Infinity;
  for (const list of lists) {
    for (const r of list ?? []) {
      k0 = Math.min(k0, r.k0);
      k1 = Math.max(k1, r.k0 + r.values.length);
    }
  }
  if (k0 === Infinity) return { k0: 0, values: [], touched: new Uint8Array(0) };
  const len = k1 - k0;
  const touched = new Uint8Array(len);
  const values = lists.map((list) => {
    if (list === undefined) return undefined;
    const out = new Float64Array(len);
    for (const r of list) {
      const off = r.k0 - k0;
      for (let j = 0; j < r.values.length; j++) {
        if (r.touched[j]) {
          out[off + j]! += r.values[j]!;
          touched[off + j] = 1;
        }
      }
    }
    return out;
  });
  return { k0, values, touched };
}

function assemble(
  p: Prepared,
  query: QueryData,
  group: FeatureGroup,
  level: FrameLevel,
  options: ExtractOptions,
): Frame {
  const featureNames = featureGroupFeatures(group, {
    thirdParty: options.thirdParty ?? [],
  });
  const gauge = featureNames.map((f) => isGaugeFeature(f));
  const counters = featureNames.filter((_, j) => !gauge[j]);
  if (level === "container") {
    const nodeOnly = counters.filter((f) => !p.containerLevel.get(f));
    if (nodeOnly.length > 0) {
      throw new RangeError(
        `Cannot extract ${group} features per container: ${
          nodeOnly.map((f) => featureMetric(f)).join(", ")
        } ${
          nodeOnly.length === 1
            ? "is a node-level metric"
            : "are node-level metrics"
        } (use the node level)`,
      );
    }
  }
  // rows as parallel arrays: time, instance, grid row, container
  const rowT: number[] = [];
  const rowInst: number[] = [];
  const rowK: number[] = [];
  const rowC: number[] = [];
  const containers: ContainerKey[] = [];
  const containerData: ContainerRates[] = [];
  const usageOf: (InstanceUsage | undefined)[][] = [];
  p.instances.forEach((instance, inst) => {
    const power = p.power.get(instance)!;
    const usages = featureNames.map((f) => p.usage.get(f)?.get(instance));
    usageOf.push(usages);
    const n = power.grid.length;
    const ok = new Uint8Array(n);
    if (usages.every((u) => u !== undefined)) {
      for (let k = 1; k < n; k++) {
        let good = power.valid[k] === 1;
        for (let j = 0; good && j < usages.length; j++) {
          const u = usages[j]!;
          good = u.covered[k] === 1 && u.invalid[k] === 0;
        }
        ok[k] = good ? 1 : 0;
      }
    }
    if (level === "node") {
      for (let k = 1; k < n; k++) {
        if (!ok[k]) continue;
        rowT.push(power.grid[k]!);
        rowInst.push(inst);
        rowK.push(k);
        rowC.push(-1);
      }
      return;
    }
    // container level: the instance's containers, sorted by id
    const keyOf = new Map<string, ContainerKey>();
    for (const f of counters) {
      for (
        const [id, entry] of p.usage.get(f)?.get(instance)?.byContainer ?? []
      ) {
        if (entry.key !== undefined) keyOf.set(id, entry.key);
      }
    }
    const ids = [...keyOf.keys()].sort();
    const first = containers.length;
    for (const id of ids) {
      containers.push(keyOf.get(id)!);
      containerData.push(containerRates(
        counters.map((f) =>
          p.usage.get(f)?.get(instance)?.byContainer.get(id)?.rates
        ),
      ));
    }
    for (let k = 1; k < n; k++) {
      if (!ok[k]) continue;
      for (let c = first; c < containers.length; c++) {
        const d = containerData[c]!;
        const j = k - d.k0;
        if (j < 0 || j >= d.touched.length || !d.touched[j]) continue;
        rowT.push(power.grid[k]!);
        rowInst.push(inst);
        rowK.push(k);
        rowC.push(c);
      }
    }
  });
  // order by timestamp, then instance (rows of one instance are in order)
  const order = Array.from(rowT, (_, i) => i);
  if (p.instances.length > 1) {
    order.sort((a, b) =>
      rowT[a]! - rowT[b]! || rowInst[a]! - rowInst[b]! || a - b
    );
  }

  const length = order.length;
  if (length === 0) {
    throw new RangeError(
      `Cannot extract ${group} features from ${query.origin}: no interval has both ${p.source} power and usage data for the same Kepler instance (instances with ${p.source} power: ${
        p.instances.map((i) => i === "" ? '""' : i).join(", ")
      }; each needs two consecutive scrapes with every energy counter present)`,
    );
  }
  const timestamp = new Float64Array(length);
  const instance = new Uint32Array(length);
  const nodeType = new Int32Array(length);
  const container = level === "container" ? new Uint32Array(length) : undefined;
  const columns = featureNames.map(() => new Float64Array(length));
  const powerColumns = p.components.map(() => new Float64Array(length));
  const watts = p.instances.map((name) =>
    p.components.map((c) => p.power.get(name)!.components.get(c)!.watts)
  );
  const nodeTypes = p.instances.map((i) => nodeTypeOf(options, i));
  const counterIndex = featureNames.map((f) => counters.indexOf(f));
  for (let r = 0; r < length; r++) {
    const i = order[r]!;
    const inst = rowInst[i]!;
    const k = rowK[i]!;
    timestamp[r] = rowT[i]!;
    instance[r] = inst;
    nodeType[r] = nodeTypes[inst]!;
    const w = watts[inst]!;
    for (let c = 0; c < powerColumns.length; c++) {
      powerColumns[c]![r] = w[c]![k]!;
    }
    const usages = usageOf[inst]!;
    if (container === undefined) {
      for (let j = 0; j < columns.length; j++) {
        columns[j]![r] = usages[j]!.total[k]!;
      }
      continue;
    }
    const ci = rowC[i]!;
    container[r] = ci;
    const d = containerData[ci]!;
    for (let j = 0; j < columns.length; j++) {
      if (gauge[j]) {
        columns[j]![r] = usages[j]!.total[k]!;
      } else {
        const col = d.values[counterIndex[j]!];
        columns[j]![r] = col === undefined ? 0 : col[k - d.k0]!;
      }
    }
  }
  const features: Record<string, Float64Array> = {};
  featureNames.forEach((f, j) => features[f] = columns[j]!);
  const power: Partial<Record<Component, Float64Array>> = {};
  p.components.forEach((c, j) => power[c] = powerColumns[j]!);
  const frame: Frame = {
    level,
    source: p.source,
    length,
    timestamp,
    instances: p.instances,
    instance,
    containers,
    featureNames,
    features,
    components: p.components,
    power,
    nodeType,
  };
  return container === undefined ? frame : { ...frame, container };
}

/**
 * Extracts several feature groups from one query, reading each metric once.
 * Throws a `RangeError` that lists every missing metric when a group is not
 * valid for the query, or that says why no row could be made.
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
  const level = options.level ?? "node";
  const prepared = prepare(query, groups, options);
  const out = new Map<FeatureGroup, Frame>();
  for (const group of groups) {
    let frame = assemble(prepared, query, group, level, options);
    if ((options.extractor ?? "default") === "smooth") {
      const window = options.smoothWindow ?? 30;
      frame = smoothFrame(frame, { window });
      if (frame.length === 0) {
        throw new RangeError(
          `Cannot extract ${group} features with the smooth extractor from ${query.origin}: no ${
            level === "node" ? "instance" : "container"
          } has ${window} consecutive rows (smooth window ${window})`,
        );
      }
    }
    out.set(group, frame);
  }
  return out;
}

/**
 * Extracts one feature group from a query (see {@linkcode extractFeatureGroups}).
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
