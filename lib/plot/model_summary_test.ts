import {
  deepStrictEqual as assertEquals,
  throws as assertThrows,
} from "node:assert/strict";
import { formatCsv, parseCsv } from "../io/mod.ts";
import { modelMetadataTable } from "../pipeline/pipeline_metadata.ts";
import type { ModelMetadata } from "../pipeline/model_metadata.ts";
import {
  bestWeightSupportModels,
  modelSummaryFromCsv,
  modelSummaryFromMetadata,
} from "./model_summary.ts";

const metadata = (
  trainer: ModelMetadata["trainer"],
  nodeType: number,
  mae: number,
  mape: number,
): ModelMetadata => ({
  model_name: `${trainer}_${nodeType}`,
  trainer,
  model_class: "scikit",
  model_file: `${trainer}_${nodeType}.json`,
  features: ["bpf_cpu_time_ms", "bpf_page_cache_hit"],
  fe_files: [],
  output_type: "AbsPower",
  mae,
  mape,
  node_type: nodeType,
  machine_spec: {
    processor: "intel_xeon",
    cores: 96,
    chips: 2,
    memory: 377,
    frequency: 3500,
  },
  package_mae: mae,
  dram_mae: 1,
  package_mape: mape,
  dram_mape: -1,
});

Deno.test("`modelSummaryFromCsv()` reads the summary CSV the train stage writes", () => {
  const rows = [
    {
      metadata: metadata("SGDRegressorTrainer", 0, 3, 6.5),
      featureGroup: "BPFOnly" as const,
    },
    {
      metadata: metadata("XgboostFitTrainer", 0, 2, -1),
      featureGroup: "BPFOnly" as const,
    },
  ];
  const table = modelMetadataTable(rows, { components: ["package", "dram"] });
  const csv = formatCsv(table.header, table.rows);
  const read = modelSummaryFromCsv(parseCsv(csv));
  // sorted by mae as upstream writes it; pandas' index dropped
  assertEquals(
    read.map((
      r,
    ) => [
      r.model_name,
      r.mae,
      r.mape,
      r.node_type,
      r.package_mae,
      r.dram_mape,
    ]),
    [
      ["XgboostFitTrainer_0", 2, -1, 0, 2, -1],
      ["SGDRegressorTrainer_0", 3, 6.5, 0, 3, -1],
    ],
  );
  assertEquals(read[0]!.features, "['bpf_cpu_time_ms', 'bpf_page_cache_hit']");
  assertEquals(read[0]!.feature_group, "BPFOnly");
  // the same rows straight from the metadata objects
  assertEquals(
    modelSummaryFromMetadata(rows).map((
      r,
    ) => [r.model_name, r.feature_group, r.mae]),
    [["SGDRegressorTrainer_0", "BPFOnly", 3], [
      "XgboostFitTrainer_0",
      "BPFOnly",
      2,
    ]],
  );
});

Deno.test("`modelSummaryFromCsv()` names the missing column and bad cells", () => {
  assertThrows(
    () =>
      modelSummaryFromCsv({
        header: ["model_name", "trainer", "mae"],
        rows: [],
      }, {
        source: "p/acpi_AbsPower_model_metadata.csv",
      }),
    (e: unknown) =>
      e instanceof RangeError &&
      e.message ===
        "Cannot read p/acpi_AbsPower_model_metadata.csv: column feature_group is missing; columns are model_name, trainer, mae",
  );
  assertThrows(
    () =>
      modelSummaryFromCsv({
        header: ["model_name", "trainer", "feature_group", "mae"],
        rows: [["A_0", "A", "BPFOnly", "high"]],
      }),
    /row 1 has mae "high", not a number/,
  );
  // an absent mape reads as upstream's "undefined", −1
  assertEquals(
    modelSummaryFromCsv({
      header: ["model_name", "trainer", "feature_group", "mae"],
      rows: [["A_0", "A", "BPFOnly", "1.5"]],
    })[0]!.mape,
    -1,
  );
});

Deno.test("`bestWeightSupportModels()` picks the lowest MAE per node type", () => {
  const r = (
    model_name: string,
    trainer: string,
    mae: number,
    feature_group = "BPFOnly",
  ) => ({ model_name, trainer, feature_group, mae, mape: -1 });
  const rows = [
    r("SGDRegressorTrainer_2", "SGDRegressorTrainer", 9), // node type from the name
    r("ExponentialRegressionTrainer_2", "ExponentialRegressionTrainer", 4),
    r("LogisticRegressionTrainer_2", "LogisticRegressionTrainer", 4), // tie: first stays
    r("XgboostFitTrainer_0", "XgboostFitTrainer", 0.1), // not weight support
    r("SGDRegressorTrainer_0", "SGDRegressorTrainer", 1, "CounterOnly"), // other group
    r("LogarithmicRegressionTrainer_0", "LogarithmicRegressionTrainer", 7),
  ];
  assertEquals(bestWeightSupportModels(rows).map((x) => x.model_name), [
    "LogarithmicRegressionTrainer_0",
    "ExponentialRegressionTrainer_2",
  ]);
  assertEquals(
    bestWeightSupportModels(rows, { featureGroup: "CounterOnly" }).map((x) =>
      x.model_name
    ),
    ["SGDRegressorTrainer_0"],
  );
  assertEquals(
    bestWeightSupportModels(rows, { trainers: ["XgboostFitTrainer"] }).map((
      x,
    ) => x.model_name),
    ["XgboostFitTrainer_0"],
  );
});
