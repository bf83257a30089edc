/**
 * The metadata a pipeline writes, in upstream's formats: the pipeline's
 * `metadata.json`, each model's `metadata.json`, and the per-source summary
 * `<source>_<AbsPower|DynPower>_model_metadata.csv` (pandas `to_csv` with
 * its index column, lists and dicts as Python `repr`). Upstream's columns
 * come first, ours after.
 *
 * @module
 */
import type { CsvCell } from "../io/csv.ts";
import type {
  Component,
  ExtractorName,
  FeatureGroup,
  IsolatorName,
  TrainerName,
} from "../types.ts";
import {
  type ModelMetadata,
  pythonFloat,
  pythonRepr,
} from "./model_metadata.ts";

/** A pipeline's `metadata.json` (upstream's keys; `publisher` etc. on export). */
export interface PipelineMetadata {
  /** Pipeline name. */
  name: string;
  /** Isolator name. */
  isolator: IsolatorName;
  /** Extractor name. */
  extractor: ExtractorName;
  /** AbsPower trainers. */
  abs_trainers: TrainerName[];
  /** DynPower trainers. */
  dyn_trainers: TrainerName[];
  /** `bm_metrics` (container features) or `vm_metrics`. */
  metric_type: "bm_metrics" | "vm_metrics";
  /** First training, `%Y-%m-%d %H:%M:%S` UTC. */
  init_time: string;
  /** Last training, `%Y-%m-%d %H:%M:%S` UTC. */
  last_update_time: string;
  /** Export: GitHub account of the publisher. */
  publisher?: string;
  /** Export: when the data was collected. */
  collect_time?: string;
  /** Export: when the pipeline was exported. */
  export_time?: string;
  /** Ours: energy sources trained. */
  energy_sources?: string[];
  /** Ours: split used for the reported errors (`time` or `shuffle`). */
  split?: string;
  /** Ours: seed of all randomness. */
  seed?: number;
  /** Ours: kepler-model version that wrote it. */
  kepler_model_version?: string;
  /** `true` for a VM pipeline (`train --vm-train`); absent otherwise. */
  vm?: boolean;
  /**
   * A VM pipeline's models: how VM size enters them (`per-vcpu`,
   * `size-feature` or `none`); absent (as `none`) before it was recorded.
   */
  vm_normalization?: "per-vcpu" | "size-feature" | "none";
}

/**
 * Formats a UTC time as upstream writes it: `%Y-%m-%d %H:%M:%S`.
 *
 * @example
 * ```ts
 * import { formatPipelineTime } from "./pipeline_metadata.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(formatPipelineTime(new Date(Date.UTC(2024, 7, 14, 7, 11, 3))), "2024-08-14 07:11:03");
 * ```
 */
export function formatPipelineTime(date: Date): string {
  return date.toISOString().slice(0, 19).replace("T", " ");
}

/** Upstream's leading columns of the summary CSV (after the index). */
export const SUMMARY_COLUMNS = [
  "model_name",
  "trainer",
  "model_class",
  "model_file",
  "features",
  "fe_files",
  "output_type",
  "mae",
  "mape",
  "node_type",
  "machine_spec",
] as const;

/** Options of {@linkcode modelMetadataTable}. */
export interface SummaryOptions {
  /** Components of the energy source, in order (for `<c>_mae`, `<c>_mape`). */
  components: readonly Component[];
  /** Our extra columns, written after upstream's. Default: none. */
  extraColumns?: readonly string[];
}

/** One row of the summary: a model's metadata and its feature group. */
export interface SummaryRow {
  /** The model's metadata. */
  metadata: ModelMetadata;
  /** The feature group the model was trained on. */
  featureGroup: FeatureGroup;
}

/**
 * The summary table of a source and output type, as upstream writes it:
 * sorted by feature group then mae, with pandas' index column (the row's
 * position before sorting) first and `feature_group` after the
 * per-component errors; our extra columns follow.
 *
 * @example
 * ```ts
 * import { modelMetadataTable } from "./pipeline_metadata.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const md = (name: string, mae: number) => ({ model_name: name, trainer: "SGDRegressorTrainer" as const,
 *   model_class: "scikit" as const, model_file: `${name}.json`, features: ["a"], fe_files: [],
 *   output_type: "AbsPower" as const, mae, mape: -1, platform_mae: mae, platform_mape: -1 });
 * const t = modelMetadataTable([{ metadata: md("B_0", 3), featureGroup: "BPFOnly" },
 *   { metadata: md("A_0", 1), featureGroup: "BPFOnly" }], { components: ["platform"] });
 * assertEquals(t.rows.map((r) => r[0]), [1, 0]);
 * assertEquals(t.header.at(-1), "feature_group");
 * ```
 */
export function modelMetadataTable(
  rows: readonly SummaryRow[],
  options: SummaryOptions,
): { header: string[]; rows: CsvCell[][] } {
  const comps = options.components;
  const header = [
    "",
    ...SUMMARY_COLUMNS,
    ...comps.map((c) => `${c}_mae`),
    ...comps.map((c) => `${c}_mape`),
    "feature_group",
    ...(options.extraColumns ?? []),
  ];
  const order = rows.map((r, i) => ({ r, i })).sort((a, b) =>
    a.r.featureGroup < b.r.featureGroup
      ? -1
      : a.r.featureGroup > b.r.featureGroup
      ? 1
      : a.r.metadata.mae - b.r.metadata.mae || a.i - b.i
  );
  const cell = (v: unknown): CsvCell =>
    v === undefined
      ? ""
      : typeof v === "object" && v !== null
      ? pythonRepr(v)
      : typeof v === "boolean"
      ? pythonRepr(v)
      : v as CsvCell;
  // pandas writes a float column's whole numbers as "0.0": mae columns are
  // always floats (rounded errors); a mape column is a float column unless
  // every value is upstream's integer −1 ("undefined").
  const floatColumn = (key: string): boolean =>
    key === "mae" || key.endsWith("_mae") ||
    ((key === "mape" || key.endsWith("_mape")) &&
      rows.some((r) =>
        typeof r.metadata[key] === "number" && r.metadata[key] !== -1
      ));
  const value = (m: ModelMetadata, key: string): CsvCell => {
    const v = m[key];
    return typeof v === "number" && floatColumn(key) ? pythonFloat(v) : cell(v);
  };
  const out = order.map(({ r, i }) => {
    const m = r.metadata;
    return [
      i,
      ...SUMMARY_COLUMNS.map((k) => value(m, k)),
      ...comps.map((c) => value(m, `${c}_mae`)),
      ...comps.map((c) => value(m, `${c}_mape`)),
      r.featureGroup,
      ...(options.extraColumns ?? []).map((k) => value(m, k)),
    ];
  });
  return { header, rows: out };
}
