/**
 * How `deno task bench <suite>` records its sections in BENCHMARKS.md:
 * a suite that ran replaces its own section where it stands, and the
 * text written by hand after the section's table (how a figure was taken,
 * what it means) stays below the new table. Suites that did not run keep
 * their sections as they are; a suite's first section goes at the end.
 *
 * Before, a re-run moved its sections to the end and dropped any note a
 * section held, such as the extract section's paragraph on the CLI.
 *
 * @module
 */

/** The table's header line of every generated section. */
const TABLE_HEADER = "| figure | value | goal | |";

/**
 * The hand-written text after a section's table, trimmed ("" when there
 * is none or the section has no table).
 */
export function notesOf(section: string): string {
  const lines = section.split("\n");
  const at = lines.indexOf(TABLE_HEADER);
  if (at < 0) return "";
  let end = at;
  while (end < lines.length && lines[end]!.startsWith("|")) end++;
  return lines.slice(end).join("\n").trim();
}

/**
 * The sections of the file after `fresh` replaced those with the same
 * title line, each keeping the notes of the section it replaces.
 *
 * @param old The file's text (its header before the first `## ` is not
 *   returned).
 * @param fresh The sections of the suites that ran, each starting with
 *   its `## ` title line.
 * @returns The sections in order, each ending with one newline.
 */
export function mergeSections(old: string, fresh: readonly string[]): string[] {
  const title = (s: string) => s.split("\n")[0]!;
  const byTitle = new Map(fresh.map((s) => [title(s), s]));
  const used = new Set<string>();
  const out: string[] = [];
  for (const section of old.split(/^(?=## )/m).slice(1)) {
    const t = title(section);
    const replacement = byTitle.get(t);
    if (replacement === undefined) {
      out.push(section.trimEnd() + "\n");
      continue;
    }
    used.add(t);
    const notes = notesOf(section);
    out.push(
      replacement.trimEnd() + "\n" + (notes === "" ? "" : `\n${notes}\n`),
    );
  }
  for (const s of fresh) {
    if (!used.has(title(s))) out.push(s.trimEnd() + "\n");
  }
  return out;
}
