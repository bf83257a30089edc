/**
 * The router: a request whose body has been read → its route's reply,
 * counted in the metrics by route. Paths with dot segments or escaped
 * separators are refused (400); an unknown path is a 404, a wrong method a
 * 405.
 *
 * @module
 */
import type { HttpReply, HttpRequest } from "../http1/mod.ts";
import { show } from "./_fields.ts";
import { HttpError } from "./read_body.ts";
import { bestModelsRoute } from "./route_best_models.ts";
import { estimateRoute } from "./route_estimate.ts";
import { healthzRoute } from "./route_healthz.ts";
import { metricsRoute } from "./route_metrics.ts";
import { modelRoute } from "./route_model.ts";
import { modelFileRoute } from "./route_model_files.ts";
import { pipelinesRoute } from "./route_pipelines.ts";
import {
  errorReply,
  internalError,
  type RouteContext,
} from "./route_context.ts";

/** A request as the routes see it, however it arrived: its body is read. */
export type RoutedRequest = Pick<
  HttpRequest,
  "method" | "path" | "query" | "body"
>;

const ROUTES = [
  "/model",
  "/best-models",
  "/estimate",
  "/healthz",
  "/metrics",
  "/pipelines",
] as const;

/** The metrics label of a path: a known route, `/models` or `other`. */
export function routeOf(path: string): string {
  return (ROUTES as readonly string[]).includes(path)
    ? path
    : path.startsWith("/models/")
    ? "/models"
    : "other";
}

/** Whether a raw request path has dot segments or escaped separators. */
function traversal(path: string): boolean {
  return /(^|\/)\.\.?(\/|$)|%2e|%2f|%5c|\\|%00/i.test(path);
}

/**
 * Throws a 405 with the `allow` header RFC 9110 requires unless the method
 * is `allowed` (HEAD counts as GET).
 */
function method(request: RoutedRequest, allowed: "GET" | "POST"): void {
  if (
    request.method !== allowed &&
    !(allowed === "GET" && request.method === "HEAD")
  ) {
    throw new HttpError(
      405,
      `Method ${request.method} is not allowed here: use ${allowed}`,
      { headers: { allow: allowed === "GET" ? "GET, HEAD" : "POST" } },
    );
  }
}

async function route(
  context: RouteContext,
  request: RoutedRequest,
  name: string,
): Promise<HttpReply> {
  switch (name) {
    case "/model":
      method(request, "POST");
      return await modelRoute(context, request.body);
    case "/estimate":
      method(request, "POST");
      return await estimateRoute(context, request.body);
    case "/best-models":
      method(request, "GET");
      return bestModelsRoute(context, request.query);
    case "/healthz":
      method(request, "GET");
      return healthzRoute(context);
    case "/metrics":
      method(request, "GET");
      return metricsRoute(context);
    case "/pipelines":
      method(request, "GET");
      return pipelinesRoute(context);
    case "/models":
      method(request, "GET");
      return await modelFileRoute(context, request.path);
    default:
      throw new HttpError(
        404,
        `No route ${
          show(request.path.slice(0, 100))
        }: see /healthz, /model, /best-models, /estimate, /metrics`,
      );
  }
}

/** Answers one request whose body has been read. */
export async function respond(
  context: RouteContext,
  request: RoutedRequest,
): Promise<HttpReply> {
  const t0 = performance.now();
  const name = routeOf(request.path);
  let reply: HttpReply;
  try {
    if (traversal(request.path)) {
      throw new HttpError(
        400,
        "Path traversal is not allowed: the path has '.' or '..' segments or escaped separators",
      );
    }
    reply = await route(context, request, name);
  } catch (error) {
    reply = error instanceof HttpError
      ? errorReply(error)
      : internalError(context, `${request.method} ${name}`, error);
  }
  context.metrics.observe(name, reply.status, (performance.now() - t0) / 1000);
  return reply;
}
