/**
 * Upstream's PowerRequest (the estimator sidecar protocol, also `POST
 * /estimate`), as Kepler's `EstimatorSidecar` sends it:
 *
 * ```json
 * {"metrics": ["bpf_cpu_time_ms", "bpf_page_cache_hit"], "values": [[642.3, 0]],
 *  "output_type": "AbsPower", "source": "intel_rapl",
 *  "system_features": ["cpu_architecture"], "system_values": ["Skylake"],
 *  "trainer_name": "", "filter": ""}
 * ```
 *
 * `values` has one row per process (or one for the node), each as long as
 * `metrics`. Optional keys of ours: `node_type`, `machine_spec`,
 * `pipeline_name` (to pick the model as `POST /model` does) and
 * `intervals` (ask the socket for interval bounds too).
 *
 * @module
 */
import type { EnergySource, MachineSpec, OutputType } from "../types.ts";
import { parseOutputType } from "../types.ts";
import {
  booleanField,
  checkPipelineName,
  checkTrainerName,
  machineSpecField,
  nodeTypeField,
  requestObject,
  show,
  stringField,
  stringListField,
} from "./_fields.ts";
import { type ModelFilter, parseModelFilter } from "./model_filter.ts";
import { requestSource } from "./model_request.ts";

/** A parsed PowerRequest. */
export interface PowerRequest {
  /** Feature names, the columns of `values`. */
  metrics: string[];
  /** Feature values: `values[j][i]` is metric j of row i (columnar). */
  columns: Float64Array[];
  /** Number of rows. */
  rows: number;
  /** AbsPower or DynPower. */
  outputType: OutputType;
  /** Energy source. */
  source: EnergySource;
  /** System feature names (e.g. `cpu_architecture`). */
  systemFeatures: string[];
  /** System feature values, as strings. */
  systemValues: string[];
  /** Only models of this trainer; `""` for any. */
  trainerName: string;
  /** Filters on model metadata. */
  filters: ModelFilter[];
  /** The filter as the request wrote it (`""`: none). */
  filter: string;
  /** Ours: node type (−1: any, the default). */
  nodeType: number;
  /** Ours: the requesting machine's spec. */
  machineSpec?: Partial<MachineSpec>;
  /** Ours: only this pipeline (`""`: the source's default). */
  pipelineName: string;
  /** Ours: include interval bounds in a socket reply. Default false. */
  intervals: boolean;
}

/**
 * A PowerRequest with more rows than the limit (`POST /estimate` answers
 * it with 413).
 *
 * @example
 * ```ts
 * import { TooManyRowsError } from "./power_request.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const e = new TooManyRowsError(12, 10);
 * assertEquals([e.rows, e.limit, e instanceof RangeError], [12, 10, true]);
 * ```
 */
export class TooManyRowsError extends RangeError {
  /** Rows in the request. */
  readonly rows: number;
  /** The limit. */
  readonly limit: number;
  /** The error of a request of `rows` rows above `limit`. */
  constructor(rows: number, limit: number) {
    super(
      `Field "values" has ${rows} rows, the limit is ${limit} (--max-estimate-rows)`,
    );
    this.name = "TooManyRowsError";
    this.rows = rows;
    this.limit = limit;
  }
}

/** Options of {@linkcode parsePowerRequest}. */
export interface PowerRequestOptions {
  /**
   * Most rows accepted (more: a {@linkcode TooManyRowsError}).
   *
   * @default {10000}
   */
  maxRows?: number;
}

/**
 * Parses and checks a PowerRequest body (already JSON-parsed) into columns.
 * Throws a `TypeError` or `RangeError` naming the bad field.
 *
 * @param body The parsed JSON body of an estimator request (Kepler's
 *   PowerRequest: `metrics`, `values` rows, `output_type`, `source`,
 *   `system_features` and `system_values`, ...).
 * @param options The most rows accepted.
 * @returns The request with one column per metric (`columns[j][i]` is
 *   metric j of row i) and defaults filled in.
 * @throws {TypeError} when the body is not an object or a field has the
 *   wrong type (e.g. a non-number in `values`).
 * @throws {RangeError} when a field's value is not allowed: more rows than
 *   `maxRows`, a row of the wrong length, a value that is not finite
 *   (`1e400`), system features and values of different lengths, or an
 *   unknown output type, source or trainer.
 *
 * @example
 * ```ts
 * import { parsePowerRequest } from "./power_request.ts";
 * import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
 * const r = parsePowerRequest({ metrics: ["a", "b"], values: [[1, 2], [3, 4]],
 *   output_type: "AbsPower", source: "acpi", system_features: [], system_values: [] });
 * assertEquals([r.rows, [...r.columns[1]!]], [2, [2, 4]]);
 * assertThrows(() => parsePowerRequest({ metrics: ["a"], values: [[1, 2]], output_type: "AbsPower" }), RangeError);
 * ```
 */
