import {
  deepStrictEqual as assertEquals,
  ok as assert,
  rejects as assertRejects,
} from "node:assert/strict";
import { join } from "node:path";
import { readQueryFile } from "../extract/read_query.ts";
import { parseCsv } from "../io/mod.ts";
import { readQueryJson } from "../query/query_json.ts";
import { openMetrics, queryResult, simulate, writeSimulation } from "./mod.ts";
import { TRUTH_COLUMNS } from "./truth_csv.ts";

Deno.test("`writeSimulation()` writes the query JSON and its companions under DATAPATH", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kepler_sim_" });
  try {
    const sim = simulate({
      start: 1_700_000_001,
      duration: 90,
      containers: 3,
      nodes: 2,
      faults: ["reset"],
    });
    const written = await writeSimulation(dir, "kepler_query", sim, {
      benchmark: "stressng",
      machineId: "sim",
      openMetrics: true,
    });
    assertEquals(written, {
      query: join(dir, "kepler_query.json"),
      truth: join(dir, "kepler_query_truth.csv"),
      openMetrics: join(dir, "kepler_query.om"),
      benchmark: join(dir, "stressng.json"),
      machineSpec: join(dir, "machine_spec", "sim.json"),
      metadata: join(dir, "kepler_query_simulation.json"),
    });
    assertEquals(await readQueryJson(written.query), queryResult(sim));
    const read = await readQueryFile(written.query);
    assertEquals(read.metrics.get("kepler_node_info")!.length, 2);
    assertEquals(
      await Deno.readTextFile(written.openMetrics!),
      openMetrics(sim),
    );
    assertEquals(
      await Deno.readTextFile(written.benchmark),
      '{"startTimeUTC": "2023-11-14T22:13:21Z", "endTimeUTC": "2023-11-14T22:14:48Z"}',
    );
    assertEquals(
      await Deno.readTextFile(written.machineSpec),
      '{"attrs": {"processor": "intel_xeon_silver_4210r", "cores": 40, "chips": 2, "memory": 125, "frequency": 3200}, "members": []}',
    );
    const truth = parseCsv(await Deno.readTextFile(written.truth));
    assertEquals(truth.header, [...TRUTH_COLUMNS]);
    assertEquals(truth.rows.length, 2 * 30);
    const meta = JSON.parse(await Deno.readTextFile(written.metadata));
    assertEquals(meta.metadata.seed, 1);
    assertEquals(meta.plan.length, sim.plan.length);
    assertEquals(
      meta.events.filter((e: { kind: string }) => e.kind === "reset").length,
      2,
    );
    // No temp files are left behind.
    const names = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    assertEquals(names, [
      "kepler_query.json",
      "kepler_query.om",
      "kepler_query_simulation.json",
      "kepler_query_truth.csv",
      "machine_spec",
      "stressng.json",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("`writeSimulation()` defaults the benchmark name and writes no OpenMetrics unless asked", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kepler_sim_" });
  try {
    const sim = simulate({ start: 1_700_000_001, duration: 30, containers: 1 });
    const written = await writeSimulation(dir, "sim.json", sim);
    assertEquals(written.benchmark, join(dir, "sim_benchmark.json"));
    assertEquals(written.machineSpec, join(dir, "machine_spec", "sim.json"));
    assertEquals(written.openMetrics, undefined);
    assert(
      !(await Deno.stat(join(dir, "sim.om")).then(() => true, () => false)),
    );
    await assertRejects(
      () => writeSimulation(dir, "q", sim, { benchmark: "q" }),
      /benchmark file would overwrite the query JSON/,
    );
    await assertRejects(
      () => writeSimulation(dir, "a/b", sim),
      /plain file name/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
