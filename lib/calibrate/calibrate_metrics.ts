/**
 * The counters and gauges of a running calibrator, and their Prometheus
 * text exposition (format 0.0.4) for its `/metrics`.
 *
 * @module
 */

/** Labels of one error series. */
export interface ErrorLabels {
  /** Node type (the pipeline's number, or `new` before onboarding). */
  readonly nodeType: string;
  /** Energy source. */
  readonly source: string;
  /** Power component. */
  readonly component: string;
}

function escape(value: string): string {
  return value.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll(
    "\n",
    "\\n",
  );
}

function labels(l: Readonly<Record<string, string>>): string {
  const parts = Object.entries(l).map(([k, v]) => `${k}="${escape(v)}"`);
  return parts.length ? `{${parts.join(",")}}` : "";
}

function num(v: number): string {
  return Number.isNaN(v)
    ? "NaN"
    : v === Infinity
    ? "+Inf"
    : v === -Infinity
    ? "-Inf"
    : String(v);
}

/**
 * What a calibrator counts: the last and median error per node type,
 * source and component, cycles run and skipped, retrains by outcome,
 * excluded intervals, and the last publish time.
 *
 * @example
 * ```ts
 * import { CalibrateMetrics } from "./calibrate_metrics.ts";
 * import { ok as assert } from "node:assert/strict";
 * const m = new CalibrateMetrics();
 * m.setError({ nodeType: "0", source: "acpi", component: "platform" }, 3.5, 3);
 * m.count("retrains", "drift");
 * m.published(1_700_000_000);
 * const text = m.render();
 * assert(text.includes('kepler_calibrate_error{node_type="0",source="acpi",component="platform",unit="watts"} 3.5'));
 * assert(text.includes('kepler_calibrate_retrains_total{reason="drift"} 1'));
 * assert(text.includes("kepler_calibrate_last_publish_timestamp_seconds 1700000000"));
 * ```
 */
export class CalibrateMetrics {
  #unit: string;
  #errors = new Map<
    string,
    { labels: ErrorLabels; last: number; median: number }
  >();
  #counters = new Map<string, Map<string, number>>();
  #lastPublish = 0;
  #lastCycle = 0;
  #cycleSeconds = 0;

  /**
   * Creates the counters, all zero.
   *
   * @param unit `"watts"` or `"mape"`: the unit of the error gauges.
   */
  constructor(unit: "watts" | "mape" = "watts") {
    this.#unit = unit === "mape" ? "percent" : "watts";
  }

  /**
   * Sets the last cycle's error and the median over the window.
   *
   * @param l Node type, source and component.
   * @param last The last cycle's error.
   * @param median The median over the last `--window` cycles.
   */
  setError(l: ErrorLabels, last: number, median: number): void {
    this.#errors.set(`${l.nodeType}\0${l.source}\0${l.component}`, {
      labels: l,
      last,
      median,
    });
  }

  /**
   * Adds to a counter.
   *
   * @param name `cycles`, `skipped_cycles`, `retrains`, `rejections`,
   *   `publishes`, `excluded_intervals` or `onboardings`.
   * @param reason The `reason` label (`""`: none).
   * @param by The increment. Default 1.
   */
  count(name: CounterName, reason = "", by = 1): void {
    let m = this.#counters.get(name);
    if (!m) this.#counters.set(name, m = new Map());
    m.set(reason, (m.get(reason) ?? 0) + by);
  }

  /**
   * A counter's value.
   *
   * @param name The counter.
   * @param reason Its `reason` label (default: summed over reasons).
   * @returns The count.
   */
  value(name: CounterName, reason?: string): number {
    const m = this.#counters.get(name);
    if (!m) return 0;
    if (reason !== undefined) return m.get(reason) ?? 0;
    let s = 0;
    for (const v of m.values()) s += v;
    return s;
  }

  /**
   * Records a publish.
   *
   * @param time When, unix seconds.
   */
  published(time: number): void {
    this.#lastPublish = time;
  }

  /**
   * Records the end of a cycle.
   *
   * @param time When it ended, unix seconds.
   * @param seconds How long it took.
   */
  cycled(time: number, seconds: number): void {
    this.#lastCycle = time;
    this.#cycleSeconds = seconds;
  }

  /** The exposition. */
  render(): string {
    let out = "";
    const errors = [...this.#errors.values()].sort((a, b) =>
      JSON.stringify(a.labels) < JSON.stringify(b.labels) ? -1 : 1
    );
    for (
      const [name, pick, help] of [
        [
          "kepler_calibrate_error",
          (e: { last: number }) => e.last,
          "Error of the served model on the last window, per node type, source and component.",
        ],
        [
          "kepler_calibrate_error_median",
          (e: { median: number }) => e.median,
          "Median error over the last --window cycles, compared with --max-error.",
        ],
      ] as const
    ) {
      out += `# HELP ${name} ${help}\n# TYPE ${name} gauge\n`;
      for (const e of errors) {
        out += `${name}${
          labels({
            node_type: e.labels.nodeType,
            source: e.labels.source,
            component: e.labels.component,
            unit: this.#unit,
          })
        } ${num(pick(e))}\n`;
      }
    }
    for (const [name, help] of COUNTER_HELP) {
      const full = `kepler_calibrate_${name}_total`;
      out += `# HELP ${full} ${help}\n# TYPE ${full} counter\n`;
      const m = this.#counters.get(name);
      if (!m || m.size === 0) out += `${full} 0\n`;
      else {
        for (const [reason, v] of [...m.entries()].sort()) {
          out += `${full}${reason ? labels({ reason }) : ""} ${v}\n`;
        }
      }
    }
    out +=
      "# HELP kepler_calibrate_last_publish_timestamp_seconds Unix time of the last model published into MODEL_PATH (0: none yet).\n" +
      "# TYPE kepler_calibrate_last_publish_timestamp_seconds gauge\n" +
      `kepler_calibrate_last_publish_timestamp_seconds ${this.#lastPublish}\n` +
      "# HELP kepler_calibrate_last_cycle_timestamp_seconds Unix time the last cycle ended.\n" +
      "# TYPE kepler_calibrate_last_cycle_timestamp_seconds gauge\n" +
      `kepler_calibrate_last_cycle_timestamp_seconds ${this.#lastCycle}\n` +
      "# HELP kepler_calibrate_cycle_duration_seconds How long the last cycle took.\n" +
      "# TYPE kepler_calibrate_cycle_duration_seconds gauge\n" +
      `kepler_calibrate_cycle_duration_seconds ${num(this.#cycleSeconds)}\n`;
    return out;
  }
}

/** The counters of {@linkcode CalibrateMetrics}. */
export type CounterName =
  | "cycles"
  | "skipped_cycles"
  | "retrains"
  | "rejections"
  | "publishes"
  | "onboardings"
  | "excluded_intervals";

const COUNTER_HELP: readonly (readonly [CounterName, string])[] = [
  ["cycles", "Calibration cycles run."],
  [
    "skipped_cycles",
    "Cycles skipped, by reason (Prometheus down or slow, model server down, no data, ...).",
  ],
  ["retrains", "Candidate models trained, by reason (drift, onboard)."],
  [
    "rejections",
    "Candidates not published, by reason (not better, training failed).",
  ],
  ["publishes", "Models published into MODEL_PATH, by reason."],
  ["onboardings", "New node types onboarded."],
  [
    "excluded_intervals",
    "Node intervals excluded as data that cannot be true (broken meter), by reason.",
  ],
];
