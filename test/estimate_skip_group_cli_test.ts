/**
 * `estimate` skips a pipeline's feature group whose input cannot be
 * extracted from the query, with one note naming the group and why, as
 * `train` skips a group that fails. Before 2026-12-08 a pipeline trained
 * on upstream's prom_response.json (which has the legacy KubeletOnly
 * metrics) could not estimate upstream's idle.json at all: "Cannot extract
 * KubeletOnly features … no interval has both rapl-sysfs power and usage
 * data", exit 1, though its other groups extract.
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
import { testdata } from "./testdata.ts";

const PROM = testdata(
  "kepler-model-server/upstream-history/dbe1166/tests/data/prom_output/prom_response.json",
);
const IDLE = testdata(
  "kepler-model-server/upstream-head/tests/data/prom_output/idle.json",
);

Deno.test("`estimate` skips a group it cannot extract from the query with one note, and fails only when no group can be estimated", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kepler-estimate-skip-" });
  const env = { DATAPATH: dir, MODEL_PATH: dir };
  try {
    await Deno.copyFile(PROM, join(dir, "prom.json"));
    await Deno.copyFile(IDLE, join(dir, "idle.json"));
    const train = await runTask("train", [
      "-i",
      "prom",
      "-p",
      "kub",
      "--abs-trainers",
      "LinearRegressionTrainer",
      "--dyn-trainers",
      "LinearRegressionTrainer",
      "--quiet",
    ], { env });
    assertEquals(train.code, 0, train.stderr);
    assert(
      await Deno.stat(join(dir, "kub/rapl-sysfs/AbsPower/KubeletOnly"))
        .then(() => true, () => false),
      "the pipeline has KubeletOnly models",
    );

    const r = await runTask("estimate", ["-i", "idle", "-p", "kub"], { env });
    assertEquals(r.code, 0, r.stderr);
    const notes = r.stderr.split("\n").filter((l) => l.includes("KubeletOnly"));
    assertEquals(notes.length, 1, r.stderr);
    assertMatch(
      notes[0]!,
      /^note: skipped the KubeletOnly models: Cannot extract KubeletOnly features from .*idle\.json: no interval has both rapl-sysfs power and usage data/,
    );
    assertMatch(r.stdout, /rapl-sysfs AbsPower: \d+ models on 5 rows/);
    assert(!/^KubeletOnly /m.test(r.stdout), r.stdout);
    await Deno.stat(join(dir, "output", "estimation_result.csv"));

    // asked for by name, the group still fails, in one line
    const only = await runTask(
      "estimate",
      ["-i", "idle", "-p", "kub", "-fg", "KubeletOnly"],
      { env },
    );
    assertEquals(only.code, 1, only.stderr);
    assertMatch(
      only.stderr.trim(),
      /^kepler-model: error: Cannot extract KubeletOnly features from .*idle\.json: no interval/,
    );
    assertEquals(only.stderr.trim().split("\n").length, 1, only.stderr);

    // a pipeline of that group alone: nothing to estimate, the reason given
    const konly = await runTask("train", [
      "-i",
      "prom",
      "-p",
      "konly",
      "-fg",
      "KubeletOnly",
      "--abs-trainers",
      "LinearRegressionTrainer",
      "--dyn-trainers=",
      "--quiet",
    ], { env });
    assertEquals(konly.code, 0, konly.stderr);
    const none = await runTask("estimate", ["-i", "idle", "-p", "konly"], {
      env,
    });
    assertEquals(none.code, 1, none.stderr);
    assertMatch(
      none.stderr.trim(),
      /^kepler-model: error: Cannot estimate rapl-sysfs AbsPower: none of the 1 models can be used with .*idle\.json: KubeletOnly: Cannot extract KubeletOnly features/,
    );
    assertEquals(none.stderr.trim().split("\n").length, 1, none.stderr);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
