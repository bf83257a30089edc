/**
 * Reading a query JSON (what `query` writes and `simulate` imitates) into
 * columnar series: each Prometheus series becomes its labels plus two
 * Float64Arrays (timestamps, values). The file is scanned as bytes, one
 * metric at a time, so a 45 MB query never exists as JS row objects.
 *
 * Older Kepler names are read through the aliases of `lib/types.ts`:
 * `*_bpf_cpu_time_us_total` becomes `*_bpf_cpu_time_ms_total` (values
 * ÷ 1000), `kepler_node_node_info` becomes `kepler_node_info`, and the energy
 * `source` labels `rapl` and `intel_rapl` become `rapl-sysfs`.
 *
 * Each series is cleaned once: samples are sorted by time, samples with a
 * non-finite timestamp are dropped, and a timestamp that occurs twice keeps
 * one sample when the values agree and becomes NaN (an unusable sample) when
 * they do not. Values of `"NaN"`, `"+Inf"` and the like are kept as such.
 *
 * @module
 */
import type { Labels, QueryResult } from "../query/format.ts";
import { readBinaryFile } from "../io/mod.ts";
import {
  ENERGY_SOURCE_ALIASES,
  type EnergySource,
  resolveMetricAlias,
} from "../types.ts";
import { scanQuery } from "./_json_scan.ts";

/** One Prometheus series, columnar. */
export interface MetricSeries {
  /** The series' labels (the `source` label already de-aliased). */
  readonly labels: Readonly<Labels>;
  /**
   * Sample times, unix seconds, strictly increasing. Read-only: series
   * with the same times may share one array.
   */
  readonly timestamps: Float64Array;
  /** Sample values (NaN for an unusable sample). */
  readonly values: Float64Array;
}

/** A query read into columnar series, by current metric name. */
export interface QueryData {
  /** Where it came from, for messages (e.g. `data/kepler_query.json`). */
  readonly origin: string;
  /** Metric name → its series. */
  readonly metrics: ReadonlyMap<string, readonly MetricSeries[]>;
}

/** Options of {@linkcode parseQuery}, {@linkcode readQueryFile} and {@linkcode queryDataFrom}. */
export interface ReadQueryOptions {
  /**
   * Name used in messages.
   *
   * @default {undefined} the path, or `"query JSON"`
   */
  origin?: string;
  /**
   * Which metrics to keep, by current (de-aliased) name; others are skipped
   * without being converted.
   *
   * @default {undefined} all
   */
  include?: (metric: string) => boolean;
}

interface Builder {
  metrics: Map<string, MetricSeries[]>;
  /** The times of the last series added (the next may share them). */
  lastTimes?: Float64Array;
}

function sourceAlias(labels: Labels): Labels {
  const source = labels.source;
  if (source === undefined) return labels;
  const current: EnergySource | undefined = ENERGY_SOURCE_ALIASES[source];
  return current === undefined ? labels : { ...labels, source: current };
}

/** Whether `shared` holds exactly the first n times of t. */
function sameTimes(
  shared: Float64Array | undefined,
  t: ArrayLike<number>,
  n: number,
): shared is Float64Array {
  if (shared === undefined || shared.length !== n) return false;
  for (let i = 0; i < n; i++) if (shared[i] !== t[i]) return false;
  return true;
}

/**
 * Cleans one series' samples (sort, drop non-finite timestamps, resolve
 * duplicate timestamps) and scales the values. Sorted, finite times equal
 * to `shared` (the previous series') reuse that array: most series of a
 * query share one time grid, which then takes memory once.
 */
