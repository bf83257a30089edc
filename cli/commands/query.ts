/**
 * `query`: collect Kepler metrics from Prometheus into a query JSON, with
 * upstream's flags (seeds 000 and 002).
 *
 * @module
 */
import { about } from "./registry.ts";
import {
  booleanFlag,
  type CliContext,
  command,
  flag,
  given,
  listParser,
  numberParser,
  option,
  type OptionValues,
  parser,
} from "../command.ts";
import { UsageError } from "../errors.ts";
import { parseStep, promAuth } from "../config.ts";
import {
  collectQuery,
  type CollectQueryOptions,
  type CollectQueryResult,
  formatUtc,
  formatValidationSummary,
  parseByteSize,
  parseServerUrl,
  parseUtc,
  type QueryProgress,
  SPEC_FROM,
  type SpecFrom,
} from "../../lib/query/mod.ts";
import { type MachineSpec, NODE_ATTRIBUTES } from "../../lib/types.ts";
import { sweptNotes } from "./_swept.ts";

/** Checks a `%Y-%m-%dT%H:%M:%SZ` time at parse time (a usage error). */
const timeParser = parser((value: string) => {
  parseUtc(value);
  return value.trim();
});

/** Renders query progress on stderr, redrawing one line on a terminal. */
function progressRenderer(
  context: CliContext,
): ((p: QueryProgress) => void) | undefined {
  if (context.quiet || !context.stderrIsTerminal) return undefined;
  let drawn = false;
  let last = 0;
  return (p) => {
    const now = Date.now();
    if (p.done < p.total && now - last < 100) return;
    last = now;
    const pct = Math.floor((100 * p.done) / p.total);
    const line = `query: ${p.done}/${p.total} requests (${pct}%), ${
      p.samples.toLocaleString("en-US")
    } samples`;
    context.err(drawn ? `\x1b[1A\x1b[2K${line}` : line);
    drawn = true;
  };
}

function describeSpec(spec: MachineSpec): string {
  return NODE_ATTRIBUTES.map((a) => `${a} ${spec[a] === "" ? "?" : spec[a]}`)
    .join(", ");
}

/** What to say about the machine spec: results on stdout, notes on stderr. */
function specMessages(
  done: CollectQueryResult,
  specFrom: SpecFrom,
): { out: string[]; err: string[] } {
  const out: string[] = [], err: string[] = [];
  const path = done.files.machineSpec;
  const found = done.specFound;
  const origin = found.origin === "node_info"
    ? `kepler_node_info${
      found.instance === undefined ? "" : ` of instance ${found.instance}`
    }`
    : "the machine running query";
  if (done.specKept !== undefined) {
    const same = NODE_ATTRIBUTES.every((a) => done.spec[a] === found.spec[a]);
    err.push(
      done.specKept.error !== undefined
        ? `note: kept the existing machine spec ${path}, which cannot be read (${done.specKept.error}); delete it to write the spec from ${origin} (${
          describeSpec(found.spec)
        })`
        : same
        ? `note: kept the existing machine spec ${path} (the same as the spec from ${origin})`
        : `note: kept the existing machine spec ${path} (${
          describeSpec(done.spec)
        }); the spec from ${origin} differs (${
          describeSpec(found.spec)
        }): delete the file to write it`,
    );
    return { out, err };
  }
  if (found.origin === "node_info") {
    const several = (found.instances ?? 1) > 1
      ? `; the data hold ${found.instances} Kepler instances, this is the first's`
      : "";
    out.push(
      `Machine spec from ${origin}: ${
        describeSpec(found.spec)
      } (-1: not in Kepler's metrics${several})`,
    );
    return { out, err };
  }
  if (specFrom === "machine") {
    out.push(`Machine spec from ${origin}: ${describeSpec(found.spec)}`);
  } else {
    err.push(
      `note: the data have no kepler_node_info naming a processor: ${path} holds the spec of the machine running query (${
        describeSpec(found.spec)
      }), which may not be the node the data come from`,
    );
  }
  const gaps = found.gaps ?? [];
  if (gaps.length > 0) {
    err.push(
      `note: the machine spec ${path} is incomplete: ${gaps.join("; ")}`,
    );
  }
  return { out, err };
}

