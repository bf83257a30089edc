/**
 * The frame of one feature group from the prepared power and usage of
 * `extract()`: the valid rows of every instance (and container), in time
 * order, and their columns.
 *
 * @module
 */
import {
  type Component,
  type EnergySource,
  type FeatureGroup,
  featureGroupFeatures,
  featureMetric,
} from "../types.ts";
import type { ContainerKey, Frame, FrameLevel } from "./frame.ts";
import type { InstancePower } from "./_power.ts";
import type { InstanceUsage, SeriesRates } from "./_usage.ts";
import type { QueryData } from "./read_query.ts";
import { isGaugeFeature } from "./valid_feature_groups.ts";

/** The options of `extract()` that shape the rows. */
export interface AssembleOptions {
  /** Third-party metric names. Default: none. */
  thirdParty?: readonly string[];
  /** Node type of the rows, or per instance. Default: 0. */
  nodeType?: number | Readonly<Record<string, number>>;
}

/** What `extract()` prepares once for every group. */
export interface Prepared {
  source: EnergySource;
  components: readonly Component[];
  power: Map<string, InstancePower>;
  usage: Map<string, Map<string, InstanceUsage>>;
  containerLevel: Map<string, boolean>;
  instances: string[];
}

function nodeTypeOf(options: AssembleOptions, instance: string): number {
  const nt = options.nodeType ?? 0;
  return typeof nt === "number" ? nt : nt[instance] ?? 0;
}

/** One container's summed rates per counter feature on rows [k0, k0+len). */
interface ContainerRates {
  k0: number;
  /** One column per counter feature of the group (undefined: no series). */
  values: (Float64Array | undefined)[];
  /** 1 where any of its series has a rate on the row. */
  touched: Uint8Array;
}

function containerRates(
  lists: readonly (readonly SeriesRates[] | undefined)[],
): ContainerRates {
  let k0 = Infinity;
  let k1 = -Infinity;
  for (const list of lists) {
    for (const r of list ?? []) {
      k0 = Math.min(k0, r.k0);
      k1 = Math.max(k1, r.k0 + r.values.length);
    }
  }
  if (k0 === Infinity) return { k0: 0, values: [], touched: new Uint8Array(0) };
  const len = k1 - k0;
  const touched = new Uint8Array(len);
  const values = lists.map((list) => {
    if (list === undefined) return undefined;
    const out = new Float64Array(len);
    for (const r of list) {
      const off = r.k0 - k0;
      for (let j = 0; j < r.values.length; j++) {
        if (r.touched[j]) {
          out[off + j]! += r.values[j]!;
          touched[off + j] = 1;
        }
      }
    }
    return out;
  });
  return { k0, values, touched };
}

function checkContainerLevel(
  p: Prepared,
  group: FeatureGroup,
  counters: readonly string[],
): void {
  const nodeOnly = counters.filter((f) => !p.containerLevel.get(f));
  if (nodeOnly.length > 0) {
    throw new RangeError(
      `Cannot extract ${group} features per container: ${
        nodeOnly.map((f) => featureMetric(f)).join(", ")
      } ${
        nodeOnly.length === 1
          ? "is a node-level metric"
          : "are node-level metrics"
      } (use the node level)`,
    );
  }
}

/** The frame's rows as parallel arrays: time, instance, grid row, container. */
interface Rows {
  /** Rows filled: the arrays below hold more (room to grow). */
  length: number;
  rowT: Float64Array;
  rowInst: Uint32Array;
  rowK: Uint32Array;
  /** The container's index in `containers`, −1 at node level. */
  rowC: Int32Array;
  containers: ContainerKey[];
  containerData: ContainerRates[];
  usageOf: (InstanceUsage | undefined)[][];
}

/**
 * Appends a row, doubling the arrays when full. Typed arrays, not `push`
 * onto plain ones: a 4 h × 100 container frame has 480,000 rows per group.
 */