function cleanSeries(
  t: ArrayLike<number>,
  v: ArrayLike<number>,
  n: number,
  factor: number,
  shared?: Float64Array,
): { timestamps: Float64Array; values: Float64Array } {
  let sorted = true;
  let finite = 0;
  let last = -Infinity;
  for (let i = 0; i < n; i++) {
    const ti = t[i]!;
    if (!Number.isFinite(ti)) continue;
    finite++;
    if (ti <= last) sorted = false;
    last = ti;
  }
  let order: number[] | undefined;
  if (!sorted || finite !== n) {
    order = [];
    for (let i = 0; i < n; i++) if (Number.isFinite(t[i]!)) order.push(i);
    if (!sorted) order.sort((a, b) => t[a]! - t[b]! || a - b);
  }
  const values = new Float64Array(finite);
  if (order === undefined) {
    // the common case: sorted, unique, finite timestamps
    for (let i = 0; i < n; i++) values[i] = v[i]! * factor;
    if (sameTimes(shared, t, n)) return { timestamps: shared, values };
    const timestamps = new Float64Array(n);
    for (let i = 0; i < n; i++) timestamps[i] = t[i]!;
    return { timestamps, values };
  }
  const timestamps = new Float64Array(finite);
  let m = 0;
  for (let k = 0; k < finite; k++) {
    const i = order[k]!;
    const ti = t[i]!;
    const vi = v[i]! * factor;
    if (m > 0 && timestamps[m - 1] === ti) {
      const prev = values[m - 1]!;
      const same = prev === vi || (Number.isNaN(prev) && Number.isNaN(vi));
      if (!same) values[m - 1] = NaN;
      continue;
    }
    timestamps[m] = ti;
    values[m] = vi;
    m++;
  }
  return m === finite
    ? { timestamps, values }
    : { timestamps: timestamps.slice(0, m), values: values.slice(0, m) };
}

function addSeries(
  builder: Builder,
  rawMetric: string,
  labels: Labels,
  t: ArrayLike<number>,
  v: ArrayLike<number>,
  n: number,
): void {
  const { name, factor } = resolveMetricAlias(rawMetric);
  const { timestamps, values } = cleanSeries(
    t,
    v,
    n,
    factor,
    builder.lastTimes,
  );
  builder.lastTimes = timestamps;
  let list = builder.metrics.get(name);
  if (list === undefined) {
    list = [];
    builder.metrics.set(name, list);
  }
  list.push({ labels: sourceAlias(labels), timestamps, values });
}

/**
 * Parses a query JSON given as bytes or text into columnar series. Throws a
 * `SyntaxError` that names the origin and byte offset for malformed input.
 *
 * @param input The query JSON (UTF-8 bytes or text): an object of metric
 *   name → Prometheus series (`metric` labels and `values` samples).
 * @param options The name used in messages and which metrics to keep.
 * @returns The series by current metric name, each sorted by time; a
 *   metric present with no series maps to an empty list.
 * @throws {SyntaxError} when the input is not a valid query JSON.
 *
 * @example
 * ```ts
 * import { parseQuery } from "./read_query.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const q = parseQuery(JSON.stringify({
 *   kepler_container_bpf_cpu_time_us_total: [{ metric: { container_id: "a" }, values: [[2, "3000"], [1, "1000"]] }],
 *   kepler_node_package_joules_total: [{ metric: { source: "rapl" }, values: [[1, "5"]] }],
 * }));
 * const bpf = q.metrics.get("kepler_container_bpf_cpu_time_ms_total")![0]!;
 * assertEquals([...bpf.timestamps], [1, 2]);
 * assertEquals([...bpf.values], [1, 3]);
 * assertEquals(q.metrics.get("kepler_node_package_joules_total")![0]!.labels.source, "rapl-sysfs");
 * ```
 */
export function parseQuery(
  input: Uint8Array | string,
  options: ReadQueryOptions = {},
): QueryData {
  const bytes = typeof input === "string"
    ? new TextEncoder().encode(input)
    : input;
  const origin = options.origin ?? "query JSON";
  const include = options.include;
  const builder: Builder = { metrics: new Map() };
  scanQuery(bytes, origin, {
    include: (metric) =>
      include === undefined || include(resolveMetricAlias(metric).name),
    series: (metric, labels, t, v, n) =>
      addSeries(builder, metric, labels, t, v, n),
    endMetric: (metric) => {
      const name = resolveMetricAlias(metric).name;
      if (!builder.metrics.has(name)) builder.metrics.set(name, []);
    },
  });
  return { origin, metrics: builder.metrics };
}

