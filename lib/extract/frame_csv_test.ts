import {
  deepStrictEqual as assertEquals,
  throws as assertThrows,
} from "node:assert/strict";
import { extract } from "./extract.ts";
import { formatFrameCsv, parseFrameCsv } from "./frame_csv.ts";
import { queryDataFrom, readQueryFile } from "./read_query.ts";
import {
  energy,
  GOLDEN_DIR,
  IDLE_JSON,
  queryOf,
  ramp,
  usage,
} from "./_testdata.ts";

const idle = await readQueryFile(IDLE_JSON);

Deno.test("`parseFrameCsv()` round-trips `formatFrameCsv()` at both levels", () => {
  for (const level of ["node", "container"] as const) {
    for (const source of ["rapl-sysfs", "acpi"] as const) {
      const frame = extract(idle, "BPFIRQ", { source, level });
      const back = parseFrameCsv(formatFrameCsv(frame), { source });
      assertEquals(back.level, level);
      assertEquals(back.featureNames, frame.featureNames);
      assertEquals(back.components, frame.components);
      assertEquals(back.timestamp, frame.timestamp);
      for (const f of frame.featureNames) {
        assertEquals(back.features[f], frame.features[f]);
      }
      for (const c of frame.components) {
        assertEquals(back.power[c], frame.power[c]);
      }
      assertEquals(
        back.containers.map((c) => c.id),
        level === "node"
          ? []
          : [...new Set(frame.containers.map((c) => c.id))].sort(),
      );
      if (level === "container") {
        assertEquals(
          [...back.container!].map((i) => back.containers[i]!.containerName),
          [...frame.container!].map((i) => frame.containers[i]!.containerName),
        );
      }
    }
  }
});

Deno.test("`formatFrameCsv()` writes an instance column only when a frame spans several instances", () => {
  const T = [0, 3, 6];
  const node = (instance: string) =>
    [
      energy("platform", ramp(T, 100), { instance }),
      usage("bpf_cpu_time_ms", "a", ramp(T, 10), { instance }),
      usage("bpf_page_cache_hit", "a", ramp(T, 1), { instance }),
    ] as const;
  const two = extract(
    queryDataFrom(queryOf(...node("n1"), ...node("n2"))),
    "BPFOnly",
    { source: "acpi" },
  );
  const text = formatFrameCsv(two);
  assertEquals(
    text.split("\n")[0],
    "timestamp,instance,bpf_cpu_time_ms,bpf_page_cache_hit,platform_power,node_type",
  );
  assertEquals(text.split("\n")[1], "3,n1,10,1,100,0");
  const back = parseFrameCsv(text);
  assertEquals(back.instances, ["n1", "n2"]);
  assertEquals([...back.instance], [0, 1, 0, 1]);
  const one = extract(queryDataFrom(queryOf(...node("n1"))), "BPFOnly", {
    source: "acpi",
  });
  assertEquals(
    formatFrameCsv(one).split("\n")[0],
    "timestamp,bpf_cpu_time_ms,bpf_page_cache_hit,platform_power,node_type",
  );
  assertEquals(
    formatFrameCsv(one, { instanceColumn: "always" }).split("\n")[1],
    "3,n1,10,1,100,0",
  );
});

Deno.test("`parseFrameCsv()` reads upstream's own isolated and extracted files", () => {
  const isolated = parseFrameCsv(
    Deno.readTextFileSync(
      `${GOLDEN_DIR}isolated_min_rapl-sysfs_BPFOnly_dyn.csv`,
    ),
  );
  assertEquals(isolated.level, "node");
  assertEquals(isolated.featureNames, [
    "bpf_cpu_time_ms",
    "bpf_page_cache_hit",
  ]);
  assertEquals(isolated.components, ["package", "core", "uncore", "dram"]);
  // first data row: 0,1702462614,1.0,335.8,3.066666666666667,35.198758620689986,0.0,0.0,14.80668965517242,0.0,all containers
  assertEquals(isolated.timestamp[0], 1702462614);
  assertEquals(isolated.features.bpf_cpu_time_ms![0], 335.8);
  assertEquals(isolated.power.package![0], 35.198758620689986);
  assertEquals(isolated.power.dram![0], 14.80668965517242);
  const dyn = parseFrameCsv(
    Deno.readTextFileSync(
      `${GOLDEN_DIR}extracted_default_acpi_CounterOnly_dyn.csv`,
    ),
  );
  assertEquals(dyn.level, "container");
  assertEquals(dyn.source, "acpi");
  assertEquals(dyn.length, 211);
  assertEquals(
    dyn.containers[0]!.containerName,
    "nvidia-container-toolkit-ctr",
  );
});

Deno.test("`parseFrameCsv()` names the line and column of a bad cell", () => {
  assertThrows(
    () =>
      parseFrameCsv(
        "timestamp,x,platform_power,node_type\n1,2,3,0\n2,oops,3,0\n",
        { origin: "f.csv" },
      ),
    {
      name: "SyntaxError",
      message:
        'Cannot read f.csv as a frame: line 3, column x is not a number: "oops"',
    },
  );
  assertThrows(() => parseFrameCsv("timestamp,x\n1,2\n"), {
    name: "SyntaxError",
    message: /no <component>_power column/,
  });
});

Deno.test("`formatFrameCsv()` writes isolated frames with upstream's id column and refuses container frames", () => {
  const frame = extract(idle, "BPFOnly", {
    source: "acpi",
    level: "container",
  });
  assertThrows(() => formatFrameCsv(frame, { layout: "isolated" }), RangeError);
  const node = extract(idle, "BPFOnly", { source: "acpi" });
  const lines = formatFrameCsv(node, { layout: "isolated" }).split("\n");
  assertEquals(
    lines[0],
    "timestamp,bpf_cpu_time_ms,bpf_page_cache_hit,platform_power,node_type,id",
  );
  assertEquals(lines[1]!.endsWith(",0,all containers"), true);
});
