/**
 * Reading files with errors that say which file and why.
 *
 * @module
 */

/**
 * Reads a text file; a missing file throws `Deno.errors.NotFound` with the
 * message "Cannot read <path>: file not found".
 *
 * @example
 * ```ts
 * import { readTextFile } from "./read.ts";
 * import { rejects as assertRejects } from "node:assert/strict";
 * await assertRejects(() => readTextFile("/nonexistent/x"), Deno.errors.NotFound);
 * ```
 */
export async function readTextFile(path: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (error) {
    throw rethrowRead(error, path);
  }
}

/** Reads a binary file, with the same errors as {@linkcode readTextFile}. */
export async function readBinaryFile(path: string): Promise<Uint8Array> {
  try {
    return await Deno.readFile(path);
  } catch (error) {
    throw rethrowRead(error, path);
  }
}

/** Whether a path exists (any kind of file). */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

function rethrowRead(error: unknown, path: string): unknown {
  if (error instanceof Deno.errors.NotFound) {
    return new Deno.errors.NotFound(`Cannot read ${path}: file not found`, {
      cause: error,
    });
  }
  if (error instanceof Deno.errors.IsADirectory) {
    return new Deno.errors.IsADirectory(
      `Cannot read ${path}: it is a folder, not a file`,
      { cause: error },
    );
  }
  return error;
}
