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
import { stagingDir } from "./staging.ts";
import { join } from "node:path";
import type { QueryResult } from "../query/format.ts";
import { queryDataFrom } from "../extract/read_query.ts";
import { extract } from "../extract/extract.ts";
import { type Frame, takeRows } from "../extract/frame.ts";
import { pipelineFolder } from "../pipeline/list_pipelines.ts";
import {
  loadPipelineDir,
  type ServedPipeline,
} from "../serve/pipeline_catalog.ts";
import { selectModel } from "../serve/select_model.ts";
import type { EnergySource, FeatureGroup, MachineSpec } from "../types.ts";
import { type MaxError, median } from "./max_error.ts";
import { frameErrors } from "./_frame_errors.ts";
import {
  countExcluded,
  metricNamesOf,
  overBound,
  recordErrors,
} from "./_history.ts";
import { WindowReservoir } from "./window_reservoir.ts";
import { CalibrateMetrics } from "./calibrate_metrics.ts";
import { publishCandidate } from "./publish_candidate.ts";
import {
  type CalibratorOptions,
  type CycleReport,
  type Decision,
  DEFAULT_TRAINERS,
} from "./calibrator_types.ts";
import {
  type NodeState,
  nodeTypesOf,
  type Rows,
  rowsOf,
  type Split,
  splitWindows,
} from "./_windows.ts";
import { type HoldoutError, trainStaged } from "./_candidate.ts";
import { validatedModels, writeOnboardReport } from "./_onboard_report.ts";
import { generationOf } from "../serve/node_type_models.ts";

