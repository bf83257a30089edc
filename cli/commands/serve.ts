/**
 * `serve`: the model server (upstream's `model-server`) and, with
 * `--estimator-socket`, the estimator sidecar (upstream's `estimator`) —
 * `serve` serves MODEL_PATH's pipelines and INITIAL_PIPELINE_URL's zips on
 * 127.0.0.1:$MODEL_SERVER_PORT until Ctrl-C.
 *
 * Permissions: the `serve` task grants network, read and the environment
 * only (downloaded pipelines stay in memory). Listening on a unix socket
 * needs write permission for its path, so `--estimator-socket` runs under
 * the `serve_estimator` task.
 *
 * @module
 */
import { about } from "./registry.ts";
import {
  type CliContext,
  command,
  flag,
  given,
  numberParser,
  option,
  optionalValue,
  type OptionValues,
  parser,
} from "../command.ts";
import type { Config } from "../config.ts";
import { UsageError } from "../errors.ts";
import { readMachineSpecFile } from "../../lib/query/mod.ts";
import {
  type EnergySource,
  parseEnergySource,
  vocabularyParser,
} from "../../lib/types.ts";
import {
  HTTP_ENGINES,
  type ModelServer,
  type ModelServerOptions,
  RELOAD_MODES,
  SOCKET_FRAMINGS,
  startModelServer,
} from "../../lib/serve/mod.ts";

/** Upstream's estimator socket path (`SERVE_SOCKET`). */
export const DEFAULT_ESTIMATOR_SOCKET = "/tmp/estimator.sock";

/**
 * Parses `--default-pipeline rapl-sysfs=std,acpi=std`.
 *
 * @example
 * ```ts
 * import { parseDefaultPipelines } from "./serve.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(parseDefaultPipelines("intel_rapl=std, acpi=spec"), { "rapl-sysfs": "std", acpi: "spec" });
 * ```
 */
export function parseDefaultPipelines(
  value: string,
): Partial<Record<EnergySource, string>> {
  const out: Partial<Record<EnergySource, string>> = {};
  for (const item of value.split(",").map((s) => s.trim()).filter(Boolean)) {
    const [source, name, ...rest] = item.split("=");
    if (!source || !name || rest.length > 0) {
      throw new RangeError(
        `"${item}" is not source=pipeline, e.g. rapl-sysfs=std_v0.7.11`,
      );
    }
    out[parseEnergySource(source)] = name.trim();
  }
  return out;
}

/** A clear error for an address that cannot be listened on. */
function listenError(hostname: string, port: number, error: unknown): Error {
  const where = `${
    hostname.includes(":") ? `[${hostname}]` : hostname
  }:${port}`;
  const why = error instanceof Deno.errors.AddrInUse
    ? "address already in use"
    : error instanceof Deno.errors.AddrNotAvailable
    ? "no interface of this machine has that address"
    : error instanceof Deno.errors.PermissionDenied
    ? "permission denied by the operating system (ports below 1024 need privileges)"
    : (error as Error).message;
  const message = `cannot listen on ${where}: ${why}`;
  return error instanceof URIError
    ? new UsageError(message, { cause: error })
    : new Error(message, { cause: error });
}

/**
 * Binds the address once and lets it go, so a busy port or a bad host fails
 * at once, before pipelines are loaded or downloaded (the server listens
 * after loading them, so it never answers with an empty catalog).
 */
function checkListen(hostname: string, port: number): void {
  let listener: Deno.Listener;
  try {
    listener = Deno.listen({ hostname, port });
  } catch (error) {
    if (error instanceof Deno.errors.NotCapable) throw error;
    throw listenError(hostname, port, error);
  }
  listener.close();
}

