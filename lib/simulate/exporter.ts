/**
 * A live simulated Kepler: an HTTP server (Deno.serve) that serves Kepler
 * v0.7's Prometheus text exposition on `/metrics` and advances every
 * counter once per sample period in real time, running the workload plan
 * in a loop. Point a Prometheus at it to collect data like from a cluster.
 *
 * @module
 */
import { advanceNode, createNodeEngine, setEnginePlan } from "./_engine.ts";
import type {
  IntervalResult,
  KeplerNaming,
  NodeEngine,
  SimulatedSource,
} from "./_engine.ts";
import { DEFAULT_NODE_MODEL, scaleNodeModel } from "./node_model.ts";
import { defaultStressContainers } from "./simulate.ts";
import type { NodeModel } from "./node_model.ts";
import { formatLabels } from "./open_metrics.ts";
import {
  MIXED_KINDS,
  STRESS_KINDS,
  type StressKind,
  workloadPlan,
} from "./workload_plan.ts";
import type { WorkloadPhase } from "./workload_plan.ts";

/** Options of {@linkcode KeplerExporter}. */
export interface KeplerExporterOptions {
  /** Address to bind. Default: `"127.0.0.1"`. */
  hostname?: string;
  /** Port to bind; 0 picks a free one. Default: 9102 (Kepler's manifests). */
  port?: number;
  /** Sample period, seconds. Default: 3. */
  step?: number;
  /** Length of the workload plan, which then repeats, seconds. Default: 3600. */
  duration?: number;
  /** Application containers (stress workers included). Default: 50. */
  containers?: number;
  /** Stress-ng worker containers. Default: min(4, max(1, ⌊containers / 2⌋)). */
  stressContainers?: number;
  /** Seed; other than 1 it also draws the workload plan (as `simulate`). Default: 1. */
  seed?: number;
  /** Energy sources. Default: `["rapl-sysfs", "acpi"]`. */
  sources?: readonly SimulatedSource[];
  /** Noise standard deviation, W. Default: 2. */
  noise?: number;
  /** Kepler naming version. Default: `"v0.7.12"`. */
  naming?: KeplerNaming;
  /** Node model. Default: the default node. */
  model?: NodeModel;
  /** Node name (Kepler's `instance` label). Default: `"sim-node-0"`. */
  instance?: string;
  /** Time the plan starts, unix seconds. Default: the construction time. */
  start?: number;
  /** Advance on a timer every `step` seconds while serving. Default: true. */
  autoAdvance?: boolean;
  /**
   * A drift: from `at` seconds after the start on, the node's idle power
   * and power coefficients are multiplied by `factor` (new firmware, a
   * migrated VM...), or a new workload class appears. Default: none.
   */
  drift?: ExporterDrift;
}

/**
 * A change of the simulated node at a given time: its power (`factor`) or
 * its workload (`workload`: a class it never ran before appears).
 */
export interface ExporterDrift {
  /** Seconds after the start when the node changes. */
  readonly at: number;
  /** Factor on idle power and every power coefficient (> 0; 1: none). */
  readonly factor: number;
  /**
   * A new workload class: until `at` the plan runs every other stress kind
   * (and no `mixed` load that contains it), from `at` on it runs this one,
   * at every level.
   *
   * @default {undefined} the workload does not change
   */
  readonly workload?: StressKind;
}

/** The stress kinds of the plan before a workload drift to `kind`. */
function kindsWithout(kind: StressKind): StressKind[] {
  const inMixed = (MIXED_KINDS as readonly string[]).includes(kind);
  return STRESS_KINDS.filter((k) => k !== kind && !(k === "mixed" && inMixed));
}

/**
 * Formats series as Prometheus text exposition (format 0.0.4): `# HELP` and
 * `# TYPE` once per metric, then its samples.
 *
 * @example
 * ```ts
 * import { formatExposition } from "./exporter.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(
 *   formatExposition([{ name: "a_total", labels: { x: "1" }, type: "counter", help: "A.", value: 2 }]),
 *   '# HELP a_total A.\n# TYPE a_total counter\na_total{x="1"} 2\n',
 * );
 * ```
 */
