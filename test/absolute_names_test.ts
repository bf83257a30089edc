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

Deno.test("validate, train and estimate read a query named by its absolute path, wherever DATAPATH points", async () => {
  const runs = await Deno.makeTempDir({ prefix: "kepler-abs-runs-" });
  const data = await Deno.makeTempDir({ prefix: "kepler-abs-data-" });
  const env = { DATAPATH: data, MODEL_PATH: data };
  try {
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
      runs,
    ], { env });
    assertEquals(sim.code, 0, sim.stderr);
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
