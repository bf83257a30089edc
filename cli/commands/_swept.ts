/**
 * The note a command prints on stderr when it cleaned what a killed
 * earlier run left (lib/io/stale_temps.ts): the same words for query,
 * train, train_from_data and export.
 *
 * @module
 */
import type { SweepResult } from "../../lib/io/stale_temps.ts";

/**
 * The note lines for what a sweep removed and put back.
 *
 * @param swept What was removed (temps) and put back (restored targets).
 * @returns The lines, each starting with `note:`; none when nothing was done.
 *
 * @example
 * ```ts
 * import { sweptNotes } from "./_swept.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(sweptNotes({ removed: ["/m/.p.0123abcd.tmp"], restored: [] }), [
 *   "note: removed 1 temp file left by an interrupted earlier run: /m/.p.0123abcd.tmp",
 * ]);
 * assertEquals(sweptNotes({ removed: [], restored: [] }), []);
 * ```
 */
export function sweptNotes(swept: SweepResult): string[] {
  const out: string[] = [];
  const n = swept.removed.length;
  if (n > 0) {
    out.push(
      `note: removed ${n} temp file${
        n === 1 ? "" : "s"
      } left by an interrupted earlier run: ${swept.removed.join(", ")}`,
    );
  }
  for (const path of swept.restored) {
    out.push(
      `note: put back ${path} from the copy an interrupted earlier run left aside`,
    );
  }
  return out;
}
