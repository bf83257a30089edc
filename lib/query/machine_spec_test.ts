import {
  deepStrictEqual as assertEquals,
  ok as assert,
  throws as assertThrows,
} from "node:assert/strict";
import {
  discoverMachineSpec,
  machineSpecFromQuery,
  normalizeProcessorName,
  parseCpuinfo,
} from "./machine_spec.ts";

Deno.test("`normalizeProcessorName()` gives kepler-model-db's processor names", () => {
  const cases: [string, string][] = [
    [
      "Intel(R) Xeon(R) Platinum 8259CL CPU @ 2.50GHz",
      "intel_xeon_platinum_8259cl",
    ],
    [
      "Intel(R) Xeon(R) Platinum 8275CL CPU @ 3.00GHz",
      "intel_xeon_platinum_8275cl",
    ],
    ["Intel(R) Xeon(R) CPU E5-2686 v4 @ 2.30GHz", "intel_xeon_e5_2686v4"],
    ["Intel® Xeon® Gold 6130, 2.10 GHz", "intel_xeon_gold_6130"],
    ["AMD EPYC 7R13 Processor", "amd_epyc_7r13"],
    ["AMD EPYC", "amd_epyc"],
    ["", ""],
  ];
  for (const [raw, expected] of cases) {
    assertEquals(normalizeProcessorName(raw), expected, raw);
  }
});

Deno.test("`parseCpuinfo()` counts logical CPUs and sockets of a 2-socket cpuinfo", () => {
  const block = (n: number, socket: number) =>
    `processor\t: ${n}\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) CPU E5-2686 v4 @ 2.30GHz\nphysical id\t: ${socket}\ncpu MHz\t\t: ${
      2300 + n
    }.000\n`;
  const text = Array.from({ length: 8 }, (_, n) => block(n, n % 2)).join("\n");
  assertEquals(parseCpuinfo(text), {
    modelName: "Intel(R) Xeon(R) CPU E5-2686 v4 @ 2.30GHz",
    logicalCpus: 8,
    chips: 2,
    maxMhz: 2307,
  });
  assertEquals(parseCpuinfo("").chips, 1);
});

Deno.test("`discoverMachineSpec()` describes this machine with plausible numbers", async () => {
  const spec = await discoverMachineSpec();
  assert(spec.cores >= 1 && Number.isInteger(spec.cores), String(spec.cores));
  assert(spec.chips >= 1 && spec.chips <= spec.cores);
  assert(spec.memory >= 0, String(spec.memory));
  assert(spec.frequency === -1 || spec.frequency % 100 === 0);
  assert(/^[a-z0-9_]*$/.test(spec.processor), spec.processor);
});

Deno.test("`machineSpecFromQuery()` needs kepler_node_info and reads one instance", () => {
  assertThrows(() => machineSpecFromQuery({}), /no kepler_node_info series/);
  const s = (metric: Record<string, string>, v = "1") => ({
    metric,
    values: [[1, v]] as [number, string][],
  });
  const result = {
    kepler_node_node_info: [
      s({ cpu_architecture: "Sky Lake", instance: "a" }),
      s({ cpu_architecture: "Haswell", instance: "b" }),
    ],
    kepler_node_package_joules_total: [
      s({ package: "0", instance: "a" }),
      s({ package: "0", instance: "b" }),
      s({ package: "1", instance: "b" }),
    ],
    kepler_node_cpu_scaling_frequency_hertz: [
      s({ cpu: "0", instance: "b" }, "2500000000"),
    ],
  };
  assertEquals(machineSpecFromQuery(result), {
    processor: "skyvlake".replace("v", "_"),
    cores: -1,
    chips: 1,
    memory: -1,
    frequency: -1,
  });
  assertEquals(machineSpecFromQuery(result, { instance: "b" }), {
    processor: "haswell",
    cores: 1,
    chips: 2,
    memory: -1,
    frequency: 2500,
  });
});
