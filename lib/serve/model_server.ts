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
 * Pipelines come from MODEL_PATH folders (reloaded when they change) and
 * from INITIAL_PIPELINE_URL zips (held in memory; a failed download is
 * reported and the other pipelines are served). Requests never name a
 * path: names are looked up in memory and checked (400 otherwise). Bodies
 * are limited in size (413) and time (408); malformed JSON is a 400 with a
 * message.
 *
 * @module
 */
import {
  ALL_FEATURE_GROUPS,
  ENERGY_SOURCES,
  type EnergySource,
  type FeatureGroup,
  type MachineSpec,
  NODE_ATTRIBUTES,
  OUTPUT_TYPES,
  type OutputType,
  parseFeatureGroup,
  parseOutputType,
} from "../types.ts";
import {
  checkPipelineName,
  isObject,
  LOOSE_BOOLEANS,
  PIPELINE_NAME,
  show,
} from "./_fields.ts";
import { estimatePower, type PowerEstimate } from "./estimate_power.ts";
import {
  type EstimatorSocket,
  serveEstimatorSocket,
  type SocketFraming,
} from "./estimator_socket.ts";
import { fetchPipeline, type FetchPipelineOptions } from "./fetch_pipeline.ts";
import { parseModelFilter } from "./model_filter.ts";
import {
  type ModelRequest,
  parseModelRequest,
  requestSource,
} from "./model_request.ts";
import { explainNoModel } from "./explain_no_model.ts";
import {
  listPipelineDirs,
  loadPipelineDir,
  type ServedPipeline,
} from "./pipeline_catalog.ts";
import { parsePowerRequest, type PowerRequest } from "./power_request.ts";
import { HttpError, parseJsonBody, readBody } from "./read_body.ts";
import {
  type Http1Server,
  type HttpReply,
  type HttpRequest,
  serveHttp1,
} from "./http1_server.ts";
import {
  bestModels,
  choosePipeline,
  type ModelSelection,
  selectModel,
  type SelectOptions,
  UPSTREAM_FEATURE_GROUPS,
} from "./select_model.ts";
import { ServerMetrics } from "./server_metrics.ts";
import {
  type ModelPathWatcher,
  type ReloadMode,
  watchModelPath,
} from "./watch_model_path.ts";
import { pipelineDir } from "../layout.ts";

/** Options of {@linkcode startModelServer}. */
export interface ModelServerOptions {
  /** MODEL_PATH: folder of pipeline folders. Default: none. */
  modelPath?: string;
  /** INITIAL_PIPELINE_URL: pipeline zips to download. Default: none. */
  pipelineUrls?: readonly string[];
  /** Address to bind. Default: `"127.0.0.1"` (loopback only). */
  hostname?: string;
  /** Port (0 picks a free one). Default: 8100. */
  port?: number;
  /** Metadata key ranking models (ERROR_KEY). Default: `"mae"`. */
  errorKey?: string;
  /** Default pipeline per energy source. Default: upstream's. */
  defaultPipelines?: Partial<Record<EnergySource, string>>;
  /** Largest request body, in bytes. Default: 1 MiB. */
  maxBodyBytes?: number;
  /** Time for a request body to arrive, in ms. Default: 10,000. */
  bodyTimeoutMs?: number;
  /**
   * The HTTP layer: `"guarded"` ({@linkcode serveHttp1}: header, idle and
   * write deadlines, a connection limit) or `"deno-serve"` (`Deno.serve`:
   * a client that never finishes its headers is never timed out, so only
   * behind a proxy that enforces deadlines; also 4× slower with this
   * handler in `deno task bench serve`). Default: `"guarded"`.
   */
  engine?: HttpEngine;
  /** Time for a request's headers to arrive (guarded), in ms. Default: 10,000. */
  headersTimeoutMs?: number;
  /** Time an idle kept-alive connection stays open (guarded), in ms. Default: 30,000. */
  idleTimeoutMs?: number;
  /** Most open connections (guarded). Default: 1,024. */
  maxConnections?: number;
  /** Download limits of INITIAL_PIPELINE_URL. Default: 60 s, 512 MiB. */
  download?: FetchPipelineOptions;
  /** How MODEL_PATH changes are noticed. Default: `"watch"`. */
  reload?: ReloadMode;
  /** Quiet time before a changed pipeline is reloaded, ms. Default: 300. */
  reloadDebounceMs?: number;
  /** Poll period for `reload: "poll"`, ms. Default: 2,000. */
  pollIntervalMs?: number;
  /** Unix socket path of the estimator sidecar. Default: none. */
  estimatorSocket?: string;
  /** Framing on the estimator socket. Default: `"json"` (upstream's). */
  estimatorFraming?: SocketFraming;
  /**
   * The machine the estimator answers for, used when a PowerRequest has no
   * `machine_spec`: its spec picks the node type and its cores give
   * `core_ratio`. Default: none (for the socket, this host's logical CPUs
   * give `core_ratio`).
   */
  machineSpec?: Partial<MachineSpec>;
  /** Receives log lines. Default: none. */
  log?: (line: string) => void;
}

