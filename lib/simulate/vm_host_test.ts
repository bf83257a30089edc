import {
  deepStrictEqual as assertEquals,
  notDeepStrictEqual as assertNotEquals,
  ok as assert,
  throws as assertThrows,
} from "node:assert/strict";
import { join } from "node:path";
import { parseQuery, readQueryFile } from "../extract/read_query.ts";
import type { MetricSeries, QueryData } from "../extract/read_query.ts";
import { parseCsv } from "../io/mod.ts";
import { COMPONENTS } from "../types.ts";
import { testdata } from "../../test/testdata.ts";
import {
  DEFAULT_NODE_MODEL,
  parseVmSpecs,
  queryJsonBytes,
  SIMULATED_FEATURES,
  simulateVmHost,
  truePower,
  VM_TRUTH_COLUMNS,
  vmTruthCsv,
  writeVmHostSimulation,
} from "./mod.ts";
import type { VmHostOptions, VmHostSimulation } from "./mod.ts";

const START = 1_700_000_000;
const BPF = [
  "bpf_cpu_time_ms",
  "bpf_page_cache_hit",
  "bpf_block_irq",
  "bpf_net_rx_irq",
  "bpf_net_tx_irq",
];
const ENERGY = [...COMPONENTS, "other"] as const;

function run(options: VmHostOptions = {}): VmHostSimulation {
  return simulateVmHost({ start: START, duration: 300, ...options });
}

function bytesOf(sim: VmHostSimulation): Uint8Array[] {
  return [
    queryJsonBytes(sim.host),
    ...sim.guests.map(queryJsonBytes),
    new TextEncoder().encode(vmTruthCsv(sim)),
  ];
}

function hostData(sim: VmHostSimulation): QueryData {
  return parseQuery(queryJsonBytes(sim.host), { origin: "host" });
}

function guestData(sim: VmHostSimulation, v: number): QueryData {
  return parseQuery(queryJsonBytes(sim.guests[v]!), { origin: `guest ${v}` });
}

function seriesOf(data: QueryData, metric: string): readonly MetricSeries[] {
  return data.metrics.get(metric) ?? [];
}

/** Per-sample increments of the summed series matching `keep` (index 0: 0). */
function deltas(
  series: readonly MetricSeries[],
  keep: (s: MetricSeries) => boolean = () => true,
): Float64Array {
  const kept = series.filter(keep);
  assert(kept.length > 0, "no series kept");
  const n = kept[0]!.values.length;
  const out = new Float64Array(n);
  for (const s of kept) {
    for (let k = 1; k < n; k++) out[k]! += s.values[k]! - s.values[k - 1]!;
  }
  return out;
}

function near(
  actual: number,
  expected: number,
  tolerance: number,
  what: string,
) {
  assert(
    Math.abs(actual - expected) <= tolerance,
    `${what}: ${actual} vs ${expected} (tolerance ${tolerance})`,
  );
}

Deno.test("`simulateVmHost()` gives the same bytes for the same seed, other bytes for another seed", () => {
  const a = bytesOf(run({ seed: 3 }));
  const b = bytesOf(run({ seed: 3 }));
  const c = bytesOf(run({ seed: 4 }));
  assertEquals(a, b);
  assertEquals(a.length, 1 + 4 + 1);
  for (let i = 0; i < a.length; i++) {
    assertNotEquals(a[i], c[i], `file ${i} does not depend on the seed`);
  }
});

