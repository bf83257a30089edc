/**
 * The columnar training frame: one row per (timestamp, Kepler instance) at
 * node level, or per (timestamp, instance, container) at container level.
 * Every numeric column is a typed array of the frame's length; keys
 * (instance, container) are indexes into small dictionaries, so a frame of a
 * million rows holds no row objects.
 *
 * @module
 */
import type { Component, EnergySource } from "../types.ts";

/** Whether a frame has one row per node or one per container. */
export type FrameLevel = "node" | "container";

/**
 * The id upstream gives a node-aggregated row of an isolated frame
 * (`all_container_key`).
 *
 * @example
 * ```ts
 * import { ALL_CONTAINERS_ID } from "./frame.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(ALL_CONTAINERS_ID, "all containers");
 * ```
 */
export const ALL_CONTAINERS_ID = "all containers";

/** The labels that identify a container, and upstream's joined `id`. */
export interface ContainerKey {
  /** Upstream's id: `container_id/pod_name/container_name/container_namespace`. */
  readonly id: string;
  /** Kepler's `container_id` label. */
  readonly containerId: string;
  /** Kepler's `pod_name` label. */
  readonly podName: string;
  /** Kepler's `container_name` label. */
  readonly containerName: string;
  /** Kepler's `container_namespace` label. */
  readonly containerNamespace: string;
}

/**
 * A training frame. Rows are sorted by timestamp, then instance, then
 * container id.
 */
export interface Frame {
  /** `node`: features summed over containers; `container`: one row each. */
  readonly level: FrameLevel;
  /** The energy source of the power columns. */
  readonly source: EnergySource;
  /** Number of rows. */
  readonly length: number;
  /** End of each row's interval, unix seconds. */
  readonly timestamp: Float64Array;
  /** Kepler instances (nodes), sorted; `instance[i]` indexes this. */
  readonly instances: readonly string[];
  /** The instance of each row, as an index into `instances`. */
  readonly instance: Uint32Array;
  /** Containers of a container-level frame (empty at node level). */
  readonly containers: readonly ContainerKey[];
  /** The container of each row (container level only). */
  readonly container?: Uint32Array;
  /** Feature column names, in model input order (sorted). */
  readonly featureNames: readonly string[];
  /** Feature columns: per-second rates (or gauge means for system features). */
  readonly features: Readonly<Record<string, Float64Array>>;
  /** Power components, in the source's order. */
  readonly components: readonly Component[];
  /** Power columns in watts (written as `<component>_power`). */
  readonly power: Readonly<Partial<Record<Component, Float64Array>>>;
  /** The node type of each row. */
  readonly nodeType: Int32Array;
}

/**
 * The power column of a frame, or a `RangeError` naming what is missing.
 *
 * @param frame The frame to read.
 * @param component The power component, e.g. `"platform"` or `"package"`.
 * @returns The component's watts, one per row (the frame's own array, not a
 *   copy).
 * @throws {RangeError} when the frame has no power column for `component`.
 *
 * @example
 * ```ts
 * import { powerOf, type Frame } from "./frame.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const frame = { components: ["platform"], power: { platform: new Float64Array([5]) } } as unknown as Frame;
 * assertEquals(powerOf(frame, "platform")[0], 5);
 * ```
 */
export function powerOf(frame: Frame, component: Component): Float64Array {
  const column = frame.power[component];
  if (column === undefined) {
    throw new RangeError(
      `Frame of source ${frame.source} has no ${component}_power column (it has ${
        frame.components.map((c) => `${c}_power`).join(", ")
      })`,
    );
  }
  return column;
}

/**
 * The feature column of a frame, or a `RangeError` naming what is missing.
 *
 * @param frame The frame to read.
 * @param feature The feature name, e.g. `"bpf_cpu_time_ms"`.
 * @returns The feature's values, one per row (the frame's own array, not a
 *   copy).
 * @throws {RangeError} when the frame has no column named `feature`.
 *
 * @example
 * ```ts
 * import { featureOf, type Frame } from "./frame.ts";
 * import { throws as assertThrows } from "node:assert/strict";
 * const frame = { featureNames: [], features: {} } as unknown as Frame;
 * assertThrows(() => featureOf(frame, "cpu_cycles"), RangeError);
 * ```
 */
