/**
 * Range queries (`/api/v1/query_range`): one PromQL expression, or many bare
 * metric names as upstream's query step does. A range longer than
 * Prometheus' 11,000 points per series is split into several requests and
 * joined without duplicates or gaps; requests run with bounded concurrency,
 * each with a timeout and retries (see {@linkcode PrometheusRequestOptions}).
 *
 * @module
 */
import type { PromSeries, QueryResult } from "./format.ts";
import { runPool } from "./_pool.ts";
import {
  type CompactResult,
  type CompactSeries,
  compactSeries,
  expandSeries,
} from "./compact_series.ts";
import { mergeCompact } from "./merge_series.ts";
import { checkMatrix } from "./check_matrix.ts";
import { DecodedMatrix, parseMatrixAnswer } from "./_matrix_parser.ts";
import {
  createTransport,
  type PrometheusRequestOptions,
  requestApi,
  type Transport,
} from "./request.ts";
import { defaultResponseLimit, RESPONSE_ALLOWANCE } from "./response_limit.ts";
import { rangePoints, splitRange } from "./split_range.ts";

/** The window of a range query. */
export interface RangeWindow {
  /** First evaluation time, unix seconds. */
  start: number;
  /** Last evaluation time, unix seconds. */
  end: number;
  /** Resolution step in seconds (upstream's `--step`, default 3). */
  step: number;
}

/** A range query: a PromQL expression and its window. */
export interface RangeQuery extends RangeWindow {
  /** The PromQL expression; upstream uses the bare metric name. */
  query: string;
}

/** Progress of a multi-request query, reported after each request. */
export interface QueryProgress {
  /** Requests finished. */
  done: number;
  /** Requests in total. */
  total: number;
  /** The expression of the request that just finished. */
  query: string;
  /** Samples received so far, over all requests. */
  samples: number;
}

/** Options of {@linkcode queryRange} and {@linkcode queryMetrics}. */
export interface QueryRangeOptions extends PrometheusRequestOptions {
  /**
   * Points per series in one request.
   *
   * @default {undefined} 11000 (Prometheus' limit)
   */
  maxPoints?: number;
  /**
   * Requests in flight at once.
   *
   * @default {4}
   */
  concurrency?: number;
  /**
   * Called after each request.
   *
   * @default {undefined} none
   */
  onProgress?: (progress: QueryProgress) => void;
}

function checkWindow(window: RangeWindow): void {
  if (!(window.step > 0) || !Number.isFinite(window.step)) {
    throw new RangeError(
      `Invalid query step ${window.step}: the step must be a positive number of seconds`,
    );
  }
  if (!(window.end >= window.start)) {
    throw new RangeError(
      `Invalid query window ${window.start}..${window.end}: the end is before the start`,
    );
  }
}

interface Task {
  query: string;
  start: number;
  end: number;
}

/** The default size limit of a task's answer, and how it was sized. */
function taskLimit(task: Task, step: number): { bytes: number; how: string } {
  const points = rangePoints(task, step);
  const a = RESPONSE_ALLOWANCE;
  const bytes = defaultResponseLimit(points);
  return {
    bytes,
    how: `${
      bytes.toLocaleString("en-US")
    } bytes (the default for ${points} points: ${a.series} series × (${points} points × ${a.bytesPerSample} bytes + ${a.bytesPerSeries}) + ${a.overhead})`,
  };
}

async function runRangeTasks(
  transport: Transport,
  tasks: readonly Task[],
  step: number,
  options: QueryRangeOptions,
): Promise<CompactSeries[][]> {
  let done = 0;
  let samples = 0;
  const jobs = tasks.map((task) => async (signal: AbortSignal) => {
    const what = `query_range ${task.query}`;
    const points = rangePoints(task, step);
    const data = await requestApi(transport, {
      path: "api/v1/query_range",
      params: {
        query: task.query,
        start: String(task.start),
        end: String(task.end),
        step: String(step),
      },
      what,
      limit: taskLimit(task, step),
      decode: (bytes) => parseMatrixAnswer(bytes, points),
    }, { ...options, signal });
    // Parsed straight from the bytes, or (when the parser declines) from
    // the text: checked, then made compact.
    const series = data instanceof DecodedMatrix
      ? data.series
      : checkMatrix(data, {
        server: transport.server,
        metric: task.query,
        what,
      }).map(compactSeries);
    done++;
    for (const s of series) samples += s.times.length;
    options.onProgress?.({
      done,
      total: tasks.length,
      query: task.query,
      samples,
    });
    return series;
  });
  return await runPool(jobs, options.concurrency ?? 4, options.signal);
}

function chunkTasks(
  query: string,
  window: RangeWindow,
  options: QueryRangeOptions,
): Task[] {
  const split = options.maxPoints === undefined
    ? {}
    : { maxPoints: options.maxPoints };
  return splitRange(window.start, window.end, window.step, split).map((c) => ({
    query,
    start: c.start,
    end: c.end,
  }));
}

