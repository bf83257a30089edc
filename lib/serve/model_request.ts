/**
 * Kepler's ModelRequest (`POST /model`), as Kepler v0.7.11 and v0.7.12 and
 * upstream's estimator send it:
 *
 * ```json
 * {"metrics": ["bpf_cpu_time_ms", ...], "output_type": "AbsPower",
 *  "source": "intel_rapl", "node_type": 0, "weight": true,
 *  "trainer_name": "SGDRegressorTrainer", "filter": "",
 *  "machine_spec": {"vendor": "intel", "processor": "...", "cores": 96, ...},
 *  "pipeline_name": "", "loose_node_type": true}
 * ```
 *
 * Defaults are upstream's: source `rapl-sysfs` (every `rapl` spelling reads
 * as `rapl-sysfs`), node type −1 (any), weight false, no trainer, no filter,
 * loose node-type matching. Upstream's `spec` key is read as
 * `machine_spec` too. Unknown keys are ignored (upstream's
 * `ModelRequest(**body)` fails on them with a 500).
 *
 * The loose forms upstream's Flask server lets through are read too, since
 * upstream's own clients send them: `"weight": "true"` (upstream's
 * `weight_model_request_test.py`), `node_type` as a string (`"1"`, as
 * upstream's README documents it), and any optional field left out.
 * `weight` and `loose_node_type` take booleans, 1/0 and the strings
 * `"true"`/`"false"`, `"1"`/`"0"`, `"yes"`/`"no"`, `"on"`/`"off"`, `""`
 * (any case). One deliberate difference: upstream tests `weight` with
 * Python's truthiness, so `"false"` (a non-empty string) gets a weight JSON
 * there; here `"false"` means false and gets the zip.
 *
 * @module
 */
import {
  type EnergySource,
  type MachineSpec,
  type OutputType,
  parseEnergySource,
  parseOutputType,
} from "../types.ts";
import {
  checkPipelineName,
  checkTrainerName,
  looseBooleanField,
  machineSpecField,
  nodeTypeField,
  requestObject,
  show,
  stringField,
  stringListField,
} from "./_fields.ts";
import { type ModelFilter, parseModelFilter } from "./model_filter.ts";

/** A parsed ModelRequest. */
export interface ModelRequest {
  /** Metrics the client can provide (features and system features). */
  metrics: string[];
  /** AbsPower or DynPower. */
  outputType: OutputType;
  /** Energy source. */
  source: EnergySource;
  /** Node type; −1 for any (then `machineSpec` is matched). */
  nodeType: number;
  /** Whether the client wants Kepler weight JSON instead of a zip. */
  weight: boolean;
  /** Only models of this trainer; `""` for any. */
  trainerName: string;
  /** Filters on model metadata. */
  filters: ModelFilter[];
  /** The filter text as given (for messages). */
  filterText: string;
  /** Only this pipeline; `""` for the source's default. */
  pipelineName: string;
  /** The client's machine spec (known attributes only). */
  machineSpec?: Partial<MachineSpec>;
  /** Whether an inexact node type may be used. */
  looseNodeType: boolean;
}

/**
 * Reads an energy source the way upstream does: any `rapl` is rapl-sysfs.
 *
 * @example
 * ```ts
 * import { requestSource } from "./model_request.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals([requestSource("intel_rapl"), requestSource("acpi")], ["rapl-sysfs", "acpi"]);
 * ```
 */
export function requestSource(value: string): EnergySource {
  if (value.trim() === "" || (/rapl/i.test(value) && value !== "rapl-msr")) {
    return "rapl-sysfs";
  }
  return parseEnergySource(value);
}

/**
 * Parses and checks a ModelRequest body (already JSON-parsed). Throws a
 * `TypeError` or `RangeError` naming the bad field.
 *
 * @param body The parsed JSON body of a `/model` request (Kepler's
 *   ModelRequest: `metrics`, `output_type`, `source`, `node_type`, ...).
 * @returns The request with defaults filled in: source `rapl-sysfs`, any
 *   node type, any trainer and pipeline, no filter, loose node type.
 * @throws {TypeError} when the body is not an object or a field has the
 *   wrong type (e.g. no `output_type` text).
 * @throws {RangeError} when a field's value is not allowed (an unknown
 *   output type, source or trainer, a bad filter or pipeline name).
 *
 * @example
 * ```ts
 * import { parseModelRequest } from "./model_request.ts";
 * import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
 * const r = parseModelRequest({ metrics: ["bpf_cpu_time_ms"], output_type: "AbsPower",
 *   source: "intel_rapl", node_type: 0, weight: true, trainer_name: "SGDRegressorTrainer",
 *   filter: "", machine_spec: { vendor: "intel", processor: "", cores: 96, chips: 0 } });
 * assertEquals([r.source, r.nodeType, r.weight, r.machineSpec], ["rapl-sysfs", 0, true, { cores: 96 }]);
 * assertThrows(() => parseModelRequest({ metrics: [], output_type: "AbsPower", pipeline_name: "../etc" }), RangeError);
 * ```
 */
export function parseModelRequest(body: unknown): ModelRequest {
  const o = requestObject(body, "model request");
  const metrics = stringListField(o, "metrics");
  const ot = o.output_type;
  if (typeof ot !== "string") {
    throw new TypeError(
      `Field "output_type" must be AbsPower or DynPower, got ${
        ot === undefined ? "nothing" : show(ot)
      }`,
    );
  }
  const filterText = stringField(o, "filter", "", 4096);
  const pipelineName = stringField(o, "pipeline_name", "");
  const out: ModelRequest = {
    metrics,
    outputType: parseOutputType(ot),
    source: requestSource(stringField(o, "source", "rapl-sysfs")),
    nodeType: nodeTypeField(o, "node_type"),
    weight: looseBooleanField(o, "weight", false),
    trainerName: checkTrainerName(stringField(o, "trainer_name", "")),
    filters: parseModelFilter(filterText),
    filterText,
    pipelineName: pipelineName === "" ? "" : checkPipelineName(pipelineName),
    looseNodeType: looseBooleanField(o, "loose_node_type", true),
  };
  const spec = machineSpecField(o, ["machine_spec", "spec"]);
  if (spec !== undefined) out.machineSpec = spec;
  return out;
}