/** The options of `serve`. */
const OPTIONS = {
  host: option(
    "--host <address>",
    "address to bind (default: 127.0.0.1, loopback only)",
  ),
  listenAll: flag(
    "--listen-all",
    "bind 0.0.0.0 (all interfaces), as upstream's model server does",
  ),
  port: option(
    "--port <n>",
    "port (default: $MODEL_SERVER_PORT or 8100; 0 picks a free one)",
    { parse: numberParser({ min: 0, max: 65535, integer: true }) },
  ),
  estimatorSocket: optionalValue(
    "--estimator-socket [path]",
    `also serve the estimator sidecar on this unix socket (default path: ${DEFAULT_ESTIMATOR_SOCKET}, upstream's; needs the serve_estimator task: write permission)`,
  ),
  estimatorFraming: option(
    "--estimator-framing <framing>",
    "json (upstream's: one request per connection) or length (4-byte big-endian length prefixes, many requests per connection)",
    {
      parse: parser(vocabularyParser("framing", SOCKET_FRAMINGS)),
      default: "json",
    },
  ),
  machineSpec: option(
    "--machine-spec <file>",
    "spec of the machine the estimator answers for: picks the node type and gives core_ratio when a request has no machine_spec",
  ),
  defaultPipeline: option(
    "--default-pipeline <source=name,...>",
    "pipeline per energy source when a request names none (default: upstream's ec2-0.7.11, specpower-0.7.11, then std_v0.7.11)",
    { parse: parser(parseDefaultPipelines) },
  ),
  reload: option(
    "--reload <mode>",
    "how changed pipeline folders are noticed: watch, poll or off",
    {
      parse: parser(vocabularyParser("reload mode", RELOAD_MODES)),
      default: "watch",
    },
  ),
  maxBodyBytes: option(
    "--max-body-bytes <n>",
    "largest request body (larger: 413)",
    { parse: numberParser({ min: 1024, integer: true }), default: 1 << 20 },
  ),
  requestTimeout: option(
    "--request-timeout <seconds>",
    "time for a request body to arrive after its headers (slower: 408)",
    { parse: numberParser({ min: 0.1 }), default: 10 },
  ),
  headersTimeout: option(
    "--headers-timeout <seconds>",
    "time for a request's headers to arrive after its first byte (slower: 408 and the connection closed)",
    { parse: numberParser({ min: 0.1 }), default: 10 },
  ),
  idleTimeout: option(
    "--idle-timeout <seconds>",
    "time a kept-alive connection may wait for its next request",
    { parse: numberParser({ min: 0.1 }), default: 30 },
  ),
  maxConnections: option(
    "--max-connections <n>",
    "most open connections (more: 503)",
    { parse: numberParser({ min: 1, integer: true }), default: 1024 },
  ),
  httpEngine: option(
    "--http-engine <engine>",
    "guarded (our HTTP/1.1 layer: deadlines on headers, bodies, idle connections and slow readers) or deno-serve (Deno.serve: no header or idle timeout, so only behind a proxy that has them)",
    {
      parse: parser(vocabularyParser("HTTP engine", HTTP_ENGINES)),
      default: "guarded",
    },
  ),
  downloadTimeout: option(
    "--download-timeout <seconds>",
    "time for each INITIAL_PIPELINE_URL download",
    { parse: numberParser({ min: 0.1 }), default: 60 },
  ),
  maxEstimateRows: option(
    "--max-estimate-rows <n>",
    "most rows (values) of one POST /estimate or estimator-socket request (more: 413)",
    { parse: numberParser({ min: 1, integer: true }), default: 10_000 },
  ),
  estimateWorkers: option(
    "--estimate-workers <n>",
    "workers that evaluate models for estimates, off the event loop (0: in the server's thread; default: logical CPUs − 1, 1 to 4)",
    { parse: numberParser({ min: 0, max: 64, integer: true }) },
  ),
  maxUnzipBytes: option(
    "--max-unzip-bytes <n>",
    "most bytes a pipeline or model zip may inflate to, checked from its directory before inflating (default: 1 GiB; more: the zip is refused)",
    { parse: numberParser({ min: 1, integer: true }), default: 2 ** 30 },
  ),
  maxZipEntries: option(
    "--max-zip-entries <n>",
    "most entries in a pipeline or model zip (more: the zip is refused)",
    { parse: numberParser({ min: 1, integer: true }), default: 10_000 },
  ),
} as const;