Deno.test("`simulateVmHost()`: the host's true power is truePower() of the guests' summed counters, and the VMs' attributed power adds up to it", () => {
  const sim = run({ guestHardwareCounters: true });
  const host = sim.host.nodes[0]!;
  const n = host.timestamps.length;
  const rates: Record<string, Float64Array> = {};
  for (const f of SIMULATED_FEATURES) {
    rates[f] = new Float64Array(n);
    sim.guests.forEach((_, v) => {
      const d = deltas(
        seriesOf(guestData(sim, v), `kepler_container_${f}_total`),
      );
      for (let k = 1; k < n; k++) rates[f]![k]! += d[k]! / 3;
    });
  }
  const idle = DEFAULT_NODE_MODEL.idle;
  for (let k = 1; k < n; k++) {
    const r = Object.fromEntries(
      SIMULATED_FEATURES.map((f) => [f, rates[f]![k]!]),
    ) as Record<(typeof SIMULATED_FEATURES)[number], number>;
    const expected = truePower(DEFAULT_NODE_MODEL, r);
    for (const c of COMPONENTS) {
      near(host.truth.power[c][k]!, expected[c], 1e-9, `host ${c} at ${k}`);
      let dynamic = 0, power = 0, idleSum = 0;
      for (const vm of sim.vms) {
        dynamic += vm.truth.dynamic[c][k]!;
        power += vm.truth.power[c][k]!;
        idleSum += vm.truth.idle[c];
      }
      near(dynamic, expected[c] - idle[c], 1e-9, `Σ dynamic ${c} at ${k}`);
      near(power, expected[c], 1e-9, `Σ power ${c} at ${k}`);
      near(idleSum, idle[c], 1e-9, `Σ idle ${c}`);
    }
  }
});

Deno.test("`simulateVmHost()`: the host's VM energy counters share its node energy by instructions (dynamic) and vCPUs (idle)", () => {
  const sim = run();
  const data = hostData(sim);
  const V = sim.vms.length;
  const vcpus = sim.vms.reduce((s, vm) => s + vm.vcpus, 0);
  const ins = sim.vms.map((vm) =>
    deltas(
      seriesOf(data, "kepler_vm_cpu_instructions_total"),
      (s) => s.labels.vm_id === vm.vmId,
    )
  );
  for (const c of ENERGY) {
    for (const mode of ["dynamic", "idle"]) {
      const node = deltas(
        seriesOf(data, `kepler_node_${c}_joules_total`),
        (s) => s.labels.mode === mode,
      );
      const sum = new Float64Array(node.length);
      sim.vms.forEach((vm, v) => {
        const isVm = (s: MetricSeries) =>
          s.labels.vm_id === vm.vmId && s.labels.mode === mode;
        const d = deltas(seriesOf(data, `kepler_vm_${c}_joules_total`), isVm);
        const p = deltas(
          seriesOf(data, `kepler_process_${c}_joules_total`),
          isVm,
        );
        for (let k = 1; k < node.length; k++) {
          sum[k]! += d[k]!;
          near(p[k]!, d[k]!, 1e-9, `process = vm ${c} ${mode}`);
          if (c === "package" && mode === "dynamic") {
            const total = ins.reduce((s, x) => s + x[k]!, 0);
            near(
              d[k]!,
              node[k]! * ins[v]![k]! / total,
              0.0005 + 1e-9,
              `${vm.name} dyn share`,
            );
          }
          if (mode === "idle") {
            near(
              d[k]!,
              node[k]! * vm.vcpus / vcpus,
              0.0005 + 1e-9,
              `${vm.name} idle share`,
            );
          }
        }
      });
      const container = deltas(
        seriesOf(data, `kepler_container_${c}_joules_total`),
        (s) => s.labels.mode === mode,
      );
      for (let k = 1; k < node.length; k++) {
        near(sum[k]!, node[k]!, V * 0.0005 + 1e-9, `Σ vm ${c} ${mode} at ${k}`);
        near(container[k]!, sum[k]!, 1e-9, `system_processes ${c} ${mode}`);
      }
    }
  }
});

