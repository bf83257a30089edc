/**
 * `GET /pipelines`: each served pipeline's origin, sources, model count,
 * node types, load time, metadata and skipped files, and the load errors.
 *
 * @module
 */
import type { HttpReply } from "../http1/mod.ts";
import { isObject } from "./_fields.ts";
import { json, type RouteContext } from "./route_context.ts";

/** The reply of `GET /pipelines`. */
export function pipelinesRoute(context: RouteContext): HttpReply {
  return json({
    pipelines: [...context.registry.pipelines.values()].sort((a, b) =>
      a.name < b.name ? -1 : 1
    )
      .map((p) => ({
        name: p.name,
        origin: p.origin,
        kind: p.kind,
        sources: p.sources,
        models: p.models.length,
        node_types: Object.keys(p.nodeTypeIndex).length,
        loaded_at: new Date(p.loadedAt).toISOString(),
        metadata: isObject(p.metadata) ? p.metadata : {},
        warnings: p.warnings.slice(0, 50),
      })),
    load_errors: Object.fromEntries(context.registry.errors),
  });
}
