/**
 * `GET /healthz`: status, pipelines, model count, reload mode, estimator
 * socket and load errors.
 *
 * @module
 */
import type { HttpReply } from "../http1/mod.ts";
import { json, type RouteContext } from "./route_context.ts";

/** The reply of `GET /healthz`. */
export function healthzRoute(context: RouteContext): HttpReply {
  const pipelines = context.registry.pipelines;
  let models = 0;
  for (const p of pipelines.values()) models += p.models.length;
  return json({
    status: "ok",
    pipelines: [...pipelines.keys()].sort(),
    models,
    reload: context.reloadMode,
    estimator_socket: context.socketPath ?? null,
    load_errors: Object.fromEntries(context.registry.errors),
    // files skipped while loading (a corrupt model), per pipeline
    skipped: Object.fromEntries(
      [...pipelines.values()].filter((p) => p.warnings.length > 0)
        .sort((a, b) => a.name < b.name ? -1 : 1)
        .map((p) => [p.name, {
          count: p.warnings.length,
          warnings: p.warnings.slice(0, 10),
        }]),
    ),
  });
}
