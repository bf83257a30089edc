/**
 * The model server: upstream's `model-server`, plus the estimator sidecar
 * on a unix socket in the same process. HTTP is served by
 * {@linkcode serveHttp1} (deadlines on headers, bodies, idle connections and
 * slow readers; a connection limit) or, with `engine: "deno-serve"`, by
 * `Deno.serve`, which has no header or idle timeout.
 *
 * Routes:
 *
 * - `POST /model`: Kepler's ModelRequest → the best model's zip, or its
 *   weight JSON when `weight` is true. The weight JSON has component keys
 *   only (Kepler v0.7.11 cannot read anything else) unless `node_type` is
 *   −1, where upstream adds `model_name`, `machine_spec` and `mae`.
 * - `GET /best-models?energy-source=&output-type=&feature-group=&node-type=&filter=&all=`
 *   (upstream's older `source`, `ot`, `fg` too) → best model names. Only
 *   the feature groups upstream's clients know (upstream's `FeatureGroups`)
 *   are listed unless `all=true` (IRQOnly, ThirdParty, CgroupOnly,
 *   KubeletOnly would fail them with a KeyError); a `feature-group` asked by
 *   name is always answered.
 * - `POST /estimate`: upstream's PowerRequest → powers per component, msg,
 *   core_ratio, and interval bounds when the model has them.
 * - `GET /models/v0.7/<pipeline>/<source>/<ot>/<FG>/<model>.{json,zip}`:
 *   kepler-model-db's URL layout, so `MODEL_TOPURL` or Kepler's
 *   `*_INIT_URL` can point at this server.
 * - `GET /pipelines`, `GET /healthz`, `GET /metrics` (Prometheus text).
 *
 * The parts: {@linkcode PipelineRegistry} (pipeline_registry.ts) holds the
 * pipelines, their reloads and the caches; route_*.ts has one file per
 * route, router.ts dispatches; engine_guarded.ts and engine_deno_serve.ts
 * adapt the routes to lib/http1 (`"guarded"`) or `Deno.serve`
 * (`"deno-serve"`). This file starts and stops them.
 *
 * Pipelines come from MODEL_PATH folders (reloaded when they change) and
 * from INITIAL_PIPELINE_URL zips (held in memory; a failed download is
 * reported and the other pipelines are served). Requests never name a
 * path: names are looked up in memory and checked (400 otherwise). Bodies
 * are limited in size (413) and time (408); malformed JSON is a 400 with a
 * message.
 *
 * @module
 */
import type { EnergySource, ErrorKey, MachineSpec } from "../types.ts";
import type { Http1Server, HttpReply } from "../http1/mod.ts";
import { handleRequest, serveDeno } from "./engine_deno_serve.ts";
import { serveGuarded } from "./engine_guarded.ts";
import {
  type EstimatorSocket,
  serveEstimatorSocket,
  type SocketFraming,
} from "./estimator_socket.ts";
import type { FetchPipelineOptions } from "./fetch_pipeline.ts";
import { type InitUrlModel, loadInitUrlModel } from "./init_url_models.ts";
import { INIT_URL_TARGETS } from "../vocabulary/model_config.ts";
import { RemoteModels } from "./remote_models.ts";
import type { ServedPipeline } from "./pipeline_catalog.ts";
import { PipelineRegistry } from "./pipeline_registry.ts";
import { socketRequest } from "./route_estimate.ts";
import { metricsText } from "./route_metrics.ts";
import type { RouteContext } from "./route_context.ts";
import { respond, type RoutedRequest } from "./router.ts";
import { ServerMetrics } from "./server_metrics.ts";
import { EstimatePool } from "./_estimate_pool.ts";
import {
  type ModelPathWatcher,
  type ReloadMode,
  watchModelPath,
} from "./watch_model_path.ts";

export type { RoutedRequest };

