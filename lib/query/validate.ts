/**
 * `validate`: how much usable data a query JSON holds. Upstream's table
 * (`pod, scenarioID, query, count, >0, total`, from `get_validate_df`) and a
 * summary a person can read: usable feature groups, energy sources with
 * power, samples, gaps, counter resets and instances.
 *
 * @module
 */
import {
  ENERGY_SOURCES,
  FEATURE_GROUPS,
  type FeatureGroup,
  featureGroupFeatures,
  featureMetric,
  LEGACY_FEATURE_GROUPS,
  powerMetric,
  resolveMetricAlias,
  SOURCE_COMPONENTS,
} from "../types.ts";
import { formatUtc, type QueryResult } from "./format.ts";
import { type CompactResult, isCompactResult } from "./compact_series.ts";
import {
  countSamples,
  energyStatus,
  type NumericSeries,
  sourceOf,
} from "./_energy_status.ts";
import type {
  EnergyStatus,
  FeatureGroupStatus,
  ValidateOptions,
  ValidateRow,
  ValidationReport,
  ValidationSummary,
} from "./validate_types.ts";
export type {
  EnergyStatus,
  FeatureGroupStatus,
  ValidateOptions,
  ValidateRow,
  ValidationReport,
  ValidationSummary,
} from "./validate_types.ts";

/** The validate table's columns, in upstream's order. */
export const VALIDATE_COLUMNS = [
  "pod",
  "scenarioID",
  "query",
  "count",
  ">0",
  "total",
] as const;

/** Metric name → series with numbers. */
type NumericResult = Record<string, NumericSeries[]>;

/** A result's series with numbers (compact series already are). */
function numericResult(result: QueryResult | CompactResult): NumericResult {
  if (isCompactResult(result)) return result;
  const out: NumericResult = {};
  for (const [name, list] of Object.entries(result)) {
    out[name] = list.map((s) => ({
      metric: s.metric,
      times: s.values.map((sample) => sample[0]),
      values: s.values.map((sample) => Number(sample[1])),
    }));
  }
  return out;
}

interface Frame {
  count: number;
  positive: number;
  max: number;
}

function frameOf(series: readonly NumericSeries[]): Frame {
  let count = 0;
  let positive = 0;
  let max = -Infinity;
  for (const s of series) {
    const values = s.values;
    for (let i = 0; i < values.length; i++) {
      const x = values[i] as number;
      count++;
      if (x > 0) positive++;
      if (x > max) max = x;
    }
  }
  return { count, positive, max: count === 0 ? 0 : max };
}

function row(
  pod: string,
  scenarioID: string,
  query: string,
  frame: Frame,
): ValidateRow {
  return {
    pod,
    scenarioID,
    query,
    count: frame.count,
    ">0": frame.positive,
    total: frame.max,
  };
}

function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

function upstreamRows(
  result: NumericResult,
  options: ValidateOptions,
): { rows: ValidateRow[]; filtered: boolean } {
  const rows: ValidateRow[] = [];
  const benchmark = options.benchmark ?? "";
  const names = Object.keys(result);
  const containerQueries = names.filter((q) => q.includes("container"));
  const energyQueries = new Set(names.filter((q) => q.includes("_joules")));
  let filtered = false;
  const cr = options.benchmarkContent as
    | {
      status?: {
        results?: {
          scenarioID?: string;
          repetitions?: { pod?: string }[];
        }[];
      };
    }
    | undefined;
  const cpeResults = cr?.status?.results;
  if (Array.isArray(cpeResults)) {
    filtered = true;
    for (const r of cpeResults) {
      for (const rep of r.repetitions ?? []) {
        const pod = rep.pod ?? "";
        for (const q of containerQueries) {
          const series = (result[q] ?? []).filter((s) =>
            s.metric.pod_name === pod
          );
          rows.push(row(pod, String(r.scenarioID ?? ""), q, frameOf(series)));
        }
      }
    }
  } else {
    for (const q of containerQueries) {
      let series = result[q] ?? [];
      if (benchmark !== "") {
        const mine = series.filter((s) =>
          s.metric.pod_name?.includes(benchmark)
        );
        if (mine.length > 0) {
          filtered = true;
          series = mine;
        }
      }
      rows.push(row(benchmark, "", q, frameOf(series)));
    }
  }
  for (const source of ENERGY_SOURCES) {
    for (const component of SOURCE_COMPONENTS[source]) {
      const q = powerMetric(component);
      const series = (result[q] ?? []).filter((s) => sourceOf(s) === source);
      rows.push(row("", source, q, frameOf(series)));
    }
  }
  for (const q of names) {
    if (containerQueries.includes(q) || energyQueries.has(q)) continue;
    rows.push(row(benchmark, "", q, frameOf(result[q] ?? [])));
  }
  return { rows, filtered };
}

