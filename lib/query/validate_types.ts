/**
 * The options, rows and report of {@linkcode validateQuery}.
 *
 * @module
 */
import type { Component, FeatureGroup } from "../types.ts";

/** One row of upstream's validate table. */
export interface ValidateRow {
  /** Pod (the benchmark name, a CPE pod, or "" for energy rows). */
  pod: string;
  /** CPE scenario id, or the energy source for energy rows, else "". */
  scenarioID: string;
  /** The metric name. */
  query: string;
  /** Samples (rows of upstream's frame). */
  count: number;
  /** Samples with a value above 0. */
  ">0": number;
  /** Largest value (upstream's `total`: a counter's maximum). */
  total: number;
}

/** Options of {@linkcode validateQuery}. */
export interface ValidateOptions {
  /**
   * Benchmark name: container rows count only pods whose `pod_name`
   * contains it, when any does (upstream's filter).
   *
   * @default {undefined} all pods
   */
  benchmark?: string;
  /**
   * Content of the benchmark file; a CPE Benchmark CR (with `status`) gives
   * one row per scenario, repetition pod and container metric.
   *
   * @default {undefined} none
   */
  benchmarkContent?: unknown;
  /**
   * Third-party metrics, for the ThirdParty/WorkloadOnly/Full groups.
   *
   * @default {undefined} none
   */
  thirdParty?: readonly string[];
  /**
   * The query step in seconds, for gap detection.
   *
   * @default {undefined} each series' median spacing
   */
  step?: number;
}

/** Availability of one feature group. */
export interface FeatureGroupStatus {
  /** The group. */
  group: FeatureGroup;
  /** All its metrics have at least 2 samples. */
  usable: boolean;
  /** Metrics that are missing or have fewer than 2 samples. */
  missing: string[];
  /** The features of those metrics (e.g. `cache_miss`). */
  missingFeatures: string[];
}

/** Power data of one energy source and component. */
export interface EnergyStatus {
  /** Energy source (the `source` label, aliases resolved). */
  source: string;
  /** Component. */
  component: Component;
  /** The metric read. */
  metric: string;
  /** Series of this source. */
  series: number;
  /** Samples. */
  samples: number;
  /**
   * Mean power in W: Σ over counters (sockets, modes, instances) of the
   * counter's joules over the seconds of its measured intervals, as extract
   * reads them (resets skipped, duplicated series counted once); 0 when
   * none.
   */
  meanWatts: number;
  /** Some counter increased: the source has power. */
  hasPower: boolean;
  /** Intervals where a counter decreased (a reset), left out as extract does. */
  resetsSkipped: number;
  /**
   * Series that repeat a counter of another series, differing only in
   * scrape labels (`job`, `pod`, `endpoint`, ...; e.g. the same Kepler
   * scraped by two jobs): counted once, as extract does.
   */
  duplicateSeries: number;
}

/** The readable part of a validation. */
export interface ValidationSummary {
  /** First and last sample time, unix seconds; undefined without samples. */
  window: { first: number; last: number } | undefined;
  /** Metrics in the query. */
  metrics: number;
  /** Series in total. */
  series: number;
  /** Samples in total. */
  samples: number;
  /** Metrics without any series. */
  emptyMetrics: string[];
  /** Distinct `instance` labels (scrape targets). */
  instances: string[];
  /** Distinct `exported_instance` labels (Kepler's node names). */
  nodes: string[];
  /** Container series (distinct `container_id`/pod/name sets) in container metrics. */
  containers: number;
  /** Feature groups (current ones always; legacy ones only when usable). */
  featureGroups: FeatureGroupStatus[];
  /** Energy sources × components that have series. */
  energy: EnergyStatus[];
  /** Gaps: spacing above 1.5 × the step within a series. */
  gaps: { count: number; series: number; largestSeconds: number };
  /** Decreases of a `_total` counter within a series. */
  counterResets: { count: number; series: number; metrics: string[] };
  /** Whether container rows were filtered by the benchmark name. */
  filteredByBenchmark: boolean;
}

/** Result of {@linkcode validateQuery}. */
export interface ValidationReport {
  /** Upstream's table. */
  rows: ValidateRow[];
  /** The readable summary. */
  summary: ValidationSummary;
}
