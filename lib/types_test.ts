import {
  deepStrictEqual as assertEquals,
  throws as assertThrows,
} from "node:assert/strict";
import {
  ALL_FEATURE_GROUPS,
  ENERGY_SOURCES,
  FEATURE_ALIASES,
  FEATURE_GROUP_FEATURES,
  FEATURE_GROUPS,
  featureGroupFeatures,
  featureMetric,
  featureNamesOf,
  mainFeature,
  parseEnergySource,
  parseFeatureGroup,
  parseList,
  parseOutputType,
  parseTrainerName,
  powerMetric,
  resolveMetricAlias,
  SOURCE_COMPONENTS,
  TRAINERS,
  UPSTREAM_TRAINERS,
  WEIGHT_SUPPORT_TRAINERS,
} from "./types.ts";

// Independent fixture: the feature lists of upstream kepler-model-server's
// `FeatureGroups` (`src/util/train_types.py`, HEAD 3829b624).
const UPSTREAM_GROUPS: Record<string, string[]> = {
  CounterOnly: ["cache_miss", "cpu_cycles", "cpu_instructions"],
  BPFOnly: ["bpf_cpu_time_ms", "bpf_page_cache_hit"],
  CounterIRQCombined: [
    "bpf_block_irq",
    "bpf_net_rx_irq",
    "bpf_net_tx_irq",
    "cache_miss",
    "cpu_cycles",
    "cpu_instructions",
  ],
  Basic: [
    "bpf_cpu_time_ms",
    "bpf_page_cache_hit",
    "cache_miss",
    "cpu_cycles",
    "cpu_instructions",
  ],
  BPFIRQ: [
    "bpf_block_irq",
    "bpf_cpu_time_ms",
    "bpf_net_rx_irq",
    "bpf_net_tx_irq",
    "bpf_page_cache_hit",
  ],
  AcceleratorOnly: ["accelerator_intel_qat"],
  WorkloadOnly: [
    "accelerator_intel_qat",
    "bpf_block_irq",
    "bpf_cpu_time_ms",
    "bpf_net_rx_irq",
    "bpf_net_tx_irq",
    "bpf_page_cache_hit",
    "cache_miss",
    "cpu_cycles",
    "cpu_instructions",
  ],
};

Deno.test("FEATURE_GROUP_FEATURES equals upstream's sorted lists", () => {
  for (const [group, features] of Object.entries(UPSTREAM_GROUPS)) {
    assertEquals(
      [...FEATURE_GROUP_FEATURES[parseFeatureGroup(group)]],
      features,
    );
  }
  assertEquals(
    [...FEATURE_GROUP_FEATURES.Full],
    [
      ...UPSTREAM_GROUPS.WorkloadOnly!,
      "cpu_scaling_frequency_hertz",
      "node_info",
    ].sort(),
  );
});

Deno.test("every feature list is sorted and has no duplicates", () => {
  for (const group of ALL_FEATURE_GROUPS) {
    const features = [...FEATURE_GROUP_FEATURES[group]];
    assertEquals(features, [...new Set(features)].sort(), group);
  }
});

Deno.test("the ten feature groups and ten trainers are named as upstream", () => {
  assertEquals(FEATURE_GROUPS.length, 10);
  assertEquals(UPSTREAM_TRAINERS.length, 10);
  assertEquals(new Set(UPSTREAM_TRAINERS).size, 10);
  for (const t of WEIGHT_SUPPORT_TRAINERS) {
    assertEquals(UPSTREAM_TRAINERS.includes(t), true);
  }
  // ours after upstream's, never a weight-file trainer
  assertEquals(TRAINERS, [
    ...UPSTREAM_TRAINERS,
    "SaturatingRegressionTrainer",
    "EnsembleTrainer",
  ]);
  for (const ours of ["SaturatingRegressionTrainer", "EnsembleTrainer"]) {
    assertEquals(
      (WEIGHT_SUPPORT_TRAINERS as readonly string[]).includes(ours),
      false,
    );
  }
});

