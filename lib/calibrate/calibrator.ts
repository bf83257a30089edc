/**
 * The calibrator: every period it reads the last window of Kepler data,
 * estimates each metered node's power with the model `serve` would hand
 * out for it (serve's own selection and estimator), records the error per
 * node type, source and component, and when the median error over the
 * last `window` cycles exceeds the bound it trains a candidate on a
 * bounded reservoir of windows, validates it on the newest rows it did not
 * train on, and publishes it into MODEL_PATH only when it beats the
 * current model there. A node type with no model yet is onboarded the same
 * way, with a validation report.
 *
 * Why each retrain happened, and why a candidate was published or
 * rejected, goes to `onDecision` (the CLI writes it as JSON lines).
 *
 * @module
 */
import { join } from "node:path";
import type { QueryResult } from "../query/format.ts";
import {
  type MetricSeries,
  type QueryData,
  queryDataFrom,
} from "../extract/read_query.ts";
import { extract } from "../extract/extract.ts";
import { type Frame, takeRows } from "../extract/frame.ts";
import { concatNodeFrames } from "../extract/concat.ts";
import { specFromNodeInfo } from "../extract/machine_spec_of.ts";
import type { ExclusionReport } from "../extract/data_checks.ts";
import { trainFromFrame } from "../train/train_from_data.ts";
import { pipelineFolder } from "../pipeline/list_pipelines.ts";
import { formatPipelineTime } from "../pipeline/pipeline_metadata.ts";
import {
  readExistingPipeline,
  writePipelineFiles,
} from "../pipeline/write_pipeline.ts";
import { loadPipelineDir } from "../serve/pipeline_catalog.ts";
import type { ServedPipeline } from "../serve/pipeline_catalog.ts";
import { selectModel } from "../serve/select_model.ts";
import { estimatePower } from "../serve/estimate_power.ts";
import type { PowerRequest } from "../serve/power_request.ts";
import {
  type Component,
  type EnergySource,
  type ErrorKey,
  type FeatureGroup,
  type MachineSpec,
  SOURCE_COMPONENTS,
  type TrainerName,
} from "../types.ts";
import { featureGroupFeatures } from "../vocabulary/features.ts";
import {
  featureMetric,
  NODE_INFO_METRIC,
  powerMetric,
} from "../vocabulary/metric_names.ts";
import { writeJsonFile } from "../io/json.ts";
import { errorOf, type MaxError, median } from "./max_error.ts";
import {
  WindowReservoir,
  type WindowReservoirOptions,
} from "./window_reservoir.ts";
import { CalibrateMetrics } from "./calibrate_metrics.ts";
import { publishCandidate, stagePipeline } from "./publish_candidate.ts";

/** Trainers of a candidate by default: they fit the saturating power curves. */
export const DEFAULT_TRAINERS: readonly TrainerName[] = [
  "GradientBoostingRegressorTrainer",
];

/** One line of the decision log. */
export interface Decision {
  /** Unix time of the cycle's window end. */
  time: number;
  /** The cycle number. */
  cycle: number;
  /** Node type label (`new` before onboarding). */
  node_type: string;
  /**
   * `skip` (cycle skipped), `wait` (error high but too few rows),
   * `retrain` / `onboard` (a candidate is trained), `publish`, `reject`.
   */
  action: "skip" | "wait" | "retrain" | "onboard" | "publish" | "reject";
  /** Why, in words. */
  reason: string;
  /** Median error per `source/component` that triggered it. */
  errors?: Record<string, number>;
  /** The current model's error on the holdout rows. */
  current?: number;
  /** The candidate's error on the holdout rows. */
  candidate?: number;
  /** Rows trained on. */
  train_rows?: number;
  /** Holdout rows validated on. */
  holdout_rows?: number;
  /** The model published (pipeline/model). */
  model?: string;
  /** The validation report written (onboarding). */
  report?: string;
}

