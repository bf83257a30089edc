/**
 * The two weight file forms against an independent model of how Kepler
 * decodes them (Go's encoding/json into the structs of
 * `pkg/model/estimator/local/regressor/model_weights.go`, then
 * `createPredictor`), written here from kepler-interfaces.md §2.4 and
 * `pkg/config/spec.go`, not from our reader.
 */
import {
  deepStrictEqual as assertEquals,
  ok as assert,
  throws as assertThrows,
} from "node:assert/strict";
import { join } from "node:path";
import type { KeplerWeights } from "./model.ts";
import {
  toKeplerWeightJson,
  toV0711WeightJson,
  WEIGHT_FORMATS,
  type WeightFile,
} from "../pipeline/kepler_weight_file.ts";
import { writeModel } from "../pipeline/model_files.ts";
import { readModelDir } from "./loaded_model.ts";
import type { TrainedModel } from "./train_model.ts";

// ------------------------------------------------- Kepler, modelled in Go terms

const COMPONENT_FIELDS = ["platform", "core", "uncore", "package", "dram"];
/** `types.WeightSupportedTrainers`. */
const WEIGHT_SUPPORTED = [
  "SGDRegressorTrainer",
  "LogarithmicRegressionTrainer",
  "LogisticRegressionTrainer",
  "ExponentialRegressionTrainer",
];
/** `config.MachineSpec`: field → Go type. */
const MACHINE_SPEC: Record<string, "string" | "int"> = {
  vendor: "string",
  processor: "string",
  cores: "int",
  chips: "int",
  memory: "int",
  frequency: "int",
  threads_per_core: "int",
};

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** json.Unmarshal into `ModelWeights` (`{"All_Weights": AllWeights}`). */
function decodeModelWeights(v: unknown, at: string): void {
  if (v === null) return; // a nil pointer
  if (!isObj(v)) {
    throw new TypeError(`${at}: cannot unmarshal into ModelWeights`);
  }
  const all = v.All_Weights;
  if (all === undefined || all === null) return;
  if (!isObj(all)) throw new TypeError(`${at}.All_Weights`);
  if (all.Bias_Weight !== undefined && typeof all.Bias_Weight !== "number") {
    throw new TypeError(`${at}.Bias_Weight: float64`);
  }
  if (
    all.CurveFit_Weights !== undefined &&
    !(Array.isArray(all.CurveFit_Weights) &&
      all.CurveFit_Weights.every((x) => typeof x === "number"))
  ) throw new TypeError(`${at}.CurveFit_Weights: []float64`);
  if (!isObj(all.Numerical_Variables)) {
    throw new TypeError(`${at}.Numerical_Variables: map`);
  }
  for (const [k, f] of Object.entries(all.Numerical_Variables)) {
    if (
      !isObj(f) || typeof f.scale !== "number" ||
      (f.weight !== undefined && typeof f.weight !== "number")
    ) throw new TypeError(`${at}.Numerical_Variables.${k}`);
  }
}

/** Kepler v0.7.11: `map[string]ModelWeights`; every key is a component. */
function decodeV0711(json: unknown): string[] {
  if (!isObj(json)) throw new TypeError("not an object");
  for (const [k, v] of Object.entries(json)) decodeModelWeights(v, k);
  return Object.keys(json);
}

/**
 * Kepler v0.7.12: `ComponentModelWeights` (unknown keys ignored), then
 * `Trainer()` and `createPredictor` for a file loaded from a local path,
 * where no URL brings a name and `TRAINER` defaults to SGDRegressorTrainer.
 */
function loadV0712LocalFile(json: unknown): {
  trainer: string;
  predictor: "linear" | "logarithmic" | "logistic" | "exponential";
} {
  if (!isObj(json)) throw new TypeError("not an object");
  let modelName = "";
  for (const [k, v] of Object.entries(json)) {
    if (k === "model_name") {
      if (typeof v !== "string") throw new TypeError("model_name: string");
      modelName = v;
    } else if (k === "machine_spec") {
      if (!isObj(v)) throw new TypeError("machine_spec: object");
      for (const [a, x] of Object.entries(v)) {
        const t = MACHINE_SPEC[a];
        if (t === "string" && typeof x !== "string") {
          throw new TypeError(`machine_spec.${a}: string`);
        }
        // Go rejects 4.0 or "4" for an int field
        if (t === "int" && !Number.isInteger(x)) {
          throw new TypeError(`machine_spec.${a}: int`);
        }
      }
    } else if (COMPONENT_FIELDS.includes(k)) decodeModelWeights(v, k);
  }
  const parts = modelName.split("_");
  const fromName = parts.slice(0, -1).join("_");
  const trainer = WEIGHT_SUPPORTED.includes(fromName)
    ? fromName
    : "SGDRegressorTrainer";
  const predictor = trainer === "LogarithmicRegressionTrainer"
    ? "logarithmic"
    : trainer === "LogisticRegressionTrainer"
    ? "logistic"
    : trainer === "ExponentialRegressionTrainer"
    ? "exponential"
    : "linear";
  for (const c of COMPONENT_FIELDS) {
    const all = (json[c] as { All_Weights?: Record<string, unknown> })
      ?.All_Weights;
    if (all === undefined) continue;
    const curve = (all.CurveFit_Weights as number[] | undefined) ?? [];
    if (predictor === "linear" && curve.length > 0) {
      // NewLinearPredictor's error: Start() fails, and v0.7.12 later
      // dereferences the missing predictor (the nil-pointer panic)
      throw new RangeError(
        `${c}: the linear predictor rejects CurveFit_Weights`,
      );
    }
    if (predictor !== "linear" && curve.length === 0) {
      throw new RangeError(
        `${c}: a ${predictor} predictor needs CurveFit_Weights`,
      );
    }
  }
  return { trainer, predictor };
}

