/**
 * Kepler's `MODEL_CONFIG` and the estimator's static model settings
 * (`<LEVEL>_<COVERAGE>_INIT_URL`): which model each key asks for, and how
 * a `MODEL_CONFIG` value is read. Small on purpose: the CLI's
 * configuration reads it at every start.
 *
 * @module
 */
import type { EnergySource, OutputType } from "../types.ts";

/** Kepler's power-source prefixes with the model each one asks for. */
export const INIT_URL_TARGETS: Readonly<
  Record<string, { source: EnergySource; outputType: OutputType }>
> = {
  NODE_TOTAL_INIT_URL: { source: "acpi", outputType: "AbsPower" },
  NODE_COMPONENTS_INIT_URL: { source: "rapl-sysfs", outputType: "AbsPower" },
  CONTAINER_TOTAL_INIT_URL: { source: "acpi", outputType: "DynPower" },
  CONTAINER_COMPONENTS_INIT_URL: {
    source: "rapl-sysfs",
    outputType: "DynPower",
  },
  PROCESS_TOTAL_INIT_URL: { source: "acpi", outputType: "DynPower" },
  PROCESS_COMPONENTS_INIT_URL: {
    source: "rapl-sysfs",
    outputType: "DynPower",
  },
};

/**
 * The settings of a `MODEL_CONFIG` value: `KEY=VALUE` tokens separated by
 * white space (lines or spaces, as Kepler splits it). A value is all that
 * follows the first `=`, so a URL with a query string is kept whole (Kepler
 * and upstream's estimator drop or cut it). Tokens without `=` are ignored.
 *
 * @param text The `MODEL_CONFIG` value.
 * @returns The settings by key.
 *
 * @example
 * ```ts
 * import { parseModelConfig } from "./model_config.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(
 *   parseModelConfig("NODE_TOTAL_ESTIMATOR=true\nNODE_TOTAL_INIT_URL=https://h/m.zip?a=1 junk"),
 *   { NODE_TOTAL_ESTIMATOR: "true", NODE_TOTAL_INIT_URL: "https://h/m.zip?a=1" },
 * );
 * ```
 */
export function parseModelConfig(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const token of text.split(/\s+/)) {
    const at = token.indexOf("=");
    if (at <= 0) continue;
    out[token.slice(0, at)] = token.slice(at + 1);
  }
  return out;
}