type ServeFlags = OptionValues<typeof OPTIONS>;

/** The address to listen on, checked (a busy port fails here). */
function listenAddress(
  options: ServeFlags,
  config: Config,
): { hostname: string; port: number } {
  const listenAll = options.listenAll === true;
  const host = given(options.host);
  if (listenAll && host !== undefined && host !== "0.0.0.0") {
    throw new UsageError("--listen-all and --host exclude each other");
  }
  const hostname = listenAll ? "0.0.0.0" : host ?? "127.0.0.1";
  const port = options.port ?? config.modelServerPort;
  checkListen(hostname, port);
  return { hostname, port };
}

/** The estimator socket path of `--estimator-socket [path]`, if any. */
function socketOf(options: ServeFlags): string | undefined {
  const socket = options.estimatorSocket;
  return socket === true ? DEFAULT_ESTIMATOR_SOCKET : given(socket);
}

/** The model server's options from the flags and the configuration. */
async function serverOptionsOf(
  options: ServeFlags,
  context: CliContext,
  address: { hostname: string; port: number },
): Promise<ModelServerOptions> {
  const config = context.config;
  const socket = socketOf(options);
  const specFile = given(options.machineSpec);
  return {
    modelPath: config.modelPath,
    pipelineUrls: config.initialPipelineUrls,
    hostname: address.hostname,
    port: address.port,
    errorKey: config.errorKey,
    reload: options.reload,
    maxBodyBytes: options.maxBodyBytes,
    bodyTimeoutMs: options.requestTimeout * 1000,
    engine: options.httpEngine,
    headersTimeoutMs: options.headersTimeout * 1000,
    idleTimeoutMs: options.idleTimeout * 1000,
    maxConnections: options.maxConnections,
    maxEstimateRows: options.maxEstimateRows,
    ...(options.estimateWorkers !== undefined
      ? { estimateWorkers: options.estimateWorkers }
      : {}),
    download: {
      timeoutMs: options.downloadTimeout * 1000,
      zipLimits: {
        maxTotalBytes: options.maxUnzipBytes,
        maxEntries: options.maxZipEntries,
      },
    },
    ...(options.defaultPipeline
      ? { defaultPipelines: options.defaultPipeline }
      : {}),
    ...(socket !== undefined
      ? {
        estimatorSocket: socket,
        estimatorFraming: options.estimatorFraming,
        initUrls: config.initUrls,
        ...(config.remoteModelServer === undefined
          ? {}
          : { remoteModelServer: config.remoteModelServer }),
      }
      : {}),
    ...(specFile !== undefined
      ? {
        machineSpec: await readMachineSpecFile(specFile, { partial: true }),
      }
      : {}),
    log: (line) => context.err(line),
  };
}

/** Starts the server; a failure says what to do about it. */
async function start(options: ModelServerOptions): Promise<ModelServer> {
  const socket = options.estimatorSocket;
  try {
    return await startModelServer(options);
  } catch (error) {
    if (socket !== undefined && error instanceof Deno.errors.NotCapable) {
      throw new Deno.errors.NotCapable(
        `${error.message}; the estimator socket needs write permission for ${socket}: run it with \`deno task serve_estimator\``,
        { cause: error },
      );
    }
    if (error instanceof Deno.errors.AddrInUse && socket === undefined) {
      // taken since checkListen
      throw listenError(options.hostname ?? "", options.port ?? 0, error);
    }
    throw error;
  }
}