function addRow(rows: Rows, t: number, inst: number, k: number, c: number) {
  if (rows.length === rows.rowT.length) {
    const size = Math.max(1024, 2 * rows.length);
    const grow = <A extends Float64Array | Uint32Array | Int32Array>(
      a: A,
      make: (n: number) => A,
    ): A => {
      const out = make(size);
      out.set(a);
      return out;
    };
    rows.rowT = grow(rows.rowT, (n) => new Float64Array(n));
    rows.rowInst = grow(rows.rowInst, (n) => new Uint32Array(n));
    rows.rowK = grow(rows.rowK, (n) => new Uint32Array(n));
    rows.rowC = grow(rows.rowC, (n) => new Int32Array(n));
  }
  const r = rows.length++;
  rows.rowT[r] = t;
  rows.rowInst[r] = inst;
  rows.rowK[r] = k;
  rows.rowC[r] = c;
}

/** 1 on the grid rows with power and every feature's usage, valid. */
function validRows(
  power: InstancePower,
  usages: readonly (InstanceUsage | undefined)[],
): Uint8Array {
  const n = power.grid.length;
  const ok = new Uint8Array(n);
  if (usages.every((u) => u !== undefined)) {
    for (let k = 1; k < n; k++) {
      let good = power.valid[k] === 1;
      for (let j = 0; good && j < usages.length; j++) {
        const u = usages[j]!;
        good = u.covered[k] === 1 && u.invalid[k] === 0;
      }
      ok[k] = good ? 1 : 0;
    }
  }
  return ok;
}

/** Adds the instance's containers, sorted by id, to `rows`; returns the first index. */
function addContainers(
  p: Prepared,
  instance: string,
  counters: readonly string[],
  rows: Rows,
): number {
  const keyOf = new Map<string, ContainerKey>();
  for (const f of counters) {
    for (
      const [id, entry] of p.usage.get(f)?.get(instance)?.byContainer ?? []
    ) {
      if (entry.key !== undefined) keyOf.set(id, entry.key);
    }
  }
  const ids = [...keyOf.keys()].sort();
  const first = rows.containers.length;
  for (const id of ids) {
    rows.containers.push(keyOf.get(id)!);
    rows.containerData.push(containerRates(
      counters.map((f) =>
        p.usage.get(f)?.get(instance)?.byContainer.get(id)?.rates
      ),
    ));
  }
  return first;
}

function collectRows(
  p: Prepared,
  featureNames: readonly string[],
  counters: readonly string[],
  level: FrameLevel,
): Rows {
  const rows: Rows = {
    length: 0,
    rowT: new Float64Array(0),
    rowInst: new Uint32Array(0),
    rowK: new Uint32Array(0),
    rowC: new Int32Array(0),
    containers: [],
    containerData: [],
    usageOf: [],
  };
  const { containers, containerData } = rows;
  p.instances.forEach((instance, inst) => {
    const power = p.power.get(instance)!;
    const usages = featureNames.map((f) => p.usage.get(f)?.get(instance));
    rows.usageOf.push(usages);
    const n = power.grid.length;
    const ok = validRows(power, usages);
    if (level === "node") {
      for (let k = 1; k < n; k++) {
        if (ok[k]) addRow(rows, power.grid[k]!, inst, k, -1);
      }
      return;
    }
    const first = addContainers(p, instance, counters, rows);
    for (let k = 1; k < n; k++) {
      if (!ok[k]) continue;
      for (let c = first; c < containers.length; c++) {
        const d = containerData[c]!;
        const j = k - d.k0;
        if (j < 0 || j >= d.touched.length || !d.touched[j]) continue;
        addRow(rows, power.grid[k]!, inst, k, c);
      }
    }
  });
  return rows;
}

/** The frame's columns, filled row by row in `order`. */
interface Columns {
  timestamp: Float64Array;
  instance: Uint32Array;
  nodeType: Int32Array;
  container: Uint32Array | undefined;
  columns: Float64Array[];
  powerColumns: Float64Array[];
}

