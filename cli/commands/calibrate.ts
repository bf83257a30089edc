/**
 * `calibrate`: a long-running loop that keeps the served models right.
 * Every `--period` it reads the last window from Prometheus, measures the
 * served model's error per node type, source and component against the
 * nodes' meters, retrains and publishes into MODEL_PATH when the median
 * error over `--window` periods exceeds `--max-error`, and onboards new
 * node types. Its `/metrics` are served on `--metrics-port`; its decisions
 * go to `--decision-log` as JSON lines.
 *
 * Permissions: the `calibrate` task grants network (Prometheus, its own
 * /metrics), read and write (MODEL_PATH) and the environment.
 *
 * @module
 */
import { about } from "./registry.ts";
import {
  type CliContext,
  command,
  given,
  listParser,
  numberParser,
  option,
  type OptionValues,
  parser,
} from "../command.ts";
import { UsageError } from "../errors.ts";
import { promAuth } from "../config.ts";
import { queryMetrics } from "../../lib/query/mod.ts";
import { parseEnergySource, parseFeatureGroup } from "../../lib/types.ts";
import {
  Calibrator,
  type CalibratorOptions,
  checkModelServer,
  type CycleReport,
  DecisionLog,
  parseMaxError,
  serveCalibrateMetrics,
  sweepStaging,
} from "../../lib/calibrate/mod.ts";
import { parseTrainerList } from "./train.ts";

