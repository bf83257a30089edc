/**
 * bench/_true_form_cv.ts: the simulator's power function fitted under
 * blocked CV. Without noise it must predict every held-out row (its forms
 * and its rows line up with the truth); with noise its unfitted truth must
 * score E|N(0, σ)| = σ·√(2/π) ≈ 0.80 σ, and the fit no better than that on
 * average across the folds.
 */
import { ok as assert } from "node:assert/strict";
import { simulate } from "../lib/simulate/mod.ts";
import { trueFormCv } from "./_true_form_cv.ts";

const RAPL = ["package", "core", "uncore", "dram"] as const;
const demo = (noise?: number) =>
  simulate({
    start: 1_767_225_600,
    duration: 1800,
    containers: 20,
    seed: 1,
    sources: ["rapl-sysfs"],
    ...(noise === undefined ? {} : { noise }),
  });

Deno.test("trueFormCv: without noise the fitted truth predicts the held-out folds", () => {
  const r = trueFormCv(demo(0), RAPL);
  assert(r.oracleMae < 0.01, `oracle ${r.oracleMae} W`);
  assert(r.cvMae < 0.1, `fitted ${r.cvMae} W`);
  assert(r.perFold.length === 3);
  for (const f of r.perFold) {
    assert(Object.keys(f).sort().join() === [...RAPL].sort().join());
  }
});

Deno.test("trueFormCv: with σ = 2 W the truth scores ≈ 0.8 σ and no fit beats it by much", () => {
  const r = trueFormCv(demo(), RAPL);
  const expected = 2 * Math.sqrt(2 / Math.PI);
  // each fold's largest of 4 component MAEs, each ≈ 1.6 W over ~150 rows
  assert(
    r.oracleMae > expected * 0.95 && r.oracleMae < expected * 1.25,
    `oracle ${r.oracleMae} W`,
  );
  assert(r.cvMae > expected * 0.9, `fitted ${r.cvMae} W`);
});
