/**
 * `train --derived-features` (issue 18 item 4): `none` writes the models of
 * the code before derived features byte for byte; the default (`auto`)
 * keeps them where blocked CV says they help and records both figures, and
 * a model with derived features gives the same powers in `estimate` and in
 * `serve`'s `POST /estimate` (both compute them from the raw features, in
 * lib/train/derived_features.ts).
 */
import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import { join } from "node:path";
import {
  assertEstimateMatchesServe,
  pipelineHashes,
  simulateAndTrain,
} from "./_small_pipeline.ts";
import { testdata } from "./testdata.ts";

Deno.test("train --derived-features none writes the models of the code before derived features, byte for byte", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await simulateAndTrain(dir, ["--derived-features", "none"]);
    const fixture = JSON.parse(
      await Deno.readTextFile(testdata("derived/derived_none_sha256.json")),
    );
    assertEquals(await pipelineHashes(join(dir, "p")), fixture.sha256);
    const args = JSON.parse(
      await Deno.readTextFile(join(dir, "p", "train_arguments.json")),
    );
    assertEquals("derived_features" in args, false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("train's default --derived-features auto records its choice, and estimate and serve predict a derived model alike", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const trained = await simulateAndTrain(dir, []);
    const args = JSON.parse(
      await Deno.readTextFile(join(dir, "p", "train_arguments.json")),
    );
    assertEquals(args.derived_features, "auto");
    const meta = async (group: string, model: string) =>
      JSON.parse(
        await Deno.readTextFile(
          join(
            dir,
            "p",
            "rapl-sysfs",
            "AbsPower",
            group,
            model,
            "metadata.json",
          ),
        ),
      );
    // Basic has cycles and CPU time: every non-weight trainer tried them
    const knn = await meta("Basic", "KNeighborsRegressorTrainer_0");
    assertEquals(knn.derived_features_tried, [
      "per_core",
      "freq_ratio",
      "cycles_freq2",
    ]);
    const kept = knn.derived_features.length > 0;
    assertEquals(
      kept,
      knn.cv_mae_with_derived < knn.cv_mae_without_derived * 0.99,
    );
    assertEquals(
      knn.cv_mae,
      kept ? knn.cv_mae_with_derived : knn.cv_mae_without_derived,
    );
    // this data: the effective frequency helps KNN (13.1 W against 13.8)
    assert(kept, JSON.stringify(knn));
    // train's summary says which models kept them
    assert(
      /^derived features kept \(blocked-CV mae without → with\): .*Basic KNeighborsRegressorTrainer_0 \d+\.\d\d → \d+\.\d\d/m
        .test(trained),
      trained,
    );
    // weight.json trainers and groups without cycles and CPU time never
    const sgd = await meta("Basic", "SGDRegressorTrainer_0");
    assertEquals("derived_features" in sgd, false);
    const bpf = await meta("BPFOnly", "KNeighborsRegressorTrainer_0");
    assertEquals("derived_features" in bpf, false);

    // estimate (CLI) and serve's POST /estimate with that model
    await assertEstimateMatchesServe(
      dir,
      "Basic",
      "KNeighborsRegressorTrainer",
      knn.features,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
