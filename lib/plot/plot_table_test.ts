import {
  deepStrictEqual as assertEquals,
  ok as assert,
  throws as assertThrows,
} from "node:assert/strict";
import { parseCsv } from "../io/mod.ts";
import {
  featureColumns,
  plotTableFromCsv,
  plotTableFromFrame,
  powerColumnComponent,
} from "./plot_table.ts";
import type { Frame } from "../extract/mod.ts";

Deno.test("`plotTableFromCsv()` keeps numeric columns and reads gaps as NaN", () => {
  // upstream's DynPower preprocessed CSV: pandas index, (timestamp, id) and the ratio artefact
  const table = parseCsv(
    [
      ",timestamp,id,bpf_cpu_time_ms,package_power,node_type,packge_ratio_package",
      "0,1702462614,c1/p/a/ns,335.5,114.25,0,1.0",
      "1,1702462614,c2/p/b/ns,nan,114.25,0,1.0",
      "2,1702462617,c1/p/a/ns,,inf,0,1.0",
    ].join("\n"),
  );
  const t = plotTableFromCsv(table);
  assertEquals(Object.keys(t), [
    "timestamp",
    "bpf_cpu_time_ms",
    "package_power",
    "node_type",
    "packge_ratio_package",
  ]);
  assertEquals(Array.from(t.timestamp!), [1702462614, 1702462614, 1702462617]);
  assertEquals(Array.from(t.bpf_cpu_time_ms!), [335.5, NaN, NaN]);
  assertEquals(Array.from(t.package_power!), [114.25, 114.25, Infinity]);
});

Deno.test("`plotTableFromCsv()` names the source when the timestamp is missing", () => {
  assertThrows(
    () =>
      plotTableFromCsv({ header: ["a", "b"], rows: [["1", "2"]] }, {
        source: "/data/x.csv",
      }),
    (e: unknown) =>
      e instanceof RangeError &&
      e.message ===
        "Cannot plot /data/x.csv: it has no numeric timestamp column; columns are a, b",
  );
  // a timestamp column that is not numeric is as bad as none
  assertThrows(
    () => plotTableFromCsv({ header: ["timestamp"], rows: [["yesterday"]] }),
    RangeError,
  );
});

Deno.test("`featureColumns()` leaves out labels, predictions, bounds and keys", () => {
  const t = {
    timestamp: [1],
    instance: [0],
    cpu_instructions: [1],
    bpf_cpu_time_ms: [1],
    package_power: [1],
    platform_power: [1],
    default_package_power: [1],
    default_package_power_lo: [1],
    default_package_power_hi: [1],
    node_type: [0],
    packge_ratio_package: [1],
    my_thirdparty_metric: [1],
  };
  assertEquals(featureColumns(t), [
    "cpu_instructions",
    "bpf_cpu_time_ms",
    "my_thirdparty_metric",
  ]);
  assertEquals(powerColumnComponent("platform_power"), "platform");
  assertEquals(powerColumnComponent("gpu_power"), undefined);
});

Deno.test("`plotTableFromFrame()` shares the frame's columns", () => {
  const frame: Frame = {
    level: "node",
    source: "rapl-sysfs",
    length: 2,
    timestamp: Float64Array.of(3, 6),
    instances: ["n"],
    instance: new Uint32Array(2),
    containers: [],
    featureNames: ["bpf_cpu_time_ms"],
    features: { bpf_cpu_time_ms: Float64Array.of(1, 2) },
    components: ["package", "dram"],
    power: { package: Float64Array.of(40, 41), dram: Float64Array.of(5, 6) },
    nodeType: Int32Array.of(1, 1),
  };
  const t = plotTableFromFrame(frame);
  assertEquals(Object.keys(t), [
    "timestamp",
    "bpf_cpu_time_ms",
    "package_power",
    "dram_power",
    "node_type",
  ]);
  assert(t.package_power === frame.power.package);
});