export type {
  CalibratorOptions,
  CycleReport,
  Decision,
} from "./calibrator_types.ts";
export { DEFAULT_TRAINERS } from "./calibrator_types.ts";

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
   * Creates a calibrator; nothing is read until the first cycle.
   *
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
    return metricNamesOf(this.#group, this.#sources);
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

  /** The window's data, or why it cannot be had: `[reason, why]`. */
  async #read(now: number): Promise<QueryResult | [string, string]> {
    try {
      await this.#o.checkModelServer?.();
    } catch (error) {
      const why = (error as Error).message;
      return ["model_server", `cannot reach the model server: ${why}`];
    }
    const start = now - this.#period - (this.#o.step ?? 3);
    try {
      return await this.#o.fetchWindow(this.queriedMetrics, start, now);
    } catch (error) {
      const why = (error as Error).message;
      return ["prometheus", `cannot read Prometheus: ${why}`];
    }
  }

  async #run(now: number, seq: number, report: CycleReport): Promise<void> {
    const result = await this.#read(now);
    if (Array.isArray(result)) return this.#skip(now, seq, report, ...result);
    const query = queryDataFrom(result, { origin: "Prometheus window" });
    const byType = nodeTypesOf(query);
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
            onExcluded: (r) => countExcluded(this.metrics, r),
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
        pipeline,
        this.#sources[0]!,
        spec,
      );
    if (selection) s.label = String(selection.model.nodeType);
    return s;
  }

  #select(pipeline: ServedPipeline, source: EnergySource, spec: MachineSpec) {
    return selectModel(new Map([[pipeline.name, pipeline]]), {
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
    for (const [source, frame] of rows) {
      const selection = this.#select(pipeline, source, state.spec);
      if (selection === undefined) return undefined;
      const e = await frameErrors(selection.model, frame, {
        kind: this.#maxError.kind,
        pipelineName: this.#name,
      });
      for (const [c, v] of e) out.set(`${source}/${c}`, v);
    }
    return out;
  }

  #record(
    seq: number,
    state: NodeState,
    errs: Map<string, number>,
    report: CycleReport,
  ) {
    recordErrors(state, seq, errs, this.#window, this.#maxError.value);
    for (const [key, h] of state.history) {
      if (!errs.has(key)) continue;
      const [source, component] = key.split("/") as [string, string];
      this.metrics.setError(
        { nodeType: state.label, source, component },
        h.at(-1)!.error,
        median(h.map((x) => x.error)),
      );
      report.errors[`${state.label}/${key}`] = h.at(-1)!.error;
    }
  }

  async #maybeRetrain(
    now: number,
    seq: number,
    state: NodeState,
    report: CycleReport,
  ) {
    if (seq < state.quietUntil) return;
    const over = overBound(state, this.#window, this.#maxError.value);
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
    const split = this.#splitOf(windows.map((w) => w.data));
    if (split === undefined) {
      if (state.waitedFor === since) return;
      state.waitedFor = since;
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
    const split = this.#splitOf(state.reservoir.windows().map((w) => w.data));
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

  #splitOf(windows: readonly Rows[]): Split | undefined {
    return splitWindows(windows, this.#sources, {
      holdoutFraction: this.#o.holdoutFraction ?? 0.25,
      minTrainRows: this.#o.minTrainRows ?? 30,
    });
  }

  async #holdoutError(
    pipeline: ServedPipeline | undefined,
    state: NodeState,
    holdout: Rows,
  ): Promise<HoldoutError | undefined> {
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
    const staging = stagingDir(this.#o.stateDir, seq);
    const base: Omit<Decision, "action" | "reason"> = {
      time: now,
      cycle: seq,
      node_type: state.label,
      train_rows: split.trainRows,
      holdout_rows: split.holdoutRows,
    };
    try {
      // a folder of the same cycle from before a restart is not this one's
      await Deno.remove(staging, { recursive: true }).catch(() => {});
      await Deno.mkdir(staging, { recursive: true });
      const candidate = await trainStaged(staging, this.#o.modelPath, split, {
        pipelineName: this.#name,
        trainers: this.#o.trainers ?? DEFAULT_TRAINERS,
        featureGroup: this.#group,
        sources: this.#sources,
        machineSpec: state.spec,
        machineId: state.id,
        now,
      });
      const cand = await this.#holdoutError(candidate, state, split.holdout);
      if (cand === undefined || !Number.isFinite(cand.mean)) {
        throw new Error("the candidate has no model for this node type's data");
      }
      const current = await this.#holdoutError(
        await this.#current(),
        state,
        split.holdout,
      );
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
      await this.#publish(staging, state, split, {
        cand,
        current,
        base,
        reason,
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

  /** Publishes a validated candidate, and reports an onboarding. */
  async #publish(
    staging: string,
    state: NodeState,
    split: Split,
    judged: {
      cand: HoldoutError;
      current: HoldoutError | undefined;
      base: Omit<Decision, "action" | "reason">;
      reason: "drift" | "onboard";
    },
    report: CycleReport,
  ): Promise<void> {
    const { cand, current, base, reason } = judged;
    await publishCandidate(
      staging,
      this.#o.modelPath,
      this.#name,
      this.#o.beforeSwap ? { beforeSwap: this.#o.beforeSwap } : {},
    );
    const served = await this.#current();
    const selection = served &&
      this.#select(
        served,
        split.train.keys().next().value!,
        state.spec,
      );
    if (selection) state.label = String(selection.model.nodeType);
    let reportFile: string | undefined;
    if (reason === "onboard") {
      this.metrics.count("onboardings");
      const label = state.label;
      reportFile = join(this.#o.stateDir, `onboard_node_type_${label}.json`);
      const pick = (source: EnergySource) =>
        served &&
        this.#select(served, source, state.spec)
          ?.model;
      await writeOnboardReport(reportFile, {
        nodeType: label,
        spec: state.spec,
        machineId: state.id,
        pipeline: this.#name,
        generation: served ? generationOf(served) : "",
        featureGroup: this.#group,
        model: selection?.model.name,
        split,
        errors: cand.errors,
        maxError: this.#maxError,
        validated: await validatedModels(split.holdout, pick, this.#name),
        time: base.time,
      });
    }
    this.metrics.count("publishes", reason);
    this.metrics.published(base.time);
    const rows = `on the ${split.holdoutRows} newest rows`;
    this.#decide({
      ...base,
      action: "publish",
      reason: current === undefined
        ? `onboarded: no current model; candidate error ${
          cand.mean.toFixed(3)
        } ${rows}`
        : `candidate error ${
          cand.mean.toFixed(3)
        } ${rows} beats the current model's ${current.mean.toFixed(3)}`,
      candidate: cand.mean,
      ...(current ? { current: current.mean } : {}),
      ...(selection ? { model: `${this.#name}/${selection.model.name}` } : {}),
      ...(reportFile ? { report: reportFile } : {}),
    }, report);
  }
}
