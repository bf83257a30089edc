/**
 * Names that are absolute paths, as upstream's `os.path.join` reads them:
 * `-i /runs/kepler_query` is `/runs/kepler_query.json` wherever DATAPATH
 * points (an absolute part replaces the folders before it). Before
 * 2026-12-07 every command joined it below DATAPATH and failed with
 * "Cannot read <DATAPATH>/runs/kepler_query.json".
 *
 * @module
 */
import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import { join } from "node:path";
import { runTask } from "./_cli.ts";

/** 10 minutes of a small acpi node as `<folder>/q.json`. */
async function simulateQuery(
  folder: string,
  env: Record<string, string>,
): Promise<void> {
  const sim = await runTask("simulate", [
    "-o",
    "q",
    "--duration",
    "600",
    "--containers",
    "4",
    "--sources",
    "acpi",
    "--data-path",
    folder,
  ], { env });
  assertEquals(sim.code, 0, sim.stderr);
}

Deno.test("validate, train and estimate read a query named by its absolute path, wherever DATAPATH points", async () => {
  const runs = await Deno.makeTempDir({ prefix: "kepler-abs-runs-" });
  const data = await Deno.makeTempDir({ prefix: "kepler-abs-data-" });
  const env = { DATAPATH: data, MODEL_PATH: data };
  try {
    await simulateQuery(runs, env);
    const query = join(runs, "q");

    const validate = await runTask("validate", ["-i", query], { env });
    assertEquals(validate.code, 0, validate.stderr);
    // the result lands beside the query, as upstream's join puts it
    const table = await Deno.readTextFile(join(runs, "q_validate_result.csv"));
    assert(table.split("\n").length > 1, table);

    const train = await runTask("train", [
      "-i",
      `${query}.json`,
      "-p",
      "p",
      "-e",
      "acpi",
      "--abs-trainers",
      "LinearRegressionTrainer",
      "--dyn-trainers",
      "LinearRegressionTrainer",
      "--quiet",
    ], { env });
    assertEquals(train.code, 0, train.stderr);
    const md = JSON.parse(
      await Deno.readTextFile(
        join(
          data,
          "p/acpi/AbsPower/BPFOnly/LinearRegressionTrainer_0/metadata.json",
        ),
      ),
    );
    assert(Number.isFinite(md.mae), JSON.stringify(md));

    const out = join(runs, "estimates");
    const estimate = await runTask("estimate", [
      "-i",
      query,
      "-p",
      "p",
      "-e",
      "acpi",
      "-o",
      out,
    ], { env });
    assertEquals(estimate.code, 0, estimate.stderr);
    const rows = (await Deno.readTextFile(join(out, "estimation_result.csv")))
      .trim().split("\n");
    // a header and one row per interval of the 10 minutes at 3 s
    assert(rows.length > 150, `${rows.length} rows`);
  } finally {
    await Deno.remove(runs, { recursive: true });
    await Deno.remove(data, { recursive: true });
  }
});

Deno.test("train, train_from_data, export and plot take -p as a pipeline folder path, absolute or below MODEL_PATH, as upstream's join does", async () => {
  const runs = await Deno.makeTempDir({ prefix: "kepler-abs-runs-" });
  const models = await Deno.makeTempDir({ prefix: "kepler-abs-models-" });
  const env = { DATAPATH: runs, MODEL_PATH: models };
  const trainers = [
    "--abs-trainers",
    "LinearRegressionTrainer",
    "--dyn-trainers",
    "LinearRegressionTrainer",
    "--quiet",
  ];
  try {
    await simulateQuery(runs, env);
    // before: "No such file or directory (os error 2): open '<models>/<runs>/p.lock'"
    const pipeline = join(runs, "p");
    const train = await runTask(
      "train",
      ["-i", "q", "-p", pipeline, "-e", "acpi", ...trainers],
      { env },
    );
    assertEquals(train.code, 0, train.stderr);
    assert((await Deno.lstat(pipeline)).isSymlink, "the pipeline's link");
    assert((await Deno.stat(`${pipeline}.zip`)).isFile, "its archive");
    const csv = join(
      pipeline,
      "preprocessed_data",
      "preprocess_abs_default_acpi_BPFOnly",
    );
    const more = await runTask("train_from_data", [
      "-i",
      csv,
      "-p",
      pipeline,
      "--trainers",
      "SGDRegressorTrainer",
    ], { env });
    assertEquals(more.code, 0, more.stderr);
    await Deno.stat(
      join(pipeline, "acpi/AbsPower/BPFOnly/SGDRegressorTrainer_0.zip"),
    );
    const exported = await runTask("export", [
      "-p",
      pipeline,
      "-o",
      join(runs, "db"),
      "--publisher",
      "me",
      "--collect-date",
      "2026-12-07T00:00:00Z",
      "--mae-threshold",
      "1000",
      "--mape-threshold",
      "1000",
      "--hard-threshold",
      "1000",
    ], { env });
    assertEquals(exported.code, 0, exported.stderr);
    const weights = join(
      runs,
      "db/v0.7/p/acpi/AbsPower/BPFOnly/SGDRegressorTrainer_0.json",
    );
    assert((await Deno.stat(weights)).isFile, weights);
    const plot = await runTask("plot", [
      "--target-data",
      "metadata",
      "-p",
      pipeline,
      "-e",
      "acpi",
    ], { env });
    assertEquals(plot.code, 0, plot.stderr);
    // a folder below MODEL_PATH, as join(MODEL_PATH, "team/p") is
    const below = await runTask(
      "train",
      ["-i", "q", "-p", "team/p", "-e", "acpi", ...trainers],
      { env },
    );
    assertEquals(below.code, 0, below.stderr);
    assert((await Deno.lstat(join(models, "team", "p"))).isSymlink);
    const estimate = await runTask(
      "estimate",
      ["-i", "q", "-p", "team/p", "-e", "acpi", "-o", "est"],
      { env },
    );
    assertEquals(estimate.code, 0, estimate.stderr);
    await Deno.stat(join(runs, "est", "estimation_result.csv"));
    // a name that names no pipeline: one line, nothing written
    const none = await runTask("train", ["-i", "q", "-p", ".."], { env });
    assertEquals(none.code === 0, false);
    assertEquals(
      none.stderr.trim(),
      'kepler-model: error: -p/--pipeline-name: ".." is not a pipeline name',
    );
  } finally {
    await Deno.remove(runs, { recursive: true });
    await Deno.remove(models, { recursive: true });
  }
});
