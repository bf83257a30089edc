/**
 * Frames as CSV in upstream's layouts:
 *
 * - extracted, node level (`extracted_<name>.csv` of AbsPower):
 *   `timestamp,<features>,<component>_power…,node_type`
 * - extracted, container level (DynPower): `timestamp,id,<features>,…`
 *   with upstream's id `container_id/pod_name/container_name/container_namespace`
 * - isolated (`isolated_<name>.csv`): `timestamp,<features>,<powers>,node_type,id`
 *   with id `all containers`.
 *
 * When a frame holds several Kepler instances an `instance` column follows
 * `timestamp` (by default only then, so single-node files keep upstream's
 * columns). The reader also accepts upstream's own files (a leading pandas
 * index column and `packge_ratio_*` columns are ignored).
 *
 * @module
 */
import {
  type CsvCell,
  formatCsv,
  parseCsv,
  readTextFile,
  writeFileAtomic,
} from "../io/mod.ts";
import {
  type Component,
  COMPONENTS,
  type EnergySource,
  powerColumn,
} from "../types.ts";
import {
  ALL_CONTAINERS_ID,
  type ContainerKey,
  featureOf,
  type Frame,
  powerOf,
  takeRows,
} from "./frame.ts";

/** Options of {@linkcode formatFrameCsv} and {@linkcode writeFrameCsv}. */
export interface FrameCsvOptions {
  /**
   * `extracted`: the frame as it is (container frames get an `id` column
   * after `timestamp`); `isolated`: upstream's isolated layout with a final
   * `id` column of `all containers` (node-level frames only).
   *
   * @default {undefined} extracted
   */
  layout?: "extracted" | "isolated";
  /**
   * Write the `instance` column: `auto` when the frame has more than one
   * instance, `always`, or `never`.
   *
   * @default {undefined} auto
   */
  instanceColumn?: "auto" | "always" | "never";
}

/**
 * Formats a frame as CSV text in upstream's column order.
 *
 * @param frame The frame to format.
 * @param options The layout (extracted or isolated) and whether to write
 *   the `instance` column.
 * @returns The CSV text: a header line, then one line per row, each ending
 *   in a newline.
 * @throws {RangeError} when the isolated layout is asked of a
 *   container-level frame.
 *
 * @example
 * ```ts
 * import { formatFrameCsv } from "./frame_csv.ts";
 * import type { Frame } from "./frame.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const frame: Frame = {
 *   level: "node", source: "acpi", length: 1,
 *   timestamp: Float64Array.of(1702462614), instances: ["n"], instance: new Uint32Array(1),
 *   containers: [], featureNames: ["bpf_cpu_time_ms"], features: { bpf_cpu_time_ms: Float64Array.of(335.8) },
 *   components: ["platform"], power: { platform: Float64Array.of(114.6) }, nodeType: new Int32Array(1),
 * };
 * assertEquals(formatFrameCsv(frame), "timestamp,bpf_cpu_time_ms,platform_power,node_type\n1702462614,335.8,114.6,0\n");
 * assertEquals(formatFrameCsv(frame, { layout: "isolated" }).split("\n")[0], "timestamp,bpf_cpu_time_ms,platform_power,node_type,id");
 * ```
 */
export function formatFrameCsv(
  frame: Frame,
  options: FrameCsvOptions = {},
): string {
  const layout = options.layout ?? "extracted";
  if (layout === "isolated" && frame.level !== "node") {
    throw new RangeError(
      "Cannot write a container-level frame in the isolated layout: isolate it first (isolated frames have one row per node and timestamp)",
    );
  }
  const mode = options.instanceColumn ?? "auto";
  const withInstance = mode === "always" ||
    (mode === "auto" && frame.instances.length > 1);
  const withId = layout === "extracted" && frame.level === "container";
  const header: string[] = ["timestamp"];
  if (withInstance) header.push("instance");
  if (withId) header.push("id");
  header.push(...frame.featureNames);
  header.push(...frame.components.map((c) => powerColumn(c)));
  header.push("node_type");
  if (layout === "isolated") header.push("id");

  const featureColumns = frame.featureNames.map((f) => featureOf(frame, f));
  const powerColumns = frame.components.map((c) => powerOf(frame, c));
  const rows = function* (): Generator<CsvCell[]> {
    for (let r = 0; r < frame.length; r++) {
      const row: CsvCell[] = [frame.timestamp[r]];
      if (withInstance) row.push(frame.instances[frame.instance[r]!]);
      if (withId) row.push(frame.containers[frame.container![r]!]!.id);
      for (const col of featureColumns) row.push(col[r]);
      for (const col of powerColumns) row.push(col[r]);
      row.push(frame.nodeType[r]);
      if (layout === "isolated") row.push(ALL_CONTAINERS_ID);
      yield row;
    }
  };
  return formatCsv(header, rows());
}