/** The HTTP layers of {@linkcode ModelServerOptions.engine}. */
export const HTTP_ENGINES = ["guarded", "deno-serve"] as const;
/** An HTTP layer: `"guarded"` or `"deno-serve"`. */
export type HttpEngine = typeof HTTP_ENGINES[number];

/** A request as the routes see it, however it arrived: its body is read. */
export type RoutedRequest = Pick<
  HttpRequest,
  "method" | "path" | "query" | "body"
>;

const ROUTES = [
  "/model",
  "/best-models",
  "/estimate",
  "/healthz",
  "/metrics",
  "/pipelines",
] as const;

const JSON_TYPE = "application/json";
const encoder = new TextEncoder();

const JSON_HEADERS: Readonly<Record<string, string>> = {
  "content-type": JSON_TYPE,
};

function json(value: unknown, status = 200): HttpReply {
  return { status, headers: JSON_HEADERS, body: JSON.stringify(value) };
}

/**
 * A reply after which the connection is dropped, for 408 and 413: the whole
 * reply is sent (its length is declared), then the failing body stream
 * makes `Deno.serve` close the connection instead of reading the rest of an
 * oversized body. (A body that was partly read keeps its connection until
 * the client leaves: `Deno.serve` offers no way to close it.)
 */
function closing(text: string, status: number): Response {
  const bytes = encoder.encode(text);
  let sent = false;
  return new Response(
    new ReadableStream<Uint8Array>({
      pull(c) {
        if (sent) {
          c.error(new DOMException("connection dropped", "AbortError"));
        } else {
          sent = true;
          c.enqueue(bytes);
        }
      },
    }),
    {
      status,
      headers: {
        "content-type": JSON_TYPE,
        "content-length": String(bytes.length),
      },
    },
  );
}

function intSpec(
  spec: Readonly<Partial<MachineSpec>> | undefined,
): Record<string, unknown> | undefined {
  if (spec === undefined) return undefined;
  const out: Record<string, unknown> = {};
  for (const a of NODE_ATTRIBUTES) {
    const v = spec[a];
    if (v === undefined || v === null) continue;
    // Kepler's MachineSpec has int fields: a float would fail json.Unmarshal
    out[a] = a === "processor" ? String(v) : Math.round(Number(v));
  }
  return out;
}

function modelHeaders(s: ModelSelection): Record<string, string> {
  const m = s.model;
  return {
    "x-kepler-model":
      `${m.pipeline}/${m.source}/${m.outputType}/${m.featureGroup}/${m.name}`,
    "x-kepler-node-match": s.match,
  };
}

function badRequest(error: unknown): HttpError {
  return error instanceof HttpError
    ? error
    : new HttpError(400, (error as Error).message, { cause: error });
}

/** Whether a raw request path has dot segments or escaped separators. */
function traversal(path: string): boolean {
  return /(^|\/)\.\.?(\/|$)|%2e|%2f|%5c|\\|%00/i.test(path);
}

