import {
  deepStrictEqual as assertEquals,
  ok as assert,
  throws as assertThrows,
} from "node:assert/strict";
import type { ContainerKey, Frame } from "../extract/mod.ts";
import {
  floorLevel,
  idleEstimates,
  isolateMin,
  isolateQuantile,
} from "./idle_estimate.ts";
import { mulberry32 } from "../numeric/random.ts";
import { isolate } from "./isolate.ts";
import { isolateProfile } from "./isolate_profile.ts";
import { isBackground, isolateTrainer } from "./isolate_trainer.ts";

const key = (name: string): ContainerKey => ({
  id: `id/${name}`,
  containerId: "id",
  podName: "pod",
  containerName: name,
  containerNamespace: "ns",
});

/** Two instances × n timestamps, node level, platform power given per row. */
function nodeFrame(power: number[], instances = ["n1"]): Frame {
  const n = power.length;
  return {
    level: "node",
    source: "acpi",
    length: n,
    timestamp: Float64Array.from(
      power,
      (_, i) => 3 * (1 + Math.floor(i / instances.length)),
    ),
    instances,
    instance: Uint32Array.from(power, (_, i) => i % instances.length),
    containers: [],
    featureNames: ["x"],
    features: { x: Float64Array.from(power, (_, i) => i) },
    components: ["platform"],
    power: { platform: Float64Array.from(power) },
    nodeType: new Int32Array(n),
  };
}

/**
 * Containers "idle-daemon" (background, x = 1) and "stress" (target,
 * x = 2 × load) at 4 timestamps; power = 100 + 1·bg + 3·target usage.
 */
function containerFrame(): Frame {
  const load = [0, 5, 10, 20];
  const rows = load.flatMap((l, i) => [
    { t: 3 * (i + 1), c: 0, x: 1, p: 100 + 1 + 3 * 2 * l },
    { t: 3 * (i + 1), c: 1, x: 2 * l, p: 100 + 1 + 3 * 2 * l },
  ]);
  return {
    level: "container",
    source: "acpi",
    length: rows.length,
    timestamp: Float64Array.from(rows, (r) => r.t),
    instances: ["n1"],
    instance: new Uint32Array(rows.length),
    containers: [key("idle-daemon"), key("stress")],
    container: Uint32Array.from(rows, (r) => r.c),
    featureNames: ["x"],
    features: { x: Float64Array.from(rows, (r) => r.x) },
    components: ["platform"],
    power: { platform: Float64Array.from(rows, (r) => r.p) },
    nodeType: new Int32Array(rows.length),
  };
}

Deno.test("`isolateMin()` subtracts each instance's own minimum", () => {
  // n1 idles at 100 W, n2 at 40 W (rows alternate n1, n2)
  const frame = nodeFrame([100, 40, 130, 45, 110, 60], ["n1", "n2"]);
  const dyn = isolateMin(frame);
  assertEquals([...dyn.power.platform!], [0, 0, 30, 5, 10, 20]);
  assertEquals(idleEstimates(frame, { method: "min" }), {
    n1: { platform: 100 },
    n2: { platform: 40 },
  });
});

Deno.test("`isolateQuantile()` is not pulled down by one glitch, and dyn = abs − estimate ≥ 0", () => {
  // 40 intervals at 100–139 W plus one glitched interval at 12 W
  const power = [...Array.from({ length: 40 }, (_, i) => 100 + i), 12];
  const frame = nodeFrame(power);
  const estimate = idleEstimates(frame).n1!.platform!;
  // 5 % quantile of 41 values: position 2 of the sorted values (12, 100, 101 …)
  assertEquals(estimate, 101);
  const min = idleEstimates(frame, { method: "min" }).n1!.platform!;
  assertEquals(min, 12);
  const dyn = isolateQuantile(frame);
  power.forEach((p, r) =>
    assertEquals(dyn.power.platform![r], Math.max(0, p - estimate))
  );
  assertEquals(Math.min(...dyn.power.platform!), 0);
  assertEquals([
    ...isolate(frame, { isolator: "quantile", q: 0 }).power.platform!,
  ], [...isolateMin(frame).power.platform!]);
});

Deno.test("`isolateProfile()` drops background usage and clips at zero", () => {
  const frame = containerFrame();
  const profile = {
    platform: { "0": { min_watt: 100, max_watt: 104, "#unit": 1 } },
  };
  const dyn = isolateProfile(frame, profile, {
    backgroundContainers: new Set(["idle-daemon"]),
  });
  assertEquals([...dyn.features.x!], [0, 10, 20, 40]);
  // 101 + 6·load − 102, clipped
  assertEquals([...dyn.power.platform!], [0, 29, 59, 119]);
  assertThrows(
    () =>
      isolateProfile({
        ...frame,
        nodeType: new Int32Array(frame.length).fill(3),
      }, profile),
    {
      name: "RangeError",
      message:
        "Cannot isolate with the profile isolator: the acpi idle profile has no platform entry for node type 3 (platform has node types 0)",
    },
  );
});

Deno.test("`isolateTrainer()` predicts background power from background usage only", () => {
  const frame = containerFrame();
  const seen: number[][] = [];
  const model = (usage: Frame) => {
    seen.push([...usage.features.x!]);
    return { platform: usage.features.x!.map((x) => 100 + x) };
  };
  const dyn = isolateTrainer(frame, model, { bgHints: ["daemon"] });
  assertEquals(seen, [[1, 1, 1, 1]]);
  assertEquals([...dyn.features.x!], [0, 10, 20, 40]);
  assertEquals([...dyn.power.platform!], [0, 30, 60, 120]);
  // the same through the target hints and through idle names
  assertEquals(
    isolateTrainer(frame, model, { targetHints: ["stress"] }).power,
    dyn.power,
  );
  assertEquals(
    isolateTrainer(frame, model, {
      backgroundContainers: new Set(["idle-daemon"]),
    }).power,
    dyn.power,
  );
});

