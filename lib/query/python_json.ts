/**
 * JSON text as Python's `json.dump(obj, f)` writes it with default
 * arguments: `", "` and `": "` separators, no indentation, no trailing
 * newline, non-ASCII escaped as `\uXXXX`, floats in Python's `repr` form.
 * Upstream kepler-model-server writes its query JSON, benchmark file and
 * machine spec this way; writing the same bytes keeps diffs against upstream
 * output meaningful.
 *
 * @module
 */

/**
 * Formats a finite number as Python's `repr(float)`, or as an integer when
 * the value is whole (JSON does not keep Python's int/float distinction;
 * Prometheus writes whole timestamps as integers).
 */
function pythonNumber(n: number): string {
  if (!Number.isFinite(n)) {
    // Python writes NaN/Infinity (not valid JSON); keep that behaviour.
    return Number.isNaN(n) ? "NaN" : n > 0 ? "Infinity" : "-Infinity";
  }
  if (Number.isInteger(n) && Math.abs(n) < 1e16) return String(n);
  const abs = Math.abs(n);
  const exponent = abs === 0 ? 0 : Math.floor(Math.log10(abs));
  if (Number.isInteger(n) || exponent < -4 || exponent >= 16) {
    // Python: exponent form with at least two exponent digits.
    const [mantissa, exp] = n.toExponential().split("e") as [string, string];
    const sign = exp.startsWith("-") ? "-" : "+";
    const digits = exp.replace(/^[+-]/, "").padStart(2, "0");
    return `${mantissa}e${sign}${digits}`;
  }
  return String(n);
}

function pythonString(s: string): string {
  return JSON.stringify(s).replace(
    /[\u007f-\uffff]/g,
    (c) =>
      c === "\u007f"
        ? c
        : `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

function write(value: unknown, out: string[]): void {
  if (value === null || value === undefined) {
    out.push("null");
  } else if (typeof value === "string") {
    out.push(pythonString(value));
  } else if (typeof value === "number") {
    out.push(pythonNumber(value));
  } else if (typeof value === "boolean") {
    out.push(value ? "true" : "false");
  } else if (Array.isArray(value)) {
    out.push("[");
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out.push(", ");
      write(value[i], out);
    }
    out.push("]");
  } else if (typeof value === "object") {
    out.push("{");
    let first = true;
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
      if (v === undefined) continue;
      if (!first) out.push(", ");
      first = false;
      out.push(pythonString(key), ": ");
      write(v, out);
    }
    out.push("}");
  } else {
    throw new TypeError(
      `Cannot write a ${typeof value} as JSON: only null, strings, numbers, booleans, arrays and objects`,
    );
  }
}

/**
 * Formats a value as Python's `json.dumps(value)` does with default options.
 *
 * @example
 * ```ts
 * import { formatPythonJson } from "./python_json.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(
 *   formatPythonJson({ m: [{ metric: { a: "é" }, values: [[1702462599, "0"], [1.5, "1e-05"]] }] }),
 *   '{"m": [{"metric": {"a": "\\u00e9"}, "values": [[1702462599, "0"], [1.5, "1e-05"]]}]}',
 * );
 * assertEquals(formatPythonJson([0.00001, 1e16, 0.25]), "[1e-05, 1e+16, 0.25]");
 * ```
 */
export function formatPythonJson(value: unknown): string {
  const out: string[] = [];
  write(value, out);
  return out.join("");
}
