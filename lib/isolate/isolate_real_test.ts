/**
 * Isolation and idle profiles on the real dumps, against hand-computed
 * values and upstream's golden outputs.
 *
 * Differences from upstream's golden isolated_*.csv (fixed bugs or
 * artefacts; also listed in lib/extract/README.md):
 *
 * 1. The power labels come from per-row Δt power (see extract_real_test.ts),
 *    so the min-subtracted values differ; the isolator itself (squeeze, then
 *    subtract each component's minimum) is upstream's.
 * 2. Columns: no leading pandas index column, no `packge_ratio_package`,
 *    node_type an integer; otherwise upstream's order ending in `id`.
 *
 * Differences from upstream's golden profile/*.json:
 *
 * 3. min_watt/max_watt are watts per socket; upstream divided the node's
 *    watts by the scrape interval again (W/s) and took the node total.
 * 4. `#unit` is the number of sockets (2 on this machine); upstream counted
 *    columns by substring (package 1, core 2 because "core" is in
 *    "uncore_power", uncore 1, dram 1).
 * 5. upstream's min_watt 0.0 came from the stale last scrape (Δ = 0) and the
 *    zero-filled first interval; neither is a measurement.
 */
import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import { parseCsv } from "../io/mod.ts";
import { extract, formatFrameCsv, readQueryFile } from "../extract/mod.ts";
import type { EnergySource, FeatureGroup } from "../types.ts";
import { backgroundContainers } from "./background_containers.ts";
import { isolateMin } from "./idle_estimate.ts";
import { isolateNone } from "./isolate.ts";
import { isolateProfile } from "./isolate_profile.ts";
import { backgroundPower, idleProfiles } from "./profile.ts";
import { squeeze } from "./squeeze.ts";
import {
  GOLDEN_DIR,
  GOLDEN_PROFILE_DIR,
  IDLE_JSON,
  PROM_RESPONSE_JSON,
} from "./_testdata.ts";

const idle = await readQueryFile(IDLE_JSON);

function close(actual: number | undefined, expected: number, what: string) {
  assert(
    actual !== undefined &&
      Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected)),
    `${what}: ${actual} ≠ ${expected}`,
  );
}

function goldenIsolated(isolator: "min" | "none") {
  const out = [];
  for (const entry of Deno.readDirSync(GOLDEN_DIR)) {
    const m = new RegExp(
      `^isolated_${isolator}_(rapl-sysfs|acpi)_(\\w+)_dyn\\.csv$`,
    )
      .exec(entry.name);
    if (m) {
      out.push({
        file: entry.name,
        source: m[1] as EnergySource,
        group: m[2] as FeatureGroup,
      });
    }
  }
  return out;
}

Deno.test("`isolateMin()` on idle.json subtracts each component's minimum and keeps upstream's features and column order", () => {
  const files = goldenIsolated("min");
  assertEquals(files.length, 10);
  for (const { file, source, group } of files) {
    const golden = parseCsv(Deno.readTextFileSync(GOLDEN_DIR + file));
    const containers = extract(idle, group, { source, level: "container" });
    const dyn = isolateMin(containers);
    const ours = parseCsv(formatFrameCsv(dyn, { layout: "isolated" }));
    // difference 2
    assertEquals(
      ours.header,
      golden.header.filter((h) => h !== "" && h !== "packge_ratio_package"),
      file,
    );
    assertEquals(ours.rows.length, golden.rows.length, file);
    const abs = squeeze(containers);
    for (const c of dyn.components) {
      const min = Math.min(...abs.power[c]!);
      for (let r = 0; r < dyn.length; r++) {
        close(
          dyn.power[c]![r],
          abs.power[c]![r]! - min,
          `${file} ${c} row ${r}`,
        );
      }
      assert(Math.min(...dyn.power[c]!) === 0, `${file} ${c} starts at 0`);
    }
    golden.rows.forEach((grow, r) => {
      for (const f of dyn.featureNames) {
        close(
          Number(ours.rows[r]![ours.header.indexOf(f)]),
          Number(grow[golden.header.indexOf(f)]),
          `${file} ${f} row ${r}`,
        );
      }
      assertEquals(ours.rows[r]![ours.header.length - 1], "all containers");
    });
  }
});

Deno.test("`isolateNone()` on idle.json equals the node-level extraction and upstream's features", () => {
  for (const { file, source, group } of goldenIsolated("none")) {
    const golden = parseCsv(Deno.readTextFileSync(GOLDEN_DIR + file));
    const dyn = isolateNone(
      extract(idle, group, { source, level: "container" }),
    );
    const node = extract(idle, group, { source });
    for (const f of dyn.featureNames) {
      for (let r = 0; r < dyn.length; r++) {
        close(dyn.features[f]![r], node.features[f]![r]!, `${file} ${f}`);
        close(
          dyn.features[f]![r],
          Number(golden.rows[r]![golden.header.indexOf(f)]),
          `${file} ${f} golden`,
        );
      }
    }
    for (const c of dyn.components) assertEquals(dyn.power[c], node.power[c]);
  }
});

