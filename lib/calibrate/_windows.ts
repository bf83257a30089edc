/**
 * The calibrator's private pieces: a node type's state, the rows of a
 * window per source, node types of a window, and the train/holdout split.
 *
 * @module
 */
import type { MetricSeries, QueryData } from "../extract/read_query.ts";
import { type Frame, takeRows } from "../extract/frame.ts";
import { concatNodeFrames } from "../extract/concat.ts";
import { specFromNodeInfo } from "../extract/machine_spec_of.ts";
import type { EnergySource, MachineSpec } from "../types.ts";
import { NODE_INFO_METRIC } from "../vocabulary/metric_names.ts";
import type { WindowReservoir } from "./window_reservoir.ts";

/** A node type's state. */
export interface NodeState {
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
  /** The rise whose `wait` was logged: one line per rise, not per cycle. */
  waitedFor?: number;
}

/** One node type's rows of a window, per source. */
export type Rows = Map<EnergySource, Frame>;

/** Training and holdout rows of a candidate. */
export interface Split {
  train: Rows;
  holdout: Rows;
  trainRows: number;
  holdoutRows: number;
}

export function specKey(spec: MachineSpec): string {
  return [spec.processor, spec.cores, spec.chips, spec.memory, spec.frequency]
    .join("|");
}

/** The series of one instance only. */
export function instanceQuery(query: QueryData, instance: string): QueryData {
  const metrics = new Map<string, readonly MetricSeries[]>();
  for (const [name, series] of query.metrics) {
    metrics.set(name, series.filter((s) => s.labels.instance === instance));
  }
  return { origin: `${query.origin} (${instance})`, metrics };
}

export function rowsOf(
  frame: Frame,
  instances: ReadonlySet<string>,
): Uint32Array {
  const keep: number[] = [];
  for (let i = 0; i < frame.length; i++) {
    if (instances.has(frame.instances[frame.instance[i]!]!)) keep.push(i);
  }
  return Uint32Array.from(keep);
}

/** Metered node types of a window: spec key → spec, an id and its instances. */
export function nodeTypesOf(
  query: QueryData,
): Map<string, { spec: MachineSpec; id: string; instances: Set<string> }> {
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

/**
 * Training and holdout frames per source (the newest `holdoutFraction` of
 * the rows held out), or undefined when fewer than `minTrainRows` rows
 * are left to train on.
 */
export function splitWindows(
  windows: readonly Rows[],
  sources: readonly EnergySource[],
  options: { holdoutFraction: number; minTrainRows: number },
): Split | undefined {
  const train = new Map<EnergySource, Frame>();
  const holdout = new Map<EnergySource, Frame>();
  let trainRows = Infinity;
  let holdoutRows = Infinity;
  const idx = (from: number, to: number) =>
    Uint32Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);
  for (const source of sources) {
    const parts = windows.map((w) => w.get(source)).filter((f) =>
      f !== undefined
    );
    if (parts.length === 0) continue;
    const all = concatNodeFrames(parts);
    const n = all.length;
    const k = Math.max(1, Math.ceil(n * options.holdoutFraction));
    train.set(source, takeRows(all, idx(0, n - k)));
    holdout.set(source, takeRows(all, idx(n - k, n)));
    trainRows = Math.min(trainRows, n - k);
    holdoutRows = Math.min(holdoutRows, k);
  }
  if (train.size === 0 || trainRows < options.minTrainRows) return undefined;
  return { train, holdout, trainRows, holdoutRows };
}
