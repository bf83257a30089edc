import { deepStrictEqual as assertEquals } from "node:assert/strict";
import type { KeplerWeights } from "../train/model.ts";
import { estimatePower } from "./estimate_power.ts";
import type { ServedModel } from "./pipeline_catalog.ts";
import { parsePowerRequest } from "./power_request.ts";

function weighted(
  name: string,
  weights: Record<string, KeplerWeights>,
  cores?: number,
): ServedModel {
  return {
    name,
    pipeline: "p",
    featureGroup: "BPFOnly",
    weights,
    ...(cores
      ? {
        machineSpec: {
          processor: "x",
          cores,
          chips: 1,
          memory: 1,
          frequency: 1,
        },
      }
      : {}),
    load: () => Promise.resolve(undefined),
  } as unknown as ServedModel;
}

const request = (values: number[][], extra: Record<string, unknown> = {}) =>
  parsePowerRequest({
    metrics: ["bpf_cpu_time_ms", "bpf_page_cache_hit"],
    values,
    output_type: "AbsPower",
    source: "acpi",
    system_features: ["cpu_architecture"],
    system_values: ["Skylake"],
    ...extra,
  });

Deno.test("estimatePower() evaluates curve fits and categorical weights as Kepler does, and clips at 0", async () => {
  const log = weighted("LogarithmicRegressionTrainer_0", {
    package: {
      All_Weights: {
        Categorical_Variables: { cpu_architecture: { Skylake: { weight: 2 } } },
        Numerical_Variables: {
          bpf_cpu_time_ms: { scale: 100 },
          bpf_page_cache_hit: { scale: 1 },
        },
        CurveFit_Weights: [10, 3, -50],
      },
    },
  });
  const r = await estimatePower(log, request([[0, 0], [100, 5], [1000, 5]]));
  // cat + a·ln(b·x/scale + 1) + c, with x the first variable
  const want = [0, 100, 1000].map((x) =>
    Math.max(0, 2 + 10 * Math.log(3 * (x / 100) + 1) - 50)
  );
  assertEquals(r.powers.package, want);
  assertEquals([r.msg, r.core_ratio], ["", 1]);
});

Deno.test("estimatePower(): core ratio from the request's machine spec, capped at 1; non-finite powers are an error", async () => {
  const lin = weighted("SGDRegressorTrainer_0", {
    platform: {
      All_Weights: {
        Bias_Weight: 10,
        Categorical_Variables: {},
        Numerical_Variables: { bpf_cpu_time_ms: { scale: 10, weight: 1 } },
      },
    },
  }, 8);
  assertEquals(
    (await estimatePower(
      lin,
      request([[5, 0]], { machine_spec: { cores: 2 } }),
    )).core_ratio,
    0.25,
  );
  assertEquals(
    (await estimatePower(lin, request([[5, 0]]), { machineCores: 16 }))
      .core_ratio,
    1,
  );
  const huge = weighted("ExponentialRegressionTrainer_0", {
    platform: {
      All_Weights: {
        Categorical_Variables: {},
        Numerical_Variables: { bpf_cpu_time_ms: { scale: 1e-300 } },
        CurveFit_Weights: [1, 1, 0],
      },
    },
  });
  const r = await estimatePower(huge, request([[1, 0]]));
  assertEquals(r.powers, {});
  assertEquals(/non-finite/.test(r.msg), true);
});
