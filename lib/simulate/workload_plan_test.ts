import {
  deepStrictEqual as assertEquals,
  ok as assert,
  throws as assertThrows,
} from "node:assert/strict";
import { phaseAt, STRESS_KINDS, workloadPlan } from "./workload_plan.ts";

Deno.test("`workloadPlan()` runs idle, then every stress kind with rising instances", () => {
  const plan = workloadPlan(1000, 3600);
  assertEquals(plan[0]!.kind, "idle");
  assertEquals(plan[0]!.end - plan[0]!.start, 100);
  const stress = plan.slice(1);
  assertEquals([...new Set(stress.map((p) => p.kind))], [...STRESS_KINDS]);
  for (const kind of STRESS_KINDS) {
    const counts = stress.filter((p) => p.kind === kind).map((p) =>
      p.instances
    );
    assertEquals(counts, [8, 16, 24, 32, 40]);
  }
  // Sorted, disjoint, with a break after each load, inside the window.
  for (let i = 1; i < plan.length; i++) {
    assert(plan[i]!.start >= plan[i - 1]!.end);
  }
  const gap = stress[1]!.start - stress[0]!.end;
  assert(Math.abs(gap - 5) < 1e-9, `break ${gap}`);
  assert(plan.at(-1)!.end <= 1000 + 3600);
  // Frequency caps vary within a kind.
  const freqs = new Set(
    stress.filter((p) => p.kind === "cpu").map((p) => p.frequency),
  );
  assertEquals(freqs, new Set([3200, 2700, 2200]));
});

Deno.test("`workloadPlan()` fits short durations and honours options", () => {
  const plan = workloadPlan(0, 120, { cores: 8, kinds: ["cpu", "memory"] });
  assertEquals(plan.map((p) => p.name), ["idle", "cpu-8", "memory-8"]);
  assertEquals(plan[0]!.end, 12);
  assert(plan.at(-1)!.end <= 120);
  const levels = workloadPlan(0, 600, {
    cores: 4,
    levels: 4,
    idle: 0,
    kinds: ["regs"],
  });
  assertEquals(levels.map((p) => p.instances), [1, 2, 3, 4]);
  assertEquals(levels[0]!.start, 0);
  assertThrows(() => workloadPlan(0, 0), /duration must be/);
  assertThrows(
    () => workloadPlan(0, 60, { kinds: ["cpu", "gpu" as "cpu"] }),
    /unknown stress kind "gpu"/,
  );
});

Deno.test("`phaseAt()` finds the phase running at a time", () => {
  const plan = workloadPlan(0, 3600);
  assertEquals(phaseAt(plan, 0)?.name, "idle");
  const second = plan[2]!;
  assertEquals(phaseAt(plan, second.start), second);
  assertEquals(phaseAt(plan, second.end), undefined); // the break
  assertEquals(phaseAt(plan, -1), undefined);
});