Deno.test("`simulateVmHost()`: a VM with no load gets only its idle share", () => {
  const vms = [
    { name: "busy", vcpus: 8, memoryGiB: 16 },
    { name: "quiet", vcpus: 4, memoryGiB: 8, workload: "none" as const },
    { name: "bg", vcpus: 2, memoryGiB: 4, workload: "background" as const },
  ];
  for (const [rule, share] of [["vcpus", 4 / 14], ["even", 1 / 3]] as const) {
    const sim = run({ vms, idleShare: rule });
    const quiet = sim.vms[1]!;
    const idle = DEFAULT_NODE_MODEL.idle;
    for (const c of COMPONENTS) {
      near(quiet.truth.idle[c], idle[c] * share, 1e-12, `${rule} idle ${c}`);
      for (let k = 0; k < quiet.truth.phase.length; k++) {
        assertEquals(quiet.truth.dynamic[c][k], 0);
        assertEquals(quiet.truth.trueDynamic[c][k], 0);
        near(quiet.truth.power[c][k]!, idle[c] * share, 1e-12, `${rule} ${c}`);
      }
    }
    assert(sim.vms[0]!.truth.dynamic.package.some((w) => w > 1));
    const data = hostData(sim);
    const dyn = deltas(
      seriesOf(data, "kepler_vm_package_joules_total"),
      (s) => s.labels.vm_id === quiet.vmId && s.labels.mode === "dynamic",
    );
    assert(dyn.every((d) => d === 0), "the quiet VM got dynamic energy");
    for (
      const metric of seriesOf(
        guestData(sim, 1),
        "kepler_container_bpf_cpu_time_ms_total",
      )
    ) {
      assert(
        metric.values.every((x) => x === metric.values[0]),
        "a quiet VM's usage moved",
      );
    }
  }
});

Deno.test("`simulateVmHost()`: the guests' counters are the host's per-VM counters under the guests' labels", () => {
  const sim = run({ vmJobName: "kvm-guests" });
  const host = hostData(sim);
  sim.vms.forEach((vm, v) => {
    assertEquals(vm.vmId, `machine-qemu-${v + 1}-${vm.name}`);
    const guest = guestData(sim, v);
    const names = [...guest.metrics.keys()];
    assert(
      names.every((m) => !m.endsWith("_joules_total")),
      "a guest exports energy",
    );
    for (const hw of ["cpu_cycles", "cpu_instructions", "cache_miss"]) {
      assert(!names.some((m) => m.includes(hw)), `a guest exports ${hw}`);
    }
    for (const list of guest.metrics.values()) {
      for (const s of list) {
        assertEquals([s.labels.job, s.labels.instance], [
          "kvm-guests",
          vm.name,
        ]);
      }
    }
    const info = seriesOf(guest, "kepler_node_info")[0]!.labels;
    assertEquals(
      [info.components_power_source, info.platform_power_source],
      ["estimator", "none"],
    );
    for (const f of BPF) {
      const inGuest = deltas(seriesOf(guest, `kepler_container_${f}_total`));
      const byProcess = deltas(seriesOf(guest, `kepler_process_${f}_total`));
      const isVm = (s: MetricSeries) => s.labels.vm_id === vm.vmId;
      const onHost = deltas(seriesOf(host, `kepler_vm_${f}_total`), isVm);
      const qemu = deltas(seriesOf(host, `kepler_process_${f}_total`), isVm);
      assertEquals(byProcess, inGuest);
      assertEquals(onHost, inGuest);
      assertEquals(qemu, inGuest);
      for (let k = 1; k < inGuest.length; k++) {
        assertEquals(
          vm.truth.rates[f as "bpf_cpu_time_ms"][k],
          inGuest[k]! / 3,
        );
      }
    }
    // A guest runs at most its vCPUs (each container's carried fraction of
    // a millisecond aside).
    const cpuSeries = seriesOf(guest, "kepler_container_bpf_cpu_time_ms_total");
    const cpu = deltas(cpuSeries);
    const most = vm.vcpus * 1000 * 3 + cpuSeries.length;
    assert(cpu.every((ms) => ms <= most), `${vm.name} above its vCPUs`);
  });
  const hostJobs = new Set(
    [...host.metrics.values()].flat().map((s) => s.labels.job),
  );
  assertEquals([...hostJobs], ["kepler-exporter"]);
});