/** The raw path of a request URL (no query), without building a URL. */
function pathOf(rawUrl: string): string {
  const start = rawUrl.indexOf("/", rawUrl.indexOf("//") + 2);
  if (start < 0) return "/";
  const end = rawUrl.slice(start).search(/[?#]/);
  return end < 0 ? rawUrl.slice(start) : rawUrl.slice(start, start + end);
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

const METRICS_HEADERS: Readonly<Record<string, string>> = {
  "content-type": "text/plain; version=0.0.4; charset=utf-8",
};

/** The metrics label of a path: a known route, `/models` or `other`. */
function routeOf(path: string): string {
  return (ROUTES as readonly string[]).includes(path)
    ? path
    : path.startsWith("/models/")
    ? "/models"
    : "other";
}

/** A reply as a `Response` (the `deno-serve` engine and `handle`). */
function toResponse(reply: HttpReply): Response {
  if (reply.close && (reply.status === 408 || reply.status === 413)) {
    return closing(
      typeof reply.body === "string"
        ? reply.body
        : new TextDecoder().decode(reply.body),
      reply.status,
    );
  }
  const body = reply.body === undefined || reply.body.length === 0
    ? null
    : reply.body as BodyInit;
  return new Response(body, {
    status: reply.status,
    ...(reply.headers ? { headers: reply.headers } : {}),
  });
}

/** A cached answer: the selection, and the weight reply with its headers. */
interface CacheEntry {
  selection?: ModelSelection;
  body?: Uint8Array<ArrayBuffer>;
  headers?: Record<string, string>;
}

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
  #pipelines: Map<string, ServedPipeline> = new Map();
  #errors = new Map<string, string>();
  #cache = new Map<
    string,
    CacheEntry
  >();
  #replies = new Map<
    string,
    CacheEntry
  >();
  #metrics = new ServerMetrics();
  #server: Http1Server | Deno.HttpServer<Deno.NetAddr> | undefined;
  #socket: EstimatorSocket | undefined;
  #watcher: ModelPathWatcher | undefined;
  #reloading: Promise<void> = Promise.resolve();
  #closed = false;

  /** Creates an unstarted server; use {@linkcode startModelServer}. */
  constructor(options: ModelServerOptions = {}) {
    this.#options = options;
  }

  #log(line: string): void {
    this.#options.log?.(line);
  }

  #select(): SelectOptions {
    return {
      errorKey: this.#options.errorKey ?? "mae",
      ...(this.#options.defaultPipelines
        ? { defaultPipelines: this.#options.defaultPipelines }
        : {}),
    };
  }

  /** The pipelines served now, by name. */
  get pipelines(): ReadonlyMap<string, ServedPipeline> {
    return this.#pipelines;
  }

  /** Pipelines that failed to load, by folder or URL, with the reason. */
  get loadErrors(): ReadonlyMap<string, string> {
    return this.#errors;
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

  #install(p: ServedPipeline): void {
    const next = new Map(this.#pipelines);
    next.set(p.name, p);
    this.#pipelines = next;
    this.#cache.clear();
    this.#replies.clear();
    this.#errors.delete(p.origin);
    this.#metrics.loaded("ok");
    this.#log(
      `serving pipeline ${p.name} from ${p.origin}: ${p.models.length} models (${
        p.sources.join(", ") || "no energy source"
      })${p.warnings.length ? `, ${p.warnings.length} skipped files` : ""}`,
    );
  }

  #failed(origin: string, error: unknown): void {
    const msg = (error as Error).message ?? String(error);
    this.#errors.set(origin, msg);
    this.#metrics.loaded("error");
    this.#log(`cannot load pipeline ${origin}: ${msg}`);
  }

  async #loadDir(name: string): Promise<void> {
    const modelPath = this.#options.modelPath;
    if (modelPath === undefined || this.#closed) return;
    const current = this.#pipelines.get(name);
    if (current?.kind === "url") return; // a downloaded pipeline shadows it
    const dir = pipelineDir(modelPath, name);
    const listed = (await listPipelineDirs(modelPath)).includes(name);
    if (!listed) {
      if (current !== undefined) {
        const next = new Map(this.#pipelines);
        next.delete(name);
        this.#pipelines = next;
        this.#cache.clear();
        this.#replies.clear();
        this.#log(
          `pipeline ${name} is gone from ${modelPath}; no longer served`,
        );
      }
      this.#errors.delete(dir);
      return;
    }
    try {
      this.#install(await loadPipelineDir(dir, { name }));
    } catch (error) {
      // keep serving what was loaded before
      this.#failed(dir, error);
    }
  }

  async #loadUrl(url: string): Promise<void> {
    try {
      this.#install(await fetchPipeline(url, this.#options.download ?? {}));
    } catch (error) {
      this.#failed(url, error);
    }
  }

  /**
   * Reloads pipelines from MODEL_PATH: the named ones, or (without names)
   * every folder there, dropping those that are gone.
   */
  reload(names?: readonly string[]): Promise<void> {
    const run = async () => {
      const modelPath = this.#options.modelPath;
      if (modelPath === undefined) return;
      const targets = names ?? [
        ...new Set([
          ...await listPipelineDirs(modelPath),
          ...[...this.#pipelines.values()].filter((p) => p.kind === "dir")
            .map((p) => p.name),
        ]),
      ];
      for (const name of targets) {
        if (PIPELINE_NAME.test(name)) await this.#loadDir(name);
      }
    };
    this.#reloading = this.#reloading.then(run, run);
    return this.#reloading;
  }

  /** Loads every pipeline, starts watching and listening. */
  async start(): Promise<void> {
    const o = this.#options;
    if (o.modelPath !== undefined) {
      // watch first, then load: a change while loading is seen, not lost
      if ((o.reload ?? "watch") !== "off") {
        this.#watcher = watchModelPath(o.modelPath, (names) => {
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
    await Promise.all((o.pipelineUrls ?? []).map((u) => this.#loadUrl(u)));
    try {
      if (o.estimatorSocket !== undefined) {
        this.#socket = await serveEstimatorSocket(
          o.estimatorSocket,
          (body) => this.#socketRequest(body),
          {
            framing: o.estimatorFraming ?? "json",
            maxRequestBytes: o.maxBodyBytes ?? 1 << 20,
            timeoutMs: o.bodyTimeoutMs ?? 10_000,
            onRequest: (s, ok) =>
              this.#metrics.observe("socket", ok ? 200 : 400, s),
            log: (l) => this.#log(l),
          },
        );
      }
      if ((o.engine ?? "guarded") === "guarded") {
        this.#server = serveHttp1({
          hostname: o.hostname ?? "127.0.0.1",
          port: o.port ?? 8100,
          maxBodyBytes: o.maxBodyBytes ?? 1 << 20,
          bodyTimeoutMs: o.bodyTimeoutMs ?? 10_000,
          headersTimeoutMs: o.headersTimeoutMs ?? 10_000,
          idleTimeoutMs: o.idleTimeoutMs ?? 30_000,
          maxConnections: o.maxConnections ?? 1024,
          onReject: (status) => this.#metrics.observe("connection", status, 0),
          onError: (error) => this.#internal("request", error),
        }, (request) => this.respond(request));
      } else {
        const listening = Promise.withResolvers<void>();
        this.#server = Deno.serve({
          hostname: o.hostname ?? "127.0.0.1",
          port: o.port ?? 8100,
          onListen: () => listening.resolve(),
          onError: (error) => {
            this.#log(`internal error: ${(error as Error).message}`);
            return new Response('{"error":"internal error"}', {
              status: 500,
              headers: JSON_HEADERS,
            });
          },
        }, (request) => this.handle(request));
        await listening.promise;
      }
    } catch (error) {
      await this.close();
      throw error;
    }
  }

  /**
   * Answers one `Request` (the `deno-serve` engine's handler; usable
   * directly): reads its body within the limits, then {@linkcode respond}.
   */
  async handle(request: Request): Promise<Response> {
    const t0 = performance.now();
    const path = pathOf(request.url);
    const q = request.url.indexOf("?");
    let body: Uint8Array = new Uint8Array(0);
    if (request.body !== null) {
      try {
        body = await readBody(request, {
          maxBytes: this.#options.maxBodyBytes ?? 1 << 20,
          timeoutMs: this.#options.bodyTimeoutMs ?? 10_000,
        });
      } catch (error) {
        const e = error instanceof HttpError ? error : badRequest(error);
        this.#metrics.observe(
          routeOf(path),
          e.status,
          (performance.now() - t0) / 1000,
        );
        return toResponse({
          ...json({ error: e.message }, e.status),
          close: e.status === 408 || e.status === 413,
        });
      }
    }
    return toResponse(
      await this.respond({
        method: request.method,
        path,
        query: q < 0 ? "" : request.url.slice(q + 1).replace(/#.*$/, ""),
        body,
      }),
    );
  }

  /** Answers one request whose body has been read (the guarded engine's handler). */
  async respond(request: RoutedRequest): Promise<HttpReply> {
    const t0 = performance.now();
    const route = routeOf(request.path);
    let reply: HttpReply;
    try {
      if (traversal(request.path)) {
        throw new HttpError(
          400,
          "Path traversal is not allowed: the path has '.' or '..' segments or escaped separators",
        );
      }
      reply = await this.#route(request, route);
    } catch (error) {
      reply = error instanceof HttpError
        ? {
          ...json({ error: error.message }, error.status),
          close: error.status === 408 || error.status === 413,
        }
        : this.#internal(`${request.method} ${route}`, error);
    }
    this.#metrics.observe(
      route,
      reply.status,
      (performance.now() - t0) / 1000,
    );
    return reply;
  }

  #internal(where: string, error: unknown): HttpReply {
    this.#log(`internal error on ${where}: ${(error as Error).stack ?? error}`);
    return json({ error: `internal error: ${(error as Error).message}` }, 500);
  }

  #method(request: RoutedRequest, allowed: string): void {
    if (
      request.method !== allowed &&
      !(allowed === "GET" && request.method === "HEAD")
    ) {
      throw new HttpError(
        405,
        `Method ${request.method} is not allowed here: use ${allowed}`,
      );
    }
  }

  async #route(request: RoutedRequest, route: string): Promise<HttpReply> {
    switch (route) {
      case "/model":
        this.#method(request, "POST");
        return await this.#model(request.body);
      case "/estimate":
        this.#method(request, "POST");
        return await this.#estimate(request.body);
      case "/best-models":
        this.#method(request, "GET");
        return this.#bestModels(new URLSearchParams(request.query));
      case "/healthz":
        this.#method(request, "GET");
        return json(this.#health());
      case "/metrics":
        this.#method(request, "GET");
        return {
          status: 200,
          headers: METRICS_HEADERS,
          body: this.metricsText(),
        };
      case "/pipelines":
        this.#method(request, "GET");
        return json(this.#pipelineList());
      case "/models":
        this.#method(request, "GET");
        return await this.#file(request.path);
      default:
        throw new HttpError(
          404,
          `No route ${
            show(request.path.slice(0, 100))
          }: see /healthz, /model, /best-models, /estimate, /metrics`,
        );
    }
  }

  #cached(
    key: string,
    make: () => CacheEntry,
  ) {
    let v = this.#cache.get(key);
    if (v === undefined) {
      if (this.#cache.size >= 4096) this.#cache.clear();
      v = make();
      this.#cache.set(key, v);
    }
    return v;
  }

  #modelReply(
    entry: CacheEntry,
  ): HttpReply | undefined {
    if (entry.selection === undefined || entry.body === undefined) {
      return undefined;
    }
    entry.headers ??= {
      "content-type": JSON_TYPE,
      ...modelHeaders(entry.selection),
    };
    return { status: 200, headers: entry.headers, body: entry.body };
  }

  async #model(bytes: Uint8Array): Promise<HttpReply> {
    let text: string;
    try {
      text = utf8.decode(bytes);
    } catch (error) {
      throw new HttpError(400, "The request body is not UTF-8 text", {
        cause: error,
      });
    }
    // the same body always gets the same weight reply until a reload
    const hit = this.#replies.get(text);
    if (hit !== undefined) return this.#modelReply(hit)!;
    const body = parseJsonBody(bytes);
    let q;
    try {
      q = parseModelRequest(body);
    } catch (error) {
      throw badRequest(error);
    }
    const key = JSON.stringify([
      "model",
      q.source,
      q.outputType,
      [...q.metrics].sort(),
      q.nodeType,
      q.machineSpec ?? null,
      q.looseNodeType,
      q.trainerName,
      q.filterText,
      q.pipelineName,
      q.weight,
    ]);
    const entry = this.#cached(key, () => {
      const selection = selectModel(this.#pipelines, {
        source: q.source,
        outputType: q.outputType,
        metrics: q.metrics,
        nodeType: q.nodeType,
        ...(q.machineSpec ? { machineSpec: q.machineSpec } : {}),
        looseNodeType: q.looseNodeType,
        trainerName: q.trainerName,
        filters: q.filters,
        pipelineName: q.pipelineName,
        need: q.weight ? "weight" : "archive",
        linearOnly: q.weight && q.nodeType !== -1,
      }, this.#select());
      if (selection === undefined || !q.weight) {
        return selection ? { selection } : {};
      }
      const m = selection.model;
      if (q.nodeType !== -1) return { selection, body: m.weightBody! };
      const spec = intSpec(m.machineSpec);
      const mae = m.metadata.mae;
      const extended = {
        ...m.weights,
        model_name: m.name,
        ...(spec ? { machine_spec: spec } : {}),
        ...(typeof mae === "number" && Number.isFinite(mae) ? { mae } : {}),
      };
      return { selection, body: encoder.encode(JSON.stringify(extended)) };
    });
    const selection = entry.selection;
    if (selection === undefined) return this.#noModel(q);
    const reply = this.#modelReply(entry);
    if (reply !== undefined) {
      // bounded: at most 1024 bodies of up to 4 KiB (Kepler's are ~0.5 KiB)
      if (text.length <= 4096) {
        if (this.#replies.size >= 1024) this.#replies.clear();
        this.#replies.set(text, entry);
      }
      return reply;
    }
    const zip = await selection.model.archive();
    if (zip === undefined) {
      throw new HttpError(
        400,
        `The archive of model ${selection.model.name} is missing from ${selection.pipeline.origin}`,
      );
    }
    return {
      status: 200,
      headers: {
        "content-type": "application/zip",
        "content-disposition":
          `attachment; filename="${selection.model.name}.zip"`,
        ...modelHeaders(selection),
      },
      body: zip,
    };
  }

  /** The 400 of a model request nothing matches, saying what each feature group needs. */
  #noModel(q: ModelRequest): HttpReply {
    const { source, pipelineName } = q;
    if (pipelineName && !this.#pipelines.has(pipelineName)) {
      throw new HttpError(
        400,
        `No pipeline named ${pipelineName} is loaded (loaded: ${
          [...this.#pipelines.keys()].join(", ") || "none"
        })`,
      );
    }
    const pipeline = choosePipeline(this.#pipelines, source, {
      ...(pipelineName ? { pipelineName } : {}),
      ...this.#select(),
    });
    if (pipeline === undefined) {
      throw new HttpError(
        400,
        `No loaded pipeline has models for energy source ${source}`,
      );
    }
    return json(explainNoModel(pipeline, q), 400);
  }

  #bestModels(p: URLSearchParams): HttpReply {
    const get = (...names: string[]) => {
      for (const n of names) {
        const v = p.get(n);
        if (v !== null && v !== "") return v;
      }
      return undefined;
    };
    try {
      const ot = get("output-type", "ot");
      const fg = get("feature-group", "fg");
      const nt = get("node-type", "node_type");
      const pipelineName = get("pipeline-name", "pipeline_name");
      let nodeType: number | undefined;
      if (nt !== undefined) {
        nodeType = Number(nt);
        if (!/^-?\d+$/.test(nt) || nodeType < -1) {
          throw new RangeError(
            `node-type must be an integer ≥ −1, got ${show(nt)}`,
          );
        }
      }
      const allText = get("all");
      const all = allText === undefined
        ? false
        : LOOSE_BOOLEANS[allText.trim().toLowerCase()];
      if (all === undefined) {
        throw new RangeError(`all must be true or false, got ${show(allText)}`);
      }
      const result = bestModels(this.#pipelines, {
        source: requestSource(get("energy-source", "source") ?? "rapl-sysfs"),
        ...(all ? {} : { featureGroups: UPSTREAM_FEATURE_GROUPS }),
        ...(ot ? { outputType: parseOutputType(ot) as OutputType } : {}),
        ...(fg ? { featureGroup: parseFeatureGroup(fg) as FeatureGroup } : {}),
        ...(nodeType !== undefined ? { nodeType } : {}),
        filters: parseModelFilter(get("filter")),
        ...(pipelineName
          ? { pipelineName: checkPipelineName(pipelineName) }
          : {}),
      }, this.#select());
      return json(result);
    } catch (error) {
      throw badRequest(error);
    }
  }

  #estimateSelection(r: PowerRequest): ModelSelection | undefined {
    const spec = r.machineSpec ?? this.#options.machineSpec;
    const key = JSON.stringify([
      "estimate",
      r.source,
      r.outputType,
      [...r.metrics, ...r.systemFeatures].sort(),
      r.nodeType,
      spec ?? null,
      r.trainerName,
      r.filters,
      r.pipelineName,
    ]);
    return this.#cached(key, () => {
      const selection = selectModel(this.#pipelines, {
        source: r.source,
        outputType: r.outputType,
        metrics: [...r.metrics, ...r.systemFeatures],
        nodeType: r.nodeType,
        ...(spec ? { machineSpec: spec } : {}),
        trainerName: r.trainerName,
        filters: r.filters,
        pipelineName: r.pipelineName,
        need: "estimate",
      }, this.#select());
      return selection ? { selection } : {};
    }).selection;
  }

  async #estimateWith(
    r: PowerRequest,
    socket: boolean,
  ): Promise<PowerEstimate> {
    const selection = this.#estimateSelection(r);
    if (selection === undefined) {
      return {
        powers: {},
        msg: `no model for ${r.outputType} ${r.source} with metrics ${
          [...r.metrics, ...r.systemFeatures].join(",")
        }${r.trainerName ? ` and trainer ${r.trainerName}` : ""}${
          r.filters.length ? " and the filter" : ""
        }`,
        core_ratio: 1,
      };
    }
    const cores = this.#options.machineSpec?.cores ??
      (socket ? navigator.hardwareConcurrency : undefined);
    return await estimatePower(
      selection.model,
      r,
      cores ? { machineCores: cores } : {},
    );
  }

  async #estimate(bytes: Uint8Array): Promise<HttpReply> {
    const body = parseJsonBody(bytes);
    let r: PowerRequest;
    try {
      r = parsePowerRequest(body);
    } catch (error) {
      return json({ powers: {}, msg: (error as Error).message }, 400);
    }
    const result = await this.#estimateWith(r, false);
    const status = result.msg === "" ? 200 : result.model_name ? 500 : 400;
    return json(result, status);
  }

  async #socketRequest(body: Uint8Array): Promise<unknown> {
    let r: PowerRequest;
    try {
      r = parsePowerRequest(parseJsonBody(body));
    } catch (error) {
      return {
        powers: {},
        msg: `failed to handle request: ${(error as Error).message}`,
      };
    }
    const result = await this.#estimateWith(r, true);
    const reply: Record<string, unknown> = {
      powers: result.powers,
      msg: result.msg,
      core_ratio: result.core_ratio,
    };
    if (r.intervals) {
      for (const k of ["model_name", "coverage", "lower", "upper"] as const) {
        if (result[k] !== undefined) reply[k] = result[k];
      }
    }
    // a failed estimate is answered with its msg and counted as an error
    if (result.msg !== "") throw new Error(result.msg);
    return reply;
  }

  async #file(pathname: string): Promise<HttpReply> {
    const parts = pathname.split("/").slice(1);
    if (parts.length !== 7 || parts[1] !== "v0.7") {
      throw new HttpError(
        404,
        `No model file ${
          show(pathname.slice(0, 200))
        }: use /models/v0.7/<pipeline>/<source>/<output type>/<feature group>/<model>.json|.zip`,
      );
    }
    let decoded: string[];
    try {
      decoded = parts.slice(2).map(decodeURIComponent);
    } catch {
      throw new HttpError(
        400,
        `Bad %-escape in ${show(pathname.slice(0, 200))}`,
      );
    }
    const [pipeline, source, ot, fg, file] = decoded as [
      string,
      string,
      string,
      string,
      string,
    ];
    try {
      checkPipelineName(pipeline);
    } catch (error) {
      throw badRequest(error);
    }
    const m = /^([A-Za-z][A-Za-z0-9_]{0,127}_-?\d{1,9})\.(json|zip)$/.exec(
      file,
    );
    if (m === null) {
      throw new HttpError(
        400,
        `Invalid model file name ${
          show(file)
        }: expected <Trainer>_<node type>.json or .zip`,
      );
    }
    const p = this.#pipelines.get(pipeline);
    const model = p?.models.find((x) =>
      x.source === source && x.outputType === ot && x.featureGroup === fg &&
      x.name === m[1]
    );
    if (
      !(ENERGY_SOURCES as readonly string[]).includes(source) ||
      !(OUTPUT_TYPES as readonly string[]).includes(ot) ||
      !(ALL_FEATURE_GROUPS as readonly string[]).includes(fg) ||
      model === undefined
    ) {
      throw new HttpError(404, `No model ${decoded.join("/")} is served`);
    }
    if (m[2] === "json") {
      if (model.weightBody === undefined) {
        throw new HttpError(
          404,
          `Model ${model.name} has no weight file (only weight-capable trainers have one)`,
        );
      }
      return { status: 200, headers: JSON_HEADERS, body: model.weightBody };
    }
    const zip = await model.archive();
    if (zip === undefined) {
      throw new HttpError(404, `Model ${model.name} has no archive`);
    }
    return {
      status: 200,
      headers: {
        "content-type": "application/zip",
        "content-disposition": `attachment; filename="${model.name}.zip"`,
      },
      body: zip,
    };
  }

  #health(): Record<string, unknown> {
    let models = 0;
    for (const p of this.#pipelines.values()) models += p.models.length;
    return {
      status: "ok",
      pipelines: [...this.#pipelines.keys()].sort(),
      models,
      reload: this.reloadMode,
      estimator_socket: this.#socket?.path ?? null,
      load_errors: Object.fromEntries(this.#errors),
    };
  }

  #pipelineList(): Record<string, unknown> {
    return {
      pipelines: [...this.#pipelines.values()].sort((a, b) =>
        a.name < b.name ? -1 : 1
      )
        .map((p) => ({
          name: p.name,
          origin: p.origin,
          kind: p.kind,
          sources: p.sources,
          models: p.models.length,
          node_types: Object.keys(p.nodeTypeIndex).length,
          loaded_at: new Date(p.loadedAt).toISOString(),
          metadata: isObject(p.metadata) ? p.metadata : {},
          warnings: p.warnings.slice(0, 50),
        })),
      load_errors: Object.fromEntries(this.#errors),
    };
  }

  /** The Prometheus exposition of `GET /metrics`. */
  metricsText(): string {
    const counts = new Map<
      string,
      { labels: Record<string, string>; value: number }
    >();
    for (const p of this.#pipelines.values()) {
      for (const m of p.models) {
        const key = `${p.name}\u0000${m.source}\u0000${m.outputType}`;
        const g = counts.get(key) ??
          {
            labels: {
              pipeline: p.name,
              source: m.source,
              output_type: m.outputType,
            },
            value: 0,
          };
        g.value++;
        counts.set(key, g);
      }
    }
    return this.#metrics.render(
      [...counts.entries()].sort(([a], [b]) => a < b ? -1 : 1).map(([, g]) =>
        g
      ),
      this.#pipelines.size,
    );
  }

  /** Stops watching, the socket and the HTTP server. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#watcher?.close();
    await this.#socket?.close();
    await this.#reloading.catch(() => {});
    if (this.#server !== undefined) await this.#server.shutdown();
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