/** Options of {@linkcode Calibrator}. */
export interface CalibratorOptions {
  /** MODEL_PATH: where the served pipeline is read and published. */
  modelPath: string;
  /** Folder for staging candidates and validation reports. */
  stateDir: string;
  /**
   * Reads the Kepler metrics named over `[start, end]` (unix seconds) from
   * Prometheus (the CLI: `queryMetrics`).
   */
  fetchWindow(
    metrics: readonly string[],
    start: number,
    end: number,
  ): Promise<QueryResult>;
  /**
   * The pipeline calibrated (and served for these nodes).
   *
   * @default {"calibrated"}
   */
  pipelineName?: string;
  /**
   * Metered energy sources.
   *
   * @default {["rapl-sysfs", "acpi"]}
   */
  sources?: readonly EnergySource[];
  /**
   * Feature group of the models.
   *
   * @default {"Basic"}
   */
  featureGroup?: FeatureGroup;
  /**
   * Trainers of a candidate.
   *
   * @default {["GradientBoostingRegressorTrainer"]}
   */
  trainers?: readonly TrainerName[];
  /**
   * Seconds between cycles (each reads the last period).
   *
   * @default {60}
   */
  period?: number;
  /**
   * Cycles whose median error is compared with the bound.
   *
   * @default {5}
   */
  window?: number;
  /**
   * The error bound.
   *
   * @default {{ kind: "watts", value: 2 }}
   */
  maxError?: MaxError;
  /**
   * Fewest rows a candidate trains on (its holdout not counted).
   *
   * @default {30}
   */
  minTrainRows?: number;
  /**
   * Share of the newest rows held out to validate a candidate.
   *
   * @default {0.25}
   */
  holdoutFraction?: number;
  /**
   * How many windows the reservoir of each node type keeps.
   *
   * @default {{ recent: 60, past: 60 }}
   */
  reservoir?: WindowReservoirOptions;
  /**
   * ERROR_KEY ranking the models (as serve's).
   *
   * @default {"mae"}
   */
  errorKey?: ErrorKey;
  /**
   * Query step, seconds (the window starts one step early, so its first
   * interval has a rate).
   *
   * @default {3}
   */
  step?: number;
  /**
   * Receives each decision.
   *
   * @default {undefined} none
   */
  onDecision?: (decision: Decision) => void;
  /**
   * Where the counters go.
   *
   * @default {undefined} a new {@linkcode CalibrateMetrics}
   */
  metrics?: CalibrateMetrics;
  /**
   * Runs inside a publish, after the copy and before the swap (fault
   * tests).
   *
   * @default {undefined} none
   */
  beforeSwap?: () => Promise<void>;
}

/** What one cycle did. */
export interface CycleReport {
  /** The cycle number. */
  cycle: number;
  /** Why it was skipped, if it was. */
  skipped?: string;
  /** Metered nodes seen. */
  nodes: number;
  /** Last error per `nodeType/source/component`. */
  errors: Record<string, number>;
  /** The decisions taken. */
  decisions: Decision[];
}

/** A node type's state. */
interface NodeState {
  spec: MachineSpec;
  id: string;
  label: string;
  /** Per `source/component`: the last errors, with their cycle. */
  history: Map<string, { seq: number; error: number }[]>;
  reservoir: WindowReservoir<Map<EnergySource, Frame>>;
  /** First cycle of the current run of high errors. */
  riseSeq: number | undefined;
  /** No decision before this cycle (after a publish or rejection). */
  quietUntil: number;
}

/** One node type's rows of a window, per source. */
type Rows = Map<EnergySource, Frame>;

/** Training and holdout rows of a candidate. */
interface Split {
  train: Rows;
  holdout: Rows;
  trainRows: number;
  holdoutRows: number;
}

function specKey(spec: MachineSpec): string {
  return [spec.processor, spec.cores, spec.chips, spec.memory, spec.frequency]
    .join("|");
}

/** The series of one instance only. */
function instanceQuery(query: QueryData, instance: string): QueryData {
  const metrics = new Map<string, readonly MetricSeries[]>();
  for (const [name, series] of query.metrics) {
    metrics.set(name, series.filter((s) => s.labels.instance === instance));
  }
  return { origin: `${query.origin} (${instance})`, metrics };
}

function rowsOf(frame: Frame, instances: ReadonlySet<string>): Uint32Array {
  const keep: number[] = [];
  for (let i = 0; i < frame.length; i++) {
    if (instances.has(frame.instances[frame.instance[i]!]!)) keep.push(i);
  }
  return Uint32Array.from(keep);
}

