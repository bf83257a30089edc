/**
 * The one error for a file given as a query JSON that is not one (`{"a":1}`,
 * `[]`, a pipeline's metadata.json), raised alike by every reader of query
 * files: {@linkcode readQueryJson} and extract's byte scanner.
 *
 * @module
 */

/**
 * A `SyntaxError` saying that `path` is not a query JSON, why, and what a
 * query JSON is.
 *
 * @example
 * ```ts
 * import { notQueryJson } from "./not_query_json.ts";
 * import { ok as assert } from "node:assert/strict";
 * const error = notQueryJson("data/m.json", "metric model_name is not a list of series");
 * assert(error instanceof SyntaxError);
 * assert(error.message.startsWith("data/m.json is not a query JSON: metric model_name is not a list of series ("));
 * ```
 */
export function notQueryJson(path: string, detail: string): SyntaxError {
  return new SyntaxError(
    `${path} is not a query JSON: ${detail} (a query JSON, as query and simulate write it, maps each metric name to a list of {"metric": {...}, "values": [...]} series)`,
  );
}