function featureGroupStatus(
  result: NumericResult,
  thirdParty: readonly string[],
): FeatureGroupStatus[] {
  const samples = new Map<string, number>();
  for (const [name, series] of Object.entries(result)) {
    const resolved = resolveMetricAlias(name).name;
    samples.set(resolved, (samples.get(resolved) ?? 0) + countSamples(series));
  }
  const groups: FeatureGroup[] = FEATURE_GROUPS.filter((g) =>
    g !== "ThirdParty" || thirdParty.length > 0
  );
  const out: FeatureGroupStatus[] = [];
  const status = (group: FeatureGroup): FeatureGroupStatus => {
    const features = featureGroupFeatures(group, { thirdParty });
    const absent = features.filter((f) =>
      (samples.get(featureMetric(f)) ?? 0) < 2
    );
    return {
      group,
      usable: features.length > 0 && absent.length === 0,
      missing: absent.map((f) => featureMetric(f)),
      missingFeatures: absent,
    };
  };
  for (const g of groups) out.push(status(g));
  for (const g of LEGACY_FEATURE_GROUPS) {
    const s = status(g);
    if (s.usable) out.push(s);
  }
  return out;
}

/** What the summary counts over every series. */
interface Tally {
  first: number;
  last: number;
  series: number;
  samples: number;
  instances: Set<string>;
  nodes: Set<string>;
  containers: Set<string>;
  gapCount: number;
  gapSeries: number;
  largestGap: number;
  resetCount: number;
  resetSeries: number;
  resetMetrics: Set<string>;
}

/** Counts gaps (intervals over 1.5 steps) among one series' intervals. */
function tallyGaps(tally: Tally, diffs: readonly number[], step: number) {
  if (!(Number.isFinite(step) && step > 0)) return;
  let gaps = 0;
  for (const d of diffs) {
    if (d > 1.5 * step) {
      gaps++;
      if (d > tally.largestGap) tally.largestGap = d;
    }
  }
  if (gaps > 0) {
    tally.gapCount += gaps;
    tally.gapSeries++;
  }
}

/** Adds one series of metric `name` to `tally`. */
function tallySeries(
  tally: Tally,
  name: string,
  s: NumericSeries,
  options: ValidateOptions,
): void {
  const counter = name.endsWith("_total");
  tally.series++;
  tally.samples += s.times.length;
  const m = s.metric;
  if (m.instance !== undefined) tally.instances.add(m.instance);
  if (m.exported_instance !== undefined) tally.nodes.add(m.exported_instance);
  if (name.includes("container") && m.container_name !== undefined) {
    tally.containers.add(
      [m.container_id, m.pod_name, m.container_name, m.container_namespace]
        .join("/"),
    );
  }
  const { times, values } = s;
  const n = times.length;
  if (n > 0 && (times[0] as number) < tally.first) tally.first = times[0]!;
  if (n > 0 && (times[n - 1] as number) > tally.last) {
    tally.last = times[n - 1]!;
  }
  const diffs: number[] = [];
  let resets = 0;
  for (let i = 1; i < n; i++) {
    diffs.push((times[i] as number) - (times[i - 1] as number));
    if (counter && (values[i] as number) < (values[i - 1] as number)) resets++;
  }
  if (resets > 0) {
    tally.resetCount += resets;
    tally.resetSeries++;
    tally.resetMetrics.add(name);
  }
  tallyGaps(tally, diffs, options.step ?? median(diffs));
}