/** The options of `query`. */
const OPTIONS = {
  server: option(
    "-s, --server <url>",
    "Prometheus URL (default: $PROM_SERVER)",
  ),
  startTime: option("--start-time <time>", "start, %Y-%m-%dT%H:%M:%SZ", {
    parse: timeParser,
  }),
  endTime: option("--end-time <time>", "end, %Y-%m-%dT%H:%M:%SZ", {
    parse: timeParser,
  }),
  interval: option(
    "--interval <seconds>",
    "query the last N seconds (default: $PROM_QUERY_INTERVAL, 300)",
    { parse: numberParser({ min: 1 }) },
  ),
  step: option(
    "--step <step>",
    "query step: seconds or a Prometheus duration such as 3s, 1m, 1m30s, 500ms (default: $PROM_QUERY_STEP, 3)",
    { parse: parser(parseStep) },
  ),
  metricPrefix: option("--metric-prefix <prefix>", "metric name prefix", {
    default: "kepler_",
  }),
  thirdpartyMetrics: option(
    "--thirdparty-metrics <names...>",
    "extra metrics to query (also comma-separated; default: $PROM_THIRDPARTY_METRICS)",
    { parse: listParser() },
  ),
  benchmark: option(
    "--benchmark <name>",
    "benchmark file <data>/<name>.json: written with the window; read when it exists and no --start-time/--end-time/--interval is given",
  ),
  input: option(
    "-i, --input <name>",
    "read the window from <data>/<name>.json",
  ),
  id: option("--id <id>", "machine id: spec at <data>/machine_spec/<id>.json", {
    default: "unknown",
  }),
  specFrom: option(
    "--spec-from <source>",
    "machine spec from the queried data's kepler_node_info, this machine, or auto: kepler_node_info when the data have it (an existing spec file is kept)",
    { choices: SPEC_FROM, default: "auto" },
  ),
  output: option("-o, --output <name>", "output name: <data>/<name>.json", {
    default: "output",
  }),
  toCsv: option(
    "--to-csv [bool]",
    "also write <data>/<output>_csv/<metric>.csv",
    { parse: booleanFlag, default: false },
  ),
  quiet: flag("--quiet", "no progress display"),
  concurrency: option("--concurrency <n>", "requests in flight", {
    parse: numberParser({ min: 1, integer: true }),
    default: 4,
  }),
  retries: option(
    "--retries <n>",
    "retries after a 5xx or 429 answer or a network error",
    { parse: numberParser({ min: 0, integer: true }), default: 3 },
  ),
  maxRetryWait: option(
    "--max-retry-wait <seconds>",
    "longest Retry-After wait honoured after a 429 or 503 answer; a longer one fails at once",
    { parse: numberParser({ min: 0 }), default: 60 },
  ),
  maxResponseBytes: option(
    "--max-response-bytes <bytes>",
    "largest answer of one request (e.g. 500M, 2GiB); a larger or endless one is cut and the query fails (default: per request, 2000 series × (points × 64 + 1024) + 1 MiB)",
    { parse: parser(parseByteSize) },
  ),
  timeout: option("--timeout <seconds>", "timeout of one request", {
    parse: numberParser({ min: 0.001 }),
    default: 60,
  }),
} as const;

type QueryFlags = OptionValues<typeof OPTIONS>;

/** The query window of `--start-time`/`--end-time`, checked. */
function windowOf(
  options: QueryFlags,
): { startTime?: string; endTime?: string } {
  const startTime = given(options.startTime);
  const endTime = given(options.endTime);
  if ((startTime === undefined) !== (endTime === undefined)) {
    throw new UsageError(
      `--start-time and --end-time go together: got only ${
        startTime === undefined ? "--end-time" : "--start-time"
      }`,
    );
  }
  if (
    startTime !== undefined && endTime !== undefined &&
    !(parseUtc(endTime) > parseUtc(startTime))
  ) {
    throw new UsageError(
      `--end-time ${endTime} is not after --start-time ${startTime}`,
    );
  }
  return startTime === undefined || endTime === undefined
    ? {}
    : { startTime, endTime };
}

/** collectQuery's options from the flags and the configuration. */
function collectOptions(
  options: QueryFlags,
  context: CliContext,
): CollectQueryOptions {
  const { config } = context;
  const window = windowOf(options);
  const benchmark = given(options.benchmark);
  const input = given(options.input);
  const onProgress = progressRenderer(context);
  return {
    output: given(options.output) ?? "output",
    interval: options.interval ?? config.promQueryInterval,
    step: options.step ?? config.promQueryStep,
    metricPrefix: given(options.metricPrefix) ?? "kepler_",
    thirdParty: options.thirdpartyMetrics ?? config.promThirdpartyMetrics,
    id: given(options.id) ?? "unknown",
    specFrom: options.specFrom,
    toCsv: options.toCsv === true,
    concurrency: options.concurrency,
    retries: options.retries,
    maxRetryWaitMs: options.maxRetryWait * 1000,
    ...(options.maxResponseBytes === undefined
      ? {}
      : { maxResponseBytes: options.maxResponseBytes }),
    timeoutMs: options.timeout * 1000,
    insecureSkipVerify: config.promSslDisable,
    ...window,
    ...(benchmark === undefined ? {} : { benchmark }),
    explicitWindow: window.startTime !== undefined ||
      options.interval !== undefined,
    ...(input === undefined ? {} : { input }),
    ...(onProgress === undefined ? {} : { onProgress }),
    ...promAuth(config),
  };
}

/** Prints what a query collected and wrote. */
function printCollected(
  done: CollectQueryResult,
  server: string,
  request: CollectQueryOptions,
  context: CliContext,
): void {
  const spec = specMessages(done, request.specFrom ?? "auto");
  for (const line of spec.err) context.err(line);
  for (const line of sweptNotes(done.swept)) context.err(line);
  if (
    done.window.source === "benchmark" && (request.startTime !== undefined)
  ) {
    context.err(
      "note: the window was read from the existing benchmark file; --start-time/--end-time were not used",
    );
  }
  context.out(
    `Queried ${done.metrics.length} metrics (${done.series} series, ${done.samples} samples) from ${
      formatUtc(done.window.start)
    } to ${formatUtc(done.window.end)} at step ${done.step} s on ${server}` +
      (done.window.source === "benchmark"
        ? " (window from the benchmark file)"
        : ""),
  );
  for (const line of spec.out) context.out(line);
  const files = [
    done.files.query,
    done.files.benchmark,
    done.specKept === undefined ? done.files.machineSpec : undefined,
    done.files.csvDir,
    done.files.validate,
  ].filter((f): f is string => f !== undefined);
  context.out(`Wrote ${files.join(", ")}`);
  for (const line of formatValidationSummary(done.report.summary)) {
    context.out(line);
  }
}

/** The `query` command. */
export const query = command({
  ...about("query"),
  options: OPTIONS,
  async run(options, context) {
    const server = given(options.server) ?? context.config.promServer;
    try {
      parseServerUrl(server);
    } catch (error) {
      throw new UsageError((error as Error).message, { cause: error });
    }
    const request = collectOptions(options, context);
    const done = await collectQuery(server, context.config.dataPath, request);
    printCollected(done, server, request, context);
  },
});