Deno.test("featureGroupFeatures() adds third-party metrics as upstream", () => {
  assertEquals(
    featureGroupFeatures("ThirdParty", { thirdParty: ["b_m", "a_m"] }),
    ["a_m", "b_m"],
  );
  const workload = featureGroupFeatures("WorkloadOnly", { thirdParty: ["zz"] });
  assertEquals(workload.at(-1), "zz");
  assertEquals(workload.length, UPSTREAM_GROUPS.WorkloadOnly!.length + 1);
  assertEquals(
    featureGroupFeatures("BPFOnly", { thirdParty: ["zz"] }),
    UPSTREAM_GROUPS.BPFOnly,
  );
});

Deno.test("SOURCE_COMPONENTS maps sources to upstream's PowerSourceMap", () => {
  const rapl = ["package", "core", "uncore", "dram"];
  assertEquals([...SOURCE_COMPONENTS["rapl-sysfs"]], rapl);
  assertEquals([...SOURCE_COMPONENTS["rapl-msr"]], rapl);
  assertEquals([...SOURCE_COMPONENTS.trained_power_model], rapl);
  for (const s of ["acpi", "hmc", "redfish"] as const) {
    assertEquals([...SOURCE_COMPONENTS[s]], ["platform"]);
  }
  assertEquals(
    Object.keys(SOURCE_COMPONENTS).sort(),
    [...ENERGY_SOURCES].sort(),
  );
});

Deno.test("parseEnergySource() reads old source names as rapl-sysfs", () => {
  assertEquals(parseEnergySource("rapl"), "rapl-sysfs");
  assertEquals(parseEnergySource("intel_rapl"), "rapl-sysfs");
  assertEquals(parseEnergySource(" acpi "), "acpi");
});

Deno.test("parsers reject unknown values and list the valid ones", () => {
  assertThrows(
    () => parseEnergySource("solar"),
    /valid values are rapl-sysfs, rapl-msr/,
  );
  assertThrows(
    () => parseFeatureGroup("GPUOnly"),
    /Unknown feature group "GPUOnly".*BPFOnly/,
  );
  assertThrows(() => parseTrainerName("Foo"), /SGDRegressorTrainer/);
  assertThrows(() => parseOutputType("Power"), /AbsPower, DynPower/);
});

Deno.test("parseList() splits commas, drops empties and duplicates", () => {
  assertEquals(parseList("BPFOnly,,Basic,BPFOnly", parseFeatureGroup), [
    "BPFOnly",
    "Basic",
  ]);
  assertThrows(() => parseList("BPFOnly,x", parseFeatureGroup), RangeError);
});

Deno.test("featureMetric() and powerMetric() build Kepler v0.7 names", () => {
  assertEquals(
    featureMetric("bpf_cpu_time_ms"),
    "kepler_container_bpf_cpu_time_ms_total",
  );
  assertEquals(featureMetric("cache_miss", "vm"), "kepler_vm_cache_miss_total");
  assertEquals(featureMetric("node_info"), "kepler_node_info");
  assertEquals(
    featureMetric("cpu_scaling_frequency_hertz"),
    "kepler_node_cpu_scaling_frequency_hertz",
  );
  assertEquals(
    featureMetric("cgroupfs_cpu_usage_us"),
    "kepler_container_cgroupfs_cpu_usage_us_total",
  );
  assertEquals(powerMetric("dram"), "kepler_node_dram_joules_total");
});

Deno.test("resolveMetricAlias() reads microseconds of bpf_cpu_time_us as ms", () => {
  const { name, factor } = resolveMetricAlias(
    "kepler_container_bpf_cpu_time_us_total",
  );
  assertEquals(name, "kepler_container_bpf_cpu_time_ms_total");
  assertEquals(2500 * factor, 2.5);
  assertEquals(
    resolveMetricAlias("kepler_node_node_info").name,
    "kepler_node_info",
  );
});

