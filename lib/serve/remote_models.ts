/**
 * The estimator's models from another model server (upstream's estimator
 * with `MODEL_SERVER_ENABLE=true`): the first socket request for an energy
 * source and output type posts upstream's model request to
 * `MODEL_SERVER_URL` + `/model` (its metrics and system features, output
 * type, source, filter, trainer name and `spec` with this host's cores, as
 * upstream's `make_model_request` builds it) and reads the zip it answers;
 * later requests of that pair use the same model, as upstream caches it.
 * A server that cannot answer is asked again after `retryMs`; meanwhile the
 * estimator answers from its static model or its own pipelines.
 *
 * A server that is slow to answer (one that accepts the connection and
 * says nothing keeps a download open for its whole `timeoutMs`, 60 s)
 * delays requests by at most `waitMs` (5 s) per ask: after that they are
 * answered without the model while the download goes on, and once it
 * arrives later requests use it. `close()` aborts downloads in flight, so
 * the server stops at once.
 *
 * @module
 */
import type { ZipEntries } from "../io/zip.ts";
import { downloadBytes } from "./_download.ts";
import { Deadline, TIMEOUT } from "./_deadline.ts";
import {
  type InitUrlModel,
  type InitUrlOptions,
  modelFromFiles,
  zipMetadata,
} from "./init_url_models.ts";
import type { PowerRequest } from "./power_request.ts";

/** Options of {@linkcode RemoteModels}. */
export interface RemoteModelsOptions extends InitUrlOptions {
  /**
   * Time before a pair whose request failed is asked for again, ms.
   *
   * @default {60000}
   */
  retryMs?: number;
  /**
   * Most time requests wait for an ask of the model server, ms, counted
   * from its start; after it they are answered without its model (from the
   * static model or the served pipelines) while the download goes on.
   *
   * @default {5000}
   */
  waitMs?: number;
  /**
   * Cores of the requesting machine, sent as `spec.cores`.
   *
   * @default {undefined} this host's logical CPUs
   */
  cores?: number;
  /**
   * Receives log lines.
   *
   * @default {undefined} none
   */
  log?: (line: string) => void;
}

interface Entry {
  at: number;
  model?: InitUrlModel;
}

/** An ask in flight: its result, and until when requests wait for it. */
interface Pending {
  model: Promise<InitUrlModel | undefined>;
  until: number;
  /** Whether the wait's end was logged. */
  told: boolean;
}

/** What a zip reply's headers say: the model's file name and feature group. */
interface ReplyHeaders {
  name?: string;
  folder: string;
}

/**
 * The model name of a reply (its attachment's file name) and its feature
 * group (ours: `x-kepler-model`, `<pipeline>/<source>/<ot>/<FG>/<name>`).
 */
function replyHeaders(response: Response): ReplyHeaders {
  const disposition = response.headers.get("content-disposition") ?? "";
  const file = /filename="?([^";]+)"?/.exec(disposition)?.[1];
  const folder = (response.headers.get("x-kepler-model") ?? "").split("/")[3];
  const name = file?.split(".")[0];
  return { ...(name ? { name } : {}), folder: folder ?? "" };
}

