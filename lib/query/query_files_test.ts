/**
 * Byte compatibility of the query JSON and the per-metric CSVs with real
 * upstream files (copies in test/testdata).
 */
import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import { formatCsv, parseCsv } from "../io/mod.ts";
import type { PromSeries, QueryResult } from "./format.ts";
import { machineSpecFromQuery } from "./machine_spec.ts";
import { queryCsvChunks, queryCsvTable } from "./query_csv.ts";
import { formatQueryJson, writeQueryJson } from "./query_json.ts";
import { type CompactResult, compactSeries } from "./compact_series.ts";
import { formatValidationSummary, validateQuery } from "./validate.ts";
import { testdata } from "../../test/testdata.ts";

const text = (rel: string): Promise<string> =>
  Deno.readTextFile(testdata(`kepler-model-server/${rel}`));

const idleText = await text("upstream-head/tests/data/prom_output/idle.json");
const idle = JSON.parse(idleText) as QueryResult;

Deno.test({
  name: "`formatQueryJson()` rewrites upstream's idle.json byte for byte",
  fn() {
    assertEquals(formatQueryJson(idle), idleText);
  },
});

/** A result held compactly, as `query` holds it. */
function compact(result: QueryResult): CompactResult {
  const out: CompactResult = {};
  for (const [k, v] of Object.entries(result)) out[k] = v.map(compactSeries);
  return out;
}

/** Pieces of bytes or text, joined (each used before the next is taken). */
function joined(pieces: Iterable<Uint8Array | string>): string {
  const decoder = new TextDecoder();
  const parts: string[] = [];
  for (const p of pieces) {
    parts.push(typeof p === "string" ? p : decoder.decode(p));
  }
  return parts.join("");
}

Deno.test({
  name:
    "`writeQueryJson()` of compact series writes upstream's idle.json byte for byte",
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      await writeQueryJson(`${dir}/idle.json`, compact(idle));
      assertEquals(await Deno.readTextFile(`${dir}/idle.json`), idleText);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

const CSV_DIR = "upstream-history/85db8ab/tests/data/prom_output/";
const csvNames = [
  "kepler_node_package_joules_total",
  "kepler_container_core_joules_total",
  "kepler_node_energy_stat",
  "kepler_node_nodeInfo",
];
const csvs = await Promise.all(csvNames.map((n) => text(`${CSV_DIR}${n}.csv`)));

/** Rebuilds the series of an upstream CSV (rows are series after series). */
function seriesOfCsv(metric: string, csv: string): PromSeries[] {
  const { header, rows } = parseCsv(csv);
  const labelCols = header.slice(1, -2);
  const out: PromSeries[] = [];
  let key = "";
  for (const row of rows) {
    const labels: Record<string, string> = {};
    labelCols.forEach((name, i) => {
      const v = row[i + 1] as string;
      if (v !== "") labels[name] = v;
    });
    const k = JSON.stringify(labels);
    if (k !== key) {
      out.push({ metric: labels, values: [] });
      key = k;
    }
    out[out.length - 1]!.values.push([
      Number(row[row.length - 2]),
      row[row.length - 1] as string,
    ]);
  }
  assertEquals(labelCols[0], "__name__");
  assertEquals(header[header.length - 1], metric);
  return out;
}

Deno.test({
  name:
    "`queryCsvTable()` and `queryCsvChunks()` write upstream 85db8ab's per-metric CSVs byte for byte",
  fn() {
    csvNames.forEach((metric, i) => {
      const csv = csvs[i]!;
      const series = seriesOfCsv(metric, csv);
      assert(series.length > 0);
      const table = queryCsvTable(metric, series);
      assertEquals(formatCsv(table.header, table.rows), csv, metric);
      // The way `query --to-csv` writes them: compact, in byte pieces.
      assertEquals(
        joined(queryCsvChunks(metric, series.map(compactSeries))),
        csv,
        metric,
      );
    });
  },
});

Deno.test({
  name:
    "`validateQuery()` on upstream's idle.json finds its groups, sources and node",
  fn() {
    const { rows, summary } = validateQuery(idle, { benchmark: "idle" });
    // The same report from the compact series `query` holds.
    assertEquals(
      validateQuery(compact(idle), { benchmark: "idle" }),
      { rows, summary },
    );
    const usable = summary.featureGroups.filter((g) => g.usable).map((g) =>
      g.group
    );
    // As upstream finds on real 0.7.x data, plus the legacy groups it still had.
    assertEquals(usable, [
      "CounterOnly",
      "BPFOnly",
      "BPFIRQ",
      "IRQOnly",
      "CounterIRQCombined",
      "Basic",
      "CgroupOnly",
      "KubeletOnly",
    ]);
    assertEquals(summary.instances, ["kind-fms-control-plane"]);
    assertEquals(summary.containers, 51);
    assertEquals(summary.metrics, 31);
    assertEquals(
      summary.energy.map((e) => `${e.source}/${e.component}`),
      [
        "acpi/platform",
        "rapl-sysfs/package",
        "rapl-sysfs/core",
        "rapl-sysfs/uncore",
        "rapl-sysfs/dram",
      ],
    );
    const pkg = summary.energy.find((e) => e.component === "package")!;
    assertEquals([pkg.series, pkg.samples, pkg.hasPower], [4, 28, true]);
    // 2 sockets × (≈33 W idle + 13–51 W dynamic): a plausible node power.
    assert(pkg.meanWatts > 60 && pkg.meanWatts < 250, String(pkg.meanWatts));
    // Upstream's table: one row per container metric (the benchmark name
    // matches no pod, so all pods count), 6 sources' component rows, others.
    const bpf = rows.find((r) =>
      r.query === "kepler_container_bpf_cpu_time_ms_total"
    )!;
    const bpfSamples = idle.kepler_container_bpf_cpu_time_ms_total!
      .reduce((n, s) => n + s.values.length, 0);
    assertEquals([bpf.pod, bpf.scenarioID, bpf.count], [
      "idle",
      "",
      bpfSamples,
    ]);
    assertEquals(
      rows.filter((r) => r.pod === "").length,
      4 + 4 + 4 + 1 + 1 + 1,
    );
    const acpi = rows.find((r) => r.scenarioID === "acpi")!;
    assertEquals([acpi.query, acpi.count], [
      "kepler_node_platform_joules_total",
      14,
    ]);
    assertEquals(
      rows.filter((r) => r.pod === "idle" && !r.query.includes("container"))
        .map((r) => r.query),
      [
        "kepler_exporter_build_info",
        "kepler_node_cpu_scaling_frequency_hertz",
        "kepler_node_info",
      ],
    );
    const lines = formatValidationSummary(summary);
    assert(lines[0]!.startsWith("Data: 31 metrics, "), lines[0]);
    assert(
      lines.some((l) =>
        l.startsWith("Usable feature groups: CounterOnly, BPFOnly")
      ),
    );
  },
});

Deno.test({
  name:
    "`machineSpecFromQuery()` reads upstream's idle.json node as 72 CPUs on 2 sockets",
  fn() {
    assertEquals(
      machineSpecFromQuery(compact(idle)),
      machineSpecFromQuery(idle),
    );
    assertEquals(machineSpecFromQuery(idle), {
      processor: "broadwell",
      cores: 72,
      chips: 2,
      memory: -1,
      frequency: 3000, // 3047000 kHz; upstream's i3.metal node type says 3000
    });
  },
});