Deno.test("`idleProfiles()` on idle.json gives per-socket watts and the socket count", () => {
  const profiles = idleProfiles(idle);
  assertEquals(Object.keys(profiles).sort(), ["acpi", "rapl-sysfs"]);
  const rapl = profiles["rapl-sysfs"]!;
  // package per socket (dynamic + idle): least is socket 0, 1702462665 → 683
  // (18 s), greatest socket 1, 1702462650 → 665 (15 s)
  close(
    rapl.package!["0"]!.min_watt,
    ((9555.395 - 9318.568) + (17209.048 - 16719.815)) / 18,
    "package min",
  );
  close(
    rapl.package!["0"]!.max_watt,
    ((9616.348 - 8850.951) + (16804.786 - 16306.276)) / 15,
    "package max",
  );
  close(
    rapl.dram!["0"]!.min_watt,
    ((3996.259 - 3897.67) + (7211.384 - 7005.732)) / 18,
    "dram min",
  );
  close(
    rapl.dram!["0"]!.max_watt,
    ((4056.869 - 3736.264) + (7212.353 - 6998.674)) / 15,
    "dram max",
  );
  // difference 4: two sockets for every RAPL component
  for (const c of ["package", "core", "uncore", "dram"] as const) {
    assertEquals(rapl[c]!["0"]!["#unit"], 2, c);
  }
  assertEquals(rapl.core!["0"], { min_watt: 0, max_watt: 0, "#unit": 2 });
  // acpi: one platform meter; 1702462629 → 650 (21 s) and 614 → 629 (15 s)
  assertEquals(profiles.acpi, {
    platform: {
      "0": {
        min_watt: ((393 - 378) + (39414 - 37707)) / 21,
        max_watt: ((378 - 345) + (37707 - 36000)) / 15,
        "#unit": 1,
      },
    },
  });
});

Deno.test("`idleProfiles()` differs from upstream's golden profiles exactly by the double division and the unit count", () => {
  const golden = JSON.parse(
    Deno.readTextFileSync(`${GOLDEN_PROFILE_DIR}rapl-sysfs.json`),
  );
  const ours = idleProfiles(idle, { sources: ["rapl-sysfs"] })["rapl-sysfs"]!;
  assertEquals(Object.keys(ours), Object.keys(golden));
  for (const c of Object.keys(golden)) {
    assertEquals(Object.keys(ours[c as "package"]!), Object.keys(golden[c]));
    assertEquals(
      Object.keys(ours[c as "package"]!["0"]!),
      Object.keys(golden[c]["0"]),
    );
  }
  // difference 4: upstream's substring count
  assertEquals(
    Object.fromEntries(
      Object.keys(golden).map((c) => [c, golden[c]["0"]["#unit"]]),
    ),
    { package: 1, core: 2, uncore: 1, dram: 1 },
  );
  // difference 3: upstream's max is the node's mean-Δt watts (137.18…,
  // 170.84… W) divided by the first interval again (15 s)
  close(
    golden.package["0"].max_watt * 15,
    170.8373103448278,
    "upstream max × 15",
  );
  // ours: per socket watts; the two sockets' maxima at 665 add up to the
  // node's per-row-Δt watts there
  const node = extract(idle, "BPFOnly");
  const at665 = [...node.timestamp].indexOf(1702462665);
  assert(ours.package!["0"]!.max_watt < node.power.package![at665]!);
  assert(ours.package!["0"]!.max_watt > node.power.package![at665]! / 2);
});

Deno.test("`backgroundContainers()` lists every container name of idle.json", () => {
  const raw = JSON.parse(Deno.readTextFileSync(IDLE_JSON));
  const expected = new Set<string>();
  for (const [metric, series] of Object.entries(raw)) {
    if (!metric.startsWith("kepler_container_")) continue;
    for (const s of series as { metric: Record<string, string> }[]) {
      expected.add(s.metric.container_name!);
    }
  }
  assertEquals(backgroundContainers(idle), expected);
  assert(expected.has("coredns") && expected.has("system_processes"));
});

Deno.test("`isolateProfile()` on prom_response.json removes idle containers and the profile's background power", async () => {
  const workload = await readQueryFile(PROM_RESPONSE_JSON);
  // the acpi profile of idle.json: (82 + 116) / 2 × 1 meter = 99 W, under
  // this node's 171–367 W platform power, so no row clips at 0
  const profile = idleProfiles(idle)["acpi"]!;
  const background = backgroundContainers(idle);
  const containers = extract(workload, "CounterOnly", {
    source: "acpi",
    level: "container",
  });
  const dyn = isolateProfile(containers, profile, {
    backgroundContainers: background,
  });
  const abs = squeeze(containers);
  assertEquals(dyn.length, abs.length);
  // features: the sum over containers whose name was not seen while idle
  const targets = containers.containers.map((c) =>
    !background.has(c.containerName)
  );
  assert(targets.some((t) => t) && targets.some((t) => !t));
  let r = 0;
  for (let g = 0; g < abs.length; g++) {
    let sum = 0;
    while (
      r < containers.length && containers.timestamp[r] === abs.timestamp[g]
    ) {
      if (targets[containers.container![r]!]) {
        sum += containers.features.cpu_instructions![r]!;
      }
      r++;
    }
    close(dyn.features.cpu_instructions![g], sum, `instructions row ${g}`);
  }
  const bg = backgroundPower(profile, "platform", 0)!;
  close(
    bg,
    (((393 - 378) + (39414 - 37707)) / 21 +
      ((378 - 345) + (37707 - 36000)) / 15) / 2,
    "background",
  );
  for (let g = 0; g < abs.length; g++) {
    close(
      dyn.power.platform![g],
      abs.power.platform![g]! - bg,
      `platform row ${g}`,
    );
  }
  assert(Math.min(...dyn.power.platform!) > 0);
});
