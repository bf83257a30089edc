/**
 * Reading a benchmark file (`<data>/<benchmark>.json`) with a one-line
 * error: bad JSON is a `SyntaxError` naming the file, without the raw line
 * breaks that V8's message quotes. Private to lib/query.
 *
 * @module
 */
import { readJsonFile } from "../io/mod.ts";

/** The parsed content of the benchmark file at `path`. */
export async function readBenchmarkFile(path: string): Promise<unknown> {
  try {
    return await readJsonFile<unknown>(path);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    throw new SyntaxError(error.message.replace(/\r?\n/g, "\\n"), {
      cause: error,
    });
  }
}
