/**
 * The machine spec of training data: the `machine_spec/<id>.json` that
 * `query --id` wrote, else one read from the data's `kepler_node_info`.
 *
 * @module
 */
import { exists } from "../io/mod.ts";
import { machineSpecFile } from "../layout.ts";
import {
  machineSpecFromSeries,
  readMachineSpecFile,
} from "../query/machine_spec.ts";
import { type MachineSpec, NODE_INFO_METRIC } from "../types.ts";
import type { QueryData } from "./read_query.ts";

/** A machine spec and where it came from. */
export interface MachineSpecFound {
  /** The spec. */
  spec: MachineSpec;
  /** The machine id: the `--id` given, or the node-info series' instance. */
  id: string;
  /** `file`: machine_spec/<id>.json; `node_info`: the data's kepler_node_info. */
  origin: "file" | "node_info";
}

/**
 * A machine spec from the data's `kepler_node_info` (and the per-CPU and
 * per-socket series), read from the extract stage's columnar data; the id
 * is the node-info series' instance. `undefined` when the data have no
 * node info naming a processor.
 *
 * @param query The query data.
 * @returns The spec and id, or `undefined`.
 *
 * @example
 * ```ts
 * import { specFromNodeInfo } from "./machine_spec_of.ts";
 * import { parseQuery } from "./read_query.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const q = parseQuery(JSON.stringify({ kepler_node_info: [{ metric: { instance: "n1", cpu_architecture: "Broadwell" }, values: [[0, "1"]] }] }));
 * assertEquals(specFromNodeInfo(q), { spec: { processor: "broadwell", cores: -1, chips: -1, memory: -1, frequency: -1 }, id: "n1" });
 * assertEquals(specFromNodeInfo(parseQuery("{}")), undefined);
 * ```
 */
export function specFromNodeInfo(
  query: QueryData,
): { spec: MachineSpec; id: string } | undefined {
  try {
    const spec = machineSpecFromSeries((name) => query.metrics.get(name) ?? []);
    if (spec.processor === "") return undefined;
    const instance = query.metrics.get(NODE_INFO_METRIC)?.[0]?.labels.instance;
    return { spec, id: instance ?? "kepler_node_info" };
  } catch {
    return undefined;
  }
}

/**
 * The machine spec of training data: with `id`, `<data>/machine_spec/<id>.json`
 * (which must exist); else the query's `kepler_node_info`
 * ({@linkcode specFromNodeInfo}); else `undefined` (node type 0).
 *
 * @param dataPath The data folder.
 * @param options `id`: the machine id; `query`: the data. Default: `{}`.
 * @returns The spec found, or `undefined`.
 * @throws {Deno.errors.NotFound} When `id`'s spec file does not exist.
 * @throws {TypeError} When it lacks an attribute.
 *
 * @example
 * ```ts
 * import { machineSpecOf } from "./machine_spec_of.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(await machineSpecOf("/nonexistent"), undefined);
 * ```
 */
export async function machineSpecOf(
  dataPath: string,
  options: { id?: string; query?: QueryData } = {},
): Promise<MachineSpecFound | undefined> {
  const { id, query } = options;
  if (id !== undefined) {
    const path = machineSpecFile(dataPath, id);
    if (!(await exists(path))) {
      throw new Deno.errors.NotFound(
        `Cannot find the machine spec of --id ${id}: ${path} does not exist (query --id ${id} writes it)`,
      );
    }
    return { spec: await readMachineSpecFile(path), id, origin: "file" };
  }
  const found = query === undefined ? undefined : specFromNodeInfo(query);
  return found === undefined ? undefined : { ...found, origin: "node_info" };
}
