/**
 * Isolation on simulated Kepler data with a known idle power (lib/simulate):
 * dyn = abs − idle estimate, the estimates land on the true idle power
 * within the measurement noise, and a profile from a simulated idle run
 * removes the power measured while idle.
 */
import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import { extract, parseQuery } from "../extract/mod.ts";
import { queryJsonBytes, simulate } from "../simulate/mod.ts";
import { backgroundContainers } from "./background_containers.ts";
import { idleEstimates, isolateMin, isolateQuantile } from "./idle_estimate.ts";
import { isolateProfile } from "./isolate_profile.ts";
import { backgroundPower, idleProfiles } from "./profile.ts";
import { squeeze } from "./squeeze.ts";

const NOISE = 2;
const base = { start: 1_700_000_000, containers: 5, seed: 5, noise: NOISE };
// the default plan starts with 10 % idle (background containers only)
const sim = simulate({ ...base, duration: 1200, nodes: 2 });
const query = parseQuery(queryJsonBytes(sim));
const containers = extract(query, "Basic", { level: "container" });
const abs = squeeze(containers);

Deno.test("`isolateQuantile()` gives dyn = abs − the per-node idle estimate, never negative", () => {
  const estimates = idleEstimates(containers);
  const dyn = isolateQuantile(containers);
  assertEquals(dyn.timestamp, abs.timestamp);
  for (const c of dyn.components) {
    for (let r = 0; r < dyn.length; r++) {
      const idle = estimates[abs.instances[abs.instance[r]!]!]![c]!;
      assertEquals(dyn.power[c]![r], Math.max(0, abs.power[c]![r]! - idle));
    }
  }
});

Deno.test("`idleEstimates()` lands near the true idle power; the quantile closer than the minimum", () => {
  const quantile = idleEstimates(containers);
  const min = idleEstimates(containers, { method: "min" });
  for (const node of sim.nodes) {
    for (const c of ["package", "dram"] as const) {
      const truth = node.truth.idle[c];
      const q = quantile[node.instance]![c]!;
      const m = min[node.instance]![c]!;
      // background containers keep a little dynamic power while idle; the
      // noise pulls low quantiles down by ~1.6 σ, the minimum by up to 4 σ
      assert(
        Math.abs(q - truth) <= 2.5 * NOISE,
        `${node.instance} ${c}: q ${q} vs ${truth}`,
      );
      assert(m <= q, `${c}: min ${m} ≤ quantile ${q}`);
      assert(
        Math.abs(q - truth) < Math.abs(m - truth),
        `${c}: quantile ${q} closer than min ${m} to ${truth}`,
      );
      assert(
        truth - m >= 0 && truth - m <= 4 * NOISE + 1,
        `${c}: min ${m} vs ${truth}`,
      );
    }
  }
  // the min isolator subtracts exactly the minimum
  const dyn = isolateMin(containers);
  const r = 7;
  const name = abs.instances[abs.instance[r]!]!;
  assertEquals(
    dyn.power.package![r],
    abs.power.package![r]! - min[name]!.package!,
  );
});

Deno.test("`isolateProfile()` with a profile of a simulated idle run removes the idle-run power and the idle containers' usage", () => {
  const idleSim = simulate({
    ...base,
    duration: 300,
    nodes: 1,
    seed: 6,
    plan: { idle: 300 },
  });
  const idle = parseQuery(queryJsonBytes(idleSim));
  const profile = idleProfiles(idle, {
    sources: ["rapl-sysfs"],
  })["rapl-sysfs"]!;
  const node = idleSim.nodes[0]!;
  for (const c of ["package", "dram"] as const) {
    assertEquals(profile[c]!["0"]!["#unit"], 2);
    // (min + max) / 2 × 2 sockets vs the mean measured idle-run power
    const measured = node.truth.measured[c].slice(1);
    const mean = measured.reduce((a, b) => a + b, 0) / measured.length;
    const bg = backgroundPower(profile, c, 0)!;
    assert(
      Math.abs(bg - mean) <= 2 * NOISE,
      `${c}: background ${bg} vs idle-run mean ${mean}`,
    );
  }
  const background = backgroundContainers(idle);
  assert(background.has("system_processes"));
  const dyn = isolateProfile(containers, profile, {
    backgroundContainers: background,
  });
  const targets = squeeze(containers, {
    include: (c) => !background.has(c.containerName),
  });
  assertEquals(dyn.features, targets.features);
  const bg = backgroundPower(profile, "package", 0)!;
  for (let r = 0; r < dyn.length; r++) {
    assertEquals(
      dyn.power.package![r],
      Math.max(0, abs.power.package![r]! - bg),
    );
  }
});
