/**
 * `POST /estimate` and the estimator socket: upstream's PowerRequest →
 * powers per component, msg, core_ratio, and interval bounds when the
 * model has them.
 *
 * @module
 */
import type { HttpReply } from "../http1/mod.ts";
import { estimatePower, type PowerEstimate } from "./estimate_power.ts";
import { type PowerRequest, TooManyRowsError } from "./power_request.ts";
import { HttpError } from "./read_body.ts";
import { parseInline } from "./_estimate_pool.ts";
import { type ModelSelection, selectModel } from "./select_model.ts";
import { json, type RouteContext } from "./route_context.ts";
import type { InitUrlModel } from "./init_url_models.ts";

/** Bodies from this size on are parsed on a worker, off the event loop. */
const PARSE_ON_WORKER_BYTES = 32_768;

/** Parses a PowerRequest body (a large one on a worker). */
function parseRequest(
  context: RouteContext,
  body: Uint8Array,
): Promise<PowerRequest> {
  const maxRows = context.maxEstimateRows;
  if (body.length >= PARSE_ON_WORKER_BYTES) {
    return context.pool.parse(body, maxRows);
  }
  try {
    return Promise.resolve(parseInline(body, maxRows));
  } catch (error) {
    return Promise.reject(error);
  }
}

/** The model of a power request, from the cache. */
function estimateSelection(
  context: RouteContext,
  r: PowerRequest,
): ModelSelection | undefined {
  const spec = r.machineSpec ?? context.machineSpec;
  const key = JSON.stringify([
    "estimate",
    r.source,
    r.outputType,
    [...r.metrics, ...r.systemFeatures].sort(),
    r.nodeType,
    spec ?? null,
    r.trainerName,
    r.filters,
    r.pipelineName,
  ]);
  const registry = context.registry;
  return registry.cached(key, () => {
    const selection = selectModel(registry.pipelines, {
      source: r.source,
      outputType: r.outputType,
      metrics: [...r.metrics, ...r.systemFeatures],
      nodeType: r.nodeType,
      ...(spec ? { machineSpec: spec } : {}),
      trainerName: r.trainerName,
      filters: r.filters,
      pipelineName: r.pipelineName,
      need: "estimate",
    }, registry.selectOptions);
    return selection ? { selection } : {};
  }).selection;
}

/**
 * Estimates with a static model (`<LEVEL>_<COVERAGE>_INIT_URL`): the
 * request must carry its features, as upstream's estimator checks.
 */
async function estimatePinned(
  context: RouteContext,
  r: PowerRequest,
  pinned: InitUrlModel,
): Promise<PowerEstimate> {
  const known = new Set([...r.metrics, ...r.systemFeatures]);
  const missing = pinned.model.features.filter((f) => !known.has(f));
  if (missing.length > 0) {
    return {
      powers: {},
      msg:
        `the model ${pinned.model.name} of ${pinned.key} (read from ${pinned.readFrom}) needs ${
          missing.join(",")
        }, which the request's metrics do not have`,
      core_ratio: 1,
    };
  }
  const cores = context.machineSpec?.cores ?? navigator.hardwareConcurrency;
  return await estimatePower(pinned.model, r, {
    machineCores: cores,
    pool: context.pool,
  });
}

/** Estimates with the model a request selects (socket: this host's cores). */
async function estimateWith(
  context: RouteContext,
  r: PowerRequest,
  socket: boolean,
): Promise<PowerEstimate> {
  // as upstream's estimator: the model server first, then the static URL
  const fixed = socket && r.pipelineName === "";
  const pinned = fixed
    ? await context.remoteModels?.modelFor(r) ??
      context.initUrlModels.get(`${r.source}/${r.outputType}`)
    : undefined;
  if (pinned !== undefined) return await estimatePinned(context, r, pinned);
  const selection = estimateSelection(context, r);
  if (selection === undefined) {
    return {
      powers: {},
      msg: `no model for ${r.outputType} ${r.source} with metrics ${
        [...r.metrics, ...r.systemFeatures].join(",")
      }${r.trainerName ? ` and trainer ${r.trainerName}` : ""}${
        r.filters.length ? " and the filter" : ""
      }`,
      core_ratio: 1,
    };
  }
  const cores = context.machineSpec?.cores ??
    (socket ? navigator.hardwareConcurrency : undefined);
  return await estimatePower(
    selection.model,
    r,
    cores
      ? { machineCores: cores, pool: context.pool }
      : { pool: context.pool },
  );
}

/** The reply of `POST /estimate`. */
export async function estimateRoute(
  context: RouteContext,
  bytes: Uint8Array,
): Promise<HttpReply> {
  let r: PowerRequest;
  try {
    r = await parseRequest(context, bytes);
  } catch (error) {
    if (error instanceof HttpError) throw error;
    const msg = (error as Error).message;
    if (error instanceof TooManyRowsError) {
      return {
        ...json({ powers: {}, msg, error: msg, limit: error.limit }, 413),
        close: true,
      };
    }
    return json({ powers: {}, msg }, 400);
  }
  const result = await estimateWith(context, r, false);
  const status = result.msg === "" ? 200 : result.model_name ? 500 : 400;
  return json(result, status);
}

/**
 * The answer to one estimator-socket request (upstream's reply fields;
 * `model_name`, `coverage`, `lower`, `upper` when `intervals` is asked).
 * A request that cannot be read, or a failed estimate, throws an
 * `HttpError` with its msg and the status `POST /estimate` answers (400,
 * 413 for too many rows, 500 for a model's failure), so it is answered in
 * upstream's error shape and counted under that status.
 */
export async function socketRequest(
  context: RouteContext,
  body: Uint8Array,
): Promise<unknown> {
  let r: PowerRequest;
  try {
    r = await parseRequest(context, body);
  } catch (error) {
    const status = error instanceof HttpError
      ? error.status
      : error instanceof TooManyRowsError
      ? 413
      : 400;
    throw new HttpError(
      status,
      `failed to handle request: ${(error as Error).message}`,
      { cause: error },
    );
  }
  const result = await estimateWith(context, r, true);
  const reply: Record<string, unknown> = {
    powers: result.powers,
    msg: result.msg,
    core_ratio: result.core_ratio,
  };
  if (r.intervals) {
    for (const k of ["model_name", "coverage", "lower", "upper"] as const) {
      if (result[k] !== undefined) reply[k] = result[k];
    }
  }
  // a failed estimate is answered with its msg and counted as an error
  if (result.msg !== "") {
    throw new HttpError(result.model_name ? 500 : 400, result.msg);
  }
  return reply;
}
