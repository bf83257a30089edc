/**
 * Extraction on the real Kepler dumps, against hand-computed Δjoules/Δt and
 * upstream's golden outputs (generated-from-upstream-head/extract-isolate).
 *
 * Differences from upstream's golden files, each a fixed bug or artefact
 * (also listed in lib/extract/README.md):
 *
 * 1. Power is Δjoules/Δt with each row's own Δt. Upstream divides by the
 *    mean Δt of the whole series (14.5 s on idle.json, where the real steps
 *    are 15, 15, 21, 15, 18 s), so our watts = upstream × 14.5 / Δt.
 * 2. No `packge_ratio_package` column: upstream adds it by finding
 *    "package" inside "package_power"; it is always 1.0.
 * 3. Container level: no row for a container's first sample. Upstream fills
 *    the missing rate with 0 and writes a row of zero usage (2 rows on
 *    idle.json: system_processes a41aa0… at 1702462665 and f6db65… at
 *    1702462629).
 * 4. Isolated CSVs: no leading pandas index column, no ratio column,
 *    node_type written as an integer (upstream averages it to 0.0).
 *
 * Everything else (timestamps, row set at node level, feature values,
 * column names and order, container ids) equals upstream.
 */
import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import { parseCsv } from "../io/mod.ts";
import type { EnergySource, FeatureGroup } from "../types.ts";
import { extract } from "./extract.ts";
import { formatFrameCsv } from "./frame_csv.ts";
import { readQueryFile } from "./read_query.ts";
import { GOLDEN_DIR, IDLE_JSON, PROM_RESPONSE_JSON } from "./_testdata.ts";
import { validFeatureGroups } from "./valid_feature_groups.ts";

const idle = await readQueryFile(IDLE_JSON);

function close(actual: number, expected: number, what: string, rel = 1e-12) {
  const tol = rel * Math.max(1, Math.abs(expected));
  assert(
    Math.abs(actual - expected) <= tol,
    `${what}: ${actual} ≠ ${expected}`,
  );
}

// idle.json timestamps: 1702462599, 614, 629, 650, 665, 683, 686 (the last
// repeats 683's values: a stale scrape). Upstream's mean Δt = (686-599)/6.
const UPSTREAM_MEAN_DT = (1702462686 - 1702462599) / 6;
const ROW_DT: Record<number, number> = {
  1702462614: 15,
  1702462629: 15,
  1702462650: 21,
  1702462665: 15,
  1702462683: 18,
};

Deno.test("`extract()` gives package power = Σ sockets×modes Δjoules/Δt of the row on idle.json", () => {
  const frame = extract(idle, "BPFOnly", { source: "rapl-sysfs" });
  assertEquals([...frame.timestamp], [
    1702462614,
    1702462629,
    1702462650,
    1702462665,
    1702462683,
  ]);
  // kepler_node_package_joules_total, dynamic pkg 0/1 and idle pkg 0/1,
  // 1702462599 → 1702462614 (15 s)
  const package614 = ((7641.736 - 7150.525) + (7836.863 - 7326.768) +
    (15252.116 - 14762.883) + (15309.256 - 14810.746)) / 15;
  close(frame.power.package![0]!, package614, "package 614");
  // 1702462629 → 1702462650 (21 s)
  const package650 = ((8594.567 - 8114.389) + (8850.951 - 8347.695) +
    (16230.582 - 15741.349) + (16306.276 - 15807.766)) / 21;
  close(frame.power.package![2]!, package650, "package 650");
  // core and uncore counters are all 0 on this machine
  assertEquals([...frame.power.core!], [0, 0, 0, 0, 0]);
  assertEquals([...frame.power.uncore!], [0, 0, 0, 0, 0]);
});

Deno.test("`extract()` gives acpi platform power = Σ modes Δjoules/Δt on idle.json", () => {
  const frame = extract(idle, "CounterOnly", { source: "acpi" });
  assertEquals(frame.components, ["platform"]);
  // dynamic 333 → 345, idle 34293 → 36000 over 15 s
  close(frame.power.platform![0]!, ((345 - 333) + (36000 - 34293)) / 15, "614");
  // dynamic 414 → 441, idle 41121 → 42828 over 18 s
  close(frame.power.platform![4]!, ((441 - 414) + (42828 - 41121)) / 18, "683");
});

