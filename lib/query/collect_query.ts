/**
 * The whole `query` step, as upstream's `kepler-model query`: choose the
 * window, list and select the metrics, query each over the window, then
 * write the query JSON, the benchmark file, the machine spec, optional
 * per-metric CSVs and the validate table. Nothing is written when the
 * window holds no samples.
 *
 * @module
 */
import { basename, dirname } from "node:path";
import {
  exists,
  formatCsv,
  sweepStaleTemps,
  writeFileAtomic,
} from "../io/mod.ts";
import { readBenchmarkFile } from "./_read_benchmark.ts";
import {
  benchmarkFile,
  machineSpecFile,
  queryCsvDir,
  queryFile,
  validateResultFile,
} from "../layout.ts";
import type { MachineSpec } from "../types.ts";
import { formatUtc } from "./format.ts";
import type { CompactResult } from "./compact_series.ts";
import { fetchMetricNames } from "./fetch_metric_names.ts";
import {
  chooseMachineSpec,
  type MachineSpecChoice,
  type SpecFrom,
} from "./choose_machine_spec.ts";
import { readMachineSpecFile, writeMachineSpec } from "./machine_spec.ts";
import { formatPythonJson } from "./python_json.ts";
import { writeQueryCsvs } from "./query_csv.ts";
import { writeQueryJson } from "./query_json.ts";
import { queryMetricsCompact, type QueryRangeOptions } from "./query_range.ts";
import { selectMetrics } from "./select_metrics.ts";
import {
  benchmarkWindow,
  resolveTimeWindow,
  type TimeWindow,
} from "./time_window.ts";
import {
  validateQuery,
  validateTableCells,
  type ValidationReport,
} from "./validate.ts";

/** Options of {@linkcode collectQuery}. */
export interface CollectQueryOptions extends QueryRangeOptions {
  /**
   * Output name (`-o`): `<data>/<output>.json`.
   *
   * @default {undefined} output
   */
  output?: string;
  /**
   * Benchmark name (`--benchmark`): the window is read from
   * `<data>/<name>.json` when it exists and no explicit window is given
   * (see `explicitWindow`), else written there.
   *
   * @default {undefined} none
   */
  benchmark?: string;
  /**
   * The user gave the window (`--start-time`/`--end-time` or `--interval`):
   * it wins over an existing benchmark file, which is rewritten (as upstream
   * rewrites it).
   *
   * @default {false}
   */
  explicitWindow?: boolean;
  /**
   * A window file name (upstream's `-i` for query), read when it exists.
   *
   * @default {undefined} none
   */
  input?: string;
  /**
   * `--start-time`, `%Y-%m-%dT%H:%M:%SZ`.
   *
   * @default {undefined} none
   */
  startTime?: string;
  /**
   * `--end-time`, `%Y-%m-%dT%H:%M:%SZ`.
   *
   * @default {undefined} none
   */
  endTime?: string;
  /**
   * `--interval` seconds back from now.
   *
   * @default {300}
   */
  interval?: number;
  /**
   * `--step` in seconds.
   *
   * @default {3}
   */
  step?: number;
  /**
   * `--metric-prefix` (a real prefix match).
   *
   * @default {undefined} kepler_
   */
  metricPrefix?: string;
  /**
   * `--thirdparty-metrics`.
   *
   * @default {undefined} none
   */
  thirdParty?: readonly string[];
  /**
   * Machine id (`--id`): spec at `<data>/machine_spec/<id>.json`.
   *
   * @default {undefined} `unknown`, as upstream
   */
  id?: string;
  /**
   * Where the machine spec comes from (`--spec-from`): `auto`, the queried
   * data's `kepler_node_info` when it has one, else this machine; `node_info`;
   * or `machine` (this machine, as upstream). An existing
   * `machine_spec/<id>.json` is never replaced.
   *
   * @default {undefined} auto
   */
  specFrom?: SpecFrom;
  /**
   * Also write `<data>/<output>_csv/<metric>.csv`.
   *
   * @default {false}
   */
  toCsv?: boolean;
  /**
   * Now, unix seconds (for `interval`).
   *
   * @default {undefined} the clock
   */
  now?: number;
}

/** What {@linkcode collectQuery} did. */
export interface CollectQueryResult {
  /** The window queried and where it came from. */
  window: TimeWindow;
  /** The step in seconds. */
  step: number;
  /** The metrics queried. */
  metrics: string[];
  /** Series and samples received. */
  series: number;
  /** Samples received. */
  samples: number;
  /**
   * The machine spec in `files.machineSpec` after the run: the one found,
   * or the existing file's, which is kept.
   */
  spec: MachineSpec;
  /** The spec this run found, and where from; written unless the file existed. */
  specFound: MachineSpecChoice;
  /**
   * Set when `files.machineSpec` already existed: it was kept, not
   * replaced (`error` says why it could not be read, if so).
   */
  specKept?: { error?: string };
  /** Files written (absolute or relative as `dataPath`). */
  files: {
    query: string;
    validate: string;
    machineSpec: string;
    benchmark?: string;
    csvDir?: string;
  };
  /** Validation of the result. */
  report: ValidationReport;
  /**
   * Temps of this run's files left by an interrupted (killed) earlier run,
   * removed at the start; and folders put back from their `.old` copy.
   */
  swept: { removed: string[]; restored: string[] };
}