/**
 * A calibrator; `cycle()` runs one period's work. State (error history,
 * reservoirs) lives in memory.
 *
 * @example
 * ```ts
 * import { Calibrator } from "./calibrator.ts";
 * import { queryResult, simulate } from "../simulate/mod.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const sim = queryResult(simulate({ start: 1_700_000_000, duration: 600, step: 3, containers: 4, noise: 0.5 }));
 * const models = await Deno.makeTempDir();
 * const cal = new Calibrator({
 *   modelPath: models, stateDir: `${models}/.calibrate`, period: 60, window: 3, minTrainRows: 30,
 *   sources: ["acpi"], maxError: { kind: "watts", value: 50 },
 *   fetchWindow: (_metrics, start, end) => Promise.resolve(Object.fromEntries(
 *     Object.entries(sim).map(([m, series]) => [m, series.map((s) => ({ ...s,
 *       values: s.values.filter(([t]) => Number(t) >= start && Number(t) <= end) }))]))),
 * });
 * const actions: string[] = [];
 * for (let t = 1_700_000_060; t <= 1_700_000_600; t += 60) {
 *   const r = await cal.cycle(t);
 *   actions.push(...r.decisions.map((d) => d.action));
 * }
 * assertEquals(actions.filter((a) => a === "publish").length, 1); // onboarded once
 * assertEquals(cal.metrics.value("onboardings"), 1);
 * await Deno.remove(models, { recursive: true });
 * ```
 */
export class Calibrator {
  /** The counters (served on the CLI's `/metrics`). */
  readonly metrics: CalibrateMetrics;
  #o: CalibratorOptions;
  #name: string;
  #sources: readonly EnergySource[];
  #group: FeatureGroup;
  #period: number;
  #window: number;
  #maxError: MaxError;
  #seq = 0;
  #nodes = new Map<string, NodeState>();
  #pipeline: ServedPipeline | undefined;
  #pipelineReal: string | undefined;

  /**
   * @param options Where models live, how data is read, and the bounds.
   * @throws {RangeError} when the period, window or row counts are not
   *   positive.
   */
  constructor(options: CalibratorOptions) {
    this.#o = options;
    this.#name = options.pipelineName ?? "calibrated";
    this.#sources = options.sources ?? ["rapl-sysfs", "acpi"];
    this.#group = options.featureGroup ?? "Basic";
    this.#period = options.period ?? 60;
    this.#window = options.window ?? 5;
    this.#maxError = options.maxError ?? { kind: "watts", value: 2 };
    if (
      !(this.#period > 0) || !Number.isInteger(this.#window) || this.#window < 1
    ) {
      throw new RangeError(
        `Invalid calibration: period ${this.#period} must be > 0 and window ${this.#window} an integer ≥ 1`,
      );
    }
    this.metrics = options.metrics ?? new CalibrateMetrics(this.#maxError.kind);
  }

  /** The Kepler metrics a cycle reads. */
  get queriedMetrics(): string[] {
    const out = new Set<string>([NODE_INFO_METRIC]);
    for (const f of featureGroupFeatures(this.#group)) {
      out.add(featureMetric(f, "container"));
    }
    for (const s of this.#sources) {
      for (const c of SOURCE_COMPONENTS[s]) out.add(powerMetric(c));
    }
    return [...out];
  }

  /** The served pipeline, reloaded when a new generation was published. */
  async #current(): Promise<ServedPipeline | undefined> {
    const dir = pipelineFolder(this.#o.modelPath, this.#name);
    let real: string | undefined;
    try {
      real = await Deno.realPath(dir);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    if (real === undefined) return this.#pipeline = undefined;
    if (real !== this.#pipelineReal || this.#pipeline === undefined) {
      this.#pipeline = await loadPipelineDir(dir, { name: this.#name });
      this.#pipelineReal = real;
    }
    return this.#pipeline;
  }

  #decide(decision: Decision, report: CycleReport): void {
    report.decisions.push(decision);
    this.#o.onDecision?.(decision);
  }

  /**
   * Runs one cycle for the window ending at `now`.
   *
   * @param now The window's end, unix seconds. Default: now.
   * @returns What was measured and decided.
   */
  async cycle(now: number = Date.now() / 1000): Promise<CycleReport> {
    const started = performance.now();
    const seq = ++this.#seq;
    const report: CycleReport = {
      cycle: seq,
      nodes: 0,
      errors: {},
      decisions: [],
    };
    this.metrics.count("cycles");
    try {
      await this.#run(now, seq, report);
    } finally {
      this.metrics.cycled(now, (performance.now() - started) / 1000);
    }
    return report;
  }

  #skip(
    now: number,
    seq: number,
    report: CycleReport,
    reason: string,
    why: string,
  ) {
    report.skipped = why;
    this.metrics.count("skipped_cycles", reason);
    this.#decide({
      time: now,
      cycle: seq,
      node_type: "",
      action: "skip",
      reason: why,
    }, report);
  }

