/**
 * The decision log: one JSON object per line, appended, saying why each
 * retrain happened and why each candidate was published or rejected.
 *
 * @module
 */
import { dirname } from "node:path";

/**
 * An append-only JSON-lines file. Each record is one `write` of one whole
 * line, so a crash leaves whole lines behind.
 *
 * @example
 * ```ts
 * import { DecisionLog } from "./decision_log.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const log = await DecisionLog.open(`${dir}/log/decisions.jsonl`);
 * log.write({ action: "retrain", reason: "drift" });
 * log.write({ action: "publish" });
 * log.close();
 * const lines = (await Deno.readTextFile(`${dir}/log/decisions.jsonl`)).trim().split("\n");
 * assertEquals(lines.map((l) => JSON.parse(l).action), ["retrain", "publish"]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class DecisionLog {
  #file: Deno.FsFile;
  #encoder = new TextEncoder();

  private constructor(file: Deno.FsFile) {
    this.#file = file;
  }

  /**
   * Opens (creates, appends to) a log file; its folder is created.
   *
   * @param path The file.
   * @returns The log.
   */
  static async open(path: string): Promise<DecisionLog> {
    await Deno.mkdir(dirname(path), { recursive: true });
    const file = await Deno.open(path, {
      append: true,
      create: true,
      write: true,
    });
    return new DecisionLog(file);
  }

  /**
   * Appends one record as a line.
   *
   * @param record Any JSON-serialisable value.
   */
  write(record: unknown): void {
    const bytes = this.#encoder.encode(JSON.stringify(record) + "\n");
    let done = 0;
    while (done < bytes.length) {
      done += this.#file.writeSync(bytes.subarray(done));
    }
  }

  /** Closes the file. */
  close(): void {
    this.#file.close();
  }
}
