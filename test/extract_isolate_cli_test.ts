/**
 * `extract`, `isolate`, `isolate_from_data` and `profile` run as a user runs
 * them: a subprocess in a temp data folder holding the real idle dump.
 */
import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import { join } from "node:path";
import { runCli } from "./_cli.ts";
import { testdata } from "./testdata.ts";

const FLAGS = ["--allow-read", "--allow-write", "--allow-env"];
const IDLE = testdata(
  "kepler-model-server/upstream-head/tests/data/prom_output/idle.json",
);

async function dataDir(): Promise<string> {
  const dir = await Deno.makeTempDir();
  await Deno.copyFile(IDLE, join(dir, "kepler_query.json"));
  await Deno.copyFile(IDLE, join(dir, "idle.json"));
  return dir;
}

function header(text: string): string {
  return text.split("\n")[0]!;
}

Deno.test("`kepler-model extract` writes extracted_<output>.csv with upstream's flags (also -o=X) and columns", async () => {
  const dir = await dataDir();
  const env = { DATAPATH: dir };
  // `-i=X` and `-o=X` as upstream's Tekton steps write them: argparse
  // reads the value after the `=` (commander alone kept "=abs").
  const abs = await runCli(FLAGS, [
    "extract",
    "-i=kepler_query",
    "-o=abs",
    "-fg",
    "BPFOnly",
  ], { env });
  assertEquals(abs.code, 0, abs.stderr);
  const absCsv = await Deno.readTextFile(join(dir, "extracted_abs.csv"));
  assertEquals(
    header(absCsv),
    "timestamp,bpf_cpu_time_ms,bpf_page_cache_hit,package_power,core_power,uncore_power,dram_power,node_type",
  );
  assertEquals(absCsv.trim().split("\n").length, 1 + 5);
  const dyn = await runCli(FLAGS, [
    "extract",
    "-i",
    "kepler_query",
    "-o",
    "dyn",
    "-fg=CounterOnly",
    "-ot",
    "DynPower",
    "-e",
    "acpi",
  ], { env });
  assertEquals(dyn.code, 0, dyn.stderr);
  const dynCsv = await Deno.readTextFile(join(dir, "extracted_dyn.csv"));
  assertEquals(
    header(dynCsv),
    "timestamp,id,cache_miss,cpu_cycles,cpu_instructions,platform_power,node_type",
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("`kepler-model extract -fg A,B` (and -fg all) writes the files of one-group runs from one read", async () => {
  const dir = await dataDir();
  const env = { DATAPATH: dir };
  const groups = ["BPFOnly", "CounterOnly"];
  const flags = ["-i", "kepler_query", "-ot", "DynPower", "-e", "acpi"];
  for (const g of groups) {
    const one = await runCli(FLAGS, [
      "extract",
      ...flags,
      "-o",
      `one_${g}`,
      "-fg",
      g,
    ], { env });
    assertEquals(one.code, 0, one.stderr);
  }
  const several = await runCli(FLAGS, [
    "extract",
    ...flags,
    "-o",
    "many",
    "-fg",
    groups.join(","),
  ], { env });
  assertEquals(several.code, 0, several.stderr);
  const all = await runCli(FLAGS, [
    "extract",
    ...flags,
    "-o",
    "all",
    "-fg",
    "all",
  ], { env });
  assertEquals(all.code, 0, all.stderr);
  // a group whose metrics are there but give no row is reported, not dropped
  assert(all.stderr.includes("skipped KubeletOnly: "), all.stderr);
  for (const g of groups) {
    const expected = await Deno.readTextFile(
      join(dir, `extracted_one_${g}.csv`),
    );
    assert(expected.split("\n").length > 2, expected);
    for (const name of [`many_${g}`, `all_${g}`]) {
      assertEquals(
        await Deno.readTextFile(join(dir, `extracted_${name}.csv`)),
        expected,
        name,
      );
    }
  }
  await Deno.remove(dir, { recursive: true });
});

Deno.test("`kepler-model isolate --profile` writes the profile into the pipeline and isolated_<output>.csv", async () => {
  const dir = await dataDir();
  const r = await runCli(FLAGS, [
    "isolate",
    "-i",
    "kepler_query",
    "-o",
    "iso",
    "-fg",
    "Basic",
    "-e",
    "acpi",
    "--isolator",
    "profile",
    "--profile",
    "idle",
    "-p",
    "pipe",
  ], { env: { DATAPATH: dir } });
  assertEquals(r.code, 0, r.stderr);
  const profile = JSON.parse(
    await Deno.readTextFile(join(dir, "pipe", "profile", "acpi.json")),
  );
  assertEquals(Object.keys(profile.platform["0"]), [
    "min_watt",
    "max_watt",
    "#unit",
  ]);
  const csv = await Deno.readTextFile(join(dir, "isolated_iso.csv"));
  assertEquals(
    header(csv),
    "timestamp,bpf_cpu_time_ms,bpf_page_cache_hit,cache_miss,cpu_cycles,cpu_instructions,platform_power,node_type,id",
  );
  // every container of the idle query is background: no target usage left
  for (const line of csv.trim().split("\n").slice(1)) {
    const cells = line.split(",");
    assertEquals(cells.slice(1, 6), ["0", "0", "0", "0", "0"]);
    assert(Number(cells[6]) >= 0);
  }
  await Deno.remove(dir, { recursive: true });
});

Deno.test("`kepler-model isolate_from_data` (and isolate-from-data) isolates an extracted CSV", async () => {
  const dir = await dataDir();
  const env = { DATAPATH: dir };
  const x = await runCli(FLAGS, [
    "extract",
    "-i",
    "kepler_query",
    "-o",
    "dyn",
    "-fg",
    "BPFOnly",
    "-ot",
    "DynPower",
  ], { env });
  assertEquals(x.code, 0, x.stderr);
  for (const name of ["isolate_from_data", "isolate-from-data"]) {
    const r = await runCli(FLAGS, [
      name,
      "-i",
      "dyn",
      "-o",
      name,
      "--isolator",
      "quantile",
      "--quantile",
      "0",
    ], { env });
    assertEquals(r.code, 0, r.stderr);
    const rows = (await Deno.readTextFile(join(dir, `isolated_${name}.csv`)))
      .trim().split("\n");
    assertEquals(rows.length, 6);
    assertEquals(
      rows[0],
      "timestamp,bpf_cpu_time_ms,bpf_page_cache_hit,package_power,core_power,uncore_power,dram_power,node_type,id",
    );
    // q = 0 is the minimum: one row per column sits at 0
    const pkg = rows.slice(1).map((row) => Number(row.split(",")[3]));
    assertEquals(Math.min(...pkg), 0);
  }
  await Deno.remove(dir, { recursive: true });
});

Deno.test("`kepler-model profile -i idle` writes one profile per source", async () => {
  const dir = await dataDir();
  const r = await runCli(FLAGS, ["profile", "-i", "idle"], {
    env: { DATAPATH: dir },
  });
  assertEquals(r.code, 0, r.stderr);
  for (const source of ["rapl-sysfs", "acpi"]) {
    assert(
      r.stdout.includes(join(dir, "std_v0.7.11", "profile", `${source}.json`)),
      r.stdout,
    );
  }
  const rapl = JSON.parse(
    await Deno.readTextFile(
      join(dir, "std_v0.7.11", "profile", "rapl-sysfs.json"),
    ),
  );
  assertEquals(Object.keys(rapl), ["package", "core", "uncore", "dram"]);
  assertEquals(rapl.package["0"]["#unit"], 2);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("`kepler-model extract` fails with one clear line and exit 1 on a missing metric", async () => {
  const dir = await dataDir();
  await Deno.writeTextFile(
    join(dir, "small.json"),
    '{"kepler_node_platform_joules_total": []}',
  );
  const r = await runCli(FLAGS, ["extract", "-i", "small", "-fg", "BPFOnly"], {
    env: { DATAPATH: dir },
  });
  assertEquals(r.code, 1);
  assertEquals(r.stderr.trim().split("\n").length, 1);
  assert(
    r.stderr.includes(
      `Cannot extract BPFOnly features: metrics kepler_container_bpf_cpu_time_ms_total, kepler_container_bpf_page_cache_hit_total are missing from ${
        join(dir, "small.json")
      }`,
    ),
    r.stderr,
  );
  const usage = await runCli(FLAGS, [
    "isolate",
    "-i",
    "kepler_query",
    "-fg",
    "BPFOnly",
    "--isolator",
    "profile",
  ], { env: { DATAPATH: dir } });
  assertEquals(usage.code, 2);
  assert(
    usage.stderr.includes("--isolator profile needs --profile"),
    usage.stderr,
  );
  await Deno.remove(dir, { recursive: true });
});
