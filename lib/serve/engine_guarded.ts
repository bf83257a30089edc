/**
 * The `"guarded"` engine: the routes on lib/http1's `serveHttp1` (header,
 * body, idle and write deadlines, a connection limit).
 *
 * @module
 */
import { type Http1Server, serveHttp1 } from "../http1/mod.ts";
import type { ModelServerOptions } from "./model_server.ts";
import { respond } from "./router.ts";
import { internalError, type RouteContext } from "./route_context.ts";

/** Serves the routes with deadlines on every phase of a connection. */
export function serveGuarded(
  o: ModelServerOptions,
  context: RouteContext,
): Http1Server {
  return serveHttp1({
    hostname: o.hostname ?? "127.0.0.1",
    port: o.port ?? 8100,
    maxBodyBytes: o.maxBodyBytes ?? 1 << 20,
    bodyTimeoutMs: o.bodyTimeoutMs ?? 10_000,
    headersTimeoutMs: o.headersTimeoutMs ?? 10_000,
    idleTimeoutMs: o.idleTimeoutMs ?? 30_000,
    maxConnections: o.maxConnections ?? 1024,
    onReject: (status) => context.metrics.observe("connection", status, 0),
    onError: (error) => internalError(context, "request", error),
  }, (request) => respond(context, request));
}