function goldenFiles(kind: "abs" | "dyn"): {
  file: string;
  source: EnergySource;
  group: FeatureGroup;
}[] {
  const out = [];
  for (const entry of Deno.readDirSync(GOLDEN_DIR)) {
    const m = /^extracted_default_(rapl-sysfs|acpi)_(\w+)_(abs|dyn)\.csv$/
      .exec(entry.name);
    if (m && m[3] === kind) {
      out.push({
        file: entry.name,
        source: m[1] as EnergySource,
        group: m[2] as FeatureGroup,
      });
    }
  }
  return out.sort((a, b) => a.file < b.file ? -1 : 1);
}

Deno.test("`extract()` matches upstream's golden node-level CSVs except for the mean-Δt bug and the ratio column", () => {
  const files = goldenFiles("abs");
  assertEquals(files.length, 10);
  for (const { file, source, group } of files) {
    const golden = parseCsv(Deno.readTextFileSync(GOLDEN_DIR + file));
    const frame = extract(idle, group, { source });
    const ours = parseCsv(formatFrameCsv(frame));
    // difference 2: upstream's artefact column
    assertEquals(
      ours.header,
      golden.header.filter((h) => h !== "packge_ratio_package"),
      file,
    );
    assertEquals(ours.rows.length, golden.rows.length, file);
    golden.rows.forEach((grow, r) => {
      const orow = ours.rows[r]!;
      const t = Number(orow[0]);
      assertEquals(t, Number(grow[0]), `${file} row ${r} timestamp`);
      ours.header.forEach((name, j) => {
        const g = Number(grow[golden.header.indexOf(name)]);
        const o = Number(orow[j]);
        if (name.endsWith("_power")) {
          // difference 1: upstream divides by the mean Δt
          close(
            o,
            g * UPSTREAM_MEAN_DT / ROW_DT[t]!,
            `${file} ${name} @${t}`,
            1e-9,
          );
        } else {
          close(o, g, `${file} ${name} @${t}`);
        }
      });
    });
  }
});

Deno.test("`extract()` at container level matches upstream's golden dyn CSVs except the zero rows of first samples", () => {
  const files = goldenFiles("dyn");
  assertEquals(files.length, 10);
  for (const { file, source, group } of files) {
    const golden = parseCsv(Deno.readTextFileSync(GOLDEN_DIR + file));
    const frame = extract(idle, group, { source, level: "container" });
    const ours = parseCsv(formatFrameCsv(frame));
    assertEquals(
      ours.header,
      golden.header.filter((h) => h !== "packge_ratio_package"),
      file,
    );
    const key = (row: string[]) => `${row[0]}|${row[1]}`;
    const goldenRows = new Map(golden.rows.map((row) => [key(row), row]));
    const ourKeys = new Set(ours.rows.map(key));
    // difference 3: upstream's extra rows are the first samples, all zero
    const extra = [...goldenRows.keys()].filter((k) => !ourKeys.has(k));
    assertEquals(extra.sort(), [
      "1702462629|f6db65b1b0d759100630d850ab3e209e97cb73bf8975f34be6fd56fdf093e1e6/system_processes/system_processes/system",
      "1702462665|a41aa0a431a864b58a70af200fd65477cc37d536ebbcc8c2d9cc156897f51067/system_processes/system_processes/system",
    ], file);
    for (const k of extra) {
      const row = goldenRows.get(k)!;
      for (const f of frame.featureNames) {
        assertEquals(
          Number(row[golden.header.indexOf(f)]),
          0,
          `${file} ${k} ${f}`,
        );
      }
    }
    for (const orow of ours.rows) {
      const grow = goldenRows.get(key(orow));
      assert(grow !== undefined, `${file}: row ${key(orow)} not in upstream's`);
      const t = Number(orow[0]);
      ours.header.forEach((name, j) => {
        if (name === "id") return;
        const g = Number(grow[golden.header.indexOf(name)]);
        const o = Number(orow[j]);
        if (name.endsWith("_power")) {
          close(o, g * UPSTREAM_MEAN_DT / ROW_DT[t]!, `${file} ${name}`, 1e-9);
        } else close(o, g, `${file} ${name} ${key(orow)}`);
      });
    }
  }
});