function fillColumns(
  p: Prepared,
  rows: Rows,
  order: readonly number[],
  featureNames: readonly string[],
  counters: readonly string[],
  level: FrameLevel,
  options: AssembleOptions,
): Columns {
  const { rowT, rowInst, rowK, rowC, containerData, usageOf } = rows;
  const length = order.length;
  const gauge = featureNames.map((f) => isGaugeFeature(f));
  const timestamp = new Float64Array(length);
  const instance = new Uint32Array(length);
  const nodeType = new Int32Array(length);
  const container = level === "container" ? new Uint32Array(length) : undefined;
  const columns = featureNames.map(() => new Float64Array(length));
  const powerColumns = p.components.map(() => new Float64Array(length));
  const watts = p.instances.map((name) =>
    p.components.map((c) => p.power.get(name)!.components.get(c)!.watts)
  );
  const nodeTypes = p.instances.map((i) => nodeTypeOf(options, i));
  const counterIndex = featureNames.map((f) => counters.indexOf(f));
  for (let r = 0; r < length; r++) {
    const i = order[r]!;
    const inst = rowInst[i]!;
    const k = rowK[i]!;
    timestamp[r] = rowT[i]!;
    instance[r] = inst;
    nodeType[r] = nodeTypes[inst]!;
    const w = watts[inst]!;
    for (let c = 0; c < powerColumns.length; c++) {
      powerColumns[c]![r] = w[c]![k]!;
    }
    const usages = usageOf[inst]!;
    if (container === undefined) {
      for (let j = 0; j < columns.length; j++) {
        columns[j]![r] = usages[j]!.total[k]!;
      }
      continue;
    }
    const ci = rowC[i]!;
    container[r] = ci;
    const d = containerData[ci]!;
    for (let j = 0; j < columns.length; j++) {
      if (gauge[j]) {
        columns[j]![r] = usages[j]!.total[k]!;
      } else {
        const col = d.values[counterIndex[j]!];
        columns[j]![r] = col === undefined ? 0 : col[k - d.k0]!;
      }
    }
  }
  return { timestamp, instance, nodeType, container, columns, powerColumns };
}

export function assemble(
  p: Prepared,
  query: QueryData,
  group: FeatureGroup,
  level: FrameLevel,
  options: AssembleOptions,
): Frame {
  const featureNames = featureGroupFeatures(group, {
    thirdParty: options.thirdParty ?? [],
  });
  const counters = featureNames.filter((f) => !isGaugeFeature(f));
  if (level === "container") checkContainerLevel(p, group, counters);
  const rows = collectRows(p, featureNames, counters, level);
  const { rowT, rowInst } = rows;
  // order by timestamp, then instance (rows of one instance are in order)
  const order = Array.from({ length: rows.length }, (_, i) => i);
  if (p.instances.length > 1) {
    order.sort((a, b) =>
      rowT[a]! - rowT[b]! || rowInst[a]! - rowInst[b]! || a - b
    );
  }
  const length = order.length;
  if (length === 0) {
    throw new RangeError(
      `Cannot extract ${group} features from ${query.origin}: no interval has both ${p.source} power and usage data for the same Kepler instance (instances with ${p.source} power: ${
        p.instances.map((i) => i === "" ? '""' : i).join(", ")
      }; each needs two consecutive scrapes with every energy counter present)`,
    );
  }
  const cols = fillColumns(
    p,
    rows,
    order,
    featureNames,
    counters,
    level,
    options,
  );
  const features: Record<string, Float64Array> = {};
  featureNames.forEach((f, j) => features[f] = cols.columns[j]!);
  const power: Partial<Record<Component, Float64Array>> = {};
  p.components.forEach((c, j) => power[c] = cols.powerColumns[j]!);
  const frame: Frame = {
    level,
    source: p.source,
    length,
    timestamp: cols.timestamp,
    instances: p.instances,
    instance: cols.instance,
    containers: rows.containers,
    featureNames,
    features,
    components: p.components,
    power,
    nodeType: cols.nodeType,
  };
  const container = cols.container;
  return container === undefined ? frame : { ...frame, container };
}
