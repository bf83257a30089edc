/**
 * The calibrator's HTTP endpoint: `GET /metrics` (its counters, for
 * Prometheus and the alerting rules in deploy/calibrate-alerts.yaml) and
 * `GET /healthz`.
 *
 * @module
 */
import type { CalibrateMetrics } from "./calibrate_metrics.ts";

/** Where to listen. */
export interface CalibrateMetricsServerOptions {
  /**
   * Address to bind.
   *
   * @default {"127.0.0.1"}
   */
  hostname?: string;
  /**
   * Port; 0 picks a free one.
   *
   * @default {8101}
   */
  port?: number;
}

/**
 * Serves the metrics until `shutdown()`.
 *
 * @param metrics The calibrator's counters.
 * @param options Where to listen.
 * @returns The running server.
 *
 * @example
 * ```ts
 * import { CalibrateMetrics } from "./calibrate_metrics.ts";
 * import { serveCalibrateMetrics } from "./serve_calibrate_metrics.ts";
 * import { ok as assert } from "node:assert/strict";
 * const metrics = new CalibrateMetrics();
 * metrics.count("cycles");
 * const server = serveCalibrateMetrics(metrics, { port: 0 });
 * const text = await (await fetch(`http://127.0.0.1:${server.addr.port}/metrics`)).text();
 * assert(text.includes("kepler_calibrate_cycles_total 1"));
 * await server.shutdown();
 * ```
 */
export function serveCalibrateMetrics(
  metrics: CalibrateMetrics,
  options: CalibrateMetricsServerOptions = {},
): Deno.HttpServer<Deno.NetAddr> {
  return Deno.serve({
    hostname: options.hostname ?? "127.0.0.1",
    port: options.port ?? 8101,
    onListen() {},
  }, (request) => {
    const path = new URL(request.url).pathname;
    if (path === "/metrics") {
      return new Response(metrics.render(), {
        headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8" },
      });
    }
    if (path === "/healthz") return new Response("ok\n");
    return new Response("not found\n", { status: 404 });
  });
}
