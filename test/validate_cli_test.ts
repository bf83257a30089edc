/**
 * `validate` run as `deno task validate` runs it: a file that is not a
 * query JSON (text, truncated JSON) gets extract's one-line message; the
 * energy summary skips counter resets and counts a counter scraped by two
 * jobs once, as extract reads them.
 */
import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  ok as assert,
} from "node:assert/strict";
import { runTask } from "./_cli.ts";

Deno.test("`validate` says in one line, as extract does, that a file is not a query JSON", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kepler_validate_nj_" });
  try {
    const env = { DATAPATH: dir };
    await Deno.writeTextFile(`${dir}/nj.json`, "not json\nline2\n");
    const text = await runTask("validate", ["-i", "nj"], { env });
    assertEquals(text.code, 1, text.stderr);
    assertEquals(
      text.stderr,
      `kepler-model: error: ${dir}/nj.json is not a query JSON: expected an object from metric name to series (a query JSON, as query and simulate write it, maps each metric name to a list of {"metric": {...}, "values": [...]} series)\n`,
    );
    const viaExtract = await runTask(
      "extract",
      ["-i", "nj", "-fg", "BPFOnly"],
      {
        env,
      },
    );
    assertEquals(text.stderr, viaExtract.stderr);
    // a query JSON cut in the middle of its samples
    const full = JSON.stringify({
      kepler_node_package_joules_total: [{
        metric: { source: "rapl-sysfs", package: "0", mode: "dynamic" },
        values: [[0, "1"], [3, "2"], [6, "3"]],
      }],
    });
    await Deno.writeTextFile(`${dir}/cut.json`, full.slice(0, full.length - 9));
    const cut = await runTask("validate", ["-i", "cut"], { env });
    assertEquals(cut.code, 1, cut.stderr);
    assertEquals(cut.stderr.trimEnd().split("\n").length, 1, cut.stderr);
    assertMatch(
      cut.stderr,
      new RegExp(
        `^kepler-model: error: Cannot parse ${dir}/cut\\.json as a query JSON: .* at byte ${
          full.length - 9
        } `,
      ),
    );
    const cutExtract = await runTask(
      "extract",
      ["-i", "cut", "-fg", "BPFOnly"],
      { env },
    );
    assertEquals(cut.stderr, cutExtract.stderr);
    assertEquals(
      [...Deno.readDirSync(dir)].map((e) => e.name).sort(),
      ["cut.json", "nj.json"],
    );
    // a benchmark file that is not JSON: one line too
    await Deno.writeTextFile(`${dir}/q.json`, full);
    const bench = await runTask("validate", ["-i", "q", "--benchmark", "nj"], {
      env,
    });
    assertEquals(bench.code, 1, bench.stderr);
    assertEquals(bench.stderr.trimEnd().split("\n").length, 1, bench.stderr);
    assertMatch(
      bench.stderr,
      new RegExp(`Cannot parse ${dir}/nj\\.json as JSON`),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** The energy lines of validate's summary, by "source component". */
function energyLines(stdout: string): Map<string, string> {
  const lines = new Map<string, string>();
  for (const line of stdout.split("\n")) {
    const m = /^ {2}(\S+ \S+): (\d+ series, .*)$/.exec(line);
    if (m && /(acpi|rapl-sysfs) /.test(m[1]!)) lines.set(m[1]!, m[2]!);
  }
  return lines;
}

function meanWatts(line: string | undefined): number {
  const m = /mean ([\d.]+) W/.exec(line ?? "");
  assert(m, `no mean power in: ${line}`);
  return Number(m[1]);
}

Deno.test("`validate` skips counter resets and counts a counter scraped by two jobs once", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kepler_validate_energy_" });
  try {
    const env = { DATAPATH: dir };
    const sim = await runTask("simulate", [
      "-o",
      "rs",
      "--duration",
      "600",
      "--containers",
      "4",
      "--faults",
      "reset",
    ], { env });
    assertEquals(sim.code, 0, sim.stderr);
    const reset = await runTask("validate", ["-i", "rs"], { env });
    assertEquals(reset.code, 0, reset.stderr);
    assert(!reset.stdout.includes("no power"), reset.stdout);
    const lines = energyLines(reset.stdout);
    assertEquals([...lines.keys()].sort(), [
      "acpi platform",
      "rapl-sysfs core",
      "rapl-sysfs dram",
      "rapl-sysfs package",
      "rapl-sysfs uncore",
    ]);
    for (const [what, line] of lines) {
      assertMatch(line, /, mean [\d.]+ W; \d+ counter resets? skipped$/, what);
    }
    const pkg = meanWatts(lines.get("rapl-sysfs package"));
    assert(pkg > 20 && pkg < 400, String(pkg));

    // the package series again, as a second scrape job sees them
    const query = JSON.parse(await Deno.readTextFile(`${dir}/rs.json`));
    const series = query.kepler_node_package_joules_total as {
      metric: Record<string, string>;
    }[];
    query.kepler_node_package_joules_total = [
      ...series,
      ...series.map((s) => ({
        ...s,
        metric: { ...s.metric, job: "kepler-2" },
      })),
    ];
    await Deno.writeTextFile(`${dir}/dup.json`, JSON.stringify(query));
    const dup = await runTask("validate", ["-i", "dup"], { env });
    assertEquals(dup.code, 0, dup.stderr);
    const dupPkg = energyLines(dup.stdout).get("rapl-sysfs package");
    assertEquals(meanWatts(dupPkg), pkg);
    assertMatch(
      dupPkg!,
      new RegExp(
        `^${
          2 * series.length
        } series, .*; ${series.length} duplicate series \\(the same counter scraped again, e\\.g\\. by another job\\) counted once$`,
      ),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
