/**
 * Upstream's offline trainer (`offline-trainer`, `POST /train`): a request
 * carries Prometheus responses (the query JSON's shape) and what to train;
 * the answer is the trained pipeline's zip. The request:
 *
 * ```json
 * {"name": "my_pipeline", "energy_source": "rapl-sysfs",
 *  "trainer": {"abs_trainers": ["SGDRegressorTrainer"], "dyn_trainers": ["SGDRegressorTrainer"],
 *              "isolator": "MinIdleIsolator", "isolator_args": {},
 *              "idle_prom_response": {...}},
 *  "prom_response": {...}, "use_vm_metrics": false}
 * ```
 *
 * Upstream's isolator class names map to ours: `MinIdleIsolator` → `min`,
 * `NoneIsolator` → `none`, `ProfileBackgroundIsolator` → `profile` (its
 * idle data from `idle_prom_response`), `TrainIsolator` → `trainer` (its
 * AbsPower pipeline, `isolator_args.abs_pipeline_name`, from the server's
 * MODEL_PATH). Each request trains into a folder of its own that is
 * removed afterwards, so requests never see each other's pipelines and
 * nothing is left behind; the node type comes from the data's
 * `kepler_node_info` (node type 0 without it). Everything else is `train`'s
 * defaults (its search budget, derived features and power bound). `use_vm_metrics: true` (upstream's VM counters in place of the
 * containers') is refused: `train --vm-train` is kepler-model's way to VM
 * models.
 *
 * @module
 */
import { join } from "node:path";
import {
  parseEnergySource,
  parseTrainerName,
  type TrainerName,
} from "../types.ts";
import type { EnergySource, IsolatorName } from "../types.ts";
import {
  defaultMaxPowerWatts,
  formatExclusions,
  queryDataFrom,
  specFromNodeInfo,
} from "../extract/mod.ts";
import { DEFAULT_TUNE_FITS } from "./tune.ts";
import type { QueryData } from "../extract/mod.ts";
import { trainPipeline } from "./pipeline.ts";
import type { TrainReport } from "./train_report.ts";

/** Upstream's isolator classes and ours. */
export const OFFLINE_ISOLATORS: Readonly<Record<string, IsolatorName>> = {
  MinIdleIsolator: "min",
  NoneIsolator: "none",
  ProfileBackgroundIsolator: "profile",
  TrainIsolator: "trainer",
};

/** A `POST /train` request, checked. */
export interface OfflineTrainRequest {
  /** The pipeline's name. */
  name: string;
  /** The energy source. */
  source: EnergySource;
  /** AbsPower trainers. */
  absTrainers: TrainerName[];
  /** DynPower trainers. */
  dynTrainers: TrainerName[];
  /** Our isolator. */
  isolator: IsolatorName;
  /** The trainer isolator's AbsPower pipeline. */
  absPipelineName?: string;
  /** The training data. */
  query: QueryData;
  /** The idle data (profile isolator). */
  idle?: QueryData;
}

/**
 * A request the trainer refuses: its message says which field and why.
 *
 * @example
 * ```ts
 * import { OfflineTrainError, parseOfflineTrainRequest } from "./offline_trainer.ts";
 * import { throws as assertThrows } from "node:assert/strict";
 * assertThrows(() => parseOfflineTrainRequest([]), OfflineTrainError);
 * ```
 */
export class OfflineTrainError extends RangeError {
  /** The error's name, `"OfflineTrainError"`. */
  override name = "OfflineTrainError";
}

function field(o: Record<string, unknown>, key: string, where: string) {
  if (!(key in o)) throw new OfflineTrainError(`${where}: "${key}" is missing`);
  return o[key];
}

function object(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new OfflineTrainError(`${where} must be a JSON object`);
  }
  return value as Record<string, unknown>;
}

