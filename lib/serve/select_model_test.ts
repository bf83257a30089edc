import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import type { MachineSpec } from "../types.ts";
import { parseModelFilter } from "./model_filter.ts";
import type { ServedModel, ServedPipeline } from "./pipeline_catalog.ts";
import { bestModels, choosePipeline, selectModel } from "./select_model.ts";

const BPF = ["bpf_cpu_time_ms", "bpf_page_cache_hit"];
const spec = (processor: string, cores: number, memory = 64): MachineSpec => ({
  processor,
  cores,
  chips: 2,
  memory,
  frequency: 3000,
});

function model(
  name: string,
  metadata: Record<string, unknown>,
  extra: Partial<ServedModel> = {},
): ServedModel {
  const [trainer, nt] = [
    name.replace(/_\d+$/, ""),
    Number(name.split("_").pop()),
  ];
  return {
    pipeline: "p",
    source: "rapl-sysfs",
    outputType: "AbsPower",
    featureGroup: "BPFOnly",
    name,
    trainer,
    nodeType: nt,
    features: BPF,
    metadata,
    weightBody: new TextEncoder().encode("{}"),
    hasArchive: true,
    estimable: true,
    archive: () => Promise.resolve(undefined),
    load: () => Promise.resolve(undefined),
    ...extra,
  };
}

function pipeline(
  name: string,
  models: ServedModel[],
  index: Record<string, MachineSpec> = {},
): ServedPipeline {
  return {
    name,
    origin: name,
    kind: "dir",
    metadata: {},
    nodeTypeIndex: Object.fromEntries(
      Object.entries(index).map(([k, attrs]) => [k, { attrs, members: [] }]),
    ),
    models: models.map((m) => ({ ...m, pipeline: name })),
    sources: [...new Set(models.map((m) => m.source))],
    warnings: [],
    loadedAt: 0,
  };
}

const INDEX = {
  "0": spec("intel_xeon_platinum_8259cl", 96, 377),
  "1": spec("intel_xeon_e5_2686v4", 72, 503),
  "2": spec("amd_epyc_7r13", 192, 768),
};
const P = pipeline("p", [
  model("SGDRegressorTrainer_0", { mae: 10 }),
  model("SGDRegressorTrainer_1", { mae: 3 }),
  model("LogarithmicRegressionTrainer_1", { mae: 2 }),
  model("SGDRegressorTrainer_2", { mae: 20 }),
], INDEX);
const ALL = new Map([["p", P]]);
const Q = {
  source: "rapl-sysfs",
  outputType: "AbsPower",
  metrics: BPF,
} as const;

Deno.test("selectModel() prefers an explicit node type, then the node types that cover the spec", () => {
  assertEquals(
    selectModel(ALL, { ...Q, nodeType: 0 })?.model.name,
    "SGDRegressorTrainer_0",
  );
  const covered = selectModel(ALL, {
    ...Q,
    machineSpec: { processor: "INTEL_XEON_E5_2686V4" },
  });
  assertEquals([covered?.model.name, covered?.match], [
    "LogarithmicRegressionTrainer_1",
    "covers",
  ]);
  assertEquals(
    selectModel(ALL, Q)?.model.name,
    "LogarithmicRegressionTrainer_1",
  );
});

Deno.test("selectModel() falls back to the most similar node type, computed as upstream does", () => {
  // a 80-core 8259cl: by upstream's weights node type 0 (same processor) beats 1
  const s = spec("intel_xeon_platinum_8259cl", 80, 400);
  const sim0 = (5 + (1 - 16 / 88) + 1 + 0.5 * (1 - 23 / 388.5) + 0.5) / 8;
  const r = selectModel(ALL, { ...Q, machineSpec: s });
  assertEquals([r?.model.name, r?.match], ["SGDRegressorTrainer_0", "similar"]);
  assert(Math.abs(r!.similarity - sim0) < 1e-12, `${r!.similarity} vs ${sim0}`);
  // strict matching refuses
  assertEquals(
    selectModel(ALL, { ...Q, machineSpec: s, looseNodeType: false }),
    undefined,
  );
});

Deno.test("selectModel(): a spec that contradicts the requested node type wins (Kepler v0.7.12 sends 0)", () => {
  const r = selectModel(ALL, { ...Q, nodeType: 0, machineSpec: INDEX["2"] });
  assertEquals([r?.model.name, r?.match], ["SGDRegressorTrainer_2", "covers"]);
  // a spec consistent with node type 0 keeps it
  const same = selectModel(ALL, {
    ...Q,
    nodeType: 0,
    machineSpec: { cores: 96 },
  });
  assertEquals(same?.model.name, "SGDRegressorTrainer_0");
});

