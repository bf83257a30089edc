/**
 * A model's metadata (its `metadata.json`, or its row of the pipeline's
 * `<source>_<ot>_model_metadata.csv`) and the one place where upstream's
 * Python-repr CSV columns (`['bpf_cpu_time_ms']`, `{'cores': 96}`, `True`)
 * are written and read back.
 *
 * @module
 */
import { parseModelName } from "../layout.ts";
import type {
  MachineSpec,
  ModelClass,
  OutputType,
  TrainerName,
} from "../types.ts";

/** A model's `metadata.json`. */
export interface ModelMetadata {
  /** `<Trainer>_<node type>`. */
  model_name: string;
  /** Trainer name. */
  trainer: TrainerName;
  /** `scikit`, `xgboost` or `curvefit`, as upstream. */
  model_class: ModelClass;
  /** The model dict file, `<model_name>.json`. */
  model_file: string;
  /** Input features, in model order. */
  features: string[];
  /** Extra transform files (always empty for our JSON models). */
  fe_files: string[];
  /** AbsPower or DynPower. */
  output_type: OutputType;
  /** Max over components of the test MAE (W), rounded to 2 places. */
  mae: number;
  /** Max over components with a defined MAPE (%), or −1. */
  mape: number;
  /** Node type, when known in the pipeline's index. */
  node_type?: number;
  /** Machine spec of the node type, when known. */
  machine_spec?: MachineSpec;
  /** Per-component errors: `<c>_mae`, `<c>_mape`; ours: `<c>_mse`, `<c>_r2`. */
  [key: string]: unknown;
}

/**
 * Python's `repr` of a JSON-like value, as pandas writes lists and dicts
 * into CSV cells: `['a', 'b']`, `{'cores': 96}`, `True`, `None`.
 *
 * @param value The value to write.
 * @returns Its Python repr.
 *
 * @example
 * ```ts
 * import { pythonRepr } from "./model_metadata.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(pythonRepr(["a", "b"]), "['a', 'b']");
 * assertEquals(pythonRepr({ processor: "x", cores: 96, f: 1.5 }), "{'processor': 'x', 'cores': 96, 'f': 1.5}");
 * assertEquals(pythonRepr([]), "[]");
 * ```
 */
export function pythonRepr(value: unknown): string {
  if (value === null || value === undefined) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  if (typeof value === "number") {
    if (Number.isNaN(value)) return "nan";
    if (!Number.isFinite(value)) return value > 0 ? "inf" : "-inf";
    return String(value);
  }
  if (typeof value === "string") {
    const quote = value.includes("'") && !value.includes('"') ? '"' : "'";
    const escaped = value.replaceAll("\\", "\\\\").replaceAll("\n", "\\n");
    return quote + (quote === "'" ? escaped.replaceAll("'", "\\'") : escaped) +
      quote;
  }
  if (Array.isArray(value)) return `[${value.map(pythonRepr).join(", ")}]`;
  if (typeof value === "object") {
    return `{${
      Object.entries(value as Record<string, unknown>).map(([k, v]) =>
        `${pythonRepr(k)}: ${pythonRepr(v)}`
      ).join(", ")
    }}`;
  }
  return String(value);
}

/**
 * A number as Python prints a float: whole numbers keep `.0`.
 *
 * @param n The number.
 * @returns Its Python float repr.
 *
 * @example
 * ```ts
 * import { pythonFloat } from "./model_metadata.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals([pythonFloat(0), pythonFloat(-1), pythonFloat(2.5)], ["0.0", "-1.0", "2.5"]);
 * ```
 */
export function pythonFloat(n: number): string {
  if (!Number.isFinite(n)) return pythonRepr(n);
  return Number.isInteger(n) && Math.abs(n) < 1e16 ? `${n}.0` : String(n);
}

/**
 * Reads Python's repr of a list of strings (`['a', 'b']`).
 *
 * @param text The cell.
 * @returns The strings, in order.
 *
 * @example
 * ```ts
 * import { parsePythonList } from "./model_metadata.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(parsePythonList("['bpf_cpu_time_ms', \"a'b\"]"), ["bpf_cpu_time_ms", "a'b"]);
 * ```
 */
export function parsePythonList(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/'([^']*)'|"([^"]*)"/g)) {
    out.push((m[1] ?? m[2]) as string);
  }
  return out;
}

/**
 * One cell of a model summary CSV as a value: a number, a list of strings
 * (a Python list), text, or undefined when empty.
 *
 * @param cell The cell's text.
 * @returns Its value.
 *
 * @example
 * ```ts
 * import { parseSummaryCell } from "./model_metadata.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals([parseSummaryCell("2.5"), parseSummaryCell("['a']"), parseSummaryCell("x"), parseSummaryCell(" ")],
 *   [2.5, ["a"], "x", undefined]);
 * ```
 */
export function parseSummaryCell(cell: string): unknown {
  const t = cell.trim();
  if (t === "") return undefined;
  if (/^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t)) return Number(t);
  if (t.startsWith("[")) return parsePythonList(t);
  return t;
}

