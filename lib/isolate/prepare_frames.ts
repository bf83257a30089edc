/**
 * The one rule every stage uses to turn queries into training or
 * estimation frames: AbsPower data is extracted at node level, DynPower
 * data at container level and then isolated. `train`, `estimate`,
 * `isolate` and the CLI all go through {@linkcode prepareFrames}.
 *
 * @module
 */
import {
  extract,
  extractFeatureGroupsLazily,
  type FrameSource,
} from "../extract/extract.ts";
import type { ExtractOptions } from "../extract/extract.ts";
import { concatNodeFrames } from "../extract/concat.ts";
import { ImplausibleDataError } from "../extract/data_checks.ts";
import type { Frame } from "../extract/frame.ts";
import { frameLevel } from "../extract/frame_level.ts";
import type { QueryData } from "../extract/read_query.ts";
import type { FeatureGroup, OutputType } from "../types.ts";
import { isolate, type IsolateOptions } from "./isolate.ts";

/**
 * Frames of every feature group, per query (`undefined`: that batch
 * failed); a map of frames, or a source that makes each when asked.
 */
export type FrameBatch = readonly (FrameSource | undefined)[];

/** Options of {@linkcode prepareFrames}: the extraction options but the level. */
export interface PrepareFramesOptions extends Omit<ExtractOptions, "level"> {
  /**
   * Frames already extracted at the output type's level (from
   * {@linkcode extractBatch}), one entry per query; a query whose entry
   * lacks the group is extracted again.
   *
   * @default {undefined} none
   */
  extracted?: FrameBatch;
  /**
   * How DynPower frames are isolated; `null` leaves them as extracted
   * (container level, as `extract -ot DynPower` writes them). Unused for
   * AbsPower.
   *
   * @default {undefined} `{}` (the `floor` isolator)
   */
  isolation?: IsolateOptions | null;
}

/**
 * Extracts several feature groups of each query at once (each metric read
 * once) at the level of `outputType`; each group's frame is made when
 * {@linkcode prepareFrames} asks for it, so only one group's frame is held
 * at a time (container-level frames are large). A query whose batch fails
 * (one group's metrics missing) gets `undefined`, so
 * {@linkcode prepareFrames} extracts its groups one by one and reports the
 * failure for its group; a group that gives no row fails when asked for.
 *
 * @param queries The queries.
 * @param groups The feature groups to extract.
 * @param outputType `AbsPower` (node rows) or `DynPower` (container rows).
 * @param options Extraction options. Default: `{}`.
 * @returns One source of frames per query, or `undefined` where it failed.
 *
 * @example
 * ```ts
 * import { extractBatch } from "./prepare_frames.ts";
 * import { parseQuery } from "../extract/read_query.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const q = parseQuery('{"kepler_container_bpf_cpu_time_ms_total": []}');
 * assertEquals(extractBatch([q], ["BPFOnly"], "AbsPower"), [undefined]);
 * ```
 */
export function extractBatch(
  queries: readonly QueryData[],
  groups: readonly FeatureGroup[],
  outputType: OutputType,
  options: Omit<ExtractOptions, "level"> = {},
): (FrameSource | undefined)[] {
  const level = frameLevel(outputType);
  return queries.map((q) => {
    try {
      return extractFeatureGroupsLazily(q, groups, { ...options, level });
    } catch (error) {
      // data that cannot be true refuses the query for every group
      if (error instanceof ImplausibleDataError) throw error;
      return undefined;
    }
  });
}

/**
 * The frame a model of `outputType` learns from (or is evaluated on) for
 * one feature group of one or more queries: AbsPower data extracted at node
 * level; DynPower data extracted at container level, then isolated with
 * `options.isolation` (or left as extracted when it is `null`, as
 * `extract -ot DynPower` writes it). Several queries are joined in order.
 *
 * @param query The query, or several queries joined into one frame.
 * @param group The feature group.
 * @param outputType `AbsPower` or `DynPower`.
 * @param options Extraction and isolation options. Default: `{}`.
 * @returns The joined frame.
 * @throws {RangeError} When a query lacks the group's metrics, gives no
 *   row, or an isolator lacks what it needs.
 *
 * @example
 * ```ts
 * import { prepareFrames } from "./prepare_frames.ts";
 * import { parseQuery } from "../extract/read_query.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const s = (metric: string, labels: Record<string, string>, values: number[]) =>
 *   [metric, [{ metric: { instance: "n", ...labels }, values: values.map((v, i) => [3 * i, String(v)]) }]];
 * const q = parseQuery(JSON.stringify(Object.fromEntries([
 *   s("kepler_node_platform_joules_total", { source: "acpi" }, [0, 300, 900]),
 *   s("kepler_container_bpf_cpu_time_ms_total", { container_id: "c" }, [0, 30, 90]),
 *   s("kepler_container_bpf_page_cache_hit_total", { container_id: "c" }, [0, 3, 9]),
 * ])));
 * const abs = prepareFrames(q, "BPFOnly", "AbsPower", { source: "acpi" });
 * assertEquals([abs.level, [...abs.power.platform!]], ["node", [100, 200]]);
 * const dyn = prepareFrames(q, "BPFOnly", "DynPower", { source: "acpi" });
 * assertEquals([...dyn.power.platform!], [0, 100]);
 * ```
 */
export function prepareFrames(
  query: QueryData | readonly QueryData[],
  group: FeatureGroup,
  outputType: OutputType,
  options: PrepareFramesOptions = {},
): Frame {
  const queries: readonly QueryData[] = Array.isArray(query)
    ? query
    : [query as QueryData];
  const { extracted, isolation = {}, ...extractOptions } = options;
  const level = frameLevel(outputType);
  const frames = queries.map((q, i) =>
    extracted?.[i]?.get(group) ??
      extract(q, group, { ...extractOptions, level })
  );
  return concatNodeFrames(
    outputType === "DynPower" && isolation !== null
      ? frames.map((f) => isolate(f, isolation))
      : frames,
  );
}