function trainers(value: unknown, where: string): TrainerName[] {
  if (value === undefined) return ["SGDRegressorTrainer"];
  if (!Array.isArray(value) || value.some((t) => typeof t !== "string")) {
    throw new OfflineTrainError(`${where} must be a list of trainer names`);
  }
  try {
    return value.map((t) => parseTrainerName(t as string));
  } catch (error) {
    throw new OfflineTrainError(`${where}: ${(error as Error).message}`);
  }
}

function promResponse(value: unknown, where: string): QueryData {
  const o = object(value, where);
  try {
    return queryDataFrom(o as Parameters<typeof queryDataFrom>[0], {
      origin: where,
    });
  } catch (error) {
    throw new OfflineTrainError(`${where}: ${(error as Error).message}`);
  }
}

/**
 * Checks a `POST /train` body (already JSON-parsed).
 *
 * @param body The request.
 * @returns The request, with upstream's names read as ours.
 * @throws {OfflineTrainError} naming the field that is missing or wrong.
 *
 * @example
 * ```ts
 * import { parseOfflineTrainRequest } from "./offline_trainer.ts";
 * import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
 * const r = parseOfflineTrainRequest({ name: "p", energy_source: "intel_rapl",
 *   trainer: { abs_trainers: ["SGDRegressorTrainer"], dyn_trainers: [], isolator: "MinIdleIsolator" },
 *   prom_response: {} });
 * assertEquals([r.source, r.isolator, r.absTrainers, r.dynTrainers], ["rapl-sysfs", "min", ["SGDRegressorTrainer"], []]);
 * assertThrows(() => parseOfflineTrainRequest({ name: "p" }), /"prom_response" is missing/);
 * ```
 */
export function parseOfflineTrainRequest(body: unknown): OfflineTrainRequest {
  const o = object(body, "The train request");
  const name = field(o, "name", "The train request");
  if (typeof name !== "string" || !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name)) {
    throw new OfflineTrainError(
      `"name" must be a pipeline name (letters, digits, "_", "." and "-"), got ${
        JSON.stringify(name)
      }`,
    );
  }
  const query = promResponse(
    field(o, "prom_response", "The train request"),
    "prom_response",
  );
  if (o.use_vm_metrics === true) {
    throw new OfflineTrainError(
      '"use_vm_metrics": true is not supported: train VM power models with `train --vm-train`',
    );
  }
  let source: EnergySource;
  try {
    const s = o.energy_source ?? "rapl-sysfs";
    source = parseEnergySource(
      typeof s === "string" && /rapl/i.test(s) && s !== "rapl-msr"
        ? "rapl-sysfs"
        : String(s),
    );
  } catch (error) {
    throw new OfflineTrainError(`"energy_source": ${(error as Error).message}`);
  }
  const t = object(o.trainer ?? {}, '"trainer"');
  const className = String(t.isolator ?? "MinIdleIsolator");
  const isolator = OFFLINE_ISOLATORS[className];
  if (isolator === undefined) {
    throw new OfflineTrainError(
      `"trainer.isolator": ${JSON.stringify(className)} is none of ${
        Object.keys(OFFLINE_ISOLATORS).join(", ")
      }`,
    );
  }
  const out: OfflineTrainRequest = {
    name,
    source,
    absTrainers: trainers(t.abs_trainers, '"trainer.abs_trainers"'),
    dynTrainers: trainers(t.dyn_trainers, '"trainer.dyn_trainers"'),
    isolator,
    query,
  };
  if (isolator === "profile") {
    out.idle = promResponse(
      field(t, "idle_prom_response", '"trainer" of ProfileBackgroundIsolator'),
      "trainer.idle_prom_response",
    );
  }
  if (isolator === "trainer") {
    const args = object(t.isolator_args ?? {}, '"trainer.isolator_args"');
    const abs = field(args, "abs_pipeline_name", '"trainer.isolator_args"');
    if (typeof abs !== "string" || !/^[A-Za-z0-9][\w.-]*$/.test(abs)) {
      throw new OfflineTrainError(
        '"trainer.isolator_args.abs_pipeline_name" must be a pipeline name',
      );
    }
    out.absPipelineName = abs;
  }
  return out;
}