/**
 * Validates a query result: upstream's table plus a readable summary.
 *
 * @param query The query JSON: metric name → series (as read, or compact).
 * @param options The benchmark name and content (pod filter, CPE
 *   scenarios), third-party metrics and the step for gap detection; empty
 *   counts all pods and takes each series' median spacing as its step.
 * @returns Upstream's table rows and the summary (window, counts, feature
 *   groups, energy sources, gaps, counter resets); an empty result gives
 *   no rows and a summary without a window.
 *
 * @example
 * ```ts
 * import { validateQuery } from "./validate.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const result = {
 *   kepler_container_bpf_cpu_time_ms_total: [{ metric: { pod_name: "stress-1" },
 *     values: [[0, "0"], [3, "30"], [6, "60"]] as [number, string][] }],
 *   kepler_node_package_joules_total: [{ metric: { source: "rapl-sysfs", package: "0", mode: "dynamic" },
 *     values: [[0, "100"], [3, "130"], [6, "10"]] as [number, string][] }],
 * };
 * const { rows, summary } = validateQuery(result, { benchmark: "stress" });
 * assertEquals(rows[0], { pod: "stress", scenarioID: "", query: "kepler_container_bpf_cpu_time_ms_total", count: 3, ">0": 2, total: 60 });
 * assertEquals(summary.featureGroups.find((g) => g.group === "BPFOnly")?.missing, ["kepler_container_bpf_page_cache_hit_total"]);
 * assertEquals(summary.counterResets.count, 1);
 * assertEquals(summary.energy[0]?.source, "rapl-sysfs");
 * ```
 */
export function validateQuery(
  query: QueryResult | CompactResult,
  options: ValidateOptions = {},
): ValidationReport {
  const result = numericResult(query);
  const { rows, filtered } = upstreamRows(result, options);
  const t: Tally = {
    first: Infinity,
    last: -Infinity,
    series: 0,
    samples: 0,
    instances: new Set(),
    nodes: new Set(),
    containers: new Set(),
    gapCount: 0,
    gapSeries: 0,
    largestGap: 0,
    resetCount: 0,
    resetSeries: 0,
    resetMetrics: new Set(),
  };
  const emptyMetrics: string[] = [];
  for (const [name, list] of Object.entries(result)) {
    if (list.length === 0) emptyMetrics.push(name);
    for (const s of list) tallySeries(t, name, s, options);
  }
  return {
    rows,
    summary: {
      window: t.samples > 0 ? { first: t.first, last: t.last } : undefined,
      metrics: Object.keys(result).length,
      series: t.series,
      samples: t.samples,
      emptyMetrics,
      instances: [...t.instances].sort(),
      nodes: [...t.nodes].sort(),
      containers: t.containers.size,
      featureGroups: featureGroupStatus(result, options.thirdParty ?? []),
      energy: energyStatus(result),
      gaps: {
        count: t.gapCount,
        series: t.gapSeries,
        largestSeconds: t.largestGap,
      },
      counterResets: {
        count: t.resetCount,
        series: t.resetSeries,
        metrics: [...t.resetMetrics].sort(),
      },
      filteredByBenchmark: filtered,
    },
  };
}

/**
 * The table's rows as CSV cells with upstream's unnamed index column
 * (pandas `to_csv`): header `["", ...VALIDATE_COLUMNS]`.
 *
 * @example
 * ```ts
 * import { validateTableCells } from "./validate.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const t = validateTableCells([{ pod: "p", scenarioID: "", query: "q", count: 2, ">0": 1, total: 5.5 }]);
 * assertEquals(t.header, ["", "pod", "scenarioID", "query", "count", ">0", "total"]);
 * assertEquals(t.rows, [[0, "p", "", "q", 2, 1, 5.5]]);
 * ```
 */
