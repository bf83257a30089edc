/**
 * `GET /metrics`: the Prometheus exposition of the request counters and
 * the served models per pipeline, source and output type.
 *
 * @module
 */
import type { HttpReply } from "../http1/mod.ts";
import type { RouteContext } from "./route_context.ts";
import { escapeLabelValue } from "./server_metrics.ts";
import { nodeTypeModels } from "./node_type_models.ts";

const METRICS_HEADERS: Readonly<Record<string, string>> = {
  "content-type": "text/plain; version=0.0.4; charset=utf-8",
};

/** `kepler_model_server_node_type_model`: which model each node type gets. */
function nodeTypeModelLines(
  context: Pick<RouteContext, "registry">,
): string {
  let out =
    "# HELP kepler_model_server_node_type_model The model (and pipeline generation) each node type gets, per source, output type and feature group; always 1.\n" +
    "# TYPE kepler_model_server_node_type_model gauge\n";
  for (
    const r of nodeTypeModels(
      context.registry.pipelines,
      context.registry.selectOptions,
    )
  ) {
    const labels = [
      ["pipeline", r.pipeline],
      ["generation", r.generation],
      ["node_type", String(r.node_type)],
      ["source", r.source],
      ["output_type", r.output_type],
      ["feature_group", r.feature_group],
      ["model", r.model],
    ].map(([k, v]) => `${k}="${escapeLabelValue(v!)}"`).join(",");
    out += `kepler_model_server_node_type_model{${labels}} 1\n`;
  }
  return out;
}

/** The Prometheus exposition of `GET /metrics`. */
export function metricsText(
  context: Pick<RouteContext, "registry" | "metrics" | "pool">,
): string {
  const pipelines = context.registry.pipelines;
  const counts = new Map<
    string,
    { labels: Record<string, string>; value: number }
  >();
  for (const p of pipelines.values()) {
    for (const m of p.models) {
      const key = `${p.name}\u0000${m.source}\u0000${m.outputType}`;
      const g = counts.get(key) ??
        {
          labels: {
            pipeline: p.name,
            source: m.source,
            output_type: m.outputType,
          },
          value: 0,
        };
      g.value++;
      counts.set(key, g);
    }
  }
  const skipped = [...pipelines.values()].sort((a, b) =>
    a.name < b.name ? -1 : 1
  ).map((p) =>
    `kepler_model_server_skipped_files{pipeline="${
      escapeLabelValue(p.name)
    }"} ${p.warnings.length}\n`
  );
  return context.metrics.render(
    [...counts.entries()].sort(([a], [b]) => a < b ? -1 : 1).map(([, g]) => g),
    pipelines.size,
  ) +
    "# HELP kepler_model_server_skipped_files Model files skipped (corrupt or unreadable) when the pipeline was loaded; see /pipelines.\n" +
    "# TYPE kepler_model_server_skipped_files gauge\n" + skipped.join("") +
    nodeTypeModelLines(context) +
    "# HELP kepler_model_server_estimate_worker_tasks_total Estimate parses and predictions done on worker threads (off the event loop).\n" +
    "# TYPE kepler_model_server_estimate_worker_tasks_total counter\n" +
    `kepler_model_server_estimate_worker_tasks_total ${context.pool.tasksOnWorkers}\n`;
}

/** The reply of `GET /metrics`. */
export function metricsRoute(context: RouteContext): HttpReply {
  return { status: 200, headers: METRICS_HEADERS, body: metricsText(context) };
}
