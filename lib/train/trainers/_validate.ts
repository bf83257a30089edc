/**
 * Input checks shared by the trainers and models.
 *
 * @module
 */
import type { Columns } from "../model.ts";

/**
 * Checks training data and returns the number of rows: at least one column,
 * every column as long as `y`, at least `minRows` rows, all values finite.
 * Throws a `RangeError` naming `who` and the offending value.
 *
 * @example
 * ```ts
 * import { checkTrainingData } from "./_validate.ts";
 * import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
 * const y = Float64Array.of(1, 2);
 * assertEquals(checkTrainingData("T", [Float64Array.of(0, 1)], y), 2);
 * assertThrows(() => checkTrainingData("T", [Float64Array.of(0)], y), RangeError);
 * assertThrows(() => checkTrainingData("T", [Float64Array.of(0, NaN)], y), RangeError);
 * ```
 */
export function checkTrainingData(
  who: string,
  x: Columns,
  y: Float64Array,
  minRows = 1,
): number {
  const n = y.length;
  if (x.length === 0) {
    throw new RangeError(`Cannot fit ${who}: x has no feature columns`);
  }
  if (n < minRows) {
    throw new RangeError(
      `Cannot fit ${who}: it needs at least ${minRows} rows, got ${n}`,
    );
  }
  for (let j = 0; j < x.length; j++) {
    const col = x[j]!;
    if (col.length !== n) {
      throw new RangeError(
        `Cannot fit ${who}: feature column ${j} has ${col.length} rows but y has ${n}`,
      );
    }
    for (let i = 0; i < n; i++) {
      if (!Number.isFinite(col[i]!)) {
        throw new RangeError(
          `Cannot fit ${who}: feature column ${j} row ${i} is ${col[i]}`,
        );
      }
    }
  }
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(y[i]!)) {
      throw new RangeError(`Cannot fit ${who}: y row ${i} is ${y[i]}`);
    }
  }
  return n;
}

/**
 * Checks the columns given to `predict` and returns the number of rows.
 * Throws a `RangeError` on a wrong feature count or ragged columns.
 *
 * @example
 * ```ts
 * import { checkPredictColumns } from "./_validate.ts";
 * import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
 * assertEquals(checkPredictColumns("linear", [new Float64Array(3)], 1), 3);
 * assertThrows(() => checkPredictColumns("linear", [], 1), RangeError);
 * ```
 */
export function checkPredictColumns(
  kind: string,
  x: Columns,
  nFeatures: number,
): number {
  if (x.length !== nFeatures) {
    throw new RangeError(
      `Cannot predict with a ${kind} model: it takes ${nFeatures} feature columns, got ${x.length}`,
    );
  }
  const n = x[0]?.length ?? 0;
  for (let j = 1; j < x.length; j++) {
    if (x[j]!.length !== n) {
      throw new RangeError(
        `Cannot predict with a ${kind} model: feature column ${j} has ${
          x[j]!.length
        } rows but column 0 has ${n}`,
      );
    }
  }
  return n;
}

/**
 * Reads a finite number hyperparameter, checking a lower bound.
 * Throws a `TypeError` for a non-number and a `RangeError` out of range.
 *
 * @example
 * ```ts
 * import { checkNumber } from "./_validate.ts";
 * import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
 * assertEquals(checkNumber("T", "alpha", 0.1, { min: 0 }), 0.1);
 * assertThrows(() => checkNumber("T", "alpha", -1, { min: 0 }), RangeError);
 * assertThrows(() => checkNumber("T", "alpha", "x", {}), TypeError);
 * ```
 */