export function formatExposition(
  samples: Iterable<{
    name: string;
    labels: Record<string, string>;
    type: string;
    help: string;
    value: number;
  }>,
): string {
  const byName = new Map<string, string[]>();
  const meta = new Map<string, string>();
  for (const s of samples) {
    let lines = byName.get(s.name);
    if (!lines) {
      byName.set(s.name, lines = []);
      meta.set(
        s.name,
        `# HELP ${s.name} ${s.help}\n# TYPE ${s.name} ${s.type}\n`,
      );
    }
    lines.push(`${s.name}${formatLabels(s.labels)} ${s.value}\n`);
  }
  let out = "";
  for (const name of [...byName.keys()].sort()) {
    out += meta.get(name)! + byName.get(name)!.join("");
  }
  return out;
}

/**
 * A simulated Kepler exporter (one node). `advance()` moves the counters to
 * a time; `serve()` binds the HTTP server and, unless `autoAdvance` is
 * false, advances every `step` seconds. Kepler types every metric as a
 * counter; here `kepler_node_info` is a gauge so that `promtool check
 * metrics` accepts it (its value is always 1).
 *
 * @example
 * ```ts
 * import { KeplerExporter } from "./exporter.ts";
 * import { ok as assert } from "node:assert/strict";
 * const exporter = new KeplerExporter({ start: 1_700_000_000, containers: 2, autoAdvance: false });
 * exporter.advance(1_700_000_003);
 * const text = exporter.exposition();
 * assert(text.includes('kepler_node_package_joules_total{instance="sim-node-0",mode="idle",package="0",source="rapl-sysfs"}'));
 * ```
 */
export class KeplerExporter {
  #engine: NodeEngine;
  #options: KeplerExporterOptions;
  #last: number;
  #step: number;
  #timer: ReturnType<typeof setInterval> | undefined;
  #server: Deno.HttpServer<Deno.NetAddr> | undefined;
  #lastResult: IntervalResult | undefined;
  #driftAt: number;
  #drifted: NodeModel | undefined;
  #driftPlan: WorkloadPhase[] | undefined;

