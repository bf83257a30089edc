/**
 * Which energy sources an `estimation_result.csv` can belong to. `estimate`
 * names the file after its source only when it estimated several
 * (`<source>_estimation_result.csv`); with one source the file is plain
 * `estimation_result.csv`, and only its power columns say what it holds.
 *
 * @module
 */
import {
  type Component,
  COMPONENTS,
  type EnergySource,
  SOURCE_COMPONENTS,
} from "../types.ts";
import { predictedPowerColumn } from "./estimate_columns.ts";

/**
 * The components an estimation table predicts: those with a
 * `default_<c>_power` column, in vocabulary order.
 *
 * @example
 * ```ts
 * import { estimatedComponents } from "./estimation_sources.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(
 *   estimatedComponents(["timestamp", "dram_power", "default_dram_power", "default_package_power"]),
 *   ["package", "dram"],
 * );
 * ```
 */
export function estimatedComponents(header: readonly string[]): Component[] {
  const names = new Set(header);
  return COMPONENTS.filter((c) => names.has(predictedPowerColumn(c)));
}

/**
 * The sources among `sources` whose components cover every component an
 * estimation table predicts (none when it predicts none). RAPL-like sources
 * share their components, so a RAPL table matches each RAPL source asked
 * for; an ACPI table (`platform`) matches acpi, hmc and redfish.
 *
 * @example
 * ```ts
 * import { estimationSources } from "./estimation_sources.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const acpiTable = ["timestamp", "platform_power", "default_platform_power"];
 * assertEquals(estimationSources(acpiTable, ["rapl-sysfs", "acpi"]), ["acpi"]);
 * assertEquals(estimationSources(acpiTable, ["rapl-sysfs"]), []);
 * ```
 */
export function estimationSources(
  header: readonly string[],
  sources: readonly EnergySource[],
): EnergySource[] {
  const predicted = estimatedComponents(header);
  if (predicted.length === 0) return [];
  return sources.filter((s) =>
    predicted.every((c) => SOURCE_COMPONENTS[s].includes(c))
  );
}
