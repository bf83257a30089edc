import {
  deepStrictEqual as assertEquals,
  throws as assertThrows,
} from "node:assert/strict";
import { parseModelRequest, requestSource } from "./model_request.ts";
import { parsePowerRequest } from "./power_request.ts";

Deno.test("parseModelRequest() applies upstream's defaults", () => {
  const r = parseModelRequest({ metrics: ["a"], output_type: "DynPower" });
  assertEquals(r, {
    metrics: ["a"],
    outputType: "DynPower",
    source: "rapl-sysfs",
    nodeType: -1,
    weight: false,
    trainerName: "",
    filters: [],
    filterText: "",
    pipelineName: "",
    looseNodeType: true,
  });
  // upstream's `spec` key, string node types, and Kepler's zeros for unknown attributes
  const s = parseModelRequest({
    metrics: [],
    output_type: "AbsPower",
    node_type: "3",
    spec: { processor: " x ", cores: "8", chips: 0, memory: -1, vendor: "amd" },
  });
  assertEquals([s.nodeType, s.machineSpec], [3, { processor: "x", cores: 8 }]);
});

Deno.test("requestSource() reads every rapl spelling as rapl-sysfs, as upstream", () => {
  assertEquals(
    ["rapl", "intel_rapl", "RAPL", "", "acpi", "rapl-msr"].map(requestSource),
    [
      "rapl-sysfs",
      "rapl-sysfs",
      "rapl-sysfs",
      "rapl-sysfs",
      "acpi",
      "rapl-msr",
    ],
  );
  assertThrows(() => requestSource("solar"), RangeError);
});

Deno.test("parseModelRequest() rejects wrong types and names that could be paths", () => {
  const ok = { metrics: ["a"], output_type: "AbsPower" };
  for (
    const bad of [
      null,
      [],
      "x",
      { ...ok, metrics: [1] },
      { ...ok, metrics: Array(1001).fill("a") },
      { ...ok, node_type: -2 },
      { ...ok, node_type: "x" },
      { ...ok, loose_node_type: 2 },
      { ...ok, weight: "maybe" },
      { ...ok, weight: [] },
      { ...ok, pipeline_name: ".." },
      { ...ok, pipeline_name: ".hidden" },
      { ...ok, pipeline_name: "a\\b" },
      { ...ok, trainer_name: "a/b" },
      { ...ok, machine_spec: [] },
      { ...ok, machine_spec: { cores: "many" } },
      { ...ok, filter: 3 },
    ]
  ) {
    assertThrows(
      () => parseModelRequest(bad),
      (e: unknown) => e instanceof TypeError || e instanceof RangeError,
      JSON.stringify(bad),
    );
  }
});

Deno.test("parsePowerRequest() builds columns and checks rows against metrics", () => {
  const r = parsePowerRequest({
    metrics: ["a", "b"],
    values: [[1, 2], [3, 4], [5, 6]],
    output_type: "AbsPower",
    source: "rapl",
    system_features: ["cpu_architecture"],
    system_values: ["Skylake"],
  });
  assertEquals([r.rows, [...r.columns[0]!], r.source, r.systemValues], [
    3,
    [1, 3, 5],
    "rapl-sysfs",
    ["Skylake"],
  ]);
  for (
    const bad of [
      { metrics: ["a"], output_type: "AbsPower" },
      { metrics: ["a"], values: [[1], [null]], output_type: "AbsPower" },
      {
        metrics: ["a"],
        values: [[1]],
        output_type: "AbsPower",
        system_features: ["x"],
        system_values: [],
      },
      { metrics: ["a"], values: [[1]], output_type: "Watts" },
    ]
  ) {
    assertThrows(
      () => parsePowerRequest(bad),
      (e: unknown) => e instanceof TypeError || e instanceof RangeError,
    );
  }
  assertThrows(
    () =>
      parsePowerRequest({
        metrics: ["a"],
        values: [[1], [2]],
        output_type: "AbsPower",
      }, { maxRows: 1 }),
    RangeError,
  );
});

Deno.test("parseModelRequest() reads weight and loose_node_type as upstream's Flask lets them through, with strings meaning what they say", () => {
  const ok = { metrics: ["a"], output_type: "AbsPower" };
  const weight = (w: unknown) => parseModelRequest({ ...ok, weight: w }).weight;
  for (const t of [true, "true", "True", " TRUE ", "1", 1, "yes", "on"]) {
    assertEquals(weight(t), true, JSON.stringify(t));
  }
  // upstream: bool("false") is True in Python; here "false" is false
  for (const f of [false, "false", "False", "0", 0, "", "no", "off", null]) {
    assertEquals(weight(f), false, JSON.stringify(f));
  }
  assertEquals(parseModelRequest(ok).weight, false);
  for (const bad of [2, -1, "maybe", [], {}, [true]]) {
    assertThrows(() => weight(bad), /Field "weight" must be true or false/);
  }
  assertEquals(
    parseModelRequest({ ...ok, loose_node_type: "false" }).looseNodeType,
    false,
  );
  // node types as strings (upstream's README calls the field a string)
  const nt = (v: unknown) =>
    parseModelRequest({ ...ok, node_type: v }).nodeType;
  assertEquals([nt("1"), nt(" 2 "), nt("1.0"), nt(1.0), nt(""), nt(null)], [
    1,
    2,
    1,
    1,
    -1,
    -1,
  ]);
  assertThrows(() => nt("1.5"), RangeError);
});
