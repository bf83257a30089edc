/**
 * Model filters of the model server and the estimator (`filter` in a
 * ModelRequest or PowerRequest, Kepler's `<PREFIX>_FILTERS`): items
 * `attribute:limit` separated by `;`, e.g. `mae:10;mape:20`.
 *
 * A model passes when its metadata has a number for every attribute and the
 * number is at most the limit (at least the limit for `abs_max_corr`,
 * the one higher-is-better attribute upstream knows). `features:a,b` keeps
 * models whose features are all in the list. Unlike upstream, whose
 * `is_valid_model` used `hasattr` on a dict and so rejected every model as
 * soon as any filter was given, filters here work; and a MAPE of −1
 * (upstream's "undefined", e.g. an all-zero component) does not pass a MAPE
 * limit.
 *
 * @module
 */

/** One filter item. */
export type ModelFilter =
  | {
    /** A metadata attribute, e.g. `mae`, `mape`, `package_mae`. */
    attribute: string;
    /** The limit. */
    limit: number;
    /** `"max"`: value ≤ limit (errors); `"min"`: value ≥ limit. */
    bound: "max" | "min";
  }
  | {
    /** The `features` filter. */
    attribute: "features";
    /** The features a model may use. */
    features: readonly string[];
  };

/** Attributes where a higher value is better (upstream's list). */
export const HIGHER_IS_BETTER: readonly string[] = ["abs_max_corr"];

const ATTRIBUTE = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/**
 * Parses a filter string; an empty or missing string is no filter. Throws
 * a `RangeError` naming the bad item.
 *
 * @example
 * ```ts
 * import { parseModelFilter } from "./model_filter.ts";
 * import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
 * assertEquals(parseModelFilter("mae:10; mape:20"), [
 *   { attribute: "mae", limit: 10, bound: "max" },
 *   { attribute: "mape", limit: 20, bound: "max" },
 * ]);
 * assertEquals(parseModelFilter(""), []);
 * assertThrows(() => parseModelFilter("mae:ten"), RangeError);
 * ```
 */
export function parseModelFilter(text: string | undefined): ModelFilter[] {
  const out: ModelFilter[] = [];
  if (text === undefined) return out;
  if (text.length > 4096) {
    throw new RangeError(
      `Invalid filter: ${text.length} characters, the limit is 4096`,
    );
  }
  for (const raw of text.split(";")) {
    const item = raw.trim();
    if (item === "") continue;
    const colon = item.indexOf(":");
    if (colon < 0) {
      throw new RangeError(
        `Invalid filter item "${item}": expected attribute:value, e.g. mae:10`,
      );
    }
    const attribute = item.slice(0, colon).trim();
    const value = item.slice(colon + 1).trim();
    if (!ATTRIBUTE.test(attribute)) {
      throw new RangeError(
        `Invalid filter item "${item}": "${attribute}" is not an attribute name`,
      );
    }
    if (attribute === "features") {
      const features = value.split(",").map((f) => f.trim()).filter((f) =>
        f !== ""
      );
      out.push({ attribute: "features", features });
      continue;
    }
    const limit = Number(value);
    if (value === "" || !Number.isFinite(limit)) {
      throw new RangeError(
        `Invalid filter item "${item}": "${value}" is not a number`,
      );
    }
    out.push({
      attribute,
      limit,
      bound: HIGHER_IS_BETTER.includes(attribute) ? "min" : "max",
    });
  }
  return out;
}

/** The number a metadata value stands for, or undefined. */
function numberOf(value: unknown): number | undefined {
  if (typeof value === "number") {
    return Number.isFinite(value) ? value : undefined;
  }
  if (typeof value === "string" && value.trim() !== "") {
    const n = Number(value);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

/**
 * Whether a model (its metadata and features) passes every filter.
 *
 * @example
 * ```ts
 * import { parseModelFilter, passesModelFilter } from "./model_filter.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const f = parseModelFilter("mae:10;mape:20");
 * assertEquals(passesModelFilter({ mae: 9.5, mape: 12 }, ["a"], f), true);
 * assertEquals(passesModelFilter({ mae: 9.5, mape: 25 }, ["a"], f), false);
 * assertEquals(passesModelFilter({ mae: 9.5, mape: -1 }, ["a"], f), false);
 * assertEquals(passesModelFilter({ mae: 9.5 }, ["a"], f), false);
 * ```
 */
export function passesModelFilter(
  metadata: Readonly<Record<string, unknown>>,
  features: readonly string[],
  filters: readonly ModelFilter[],
): boolean {
  for (const f of filters) {
    if ("features" in f) {
      if (!features.every((x) => f.features.includes(x))) return false;
      continue;
    }
    const v = numberOf(metadata[f.attribute]);
    if (v === undefined) return false;
    // upstream writes −1 for a MAPE it could not compute
    if (f.attribute.endsWith("mape") && v < 0) return false;
    if (f.bound === "max" ? !(v <= f.limit) : !(v >= f.limit)) return false;
  }
  return true;
}