export function parsePowerRequest(
  body: unknown,
  options: PowerRequestOptions = {},
): PowerRequest {
  const o = requestObject(body, "power request");
  const metrics = stringListField(o, "metrics");
  const { columns, rows } = valueColumns(o, metrics, options.maxRows ?? 10_000);
  const ot = outputTypeText(o);
  const { systemFeatures, rawValues } = systemFields(o);
  const pipelineName = stringField(o, "pipeline_name", "");
  const filter = stringField(o, "filter", "", 4096);
  const out: PowerRequest = {
    metrics,
    columns,
    rows,
    outputType: parseOutputType(ot),
    source: requestSource(stringField(o, "source", "rapl-sysfs")),
    systemFeatures,
    systemValues: rawValues.map(String),
    trainerName: checkTrainerName(stringField(o, "trainer_name", "")),
    filters: parseModelFilter(filter),
    filter,
    nodeType: nodeTypeField(o, "node_type"),
    pipelineName: pipelineName === "" ? "" : checkPipelineName(pipelineName),
    intervals: booleanField(o, "intervals", false),
  };
  const spec = machineSpecField(o, ["machine_spec", "spec"]);
  if (spec !== undefined) out.machineSpec = spec;
  return out;
}

/** The `values` rows as one column per metric, checked. */
function valueColumns(
  o: Record<string, unknown>,
  metrics: readonly string[],
  maxRows: number,
): { columns: Float64Array[]; rows: number } {
  const values = o.values;
  if (!Array.isArray(values)) {
    throw new TypeError(
      `Field "values" must be a list of rows of numbers, got ${
        values === undefined ? "nothing" : show(values)
      }`,
    );
  }
  if (values.length > maxRows) {
    throw new TooManyRowsError(values.length, maxRows);
  }
  const columns = metrics.map(() => new Float64Array(values.length));
  for (const [i, row] of values.entries()) {
    if (!Array.isArray(row) || row.length !== metrics.length) {
      throw new RangeError(
        `Row ${i} of "values" must be a list of ${metrics.length} numbers (one per metric), got ${
          show(row)
        }`,
      );
    }
    for (let j = 0; j < row.length; j++) {
      const v = row[j];
      if (typeof v !== "number") {
        throw new TypeError(
          `Row ${i} of "values" has a non-number for ${metrics[j]}: ${show(v)}`,
        );
      }
      if (!Number.isFinite(v)) {
        throw new RangeError(
          `Row ${i} of "values" has ${v} for ${
            metrics[j]
          }, which is not a finite number (a JSON number beyond ±1.8e308, e.g. 1e400, reads as infinite)`,
        );
      }
      columns[j]![i] = v;
    }
  }
  return { columns, rows: values.length };
}

/** The `output_type` field's text. */
function outputTypeText(o: Record<string, unknown>): string {
  const ot = o.output_type;
  if (typeof ot !== "string") {
    throw new TypeError(
      `Field "output_type" must be AbsPower or DynPower, got ${
        ot === undefined ? "nothing" : show(ot)
      }`,
    );
  }
  return ot;
}

/** The `system_features` names and their `system_values`, checked. */
function systemFields(
  o: Record<string, unknown>,
): { systemFeatures: string[]; rawValues: (string | number)[] } {
  const systemFeatures = stringListField(o, "system_features", {
    fallback: [],
  });
  const rawValues = o.system_values ?? [];
  if (
    !Array.isArray(rawValues) ||
    rawValues.some((v) => typeof v !== "string" && typeof v !== "number")
  ) {
    throw new TypeError(
      `Field "system_values" must be a list of strings, got ${show(rawValues)}`,
    );
  }
  if (rawValues.length !== systemFeatures.length) {
    throw new RangeError(
      `Fields "system_features" (${systemFeatures.length}) and "system_values" (${rawValues.length}) must have the same length`,
    );
  }
  return { systemFeatures, rawValues };
}