/**
 * A summary row as metadata: each named column's value
 * ({@linkcode parseSummaryCell}); pandas' index columns and empty cells
 * are left out.
 *
 * @param header The CSV header.
 * @param cells The row's cells.
 * @returns The row's metadata.
 *
 * @example
 * ```ts
 * import { parseSummaryRow } from "./model_metadata.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(parseSummaryRow(["", "model_name", "features", "mae"], ["0", "X_1", "['a']", "2"]),
 *   { model_name: "X_1", features: ["a"], mae: 2 });
 * ```
 */
export function parseSummaryRow(
  header: readonly string[],
  cells: readonly string[],
): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  header.forEach((h, i) => {
    if (h === "" || h.startsWith("Unnamed")) return;
    const v = parseSummaryCell(cells[i] ?? "");
    if (v !== undefined) record[h] = v;
  });
  return record;
}

/**
 * The features of a model's metadata: a list of strings, or a Python list
 * as the summary CSV holds it; undefined otherwise.
 *
 * @param value The `features` field.
 * @returns The features, in model order.
 *
 * @example
 * ```ts
 * import { featuresOf } from "./model_metadata.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals([featuresOf(["a"]), featuresOf("['b']"), featuresOf(3)], [["a"], ["b"], undefined]);
 * ```
 */
export function featuresOf(value: unknown): string[] | undefined {
  if (Array.isArray(value) && value.every((v) => typeof v === "string")) {
    return value as string[];
  }
  if (typeof value === "string" && value.startsWith("[")) {
    return parsePythonList(value);
  }
  return undefined;
}

/**
 * A model's node type: its metadata's `node_type` (from its
 * `metadata.json` or its summary row). Only a model with no metadata at
 * all (a bare `<Trainer>_<nt>.json` weight file, or an old summary without
 * the column) falls back to the node type its file is named with; this is
 * the one place that does.
 *
 * @param metadata The model's metadata (`node_type` a number or a numeric cell).
 * @param name The model's name, for the fallback.
 * @returns The node type, or undefined.
 *
 * @example
 * ```ts
 * import { modelNodeType } from "./model_metadata.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(modelNodeType({ node_type: 2 }, "X_3"), 2);
 * assertEquals(modelNodeType({}, "X_3"), 3);
 * ```
 */
export function modelNodeType(
  metadata: Readonly<Record<string, unknown>>,
  name: string,
): number | undefined {
  const v = metadata.node_type;
  if (typeof v === "number" && Number.isInteger(v)) return v;
  return parseModelName(name)?.nodeType;
}

/**
 * A model's trainer: its metadata's `trainer`, else (a model known only by
 * its file name) the trainer its name is made of.
 *
 * @param metadata The model's metadata.
 * @param name The model's name, for the fallback.
 * @returns The trainer name.
 *
 * @example
 * ```ts
 * import { modelTrainer } from "./model_metadata.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(modelTrainer({}, "SGDRegressorTrainer_3"), "SGDRegressorTrainer");
 * ```
 */
export function modelTrainer(
  metadata: Readonly<Record<string, unknown>>,
  name: string,
): string | undefined {
  if (typeof metadata.trainer === "string") return metadata.trainer;
  return parseModelName(name)?.trainer;
}

/**
 * The error a model is ranked by: its blocked cross-validation figure
 * (`cv_mae`, `cv_mape`) when it was cross-validated, `Infinity` when its
 * cross-validation failed (a fold's model could not be fitted or predicted
 * non-finite values on unseen time: it ranks last), else the holdout figure
 * upstream ranks by (`mae`, `mape`; models trained with `--cv-folds 0`, or
 * by upstream). A missing or negative figure (upstream's −1 for an
 * undefined MAPE) is `Infinity`.
 *
 * @param metadata The model's metadata.
 * @param key The error key (`mae` or `mape`, upstream's ERROR_KEY).
 * @returns The error to rank by (lower is better).
 *
 * @example
 * ```ts
 * import { rankingError } from "./model_metadata.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(rankingError({ mae: 1, cv_folds: 3, cv_mae: 2.5 }, "mae"), 2.5);
 * assertEquals(rankingError({ mae: 1 }, "mae"), 1);
 * assertEquals(rankingError({ mae: 1, cv_folds: 3, cv_failed: "x" }, "mae"), Infinity);
 * assertEquals(rankingError({ mape: -1 }, "mape"), Infinity);
 * ```
 */
export function rankingError(
  metadata: Readonly<Record<string, unknown>>,
  key: string,
): number {
  const figure = (v: unknown) =>
    typeof v === "number" && Number.isFinite(v) && v >= 0 ? v : Infinity;
  if (typeof metadata.cv_failed === "string") return Infinity;
  if (typeof metadata.cv_folds === "number" && metadata.cv_folds > 0) {
    const cv = metadata[`cv_${key}`];
    if (cv !== undefined) return figure(cv);
  }
  return figure(metadata[key]);
}
