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
import {
  type CliContext,
  type CommandDefinition,
  numberParser,
  optString,
  parser,
} from "../command.ts";
import { UsageError } from "../errors.ts";
import { readJsonFile } from "../../lib/io/json.ts";
import {
  type EnergySource,
  type MachineSpec,
  NODE_ATTRIBUTES,
  parseEnergySource,
  vocabularyParser,
} from "../../lib/types.ts";
import {
  HTTP_ENGINES,
  type HttpEngine,
  type ModelServer,
  type ModelServerOptions,
  RELOAD_MODES,
  type ReloadMode,
  SOCKET_FRAMINGS,
  type SocketFraming,
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

/**
 * Reads a machine spec file (flat, or upstream's `{attrs: ...}`); partial specs are fine.
 *
 * @example
 * ```ts
 * import { readPartialMachineSpec } from "./serve.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/spec.json`, '{"attrs": {"processor": "p", "cores": 8}, "members": []}');
 * assertEquals(await readPartialMachineSpec(`${dir}/spec.json`), { processor: "p", cores: 8 });
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function readPartialMachineSpec(
  path: string,
): Promise<Partial<MachineSpec>> {
  const doc = await readJsonFile<Record<string, unknown>>(path);
  const attrs =
    (typeof doc.attrs === "object" && doc.attrs !== null
      ? doc.attrs
      : doc) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const a of NODE_ATTRIBUTES) {
    if (attrs[a] !== undefined && attrs[a] !== null) out[a] = attrs[a];
  }
  return out as Partial<MachineSpec>;
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

async function run(
  options: Record<string, unknown>,
  context: CliContext,
): Promise<void> {
  const listenAll = options.listenAll === true;
  const host = optString(options, "host");
  if (listenAll && host !== undefined && host !== "0.0.0.0") {
    throw new UsageError("--listen-all and --host exclude each other");
  }
  const hostname = listenAll ? "0.0.0.0" : host ?? "127.0.0.1";
  const port = (options.port as number | undefined) ??
    context.config.modelServerPort;
  checkListen(hostname, port);
  const socket = options.estimatorSocket === true
    ? DEFAULT_ESTIMATOR_SOCKET
    : optString(options, "estimatorSocket");
  const specFile = optString(options, "machineSpec");
  const config = context.config;
  const serverOptions: ModelServerOptions = {
    modelPath: config.modelPath,
    pipelineUrls: config.initialPipelineUrls,
    hostname,
    port,
    errorKey: config.errorKey,
    reload: options.reload as ReloadMode,
    maxBodyBytes: options.maxBodyBytes as number,
    bodyTimeoutMs: (options.requestTimeout as number) * 1000,
    engine: options.httpEngine as HttpEngine,
    headersTimeoutMs: (options.headersTimeout as number) * 1000,
    idleTimeoutMs: (options.idleTimeout as number) * 1000,
    maxConnections: options.maxConnections as number,
    download: { timeoutMs: (options.downloadTimeout as number) * 1000 },
    ...(options.defaultPipeline
      ? {
        defaultPipelines: options.defaultPipeline as Partial<
          Record<EnergySource, string>
        >,
      }
      : {}),
    ...(socket !== undefined
      ? {
        estimatorSocket: socket,
        estimatorFraming: options.estimatorFraming as SocketFraming,
      }
      : {}),
    ...(specFile !== undefined
      ? { machineSpec: await readPartialMachineSpec(specFile) }
      : {}),
    log: (line) => context.err(line),
  };
  let server: ModelServer;
  try {
    server = await startModelServer(serverOptions);
  } catch (error) {
    if (socket !== undefined && error instanceof Deno.errors.NotCapable) {
      throw new Deno.errors.NotCapable(
        `${error.message}; the estimator socket needs write permission for ${socket}: run it with \`deno task serve_estimator\``,
        { cause: error },
      );
    }
    if (error instanceof Deno.errors.AddrInUse && socket === undefined) {
      throw listenError(hostname, port, error); // taken since checkListen
    }
    throw error;
  }
  let models = 0;
  for (const p of server.pipelines.values()) models += p.models.length;
  context.out(
    `Serving ${models} models of ${server.pipelines.size} pipelines on ${server.url} (reload: ${server.reloadMode}${
      server.socketPath ? `; estimator socket ${server.socketPath}` : ""
    }); Ctrl-C stops it`,
  );
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
  const stop = () => {
    server.close().catch(() => {});
  };
  const signals: Deno.Signal[] = Deno.build.os === "windows"
    ? ["SIGINT"]
    : ["SIGINT", "SIGTERM"];
  for (const s of signals) Deno.addSignalListener(s, stop);
  try {
    await server.finished;
  } finally {
    for (const s of signals) Deno.removeSignalListener(s, stop);
    await server.close();
  }
}

/** The `serve` command. */
export const serve: CommandDefinition = {
  name: "serve",
  aliases: ["model-server"],
  summary:
    "serve models to Kepler (POST /model, /best-models, /estimate) and the estimator socket",
  define(command) {
    command
      .option(
        "--host <address>",
        "address to bind (default: 127.0.0.1, loopback only)",
      )
      .option(
        "--listen-all",
        "bind 0.0.0.0 (all interfaces), as upstream's model server does",
      )
      .option(
        "--port <n>",
        "port (default: $MODEL_SERVER_PORT or 8100; 0 picks a free one)",
        numberParser({ min: 0, max: 65535, integer: true }),
      )
      .option(
        "--estimator-socket [path]",
        `also serve the estimator sidecar on this unix socket (default path: ${DEFAULT_ESTIMATOR_SOCKET}, upstream's; needs the serve_estimator task: write permission)`,
      )
      .option(
        "--estimator-framing <framing>",
        "json (upstream's: one request per connection) or length (4-byte big-endian length prefixes, many requests per connection)",
        parser(vocabularyParser("framing", SOCKET_FRAMINGS)),
        "json",
      )
      .option(
        "--machine-spec <file>",
        "spec of the machine the estimator answers for: picks the node type and gives core_ratio when a request has no machine_spec",
      )
      .option(
        "--default-pipeline <source=name,...>",
        "pipeline per energy source when a request names none (default: upstream's ec2-0.7.11, specpower-0.7.11, then std_v0.7.11)",
        parser(parseDefaultPipelines),
      )
      .option(
        "--reload <mode>",
        "how changed pipeline folders are noticed: watch, poll or off",
        parser(vocabularyParser("reload mode", RELOAD_MODES)),
        "watch",
      )
      .option(
        "--max-body-bytes <n>",
        "largest request body (larger: 413)",
        numberParser({ min: 1024, integer: true }),
        1 << 20,
      )
      .option(
        "--request-timeout <seconds>",
        "time for a request body to arrive after its headers (slower: 408)",
        numberParser({ min: 0.1 }),
        10,
      )
      .option(
        "--headers-timeout <seconds>",
        "time for a request's headers to arrive after its first byte (slower: 408 and the connection closed)",
        numberParser({ min: 0.1 }),
        10,
      )
      .option(
        "--idle-timeout <seconds>",
        "time a kept-alive connection may wait for its next request",
        numberParser({ min: 0.1 }),
        30,
      )
      .option(
        "--max-connections <n>",
        "most open connections (more: 503)",
        numberParser({ min: 1, integer: true }),
        1024,
      )
      .option(
        "--http-engine <engine>",
        "guarded (our HTTP/1.1 layer: deadlines on headers, bodies, idle connections and slow readers) or deno-serve (Deno.serve: no header or idle timeout, so only behind a proxy that has them)",
        parser(vocabularyParser("HTTP engine", HTTP_ENGINES)),
        "guarded",
      )
      .option(
        "--download-timeout <seconds>",
        "time for each INITIAL_PIPELINE_URL download",
        numberParser({ min: 0.1 }),
        60,
      );
  },
  run,
};