Deno.test("`isBackground()` fixes upstream's inverted hints: no hint means every container is a target", () => {
  const daemon = key("idle-daemon");
  const stress = key("stress");
  // upstream passed bg_hints through the target function: daemon would be
  // a target and stress background
  assertEquals([
    isBackground({ bgHints: ["daemon"] })(daemon),
    isBackground({ bgHints: ["daemon"] })(stress),
  ], [true, false]);
  // upstream made every container background when no hint was given
  assertEquals([isBackground({})(daemon), isBackground({})(stress)], [
    false,
    false,
  ]);
  const frame = containerFrame();
  const zero = isolateTrainer(
    frame,
    (u) => ({ platform: u.features.x!.map((x) => 100 + x) }),
  );
  assertEquals([...zero.features.x!], [1, 11, 21, 41]);
  assertEquals([...zero.power.platform!], [1, 31, 61, 121]);
});

Deno.test("`isolateTrainer()` prefers a well-correlated model, then the lower error", () => {
  const frame = containerFrame();
  const flat = {
    name: "flat",
    mae: 1,
    predict: (u: Frame) => ({ platform: u.features.x!.map(() => 101) }),
  };
  // lower error, but its dynamic power (120, 0, 0, 0 W) runs against the
  // target usage (0, 10, 20, 40): correlation < 0.7
  const wrong = {
    name: "wrong",
    mae: 0.5,
    predict: (u: Frame) => ({
      platform: Float64Array.from(
        u.timestamp,
        (t) => [-19, 131, 161, 221][t / 3 - 1]!,
      ),
    }),
  };
  const dyn = isolateTrainer(frame, [wrong, flat], { bgHints: ["daemon"] });
  assertEquals([...dyn.power.platform!], [0, 30, 60, 120]);
  const both = isolateTrainer(frame, [{ ...flat, mae: 2 }, {
    ...flat,
    name: "better",
    mae: 1,
    predict: (u: Frame) => ({ platform: u.features.x!.map(() => 100) }),
  }], { bgHints: ["daemon"] });
  assertEquals([...both.power.platform!], [1, 31, 61, 121]);
  assertThrows(
    () => isolateTrainer(frame, () => ({}), { bgHints: ["daemon"] }),
    {
      name: "RangeError",
      message:
        "Cannot isolate with the trainer isolator: model 0 predicted no platform power for 4 rows",
    },
  );
});

Deno.test("`isolate()` dispatches by name and asks for what an isolator needs", () => {
  const frame = containerFrame();
  assertEquals([...isolate(frame, { isolator: "none" }).power.platform!], [
    101,
    131,
    161,
    221,
  ]);
  assertEquals([...isolate(frame, { isolator: "min" }).power.platform!], [
    0,
    30,
    60,
    120,
  ]);
  // 4 rows are too few to tell noise from load: the floor is the minimum
  assertEquals([...isolate(frame).power.platform!], [0, 30, 60, 120]);
  assertThrows(() => isolate(frame, { isolator: "trainer" }), {
    name: "RangeError",
    message:
      "Cannot isolate with the trainer isolator: no AbsPower background model was given",
  });
  assertThrows(() => isolate(frame, { isolator: "profile" }), {
    name: "RangeError",
    message: /no acpi idle profile was given/,
  });
  assertThrows(
    () =>
      isolateProfile(nodeFrame([1, 2]), { platform: {} }, {
        backgroundContainers: new Set(["a"]),
      }),
    {
      name: "RangeError",
      message: /Cannot separate containers in a node-level frame/,
    },
  );
  for (const isolator of ["none", "min", "quantile", "floor"] as const) {
    const out = isolate(frame, { isolator });
    assertEquals(out.level, "node");
    assert(Math.min(...out.power.platform!) >= 0);
  }
});

Deno.test("`floorLevel()` finds an idle plateau under Gaussian noise; the minimum is the deepest dip", () => {
  const r = mulberry32(18);
  // Box–Muller normal deviates, σ = 2 W
  const noise = () =>
    2 * Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  // 40 idle rows at 30 W, then loads of 60, 45 and 80 W, 60 rows each,
  // with single-row breaks back to idle between them
  const level = [
    ...Array(40).fill(30),
    ...Array(60).fill(60),
    30,
    ...Array(60).fill(45),
    30,
    ...Array(60).fill(80),
  ];
  for (let run = 0; run < 5; run++) {
    const v = Float64Array.from(level, (l) => l + noise());
    const floor = floorLevel(v);
    // the median of ~40 idle rows: standard error 1.25 σ/√40 ≈ 0.4 W
    assert(Math.abs(floor - 30) <= 1.2, `run ${run}: floor ${floor}`);
    assert(Math.min(...v) < floor - 2, `run ${run}: min ${Math.min(...v)}`);
  }
  // fewer than 4 windows of rows: the minimum
  assertEquals(floorLevel(Float64Array.of(5, 3, 4), { window: 9 }), 3);
  assertEquals(floorLevel(new Float64Array(0)), NaN);
  assertThrows(() => floorLevel(Float64Array.of(1), { window: 0 }), RangeError);
});
