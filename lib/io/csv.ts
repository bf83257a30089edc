/**
 * CSV files on csv-parse and csv-stringify: a table is a header plus rows of
 * cells, read as strings; writing is atomic.
 *
 * @module
 */
import { parse } from "csv-parse/sync";
import { stringify } from "csv-stringify/sync";
import { writeFileAtomic } from "./atomic.ts";
import { readTextFile } from "./read.ts";

/** A cell value written to CSV; `undefined` and `null` write empty cells. */
export type CsvCell = string | number | boolean | null | undefined;

/** A table read from CSV: a header and string rows of the same width. */
export interface CsvTable {
  /** Column names, in order (may contain an empty name, as pandas' index). */
  header: string[];
  /** Rows of cells, each as wide as the header. */
  rows: string[][];
}

/**
 * Parses CSV text with a header row. Rows wider or narrower than the header
 * throw a `SyntaxError` naming the line.
 *
 * @example
 * ```ts
 * import { parseCsv } from "./csv.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(parseCsv("a,b\n1,2\n"), { header: ["a", "b"], rows: [["1", "2"]] });
 * ```
 */
export function parseCsv(text: string, source = "CSV input"): CsvTable {
  let records: string[][];
  try {
    records = parse(text, {
      relax_column_count: false,
      bom: true,
    }) as string[][];
  } catch (error) {
    throw new SyntaxError(
      `Cannot parse ${source} as CSV: ${(error as Error).message}`,
      { cause: error },
    );
  }
  const [header, ...rows] = records;
  if (header === undefined) {
    throw new SyntaxError(
      `Cannot parse ${source} as CSV: it has no header row`,
    );
  }
  return { header, rows };
}

/** Reads a CSV file with a header row (see {@linkcode parseCsv}). */
export async function readCsvFile(path: string): Promise<CsvTable> {
  return parseCsv(await readTextFile(path), path);
}

/**
 * Formats a header and rows as CSV text (RFC 4180 quoting, `\n` line ends).
 * Numbers are written with JavaScript's shortest round-trip form.
 *
 * @example
 * ```ts
 * import { formatCsv } from "./csv.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(formatCsv(["a", "b"], [[1, "x,y"]]), 'a,b\n1,"x,y"\n');
 * ```
 */
export function formatCsv(
  header: readonly string[],
  rows: Iterable<readonly CsvCell[]>,
): string {
  const out: string[][] = [header.map(String)];
  for (const row of rows) out.push(row.map(cellText));
  return stringify(out, { record_delimiter: "unix" });
}

function cellText(cell: CsvCell): string {
  return cell === null || cell === undefined ? "" : String(cell);
}

/**
 * One row as {@linkcode formatCsv} writes it, without the line end: cells
 * quoted where needed and joined with commas.
 *
 * @param cells The row's cells (`null`/`undefined` write empty cells).
 * @returns The row's text.
 *
 * @example
 * ```ts
 * import { formatCsvRow } from "./csv.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(formatCsvRow([1, "x,y", null, 'a"b']), '1,"x,y",,"a""b"');
 * ```
 */
export function formatCsvRow(cells: readonly CsvCell[]): string {
  return stringify([cells.map(cellText)], { record_delimiter: "unix" })
    .slice(0, -1);
}

/** Rows formatted at once by {@linkcode csvPieces}. */
const PIECE_ROWS = 4096;

/**
 * The text of {@linkcode formatCsv} in pieces (the header, then a few
 * thousand rows at a time), for writing a large table without holding it:
 * the rows are read from the iterable as the pieces are taken.
 *
 * @param header Column names.
 * @param rows Rows of cells (`null`/`undefined` write empty cells).
 * @returns The pieces, whose concatenation is `formatCsv(header, rows)`.
 *
 * @example
 * ```ts
 * import { csvPieces, formatCsv } from "./csv.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const rows = [[1, "x,y"], [2, null]];
 * assertEquals([...csvPieces(["a", "b"], rows)].join(""), formatCsv(["a", "b"], rows));
 * ```
 */
export function* csvPieces(
  header: readonly string[],
  rows: Iterable<readonly CsvCell[]>,
): Generator<string> {
  const options = { record_delimiter: "unix" } as const;
  yield stringify([header.map(String)], options);
  let batch: string[][] = [];
  for (const row of rows) {
    batch.push(row.map(cellText));
    if (batch.length === PIECE_ROWS) {
      yield stringify(batch, options);
      batch = [];
    }
  }
  if (batch.length > 0) yield stringify(batch, options);
}

/**
 * Writes a CSV file atomically.
 *
 * @example
 * ```ts
 * import { readCsvFile, writeCsvFile } from "./csv.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await writeCsvFile(`${dir}/t.csv`, ["x"], [[1], [2]]);
 * assertEquals((await readCsvFile(`${dir}/t.csv`)).rows, [["1"], ["2"]]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeCsvFile(
  path: string,
  header: readonly string[],
  rows: Iterable<readonly CsvCell[]>,
): Promise<void> {
  await writeFileAtomic(path, csvPieces(header, rows));
}
