/**
 * The metric names a Prometheus server knows
 * (`/api/v1/label/__name__/values`).
 *
 * @module
 */
import { PrometheusError } from "./prometheus_error.ts";
import {
  createTransport,
  type PrometheusRequestOptions,
  requestApi,
} from "./request.ts";

/**
 * Lists every metric name on the server, sorted as Prometheus returns them.
 * Failures are a {@linkcode PrometheusError} naming the server.
 *
 * @param server The Prometheus base URL, e.g. `http://localhost:9090`.
 * @param options Authentication, TLS, timeout, retries and abort signal;
 *   empty sends an unauthenticated request with the default timeout and
 *   retries.
 * @returns Every metric name the server knows, in its order.
 * @throws {PrometheusError} when the server cannot be reached, answers
 *   with an error, or sends something other than a list of names.
 * @throws {RangeError} when `server` is not an http(s) URL, or both a
 *   bearer token and a user name are given.
 *
 * @example
 * ```ts
 * import { fetchMetricNames } from "./fetch_metric_names.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () =>
 *   Response.json({ status: "success", data: ["kepler_node_info", "up"] }));
 * assertEquals(await fetchMetricNames(`http://127.0.0.1:${server.addr.port}`), ["kepler_node_info", "up"]);
 * await server.shutdown();
 * ```
 */
export async function fetchMetricNames(
  server: string,
  options: PrometheusRequestOptions = {},
): Promise<string[]> {
  const transport = createTransport(server, options);
  try {
    const data = await requestApi(transport, {
      path: "api/v1/label/__name__/values",
      params: {},
      what: "list of metric names",
    }, options);
    if (!Array.isArray(data) || !data.every((x) => typeof x === "string")) {
      throw new PrometheusError(
        `Prometheus at ${server} sent a list of metric names that is not an array of strings`,
        { server },
      );
    }
    return data as string[];
  } finally {
    transport.close();
  }
}