/** Options of {@linkcode trainOffline}. */
export interface TrainOfflineOptions {
  /**
   * MODEL_PATH, where the trainer isolator's AbsPower pipeline is found.
   *
   * @default {undefined} none (the trainer isolator then fails)
   */
  modelPath?: string;
  /**
   * Training threads.
   *
   * @default {undefined} the logical CPUs
   */
  workers?: number;
  /**
   * Receives a line for data the extraction excluded.
   *
   * @default {undefined} none
   */
  log?: (line: string) => void;
}

/**
 * Trains a request's pipeline in a folder of its own and returns its zip
 * (the folder is removed afterwards).
 *
 * @param request The checked request.
 * @param options MODEL_PATH (trainer isolator) and the training threads.
 * @returns The pipeline zip's bytes and the training report.
 * @throws {RangeError} When the data cannot be trained on (e.g. no feature
 *   group has enough rows).
 *
 * @example
 * ```ts
 * import { parseOfflineTrainRequest, trainOffline } from "./offline_trainer.ts";
 * import { queryResult, simulate } from "../simulate/mod.ts";
 * import { unzipEntries } from "../io/zip.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const sim = simulate({ start: 1_700_000_001, duration: 600, containers: 2 });
 * const request = parseOfflineTrainRequest({ name: "offline", energy_source: "acpi",
 *   trainer: { abs_trainers: ["LinearRegressionTrainer"], dyn_trainers: [], isolator: "NoneIsolator" },
 *   prom_response: queryResult(sim) });
 * const { zip, report } = await trainOffline(request, { workers: 1 });
 * assertEquals(report.failures, []);
 * assertEquals(JSON.parse(new TextDecoder().decode(unzipEntries(zip, "z")["metadata.json"])).name, "offline");
 * ```
 */
export async function trainOffline(
  request: OfflineTrainRequest,
  options: TrainOfflineOptions = {},
): Promise<{ zip: Uint8Array; report: TrainReport }> {
  const dir = await Deno.makeTempDir({ prefix: "kepler-offline-train-" });
  try {
    if (request.absPipelineName !== undefined) {
      if (options.modelPath === undefined) {
        throw new OfflineTrainError(
          "TrainIsolator needs the server's MODEL_PATH, which is not set",
        );
      }
      const abs = join(options.modelPath, request.absPipelineName);
      const found = await Deno.stat(abs).then(
        (i) => i.isDirectory,
        () => false,
      );
      if (!found) {
        throw new OfflineTrainError(
          `"trainer.isolator_args.abs_pipeline_name": no pipeline ${
            JSON.stringify(request.absPipelineName)
          } in MODEL_PATH (${options.modelPath})`,
        );
      }
      // the AbsPower pipeline, seen from the request's own folder
      await Deno.symlink(
        join(options.modelPath, request.absPipelineName),
        join(dir, request.absPipelineName),
      );
    }
    const spec = specFromNodeInfo(request.query);
    const report = await trainPipeline([request.query], {
      modelPath: dir,
      pipelineName: request.name,
      sources: [request.source],
      isolator: request.isolator,
      absTrainers: request.absTrainers,
      dynTrainers: request.dynTrainers,
      // `train`'s defaults (the library's own are upstream's settings)
      tune: DEFAULT_TUNE_FITS,
      derivedFeatures: "auto",
      dataChecks: {
        ...(spec ? { maxPowerWatts: defaultMaxPowerWatts(spec.spec) } : {}),
        ...(options.log
          ? {
            onExcluded: (r) => {
              const line = formatExclusions(r);
              if (line !== undefined) options.log!(line);
            },
          }
          : {}),
      },
      ...(request.idle ? { idle: request.idle } : {}),
      ...(request.absPipelineName
        ? { absPipelineName: request.absPipelineName }
        : {}),
      ...(spec ? { machineSpec: spec.spec, machineId: spec.id } : {}),
      ...(options.workers === undefined ? {} : { workers: options.workers }),
    });
    return { zip: await Deno.readFile(report.zip), report };
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}
