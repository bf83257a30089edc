/**
 * `train --abs-trainers …,SaturatingRegressionTrainer` (issue 18): the
 * model is written like the others (metadata with its blocked-CV figures,
 * a zip, no weight.json since Kepler's local estimator evaluates a linear
 * sum), an EnsembleTrainer may weight it, and `estimate` and `serve`'s
 * `POST /estimate` give the same powers from the same raw features.
 */
import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import {
  assertEstimateMatchesServe,
  simulateAndTrain,
} from "./_small_pipeline.ts";

const TRAINERS =
  "GradientBoostingRegressorTrainer,SaturatingRegressionTrainer,EnsembleTrainer";

Deno.test("train writes SaturatingRegressionTrainer models, an ensemble may weight them, and estimate and serve predict them alike", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await simulateAndTrain(dir, [
      "--abs-trainers",
      TRAINERS,
      "--dyn-trainers",
      TRAINERS,
    ]);
    const modelDir = join(
      dir,
      "p",
      "rapl-sysfs",
      "AbsPower",
      "Basic",
      "SaturatingRegressionTrainer_0",
    );
    const meta = JSON.parse(
      await Deno.readTextFile(join(modelDir, "metadata.json")),
    );
    assertEquals(meta.model_class, "curvefit");
    assertEquals(meta.cv_folds, 3);
    assert(Number.isFinite(meta.cv_mae), JSON.stringify(meta));
    assertEquals(existsSync(join(modelDir, "weight.json")), false);
    assert(existsSync(`${modelDir}.zip`), `${modelDir}.zip`);
    const ensemble = JSON.parse(
      await Deno.readTextFile(
        join(
          dir,
          "p",
          "rapl-sysfs",
          "AbsPower",
          "Basic",
          "EnsembleTrainer_0",
          "metadata.json",
        ),
      ),
    );
    const weighted = Object.values(
      ensemble.ensemble_members as Record<string, Record<string, number>>,
    ).some((w) => "SaturatingRegressionTrainer" in w);
    assert(weighted, JSON.stringify(ensemble.ensemble_members));

    const estimated = await assertEstimateMatchesServe(
      dir,
      "Basic",
      "SaturatingRegressionTrainer",
      meta.features,
    );
    assert(estimated.length > 0 && estimated.every(Number.isFinite));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
