/**
 * JSON files: reading with errors that name the file, and atomic writing.
 *
 * @module
 */
import { writeFileAtomic } from "./atomic.ts";
import { readTextFile } from "./read.ts";

/**
 * Reads and parses a JSON file. A missing file gives a `Deno.errors.NotFound`
 * and bad JSON a `SyntaxError`, each naming the path.
 *
 * @example
 * ```ts
 * import { readJsonFile, writeJsonFile } from "./json.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await writeJsonFile(`${dir}/x.json`, { a: 1 });
 * assertEquals(await readJsonFile(`${dir}/x.json`), { a: 1 });
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function readJsonFile<T = unknown>(path: string): Promise<T> {
  return parseJsonText<T>(await readTextFile(path), path);
}

/**
 * Parses JSON text; bad JSON gives a `SyntaxError` naming `where` (a path,
 * or a path inside a zip).
 *
 * @param text The JSON text.
 * @param where What the text is, for the error message.
 * @returns The parsed value.
 * @throws {SyntaxError} When the text is not JSON.
 *
 * @example
 * ```ts
 * import { parseJsonText } from "./json.ts";
 * import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
 * assertEquals(parseJsonText('{"a":1}', "x.json"), { a: 1 });
 * throws(() => parseJsonText("{", "x.json"), /^SyntaxError: Cannot parse x.json as JSON: /);
 * ```
 */
export function parseJsonText<T = unknown>(text: string, where: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new SyntaxError(
      `Cannot parse ${where} as JSON: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

/** Options of {@linkcode writeJsonFile}. */
export interface WriteJsonOptions {
  /** Indentation; 0 writes compact JSON. Default: 2. */
  indent?: number;
}

/**
 * Writes a value as JSON atomically, with a trailing newline.
 *
 * @example
 * ```ts
 * import { writeJsonFile } from "./json.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await writeJsonFile(`${dir}/x.json`, [1], { indent: 0 });
 * assertEquals(await Deno.readTextFile(`${dir}/x.json`), "[1]\n");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeJsonFile(
  path: string,
  value: unknown,
  options: WriteJsonOptions = {},
): Promise<void> {
  const indent = options.indent ?? 2;
  const text = indent > 0
    ? JSON.stringify(value, null, indent)
    : JSON.stringify(value);
  await writeFileAtomic(path, text + "\n");
}