Deno.test("mainFeature() follows upstream's main_feature rules", () => {
  assertEquals(mainFeature("CounterOnly", "package"), "cpu_instructions");
  assertEquals(mainFeature("CounterOnly", "dram"), "cache_miss");
  assertEquals(mainFeature("BPFIRQ", "platform"), "bpf_cpu_time_ms");
  assertEquals(mainFeature("BPFIRQ", "dram"), "bpf_page_cache_hit");
  assertEquals(mainFeature("CounterIRQCombined", "core"), "cpu_instructions");
  assertEquals(
    mainFeature("AcceleratorOnly", "package"),
    "accelerator_intel_qat",
  );
  assertEquals(mainFeature("IRQOnly", "package"), "bpf_block_irq");
  // upstream's default_main_feature_map / default_dram_feature_map
  assertEquals(mainFeature("CgroupOnly", "package"), "cgroupfs_cpu_usage_us");
  assertEquals(
    mainFeature("CgroupOnly", "dram"),
    "cgroupfs_memory_usage_bytes",
  );
});

Deno.test("mainFeature() finds the main feature among a frame's columns under its old name", () => {
  // v0.6's BPFIRQ (upstream's 2023 train_types.py: BPF_FEATURES =
  // ["bpf_cpu_time_us"], IRQ_FEATURES, sorted).
  const v06 = [
    "bpf_block_irq",
    "bpf_cpu_time_us",
    "bpf_net_rx_irq",
    "bpf_net_tx_irq",
  ];
  for (const c of ["package", "core", "uncore", "platform", "dram"] as const) {
    assertEquals(
      mainFeature("BPFIRQ", c, { columns: v06 }),
      "bpf_cpu_time_us",
    );
  }
  assertEquals(
    mainFeature("BPFOnly", "package", { columns: ["bpf_cpu_time_us"] }),
    "bpf_cpu_time_us",
  );
  // Current names win and dram keeps its own feature when it is there.
  const current = FEATURE_GROUP_FEATURES.BPFIRQ;
  assertEquals(
    mainFeature("BPFIRQ", "dram", { columns: current }),
    "bpf_page_cache_hit",
  );
  assertEquals(
    mainFeature("Basic", "package", { columns: FEATURE_GROUP_FEATURES.Basic }),
    "cpu_instructions",
  );
  assertEquals(
    mainFeature("ThirdParty", "package", {
      thirdParty: ["z_metric", "a_metric"],
      columns: ["a_metric", "z_metric"],
    }),
    "a_metric",
  );
});

Deno.test("mainFeature() refuses columns without the main feature in one line", () => {
  assertThrows(
    () =>
      mainFeature("BPFIRQ", "dram", {
        columns: ["bpf_block_irq", "bpf_net_rx_irq"],
      }),
    {
      name: "RangeError",
      message:
        "Cannot pick the dram main feature of BPFIRQ: no column is bpf_page_cache_hit or bpf_cpu_time_ms or bpf_cpu_time_us (feature columns present: bpf_block_irq, bpf_net_rx_irq)",
    },
  );
  assertThrows(
    () => mainFeature("IRQOnly", "package", { columns: [] }),
    {
      name: "RangeError",
      message:
        "Cannot pick the package main feature of IRQOnly: no column is bpf_block_irq (feature columns present: none)",
    },
  );
  assertThrows(() => mainFeature("ThirdParty", "package"), RangeError);
});

Deno.test("FEATURE_ALIASES read bpf_cpu_time_us as bpf_cpu_time_ms like the metric alias", () => {
  const us = FEATURE_ALIASES.find((a) => a.from === "bpf_cpu_time_us")!;
  const metric = resolveMetricAlias("kepler_container_bpf_cpu_time_us_total");
  assertEquals(metric.name, `kepler_container_${us.to}_total`);
  assertEquals(us.factor, metric.factor);
  assertEquals(featureNamesOf("bpf_cpu_time_ms"), [
    "bpf_cpu_time_ms",
    "bpf_cpu_time_us",
  ]);
  assertEquals(featureNamesOf("node_info"), ["node_info", "nodeInfo"]);
  assertEquals(featureNamesOf("cache_miss"), ["cache_miss"]);
});