// ------------------------------------------------------------------ fixtures

const curve = (a: number, b: number, c: number): KeplerWeights => ({
  All_Weights: {
    Categorical_Variables: {},
    Numerical_Variables: {
      bpf_cpu_time_ms: { scale: 4000 },
      bpf_page_cache_hit: { scale: 1 },
    },
    CurveFit_Weights: [a, b, c],
  },
});
const linear = (bias: number, w: number): KeplerWeights => ({
  All_Weights: {
    Bias_Weight: bias,
    Categorical_Variables: {},
    Numerical_Variables: {
      bpf_cpu_time_ms: { scale: 4000, weight: w },
      bpf_page_cache_hit: { scale: 1, weight: 0 },
    },
  },
});
const LOG: WeightFile = {
  modelName: "LogarithmicRegressionTrainer_0",
  components: {
    package: curve(70.6, 4.2, -6.8),
    core: curve(0, 1, 0),
    uncore: curve(0, 1, 0),
    dram: curve(2, 3, 4),
  },
};
const SGD: WeightFile = {
  modelName: "SGDRegressorTrainer_0",
  components: { platform: linear(63.7, 60.7) },
};

// --------------------------------------------------------------------- tests

Deno.test("toKeplerWeightJson(): the default v0.7.11 form is today's file, byte for byte", () => {
  assertEquals(WEIGHT_FORMATS, ["v0.7.11", "v0.7.12"]);
  for (const file of [LOG, SGD]) {
    const today = JSON.stringify(toV0711WeightJson(file));
    assertEquals(JSON.stringify(toKeplerWeightJson(file)), today);
    assertEquals(JSON.stringify(toKeplerWeightJson(file, "v0.7.11")), today);
    // Kepler v0.7.11 reads it
    decodeV0711(JSON.parse(today));
  }
});

Deno.test("toKeplerWeightJson(): a curve-fit file from a local path crashes Kepler v0.7.12 in the v0.7.11 form and loads in the v0.7.12 form", () => {
  // the issue, reproduced on the model: no name → linear → rejected
  assertThrows(
    () => loadV0712LocalFile(toKeplerWeightJson(LOG)),
    /linear predictor rejects CurveFit_Weights/,
  );
  const v0712 = toKeplerWeightJson(LOG, "v0.7.12");
  assertEquals(Object.keys(v0712), [
    "model_name",
    "package",
    "core",
    "uncore",
    "dram",
  ]);
  assertEquals(v0712.model_name, "LogarithmicRegressionTrainer_0");
  assertEquals(loadV0712LocalFile(JSON.parse(JSON.stringify(v0712))), {
    trainer: "LogarithmicRegressionTrainer",
    predictor: "logarithmic",
  });
  // linear files load either way
  assertEquals(loadV0712LocalFile(toKeplerWeightJson(SGD, "v0.7.12")), {
    trainer: "SGDRegressorTrainer",
    predictor: "linear",
  });
  // the price: Kepler v0.7.11 cannot read the v0.7.12 form
  assertThrows(() => decodeV0711(v0712), /model_name/);
  // no name, no v0.7.12 form
  assertThrows(
    () => toKeplerWeightJson({ components: LOG.components }, "v0.7.12"),
    /model name/,
  );
});

Deno.test("writeModel() writes weight.json in the asked form, and either form reads back as the same weights", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kepler-weight-format-" });
  try {
    const trained = {
      name: "LogarithmicRegressionTrainer_0",
      trainer: "LogarithmicRegressionTrainer",
      features: ["bpf_cpu_time_ms", "bpf_page_cache_hit"],
      components: {},
      weights: LOG.components,
      metadata: {
        model_name: "LogarithmicRegressionTrainer_0",
        node_type: 0,
      },
      notes: [],
    } as unknown as TrainedModel;
    const text = async (form?: "v0.7.11" | "v0.7.12") => {
      const group = join(dir, form ?? "default");
      const modelDir = await writeModel(
        group,
        trained,
        form ? { weightFormat: form } : {},
      );
      return [
        await Deno.readTextFile(join(modelDir, "weight.json")),
        modelDir,
      ] as const;
    };
    const [plain] = await text();
    const [v0711] = await text("v0.7.11");
    const [v0712, v0712Dir] = await text("v0.7.12");
    // the default: today's bytes (the trained weights, component keys only)
    assertEquals(plain, v0711);
    assertEquals(JSON.parse(plain), LOG.components);
    decodeV0711(JSON.parse(plain));
    assertEquals(Object.keys(JSON.parse(v0712))[0], "model_name");
    assertEquals(
      loadV0712LocalFile(JSON.parse(v0712)).predictor,
      "logarithmic",
    );
    // our readers see the same weights in both forms
    const back = await readModelDir(v0712Dir);
    assertEquals(back.weights, LOG.components);
    assert(!("model_name" in (back.weights ?? {})));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