/**
 * Writes a frame as CSV atomically (see {@linkcode formatFrameCsv}).
 *
 * @param path The CSV file to write (replaced if it exists).
 * @param frame The frame to write.
 * @param options The layout (extracted or isolated) and whether to write
 *   the `instance` column.
 * @throws {RangeError} when the isolated layout is asked of a
 *   container-level frame.
 *
 * @example
 * ```ts
 * import { readFrameCsv, writeFrameCsv } from "./frame_csv.ts";
 * import type { Frame } from "./frame.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const frame: Frame = {
 *   level: "node", source: "acpi", length: 1,
 *   timestamp: Float64Array.of(3), instances: [""], instance: new Uint32Array(1),
 *   containers: [], featureNames: ["x"], features: { x: Float64Array.of(0.5) },
 *   components: ["platform"], power: { platform: Float64Array.of(100) }, nodeType: new Int32Array(1),
 * };
 * const dir = await Deno.makeTempDir();
 * await writeFrameCsv(`${dir}/f.csv`, frame);
 * assertEquals([...(await readFrameCsv(`${dir}/f.csv`)).power.platform!], [100]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeFrameCsv(
  path: string,
  frame: Frame,
  options: FrameCsvOptions = {},
): Promise<void> {
  await writeFileAtomic(path, formatFrameCsv(frame, options));
}

/** Options of {@linkcode parseFrameCsv} and {@linkcode readFrameCsv}. */
export interface ReadFrameCsvOptions {
  /**
   * Energy source of the power columns (a CSV does not say).
   *
   * @default {undefined} `acpi` when the only power column is `platform_power`, else `rapl-sysfs`
   */
  source?: EnergySource;
  /**
   * Name used in messages.
   *
   * @default {undefined} the path, or `"CSV input"`
   */
  origin?: string;
}

const IGNORED = (name: string) =>
  name === "" || /^Unnamed: \d+$/.test(name) || name.includes("ratio");

function containerKeyOf(id: string): ContainerKey {
  const parts = id.split("/");
  if (parts.length === 4) {
    const [containerId, podName, containerName, containerNamespace] = parts as [
      string,
      string,
      string,
      string,
    ];
    return { id, containerId, podName, containerName, containerNamespace };
  }
  return {
    id,
    containerId: id,
    podName: "",
    containerName: id,
    containerNamespace: "",
  };
}

/**
 * Parses a frame from CSV text written by {@linkcode formatFrameCsv} or by
 * upstream (`extracted_*.csv`, `isolated_*.csv`, `preprocess_*.csv`).
 * Throws a `SyntaxError` naming the line and column of a bad cell.
 *
 * @param text The CSV text, header line first.
 * @param options The energy source of the power columns and the name used
 *   in messages.
 * @returns The frame, rows sorted by timestamp, instance and container; at
 *   container level when an `id` column holds ids other than
 *   `all containers`, else at node level.
 * @throws {SyntaxError} when the text is not CSV, has no `timestamp` or
 *   `<component>_power` column, or a cell is not a number.
 *
 * @example
 * ```ts
 * import { parseFrameCsv } from "./frame_csv.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const frame = parseFrameCsv(",timestamp,packge_ratio_package,cpu_cycles,package_power,core_power,uncore_power,dram_power,node_type,id\n0,10,1.0,5,1,0,0,2,0.0,all containers\n");
 * assertEquals(frame.level, "node");
 * assertEquals(frame.source, "rapl-sysfs");
 * assertEquals(frame.featureNames, ["cpu_cycles"]);
 * assertEquals([...frame.power.dram!], [2]);
 * ```
 */
export function parseFrameCsv(
  text: string,
  options: ReadFrameCsvOptions = {},
): Frame {
  const origin = options.origin ?? "CSV input";
  const { header, rows } = parseCsv(text, origin);
  const layout = csvColumns(header, origin);
  const { order } = layout;
  const source: EnergySource = options.source ??
    (order.length === 1 && order[0] === "platform" ? "acpi" : "rapl-sysfs");
  const cells = readCells(header, rows, layout, origin);
  const { instCol, idCol } = layout;
  const n = rows.length;
  const instances = [...cells.instanceNames].sort();
  const instanceIndex = new Map(instances.map((name, i) => [name, i]));
  const instance = new Uint32Array(n);
  for (let r = 0; r < n; r++) {
    instance[r] = instanceIndex.get(instCol < 0 ? "" : rows[r]![instCol]!)!;
  }
  const ids = cells.ids;
  const containerLevel = idCol >= 0 &&
    [...ids].some((id) => id !== ALL_CONTAINERS_ID);
  let frame: Frame = {
    level: containerLevel ? "container" : "node",
    source,
    length: n,
    timestamp: cells.timestamp,
    instances,
    instance,
    containers: [],
    featureNames: layout.featureNames,
    features: cells.features,
    components: order,
    power: cells.power,
    nodeType: cells.nodeType,
  };
  if (containerLevel) {
    const sortedIds = [...ids].sort();
    const idIndex = new Map(sortedIds.map((id, i) => [id, i]));
    const container = new Uint32Array(n);
    for (let r = 0; r < n; r++) container[r] = idIndex.get(rows[r]![idCol]!)!;
    frame = { ...frame, containers: sortedIds.map(containerKeyOf), container };
  }
  return takeRows(frame, frameOrder(frame));
}

