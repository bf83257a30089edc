/**
 * The model server's own metrics, in the Prometheus text format (0.0.4):
 * request counts by route and status code, a latency histogram by route,
 * the models and pipelines loaded, and pipeline loads by result.
 *
 * @module
 */

/** Upper bounds (seconds) of the latency histogram's buckets. */
export const LATENCY_BUCKETS: readonly number[] = [
  0.0001,
  0.00025,
  0.0005,
  0.001,
  0.0025,
  0.005,
  0.01,
  0.025,
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
  10,
];

/** A gauge sample: labels and value. */
export interface GaugeSample {
  /** Label names and values. */
  labels: Readonly<Record<string, string>>;
  /** The value. */
  value: number;
}

/**
 * Escapes a label value (backslash, double quote, newline).
 *
 * @example
 * ```ts
 * import { escapeLabelValue } from "./server_metrics.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(escapeLabelValue('a"b\\c'), 'a\\"b\\\\c');
 * ```
 */
export function escapeLabelValue(value: string): string {
  return value.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll(
    "\n",
    "\\n",
  );
}

function labelText(labels: Readonly<Record<string, string>>): string {
  const parts = Object.entries(labels).map(([k, v]) =>
    `${k}="${escapeLabelValue(v)}"`
  );
  return parts.length === 0 ? "" : `{${parts.join(",")}}`;
}

function num(v: number): string {
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return Number.isNaN(v) ? "NaN" : String(v);
}

interface Histogram {
  counts: number[];
  sum: number;
  count: number;
}

/**
 * Counters and a latency histogram, rendered with the current gauges.
 * Labels are bounded: routes come from a fixed list chosen by the server.
 *
 * @example
 * ```ts
 * import { ServerMetrics } from "./server_metrics.ts";
 * import { ok as assert } from "node:assert/strict";
 * const m = new ServerMetrics();
 * m.observe("/model", 200, 0.0003);
 * const text = m.render([]);
 * assert(text.includes('kepler_model_server_requests_total{route="/model",code="200"} 1'));
 * assert(text.includes('kepler_model_server_request_duration_seconds_bucket{route="/model",le="0.0005"} 1'));
 * ```
 */
export class ServerMetrics {
  #requests = new Map<string, Map<number, number>>();
  #latency = new Map<string, Histogram>();
  #loads = new Map<string, number>();

  /** Records a request: its route, status code and duration in seconds. */
  observe(route: string, code: number, seconds: number): void {
    let byCode = this.#requests.get(route);
    if (byCode === undefined) this.#requests.set(route, byCode = new Map());
    byCode.set(code, (byCode.get(code) ?? 0) + 1);
    let h = this.#latency.get(route);
    if (h === undefined) {
      h = { counts: LATENCY_BUCKETS.map(() => 0), sum: 0, count: 0 };
      this.#latency.set(route, h);
    }
    for (let i = 0; i < LATENCY_BUCKETS.length; i++) {
      if (seconds <= LATENCY_BUCKETS[i]!) h.counts[i]!++;
    }
    h.sum += seconds;
    h.count++;
  }

  /** Records a pipeline load with its result (`ok` or `error`). */
  loaded(result: "ok" | "error"): void {
    this.#loads.set(result, (this.#loads.get(result) ?? 0) + 1);
  }

  /** Requests counted so far for a route (all codes). */
  requests(route: string): number {
    let n = 0;
    for (const v of this.#requests.get(route)?.values() ?? []) n += v;
    return n;
  }

  /**
   * The exposition: counters, histogram, and the given gauges of loaded
   * models (`pipeline`, `source`, `output_type` labels).
   */
  render(models: readonly GaugeSample[], pipelines = 0): string {
    const out: string[] = [];
    const p = "kepler_model_server";
    out.push(
      `# HELP ${p}_requests_total Requests answered, by route and HTTP status code (route "socket" is the estimator socket).`,
      `# TYPE ${p}_requests_total counter`,
    );
    for (const route of [...this.#requests.keys()].sort()) {
      const byCode = this.#requests.get(route)!;
      for (const code of [...byCode.keys()].sort((a, b) => a - b)) {
        out.push(
          `${p}_requests_total${labelText({ route, code: String(code) })} ${
            byCode.get(code)
          }`,
        );
      }
    }
    out.push(
      `# HELP ${p}_request_duration_seconds Time to answer a request, by route.`,
      `# TYPE ${p}_request_duration_seconds histogram`,
    );
    for (const [route, h] of [...this.#latency].sort()) {
      LATENCY_BUCKETS.forEach((le, i) => {
        out.push(
          `${p}_request_duration_seconds_bucket${
            labelText({ route, le: num(le) })
          } ${h.counts[i]}`,
        );
      });
      out.push(
        `${p}_request_duration_seconds_bucket${
          labelText({ route, le: "+Inf" })
        } ${h.count}`,
        `${p}_request_duration_seconds_sum${labelText({ route })} ${
          num(h.sum)
        }`,
        `${p}_request_duration_seconds_count${labelText({ route })} ${h.count}`,
      );
    }
    out.push(
      `# HELP ${p}_models Models loaded, by pipeline, energy source and output type.`,
      `# TYPE ${p}_models gauge`,
    );
    for (const g of models) {
      out.push(`${p}_models${labelText(g.labels)} ${num(g.value)}`);
    }
    out.push(
      `# HELP ${p}_pipelines Pipelines loaded.`,
      `# TYPE ${p}_pipelines gauge`,
      `${p}_pipelines ${pipelines}`,
      `# HELP ${p}_pipeline_loads_total Pipeline loads (startup, downloads and reloads), by result.`,
      `# TYPE ${p}_pipeline_loads_total counter`,
    );
    for (const result of ["ok", "error"]) {
      out.push(
        `${p}_pipeline_loads_total${labelText({ result })} ${
          this.#loads.get(result) ?? 0
        }`,
      );
    }
    return out.join("\n") + "\n";
  }
}