/**
 * Sweeps the temps a killed earlier run left beside the files this run
 * writes (see lib/io/stale_temps.ts), before anything else.
 */
async function sweepOutputs(
  paths: readonly (string | undefined)[],
  before: number,
): Promise<{ removed: string[]; restored: string[] }> {
  const byDir = new Map<string, string[]>();
  for (const path of paths) {
    if (path === undefined) continue;
    const names = byDir.get(dirname(path)) ?? [];
    names.push(basename(path));
    byDir.set(dirname(path), names);
  }
  const swept = { removed: [] as string[], restored: [] as string[] };
  for (const [dir, names] of byDir) {
    const done = await sweepStaleTemps(dir, names, { before });
    swept.removed.push(...done.removed);
    swept.restored.push(...done.restored);
  }
  return swept;
}

/** The window to query, and the benchmark file it was read from, if any. */
async function queryWindow(dataPath: string, options: CollectQueryOptions) {
  const windowFiles = [
    options.input,
    options.explicitWindow ? undefined : options.benchmark,
  ]
    .filter((n): n is string => n !== undefined && n !== "")
    .map((n) => benchmarkFile(dataPath, n));
  let windowFile: string | undefined;
  for (const file of windowFiles) {
    if (await exists(file)) {
      windowFile = file;
      break;
    }
  }
  const window = resolveTimeWindow({
    ...(windowFile === undefined ? {} : {
      benchmark: await readBenchmarkFile(windowFile),
      benchmarkSource: windowFile,
    }),
    ...(options.startTime === undefined
      ? {}
      : { startTime: options.startTime }),
    ...(options.endTime === undefined ? {} : { endTime: options.endTime }),
    ...(options.interval === undefined ? {} : { interval: options.interval }),
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  return { window, windowFile };
}

/**
 * The Kepler (and third-party) metrics over `window`; a `RangeError` when
 * none matches or none has samples.
 */
async function queryKepler(
  server: string,
  options: CollectQueryOptions,
  window: { start: number; end: number },
  windowFile: string | undefined,
  step: number,
) {
  const names = await fetchMetricNames(server, options);
  const prefix = options.metricPrefix ?? "kepler_";
  const metrics = selectMetrics(names, {
    prefix,
    ...(options.thirdParty === undefined
      ? {}
      : { thirdParty: options.thirdParty }),
  });
  const span = `${formatUtc(window.start)} to ${formatUtc(window.end)}`;
  if (metrics.length === 0) {
    throw new RangeError(
      `No metric on Prometheus at ${server} starts with "${prefix}"${
        (options.thirdParty?.length ?? 0) > 0
          ? " or is a third-party metric given"
          : ""
      } (it has ${names.length} metric names); nothing was written. Is Kepler scraped by this Prometheus?`,
    );
  }
  const result = await queryMetricsCompact(server, {
    metrics,
    start: window.start,
    end: window.end,
    step,
  }, options);
  let series = 0;
  let samples = 0;
  for (const list of Object.values(result)) {
    series += list.length;
    for (const s of list) samples += s.times.length;
  }
  if (samples === 0) {
    throw new RangeError(
      `No samples in the window ${span} on Prometheus at ${server}: ${metrics.length} metrics match "${prefix}" but none has data in that window; nothing was written. Check --start-time/--end-time or --interval${
        windowFile === undefined
          ? ""
          : ` (the window was read from ${windowFile})`
      }.`,
    );
  }
  return { metrics, result, series, samples };
}

/**
 * Writes `found` to `path` unless a spec is there already: another query
 * (or simulate) described this id, so it is kept, never replaced silently
 * with this run's (maybe this host's) spec.
 */
async function keepOrWriteSpec(
  path: string,
  found: MachineSpec,
): Promise<{ spec: MachineSpec; specKept?: { error?: string } }> {
  if (!(await exists(path))) {
    await writeMachineSpec(path, found);
    return { spec: found };
  }
  try {
    return { spec: await readMachineSpecFile(path), specKept: {} };
  } catch (error) {
    return { spec: found, specKept: { error: (error as Error).message } };
  }
}

/** Validates `result` and writes the validation CSV to `path`. */
async function writeValidation(
  result: CompactResult,
  path: string,
  options: CollectQueryOptions,
  windowFile: string | undefined,
  step: number,
): Promise<ValidationReport> {
  const benchmarkContent = windowFile === undefined
    ? undefined
    : await readBenchmarkFile(windowFile);
  const report = validateQuery(result, {
    step,
    ...(options.benchmark === undefined
      ? {}
      : { benchmark: options.benchmark }),
    ...(benchmarkContent === undefined ? {} : { benchmarkContent }),
    ...(options.thirdParty === undefined
      ? {}
      : { thirdParty: options.thirdParty }),
  });
  const table = validateTableCells(report.rows);
  await writeFileAtomic(path, formatCsv(table.header, table.rows));
  return report;
}

/**
 * Runs the query step against `server` and writes its files under
 * `dataPath`. Throws a `PrometheusError` when Prometheus fails, and a
 * `RangeError` (with nothing written) when no metric matches or the window
 * holds no samples.
 *
 * @param server The Prometheus base URL, e.g. `http://localhost:9090`.
 * @param dataPath The data folder the query JSON, benchmark file, machine
 *   spec, CSVs and validate table are written under (created as needed).
 * @param options The window, step, metric selection, output names, machine
 *   spec source and the HTTP options; empty queries `kepler_` metrics over
 *   the last 300 s at a 3 s step into `<dataPath>/output.json`.
 * @returns The window, step, metrics, series and sample counts, the machine
 *   spec, the files written and the validation report.
 * @throws {PrometheusError} when Prometheus cannot be reached or answers
 *   with an error.
 * @throws {RangeError} when no metric matches or the window holds no
 *   samples (nothing is written), or the window's times are invalid.
 *
 * @example
 * ```ts
 * import { collectQuery } from "./collect_query.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
 *   const url = new URL(req.url);
 *   if (url.pathname.endsWith("/values")) return Response.json({ status: "success", data: ["kepler_x_total", "up"] });
 *   const start = Number(url.searchParams.get("start"));
 *   return Response.json({ status: "success", data: { resultType: "matrix",
 *     result: [{ metric: { __name__: "kepler_x_total" }, values: [[start, "1"]] }] } });
 * });
 * const dir = await Deno.makeTempDir();
 * const done = await collectQuery(`http://127.0.0.1:${server.addr.port}`, dir, {
 *   output: "kepler_query", benchmark: "idle", interval: 60, now: 1702462686, id: "m1",
 *   specFrom: "machine",
 * });
 * assertEquals(done.metrics, ["kepler_x_total"]);
 * assertEquals(await Deno.readTextFile(`${dir}/idle.json`),
 *   '{"startTimeUTC": "2023-12-13T10:17:06Z", "endTimeUTC": "2023-12-13T10:18:06Z"}');
 * assertEquals(await Deno.readTextFile(`${dir}/kepler_query.json`),
 *   '{"kepler_x_total": [{"metric": {"__name__": "kepler_x_total"}, "values": [[1702462626, "1"]]}]}');
 * await server.shutdown();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function collectQuery(
  server: string,
  dataPath: string,
  options: CollectQueryOptions = {},
): Promise<CollectQueryResult> {
  const started = Date.now();
  const output = options.output ?? "output";
  const step = options.step ?? 3;
  const id = options.id ?? "unknown";
  const benchmark = options.benchmark ?? "";
  const swept = await sweepOutputs([
    queryFile(dataPath, output),
    validateResultFile(dataPath, output),
    machineSpecFile(dataPath, id),
    queryCsvDir(dataPath, output),
    benchmark === "" ? undefined : benchmarkFile(dataPath, benchmark),
  ], started);
  const { window, windowFile } = await queryWindow(dataPath, options);
  const { metrics, result, series, samples } = await queryKepler(
    server,
    options,
    window,
    windowFile,
    step,
  );
  const specFound = await chooseMachineSpec(result, {
    specFrom: options.specFrom ?? "auto",
  });
  const files: CollectQueryResult["files"] = {
    query: queryFile(dataPath, output),
    validate: validateResultFile(dataPath, output),
    machineSpec: machineSpecFile(dataPath, id),
  };
  await writeQueryJson(files.query, result);
  if (
    windowFile === undefined && options.benchmark !== undefined &&
    options.benchmark !== ""
  ) {
    files.benchmark = benchmarkFile(dataPath, options.benchmark);
    await writeFileAtomic(
      files.benchmark,
      formatPythonJson(benchmarkWindow(window)),
    );
  }
  const { spec, specKept } = await keepOrWriteSpec(
    files.machineSpec,
    specFound.spec,
  );
  if (options.toCsv === true) {
    files.csvDir = queryCsvDir(dataPath, output);
    await writeQueryCsvs(files.csvDir, result);
  }
  const report = await writeValidation(
    result,
    files.validate,
    options,
    windowFile,
    step,
  );
  return {
    window,
    step,
    metrics,
    series,
    samples,
    spec,
    specFound,
    ...(specKept === undefined ? {} : { specKept }),
    files,
    report,
    swept,
  };
}