export function checkNumber(
  who: string,
  name: string,
  value: unknown,
  options: { min?: number; exclusiveMin?: boolean; integer?: boolean },
): number {
  if (typeof value !== "number") {
    throw new TypeError(
      `Cannot fit ${who}: parameter ${name} must be a number, got ${typeof value} ${
        String(value)
      }`,
    );
  }
  if (!Number.isFinite(value)) {
    throw new RangeError(`Cannot fit ${who}: parameter ${name} is ${value}`);
  }
  if (options.integer && !Number.isInteger(value)) {
    throw new RangeError(
      `Cannot fit ${who}: parameter ${name} must be an integer, got ${value}`,
    );
  }
  const min = options.min;
  if (
    min !== undefined &&
    (options.exclusiveMin ? !(value > min) : !(value >= min))
  ) {
    throw new RangeError(
      `Cannot fit ${who}: parameter ${name} must be ${
        options.exclusiveMin ? ">" : "≥"
      } ${min}, got ${value}`,
    );
  }
  return value;
}

/**
 * Checks that a loaded JSON field is an array of finite numbers of the
 * expected length (any length when omitted) and returns it as a
 * Float64Array. Throws a `TypeError` naming the kind and field.
 *
 * @example
 * ```ts
 * import { jsonNumbers } from "./_validate.ts";
 * import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
 * assertEquals(jsonNumbers("linear", "coef", [1, 2], 2), Float64Array.of(1, 2));
 * assertThrows(() => jsonNumbers("linear", "coef", [1, "2"]), TypeError);
 * ```
 */
export function jsonNumbers(
  kind: string,
  field: string,
  value: unknown,
  length?: number,
): Float64Array {
  if (!Array.isArray(value)) {
    throw new TypeError(
      `Cannot load a ${kind} model: field ${field} is not an array`,
    );
  }
  if (length !== undefined && value.length !== length) {
    throw new TypeError(
      `Cannot load a ${kind} model: field ${field} has ${value.length} values, expected ${length}`,
    );
  }
  const out = new Float64Array(value.length);
  for (let i = 0; i < value.length; i++) {
    const v: unknown = value[i];
    if (typeof v !== "number" || !Number.isFinite(v)) {
      throw new TypeError(
        `Cannot load a ${kind} model: field ${field}[${i}] is ${String(v)}`,
      );
    }
    out[i] = v;
  }
  return out;
}

/**
 * Checks that a loaded JSON field is a finite number.
 *
 * @example
 * ```ts
 * import { jsonNumber } from "./_validate.ts";
 * import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
 * assertEquals(jsonNumber("linear", "intercept", 3), 3);
 * assertThrows(() => jsonNumber("linear", "intercept", null), TypeError);
 * ```
 */
export function jsonNumber(
  kind: string,
  field: string,
  value: unknown,
): number {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new TypeError(
      `Cannot load a ${kind} model: field ${field} is ${String(value)}`,
    );
  }
  return value;
}

/**
 * Checks a loaded model's `version` field.
 *
 * @example
 * ```ts
 * import { checkVersion } from "./_validate.ts";
 * import { throws as assertThrows } from "node:assert/strict";
 * checkVersion("linear", { version: 1 }, 1);
 * assertThrows(() => checkVersion("linear", { version: 2 }, 1), RangeError);
 * ```
 */
export function checkVersion(
  kind: string,
  json: { version: unknown },
  version: number,
): void {
  if (json.version !== version) {
    throw new RangeError(
      `Cannot load a ${kind} model: format version ${
        String(json.version)
      } is not supported (expected ${version})`,
    );
  }
}

/**
 * A typed array's values as a plain number array, for JSON: the same
 * numbers as `Array.from(values)`, some twenty times faster (V8's
 * `Array.from` takes the iterator path for typed arrays).
 *
 * @example
 * ```ts
 * import { numberArray } from "./_validate.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(numberArray(Float64Array.of(1.5, -0, 3)), [1.5, -0, 3]);
 * assertEquals(numberArray(Int32Array.of(-1, 2)), [-1, 2]);
 * ```
 */
export function numberArray(
  values: Float64Array | Int32Array | Float32Array,
): number[] {
  const out = new Array<number>(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i]!;
  return out;
}
