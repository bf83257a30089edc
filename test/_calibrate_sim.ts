/**
 * A Prometheus stand-in on a simulated clock for calibrate's tests and
 * bench: simulated Kepler exporters (one per node, no timers) are advanced
 * and "scraped" every step; `fetchWindow` answers like `queryMetrics` from
 * the samples kept (older than `horizon` seconds are dropped, so memory
 * stays bounded).
 */
import { type ExporterDrift, KeplerExporter } from "../lib/simulate/mod.ts";
import type { PromSeries, QueryResult } from "../lib/query/format.ts";

/** Options of {@linkcode SimulatedCluster}. */
export interface SimulatedClusterOptions {
  /** Nodes. Default 1. */
  nodes?: number;
  /** Containers per node. Default 4. */
  containers?: number;
  /** Scrape and sample step, s. Default 1. */
  step?: number;
  /** Plan period, s (short: every window sees several loads). Default 60. */
  duration?: number;
  /** Noise, W. Default 0.5. */
  noise?: number;
  /** Start, unix s. Default 1_700_000_000. */
  start?: number;
  /** Drift of every node. Default none. */
  drift?: ExporterDrift;
  /** Seconds of samples kept. Default 600. */
  horizon?: number;
  /** Per node: seconds added to its sample times (clock skew). Default 0. */
  skew?: (node: number) => number;
  /**
   * Changes a scraped value (a broken meter): metric, labels, time, value
   * → value. Default: none.
   */
  tamper?: (
    metric: string,
    labels: Readonly<Record<string, string>>,
    t: number,
    value: number,
  ) => number;
}

interface Stored {
  metric: Record<string, string>;
  values: [number, string][];
}

/** Simulated nodes and a store of their scrapes. */
export class SimulatedCluster {
  readonly exporters: KeplerExporter[];
  readonly step: number;
  now: number;
  #series = new Map<string, Map<string, Stored>>();
  #horizon: number;
  #skew: (node: number) => number;
  #tamper: SimulatedClusterOptions["tamper"];

  constructor(options: SimulatedClusterOptions = {}) {
    const start = options.start ?? 1_700_000_000;
    this.step = options.step ?? 1;
    this.now = start;
    this.#horizon = options.horizon ?? 600;
    this.#skew = options.skew ?? (() => 0);
    this.#tamper = options.tamper;
    this.exporters = Array.from(
      { length: options.nodes ?? 1 },
      (_, i) =>
        new KeplerExporter({
          start,
          step: this.step,
          duration: options.duration ?? 60,
          containers: options.containers ?? 4,
          noise: options.noise ?? 0.5,
          seed: 1 + i,
          instance: `sim-node-${i}`,
          autoAdvance: false,
          ...(options.drift ? { drift: options.drift } : {}),
        }),
    );
  }

  /** Advances to `to`, scraping every step. */
  advanceTo(to: number): void {
    while (this.now + this.step <= to + 1e-9) {
      this.now += this.step;
      this.exporters.forEach((e, i) => {
        e.advance(this.now);
        this.#scrape(e.exposition(), this.now + this.#skew(i), `sim-node-${i}`);
      });
    }
    const oldest = this.now - this.#horizon;
    for (const byKey of this.#series.values()) {
      for (const [key, s] of byKey) {
        let k = 0;
        while (k < s.values.length && s.values[k]![0] < oldest) k++;
        if (k > 0) s.values.splice(0, k);
        if (s.values.length === 0) byKey.delete(key);
      }
    }
  }

  /** As Prometheus scrapes a target: its `instance` label on every series. */
  #scrape(text: string, t: number, target: string): void {
    for (const line of text.split("\n")) {
      if (line === "" || line.startsWith("#")) continue;
      const brace = line.indexOf("{");
      const close = line.lastIndexOf("}");
      const name = brace < 0 ? line.split(" ")[0]! : line.slice(0, brace);
      const labelText = brace < 0 ? "" : line.slice(brace + 1, close);
      const value = line.slice(brace < 0 ? name.length : close + 1).trim();
      let byKey = this.#series.get(name);
      if (!byKey) this.#series.set(name, byKey = new Map());
      const key = `${target}\u0000${labelText}`;
      let s = byKey.get(key);
      if (!s) {
        const metric: Record<string, string> = { __name__: name };
        for (const m of labelText.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
          metric[m[1]! === "instance" ? "exported_instance" : m[1]!] = m[2]!;
        }
        metric.instance = target;
        byKey.set(key, s = { metric, values: [] });
      }
      s.values.push([
        t,
        this.#tamper
          ? String(this.#tamper(name, s.metric, t, Number(value)))
          : value,
      ]);
    }
  }

  /** Answers as `queryMetrics` would, over `[start, end]`. */
  fetchWindow = (
    metrics: readonly string[],
    start: number,
    end: number,
  ): Promise<QueryResult> => {
    const out: QueryResult = {};
    for (const m of metrics) {
      const series: PromSeries[] = [];
      for (const s of this.#series.get(m)?.values() ?? []) {
        const values = s.values.filter(([t]) => t >= start && t <= end);
        if (values.length > 0) series.push({ metric: s.metric, values });
      }
      out[m] = series;
    }
    return Promise.resolve(out);
  };
}
