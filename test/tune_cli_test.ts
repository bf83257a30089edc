/**
 * `train --tune`: `none` reproduces the models of the code before the
 * search existed byte for byte; the default budget records its choices and
 * the untuned figures.
 */
import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import { join, relative } from "node:path";
import { runTask } from "./_cli.ts";
import { testdata } from "./testdata.ts";

const TRAINERS = [
  "KNeighborsRegressorTrainer",
  "GradientBoostingRegressorTrainer",
  "SGDRegressorTrainer",
  "LinearRegressionTrainer",
].join(",");

/** Files whose bytes hold the time or the data path. */
const VARYING = new Set([
  ".pipeline.zip",
  "metadata.json",
  "train_arguments.json",
]);

async function sha256(path: string): Promise<string> {
  const h = await crypto.subtle.digest("SHA-256", await Deno.readFile(path));
  return Array.from(new Uint8Array(h), (b) => b.toString(16).padStart(2, "0"))
    .join("");
}

async function hashes(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (d: string): Promise<void> => {
    for await (const e of Deno.readDir(d)) {
      const p = join(d, e.name);
      if (e.isDirectory) await walk(p);
      else if (e.isFile && !VARYING.has(relative(root, p))) {
        out[relative(root, p)] = await sha256(p);
      }
    }
  };
  await walk(root);
  return Object.fromEntries(Object.entries(out).sort());
}

async function simulateAndTrain(dir: string, extra: string[]): Promise<void> {
  const env = { DATAPATH: dir };
  const sim = await runTask("simulate", [
    "-o",
    "q",
    "--duration",
    "900",
    "--containers",
    "5",
    "--sources",
    "rapl-sysfs",
    "--start-time",
    "1767225600",
  ], { env });
  assertEquals(sim.code, 0, sim.stderr);
  const train = await runTask("train", [
    "-i",
    "q",
    "--id",
    "q",
    "-e",
    "rapl-sysfs",
    "-p",
    "p",
    "--abs-trainers",
    TRAINERS,
    "--dyn-trainers",
    TRAINERS,
    "--quiet",
    ...extra,
  ], { env });
  assertEquals(train.code, 0, train.stderr);
}

Deno.test("train --tune none writes the models of the code before --tune, byte for byte", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // (derived features came later: off, as before them)
    await simulateAndTrain(dir, [
      "--tune",
      "none",
      "--derived-features",
      "none",
    ]);
    const fixture = JSON.parse(
      await Deno.readTextFile(testdata("derived/tune_none_sha256.json")),
    );
    assertEquals(await hashes(join(dir, "p")), fixture.sha256);
    const args = JSON.parse(
      await Deno.readTextFile(join(dir, "p", "train_arguments.json")),
    );
    assertEquals("tune" in args, false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("train's default --tune records the chosen settings and the untuned CV error", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await simulateAndTrain(dir, []);
    const base = join(dir, "p", "rapl-sysfs", "AbsPower", "BPFOnly");
    const knn = JSON.parse(
      await Deno.readTextFile(
        join(base, "KNeighborsRegressorTrainer_0", "metadata.json"),
      ),
    );
    assertEquals(knn.tune_fits, 8);
    // with 3 CV folds the budget of 8 buys upstream's k and the grid's next
    for (const c of ["package", "core", "uncore", "dram"]) {
      const p = knn.tuned_params[c];
      assert(
        JSON.stringify(p) === "{}" || JSON.stringify(p) === '{"nNeighbors":20}',
        `${c}: ${JSON.stringify(p)}`,
      );
      assertEquals(typeof knn[`${c}_cv_mae_untuned`], "number");
    }
    assertEquals(typeof knn.cv_mae_untuned, "number");
    assertEquals(knn.mae !== undefined && knn.cv_mae !== undefined, true);
    // a trainer without hyperparameters upstream runs no search
    const lr = JSON.parse(
      await Deno.readTextFile(
        join(base, "LinearRegressionTrainer_0", "metadata.json"),
      ),
    );
    assertEquals("tune_fits" in lr, false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
