/**
 * `POST /model`: Kepler's ModelRequest → the best model's zip, or its
 * weight JSON when `weight` is true. The weight JSON has component keys
 * only (Kepler v0.7.11 cannot read anything else) unless `node_type` is
 * −1, where upstream adds `model_name`, `machine_spec` and `mae`. The same
 * body gets the same weight reply, from a cache, until a reload.
 *
 * @module
 */
import { type MachineSpec, NODE_ATTRIBUTES } from "../types.ts";
import { vmRescaledWeights } from "./_vm_weights.ts";
import type { HttpReply } from "../http1/mod.ts";
import { explainNoModel } from "./explain_no_model.ts";
import { type ModelRequest, parseModelRequest } from "./model_request.ts";
import type { CacheEntry } from "./pipeline_registry.ts";
import { HttpError, parseJsonBody } from "./read_body.ts";
import {
  choosePipeline,
  type ModelSelection,
  selectModel,
} from "./select_model.ts";
import {
  badRequest,
  json,
  JSON_TYPE,
  type RouteContext,
} from "./route_context.ts";

const encoder = new TextEncoder();
const utf8 = new TextDecoder("utf-8", { fatal: true });

/** A machine spec with Kepler's int fields (a float fails json.Unmarshal). */
function intSpec(
  spec: Readonly<Partial<MachineSpec>> | undefined,
): Record<string, unknown> | undefined {
  if (spec === undefined) return undefined;
  const out: Record<string, unknown> = {};
  for (const a of NODE_ATTRIBUTES) {
    const v = spec[a];
    if (v === undefined || v === null) continue;
    // Kepler's MachineSpec has int fields: a float would fail json.Unmarshal
    out[a] = a === "processor" ? String(v) : Math.round(Number(v));
  }
  return out;
}

/** The headers naming the model chosen and how its node type matched. */
export function modelHeaders(s: ModelSelection): Record<string, string> {
  const m = s.model;
  return {
    "x-kepler-model":
      `${m.pipeline}/${m.source}/${m.outputType}/${m.featureGroup}/${m.name}`,
    "x-kepler-node-match": s.match,
  };
}

/** The weight reply of a cached entry, or undefined if it has none. */
function weightReply(entry: CacheEntry): HttpReply | undefined {
  if (entry.selection === undefined || entry.body === undefined) {
    return undefined;
  }
  entry.headers ??= {
    "content-type": JSON_TYPE,
    ...modelHeaders(entry.selection),
  };
  return { status: 200, headers: entry.headers, body: entry.body };
}

/** The cache key of a model request. */
function modelKey(q: ModelRequest): string {
  return JSON.stringify([
    "model",
    q.source,
    q.outputType,
    [...q.metrics].sort(),
    q.nodeType,
    q.machineSpec ?? null,
    q.looseNodeType,
    q.trainerName,
    q.filterText,
    q.pipelineName,
    q.weight,
  ]);
}

/** The weight JSON of a selection: components only, or upstream's extended form. */
function weightBody(
  q: ModelRequest,
  selection: ModelSelection,
): Uint8Array<ArrayBuffer> {
  const m = selection.model;
  const vm = vmRescaledWeights(m, Number(q.machineSpec?.cores));
  if (q.nodeType !== -1) {
    return vm ? encoder.encode(JSON.stringify(vm.weights)) : m.weightBody!;
  }
  // a rescaled VM model is for the VM's cores: Kepler's idle core ratio is 1
  const spec = intSpec(
    vm ? { ...m.machineSpec, cores: vm.cores } : m.machineSpec,
  );
  const mae = m.metadata.mae;
  const extended = {
    ...(vm ? vm.weights : m.weights),
    model_name: m.name,
    ...(spec ? { machine_spec: spec } : {}),
    ...(typeof mae === "number" && Number.isFinite(mae) ? { mae } : {}),
  };
  return encoder.encode(JSON.stringify(extended));
}

/** Chooses the model of a request (a cache miss). */
function chooseModel(context: RouteContext, q: ModelRequest): CacheEntry {
  const registry = context.registry;
  const selection = selectModel(registry.pipelines, {
    source: q.source,
    outputType: q.outputType,
    metrics: q.metrics,
    nodeType: q.nodeType,
    ...(q.machineSpec ? { machineSpec: q.machineSpec } : {}),
    looseNodeType: q.looseNodeType,
    trainerName: q.trainerName,
    filters: q.filters,
    pipelineName: q.pipelineName,
    need: q.weight ? "weight" : "archive",
    linearOnly: q.weight,
  }, registry.selectOptions);
  if (selection === undefined || !q.weight) {
    return selection ? { selection } : {};
  }
  return { selection, body: weightBody(q, selection) };
}

/** The 400 of a model request nothing matches, saying what each feature group needs. */
function noModel(context: RouteContext, q: ModelRequest): HttpReply {
  const { source, pipelineName } = q;
  const registry = context.registry;
  if (pipelineName && !registry.pipelines.has(pipelineName)) {
    throw new HttpError(
      400,
      `No pipeline named ${pipelineName} is loaded (loaded: ${
        [...registry.pipelines.keys()].join(", ") || "none"
      })`,
    );
  }
  const pipeline = choosePipeline(registry.pipelines, source, {
    ...(pipelineName ? { pipelineName } : {}),
    ...registry.selectOptions,
  });
  if (pipeline === undefined) {
    throw new HttpError(
      400,
      `No loaded pipeline has models for energy source ${source}`,
    );
  }
  return json(explainNoModel(pipeline, q), 400);
}

/** The zip reply of a selection. */
async function archiveReply(selection: ModelSelection): Promise<HttpReply> {
  const zip = await selection.model.archive();
  if (zip === undefined) {
    throw new HttpError(
      400,
      `The archive of model ${selection.model.name} is missing from ${selection.pipeline.origin}`,
    );
  }
  return {
    status: 200,
    headers: {
      "content-type": "application/zip",
      "content-disposition":
        `attachment; filename="${selection.model.name}.zip"`,
      ...modelHeaders(selection),
    },
    body: zip,
  };
}

/** The request body as text (a 400 when it is not UTF-8). */
function bodyText(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch (error) {
    throw new HttpError(400, "The request body is not UTF-8 text", {
      cause: error,
    });
  }
}

/** The reply of `POST /model`. */
export async function modelRoute(
  context: RouteContext,
  bytes: Uint8Array,
): Promise<HttpReply> {
  const text = bodyText(bytes);
  // the same body always gets the same weight reply until a reload
  const hit = context.registry.reply(text);
  if (hit !== undefined) return weightReply(hit)!;
  const body = parseJsonBody(bytes);
  let q;
  try {
    q = parseModelRequest(body);
  } catch (error) {
    throw badRequest(error);
  }
  const entry = context.registry.cached(
    modelKey(q),
    () => chooseModel(context, q),
  );
  const selection = entry.selection;
  if (selection === undefined) return noModel(context, q);
  const reply = weightReply(entry);
  if (reply !== undefined) {
    // bounded: at most 1024 bodies of up to 4 KiB (Kepler's are ~0.5 KiB)
    if (text.length <= 4096) context.registry.keepReply(text, entry);
    return reply;
  }
  return await archiveReply(selection);
}