/** Options of {@linkcode startModelServer}. */
export interface ModelServerOptions {
  /**
   * MODEL_PATH: folder of pipeline folders.
   *
   * @default {undefined} none
   */
  modelPath?: string;
  /**
   * INITIAL_PIPELINE_URL: pipeline zips to download.
   *
   * @default {undefined} none
   */
  pipelineUrls?: readonly string[];
  /**
   * The estimator's static models: `<LEVEL>_<COVERAGE>_INIT_URL` settings
   * by key (see {@linkcode INIT_URL_TARGETS}). Each is downloaded at start;
   * one that fails is logged, and its requests are answered by selection.
   *
   * @default {undefined} none
   */
  initUrls?: Readonly<Record<string, string>>;
  /**
   * Another model server's model request URL (upstream's
   * `MODEL_SERVER_ENABLE` with `MODEL_SERVER_URL`): the estimator socket
   * asks it for its models first, then uses its static models and its own
   * pipelines.
   *
   * @default {undefined} none
   */
  remoteModelServer?: string;
  /**
   * Address to bind.
   *
   * @default {undefined} `"127.0.0.1"` (loopback only)
   */
  hostname?: string;
  /**
   * Port (0 picks a free one).
   *
   * @default {8100}
   */
  port?: number;
  /**
   * Metadata key ranking models (ERROR_KEY).
   *
   * @default {"mae"}
   */
  errorKey?: ErrorKey;
  /**
   * Default pipeline per energy source.
   *
   * @default {undefined} upstream's
   */
  defaultPipelines?: Partial<Record<EnergySource, string>>;
  /**
   * Largest request body, in bytes.
   *
   * @default {1048576} 1 MiB
   */
  maxBodyBytes?: number;
  /**
   * Time for a request body to arrive, in ms.
   *
   * @default {10000}
   */
  bodyTimeoutMs?: number;
  /**
   * The HTTP layer: `"guarded"` ({@linkcode serveHttp1}: header, idle and
   * write deadlines, a connection limit) or `"deno-serve"` (`Deno.serve`:
   * a client that never finishes its headers is never timed out, so only
   * behind a proxy that enforces deadlines; also 4× slower with this
   * handler in `deno task bench serve`).
   *
   * @default {"guarded"}
   */
  engine?: HttpEngine;
  /**
   * Time for a request's headers to arrive (guarded), in ms.
   *
   * @default {10000}
   */
  headersTimeoutMs?: number;
  /**
   * Time an idle kept-alive connection stays open (guarded), in ms.
   *
   * @default {30000}
   */
  idleTimeoutMs?: number;
  /**
   * Most open connections (guarded).
   *
   * @default {1024}
   */
  maxConnections?: number;
  /**
   * Download limits of INITIAL_PIPELINE_URL.
   *
   * @default {undefined} 60 s, 512 MiB
   */
  download?: FetchPipelineOptions;
  /**
   * How MODEL_PATH changes are noticed.
   *
   * @default {"watch"}
   */
  reload?: ReloadMode;
  /**
   * Quiet time before a changed pipeline is reloaded, ms.
   *
   * @default {300}
   */
  reloadDebounceMs?: number;
  /**
   * Poll period for `reload: "poll"`, ms.
   *
   * @default {2000}
   */
  pollIntervalMs?: number;
  /**
   * Most rows of a PowerRequest (`POST /estimate` answers more with 413,
   * the socket with an error).
   *
   * @default {10000}
   */
  maxEstimateRows?: number;
  /**
   * Workers that evaluate models for estimates, off the event loop (0:
   * in the server's thread). Started on first use.
   *
   * @default {undefined} the logical CPUs − 1, at least 1, at most 4
   */
  estimateWorkers?: number;
  /**
   * Unix socket path of the estimator sidecar.
   *
   * @default {undefined} none
   */
  estimatorSocket?: string;
  /**
   * Framing on the estimator socket.
   *
   * @default {undefined} `"json"` (upstream's)
   */
  estimatorFraming?: SocketFraming;
  /**
   * The machine the estimator answers for, used when a PowerRequest has no
   * `machine_spec`: its spec picks the node type and its cores give
   * `core_ratio`.
   *
   * @default {undefined} none (for the socket, this host's logical CPUs give `core_ratio`)
   */
  machineSpec?: Partial<MachineSpec>;
  /**
   * Receives log lines.
   *
   * @default {undefined} none
   */
  log?: (line: string) => void;
}

/** The HTTP layers of {@linkcode ModelServerOptions.engine}. */
export const HTTP_ENGINES = ["guarded", "deno-serve"] as const;
/** An HTTP layer: `"guarded"` or `"deno-serve"`. */
export type HttpEngine = typeof HTTP_ENGINES[number];

/**
 * A running model server (see {@linkcode startModelServer}).
 *
 * @example
 * ```ts
 * import { ModelServer } from "./model_server.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * // handle() answers without listening: the same code as over HTTP
 * const server = new ModelServer();
 * const r = await server.handle(new Request("http://x/model", { method: "POST", body: "[]" }));
 * assertEquals([r.status, (await r.json()).error], [400, "The model request must be a JSON object, got an array"]);
 * const missing = await server.handle(new Request("http://x/nope"));
 * assertEquals(missing.status, 404);
 * await missing.body?.cancel();
 * ```
 */
