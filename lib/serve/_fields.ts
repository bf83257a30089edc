/**
 * Field readers shared by the request parsers: each throws a `TypeError` or
 * `RangeError` that names the field and the value.
 *
 * @module
 */
import { type MachineSpec, NODE_ATTRIBUTES } from "../types.ts";

/** A JSON object. */
export type JsonObject = Record<string, unknown>;

/** Whether a value is a plain JSON object. */
export function isObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A short, printable form of a value for messages. */
export function show(v: unknown): string {
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/** Checks that the body is a JSON object. */
export function requestObject(body: unknown, what: string): JsonObject {
  if (!isObject(body)) {
    throw new TypeError(
      `The ${what} must be a JSON object, got ${
        Array.isArray(body) ? "an array" : show(body)
      }`,
    );
  }
  return body;
}

/** A string field, or the fallback when absent or null. */
export function stringField(
  o: JsonObject,
  key: string,
  fallback: string,
  maxLength = 256,
): string {
  const v = o[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== "string") {
    throw new TypeError(`Field "${key}" must be a string, got ${show(v)}`);
  }
  if (v.length > maxLength) {
    throw new RangeError(
      `Field "${key}" is ${v.length} characters long, the limit is ${maxLength}`,
    );
  }
  return v;
}

/** A boolean field, or the fallback when absent or null. */
export function booleanField(
  o: JsonObject,
  key: string,
  fallback: boolean,
): boolean {
  const v = o[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== "boolean") {
    throw new TypeError(`Field "${key}" must be true or false, got ${show(v)}`);
  }
  return v;
}

/** Strings a loose boolean field reads as true or false (trimmed, any case). */
export const LOOSE_BOOLEANS: Readonly<Record<string, boolean>> = {
  true: true,
  false: false,
  "1": true,
  "0": false,
  yes: true,
  no: false,
  on: true,
  off: false,
  "": false,
};

/**
 * A boolean field as upstream's Flask server lets it through, or the
 * fallback when absent or null: `true`/`false`, the numbers 1 and 0, and the
 * strings of {@linkcode LOOSE_BOOLEANS} (`"true"`, `"True"`, `"1"`, `"yes"`,
 * `"on"` are true; `"false"`, `"0"`, `"no"`, `"off"` and `""` are false).
 * Upstream tests the raw value with Python's truthiness, so its `"false"`
 * counts as true there; here a string means what it says. Anything else
 * (other numbers, other strings, lists, objects) is a `TypeError`.
 */
export function looseBooleanField(
  o: JsonObject,
  key: string,
  fallback: boolean,
): boolean {
  const v = o[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v === "boolean") return v;
  if (v === 0 || v === 1) return v === 1;
  if (typeof v === "string") {
    const b = LOOSE_BOOLEANS[v.trim().toLowerCase()];
    if (b !== undefined) return b;
  }
  throw new TypeError(
    `Field "${key}" must be true or false (also "true"/"false", "1"/"0", 1/0), got ${
      show(v)
    }`,
  );
}

/** A list of strings (required unless a fallback is given). */
export function stringListField(
  o: JsonObject,
  key: string,
  options: { fallback?: string[]; maxItems?: number } = {},
): string[] {
  const v = o[key];
  if ((v === undefined || v === null) && options.fallback !== undefined) {
    return options.fallback;
  }
  if (!Array.isArray(v)) {
    throw new TypeError(
      `Field "${key}" must be a list of strings, got ${
        v === undefined ? "nothing" : show(v)
      }`,
    );
  }
  const max = options.maxItems ?? 1000;
  if (v.length > max) {
    throw new RangeError(
      `Field "${key}" has ${v.length} items, the limit is ${max}`,
    );
  }
  for (const [i, s] of v.entries()) {
    if (typeof s !== "string" || s.length > 256) {
      throw new TypeError(
        `Field "${key}" item ${i} must be a string of at most 256 characters, got ${
          show(s)
        }`,
      );
    }
  }
  return v as string[];
}

/**
 * An integer node type ≥ −1: a number, or an integer string (`"1"`,
 * `"1.0"`; upstream's README calls the field a string). Absent, null or
 * `""` is −1 (any).
 */
export function nodeTypeField(o: JsonObject, key: string): number {
  const v = o[key];
  if (v === undefined || v === null || v === "") return -1;
  const n = typeof v === "string" && /^-?\d+(\.0*)?$/.test(v.trim())
    ? Number(v)
    : v;
  if (typeof n !== "number" || !Number.isInteger(n) || n < -1 || n > 1e9) {
    throw new RangeError(
      `Field "${key}" must be an integer node type ≥ −1 (−1: any), got ${
        show(v)
      }`,
    );
  }
  return n;
}

/** Pipeline names: a folder name without separators or leading dots. */
export const PIPELINE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/**
 * Checks a pipeline name given by a client or a URL: letters, digits,
 * `.`, `_` and `-`, starting with a letter or digit, no `..`. Throws a
 * `RangeError` otherwise (a name can never point outside MODEL_PATH).
 */
export function checkPipelineName(
  name: string,
  what = "pipeline name",
): string {
  if (!PIPELINE_NAME.test(name) || name.includes("..")) {
    throw new RangeError(
      `Invalid ${what} ${
        show(name)
      }: use letters, digits, ".", "_" and "-" only (no path separators or "..")`,
    );
  }
  return name;
}

/** Trainer names as a client may give them. */
const TRAINER_NAME = /^[A-Za-z0-9_]{0,128}$/;

/** Checks a trainer name (`""` for any). */
export function checkTrainerName(name: string): string {
  if (!TRAINER_NAME.test(name)) {
    throw new RangeError(
      `Invalid trainer name ${show(name)}: use letters, digits and "_" only`,
    );
  }
  return name;
}

/**
 * A machine spec from a request, keeping only what is known: numbers ≤ 0
 * (Kepler sends 0 for what it could not detect) and empty processors are
 * left out; `vendor`, `threads_per_core` and unknown keys are ignored.
 */
export function machineSpecField(
  o: JsonObject,
  keys: readonly string[],
): Partial<MachineSpec> | undefined {
  const key = keys.find((k) => o[k] !== undefined && o[k] !== null);
  if (key === undefined) return undefined;
  const v = o[key];
  if (!isObject(v)) {
    throw new TypeError(`Field "${key}" must be a JSON object, got ${show(v)}`);
  }
  const out: Partial<MachineSpec> = {};
  for (const attr of NODE_ATTRIBUTES) {
    const a = v[attr];
    if (a === undefined || a === null) continue;
    if (attr === "processor") {
      if (typeof a !== "string") {
        throw new TypeError(
          `Field "${key}.processor" must be a string, got ${show(a)}`,
        );
      }
      if (a.trim() !== "") out.processor = a.trim().slice(0, 256);
      continue;
    }
    const n = typeof a === "string" && a.trim() !== "" ? Number(a) : a;
    if (typeof n !== "number" || !Number.isFinite(n)) {
      throw new TypeError(
        `Field "${key}.${attr}" must be a number, got ${show(a)}`,
      );
    }
    if (n > 0) out[attr] = n;
  }
  return out;
}
