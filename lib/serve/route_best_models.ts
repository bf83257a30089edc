/**
 * `GET /best-models?energy-source=&output-type=&feature-group=&node-type=&filter=&all=&detail=`
 * (upstream's older `source`, `ot`, `fg` too) → best model names. Only the
 * feature groups upstream's clients know (upstream's `FeatureGroups`) are
 * listed unless `all=true` (IRQOnly, ThirdParty, CgroupOnly, KubeletOnly
 * would fail them with a KeyError); a `feature-group` asked by name is
 * always answered. Plain, the reply is upstream's (Kepler's client reads
 * it); with `detail=true` it is `{"best_models": <that>, "node_types":
 * [{pipeline, generation, node_type, source, output_type, feature_group,
 * model}, ...]}`: which model and version each node type gets.
 *
 * @module
 */
import {
  type FeatureGroup,
  type OutputType,
  parseFeatureGroup,
  parseOutputType,
} from "../types.ts";
import type { HttpReply } from "../http1/mod.ts";
import { checkPipelineName, LOOSE_BOOLEANS, show } from "./_fields.ts";
import { parseModelFilter } from "./model_filter.ts";
import { requestSource } from "./model_request.ts";
import { bestModels, UPSTREAM_FEATURE_GROUPS } from "./select_model.ts";
import { nodeTypeModels } from "./node_type_models.ts";
import { badRequest, json, type RouteContext } from "./route_context.ts";

/** The first non-empty value of the parameters `names`. */
function firstParam(
  p: URLSearchParams,
  ...names: string[]
): string | undefined {
  for (const n of names) {
    const v = p.get(n);
    if (v !== null && v !== "") return v;
  }
  return undefined;
}

/** The `node-type` parameter: an integer ≥ −1, or undefined. */
function nodeTypeParam(nt: string | undefined): number | undefined {
  if (nt === undefined) return undefined;
  const nodeType = Number(nt);
  if (!/^-?\d+$/.test(nt) || nodeType < -1) {
    throw new RangeError(
      `node-type must be an integer ≥ −1, got ${show(nt)}`,
    );
  }
  return nodeType;
}

/** A boolean parameter (`all`, `detail`): true or false (default false). */
function allParam(allText: string | undefined, name = "all"): boolean {
  const all = allText === undefined
    ? false
    : LOOSE_BOOLEANS[allText.trim().toLowerCase()];
  if (all === undefined) {
    throw new RangeError(`${name} must be true or false, got ${show(allText)}`);
  }
  return all;
}

function bestModelsOf(context: RouteContext, p: URLSearchParams): HttpReply {
  const get = (...names: string[]) => firstParam(p, ...names);
  const ot = get("output-type", "ot");
  const fg = get("feature-group", "fg");
  const nodeType = nodeTypeParam(get("node-type", "node_type"));
  const pipelineName = get("pipeline-name", "pipeline_name");
  const all = allParam(get("all"));
  const registry = context.registry;
  const result = bestModels(registry.pipelines, {
    source: requestSource(get("energy-source", "source") ?? "rapl-sysfs"),
    ...(all ? {} : { featureGroups: UPSTREAM_FEATURE_GROUPS }),
    ...(ot ? { outputType: parseOutputType(ot) as OutputType } : {}),
    ...(fg ? { featureGroup: parseFeatureGroup(fg) as FeatureGroup } : {}),
    ...(nodeType !== undefined ? { nodeType } : {}),
    filters: parseModelFilter(get("filter")),
    ...(pipelineName ? { pipelineName: checkPipelineName(pipelineName) } : {}),
  }, registry.selectOptions);
  if (!allParam(get("detail"), "detail")) return json(result);
  // ours: which model and version each node type gets (kepler#1456)
  const source = requestSource(get("energy-source", "source") ?? "rapl-sysfs");
  const rows = nodeTypeModels(registry.pipelines, registry.selectOptions)
    .filter((r) =>
      r.source === source && (!ot || r.output_type === parseOutputType(ot)) &&
      (!fg || r.feature_group === parseFeatureGroup(fg)) &&
      (nodeType === undefined || nodeType < 0 || r.node_type === nodeType) &&
      (!pipelineName || r.pipeline === pipelineName)
    );
  return json({ best_models: result, node_types: rows });
}

/** The reply of `GET /best-models` with the query string `query`. */
export function bestModelsRoute(
  context: RouteContext,
  query: string,
): HttpReply {
  try {
    return bestModelsOf(context, new URLSearchParams(query));
  } catch (error) {
    throw badRequest(error);
  }
}