  /**
   * Creates the exporter; counters start as after a day of uptime.
   *
   * @param options The node model, start time, step, plan period,
   *   containers, sources, naming, seed, noise and where to listen; empty
   *   simulates 50 containers from now, a sample every 3 s, on
   *   127.0.0.1:9102.
   * @throws {RangeError} when the step is not positive, the duration is
   *   shorter than two steps, `containers` is not an integer ≥ 1, or the
   *   drift's factor is not a finite number > 0.
   */
  constructor(options: KeplerExporterOptions = {}) {
    this.#options = options;
    const step = options.step ?? 3;
    const duration = options.duration ?? 3600;
    if (!(step > 0) || !(duration >= 2 * step)) {
      throw new RangeError(
        `Cannot create the exporter: step ${step} must be > 0 and duration ${duration} at least two steps`,
      );
    }
    const containers = options.containers ?? 50;
    if (!Number.isInteger(containers) || containers < 1) {
      throw new RangeError(
        `Cannot create the exporter: containers must be an integer ≥ 1, got ${containers}`,
      );
    }
    const model = options.model ?? DEFAULT_NODE_MODEL;
    const start = options.start ?? Date.now() / 1000;
    const seed = options.seed ?? 1;
    const planOf = (kinds?: readonly StressKind[]) =>
      workloadPlan(start, duration, {
        cores: model.spec.cores,
        maxFrequency: model.spec.frequency,
        ...(seed === 1 ? {} : { seed }), // as simulate(): seed 1 is canonical
        ...(kinds ? { kinds } : {}),
      });
    const newKind = options.drift?.workload;
    const plan: WorkloadPhase[] = planOf(
      newKind === undefined ? undefined : kindsWithout(newKind),
    );
    this.#driftPlan = newKind === undefined ? undefined : planOf([newKind]);
    this.#step = step;
    this.#last = start;
    this.#driftAt = options.drift ? start + options.drift.at : Infinity;
    this.#drifted = options.drift
      ? scaleNodeModel(model, options.drift.factor)
      : undefined;
    this.#engine = createNodeEngine({
      model,
      instance: options.instance ?? "sim-node-0",
      nodeIndex: 0,
      seed,
      containers,
      stressContainers: options.stressContainers ??
        defaultStressContainers(containers),
      noise: options.noise ?? 2,
      sources: options.sources ?? ["rapl-sysfs", "acpi"],
      naming: options.naming ?? "v0.7.12",
      plan,
      planPeriod: duration,
      planStart: start,
      uptime: 86400,
    });
  }

  /** The workload plan (one period; it repeats). */
  get plan(): readonly WorkloadPhase[] {
    return this.#engine.config.plan;
  }

  /** Unix time the counters are at. */
  get time(): number {
    return this.#last;
  }

  /** True and measured power of the last interval, if any. */
  get lastInterval(): IntervalResult | undefined {
    return this.#lastResult;
  }

  /**
   * Advances the counters by every whole sample period up to `to` (unix
   * seconds; default now), as Kepler updates them once per period. Returns
   * the number of periods advanced.
   *
   * @param to The time to advance to, unix seconds; a time before the next
   *   period's end advances nothing.
   * @returns The periods advanced, 0 or more.
   */
  advance(to: number = Date.now() / 1000): number {
    let periods = 0;
    while (to - this.#last >= this.#step - 1e-6) {
      const next = this.#last + this.#step;
      if (this.#drifted !== undefined && next > this.#driftAt) {
        this.#engine.config.model = this.#drifted; // the node changed
        this.#drifted = undefined;
        if (this.#driftPlan) setEnginePlan(this.#engine, this.#driftPlan);
      }
      this.#lastResult = advanceNode(this.#engine, this.#last, next);
      this.#last = next;
      periods++;
    }
    return periods;
  }

  /** The current Kepler v0.7 text exposition. */
  exposition(): string {
    const { series, counters } = this.#engine;
    return formatExposition(series.map((s) => {
      const v = counters[s.slot]!;
      return {
        name: s.name,
        labels: s.labels,
        type: s.type,
        help: s.help,
        value: s.scale < 1 ? v / Math.round(1 / s.scale) : v * s.scale,
      };
    }));
  }

  /** Starts the HTTP server; resolves with the bound address. */
  serve(): Promise<Deno.NetAddr> {
    if (this.#server) return Promise.resolve(this.#server.addr);
    const hostname = this.#options.hostname ?? "127.0.0.1";
    const port = this.#options.port ?? 9102;
    return new Promise((resolve, reject) => {
      try {
        this.#server = Deno.serve({
          hostname,
          port,
          onListen: (addr) => resolve(addr as Deno.NetAddr),
        }, (request) => this.#handle(request));
      } catch (error) {
        reject(
          new Error(
            `Cannot serve the simulated Kepler on ${hostname}:${port}: ${
              (error as Error).message
            }`,
            { cause: error },
          ),
        );
        return;
      }
      if (this.#options.autoAdvance ?? true) {
        this.#timer = setInterval(() => this.advance(), this.#step * 1000);
      }
    });
  }

  #handle(request: Request): Response {
    const path = new URL(request.url).pathname;
    if (path === "/metrics") {
      // Catch up to the scrape's time first: a timer starved by a busy
      // machine would otherwise serve counters some periods behind, and
      // rates read from the scrape timestamps would come out low.
      if (this.#options.autoAdvance ?? true) this.advance();
      return new Response(this.exposition(), {
        headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8" },
      });
    }
    if (path === "/") {
      return new Response(
        '<html><body><h1>Simulated Kepler</h1><a href="/metrics">metrics</a></body></html>',
        { headers: { "content-type": "text/html" } },
      );
    }
    return new Response("not found\n", { status: 404 });
  }

  /** A promise that settles when the server has stopped. */
  get finished(): Promise<void> {
    return this.#server?.finished ?? Promise.resolve();
  }

  /** Stops the timer and the server. Idempotent. */
  async close(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    const server = this.#server;
    this.#server = undefined;
    if (server) await server.shutdown();
  }

  /** Same as `close()`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
