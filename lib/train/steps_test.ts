import {
  deepStrictEqual as assertEquals,
  ok as assert,
  throws as assertThrows,
} from "node:assert/strict";
import { finish, inLockstep, type Steps } from "./steps.ts";
import { trainModel } from "./train_model.ts";
import type { Frame } from "../extract/frame.ts";
import type { Component } from "../types.ts";
import { kernelRowsComputed } from "../numeric/rbf_kernel.ts";

function* counter(name: string, n: number, log: string[]): Steps<string> {
  for (let i = 0; i < n; i++) {
    log.push(`${name}${i}`);
    yield;
  }
  return name;
}

Deno.test("`inLockstep()` runs each computation's k-th step before any (k+1)-th, and `finish()` runs one through", () => {
  const log: string[] = [];
  assertEquals(
    inLockstep([
      counter("a", 3, log),
      counter("b", 1, log),
      counter("c", 2, log),
    ]),
    ["a", "b", "c"],
  );
  assertEquals(log, ["a0", "b0", "c0", "a1", "c1", "a2"]);
  const alone: string[] = [];
  assertEquals(finish(counter("d", 2, alone)), "d");
  assertEquals(alone, ["d0", "d1"]);
  assertEquals(inLockstep([]), []);
});

Deno.test("`inLockstep()` ends with the error a step throws", () => {
  function* failing(): Steps<string> {
    yield;
    throw new RangeError("step 2");
  }
  const log: string[] = [];
  assertThrows(
    () => inLockstep([counter("a", 5, log), failing()]),
    /step 2/,
  );
  // a's second step ran, its third did not
  assertEquals(log, ["a0", "a1"]);
});

/** A rapl-sysfs node frame of n rows, one feature, four components. */
function raplFrame(n: number, components: readonly Component[]): Frame {
  const cpu = Float64Array.from(
    { length: n },
    (_, i) => 100 + 90 * Math.sin(i / 17) + ((i * 37) % 23),
  );
  const scale: Record<string, number> = {
    package: 0.5,
    core: 0.3,
    uncore: 0.05,
    dram: 0.1,
  };
  const power: Partial<Record<Component, Float64Array>> = {};
  for (const c of components) {
    power[c] = cpu.map((v, i) => 10 + scale[c]! * v + ((i * 13) % 7) / 7);
  }
  return {
    level: "node",
    source: "rapl-sysfs",
    length: n,
    timestamp: Float64Array.from({ length: n }, (_, i) => 3 * i),
    instances: ["node-1"],
    instance: new Uint32Array(n),
    containers: [],
    featureNames: ["bpf_cpu_time_ms"],
    features: { bpf_cpu_time_ms: cpu },
    components,
    power,
    nodeType: new Int32Array(n),
  };
}

Deno.test("a model's components fit in lockstep: SVR computes each kernel matrix once for all four, and each component's model is the one it gets alone", () => {
  const all: Component[] = ["package", "core", "uncore", "dram"];
  const options = {
    featureGroup: "BPFOnly",
    outputType: "AbsPower",
    tune: 8,
  } as const;
  const n = 400;
  const before = kernelRowsComputed();
  const together = trainModel(
    raplFrame(n, all),
    "SVRRegressorTrainer",
    options,
  );
  const rowsTogether = kernelRowsComputed() - before;
  let rowsAlone = 0;
  for (const c of all) {
    const start = kernelRowsComputed();
    const alone = trainModel(raplFrame(n, [c]), "SVRRegressorTrainer", options);
    rowsAlone += kernelRowsComputed() - start;
    assertEquals(
      together.components[c]!.model.toJSON(),
      alone.components[c]!.model.toJSON(),
    );
    assertEquals(together.components[c]!.cv, alone.components[c]!.cv);
    assertEquals(
      together.components[c]!.cvUntuned,
      alone.components[c]!.cvUntuned,
    );
  }
  assert(rowsTogether > 0);
  // every set of rows' matrix once, not once per component
  assertEquals(rowsTogether * 4, rowsAlone);
});