Deno.test("selectModel() uses upstream's largest-cores fallback when nothing is similar", () => {
  const noSpec = pipeline("q", [
    model("SGDRegressorTrainer_4", { mae: 1 }, { machineSpec: spec("a", 8) }),
    model("SGDRegressorTrainer_5", { mae: 9 }, { machineSpec: spec("b", 64) }),
  ]);
  const r = selectModel(new Map([["q", noSpec]]), { ...Q, nodeType: 7 });
  assertEquals([r?.model.name, r?.match], ["SGDRegressorTrainer_5", "largest"]);
});

Deno.test("selectModel() checks metrics, trainer (exact), needs, filters and error key", () => {
  assertEquals(
    selectModel(ALL, { ...Q, metrics: ["bpf_cpu_time_ms"] }),
    undefined,
  );
  assertEquals(selectModel(ALL, { ...Q, trainerName: "SGD" }), undefined);
  assertEquals(
    selectModel(ALL, { ...Q, trainerName: "SGDRegressorTrainer" })?.model.name,
    "SGDRegressorTrainer_1",
  );
  // a weight reply without model_name: only linear weights unless a trainer is named
  assertEquals(
    selectModel(ALL, { ...Q, need: "weight", linearOnly: true, nodeType: 1 })
      ?.model.name,
    "SGDRegressorTrainer_1",
  );
  assertEquals(
    selectModel(ALL, { ...Q, filters: parseModelFilter("mae:2.5") })?.model
      .name,
    "LogarithmicRegressionTrainer_1",
  );
  const ranked = pipeline("r", [
    model("SGDRegressorTrainer_0", { mae: 1, mape: 9 }),
    model("LinearRegressionTrainer_0", { mae: 2, mape: 3 }),
    model("ExponentialRegressionTrainer_0", {}),
  ]);
  const m = new Map([["r", ranked]]);
  assertEquals(selectModel(m, Q)?.model.name, "SGDRegressorTrainer_0");
  assertEquals(
    selectModel(m, Q, { errorKey: "mape" })?.model.name,
    "LinearRegressionTrainer_0",
  );
  // a model without the error key ranks last, but is still served
  assertEquals(
    selectModel(m, { ...Q, trainerName: "ExponentialRegressionTrainer" })?.model
      .name,
    "ExponentialRegressionTrainer_0",
  );
  const noArchive = pipeline("s", [
    model("SGDRegressorTrainer_0", { mae: 1 }, { hasArchive: false }),
  ]);
  assertEquals(
    selectModel(new Map([["s", noArchive]]), { ...Q, need: "archive" }),
    undefined,
  );
});

Deno.test("choosePipeline(): named, then upstream's default, then std_v0.7.11, then by name", () => {
  const a = pipeline("aaa", [model("SGDRegressorTrainer_0", {})]);
  const std = pipeline("std_v0.7.11", [model("SGDRegressorTrainer_0", {})]);
  const ec2 = pipeline("ec2-0.7.11", [model("SGDRegressorTrainer_0", {})]);
  const acpi = pipeline("zzz", [
    model("SGDRegressorTrainer_0", {}, { source: "acpi" }),
  ]);
  const all = new Map([a, std, ec2, acpi].map((p) => [p.name, p]));
  assertEquals(choosePipeline(all, "rapl-sysfs")?.name, "ec2-0.7.11");
  all.delete("ec2-0.7.11");
  assertEquals(choosePipeline(all, "rapl-sysfs")?.name, "std_v0.7.11");
  all.delete("std_v0.7.11");
  assertEquals(choosePipeline(all, "rapl-sysfs")?.name, "aaa");
  assertEquals(choosePipeline(all, "acpi")?.name, "zzz");
  assertEquals(choosePipeline(all, "acpi", { pipelineName: "aaa" }), undefined);
  assertEquals(
    choosePipeline(all, "rapl-sysfs", {
      defaultPipelines: { "rapl-sysfs": "zzz" },
    })?.name,
    "aaa",
  );
});

Deno.test("bestModels() lists the best model per output type and feature group, strictly by node type", () => {
  assertEquals(bestModels(ALL, { source: "rapl-sysfs" }), {
    AbsPower: { BPFOnly: "LogarithmicRegressionTrainer_1" },
    DynPower: {},
  });
  assertEquals(
    bestModels(ALL, {
      source: "rapl-sysfs",
      nodeType: 2,
      outputType: "AbsPower",
    }),
    {
      AbsPower: { BPFOnly: "SGDRegressorTrainer_2" },
    },
  );
  assertEquals(
    bestModels(ALL, {
      source: "rapl-sysfs",
      nodeType: 9,
      outputType: "AbsPower",
    }),
    {
      AbsPower: {},
    },
  );
});
