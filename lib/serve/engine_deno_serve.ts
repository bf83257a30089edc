/**
 * The `"deno-serve"` engine: the routes on `Deno.serve`, which has no
 * header or idle timeout (only behind a proxy that enforces deadlines).
 * Its handler, {@linkcode handleRequest}, answers a `Request`: the body is
 * read within the size and time limits, then routed.
 *
 * @module
 */
import type { HttpReply } from "../http1/mod.ts";
import type { ModelServerOptions } from "./model_server.ts";
import { HttpError, readBody } from "./read_body.ts";
import {
  badRequest,
  json,
  JSON_HEADERS,
  JSON_TYPE,
  type RouteContext,
} from "./route_context.ts";
import { respond, routeOf } from "./router.ts";

const encoder = new TextEncoder();

/**
 * A reply after which the connection is dropped, for 408 and 413: the whole
 * reply is sent (its length is declared), then the failing body stream
 * makes `Deno.serve` close the connection instead of reading the rest of an
 * oversized body. (A body that was partly read keeps its connection until
 * the client leaves: `Deno.serve` offers no way to close it.)
 */
function closing(text: string, status: number): Response {
  const bytes = encoder.encode(text);
  let sent = false;
  return new Response(
    new ReadableStream<Uint8Array>({
      pull(c) {
        if (sent) {
          c.error(new DOMException("connection dropped", "AbortError"));
        } else {
          sent = true;
          c.enqueue(bytes);
        }
      },
    }),
    {
      status,
      headers: {
        "content-type": JSON_TYPE,
        "content-length": String(bytes.length),
      },
    },
  );
}

/** The raw path of a request URL (no query), without building a URL. */
function pathOf(rawUrl: string): string {
  const start = rawUrl.indexOf("/", rawUrl.indexOf("//") + 2);
  if (start < 0) return "/";
  const end = rawUrl.slice(start).search(/[?#]/);
  return end < 0 ? rawUrl.slice(start) : rawUrl.slice(start, start + end);
}

/** A reply as a `Response`. */
function toResponse(reply: HttpReply): Response {
  if (reply.close && (reply.status === 408 || reply.status === 413)) {
    return closing(
      typeof reply.body === "string"
        ? reply.body
        : new TextDecoder().decode(reply.body),
      reply.status,
    );
  }
  const body = reply.body === undefined || reply.body.length === 0
    ? null
    : reply.body as BodyInit;
  return new Response(body, {
    status: reply.status,
    ...(reply.headers ? { headers: reply.headers } : {}),
  });
}

/** Answers one `Request`: reads its body within the limits, then routes it. */
export async function handleRequest(
  o: ModelServerOptions,
  context: RouteContext,
  request: Request,
): Promise<Response> {
  const t0 = performance.now();
  const path = pathOf(request.url);
  const q = request.url.indexOf("?");
  let body: Uint8Array = new Uint8Array(0);
  if (request.body !== null) {
    try {
      body = await readBody(request, {
        maxBytes: o.maxBodyBytes ?? 1 << 20,
        timeoutMs: o.bodyTimeoutMs ?? 10_000,
      });
    } catch (error) {
      const e = error instanceof HttpError ? error : badRequest(error);
      context.metrics.observe(
        routeOf(path),
        e.status,
        (performance.now() - t0) / 1000,
      );
      return toResponse({
        ...json({ error: e.message }, e.status),
        close: e.status === 408 || e.status === 413,
      });
    }
  }
  return toResponse(
    await respond(context, {
      method: request.method,
      path,
      query: q < 0 ? "" : request.url.slice(q + 1).replace(/#.*$/, ""),
      body,
    }),
  );
}

/** Serves the routes on `Deno.serve`; settles once it listens. */
export async function serveDeno(
  o: ModelServerOptions,
  context: RouteContext,
): Promise<Deno.HttpServer<Deno.NetAddr>> {
  const listening = Promise.withResolvers<void>();
  const server = Deno.serve({
    hostname: o.hostname ?? "127.0.0.1",
    port: o.port ?? 8100,
    onListen: () => listening.resolve(),
    onError: (error) => {
      context.log(`internal error: ${(error as Error).message}`);
      return new Response('{"error":"internal error"}', {
        status: 500,
        headers: JSON_HEADERS,
      });
    },
  }, (request) => handleRequest(o, context, request));
  await listening.promise;
  return server;
}