Deno.test("`simulateVmHost()`: truth per VM is what the host's counters show and truePower() of its own rates", () => {
  const sim = run({ noise: 0.5 });
  const data = hostData(sim);
  const idle = DEFAULT_NODE_MODEL.idle;
  for (const vm of sim.vms) {
    const isVm = (s: MetricSeries) => s.labels.vm_id === vm.vmId;
    const d = Object.fromEntries(
      SIMULATED_FEATURES.map((
        f,
      ) => [f, deltas(seriesOf(data, `kepler_vm_${f}_total`), isVm)]),
    );
    const joules = Object.fromEntries(
      COMPONENTS.map((
        c,
      ) => [c, deltas(seriesOf(data, `kepler_vm_${c}_joules_total`), isVm)]),
    );
    for (let k = 1; k < vm.truth.phase.length; k++) {
      const rates = Object.fromEntries(
        SIMULATED_FEATURES.map((f) => [f, d[f]![k]! / 3]),
      ) as Record<(typeof SIMULATED_FEATURES)[number], number>;
      const own = truePower(DEFAULT_NODE_MODEL, rates);
      for (const c of COMPONENTS) {
        near(
          vm.truth.trueDynamic[c][k]!,
          own[c] - idle[c],
          1e-9,
          `${vm.name} true ${c}`,
        );
        near(
          vm.truth.measured[c][k]!,
          joules[c]![k]! / 3,
          1e-9,
          `${vm.name} measured ${c}`,
        );
      }
    }
  }
});

Deno.test("`simulateVmHost()` exports exactly Kepler v0.7.12's label sets (test/testdata/derived/kepler-v0.7.12-label-sets.json)", async () => {
  const fixture = JSON.parse(
    await Deno.readTextFile(testdata("derived/kepler-v0.7.12-label-sets.json")),
  );
  const levels = fixture.levels;
  const scrape = ["__name__", "instance", "job"];
  const keysOf = (s: MetricSeries) =>
    Object.keys(s.labels).filter((k) => !scrape.includes(k)).sort();
  const expect = (labels: string[], source: boolean) =>
    [...labels, ...(source ? ["source"] : [])].sort();
  const sim = run({ sources: ["rapl-sysfs", "acpi"] });
  const host = hostData(sim);
  const vmMetrics = [...host.metrics.keys()].filter((m) =>
    m.startsWith("kepler_vm_")
  );
  assertEquals(vmMetrics.length, 8 + 6);
  assert(!host.metrics.has("kepler_vm_joules_total"));
  assertEquals(levels.vm.hasJoulesTotal, false);
  for (const [metric, list] of host.metrics) {
    const energy = metric.endsWith("_joules_total");
    const total = /^kepler_[a-z]+_joules_total$/.test(metric);
    for (const s of list) {
      if (metric.startsWith("kepler_vm_")) {
        assertEquals(
          keysOf(s),
          expect(energy ? levels.vm.energy : levels.vm.usage, true),
        );
      } else if (metric.startsWith("kepler_process_")) {
        assertEquals(
          keysOf(s),
          expect(energy ? levels.process.energy : levels.process.usage, !total),
        );
      } else if (metric.startsWith("kepler_container_")) {
        assertEquals(
          keysOf(s),
          expect(
            energy ? levels.container.energy : levels.container.usage,
            !total,
          ),
        );
      } else if (energy && metric !== "kepler_node_platform_joules_total") {
        // Prometheus renames Kepler's own `instance` to `exported_instance`.
        const node = levels.node.energy.map((l: string) =>
          l === "instance" ? "exported_instance" : l
        );
        assertEquals(keysOf(s), expect(node, true));
      }
    }
  }
  const guest = guestData(sim, 0);
  for (const [metric, list] of guest.metrics) {
    for (const s of list) {
      if (metric.startsWith("kepler_process_")) {
        // A guest's processes are in no VM: the empty vm_id is dropped.
        const labels = levels.process.usage.filter((l: string) =>
          l !== "vm_id"
        );
        assertEquals(keysOf(s), expect(labels, true));
      } else if (metric.startsWith("kepler_container_")) {
        assertEquals(keysOf(s), expect(levels.container.usage, true));
      }
    }
  }
});

