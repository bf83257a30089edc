import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import { simulateVmHost } from "../simulate/mod.ts";
import { queryJsonBytes } from "../simulate/query_json.ts";
import { joinVmViews, parseQuery } from "../extract/mod.ts";
import type { VmNormalization } from "../extract/mod.ts";
import {
  chooseVmNormalization,
  crossValidateVms,
  thinRowsPerVm,
} from "./vm_train.ts";

const sim = simulateVmHost({
  start: 1_700_000_001,
  duration: 1200,
  seed: 7,
  vms: [
    { name: "a", vcpus: 2, memoryGiB: 4 },
    { name: "b", vcpus: 2, memoryGiB: 4 },
    { name: "c", vcpus: 4, memoryGiB: 8 },
    { name: "d", vcpus: 4, memoryGiB: 8 },
    { name: "e", vcpus: 8, memoryGiB: 16 },
  ],
});
const host = parseQuery(queryJsonBytes(sim.host), { origin: "host" });
const guests = sim.guests.map((g, v) => ({
  query: parseQuery(queryJsonBytes(g), { origin: sim.vms[v]!.name }),
  spec: g.spec,
}));

Deno.test("crossValidateVms() holds out whole VMs and whole sizes of the simulator; auto picks the least error", () => {
  const results = (["none", "per-vcpu", "size-feature"] as VmNormalization[])
    .map((normalization) => {
      const vf = joinVmViews(host, guests, { normalization });
      const cv = crossValidateVms(vf, normalization, { rowCap: 500 });
      // Each VM is held out once, every row predicted once.
      assertEquals(cv.vms.map((f) => f.heldOut), ["a", "b", "c", "d", "e"]);
      assertEquals(cv.vms.reduce((s, f) => s + f.rows, 0), vf.frame.length);
      assertEquals(cv.sizes.map((f) => f.heldOut), [
        "2 vCPUs",
        "4 vCPUs",
        "8 vCPUs",
      ]);
      assertEquals(cv.sizes.reduce((s, f) => s + f.rows, 0), vf.frame.length);
      for (const f of [...cv.vms, ...cv.sizes]) {
        assert(f.trainRows <= 500 + 5, `${f.heldOut}: ${f.trainRows}`);
        assert(Number.isFinite(f.mae.package!));
      }
      return cv;
    });
  const choice = chooseVmNormalization(results);
  const least = Math.min(...Object.values(choice.scores));
  assertEquals(choice.scores[choice.normalization], least);
});

Deno.test("thinRowsPerVm() keeps every k-th row of each VM, evenly in time", () => {
  const vf = joinVmViews(host, guests);
  const all = Array.from({ length: vf.frame.length }, (_, i) => i);
  const kept = thinRowsPerVm(all, vf.frame.instance, 500);
  assert(kept.length <= 500);
  // Every VM keeps its share, and its first and last kept rows span the window.
  for (let v = 0; v < 5; v++) {
    const mine = kept.filter((i) => vf.frame.instance[i] === v);
    const total = all.filter((i) => vf.frame.instance[i] === v).length;
    assertEquals(mine.length, Math.ceil(total / Math.ceil(all.length / 500)));
    const span = vf.frame.timestamp[mine.at(-1)!]! -
      vf.frame.timestamp[mine[0]!]!;
    assert(span > 1100, `${v}: ${span}`);
  }
});