/** What each column of a frame CSV holds. */
interface CsvColumns {
  tCol: number;
  instCol: number;
  idCol: number;
  ntCol: number;
  /** Components in column order, and their columns. */
  components: Component[];
  powerCols: number[];
  /** Components in the source's order. */
  order: Component[];
  /** Feature names, sorted, and their columns. */
  featureNames: string[];
  featureCols: Map<string, number>;
}

function csvColumns(header: readonly string[], origin: string): CsvColumns {
  const col = (name: string) => header.indexOf(name);
  const tCol = col("timestamp");
  if (tCol < 0) {
    throw new SyntaxError(
      `Cannot read ${origin} as a frame: it has no timestamp column (columns: ${
        header.join(", ")
      })`,
    );
  }
  const instCol = col("instance");
  const idCol = col("id");
  const ntCol = col("node_type");
  const components: Component[] = [];
  const powerCols: number[] = [];
  const featureNames: string[] = [];
  const featureCols = new Map<string, number>();
  header.forEach((name, j) => {
    if (
      j === tCol || j === instCol || j === idCol || j === ntCol || IGNORED(name)
    ) return;
    const m = /^(.+)_power$/.exec(name);
    const component = m?.[1];
    if (
      component !== undefined &&
      (COMPONENTS as readonly string[]).includes(component)
    ) {
      components.push(component as Component);
      powerCols.push(j);
    } else {
      featureNames.push(name);
      featureCols.set(name, j);
    }
  });
  if (components.length === 0) {
    throw new SyntaxError(
      `Cannot read ${origin} as a frame: it has no <component>_power column (columns: ${
        header.join(", ")
      })`,
    );
  }
  // keep the source's component order
  const order = COMPONENTS.filter((c) => components.includes(c));
  featureNames.sort();
  return {
    tCol,
    instCol,
    idCol,
    ntCol,
    components,
    powerCols,
    order,
    featureNames,
    featureCols,
  };
}

/** The numeric columns of every row, and the instance names and ids seen. */
function readCells(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  layout: CsvColumns,
  origin: string,
) {
  const { tCol, ntCol, instCol, idCol, components, powerCols } = layout;
  const { featureNames, featureCols, order } = layout;
  const n = rows.length;
  const num = (r: number, j: number): number => {
    const cell = rows[r]![j]!;
    const v = Number(cell);
    if (cell.trim() === "" || Number.isNaN(v)) {
      throw new SyntaxError(
        `Cannot read ${origin} as a frame: line ${r + 2}, column ${
          header[j]
        } is not a number: "${cell}"`,
      );
    }
    return v;
  };
  const timestamp = new Float64Array(n);
  const nodeType = new Int32Array(n);
  const features: Record<string, Float64Array> = {};
  for (const f of featureNames) features[f] = new Float64Array(n);
  const power: Partial<Record<Component, Float64Array>> = {};
  for (const c of order) power[c] = new Float64Array(n);
  const instanceNames = new Set<string>();
  const ids = new Set<string>();
  for (let r = 0; r < n; r++) {
    timestamp[r] = num(r, tCol);
    nodeType[r] = ntCol < 0 ? 0 : Math.trunc(num(r, ntCol));
    for (const f of featureNames) features[f]![r] = num(r, featureCols.get(f)!);
    components.forEach((c, i) => power[c]![r] = num(r, powerCols[i]!));
    instanceNames.add(instCol < 0 ? "" : rows[r]![instCol]!);
    if (idCol >= 0) ids.add(rows[r]![idCol]!);
  }
  return { timestamp, nodeType, features, power, instanceNames, ids };
}

/** Row indices in the frame order: timestamp, instance, container. */
function frameOrder(frame: Frame): Uint32Array {
  const { timestamp, instance } = frame;
  const idx = Array.from({ length: frame.length }, (_, i) => i);
  const c = frame.container;
  idx.sort((a, b) =>
    timestamp[a]! - timestamp[b]! || instance[a]! - instance[b]! ||
    (c === undefined ? 0 : c[a]! - c[b]!) || a - b
  );
  return Uint32Array.from(idx);
}

/**
 * Reads a frame CSV file (see {@linkcode parseFrameCsv}).
 *
 * @param path The CSV file, e.g. `data/extracted_output.csv`.
 * @param options The energy source of the power columns and the name used
 *   in messages (the path by default).
 * @returns The frame, rows sorted by timestamp, instance and container.
 * @throws {Deno.errors.NotFound} when the file does not exist.
 * @throws {SyntaxError} when the file is not a frame CSV.
 *
 * @example
 * ```ts
 * import { readFrameCsv } from "./frame_csv.ts";
 * import { rejects as assertRejects } from "node:assert/strict";
 * await assertRejects(() => readFrameCsv("/nonexistent/extracted_x.csv"), Deno.errors.NotFound);
 * ```
 */
export async function readFrameCsv(
  path: string,
  options: ReadFrameCsvOptions = {},
): Promise<Frame> {
  return parseFrameCsv(await readTextFile(path), {
    ...options,
    origin: options.origin ?? path,
  });
}
