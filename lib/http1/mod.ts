/**
 * An HTTP/1.1 server on `Deno.listen` with the deadlines `Deno.serve` does
 * not have: headers, bodies, idle connections and slow readers are timed
 * out, bodies and headers are limited in size, connections in number
 * ({@linkcode serveHttp1}). General code: the model server is one user.
 *
 * @module
 */
export { serveHttp1 } from "./serve_http1.ts";
export type {
  Http1Options,
  Http1Server,
  HttpHandler,
  HttpReply,
  HttpRequest,
} from "./types.ts";