Deno.test("`simulateVmHost()` names what is wrong with its options", () => {
  const cases: [VmHostOptions, RegExp][] = [
    [{ vms: [] }, /at least one VM/],
    [{
      vms: [{ name: "a", vcpus: 32, memoryGiB: 1 }, {
        name: "b",
        vcpus: 16,
        memoryGiB: 1,
      }],
    }, /48 vCPUs in all, more than the host's 40/],
    [{ vms: [{ name: "a", vcpus: 2, memoryGiB: 200 }] }, /200 GiB .* 125 GiB/],
    [{
      vms: [{ name: "a", vcpus: 2, memoryGiB: 2 }, {
        name: "a",
        vcpus: 2,
        memoryGiB: 2,
      }],
    }, /two VMs are named "a"/],
    [
      { vms: [{ name: "A_1", vcpus: 2, memoryGiB: 2 }] },
      /Invalid VM "A_1": the name/,
    ],
    [
      { vms: [{ name: "a", vcpus: 1.5, memoryGiB: 2 }] },
      /vcpus must be an integer ≥ 1, got 1.5/,
    ],
    [
      { idleShare: "odd" as "even" },
      /idleShare must be one of vcpus, even, got odd/,
    ],
    [{ noise: -1 }, /noise must be a number of watts ≥ 0, got -1/],
    [{ duration: 3 }, /duration must be at least two steps/],
  ];
  for (const [options, message] of cases) {
    assertThrows(
      () => run(options),
      (e: unknown) => e instanceof RangeError && message.test(e.message),
    );
  }
});

Deno.test("`parseVmSpecs()` reads names, sizes and workloads, and names a bad entry", () => {
  assertEquals(parseVmSpecs("web=4:16:background,8:32"), [
    { name: "web", vcpus: 4, memoryGiB: 16, workload: "background" },
    { name: "vm-1", vcpus: 8, memoryGiB: 32 },
  ]);
  assertEquals(parseVmSpecs(" DEFAULT ").map((vm) => vm.vcpus), [2, 4, 8, 16]);
  for (
    const [text, message] of [
      ["", /expected "default"/],
      ["web=4", /expected \[name=\]vcpus:memoryGiB\[:workload\]/],
      ["web=x:4", /Invalid VM "web=x:4": vcpus "x" is not a number/],
      ["web=4:16:busy", /Unknown VM workload "busy"/],
      ["web=4:0", /memoryGiB must be a number > 0, got 0/],
    ] as const
  ) {
    assertThrows(() => parseVmSpecs(text), message);
  }
});

Deno.test("`writeVmHostSimulation()` writes the host's and each guest's query JSON and the truth, which extract's reader reads", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kepler_vmsim_" });
  try {
    const sim = run({ duration: 30 });
    const written = await writeVmHostSimulation(dir, "vms.json", sim);
    assertEquals(written.host, join(dir, "vms_host.json"));
    assertEquals(
      written.guests,
      sim.vms.map((vm) => join(dir, `vms_vm_${vm.name}.json`)),
    );
    assertEquals(written.truth, join(dir, "vms_vm_truth.csv"));
    const listing = [];
    for await (const entry of Deno.readDir(dir)) listing.push(entry.name);
    assertEquals(
      listing.sort(),
      [
        "machine_spec",
        "vms_host.json",
        "vms_host_simulation.json",
        "vms_host_truth.csv",
        "vms_vm_truth.csv",
        ...sim.vms.map((vm) => `vms_vm_${vm.name}.json`),
      ].sort(),
    );
    const host = await readQueryFile(written.host);
    assertEquals(
      seriesOf(host, "kepler_vm_package_joules_total").length,
      4 * 2,
    );
    assertEquals(
      seriesOf(host, "kepler_node_package_joules_total")[0]!.values.length,
      10,
    );
    for (const [v, path] of written.guests.entries()) {
      const guest = await readQueryFile(path);
      assertEquals(
        guest.metrics.has("kepler_process_bpf_cpu_time_ms_total"),
        true,
      );
      assertEquals(
        seriesOf(guest, "kepler_node_info")[0]!.labels.instance,
        sim.vms[v]!.name,
      );
    }
    const truth = parseCsv(await Deno.readTextFile(written.truth));
    assertEquals(truth.header, [...VM_TRUTH_COLUMNS]);
    assertEquals(truth.rows.length, 4 * 10);
    const spec = JSON.parse(await Deno.readTextFile(written.machineSpecs[4]!));
    assertEquals([spec.attrs.cores, spec.attrs.chips, spec.attrs.memory], [
      16,
      1,
      64,
    ]);
    const metadata = JSON.parse(await Deno.readTextFile(written.metadata));
    assertEquals(
      metadata.vms.map((vm: { vmId: string }) => vm.vmId),
      sim.vms.map((vm) => vm.vmId),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