export class ModelServer {
  #options: ModelServerOptions;
  #metrics = new ServerMetrics();
  #registry: PipelineRegistry;
  #context: RouteContext;
  #server: Http1Server | Deno.HttpServer<Deno.NetAddr> | undefined;
  #socket: EstimatorSocket | undefined;
  #watcher: ModelPathWatcher | undefined;
  #closed = false;
  #pool: EstimatePool;
  #initUrlModels = new Map<string, InitUrlModel>();

  /**
   * Creates an unstarted server; use {@linkcode startModelServer}.
   *
   * @param options Where the pipelines are, how to listen and reload, and
   *   the limits; empty serves no pipeline.
   */
  constructor(options: ModelServerOptions = {}) {
    this.#options = options;
    this.#registry = new PipelineRegistry(options, this.#metrics);
    this.#pool = new EstimatePool(
      options.estimateWorkers ??
        Math.min(4, Math.max(1, navigator.hardwareConcurrency - 1)),
    );
    // deno-lint-ignore no-this-alias
    const server = this;
    this.#context = {
      registry: this.#registry,
      metrics: this.#metrics,
      machineSpec: options.machineSpec,
      maxEstimateRows: options.maxEstimateRows ?? 10_000,
      pool: this.#pool,
      initUrlModels: this.#initUrlModels,
      remoteModels: options.remoteModelServer === undefined
        ? undefined
        : new RemoteModels(options.remoteModelServer, {
          ...options.download,
          ...(options.machineSpec?.cores
            ? { cores: options.machineSpec.cores }
            : {}),
          log: (line) => this.#log(line),
        }),
      get reloadMode() {
        return server.reloadMode;
      },
      get socketPath() {
        return server.socketPath;
      },
      log: (line) => this.#log(line),
    };
  }

  #log(line: string): void {
    this.#options.log?.(line);
  }

  /** The pipelines served now, by name. */
  get pipelines(): ReadonlyMap<string, ServedPipeline> {
    return this.#registry.pipelines;
  }

  /**
   * The estimator's static models, by `<source>/<output type>` (see
   * {@linkcode ModelServerOptions.initUrls}).
   */
  get initUrlModels(): ReadonlyMap<string, InitUrlModel> {
    return this.#initUrlModels;
  }

  /** Downloads the static models; a failure is logged, not fatal. */
  async #loadInitUrls(): Promise<void> {
    const o = this.#options;
    // in INIT_URL_TARGETS's order: PROCESS_ after CONTAINER_, as Kepler v0.7
    for (const key of Object.keys(INIT_URL_TARGETS)) {
      const url = o.initUrls?.[key];
      if (url === undefined) continue;
      const { source, outputType } = INIT_URL_TARGETS[key]!;
      try {
        const loaded = await loadInitUrlModel(key, url, o.download ?? {});
        this.#initUrlModels.set(`${source}/${outputType}`, loaded);
      } catch (error) {
        this.#log(
          `warning: ${
            (error as Error).message
          }; the estimator answers ${source} ${outputType} from the served pipelines`,
        );
      }
    }
  }

  /** Pipelines that failed to load, by folder or URL, with the reason. */
  get loadErrors(): ReadonlyMap<string, string> {
    return this.#registry.errors;
  }

  /** The HTTP address (after `listen`). */
  get addr(): Deno.NetAddr {
    if (this.#server === undefined) {
      throw new TypeError("The model server is not listening");
    }
    return this.#server.addr;
  }

  /** The base URL, e.g. `http://127.0.0.1:8100`. */
  get url(): string {
    const { hostname, port } = this.addr;
    return `http://${
      hostname.includes(":") ? `[${hostname}]` : hostname
    }:${port}`;
  }

  /** The estimator socket path, if one is served. */
  get socketPath(): string | undefined {
    return this.#socket?.path;
  }

  /** The reload mode in effect (`"off"` without MODEL_PATH). */
  get reloadMode(): ReloadMode {
    return this.#watcher?.mode ?? "off";
  }

  /** Settles when the HTTP server has stopped. */
  get finished(): Promise<void> {
    return this.#server?.finished ?? Promise.resolve();
  }

  /**
   * Reloads pipelines from MODEL_PATH: the named ones, or (without names)
   * every folder there, dropping those that are gone.
   *
   * @param names Pipeline folder names under MODEL_PATH; omitted, every
   *   pipeline folder there and every folder pipeline served now.
   * @returns A promise that settles when this reload (queued after earlier
   *   ones) is done; a pipeline that fails to load is recorded in
   *   {@linkcode ModelServer.loadErrors}.
   */
  reload(names?: readonly string[]): Promise<void> {
    return this.#registry.reload(names);
  }

  /** Starts watching MODEL_PATH (watch first, then load: no change is lost). */
  async #watch(modelPath: string): Promise<void> {
    const o = this.#options;
    if ((o.reload ?? "watch") !== "off") {
      this.#watcher = watchModelPath(modelPath, (names) => {
        this.reload(names).catch((e) =>
          this.#log(`reload failed: ${e.message}`)
        );
      }, {
        mode: o.reload ?? "watch",
        ...(o.reloadDebounceMs !== undefined
          ? { debounceMs: o.reloadDebounceMs }
          : {}),
        ...(o.pollIntervalMs !== undefined
          ? { pollIntervalMs: o.pollIntervalMs }
          : {}),
        log: (l) => this.#log(l),
      });
      await this.#watcher.ready;
    }
    await this.reload();
  }

  /** Starts the estimator socket (if asked) and the HTTP engine. */
  async #listen(): Promise<void> {
    const o = this.#options;
    if (o.estimatorSocket !== undefined) {
      this.#socket = await serveEstimatorSocket(
        o.estimatorSocket,
        (body) => socketRequest(this.#context, body),
        {
          framing: o.estimatorFraming ?? "json",
          maxRequestBytes: o.maxBodyBytes ?? 1 << 20,
          timeoutMs: o.bodyTimeoutMs ?? 10_000,
          onRequest: (s, status) => this.#metrics.observe("socket", status, s),
          log: (l) => this.#log(l),
        },
      );
    }
    this.#server = (o.engine ?? "guarded") === "guarded"
      ? serveGuarded(o, this.#context)
      : await serveDeno(o, this.#context);
  }

  /** Loads every pipeline, starts watching and listening. */
  async start(): Promise<void> {
    const o = this.#options;
    if (o.modelPath !== undefined) await this.#watch(o.modelPath);
    await Promise.all([
      ...(o.pipelineUrls ?? []).map((u) => this.#registry.loadUrl(u)),
      this.#loadInitUrls(),
    ]);
    try {
      await this.#listen();
    } catch (error) {
      await this.close();
      throw error;
    }
  }

  /**
   * Answers one `Request` (the `deno-serve` engine's handler; usable
   * directly): reads its body within the limits, then {@linkcode respond}.
   *
   * @param request The HTTP request, body not yet read.
   * @returns The response: the route's answer, or a JSON error (e.g. 404
   *   for an unknown path, 413 for a body over the limit).
   */
  handle(request: Request): Promise<Response> {
    return handleRequest(this.#options, this.#context, request);
  }

  /**
   * Answers one request whose body has been read (the guarded engine's
   * handler).
   *
   * @param request The method, path, query and body of the request.
   * @returns The reply: status, headers and body.
   */
  respond(request: RoutedRequest): Promise<HttpReply> {
    return respond(this.#context, request);
  }

  /** The Prometheus exposition of `GET /metrics`. */
  metricsText(): string {
    return metricsText(this.#context);
  }

  /**
   * Aborts downloads from another model server, stops watching, the socket
   * and the HTTP server. Idempotent.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // first: a request waiting for another model server's answer ends now
    const remote = this.#context.remoteModels?.close();
    this.#registry.stop();
    await this.#watcher?.close();
    await this.#socket?.close();
    await remote;
    await this.#registry.settled();
    if (this.#server !== undefined) await this.#server.shutdown();
    this.#pool.close();
  }

  /** Same as `close()`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Loads the pipelines and starts the model server (and the estimator
 * socket, if asked). Close it with `close()` or `await using`.
 *
 * @param options Where the pipelines are, how to listen and reload, and
 *   the limits; empty serves no pipeline.
 * @returns The started server, listening on its `url`.
 * @throws {Deno.errors.AddrInUse} when the port, or the estimator socket
 *   path, is taken by another process (the server is closed again).
 *
 * @example
 * ```ts
 * import { startModelServer } from "./model_server.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * await using server = await startModelServer({ port: 0 });
 * const health = await (await fetch(`${server.url}/healthz`)).json();
 * assertEquals([health.status, health.models], ["ok", 0]);
 * const bad = await fetch(`${server.url}/model`, { method: "POST", body: "{" });
 * assertEquals(bad.status, 400);
 * await bad.body?.cancel();
 * ```
 */
export async function startModelServer(
  options: ModelServerOptions = {},
): Promise<ModelServer> {
  const server = new ModelServer(options);
  await server.start();
  return server;
}