/** An http(s) URL, or a `RangeError` naming the value. */
function parseServerUrl(value: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url === undefined || !/^https?:$/.test(url.protocol)) {
    throw new RangeError(
      `--model-server must be an http(s) URL, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/** The options of `calibrate`. */
const OPTIONS = {
  period: option(
    "--period <seconds>",
    "seconds between cycles; each reads the last period",
    { parse: numberParser({ min: 0.5 }), default: 60 },
  ),
  window: option(
    "--window <n>",
    "cycles whose median error is compared with --max-error",
    { parse: numberParser({ min: 1, integer: true }), default: 5 },
  ),
  maxError: option(
    "--max-error <bound>",
    "error bound: watts of mean absolute error (2, 2W) or a MAPE (5%)",
    { parse: parser(parseMaxError), defaultHelp: "2W" },
  ),
  pipeline: option(
    "--pipeline <name>",
    "the pipeline in MODEL_PATH that calibrate keeps (serve it with --default-pipeline)",
    { default: "calibrated" },
  ),
  sources: option(
    "--sources <list>",
    "metered energy sources, comma-separated",
    { parse: listParser(parseEnergySource), defaultHelp: "rapl-sysfs,acpi" },
  ),
  featureGroup: option(
    "--feature-group <group>",
    "feature group of the models (also -fg)",
    { parse: parser(parseFeatureGroup), default: "Basic" as const },
  ),
  trainers: option(
    "--trainers <list>",
    "trainers of a candidate, comma-separated",
    {
      parse: parseTrainerList,
      defaultHelp: "GradientBoostingRegressorTrainer",
    },
  ),
  minTrainRows: option(
    "--min-train-rows <n>",
    "fewest rows a candidate trains on",
    { parse: numberParser({ min: 5, integer: true }), default: 30 },
  ),
  step: option(
    "--step <seconds>",
    "query step (default: $PROM_QUERY_STEP or 3)",
    { parse: numberParser({ min: 0.1 }) },
  ),
  queryTimeout: option(
    "--query-timeout <seconds>",
    "time for each Prometheus request; a slower one skips the cycle (default: half the period, at most 30)",
    { parse: numberParser({ min: 0.1 }) },
  ),
  modelServer: option(
    "--model-server <url>",
    "the model server (serve) handing out the pipeline; a cycle it does not answer is skipped (default: not asked)",
    { parse: parser(parseServerUrl) },
  ),
  stateDir: option(
    "--state-dir <dir>",
    "staging of candidates and onboarding reports (default: <MODEL_PATH>/.calibrate)",
  ),
  decisionLog: option(
    "--decision-log <file>",
    "JSON lines saying why each retrain happened or was rejected (default: <state dir>/decisions.jsonl)",
  ),
  metricsHost: option(
    "--metrics-host <address>",
    "address of calibrate's /metrics",
    { default: "127.0.0.1" },
  ),
  metricsPort: option(
    "--metrics-port <n>",
    "port of calibrate's /metrics (0 picks a free one)",
    {
      parse: numberParser({ min: 0, max: 65535, integer: true }),
      default: 8101,
    },
  ),
  cycles: option(
    "--cycles <n>",
    "stop after n cycles (default: run until Ctrl-C)",
    { parse: numberParser({ min: 1, integer: true }) },
  ),
} as const;

type CalibrateFlags = OptionValues<typeof OPTIONS>;

/** The calibrator's options from the flags and the configuration. */
function calibratorOptions(
  options: CalibrateFlags,
  context: CliContext,
  stateDir: string,
  log: DecisionLog,
): CalibratorOptions {
  const config = context.config;
  const step = options.step ?? config.promQueryStep;
  const timeoutMs = (options.queryTimeout ?? Math.min(30, options.period / 2)) *
    1000;
  return {
    modelPath: config.modelPath,
    stateDir,
    pipelineName: options.pipeline,
    period: options.period,
    window: options.window,
    step,
    minTrainRows: options.minTrainRows,
    errorKey: config.errorKey,
    ...(options.maxError ? { maxError: options.maxError } : {}),
    ...(options.sources ? { sources: options.sources } : {}),
    featureGroup: options.featureGroup,
    ...(options.trainers ? { trainers: options.trainers } : {}),
    onDecision: (d) => log.write(d),
    ...(options.modelServer === undefined ? {} : {
      checkModelServer: () =>
        checkModelServer(options.modelServer!, options.pipeline, {
          timeoutMs,
          source: options.sources?.[0] ?? "rapl-sysfs",
        }),
    }),
    fetchWindow: (metrics, start, end) =>
      queryMetrics(config.promServer, { metrics, start, end, step }, {
        timeoutMs,
        retries: 0,
        insecureSkipVerify: config.promSslDisable,
        ...promAuth(config),
      }),
  };
}

/** One line per cycle on stderr. */
function cycleLine(r: CycleReport): string {
  if (r.skipped) return `cycle ${r.cycle}: skipped (${r.skipped})`;
  const errors = Object.entries(r.errors).map(([k, v]) =>
    `${k} ${v.toFixed(2)}`
  ).join(", ");
  const acts = r.decisions.map((d) => d.action).join(", ");
  return `cycle ${r.cycle}: ${r.nodes} node(s)${errors ? `; ${errors}` : ""}${
    acts ? `; ${acts}` : ""
  }`;
}

/** Runs cycles every period until stopped or `cycles` are done. */
async function loop(
  calibrator: Calibrator,
  options: CalibrateFlags,
  context: CliContext,
  stopped: () => boolean,
  sleep: (ms: number) => Promise<void>,
): Promise<void> {
  const period = options.period * 1000;
  let next = Date.now() + period;
  for (let n = 0; options.cycles === undefined || n < options.cycles; n++) {
    await sleep(Math.max(0, next - Date.now()));
    if (stopped()) return;
    const report = await calibrator.cycle(Date.now() / 1000);
    context.err(cycleLine(report));
    next += period;
    const late = Math.floor((Date.now() - next) / period);
    if (late >= 0) {
      // a cycle took longer than the period: the missed ticks are skipped
      calibrator.metrics.count("skipped_cycles", "overrun", late + 1);
      next += (late + 1) * period;
    }
  }
}

/** The `calibrate` command. */
export const calibrate = command({
  ...about("calibrate"),
  options: OPTIONS,
  async run(options, context) {
    const stateDir = given(options.stateDir) ??
      `${context.config.modelPath}/.calibrate`;
    for (const dir of await sweepStaging(stateDir)) {
      context.err(`note: removed ${dir}, a candidate a stopped run left`);
    }
    const log = await DecisionLog.open(
      given(options.decisionLog) ?? `${stateDir}/decisions.jsonl`,
    );
    let server: Deno.HttpServer<Deno.NetAddr>;
    const calibrator = new Calibrator(
      calibratorOptions(options, context, stateDir, log),
    );
    try {
      server = serveCalibrateMetrics(calibrator.metrics, {
        hostname: options.metricsHost,
        port: options.metricsPort,
      });
    } catch (error) {
      log.close();
      throw new UsageError(
        `cannot serve calibrate's /metrics on ${options.metricsHost}:${options.metricsPort}: ${
          (error as Error).message
        }`,
        { cause: error },
      );
    }
    let stop = false;
    let wake: (() => void) | undefined;
    const onSignal = () => {
      stop = true;
      wake?.();
    };
    const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
    for (const s of signals) Deno.addSignalListener(s, onSignal);
    // the first line once a signal stops it cleanly
    context.out(
      `Calibrating pipeline ${options.pipeline} in ${context.config.modelPath} every ${options.period} s from ${context.config.promServer}; metrics on http://${options.metricsHost}:${server.addr.port}/metrics; Ctrl-C stops it`,
    );
    const sleep = (ms: number) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    try {
      await loop(calibrator, options, context, () => stop, sleep);
    } finally {
      for (const s of signals) Deno.removeSignalListener(s, onSignal);
      await server.shutdown();
      log.close();
    }
  },
});
