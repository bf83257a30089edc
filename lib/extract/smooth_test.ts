import {
  deepStrictEqual as assertEquals,
  ok as assert,
  throws as assertThrows,
} from "node:assert/strict";
import { extract } from "./extract.ts";
import type { ContainerKey, Frame } from "./frame.ts";
import { readQueryFile } from "./read_query.ts";
import { smoothFrame } from "./smooth.ts";
import { IDLE_JSON } from "./_testdata.ts";

const key = (id: string): ContainerKey => ({
  id,
  containerId: id,
  podName: "",
  containerName: id,
  containerNamespace: "",
});

Deno.test("`smoothFrame()` averages each container over its own rows, not the interleaved rows", () => {
  // containers a and b alternate row by row at each timestamp
  const frame: Frame = {
    level: "container",
    source: "acpi",
    length: 6,
    timestamp: Float64Array.of(3, 3, 6, 6, 9, 9),
    instances: ["n"],
    instance: new Uint32Array(6),
    containers: [key("a"), key("b")],
    container: Uint32Array.of(0, 1, 0, 1, 0, 1),
    featureNames: ["x"],
    features: { x: Float64Array.of(10, 1000, 20, 2000, 30, 3000) },
    components: ["platform"],
    power: { platform: Float64Array.of(100, 100, 110, 110, 130, 130) },
    nodeType: new Int32Array(6),
  };
  const s = smoothFrame(frame, { window: 2 });
  assertEquals([...s.timestamp], [6, 6, 9, 9]);
  // per container: a (10+20)/2, b (1000+2000)/2 …; upstream's single window
  // over interleaved rows would mix them: (1000+20)/2 = 510
  assertEquals([...s.features.x!], [15, 1500, 25, 2500]);
  // power: the node's over its timestamps
  assertEquals([...s.power.platform!], [105, 105, 120, 120]);
  assertEquals([...s.container!], [0, 1, 0, 1]);
});

Deno.test("`smoothFrame()` keeps instances apart at node level", () => {
  const frame: Frame = {
    level: "node",
    source: "acpi",
    length: 6,
    timestamp: Float64Array.of(3, 3, 6, 6, 9, 9),
    instances: ["n1", "n2"],
    instance: Uint32Array.of(0, 1, 0, 1, 0, 1),
    containers: [],
    featureNames: ["x"],
    features: { x: Float64Array.of(1, 100, 2, 200, 3, 300) },
    components: ["platform"],
    power: { platform: Float64Array.of(10, 50, 20, 60, 30, 70) },
    nodeType: new Int32Array(6),
  };
  const s = smoothFrame(frame, { window: 3 });
  assertEquals([...s.instance], [0, 1]);
  assertEquals([...s.features.x!], [2, 200]);
  assertEquals([...s.power.platform!], [20, 60]);
  assertEquals(smoothFrame(frame, { window: 4 }).length, 0);
  assertThrows(() => smoothFrame(frame, { window: 0 }), RangeError);
});

Deno.test("`extract()` with the smooth extractor equals the rolling mean of the default frame on idle.json", async () => {
  const idle = await readQueryFile(IDLE_JSON);
  const plain = extract(idle, "Basic", { source: "rapl-sysfs" });
  const smooth = extract(idle, "Basic", {
    source: "rapl-sysfs",
    extractor: "smooth",
    smoothWindow: 3,
  });
  assertEquals([...smooth.timestamp], [...plain.timestamp].slice(2));
  for (const name of [...plain.featureNames, "package", "dram"]) {
    const col = plain.features[name] ?? plain.power[name as "package"]!;
    const got = smooth.features[name] ?? smooth.power[name as "package"]!;
    for (let r = 0; r < smooth.length; r++) {
      const expected = (col[r]! + col[r + 1]! + col[r + 2]!) / 3;
      assert(Math.abs(got[r]! - expected) <= 1e-9 * Math.abs(expected), name);
    }
  }
  assertThrows(
    () => extract(idle, "Basic", { extractor: "smooth" }),
    { name: "RangeError", message: /no instance has 30 consecutive rows/ },
  );
});
