/**
 * Two defects of the extracting commands found on 2026-12-08:
 *
 * - intervals dropped for NaN samples went unreported (ten `"NaN"` values
 *   in one package series: extract kept 188 of 199 intervals with no note,
 *   validate said 0 of 199 excluded, train used 188 rows silently); they
 *   are now counted and reported as counter resets are;
 * - an output name with a folder in it, for the files whose names get a
 *   prefix (`extracted_<output>.csv`, `isolated_<output>.csv`), built junk
 *   folders (`$DATAPATH/extracted_/tmp/x/out.csv`); it is now a usage error
 *   naming the flag and the value.
 *
 * @module
 */
import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  ok as assert,
} from "node:assert/strict";
import { join } from "node:path";
import { runTask } from "./_cli.ts";
import { type QueryJson, simulatedQuery } from "./_small_pipeline.ts";

/** Simulates 10 minutes of one node as `<dir>/q.json` and returns it. */
function simulated(dir: string): Promise<QueryJson> {
  return simulatedQuery(dir);
}

const NOTE =
  /note: .*nan\.json: 11 intervals with NaN or infinite samples dropped/;

Deno.test("extract, isolate, validate and train report the intervals dropped for NaN samples", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kepler-nan-notes-" });
  const env = { DATAPATH: dir, MODEL_PATH: dir };
  try {
    const q = await simulated(dir);
    const series = q.kepler_node_package_joules_total!.find((s) =>
      s.metric.source === "rapl-sysfs"
    )!;
    for (let i = 50; i < 60; i++) series.values[i]![1] = "NaN";
    await Deno.writeTextFile(join(dir, "nan.json"), JSON.stringify(q));

    const extract = await runTask(
      "extract",
      ["-i", "nan", "-fg", "BPFOnly", "-o", "x"],
      { env },
    );
    assertEquals(extract.code, 0, extract.stderr);
    // which rows are kept is unchanged: 199 intervals, 11 touch a NaN
    assertMatch(extract.stdout, /Extracted 188 node rows/);
    assertMatch(extract.stderr, NOTE);
    assertEquals(extract.stderr.trim().split("\n").length, 1, extract.stderr);

    const isolate = await runTask(
      "isolate",
      ["-i", "nan", "-fg", "BPFOnly", "-o", "x"],
      { env },
    );
    assertEquals(isolate.code, 0, isolate.stderr);
    assertMatch(isolate.stderr, NOTE);

    const validate = await runTask("validate", ["-i", "nan"], { env });
    assertMatch(
      validate.stdout,
      /rapl-sysfs: 0 of 199 intervals \(0\.0 %\): .*; 11 more with NaN or infinite samples/,
    );

    const train = await runTask("train", [
      "-i",
      "nan",
      "--id",
      "q",
      "-fg",
      "BPFOnly",
      "--abs-trainers",
      "LinearRegressionTrainer",
      "--dyn-trainers=",
    ], { env });
    assertEquals(train.code, 0, train.stderr);
    assertMatch(train.stderr, NOTE);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a prefixed output name holding a folder is a usage error naming the flag; absolute -i still works", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kepler-prefixed-names-" });
  const env = { DATAPATH: dir, MODEL_PATH: dir };
  try {
    await simulated(dir);
    const out = join(dir, "x", "out");
    for (
      const [args, file] of [
        [["extract", "-i", "q", "-fg", "BPFOnly", "-o", out], "extracted_"],
        [
          ["extract", "-i", "q", "-fg", "BPFOnly,IRQOnly", "-o", "a/b"],
          "extracted_",
        ],
        [["isolate", "-i", "q", "-fg", "BPFOnly", "-o", out], "isolated_"],
      ] as const
    ) {
      const r = await runTask(args[0], args.slice(1), { env });
      assertEquals(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      const value = args.at(-1)!;
      assertEquals(
        r.stderr.trim(),
        `kepler-model: error: -o/--output: "${value}" cannot name ${file}<name>.csv: a name with a prefix cannot hold "/" (the file goes in DATAPATH; give a plain name and set DATAPATH to choose the folder)`,
      );
    }
    const written = await runTask(
      "extract",
      ["-i", "q", "-fg", "BPFOnly", "-o", "plain"],
      { env },
    );
    assertEquals(written.code, 0, written.stderr);
    const fromData = await runTask(
      "isolate_from_data",
      ["-i", "plain", "-o", "a/b"],
      { env },
    );
    assertEquals(fromData.code, 2, fromData.stderr);
    assertMatch(fromData.stderr, /-o\/--output: "a\/b" cannot name isolated_/);
    const fromFolder = await runTask(
      "isolate_from_data",
      ["-i", "x/plain", "-o", "iso"],
      { env },
    );
    assertEquals(fromFolder.code, 2, fromFolder.stderr);
    assertMatch(
      fromFolder.stderr,
      /^kepler-model: error: -i\/--input: "x\/plain" cannot name extracted_<name>\.csv/,
    );
    const names = [];
    for await (const e of Deno.readDir(dir)) names.push(e.name);
    assert(
      !names.some((n) => n === "extracted_" || n === "isolated_" || n === "x"),
      names.join(", "),
    );

    // an absolute query name (-i) is read wherever DATAPATH points
    const elsewhere = await Deno.makeTempDir({ prefix: "kepler-prefixed-d-" });
    try {
      const abs = await runTask(
        "extract",
        ["-i", join(dir, "q"), "-fg", "BPFOnly", "-o", "out"],
        { env: { DATAPATH: elsewhere } },
      );
      assertEquals(abs.code, 0, abs.stderr);
      await Deno.stat(join(elsewhere, "extracted_out.csv"));
    } finally {
      await Deno.remove(elsewhere, { recursive: true });
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
