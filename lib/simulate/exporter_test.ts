import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import { KeplerExporter } from "./mod.ts";

/** Value of the first sample line matching `prefix`. */
function sample(text: string, prefix: string): number {
  const line = text.split("\n").find((l) => l.startsWith(prefix));
  assert(line, `no sample starting with ${prefix}`);
  return Number(line.slice(line.lastIndexOf(" ") + 1));
}

Deno.test("`KeplerExporter` serves Kepler's exposition on /metrics and advances its counters", async () => {
  await using exporter = new KeplerExporter({
    port: 0,
    containers: 3,
    start: 1_700_000_000,
    autoAdvance: false,
  });
  const addr = await exporter.serve();
  assertEquals(addr.hostname, "127.0.0.1");
  const url = `http://127.0.0.1:${addr.port}`;
  const first = await fetch(`${url}/metrics`);
  assertEquals(
    first.headers.get("content-type"),
    "text/plain; version=0.0.4; charset=utf-8",
  );
  const before = await first.text();
  assert(before.includes("# TYPE kepler_node_package_joules_total counter"));
  assert(before.includes("# TYPE kepler_node_info gauge"));
  assert(before.includes('container_name="system_processes"'));
  const pkgIdle =
    'kepler_node_package_joules_total{instance="sim-node-0",mode="idle",package="0",source="rapl-sysfs"}';
  assertEquals(exporter.advance(1_700_000_031.5), 10);
  assertEquals(exporter.time, 1_700_000_030);
  const after = await (await fetch(`${url}/metrics`)).text();
  const joules = sample(after, pkgIdle) - sample(before, pkgIdle);
  // 30 s of idle package power on socket 0 (18 W, clipped by the noise).
  assert(joules > 30 * 18 - 30 && joules <= 30 * 18 + 0.01, `idle J ${joules}`);
  const last = exporter.lastInterval!;
  assert(last.truth.package >= 36 && last.phase === "idle");
  const missing = await fetch(`${url}/nope`);
  assertEquals(missing.status, 404);
  await missing.body?.cancel();
});

Deno.test("`KeplerExporter` with a drift: the node's true power follows the scaled model from `at` on", async () => {
  const { DEFAULT_NODE_MODEL, scaleNodeModel, truePower } = await import(
    "./node_model.ts"
  );
  const start = 1_700_000_000;
  const exporter = new KeplerExporter({
    start,
    step: 1,
    duration: 60,
    containers: 2,
    noise: 0,
    autoAdvance: false,
    drift: { at: 10, factor: 1.5 },
  });
  const drifted = scaleNodeModel(DEFAULT_NODE_MODEL, 1.5);
  assertEquals(drifted.idle.platform, DEFAULT_NODE_MODEL.idle.platform * 1.5);
  for (let t = 1; t <= 20; t++) {
    exporter.advance(start + t);
    const r = exporter.lastInterval!;
    const expected = truePower(t <= 10 ? DEFAULT_NODE_MODEL : drifted, r.rates);
    for (const c of ["package", "dram", "platform"] as const) {
      assert(
        Math.abs(r.truth[c] - expected[c]) <= 1e-9,
        `t=${t} ${c}: ${r.truth[c]} ≠ ${expected[c]}`,
      );
    }
  }
});

Deno.test("`KeplerExporter` with a workload drift: a stress kind it never ran appears at `at` and is all it runs from then on", () => {
  const start = 1_700_000_000;
  const exporter = new KeplerExporter({
    start,
    step: 1,
    duration: 60,
    containers: 4,
    noise: 0,
    autoAdvance: false,
    drift: { at: 120, factor: 1, workload: "memory" },
  });
  const before = new Set<string>();
  const after = new Set<string>();
  for (let t = 1; t <= 240; t++) {
    exporter.advance(start + t);
    const kind = exporter.lastInterval!.phase.split("-")[0]!;
    if (kind !== "idle" && kind !== "break") {
      (t <= 120 ? before : after).add(kind);
    }
  }
  // two plan periods of every other kind (and no mixed load, which holds memory)
  assertEquals(
    [...before].sort(),
    ["branch", "cache", "cpu", "io", "irq", "l1cache", "regs"],
  );
  assertEquals([...after], ["memory"]);
  assert(exporter.plan.every((p) => p.kind === "idle" || p.kind === "memory"));
});