/** Names the estimator's static models, or why the settings do nothing. */
function printInitUrls(
  server: ModelServer,
  config: Config,
  context: CliContext,
): void {
  const keys = Object.keys(config.initUrls);
  if (config.remoteModelServer !== undefined) keys.push("MODEL_SERVER_ENABLE");
  if (keys.length === 0) return;
  if (server.socketPath === undefined) {
    context.err(
      `warning: ${
        keys.join(", ")
      } set the estimator's models: without --estimator-socket they are not used`,
    );
    return;
  }
  if (config.remoteModelServer !== undefined) {
    context.err(
      `estimator: asks the model server ${config.remoteModelServer} for its models first (MODEL_SERVER_ENABLE)`,
    );
  }
  for (const m of server.initUrlModels.values()) {
    context.err(
      `estimator: ${m.model.source} ${m.model.outputType} requests use ${m.model.name} of ${m.key} (read from ${m.readFrom})`,
    );
  }
}

/** Prints what is served, and warnings about exposure or no models. */
function printServing(
  server: ModelServer,
  hostname: string,
  config: Config,
  context: CliContext,
): void {
  let models = 0;
  for (const p of server.pipelines.values()) models += p.models.length;
  context.out(
    `Serving ${models} models of ${server.pipelines.size} pipelines on ${server.url} (reload: ${server.reloadMode}${
      server.socketPath ? `; estimator socket ${server.socketPath}` : ""
    }); Ctrl-C stops it`,
  );
  if (config.configFiles.length > 0) {
    context.err(
      `configuration files (before the environment, as upstream's): ${
        config.configFiles.join(", ")
      }`,
    );
  }
  printInitUrls(server, config, context);
  if (
    hostname !== "127.0.0.1" && hostname !== "localhost" && hostname !== "::1"
  ) {
    context.err(
      `warning: listening on ${hostname}: the server has no authentication; expose it only to trusted networks`,
    );
  }
  if (models === 0) {
    context.err(
      `warning: no models loaded (MODEL_PATH=${config.modelPath}${
        config.initialPipelineUrls.length
          ? `, INITIAL_PIPELINE_URL=${config.initialPipelineUrls.join(",")}`
          : ""
      }); pipelines trained into MODEL_PATH later are picked up`,
    );
  }
}

/** Waits until the server finishes; SIGINT or SIGTERM closes it. */
async function untilStopped(
  server: ModelServer,
  announce: () => void,
): Promise<void> {
  const stop = () => {
    server.close().catch(() => {});
  };
  const signals: Deno.Signal[] = Deno.build.os === "windows"
    ? ["SIGINT"]
    : ["SIGINT", "SIGTERM"];
  for (const s of signals) Deno.addSignalListener(s, stop);
  try {
    // announced once a signal stops it cleanly: a supervisor that sends
    // SIGTERM right after the first line gets exit 0
    announce();
    await server.finished;
  } finally {
    for (const s of signals) Deno.removeSignalListener(s, stop);
    await server.close();
  }
}

/** Serves until stopped: the `serve` and `estimator` commands. */
async function runServer(options: ServeFlags, context: CliContext) {
  const address = listenAddress(options, context.config);
  const server = await start(await serverOptionsOf(options, context, address));
  await untilStopped(
    server,
    () => printServing(server, address.hostname, context.config, context),
  );
}

/** The `serve` command. */
export const serve = command({
  ...about("serve"),
  options: OPTIONS,
  run: runServer,
});

/**
 * The `estimator` command (upstream's `estimator` entry point): `serve`
 * with the estimator socket on, at upstream's path unless
 * `--estimator-socket` names another, and its HTTP side on a free loopback
 * port unless `--port` names one (so that a sidecar never clashes with
 * the host's ports).
 */
export const estimator = command({
  ...about("estimator"),
  options: OPTIONS,
  run: (options, context) =>
    runServer({
      ...options,
      estimatorSocket: options.estimatorSocket ?? true,
      port: options.port ?? 0,
    }, context),
});
