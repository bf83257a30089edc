import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import type { Frame } from "../extract/frame.ts";
import { trainFromFrame } from "./train_from_data.ts";

Deno.test("`trainFromFrame()` fits a ThirdParty curve on its first third-party column", async () => {
  // power = 40 + 10·ln(1 + a_load) exactly; b_other is unrelated.
  const n = 300;
  const a = Float64Array.from({ length: n }, (_, i) => (i * 37) % 100);
  const b = Float64Array.from({ length: n }, (_, i) => (i * 53) % 7);
  const frame: Frame = {
    level: "node",
    source: "acpi",
    length: n,
    timestamp: Float64Array.from({ length: n }, (_, i) => 3 * i),
    instances: ["n"],
    instance: new Uint32Array(n),
    containers: [],
    featureNames: ["a_load", "b_other"],
    features: { a_load: a, b_other: b },
    components: ["platform"],
    power: { platform: a.map((v) => 40 + 10 * Math.log(1 + v)) },
    nodeType: new Int32Array(n),
  };
  const dir = await Deno.makeTempDir();
  try {
    const report = await trainFromFrame(frame, {
      modelPath: dir,
      featureGroup: "ThirdParty",
      trainers: ["LogarithmicRegressionTrainer"],
    });
    assertEquals(report.failures, []);
    assertEquals(report.models.length, 1);
    const mae = report.models[0]!.metadata.mae;
    assert(mae < 0.5, `mae ${mae} W on an exact logarithm of a_load`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
