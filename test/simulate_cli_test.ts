/**
 * `kepler-model simulate` as a user runs it: files under DATAPATH, usage
 * errors, and `--serve` as a live exporter stopped with Ctrl-C.
 */
import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  ok as assert,
} from "node:assert/strict";
import { join } from "node:path";
import { ROOT, runCli } from "./_cli.ts";
import { freePort } from "./_prometheus.ts";
import { parseCsv } from "../lib/io/mod.ts";
import {
  DEFAULT_NODE_MODEL,
  type NodeModel,
  SIMULATED_FEATURES,
  type SimulatedFeature,
  truePower,
} from "../lib/simulate/mod.ts";

const FLAGS = ["--allow-read", "--allow-write", "--allow-env"];

Deno.test("`kepler-model simulate -o NAME` writes the query JSON and its companions", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kepler_sim_cli_" });
  try {
    const { code, stdout, stderr } = await runCli(FLAGS, [
      "simulate",
      "-o",
      "kepler_query",
      "--duration",
      "60",
      "--containers",
      "2",
      "--nodes",
      "2",
      "--sources",
      "rapl,acpi",
      "--faults",
      "gap,duplicate",
      "--naming",
      "legacy",
      "--start-time",
      "2024-01-01T00:00:00Z",
      "--benchmark",
      "stressng",
    ], { env: { DATAPATH: dir } });
    assertEquals(code, 0, stderr);
    assertMatch(
      stdout,
      /Simulated 2 node\(s\) × 2 containers: \d+ samples from 2024-01-01T00:00:00Z to 2024-01-01T00:00:57Z/,
    );
    const names = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    assertEquals(names, [
      "kepler_query.json",
      "kepler_query_simulation.json",
      "kepler_query_truth.csv",
      "machine_spec",
      "stressng.json",
    ]);
    const query = JSON.parse(
      await Deno.readTextFile(join(dir, "kepler_query.json")),
    );
    assert("kepler_container_bpf_cpu_time_us_total" in query);
    assertEquals(query["kepler_node_info"].length, 2);
    const meta = JSON.parse(
      await Deno.readTextFile(join(dir, "kepler_query_simulation.json")),
    );
    assertEquals(meta.metadata.faults, ["gap", "duplicate"]);
    assertEquals(meta.metadata.start, 1704067200);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("`kepler-model simulate --seed --node-variation` records each node's drawn coefficients and the plan seed; its truth CSV is their closed form", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kepler_sim_cli_" });
  const run = (name: string, seed: string) =>
    runCli(FLAGS, [
      "simulate",
      "-o",
      name,
      "--duration",
      "300",
      "--containers",
      "4",
      "--seed",
      seed,
      "--node-variation",
      "0.08",
      "--start-time",
      "1700000001",
    ], { env: { DATAPATH: dir } });
  try {
    for (const [name, seed] of [["a", "5"], ["b", "5"], ["c", "6"]]) {
      const { code, stdout, stderr } = await run(name!, seed!);
      assertEquals(code, 0, stderr);
      assertMatch(
        stdout,
        new RegExp(`seed ${seed}, plan seed ${seed}, node variation ±0\\.08`),
      );
    }
    const read = (f: string) => Deno.readTextFile(join(dir, f));
    // Same seed: the same bytes; another seed: another plan and node.
    assertEquals(await read("a.json"), await read("b.json"));
    assertEquals(await read("a_truth.csv"), await read("b_truth.csv"));
    const meta = JSON.parse(await read("a_simulation.json"));
    const other = JSON.parse(await read("c_simulation.json"));
    assertEquals([meta.metadata.planSeed, meta.metadata.nodeVariation], [
      5,
      0.08,
    ]);
    const names = (m: { plan: { name: string }[] }) =>
      m.plan.map((p) => p.name);
    assert(names(meta).join() !== names(other).join());
    const model = meta.nodes[0].model as NodeModel;
    assert(JSON.stringify(model) !== JSON.stringify(other.nodes[0].model));
    for (const [group, values] of Object.entries(DEFAULT_NODE_MODEL)) {
      if (group === "spec" || typeof values !== "object") continue;
      for (const [key, nominal] of Object.entries(values as object)) {
        const drawn =
          (model as unknown as Record<string, Record<string, number>>)[group]![
            key
          ]!;
        assert(
          Math.abs(drawn / (nominal as number) - 1) <= 0.08 + 1e-12,
          `${group}.${key}`,
        );
      }
    }
    // The truth CSV is truePower() of the recorded coefficients.
    const truth = parseCsv(await read("a_truth.csv"));
    const col = (c: string) => truth.header.indexOf(c);
    assert(truth.rows.length === 100);
    for (const row of truth.rows) {
      const rates = Object.fromEntries(
        SIMULATED_FEATURES.map((f) => [f, Number(row[col(f)])]),
      ) as Record<SimulatedFeature, number>;
      const expected = truePower(model, rates);
      for (const c of ["package", "dram", "platform"] as const) {
        const got = Number(row[col(`${c}_power`)]);
        assert(
          Math.abs(got - expected[c]) < 1e-6 * expected[c],
          `${c}: ${got} vs ${expected[c]}`,
        );
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("`kepler-model simulate` reports bad flags as usage errors (exit 2)", async () => {
  const cases: [string[], RegExp][] = [
    [["simulate"], /missing required option -o\/--output/],
    [
      ["simulate", "-o", "x", "--sources", "redfish"],
      /valid sources are rapl-sysfs, acpi/,
    ],
    [
      ["simulate", "-o", "x", "--faults", "fire"],
      /Unknown fault ".*": valid values are reset, gap, irregular, duplicate/,
    ],
    [
      ["simulate", "-o", "x", "--duration", "4"],
      /duration must be at least two steps/,
    ],
    [["simulate", "--serve", "nowhere"], /expected host:port/],
    // The live exporter serves one node running the stress plan: flags of
    // a written simulation it does not model are refused, not ignored.
    [
      [
        ...["simulate", "--serve", "127.0.0.1:0", "--idle", "--nodes", "3"],
        ...["--faults", "reset", "--id", "foo", "--node-variation", "0.1"],
      ],
      /^kepler-model: error: --faults, --idle, --id, --nodes, --node-variation cannot be combined with --serve/,
    ],
    [
      ["simulate", "--serve", "127.0.0.1:0", "--benchmark", "b"],
      /--benchmark cannot be combined with --serve/,
    ],
    [
      ["simulate", "-o", "x", "--node-variation", "0.5"],
      /--node-variation <fraction>.*0\.5 is above the maximum 0\.3/,
    ],
    [
      ["simulate", "-o", "x", "--node-variation=-0.1"],
      /--node-variation <fraction>.*-0\.1 is below the minimum 0/,
    ],
    [
      ["simulate", "-o", "x", "--node-variation", "lots"],
      /--node-variation <fraction>.*"lots" is not a number/,
    ],
  ];
  for (const [args, message] of cases) {
    const { code, stderr } = await runCli(FLAGS, args, {
      env: { DATAPATH: "/nonexistent/kepler" },
    });
    assertEquals(code, 2, `${args.join(" ")}: ${stderr}`);
    assertMatch(stderr, message);
    assertEquals(stderr.trim().split("\n").length, 1, stderr);
  }
});

Deno.test("`kepler-model simulate --serve` serves /metrics until interrupted", async () => {
  const port = freePort();
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      ...FLAGS,
      `--allow-net=127.0.0.1:${port}`,
      join(ROOT, "cli/main.ts"),
      "simulate",
      "--serve",
      `127.0.0.1:${port}`,
      "--containers",
      "2",
    ],
    stdout: "piped",
    stderr: "piped",
    env: {},
  }).spawn();
  try {
    const reader = child.stdout.pipeThrough(new TextDecoderStream())
      .getReader();
    const first = await reader.read();
    assertMatch(
      first.value ?? "",
      /Serving a simulated Kepler v0\.7 exporter on http:\/\/127\.0\.0\.1:\d+\/metrics/,
    );
    reader.releaseLock();
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    assert(text.includes("# TYPE kepler_node_package_joules_total counter"));
    assert(text.includes('container_name="kernel_processes"'));
  } finally {
    child.kill("SIGINT");
  }
  const status = await child.status;
  await child.stdout.cancel().catch(() => {});
  const stderr = new TextDecoder().decode(
    (await new Response(child.stderr).arrayBuffer()) as ArrayBuffer,
  );
  assertEquals(status.code, 0, stderr);
});
