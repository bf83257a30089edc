/**
 * `query`: collect Kepler metrics from Prometheus into a query JSON, with
 * upstream's flags (seeds 000 and 002).
 *
 * @module
 */
import { Option } from "commander";
import {
  booleanFlag,
  type CliContext,
  type CommandDefinition,
  numberParser,
  optString,
  parser,
} from "../command.ts";
import { UsageError } from "../errors.ts";
import {
  collectQuery,
  type CollectQueryOptions,
  formatUtc,
  formatValidationSummary,
  parseServerUrl,
  parseUtc,
  type QueryProgress,
} from "../../lib/query/mod.ts";

/** Checks a `%Y-%m-%dT%H:%M:%SZ` time at parse time (a usage error). */
const timeParser = parser((value: string) => {
  parseUtc(value);
  return value.trim();
});

function listOption(value: string, previous: string[] | undefined): string[] {
  const items = value.split(",").map((s) => s.trim()).filter((s) => s !== "");
  return [...(previous ?? []), ...items];
}

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

/** The `query` command. */
export const query: CommandDefinition = {
  name: "query",
  summary: "query Kepler metrics from Prometheus into a query JSON",
  define(command) {
    command
      .option("-s, --server <url>", "Prometheus URL (default: $PROM_SERVER)")
      .option("--start-time <time>", "start, %Y-%m-%dT%H:%M:%SZ", timeParser)
      .option("--end-time <time>", "end, %Y-%m-%dT%H:%M:%SZ", timeParser)
      .option(
        "--interval <seconds>",
        "query the last N seconds (default: $PROM_QUERY_INTERVAL, 300)",
        numberParser({ min: 1 }),
      )
      .option(
        "--step <seconds>",
        "query step (default: $PROM_QUERY_STEP, 3)",
        numberParser({ min: 0.001 }),
      )
      .option("--metric-prefix <prefix>", "metric name prefix", "kepler_")
      .option(
        "--thirdparty-metrics <names...>",
        "extra metrics to query (also comma-separated; default: $PROM_THIRDPARTY_METRICS)",
        listOption,
      )
      .option(
        "--benchmark <name>",
        "benchmark file <data>/<name>.json: written with the window; read when it exists and no --start-time/--end-time/--interval is given",
      )
      .option("-i, --input <name>", "read the window from <data>/<name>.json")
      .option(
        "--id <id>",
        "machine id: spec at <data>/machine_spec/<id>.json",
        "unknown",
      )
      .addOption(
        new Option(
          "--spec-from <source>",
          "machine spec from this machine or kepler_node_info",
        )
          .choices(["machine", "node_info"]).default("machine"),
      )
      .option(
        "-o, --output <name>",
        "output name: <data>/<name>.json",
        "output",
      )
      .option(
        "--to-csv [bool]",
        "also write <data>/<output>_csv/<metric>.csv",
        booleanFlag,
        false,
      )
      .option("--quiet", "no progress display")
      .option(
        "--concurrency <n>",
        "requests in flight",
        numberParser({ min: 1, integer: true }),
        4,
      )
      .option(
        "--retries <n>",
        "retries after a 5xx answer or network error",
        numberParser({ min: 0, integer: true }),
        3,
      )
      .option(
        "--timeout <seconds>",
        "timeout of one request",
        numberParser({ min: 0.001 }),
        60,
      );
  },
  async run(options, context) {
    const { config } = context;
    const server = optString(options, "server") ?? config.promServer;
    try {
      parseServerUrl(server);
    } catch (error) {
      throw new UsageError((error as Error).message, { cause: error });
    }
    const thirdParty = (options.thirdpartyMetrics as string[] | undefined) ??
      config.promThirdpartyMetrics;
    const startTime = optString(options, "startTime");
    const endTime = optString(options, "endTime");
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
    const benchmark = optString(options, "benchmark");
    const input = optString(options, "input");
    const onProgress = progressRenderer(context);
    const request: CollectQueryOptions = {
      output: optString(options, "output") ?? "output",
      interval: (options.interval as number | undefined) ??
        config.promQueryInterval,
      step: (options.step as number | undefined) ?? config.promQueryStep,
      metricPrefix: optString(options, "metricPrefix") ?? "kepler_",
      thirdParty,
      id: optString(options, "id") ?? "unknown",
      specFrom: options.specFrom === "node_info" ? "node_info" : "machine",
      toCsv: options.toCsv === true,
      concurrency: options.concurrency as number,
      retries: options.retries as number,
      timeoutMs: (options.timeout as number) * 1000,
      insecureSkipVerify: config.promSslDisable,
      ...(startTime === undefined ? {} : { startTime }),
      ...(endTime === undefined ? {} : { endTime }),
      ...(benchmark === undefined ? {} : { benchmark }),
      explicitWindow: startTime !== undefined || options.interval !== undefined,
      ...(input === undefined ? {} : { input }),
      ...(onProgress === undefined ? {} : { onProgress }),
      ...(config.promUsername === undefined
        ? {}
        : { username: config.promUsername }),
      ...(config.promPassword === undefined
        ? {}
        : { password: config.promPassword }),
      ...(config.promBearerToken === undefined
        ? {}
        : { bearerToken: config.promBearerToken }),
    };
    const done = await collectQuery(server, config.dataPath, request);
    const spec = done.spec;
    if (
      spec.processor === "" ||
      [spec.cores, spec.chips, spec.memory, spec.frequency].includes(-1)
    ) {
      context.err(
        `note: the machine spec ${done.files.machineSpec} is incomplete (${
          JSON.stringify(spec)
        }): ${
          options.specFrom === "node_info"
            ? "Kepler's metrics do not carry every attribute"
            : "grant --allow-sys=systemMemoryInfo,cpus (as deno task query does), or use --spec-from node_info"
        }`,
      );
    }
    if (done.window.source === "benchmark" && (startTime !== undefined)) {
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
    const files = [
      done.files.query,
      done.files.benchmark,
      done.files.machineSpec,
      done.files.csvDir,
      done.files.validate,
    ].filter((f): f is string => f !== undefined);
    context.out(`Wrote ${files.join(", ")}`);
    for (const line of formatValidationSummary(done.report.summary)) {
      context.out(line);
    }
  },
};