/** The `model_name` in a model zip's metadata.json, if it reads. */
function zipModelName(bytes: Uint8Array): string | undefined {
  try {
    const name = zipMetadata(bytes, "model zip").model_name;
    return typeof name === "string" ? name : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Models asked of a model server, one per energy source and output type.
 *
 * @example
 * ```ts
 * import { RemoteModels } from "./remote_models.ts";
 * import { parsePowerRequest } from "./power_request.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * // nothing listens there: no model, and the estimator falls back
 * const remote = new RemoteModels("http://127.0.0.1:9/model", { timeoutMs: 2000 });
 * const r = parsePowerRequest({ metrics: ["bpf_cpu_time_ms"], values: [[1]],
 *   output_type: "AbsPower", source: "acpi" });
 * assertEquals(await remote.modelFor(r), undefined);
 * ```
 */
export class RemoteModels {
  readonly #endpoint: string;
  readonly #options: RemoteModelsOptions;
  readonly #entries = new Map<string, Entry>();
  readonly #pending = new Map<string, Pending>();
  readonly #abort = new AbortController();

  /**
   * Asks nothing yet: the first request of each pair asks the server.
   *
   * @param endpoint The model request URL, e.g.
   *   `http://kepler-model-server:8100/model`.
   * @param options Limits, retry time, cores and a log.
   */
  constructor(endpoint: string, options: RemoteModelsOptions = {}) {
    this.#endpoint = endpoint;
    this.#options = options;
  }

  /** The model request URL. */
  get endpoint(): string {
    return this.#endpoint;
  }

  /**
   * The model for a request's energy source and output type: the one
   * fetched before, or fetched now; undefined while the server has none,
   * after `waitMs` of an ask that goes on, and once closed.
   *
   * @param r The power request (its metrics, system features, filter and
   *   trainer name go into the model request).
   * @returns The model, or undefined.
   */
  modelFor(r: PowerRequest): Promise<InitUrlModel | undefined> {
    const key = `${r.source}/${r.outputType}`;
    const entry = this.#entries.get(key);
    const retry = this.#options.retryMs ?? 60_000;
    if (entry?.model) return Promise.resolve(entry.model);
    if (
      this.#abort.signal.aborted || (entry && Date.now() - entry.at < retry)
    ) {
      return Promise.resolve(undefined);
    }
    let pending = this.#pending.get(key);
    if (pending === undefined) {
      const model = this.#fetch(r).then((model) => {
        this.#entries.set(key, { at: Date.now(), ...(model ? { model } : {}) });
        return model;
      }).finally(() => this.#pending.delete(key));
      const waitMs = this.#options.waitMs ?? 5000;
      pending = { model, until: performance.now() + waitMs, told: false };
      this.#pending.set(key, pending);
    }
    return this.#waitFor(r, pending);
  }

  /** The ask's model, or undefined once its wait is over. */
  async #waitFor(
    r: PowerRequest,
    pending: Pending,
  ): Promise<InitUrlModel | undefined> {
    const deadline = new Deadline(pending.until - performance.now());
    try {
      const model = await deadline.race(pending.model);
      if (model !== TIMEOUT) return model;
    } finally {
      deadline.clear();
    }
    if (!pending.told) {
      pending.told = true;
      this.#options.log?.(
        `warning: the model server ${this.#endpoint} has not answered the ${r.source} ${r.outputType} model request within ${
          this.#options.waitMs ?? 5000
        } ms; the estimator answers without it until it does`,
      );
    }
    return undefined;
  }

  /**
   * Aborts the asks in flight and asks nothing more: later requests get
   * undefined. Settles when the asks have ended.
   */
  async close(): Promise<void> {
    this.#abort.abort();
    await Promise.allSettled([...this.#pending.values()].map((p) => p.model));
  }

  async #fetch(r: PowerRequest): Promise<InitUrlModel | undefined> {
    const body = {
      metrics: [...r.metrics, ...r.systemFeatures],
      output_type: r.outputType,
      source: r.source,
      filter: r.filter,
      trainer_name: r.trainerName,
      spec: { cores: this.#options.cores ?? navigator.hardwareConcurrency },
    };
    const what = `${r.source} ${r.outputType} model from the model server`;
    try {
      let headers: ReplyHeaders = { folder: "" };
      const bytes = await downloadBytes(this.#endpoint, what, this.#options, {
        init: {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body),
        },
        onResponse: (response) => headers = replyHeaders(response),
        signal: this.#abort.signal,
      });
      const model = await this.#read(r, bytes, headers);
      this.#options.log?.(
        `estimator: ${r.source} ${r.outputType} requests use ${model.model.name} of the model server ${this.#endpoint}`,
      );
      return model;
    } catch (error) {
      if (this.#abort.signal.aborted) return undefined; // closed: no warning
      this.#options.log?.(
        `warning: ${
          (error as Error).message
        }; the estimator answers ${r.source} ${r.outputType} without it for now`,
      );
      return undefined;
    }
  }

  async #read(
    r: PowerRequest,
    bytes: Uint8Array,
    headers: ReplyHeaders,
  ): Promise<InitUrlModel> {
    const name = headers.name ?? zipModelName(bytes) ?? "model";
    const entries: ZipEntries = { [`${name}.zip`]: bytes };
    const label = `the model server ${this.#endpoint}`;
    let model: Awaited<ReturnType<typeof modelFromFiles>>;
    try {
      model = await modelFromFiles(
        {
          label: "the estimator's request",
          source: r.source,
          outputType: r.outputType,
          origin: this.#endpoint,
          folder: headers.folder,
        },
        entries,
        name,
        this.#options,
      );
    } catch (error) {
      throw new RangeError(
        `${label} answered no usable model: ${(error as Error).message}`,
      );
    }
    if (typeof model === "string") {
      throw new RangeError(`${label} answered no usable model: ${model}`);
    }
    if (!model.estimable) {
      throw new RangeError(
        `${label} answered ${model.name}, whose models are scikit-learn pickles, which kepler-model does not run`,
      );
    }
    return {
      key: "the model server",
      url: this.#endpoint,
      readFrom: this.#endpoint,
      model,
    };
  }
}