/**
 * Reads a whole file into one buffer of its size (much faster than a
 * growing read for tens of MB); errors are lib/io's (naming the path).
 */
async function readWhole(path: string): Promise<Uint8Array> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path);
  } catch {
    return await readBinaryFile(path);
  }
  try {
    const size = (await file.stat()).size;
    const buffer = new Uint8Array(size);
    let offset = 0;
    while (offset < size) {
      const n = await file.read(buffer.subarray(offset));
      if (n === null) break;
      offset += n;
    }
    if (offset === size) {
      // a file that grew while read is read again in full
      const probe = new Uint8Array(1);
      if (await file.read(probe) === null) return buffer;
    }
  } finally {
    file.close();
  }
  return await readBinaryFile(path);
}

/**
 * Reads a query JSON file into columnar series (see {@linkcode parseQuery}).
 * A missing file is a `Deno.errors.NotFound` naming the path.
 *
 * @param path The query JSON file, e.g. `data/kepler_query.json`.
 * @param options The name used in messages (the path by default) and which
 *   metrics to keep.
 * @returns The series by current metric name, each sorted by time.
 * @throws {Deno.errors.NotFound} when the file does not exist.
 * @throws {SyntaxError} when the file is not a valid query JSON.
 *
 * @example
 * ```ts
 * import { readQueryFile } from "./read_query.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/q.json`, '{"m": [{"metric": {}, "values": [[1, "2"]]}]}');
 * const q = await readQueryFile(`${dir}/q.json`);
 * assertEquals(q.origin, `${dir}/q.json`);
 * assertEquals([...q.metrics.get("m")![0]!.values], [2]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function readQueryFile(
  path: string,
  options: ReadQueryOptions = {},
): Promise<QueryData> {
  const bytes = await readWhole(path);
  return parseQuery(bytes, { ...options, origin: options.origin ?? path });
}

/**
 * Converts a query already in memory (e.g. from `query` or `simulate`) into
 * columnar series, one metric at a time.
 *
 * @param result The query result: metric name → Prometheus series, sample
 *   values as text (`"NaN"`, `"+Inf"` allowed) or numbers.
 * @param options The name used in messages and which metrics to keep.
 * @returns The series by current metric name, each sorted by time.
 * @throws {TypeError} when a kept metric's value is not an array of series.
 *
 * @example
 * ```ts
 * import { queryDataFrom } from "./read_query.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const q = queryDataFrom({ kepler_node_nodeInfo: [{ metric: {}, values: [[1, "1"]] }] });
 * assertEquals([...q.metrics.keys()], ["kepler_node_info"]);
 * ```
 */
export function queryDataFrom(
  result: QueryResult,
  options: ReadQueryOptions = {},
): QueryData {
  const builder: Builder = { metrics: new Map() };
  for (const [metric, series] of Object.entries(result)) {
    const name = resolveMetricAlias(metric).name;
    if (options.include !== undefined && !options.include(name)) continue;
    if (!Array.isArray(series)) {
      throw new TypeError(
        `Cannot read metric ${metric} of ${
          options.origin ?? "query result"
        }: expected an array of series, got ${typeof series}`,
      );
    }
    if (!builder.metrics.has(name)) builder.metrics.set(name, []);
    for (const s of series) {
      const n = s.values?.length ?? 0;
      const t = new Float64Array(n);
      const v = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const sample = s.values[i]!;
        t[i] = Number(sample[0]);
        v[i] = parseSampleValue(sample[1]);
      }
      addSeries(builder, metric, s.metric ?? {}, t, v, n);
    }
  }
  return { origin: options.origin ?? "query result", metrics: builder.metrics };
}

function parseSampleValue(value: string | number): number {
  if (typeof value === "number") return value;
  if (value.trim() === "") return NaN;
  const inf = /^([+-]?)inf(inity)?$/i.exec(value.trim());
  if (inf) return inf[1] === "-" ? -Infinity : Infinity;
  return Number(value);
}
