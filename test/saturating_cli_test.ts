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
import { startServeTask } from "./_cli.ts";
import { runOk, simulateAndTrain } from "./_small_pipeline.ts";
import { parseCsv } from "../lib/io/csv.ts";

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

    await runOk(dir, "estimate", [
      "-i",
      "q",
      "-p",
      "p",
      "--model-name",
      "SaturatingRegressionTrainer_0",
      "--feature-group",
      "Basic",
    ]);
    const csv = parseCsv(
      await Deno.readTextFile(join(dir, "output", "estimation_result.csv")),
    );
    const col = (name: string) => {
      const j = csv.header.indexOf(name);
      assert(j >= 0, `no column ${name} in ${csv.header.join(",")}`);
      return csv.rows.map((r) => Number(r[j]));
    };
    const features: string[] = meta.features;
    const rows = csv.rows.map((_, i) => features.map((f) => col(f)[i]!));
    const estimated = col("default_package_power");
    assert(estimated.length > 0 && estimated.every(Number.isFinite));

    const server = await startServeTask("serve", [], { MODEL_PATH: dir });
    try {
      const reply = await fetch(`${server.url}/estimate`, {
        method: "POST",
        body: JSON.stringify({
          metrics: features,
          values: rows,
          output_type: "AbsPower",
          source: "rapl-sysfs",
          pipeline_name: "p",
          trainer_name: "SaturatingRegressionTrainer",
        }),
      });
      const body = await reply.json();
      assertEquals(reply.status, 200, JSON.stringify(body));
      assertEquals(body.model_name, "SaturatingRegressionTrainer_0");
      const served: number[] = body.powers.package;
      assertEquals(served.length, estimated.length, JSON.stringify(body));
      for (let i = 0; i < served.length; i++) {
        const want = Math.max(0, estimated[i]!);
        assert(
          Math.abs(served[i]! - want) <= 1e-9 * Math.max(1, want),
          `row ${i}: serve ${served[i]} estimate ${want}`,
        );
      }
    } finally {
      server.child.kill("SIGTERM");
      await server.child.status;
      await server.stderr();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