/**
 * Runs one range query, split into requests of at most `maxPoints` points
 * per series, and returns the joined series (Prometheus' order).
 *
 * @param server The Prometheus base URL, e.g. `http://localhost:9090`.
 * @param request The PromQL expression, start and end in unix seconds and
 *   the step in seconds.
 * @param options Points per request, concurrency, progress callback and
 *   the HTTP options (authentication, TLS, timeout, retries, abort signal).
 * @returns The series of the whole window, each sample once; empty when
 *   nothing matches.
 * @throws {RangeError} when the step is not a positive number, the end is
 *   before the start, or `server` is not an http(s) URL.
 * @throws {PrometheusError} when a request fails or Prometheus sends no
 *   matrix.
 *
 * @example
 * ```ts
 * import { queryRange } from "./query_range.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * // A fake Prometheus: one series with a sample at every requested step.
 * const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
 *   const p = new URL(req.url).searchParams;
 *   const values = [];
 *   for (let t = Number(p.get("start")); t <= Number(p.get("end")); t += Number(p.get("step"))) {
 *     values.push([t, String(t * 2)]);
 *   }
 *   return Response.json({ status: "success", data: { resultType: "matrix", result: [{ metric: { __name__: "x" }, values }] } });
 * });
 * const series = await queryRange(`http://127.0.0.1:${server.addr.port}`,
 *   { query: "x", start: 0, end: 30, step: 3 }, { maxPoints: 4 });
 * assertEquals(series[0]?.values.map(([t]) => t), [0, 3, 6, 9, 12, 15, 18, 21, 24, 27, 30]);
 * await server.shutdown();
 * ```
 */
export async function queryRange(
  server: string,
  request: RangeQuery,
  options: QueryRangeOptions = {},
): Promise<PromSeries[]> {
  checkWindow(request);
  const transport = createTransport(server, options);
  try {
    const tasks = chunkTasks(request.query, request, options);
    const chunks = await runRangeTasks(transport, tasks, request.step, options);
    return mergeCompact(chunks).map(expandSeries);
  } finally {
    transport.close();
  }
}

/** A query of several metrics by their bare names, as upstream queries. */
export interface MetricsQuery extends RangeWindow {
  /** Metric names; each is queried as the bare name. */
  metrics: readonly string[];
}

/**
 * Queries each metric by its bare name over the window (upstream's
 * `_range_queries`) and returns the query JSON object: metric name → series,
 * in the order of `metrics`. All requests (metrics × chunks) share one
 * concurrency limit and one progress count.
 *
 * @param server The Prometheus base URL, e.g. `http://localhost:9090`.
 * @param request The metric names, start and end in unix seconds and the
 *   step in seconds.
 * @param options Points per request, concurrency, progress callback and
 *   the HTTP options (authentication, TLS, timeout, retries, abort signal).
 * @returns Metric name → its series over the window (empty list when the
 *   metric has no data), in the order of `request.metrics`.
 * @throws {RangeError} when the step is not a positive number, the end is
 *   before the start, or `server` is not an http(s) URL.
 * @throws {PrometheusError} when a request fails or Prometheus sends no
 *   matrix.
 *
 * @example
 * ```ts
 * import { queryMetrics } from "./query_range.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
 *   const p = new URL(req.url).searchParams;
 *   const name = p.get("query") ?? "";
 *   return Response.json({ status: "success", data: { resultType: "matrix",
 *     result: [{ metric: { __name__: name }, values: [[Number(p.get("start")), "1"]] }] } });
 * });
 * const result = await queryMetrics(`http://127.0.0.1:${server.addr.port}`,
 *   { metrics: ["b_total", "a_total"], start: 100, end: 100, step: 3 });
 * assertEquals(Object.keys(result), ["b_total", "a_total"]);
 * assertEquals(result.a_total, [{ metric: { __name__: "a_total" }, values: [[100, "1"]] }]);
 * await server.shutdown();
 * ```
 */
export async function queryMetrics(
  server: string,
  request: MetricsQuery,
  options: QueryRangeOptions = {},
): Promise<QueryResult> {
  const compact = await queryMetricsCompact(server, request, options);
  const result: QueryResult = {};
  for (const [metric, series] of Object.entries(compact)) {
    result[metric] = series.map(expandSeries);
  }
  return result;
}

/**
 * {@linkcode queryMetrics}, with the series held compactly (see
 * ./compact_series.ts): each answer is checked and made compact as it
 * arrives, so a large query holds less than the query JSON it writes.
 *
 * @param server The Prometheus base URL, e.g. `http://localhost:9090`.
 * @param request The metric names, start and end in unix seconds and the
 *   step in seconds.
 * @param options As {@linkcode queryMetrics}.
 * @returns Metric name → its compact series over the window, in the order
 *   of `request.metrics`.
 * @throws {RangeError} when the step is not a positive number, the end is
 *   before the start, or `server` is not an http(s) URL.
 * @throws {PrometheusError} when a request fails or Prometheus sends no
 *   matrix.
 *
 * @example
 * ```ts
 * import { queryMetricsCompact } from "./query_range.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
 *   const p = new URL(req.url).searchParams;
 *   return Response.json({ status: "success", data: { resultType: "matrix",
 *     result: [{ metric: { __name__: p.get("query") }, values: [[Number(p.get("start")), "1.5"]] }] } });
 * });
 * const result = await queryMetricsCompact(`http://127.0.0.1:${server.addr.port}`,
 *   { metrics: ["a_total"], start: 100, end: 100, step: 3 });
 * assertEquals([[...result.a_total![0]!.times], [...result.a_total![0]!.values]], [[100], [1.5]]);
 * await server.shutdown();
 * ```
 */
export async function queryMetricsCompact(
  server: string,
  request: MetricsQuery,
  options: QueryRangeOptions = {},
): Promise<CompactResult> {
  checkWindow(request);
  const transport = createTransport(server, options);
  try {
    const perMetric = request.metrics.map((m) =>
      chunkTasks(m, request, options)
    );
    const flat = perMetric.flat();
    const chunks = await runRangeTasks(transport, flat, request.step, options);
    const result: CompactResult = {};
    let offset = 0;
    request.metrics.forEach((metric, i) => {
      const n = perMetric[i]?.length ?? 0;
      result[metric] = mergeCompact(chunks.slice(offset, offset + n));
      // The chunks of a joined metric are copies now: let them go.
      chunks.fill([], offset, offset + n);
      offset += n;
    });
    return result;
  } finally {
    transport.close();
  }
}
