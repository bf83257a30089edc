import {
  deepStrictEqual as assertEquals,
  ok as assert,
  throws as assertThrows,
} from "node:assert/strict";
import { simulateVmHost } from "../simulate/mod.ts";
import { queryJsonBytes } from "../simulate/query_json.ts";
import { parseQuery } from "./read_query.ts";
import { joinVmViews, VCPUS_FEATURE } from "./vm_join.ts";

const sim = simulateVmHost({ start: 1_700_000_001, duration: 120, seed: 3 });
const host = parseQuery(queryJsonBytes(sim.host), { origin: "host" });
const guests = sim.guests.map((g, v) => ({
  query: parseQuery(queryJsonBytes(g), { origin: sim.vms[v]!.name }),
  spec: g.spec,
}));

Deno.test("joinVmViews() gives each VM the host's attributed power and its guest's usage (simulator truth)", () => {
  const { frame, vcpus, sizes, vmIds } = joinVmViews(host, guests);
  assertEquals(frame.instances, [
    "vm-large",
    "vm-medium",
    "vm-small",
    "vm-xlarge",
  ]);
  assertEquals(vcpus, [8, 4, 2, 16]);
  assertEquals(sizes, [2, 4, 8, 16]);
  assertEquals(vmIds[2], "machine-qemu-1-vm-small");
  assertEquals(frame.components, ["package", "core", "uncore", "dram"]);
  // 40 samples → 39 intervals per VM.
  assertEquals(frame.length, 4 * 39);
  let checked = 0;
  for (let i = 0; i < frame.length; i++) {
    const name = frame.instances[frame.instance[i]!]!;
    const v = sim.vms.findIndex((vm) => vm.name === name);
    const k = sim.host.nodes[0]!.timestamps.indexOf(frame.timestamp[i]!);
    const truth = sim.vms[v]!.truth;
    // Power: the host's measured energy attributed to the VM over the step.
    assert(
      Math.abs(frame.power.package![i]! - truth.measured.package[k]!) < 0.01,
      `${name} @${frame.timestamp[i]}`,
    );
    // Usage: the guest's CPU time rate is the VM's vCPU time rate.
    assert(
      Math.abs(
        frame.features.bpf_cpu_time_ms![i]! - truth.rates.bpf_cpu_time_ms[k]!,
      ) < 1e-3 * Math.max(1, truth.rates.bpf_cpu_time_ms[k]!),
    );
    assertEquals(frame.nodeType[i], sizes.indexOf(vcpus[frame.instance[i]!]!));
    checked++;
  }
  assertEquals(checked, 156);
});

Deno.test("joinVmViews() normalises per vCPU or adds the size as a feature", () => {
  const none = joinVmViews(host, guests).frame;
  const per = joinVmViews(host, guests, { normalization: "per-vcpu" });
  const size = joinVmViews(host, guests, { normalization: "size-feature" });
  for (let i = 0; i < none.length; i++) {
    const n = per.vcpus[per.frame.instance[i]!]!;
    assert(
      Math.abs(per.frame.power.core![i]! * n - none.power.core![i]!) < 1e-9,
    );
    assertEquals(size.frame.features[VCPUS_FEATURE]![i], n);
  }
  const dyn = joinVmViews(host, guests, { mode: "dynamic" });
  const k = sim.host.nodes[0]!.timestamps.indexOf(dyn.frame.timestamp[0]!);
  const vm = sim.vms.find((x) => x.name === dyn.frame.instances[0])!;
  // Dynamic mode: the attributed power less the VM's idle share.
  assert(
    Math.abs(
      dyn.frame.power.package![0]! -
        (vm.truth.measured.package[k]! - vm.truth.idle.package),
    ) < 0.05,
  );
  assertEquals(size.frame.featureNames, [
    "bpf_cpu_time_ms",
    "bpf_page_cache_hit",
    VCPUS_FEATURE,
  ]);
});

Deno.test("joinVmViews() names a guest without a VM on the host, and a missing source", () => {
  const other = simulateVmHost({
    start: 1_700_000_001,
    duration: 30,
    vms: [{ name: "lonely", vcpus: 2, memoryGiB: 4 }],
  });
  const lonely = {
    query: parseQuery(queryJsonBytes(other.guests[0]!), { origin: "g" }),
    spec: other.guests[0]!.spec,
  };
  assertThrows(
    () => joinVmViews(host, [lonely]),
    /guest "lonely" \(g\) has no kepler_vm_package_joules_total on the host host/,
  );
  assertThrows(
    () => joinVmViews(host, guests, { source: "redfish" }),
    /no kepler_vm_<component>_joules_total series with source="redfish"/,
  );
});