export function validateTableCells(
  rows: readonly ValidateRow[],
): { header: string[]; rows: (string | number)[][] } {
  return {
    header: ["", ...VALIDATE_COLUMNS],
    rows: rows.map((r, i) => [i, ...VALIDATE_COLUMNS.map((c) => r[c])]),
  };
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 || word.endsWith("s") ? "" : "s"}`;
}

/** What the mean power of `e` left out: resets, duplicated series. */
function energyNotes(e: EnergyStatus): string {
  const notes: string[] = [];
  if (e.resetsSkipped > 0) {
    notes.push(
      `${plural(e.resetsSkipped, "counter reset")} skipped`,
    );
  }
  if (e.duplicateSeries > 0) {
    notes.push(
      `${e.duplicateSeries} duplicate series (the same counter scraped again, e.g. by another job) counted once`,
    );
  }
  return notes.length === 0 ? "" : `; ${notes.join("; ")}`;
}

/**
 * Formats a summary as lines for a person.
 *
 * @param summary The summary of {@linkcode validateQuery}.
 * @returns One line per topic (data, instances, feature groups, energy
 *   sources, gaps, counter resets, metrics without data), without line
 *   breaks; unusable groups and each energy source get an indented line.
 *
 * @example
 * ```ts
 * import { formatValidationSummary, validateQuery } from "./validate.ts";
 * import { ok as assert } from "node:assert/strict";
 * const lines = formatValidationSummary(validateQuery({}).summary);
 * assert(lines.some((l) => l.includes("no samples")));
 * ```
 */
export function formatValidationSummary(summary: ValidationSummary): string[] {
  const lines: string[] = [];
  if (summary.window === undefined) {
    lines.push(
      `Data: ${plural(summary.metrics, "metric")}, no samples.`,
    );
  } else {
    const span = summary.window.last - summary.window.first;
    lines.push(
      `Data: ${plural(summary.metrics, "metric")}, ${
        plural(summary.series, "series")
      }, ${plural(summary.samples, "sample")} from ${
        formatUtc(summary.window.first)
      } to ${formatUtc(summary.window.last)} (${span} s).`,
    );
  }
  lines.push(
    `Instances: ${
      summary.instances.length > 0 ? summary.instances.join(", ") : "none"
    }${
      summary.nodes.length > 0
        ? `; Kepler nodes: ${summary.nodes.join(", ")}`
        : ""
    }; ${plural(summary.containers, "container")}.`,
  );
  const usable = summary.featureGroups.filter((g) => g.usable).map((g) =>
    g.group
  );
  lines.push(
    `Usable feature groups: ${usable.length > 0 ? usable.join(", ") : "none"}.`,
  );
  for (const g of summary.featureGroups.filter((g) => !g.usable)) {
    lines.push(`  ${g.group}: missing ${g.missingFeatures.join(", ")}`);
  }
  if (summary.energy.length === 0) {
    lines.push(
      "Energy sources: none (no kepler_node_<component>_joules_total series).",
    );
  } else {
    lines.push("Energy sources:");
    for (const e of summary.energy) {
      lines.push(
        `  ${e.source} ${e.component}: ${plural(e.series, "series")}, ${
          plural(e.samples, "sample")
        }, ${
          e.hasPower
            ? `mean ${e.meanWatts.toFixed(1)} W`
            : "no power (counters never increase)"
        }${energyNotes(e)}`,
      );
    }
  }
  lines.push(
    summary.gaps.count === 0
      ? "Gaps: none."
      : `Gaps: ${plural(summary.gaps.count, "gap")} in ${
        plural(summary.gaps.series, "series")
      }, largest ${summary.gaps.largestSeconds} s.`,
  );
  lines.push(
    summary.counterResets.count === 0
      ? "Counter resets: none."
      : `Counter resets: ${summary.counterResets.count} in ${
        plural(summary.counterResets.series, "series")
      } (${summary.counterResets.metrics.join(", ")}).`,
  );
  if (summary.emptyMetrics.length > 0) {
    lines.push(
      `Metrics without data: ${summary.emptyMetrics.join(", ")}.`,
    );
  }
  return lines;
}
