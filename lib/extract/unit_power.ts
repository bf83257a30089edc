/**
 * Node power per unit (socket) of each component, per Kepler instance: the
 * input of idle profiles. Same rules as the extractors' power labels
 * (per-row Δt, Σ over modes, resets dropped, stale repeats removed), but not
 * summed over units.
 *
 * @module
 */
import {
  type Component,
  type EnergySource,
  SOURCE_COMPONENTS,
} from "../types.ts";
import { instancePower } from "./_power.ts";
import type { QueryData } from "./read_query.ts";

/** The power of one unit of one component on one instance. */
export interface UnitPower {
  /** The Kepler instance. */
  readonly instance: string;
  /** The component. */
  readonly component: Component;
  /** The unit (`package` label value; `""` for units-less components). */
  readonly unit: string;
  /** End of each interval, unix seconds (valid intervals only). */
  readonly timestamp: Float64Array;
  /** Watts (Σ over modes of Δjoules/Δt). */
  readonly watts: Float64Array;
}

/** Options of {@linkcode unitPower}. */
export interface UnitPowerOptions {
  /**
   * The label that identifies a Kepler instance.
   *
   * @default {"instance"}
   */
  instanceLabel?: string;
  /**
   * Prometheus job of VM metrics, which are left out.
   *
   * @default {"vm"}
   */
  vmJobName?: string;
}

/**
 * The power per unit of every component of an energy source. Throws a
 * `RangeError` naming the metrics that are missing or have no series of the
 * source.
 *
 * @param query The parsed Prometheus query result.
 * @param source The energy source whose components are read.
 * @param options The instance label and the job of VM metrics to leave out.
 * @returns One entry per instance, component and unit, sorted by instance
 *   then in the source's component order; only valid intervals are kept.
 * @throws {RangeError} when a component's metric is missing or has no
 *   series of the source.
 *
 * @example
 * ```ts
 * import { unitPower } from "./unit_power.ts";
 * import { parseQuery } from "./read_query.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const s = (mode: string, values: [number, string][]) => ({ metric: { source: "acpi", mode }, values });
 * const q = parseQuery(JSON.stringify({ kepler_node_platform_joules_total: [
 *   s("idle", [[0, "0"], [3, "300"], [9, "900"]]), s("dynamic", [[0, "0"], [3, "30"], [9, "30"]]),
 * ] }));
 * const [platform] = unitPower(q, "acpi");
 * assertEquals([...platform!.timestamp], [3, 9]);
 * assertEquals([...platform!.watts], [110, 100]);
 * ```
 */
export function unitPower(
  query: QueryData,
  source: EnergySource,
  options: UnitPowerOptions = {},
): UnitPower[] {
  const components = SOURCE_COMPONENTS[source];
  const { instances, problems } = instancePower(query, source, components, {
    instanceLabel: options.instanceLabel ?? "instance",
    vmJobName: options.vmJobName ?? "vm",
  });
  if (problems.length > 0) {
    throw new RangeError(
      `Cannot read ${source} power: ${
        problems.map((p) => `metric ${p.metric} ${p.problem}`).join("; ")
      }`,
    );
  }
  const out: UnitPower[] = [];
  for (const instance of [...instances.keys()].sort()) {
    const p = instances.get(instance)!;
    for (const component of components) {
      for (const [unit, col] of p.units.get(component) ?? []) {
        const rows: number[] = [];
        for (let k = 1; k < p.grid.length; k++) if (col.valid[k]) rows.push(k);
        out.push({
          instance,
          component,
          unit,
          timestamp: Float64Array.from(rows, (k) => p.grid[k]!),
          watts: Float64Array.from(rows, (k) => col.watts[k]!),
        });
      }
    }
  }
  return out;
}