  async #run(now: number, seq: number, report: CycleReport): Promise<void> {
    const step = this.#o.step ?? 3;
    let result: QueryResult;
    try {
      result = await this.#o.fetchWindow(
        this.queriedMetrics,
        now - this.#period - step,
        now,
      );
    } catch (error) {
      return this.#skip(
        now,
        seq,
        report,
        "prometheus",
        `cannot read Prometheus: ${(error as Error).message}`,
      );
    }
    const query = queryDataFrom(result, { origin: "Prometheus window" });
    const byType = this.#nodeTypes(query);
    if (byType.size === 0) {
      return this.#skip(
        now,
        seq,
        report,
        "no_nodes",
        "no metered node with kepler_node_info in the window",
      );
    }
    const pipeline = await this.#current();
    const frames = new Map<EnergySource, Frame>();
    for (const source of this.#sources) {
      try {
        frames.set(
          source,
          extract(query, this.#group, {
            source,
            level: "node",
            maxExcludedFraction: 1,
            onExcluded: (r) => this.#countExcluded(r),
          }),
        );
      } catch {
        // this source has no usable data in the window
      }
    }
    if (frames.size === 0) {
      return this.#skip(
        now,
        seq,
        report,
        "no_data",
        "no usable power or feature data in the window",
      );
    }
    for (const [key, { spec, id, instances }] of byType) {
      report.nodes += instances.size;
      const state = this.#state(key, spec, id, pipeline);
      const rows: Rows = new Map();
      for (const [source, frame] of frames) {
        const sub = takeRows(frame, rowsOf(frame, instances));
        if (sub.length > 0) rows.set(source, sub);
      }
      if (rows.size === 0) continue;
      state.reservoir.add(seq, rows);
      const errs = await this.#errors(pipeline, state, rows);
      if (errs === undefined) {
        await this.#onboard(now, seq, state, report);
        continue;
      }
      this.#record(seq, state, errs, report);
      await this.#maybeRetrain(now, seq, state, report);
    }
  }

  #countExcluded(r: ExclusionReport): void {
    for (const [reason, n] of Object.entries(r.counts)) {
      if (n > 0) this.metrics.count("excluded_intervals", reason, n);
    }
    if (r.resets > 0) {
      this.metrics.count("excluded_intervals", "counter_reset", r.resets);
    }
  }

  /** Metered node types of the window: spec key → spec and instances. */
  #nodeTypes(query: QueryData) {
    const out = new Map<
      string,
      { spec: MachineSpec; id: string; instances: Set<string> }
    >();
    const infos = query.metrics.get(NODE_INFO_METRIC) ?? [];
    const instances = new Set(infos.map((s) => s.labels.instance ?? ""));
    for (const instance of instances) {
      const found = specFromNodeInfo(instanceQuery(query, instance));
      if (found === undefined) continue;
      const key = specKey(found.spec);
      const entry = out.get(key) ??
        { spec: found.spec, id: instance, instances: new Set() };
      entry.instances.add(instance);
      out.set(key, entry);
    }
    return out;
  }

  #state(
    key: string,
    spec: MachineSpec,
    id: string,
    pipeline: ServedPipeline | undefined,
  ): NodeState {
    let s = this.#nodes.get(key);
    if (!s) {
      s = {
        spec,
        id,
        label: "new",
        history: new Map(),
        reservoir: new WindowReservoir(this.#o.reservoir),
        riseSeq: undefined,
        quietUntil: 0,
      };
      this.#nodes.set(key, s);
    }
    const selection = pipeline &&
      this.#select(
        new Map([[pipeline.name, pipeline]]),
        this.#sources[0]!,
        spec,
      );
    if (selection) s.label = String(selection.model.nodeType);
    return s;
  }

  #select(
    pipelines: ReadonlyMap<string, ServedPipeline>,
    source: EnergySource,
    spec: MachineSpec,
  ) {
    return selectModel(pipelines, {
      source,
      outputType: "AbsPower",
      machineSpec: spec,
      looseNodeType: false,
      featureGroup: this.#group,
      pipelineName: this.#name,
      need: "estimate",
    }, { errorKey: this.#o.errorKey ?? "mae" });
  }

  /**
   * The error of the model serve hands out for this node type, per
   * `source/component`; undefined when it has none (onboarding).
   */
  async #errors(
    pipeline: ServedPipeline | undefined,
    state: NodeState,
    rows: Rows,
  ): Promise<Map<string, number> | undefined> {
    if (pipeline === undefined) return undefined;
    const out = new Map<string, number>();
    const pipelines = new Map([[pipeline.name, pipeline]]);
    for (const [source, frame] of rows) {
      const selection = this.#select(pipelines, source, state.spec);
      if (selection === undefined) return undefined;
      const e = await this.#frameErrors(selection.model, frame);
      for (const [c, v] of e) out.set(`${source}/${c}`, v);
    }
    return out;
  }

  async #frameErrors(
    model: Parameters<typeof estimatePower>[0],
    frame: Frame,
  ): Promise<Map<Component, number>> {
    const request: PowerRequest = {
      metrics: [...frame.featureNames],
      columns: frame.featureNames.map((f) => frame.features[f]!),
      rows: frame.length,
      outputType: "AbsPower",
      source: frame.source,
      systemFeatures: [],
      systemValues: [],
      trainerName: "",
      filters: [],
      nodeType: -1,
      pipelineName: this.#name,
      intervals: false,
    };
    const estimate = await estimatePower(model, request);
    const out = new Map<Component, number>();
    for (const c of frame.components) {
      const predicted = estimate.powers[c];
      const measured = frame.power[c];
      if (predicted === undefined || measured === undefined) continue;
      out.set(c, errorOf(this.#maxError.kind, predicted, measured));
    }
    return out;
  }

  #record(
    seq: number,
    state: NodeState,
    errs: Map<string, number>,
    report: CycleReport,
  ) {
    for (const [key, error] of errs) {
      const h = state.history.get(key) ?? [];
      h.push({ seq, error });
      while (h.length > this.#window) h.shift();
      state.history.set(key, h);
      const [source, component] = key.split("/") as [string, string];
      this.metrics.setError(
        { nodeType: state.label, source, component },
        error,
        median(h.map((x) => x.error)),
      );
      report.errors[`${state.label}/${key}`] = error;
    }
    const over = this.#over(state);
    if (over === undefined) state.riseSeq = undefined;
    else if (state.riseSeq === undefined) {
      // the rise: the first high cycle of the window that went over
      let first = seq;
      for (const [key, h] of state.history) {
        if (!(key in over)) continue;
        for (const x of h) {
          if (x.error > this.#maxError.value) first = Math.min(first, x.seq);
        }
      }
      state.riseSeq = first;
    }
  }

  /** Median errors above the bound, when the window is full. */
  #over(state: NodeState): Record<string, number> | undefined {
    const over: Record<string, number> = {};
    let any = false;
    for (const [key, h] of state.history) {
      if (h.length < this.#window) continue;
      const m = median(h.map((x) => x.error));
      if (m > this.#maxError.value) {
        over[key] = m;
        any = true;
      }
    }
    return any ? over : undefined;
  }

  async #maybeRetrain(
    now: number,
    seq: number,
    state: NodeState,
    report: CycleReport,
  ) {
    if (seq < state.quietUntil) return;
    const over = this.#over(state);
    if (over === undefined) return;
    // the machine changed at the start of the high errors: older windows describe another machine
    const since = state.riseSeq ?? seq;
    const windows = state.reservoir.windows().filter((w) => w.seq >= since);
    const bound = `${this.#maxError.value}${
      this.#maxError.kind === "mape" ? " %" : " W"
    }`;
    const why = `median error over ${this.#window} cycles above ${bound}: ${
      Object.entries(over).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(", ")
    }`;
    const split = this.#split(windows.map((w) => w.data));
    if (split === undefined) {
      this.#decide({
        time: now,
        cycle: seq,
        node_type: state.label,
        action: "wait",
        reason: `${why}; waiting for ${
          this.#o.minTrainRows ?? 30
        } rows since the rise at cycle ${since}`,
        errors: over,
      }, report);
      return;
    }
    state.reservoir.dropBefore(since);
    this.metrics.count("retrains", "drift");
    this.#decide({
      time: now,
      cycle: seq,
      node_type: state.label,
      action: "retrain",
      reason: why,
      errors: over,
      train_rows: split.trainRows,
      holdout_rows: split.holdoutRows,
    }, report);
    await this.#candidate(now, seq, state, split, report, "drift");
  }

  async #onboard(
    now: number,
    seq: number,
    state: NodeState,
    report: CycleReport,
  ) {
    const split = this.#split(state.reservoir.windows().map((w) => w.data));
    if (split === undefined || seq < state.quietUntil) return;
    this.metrics.count("retrains", "onboard");
    this.#decide({
      time: now,
      cycle: seq,
      node_type: state.label,
      action: "onboard",
      reason:
        `new node type ${state.spec.processor} (${state.spec.cores} cores, ${state.spec.chips} sockets) has no model in ${this.#name}`,
      train_rows: split.trainRows,
      holdout_rows: split.holdoutRows,
    }, report);
    await this.#candidate(now, seq, state, split, report, "onboard");
  }

  /** Training and holdout frames per source, or undefined when too few rows. */
  #split(windows: readonly Rows[]): Split | undefined {
    const train = new Map<EnergySource, Frame>();
    const holdout = new Map<EnergySource, Frame>();
    let trainRows = Infinity;
    let holdoutRows = Infinity;
    for (const source of this.#sources) {
      const parts = windows.map((w) => w.get(source)).filter((f) =>
        f !== undefined
      );
      if (parts.length === 0) continue;
      const all = concatNodeFrames(parts);
      const n = all.length;
      const k = Math.max(1, Math.ceil(n * (this.#o.holdoutFraction ?? 0.25)));
      const cut = n - k;
      const idx = (from: number, to: number) =>
        Uint32Array.from(
          { length: Math.max(0, to - from) },
          (_, i) => from + i,
        );
      train.set(source, takeRows(all, idx(0, cut)));
      holdout.set(source, takeRows(all, idx(cut, n)));
      trainRows = Math.min(trainRows, cut);
      holdoutRows = Math.min(holdoutRows, k);
    }
    if (train.size === 0 || trainRows < (this.#o.minTrainRows ?? 30)) {
      return undefined;
    }
    return { train, holdout, trainRows, holdoutRows };
  }

  /** The staged pipeline's metadata.json (training from frames writes none). */
  async #writeMetadata(staging: string, now: number): Promise<void> {
    const dir = pipelineFolder(staging, this.#name);
    const old = (await readExistingPipeline(dir, this.#name)).metadata;
    const time = formatPipelineTime(new Date(now * 1000));
    const trainers = [...(this.#o.trainers ?? DEFAULT_TRAINERS)];
    await writePipelineFiles(dir, {
      metadata: {
        ...old,
        name: this.#name,
        isolator: old?.isolator ?? "none",
        extractor: old?.extractor ?? "default",
        abs_trainers: trainers,
        dyn_trainers: old?.dyn_trainers ?? [],
        metric_type: "bm_metrics",
        init_time: old?.init_time ?? time,
        last_update_time: time,
        energy_sources: [...this.#sources],
      },
    });
  }

  async #holdoutError(
    pipeline: ServedPipeline | undefined,
    state: NodeState,
    holdout: Rows,
  ) {
    if (pipeline === undefined) return undefined;
    const e = await this.#errors(pipeline, state, holdout);
    if (e === undefined || e.size === 0) return undefined;
    let sum = 0;
    for (const v of e.values()) sum += v;
    return { mean: sum / e.size, errors: Object.fromEntries(e) };
  }

  async #candidate(
    now: number,
    seq: number,
    state: NodeState,
    split: Split,
    report: CycleReport,
    reason: "drift" | "onboard",
  ): Promise<void> {
    state.quietUntil = seq + this.#window;
    state.history.clear();
    state.riseSeq = undefined;
    const staging = join(this.#o.stateDir, `staging-${seq}`);
    await Deno.mkdir(staging, { recursive: true });
    const base = {
      time: now,
      cycle: seq,
      node_type: state.label,
      train_rows: split.trainRows,
      holdout_rows: split.holdoutRows,
    };
    try {
      await stagePipeline(this.#o.modelPath, this.#name, staging);
      for (const [, frame] of split.train) {
        await trainFromFrame(frame, {
          modelPath: staging,
          pipelineName: this.#name,
          trainers: this.#o.trainers ?? DEFAULT_TRAINERS,
          featureGroup: this.#group,
          machineSpec: state.spec,
          machineId: state.id,
          cvFolds: 0,
          minRows: Math.min(5, this.#o.minTrainRows ?? 30),
        });
      }
      await this.#writeMetadata(staging, now);
      const candidate = await loadPipelineDir(
        pipelineFolder(staging, this.#name),
        { name: this.#name },
      );
      const cand = await this.#holdoutError(candidate, state, split.holdout);
      const current = await this.#holdoutError(
        await this.#current(),
        state,
        split.holdout,
      );
      if (cand === undefined || !Number.isFinite(cand.mean)) {
        throw new Error("the candidate has no model for this node type's data");
      }
      if (current !== undefined && !(cand.mean < current.mean)) {
        this.metrics.count("rejections", "not_better");
        this.#decide({
          ...base,
          action: "reject",
          reason: `candidate error ${
            cand.mean.toFixed(3)
          } on the ${split.holdoutRows} newest rows is not below the current model's ${
            current.mean.toFixed(3)
          }`,
          current: current.mean,
          candidate: cand.mean,
        }, report);
        return;
      }
      await publishCandidate(
        staging,
        this.#o.modelPath,
        this.#name,
        this.#o.beforeSwap ? { beforeSwap: this.#o.beforeSwap } : {},
      );
      const served = await this.#current();
      const selection = served &&
        this.#select(
          new Map([[served.name, served]]),
          split.train.keys().next().value!,
          state.spec,
        );
      if (selection) state.label = String(selection.model.nodeType);
      let reportFile: string | undefined;
      if (reason === "onboard") {
        this.metrics.count("onboardings");
        reportFile = join(
          this.#o.stateDir,
          `onboard_node_type_${state.label}.json`,
        );
        await writeJsonFile(reportFile, {
          node_type: state.label,
          machine_spec: state.spec,
          machine_id: state.id,
          pipeline: this.#name,
          feature_group: this.#group,
          model: selection?.model.name,
          train_rows: split.trainRows,
          holdout_rows: split.holdoutRows,
          holdout_error: cand.errors,
          unit: this.#maxError.kind === "mape" ? "percent" : "watts",
          max_error: this.#maxError.value,
          within_bound: Object.values(cand.errors).every((v) =>
            v <= this.#maxError.value
          ),
        });
      }
      this.metrics.count("publishes", reason);
      this.metrics.published(now);
      this.#decide({
        ...base,
        action: "publish",
        reason: current === undefined
          ? `onboarded: no current model; candidate error ${
            cand.mean.toFixed(3)
          } on the ${split.holdoutRows} newest rows`
          : `candidate error ${
            cand.mean.toFixed(3)
          } on the ${split.holdoutRows} newest rows beats the current model's ${
            current.mean.toFixed(3)
          }`,
        candidate: cand.mean,
        ...(current ? { current: current.mean } : {}),
        ...(selection
          ? { model: `${this.#name}/${selection.model.name}` }
          : {}),
        ...(reportFile ? { report: reportFile } : {}),
      }, report);
    } catch (error) {
      this.metrics.count("rejections", "failed");
      this.#decide({
        ...base,
        action: "reject",
        reason: `candidate failed: ${(error as Error).message}`,
      }, report);
    } finally {
      await Deno.remove(staging, { recursive: true }).catch(() => {});
    }
  }
}
