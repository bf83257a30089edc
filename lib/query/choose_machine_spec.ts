/**
 * Which machine spec a query describes. The data may come from any node
 * Prometheus scrapes, so the spec of the machine running `query` (what
 * upstream's `generate_spec` writes) is right only when the data carry no
 * better: Kepler's `kepler_node_info` in the queried data comes first.
 *
 * @module
 */
import { NODE_INFO_METRIC, resolveMetricAlias } from "../types.ts";
import type { MachineSpec } from "../types.ts";
import type { PromSeries, QueryResult } from "./format.ts";
import type { CompactResult, CompactSeries } from "./compact_series.ts";
import {
  inspectMachine,
  type MachineInspection,
  machineSpecFromQuery,
} from "./machine_spec.ts";

/** `--spec-from`: where the machine spec comes from. */
export const SPEC_FROM = ["auto", "node_info", "machine"] as const;
/** One `--spec-from` value. */
export type SpecFrom = typeof SPEC_FROM[number];

/** A machine spec and where it came from. */
export interface MachineSpecChoice {
  /** The spec (unknown numbers are -1, an unknown processor ""). */
  spec: MachineSpec;
  /** `node_info`: the data's `kepler_node_info`; `machine`: the machine running the query. */
  origin: "node_info" | "machine";
  /** With `node_info`: the `instance` label of the series it came from, if any. */
  instance?: string;
  /** With `node_info`: how many Kepler instances the data's `kepler_node_info` has. */
  instances?: number;
  /** With `machine`: whether `/proc/cpuinfo` was read (else `chips` is an assumed 1). */
  cpuinfoRead?: boolean;
  /** With `machine`: what is unknown or assumed and why (see `inspectMachine`). */
  gaps?: string[];
}

/** Options of {@linkcode chooseMachineSpec}. */
export interface ChooseMachineSpecOptions {
  /**
   * `auto`: the data's `kepler_node_info` when it names a processor (its
   * `cpu_architecture`), else this machine; `node_info`: the data's, or a
   * `RangeError` when it has none; `machine`: this machine (upstream).
   * Default: `"auto"`.
   */
  specFrom?: SpecFrom;
  /** Inspects this machine. Default: {@linkcode inspectMachine}. */
  inspect?: () => Promise<MachineInspection>;
}

/**
 * The machine spec of a query result: from its `kepler_node_info` (the
 * first instance's, when several Kepler instances are in the data) or from
 * the machine running the query, as `options.specFrom` says.
 *
 * @example
 * ```ts
 * import { chooseMachineSpec } from "./choose_machine_spec.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const here = { spec: { processor: "amd_epyc", cores: 2, chips: 1, memory: 23, frequency: -1 }, cpuinfoRead: false,
 *   gaps: ["frequency unknown (no cpufreq on this machine)"] };
 * const inspect = () => Promise.resolve(here);
 * const info = { kepler_node_info: [{ metric: { cpu_architecture: "Sapphire Rapids", instance: "n1" },
 *   values: [[1, "1"]] as [number, string][] }] };
 * const fromData = await chooseMachineSpec(info, { inspect });
 * assertEquals([fromData.origin, fromData.spec.processor, fromData.instance], ["node_info", "sapphire_rapids", "n1"]);
 * const fromHere = await chooseMachineSpec({}, { inspect });
 * assertEquals([fromHere.origin, fromHere.spec, fromHere.cpuinfoRead], ["machine", here.spec, false]);
 * ```
 */
export async function chooseMachineSpec(
  result: QueryResult | CompactResult,
  options: ChooseMachineSpecOptions = {},
): Promise<MachineSpecChoice> {
  const specFrom = options.specFrom ?? "auto";
  if (specFrom !== "machine") {
    const entries: [string, readonly (PromSeries | CompactSeries)[]][] = Object
      .entries(result);
    const infos = entries
      .filter(([k]) => resolveMetricAlias(k).name === NODE_INFO_METRIC)
      .flatMap(([, v]) => v);
    if (infos.length > 0 || specFrom === "node_info") {
      const spec = machineSpecFromQuery(result);
      if (spec.processor !== "" || specFrom === "node_info") {
        const instance = infos[0]?.metric.instance;
        return {
          spec,
          origin: "node_info",
          ...(instance === undefined ? {} : { instance }),
          instances: new Set(infos.map((s) => s.metric.instance ?? "")).size,
        };
      }
    }
  }
  const found = await (options.inspect ?? inspectMachine)();
  return {
    spec: found.spec,
    origin: "machine",
    cpuinfoRead: found.cpuinfoRead,
    gaps: found.gaps,
  };
}