export function featureOf(frame: Frame, feature: string): Float64Array {
  const column = frame.features[feature];
  if (column === undefined) {
    throw new RangeError(
      `Frame has no feature column ${feature} (it has ${
        frame.featureNames.join(", ") || "none"
      })`,
    );
  }
  return column;
}

/**
 * A frame of the selected rows (indexes in the order given). Dictionaries
 * (instances, containers) are kept as they are.
 *
 * @example
 * ```ts
 * import { takeRows, type Frame } from "./frame.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const frame: Frame = {
 *   level: "node", source: "acpi", length: 3,
 *   timestamp: new Float64Array([1, 2, 3]), instances: ["n"], instance: new Uint32Array(3),
 *   containers: [], featureNames: ["x"], features: { x: new Float64Array([10, 20, 30]) },
 *   components: ["platform"], power: { platform: new Float64Array([1, 2, 3]) },
 *   nodeType: new Int32Array(3),
 * };
 * const two = takeRows(frame, Uint32Array.of(2, 0));
 * assertEquals([...two.features.x!], [30, 10]);
 * assertEquals(two.length, 2);
 * ```
 */
export function takeRows(frame: Frame, rows: Uint32Array): Frame {
  const pick = <T extends Float64Array | Uint32Array | Int32Array>(
    column: T,
    make: (n: number) => T,
  ): T => {
    const out = make(rows.length);
    for (let i = 0; i < rows.length; i++) out[i] = column[rows[i]!]!;
    return out;
  };
  const f64 = (n: number) => new Float64Array(n);
  const features: Record<string, Float64Array> = {};
  for (const name of frame.featureNames) {
    features[name] = pick(featureOf(frame, name), f64);
  }
  const power: Partial<Record<Component, Float64Array>> = {};
  for (const c of frame.components) power[c] = pick(powerOf(frame, c), f64);
  const out: Frame = {
    level: frame.level,
    source: frame.source,
    length: rows.length,
    timestamp: pick(frame.timestamp, f64),
    instances: frame.instances,
    instance: pick(frame.instance, (n) => new Uint32Array(n)),
    containers: frame.containers,
    featureNames: frame.featureNames,
    features,
    components: frame.components,
    power,
    nodeType: pick(frame.nodeType, (n) => new Int32Array(n)),
  };
  if (frame.container !== undefined) {
    return {
      ...out,
      container: pick(frame.container, (n) => new Uint32Array(n)),
    };
  }
  return out;
}

/**
 * The row indexes of each instance, in row order: `result[i]` holds the rows
 * of `frame.instances[i]`.
 *
 * @param frame The frame whose rows to group.
 * @returns One array of row indexes per entry of `frame.instances`, in
 *   ascending order (empty for an instance with no row).
 *
 * @example
 * ```ts
 * import { rowsByInstance, type Frame } from "./frame.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const frame = { length: 3, instances: ["a", "b"], instance: Uint32Array.of(0, 1, 0) } as unknown as Frame;
 * assertEquals(rowsByInstance(frame).map((r) => [...r]), [[0, 2], [1]]);
 * ```
 */
export function rowsByInstance(frame: Frame): Uint32Array[] {
  const counts = new Uint32Array(frame.instances.length);
  for (let i = 0; i < frame.length; i++) counts[frame.instance[i]!]!++;
  const out = Array.from(counts, (n) => new Uint32Array(n));
  const fill = new Uint32Array(frame.instances.length);
  for (let i = 0; i < frame.length; i++) {
    const k = frame.instance[i]!;
    out[k]![fill[k]!++] = i;
  }
  return out;
}
