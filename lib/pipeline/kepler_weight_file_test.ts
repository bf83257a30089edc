import {
  deepStrictEqual as assertEquals,
  ok as assert,
  throws as assertThrows,
} from "node:assert/strict";
import {
  keplerCurveOf,
  keplerPredict,
  readWeightFile,
  toV0711WeightJson,
} from "./kepler_weight_file.ts";
import { testdata } from "../../test/testdata.ts";

const load = async (rel: string): Promise<unknown> =>
  JSON.parse(await Deno.readTextFile(testdata(rel)));

const near = (a: number, b: number, rel = 1e-12) =>
  assert(Math.abs(a - b) <= rel * Math.max(1, Math.abs(b)), `${a} != ${b}`);

const keplerAcpi = await load(
  "kepler/kepler-v0.7.12/data/model_weight/acpi_AbsPowerModel.json",
);
Deno.test({
  name:
    "keplerPredict() on Kepler v0.7.12's acpi model equals the formula by hand",
  fn() {
    const file = readWeightFile(keplerAcpi, "acpi_AbsPowerModel.json");
    assertEquals(file.modelName, "SGDRegressorTrainer_0");
    const w = file.components.platform!;
    // Numbers typed from the file: Bias 63.732101547596734, weight
    // 60.735455390707436, scale 3991.690709751875; x = 1000 CPU-ms/s.
    const byHand = 63.732101547596734 +
      60.735455390707436 * 1000 / 3991.690709751875;
    near(
      keplerPredict(w, keplerCurveOf(file.modelName), {
        bpf_cpu_time_ms: 1000,
      }),
      byHand,
    );
    // All features 0: Kepler's idle power is the bias.
    near(keplerPredict(w, "linear", {}), 63.732101547596734);
  },
});

const sgd = await load(
  "kepler-model-server/kepler-model-db-samples/models/v0.7/ec2-0.7.11/rapl-sysfs/AbsPower/BPFIRQ/SGDRegressorTrainer_0.json",
);
Deno.test({
  name:
    "keplerPredict() sums weight·x/scale over every feature, negative weights included",
  fn() {
    const file = readWeightFile(sgd);
    const pkg = file.components.package!;
    const x = {
      bpf_cpu_time_ms: 20000,
      bpf_net_rx_irq: 100,
      bpf_net_tx_irq: 3,
      bpf_block_irq: 7,
    };
    const byHand = 143.10614580700104 +
      306.57079045239914 * 20000 / 95877.00000000001 +
      -18.714922345489793 * 100 / 3077.3333333333335 +
      13.80893925707327 * 3 / 1.0;
    near(keplerPredict(pkg, "linear", x), byHand);
    assertEquals(Object.keys(toV0711WeightJson(file)).sort(), [
      "core",
      "dram",
      "package",
      "uncore",
    ]);
  },
});

const log = await load(
  "kepler-model-server/kepler-model-db-samples/models/v0.7/ec2-0.7.11/rapl-sysfs/AbsPower/BPFOnly/LogarithmicRegressionTrainer_1.json",
);
Deno.test({
  name:
    "keplerPredict() applies a published logarithmic curve to the first feature",
  fn() {
    const file = readWeightFile(log);
    const byHand = 52.51018993185623 *
        Math.log(46.60573934771109 * (5000 / 71901.33333333333) + 1) +
      22.07181593220226;
    near(
      keplerPredict(file.components.package!, "logarithmic", {
        bpf_cpu_time_ms: 5000,
      }),
      byHand,
    );
    // core is a flat [0, 1, 0] curve: always 0.
    assertEquals(
      keplerPredict(file.components.core!, "logarithmic", {
        bpf_cpu_time_ms: 5000,
      }),
      0,
    );
  },
});

Deno.test("keplerPredict() evaluates exponential and logistic curves in Kepler's parameter order", () => {
  const base = {
    Categorical_Variables: {},
    Numerical_Variables: { f: { scale: 2 }, g: { scale: 1 } },
  };
  const exp = { All_Weights: { ...base, CurveFit_Weights: [3, 0.5, 1] } };
  near(
    keplerPredict(exp, "exponential", { f: 4, g: 100 }),
    3 * Math.exp(0.5 * 2) + 1,
  );
  // logistic: [A, x0, k, off]
  const logi = { All_Weights: { ...base, CurveFit_Weights: [10, 1, 4, 2] } };
  near(
    keplerPredict(logi, "logistic", { f: 4 }),
    10 / (1 + Math.exp(-4 * (2 - 1))) + 2,
  );
  assertThrows(
    () =>
      keplerPredict(
        { All_Weights: { ...base, CurveFit_Weights: [1] } },
        "logistic",
        {},
      ),
    /needs 4/,
  );
});

Deno.test("keplerPredict() skips zero scales and adds categorical weights", () => {
  const w = {
    All_Weights: {
      Bias_Weight: 1,
      Categorical_Variables: {
        cpu_architecture: { "Sky Lake": { weight: 5 } },
      },
      Numerical_Variables: {
        a: { scale: 0, weight: 9 },
        b: { scale: 4, weight: 2 },
      },
    },
  };
  assertEquals(
    keplerPredict(w, "linear", { a: 100, b: 8 }, {
      cpu_architecture: "Sky Lake",
    }),
    1 + 5 + 4,
  );
  assertEquals(
    keplerPredict(w, "linear", { a: 100, b: 8 }, {
      cpu_architecture: "Haswell",
    }),
    5,
  );
});

Deno.test("readWeightFile() rejects what Kepler cannot load", () => {
  assertThrows(() => readWeightFile([]), /not a JSON object/);
  assertThrows(
    () => readWeightFile({ model_name: "x" }),
    /no component weights/,
  );
  assertThrows(
    () => readWeightFile({ gpu: {} }),
    /unknown top-level key "gpu"/,
  );
  assertThrows(
    () =>
      readWeightFile({
        package: { All_Weights: { Numerical_Variables: { a: { weight: 1 } } } },
      }),
    /feature a has no numeric scale/,
  );
});

Deno.test("keplerCurveOf() drops the node type as Kepler v0.7.12 does", () => {
  assertEquals(keplerCurveOf("LogisticRegressionTrainer_109"), "logistic");
  assertEquals(keplerCurveOf("ExponentialRegressionTrainer"), "exponential");
  assertEquals(keplerCurveOf("GradientBoostingRegressorTrainer_1"), "linear");
});
