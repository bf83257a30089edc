/**
 * VM power models (issue 20): `train --vm-train` on 10 VMs × 1 h at 3 s
 * (sizes 1–8 vCPUs, two VMs per size, rapl-sysfs + acpi) beside today's
 * training pipeline on 1 h × 50 containers, both timed here; and the
 * accuracy on VMs and VM sizes not seen in training (blocked CV across
 * VMs, the normalization `auto` chose), against 2 × the simulator's noise.
 * The size folds give the error by distance of the held-out size from the
 * nearest trained size.
 *
 * @module
 */
import type { BenchFigure, BenchSuite } from "./_types.ts";
import { timeIt } from "./_types.ts";
import {
  queryJsonBytes,
  simulate,
  simulateVmHost,
} from "../lib/simulate/mod.ts";
import { parseQuery } from "../lib/extract/mod.ts";
import { trainPipeline } from "../lib/train/pipeline.ts";
import { trainVmPipeline } from "../lib/train/vm_pipeline.ts";
import type { EnergySource } from "../lib/types.ts";

const SIZES = [1, 2, 3, 4, 8];

/** User + system CPU seconds of this process so far. */
function cpuSeconds(): number {
  const stat = Deno.readTextFileSync("/proc/self/stat").split(") ")[1]!
    .split(" ");
  return (Number(stat[11]) + Number(stat[12])) / 100;
}

type VmReport = Awaited<ReturnType<typeof trainVmPipeline>>;

/** The VM host: 10 VMs, two per size. */
function simulateVms() {
  const sim = simulateVmHost({
    start: 1_767_225_600,
    duration: 3600,
    step: 3,
    seed: 1,
    sources: ["rapl-sysfs", "acpi"],
    vms: SIZES.flatMap((n) => [
      { name: `vm${n}a`, vcpus: n, memoryGiB: 2 * n },
      { name: `vm${n}b`, vcpus: n, memoryGiB: 2 * n },
    ]),
  });
  const host = parseQuery(queryJsonBytes(sim.host));
  const guests = sim.guests.map((g) => ({
    query: parseQuery(queryJsonBytes(g)),
    spec: g.spec,
  }));
  return { noise: sim.metadata.noise, host, guests };
}

/** `train --vm-train` for both sources: wall, CPU and the reports. */
async function timeVmTraining(dir: string) {
  const { noise, host, guests } = simulateVms();
  let wall = 0, cpu = 0;
  const reports: [EnergySource, VmReport][] = [];
  for (const source of ["rapl-sysfs", "acpi"] as EnergySource[]) {
    const cpu0 = cpuSeconds();
    const t = await timeIt(() =>
      trainVmPipeline(host, guests, {
        modelPath: dir,
        pipelineName: `vm-${source}`,
        source,
      })
    );
    wall += t.seconds;
    cpu += cpuSeconds() - cpu0;
    reports.push([source, t.result]);
  }
  return { noise, wall, cpu, reports };
}

/** Today's `train` on 1 h × 50 containers: wall and CPU. */
async function timeToday(dir: string) {
  const node = simulate({
    start: 1_767_225_600,
    duration: 3600,
    step: 3,
    containers: 50,
    seed: 1,
    sources: ["rapl-sysfs", "acpi"],
  });
  const parsed = parseQuery(queryJsonBytes(node));
  const cpu0 = cpuSeconds();
  const t = await timeIt(() =>
    trainPipeline([parsed], {
      modelPath: dir,
      pipelineName: "node",
      sources: ["rapl-sysfs", "acpi"],
      machineSpec: node.spec,
      machineId: "bench",
      workers: navigator.hardwareConcurrency,
    })
  );
  return { wall: t.seconds, cpu: cpuSeconds() - cpu0 };
}

const mean = (values: number[]) =>
  values.reduce((a, b) => a + b, 0) / values.length;

/** Held-out VM and size errors of one source's report. */
function accuracyFigures(
  source: EnergySource,
  report: VmReport,
  noise: number,
): BenchFigure[] {
  const cv = report.crossValidation.find((c) =>
    c.normalization === report.normalization
  )!;
  const worst = (folds: typeof cv.vms) =>
    Math.max(...folds.flatMap((f) => Object.values(f.mae) as number[]));
  const goal = `≤ ${2 * noise} W (2 × noise)`;
  const figures: BenchFigure[] = [
    {
      name: `${source}: worst held-out VM MAE (${report.normalization})`,
      value: worst(cv.vms),
      unit: "W",
      goal,
      ok: worst(cv.vms) <= 2 * noise,
    },
    {
      name: `${source}: worst held-out size MAE (${report.normalization})`,
      value: worst(cv.sizes),
      unit: "W",
      goal,
      ok: worst(cv.sizes) <= 2 * noise,
    },
  ];
  for (const f of cv.sizes) {
    const distance = Math.min(
      ...SIZES.filter((n) => n !== f.vcpus).map((n) => Math.abs(n - f.vcpus)),
    );
    figures.push({
      name:
        `${source}: held-out ${f.vcpus} vCPUs (nearest trained size ${distance} vCPU away), worst component MAE`,
      value: Math.max(...(Object.values(f.mae) as number[])),
      unit: "W",
    });
  }
  for (const c of report.crossValidation) {
    figures.push({
      name:
        `${source}: normalization ${c.normalization}, mean held-out VM / size MAE over components`,
      value: mean(Object.values(c.vmMae) as number[]),
      unit: `W (size ${
        mean(Object.values(c.sizeMae) as number[]).toFixed(2)
      } W)`,
    });
  }
  return figures;
}

/** The suite. */
export const suite: BenchSuite = {
  title:
    "VM power models (10 VMs × 1 h at 3 s, rapl-sysfs + acpi) beside the 1 h × 50 pipeline",
  async run(): Promise<BenchFigure[]> {
    const dir = await Deno.makeTempDir({ prefix: "kepler-vm-bench-" });
    try {
      const vm = await timeVmTraining(dir);
      const today = await timeToday(dir);
      return [
        {
          name:
            "train --vm-train, 10 VMs × 1 h, both sources (wall; 3 trainers × 5 sizes × 2 output types, CV of 3 normalizations)",
          value: vm.wall,
          unit: "s",
          goal: `≤ today's 1 h × 50 train (${today.wall.toFixed(2)} s)`,
          ok: vm.wall <= today.wall,
        },
        { name: "train --vm-train CPU (user+sys)", value: vm.cpu, unit: "s" },
        {
          name: "today's train, 1 h × 50 containers (wall, 2 workers)",
          value: today.wall,
          unit: "s",
        },
        {
          name: "today's train CPU, whole process incl. workers (user+sys)",
          value: today.cpu,
          unit: "s",
        },
        ...vm.reports.flatMap(([source, report]) =>
          accuracyFigures(source, report, vm.noise)
        ),
      ];
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
};
