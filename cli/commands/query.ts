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
  type CollectQueryResult,
  formatUtc,
  formatValidationSummary,
  parseServerUrl,
  parseUtc,
  type QueryProgress,
  SPEC_FROM,
  type SpecFrom,
} from "../../lib/query/mod.ts";
import { type MachineSpec, NODE_ATTRIBUTES } from "../../lib/types.ts";

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

function describeSpec(spec: MachineSpec): string {
  return NODE_ATTRIBUTES.map((a) => `${a} ${spec[a] === "" ? "?" : spec[a]}`)
    .join(", ");
}

function granted(kind: "cpus" | "systemMemoryInfo"): boolean {
  return Deno.permissions.querySync({ name: "sys", kind }).state === "granted";
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
  const unknown: string[] = NODE_ATTRIBUTES.filter((a) =>
    found.spec[a] === "" || found.spec[a] === -1
  ).map((a) => `${a} unknown`);
  if (found.cpuinfoRead === false) unknown.push("chips assumed 1");
  if (specFrom === "machine") {
    out.push(`Machine spec from ${origin}: ${describeSpec(found.spec)}`);
  } else {
    err.push(
      `note: the data have no kepler_node_info naming a processor: ${path} holds the spec of the machine running query (${
        describeSpec(found.spec)
      }), which may not be the node the data come from`,
    );
  }
  if (unknown.length > 0) {
    const sys = granted("cpus") && granted("systemMemoryInfo");
    const why = [
      sys
        ? "--allow-sys=systemMemoryInfo,cpus (granted, as deno task query does) gives the processor, cores and memory"
        : "grant --allow-sys=systemMemoryInfo,cpus for the processor, cores and memory (deno task query does)",
      found.cpuinfoRead === false
        ? "sockets and frequency come from /proc/cpuinfo and cpufreq, which Deno reads only with --allow-all"
        : "this machine reports no more",
    ];
    err.push(
      `note: the machine spec ${path} is incomplete (${unknown.join(", ")}): ${
        why.join("; ")
      }`,
    );
  }
  return { out, err };
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
          "machine spec from the queried data's kepler_node_info, this machine, or auto: kepler_node_info when the data have it (an existing spec file is kept)",
        )
          .choices(SPEC_FROM).default("auto"),
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
      specFrom: options.specFrom as SpecFrom,
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
    const spec = specMessages(done, options.specFrom as SpecFrom);
    for (const line of spec.err) context.err(line);
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
  },
};
