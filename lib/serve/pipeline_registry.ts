/**
 * The pipelines a model server serves: loaded from MODEL_PATH folders
 * (reloaded one at a time, in order) and INITIAL_PIPELINE_URL zips, the
 * load errors, and the two caches a reload clears (selections by request
 * key, weight replies by request body).
 *
 * @module
 */
import type { EnergySource, ErrorKey } from "../types.ts";
import { pipelineFolder } from "../pipeline/mod.ts";
import { PIPELINE_NAME } from "./_fields.ts";
import { fetchPipeline, type FetchPipelineOptions } from "./fetch_pipeline.ts";
import {
  listPipelineDirs,
  loadPipelineDir,
  type ServedPipeline,
} from "./pipeline_catalog.ts";
import type { ModelSelection, SelectOptions } from "./select_model.ts";
import type { ServerMetrics } from "./server_metrics.ts";

/** Options of a {@linkcode PipelineRegistry} (a model server's). */
export interface PipelineRegistryOptions {
  /** MODEL_PATH: folder of pipeline folders. Default: none. */
  modelPath?: string;
  /** Metadata key ranking models (ERROR_KEY). Default: `"mae"`. */
  errorKey?: ErrorKey;
  /** Default pipeline per energy source. Default: upstream's. */
  defaultPipelines?: Partial<Record<EnergySource, string>>;
  /**
   * Download limits of INITIAL_PIPELINE_URL; its `zipLimits` bound every
   * zip inflated (MODEL_PATH's model zips too). Default: 60 s, 512 MiB,
   * `ZIP_LIMITS`.
   */
  download?: FetchPipelineOptions;
  /** Receives log lines. Default: none. */
  log?: (line: string) => void;
}

/** A cached answer: the selection, and the weight reply with its headers. */
export interface CacheEntry {
  /** The model chosen, if any. */
  selection?: ModelSelection;
  /** The weight reply's body (weight requests). */
  body?: Uint8Array<ArrayBuffer>;
  /** The weight reply's headers, made on first use. */
  headers?: Record<string, string>;
}

/**
 * The served pipelines by name, their load errors and the caches of the
 * answers that depend on them (see the module doc).
 */
export class PipelineRegistry {
  #options: PipelineRegistryOptions;
  #pipelines: Map<string, ServedPipeline> = new Map();
  #errors = new Map<string, string>();
  #cache = new Map<string, CacheEntry>();
  #replies = new Map<string, CacheEntry>();
  #metrics: ServerMetrics;
  #select: SelectOptions;
  #reloading: Promise<void> = Promise.resolve();
  #closed = false;

  /** An empty registry counting loads in `metrics`. */
  constructor(options: PipelineRegistryOptions, metrics: ServerMetrics) {
    this.#options = options;
    this.#metrics = metrics;
    this.#select = {
      errorKey: options.errorKey ?? "mae",
      ...(options.defaultPipelines
        ? { defaultPipelines: options.defaultPipelines }
        : {}),
    };
  }

  /** The pipelines served now, by name (a new map after each change). */
  get pipelines(): ReadonlyMap<string, ServedPipeline> {
    return this.#pipelines;
  }

  /** Pipelines that failed to load, by folder or URL, with the reason. */
  get errors(): ReadonlyMap<string, string> {
    return this.#errors;
  }

  /** How models are ranked and which pipeline is the default. */
  get selectOptions(): SelectOptions {
    return this.#select;
  }

  /** The cached entry of `key`, made by `make` on a miss (4,096 at most). */
  cached(key: string, make: () => CacheEntry): CacheEntry {
    let v = this.#cache.get(key);
    if (v === undefined) {
      if (this.#cache.size >= 4096) this.#cache.clear();
      v = make();
      this.#cache.set(key, v);
    }
    return v;
  }

  /** The weight reply cached for a request body, if any. */
  reply(text: string): CacheEntry | undefined {
    return this.#replies.get(text);
  }

  /** Caches the weight reply of a request body (1,024 bodies at most). */
  keepReply(text: string, entry: CacheEntry): void {
    if (this.#replies.size >= 1024) this.#replies.clear();
    this.#replies.set(text, entry);
  }

  #changed(next: Map<string, ServedPipeline>): void {
    this.#pipelines = next;
    this.#cache.clear();
    this.#replies.clear();
  }

  #install(p: ServedPipeline): void {
    const next = new Map(this.#pipelines);
    next.set(p.name, p);
    this.#changed(next);
    this.#errors.delete(p.origin);
    this.#metrics.loaded("ok");
    this.#options.log?.(
      `serving pipeline ${p.name} from ${p.origin}: ${p.models.length} models (${
        p.sources.join(", ") || "no energy source"
      })${p.warnings.length ? `, ${p.warnings.length} skipped files` : ""}`,
    );
  }

  #failed(origin: string, error: unknown): void {
    const msg = (error as Error).message ?? String(error);
    this.#errors.set(origin, msg);
    this.#metrics.loaded("error");
    this.#options.log?.(`cannot load pipeline ${origin}: ${msg}`);
  }

  #drop(name: string, modelPath: string): void {
    const next = new Map(this.#pipelines);
    next.delete(name);
    this.#changed(next);
    this.#options.log?.(
      `pipeline ${name} is gone from ${modelPath}; no longer served`,
    );
  }

  async #loadDir(name: string): Promise<void> {
    const modelPath = this.#options.modelPath;
    if (modelPath === undefined || this.#closed) return;
    const current = this.#pipelines.get(name);
    if (current?.kind === "url") return; // a downloaded pipeline shadows it
    const dir = pipelineFolder(modelPath, name);
    const listed = (await listPipelineDirs(modelPath)).includes(name);
    if (!listed) {
      if (current !== undefined) this.#drop(name, modelPath);
      this.#errors.delete(dir);
      return;
    }
    try {
      const zipLimits = this.#options.download?.zipLimits;
      this.#install(
        await loadPipelineDir(dir, {
          name,
          ...(zipLimits ? { zipLimits } : {}),
        }),
      );
    } catch (error) {
      // keep serving what was loaded before
      this.#failed(dir, error);
    }
  }

  /** Downloads and serves a pipeline zip; a failure is recorded. */
  async loadUrl(url: string): Promise<void> {
    try {
      this.#install(await fetchPipeline(url, this.#options.download ?? {}));
    } catch (error) {
      this.#failed(url, error);
    }
  }

  /**
   * Reloads pipelines from MODEL_PATH: the named ones, or (without names)
   * every folder there, dropping those that are gone. Reloads run one
   * after the other.
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

  /** Stops loading folders (a reload in progress loads no more). */
  stop(): void {
    this.#closed = true;
  }

  /** Settles when the reloads asked so far are done. */
  async settled(): Promise<void> {
    await this.#reloading.catch(() => {});
  }
}
