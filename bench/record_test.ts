/**
 * Recording a bench run in BENCHMARKS.md (./_record.ts): a hand-written
 * fixture of three sections, one of which re-runs.
 *
 * @module
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { mergeSections, notesOf } from "./_record.ts";

const OLD = [
  "# Benchmarks",
  "",
  "- Date: then",
  "",
  "## a",
  "",
  "| figure | value | goal | |",
  "| --- | --- | --- | --- |",
  "| x | 1 s |  |  |",
  "",
  "## b",
  "",
  "Source: `bench/b_bench.ts`",
  "",
  "| figure | value | goal | |",
  "| --- | --- | --- | --- |",
  "| y | 2 s |  |  |",
  "",
  "Measured by hand: y was 3 s on the CLI.",
  "",
  "More notes.",
  "",
  "## c (hand-written)",
  "",
  "text",
  "",
].join("\n");

Deno.test("notesOf() gives the text after a section's table", () => {
  const b = OLD.split(/^(?=## )/m)[2]!;
  assertEquals(
    notesOf(b),
    "Measured by hand: y was 3 s on the CLI.\n\nMore notes.",
  );
  assertEquals(notesOf("## c\n\ntext\n"), "");
});

Deno.test("mergeSections() replaces a re-run section in place and keeps its notes", () => {
  const fresh = [
    "## b\n\nSource: `bench/b_bench.ts`\n\n| figure | value | goal | |\n| --- | --- | --- | --- |\n| y | 1.5 s |  |  |\n",
    "## d\n\n| figure | value | goal | |\n| --- | --- | --- | --- |\n| z | 4 s |  |  |\n",
  ];
  assertEquals(mergeSections(OLD, fresh), [
    "## a\n\n| figure | value | goal | |\n| --- | --- | --- | --- |\n| x | 1 s |  |  |\n",
    "## b\n\nSource: `bench/b_bench.ts`\n\n| figure | value | goal | |\n| --- | --- | --- | --- |\n| y | 1.5 s |  |  |\n\nMeasured by hand: y was 3 s on the CLI.\n\nMore notes.\n",
    "## c (hand-written)\n\ntext\n",
    fresh[1]!,
  ]);
});