Deno.test("`validFeatureGroups()` on idle.json gives upstream's five groups plus IRQOnly and the legacy groups", () => {
  // Upstream: CounterOnly, BPFOnly, BPFIRQ, CounterIRQCombined, Basic.
  // IRQOnly has no FeatureGroups entry upstream; CgroupOnly and KubeletOnly
  // were removed upstream in 2024 but this dump still has their metrics.
  assertEquals(validFeatureGroups(idle), [
    "CounterOnly",
    "BPFOnly",
    "BPFIRQ",
    "IRQOnly",
    "CounterIRQCombined",
    "Basic",
    "CgroupOnly",
    "KubeletOnly",
  ]);
});

const old = await readQueryFile(PROM_RESPONSE_JSON);

Deno.test("`extract()` reads prom_response.json's source=rapl as rapl-sysfs, with per-row Δjoules/Δt", () => {
  const frame = extract(old, "CounterOnly", { source: "rapl-sysfs" });
  // 188 samples at 3 s: 187 intervals, all usable
  assertEquals(frame.length, 187);
  assertEquals(frame.timestamp[0], 1695361428);
  // package, dynamic pkg 0/1 and idle pkg 0/1, 1695361425 → 1695361428
  const package428 = ((1992232.925 - 1992227.657) + (2201733.075 - 2201728.95) +
    (14411741.539 - 14411690.546) + (11818678.946 - 11818637.128)) / 3;
  close(frame.power.package![0]!, package428, "package 428", 1e-9);
  // dram 1695361428 → 1695361431
  const dram431 = ((528286.594 - 528271.183) + (561870.007 - 561854.278) +
    (16570179.084 - 16570120.454) + (15681897.418 - 15681841.931)) / 3;
  close(frame.power.dram![1]!, dram431, "dram 431", 1e-9);

  const acpi = extract(old, "CounterOnly", { source: "acpi" });
  const i = [...acpi.timestamp].indexOf(1695361548);
  // platform dynamic 5255628 → 5255832, idle 145005201 → 145005714
  close(
    acpi.power.platform![i]!,
    ((5255832 - 5255628) + (145005714 - 145005201)) / 3,
    "platform 548",
  );
});

Deno.test("`extract()` reads kepler_container_bpf_cpu_time_us_total as milliseconds (÷ 1000)", () => {
  const metric = "kepler_container_bpf_cpu_time_ms_total";
  const frame = extract(old, "ThirdParty", {
    source: "rapl-sysfs",
    thirdParty: [metric],
  });
  // Independent sum from the raw JSON: every container series with samples
  // at t − 3 and t contributes Δµs / 3 s / 1000.
  const raw = JSON.parse(Deno.readTextFileSync(PROM_RESPONSE_JSON));
  const series = raw.kepler_container_bpf_cpu_time_us_total as {
    values: [number, string][];
  }[];
  for (const t of [1695361431, 1695361560, 1695361800]) {
    let expected = 0;
    for (const s of series) {
      const at = new Map(s.values.map(([ts, v]) => [ts, Number(v)]));
      const now = at.get(t);
      const before = at.get(t - 3);
      if (now !== undefined && before !== undefined) {
        assert(now >= before, "chosen rows have no reset");
        expected += (now - before) / 3 / 1000;
      } else if (now !== undefined) {
        // only a container's first sample may lack t − 3 in chosen rows
        assert(s.values[0]![0] === t, `series has a gap before ${t}`);
      }
    }
    const r = [...frame.timestamp].indexOf(t);
    assert(r >= 0, `row ${t} extracted`);
    close(frame.features[metric]![r]!, expected, `bpf ms @${t}`, 1e-9);
  }
});

Deno.test("`extract()` drops the intervals of prom_response.json's counter resets instead of zeroing them", () => {
  const metric = "kepler_container_bpf_cpu_time_ms_total";
  const frame = extract(old, "ThirdParty", {
    source: "rapl-sysfs",
    thirdParty: [metric],
  });
  // system_processes' counter goes down 7 times, each after a gap
  // (e.g. 40 at 1695361641 → 2 at 1695361653): rows in (641, 653] are gone.
  const ts = new Set(frame.timestamp);
  for (const t of [1695361644, 1695361647, 1695361650, 1695361653]) {
    assert(!ts.has(t), `${t} dropped`);
  }
  assert(ts.has(1695361641) && ts.has(1695361656));
  // 187 intervals minus the 34 grid rows covered by the 7 reset intervals
  assertEquals(frame.length, 187 - 34);
});
