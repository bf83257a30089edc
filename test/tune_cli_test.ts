/**
 * `train --tune`: `none` reproduces the models of the code before the
 * search existed byte for byte; the default budget records its choices and
 * the untuned figures.
 */
import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import { join } from "node:path";
import { pipelineHashes, simulateAndTrain } from "./_small_pipeline.ts";
import { testdata } from "./testdata.ts";

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
    assertEquals(await pipelineHashes(join(dir, "p")), fixture.sha256);
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
