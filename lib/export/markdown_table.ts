/**
 * Markdown tables as kepler-model-db's reports write them (upstream's
 * `data_to_markdown_table`): a header row, a `---` row, one row per item,
 * each line `| a | b |`.
 *
 * @module
 */

/** A cell of a markdown table. */
export type MarkdownCell = string | number;

/**
 * A markdown table. `|` and line breaks inside cells are escaped so a cell
 * can never break the table.
 *
 * @example
 * ```ts
 * import { markdownTable } from "./markdown_table.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(markdownTable(["a", "b"], [[1, "x|y"]]),
 *   "| a | b |\n| --- | --- |\n| 1 | x\\|y |\n");
 * ```
 */
export function markdownTable(
  header: readonly string[],
  rows: readonly (readonly MarkdownCell[])[],
): string {
  const cell = (v: MarkdownCell) =>
    String(v).replaceAll("|", "\\|").replace(/\r?\n/g, " ");
  const line = (cells: readonly MarkdownCell[]) =>
    `| ${cells.map(cell).join(" | ")} |\n`;
  return line(header) + line(header.map(() => "---")) +
    rows.map((r) => {
      if (r.length !== header.length) {
        throw new RangeError(
          `Cannot write a markdown table row of ${r.length} cells under ${header.length} columns (${
            header.join(", ")
          })`,
        );
      }
      return line(r);
    }).join("");
}
