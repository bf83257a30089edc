/**
 * VM power estimated per VM (issue 20 item 3): VMs of 2, 4 and 8 vCPUs
 * trained (two each, 1800 s at 3 s, seed 7), then every VM, and VMs of 1,
 * 3 and 6 vCPUs never trained on, estimated from their guest's view alone
 * (`estimateVm`, which is what Kepler's formula on the served `weight.json`
 * gives: test/vm_weights_test.ts) for each normalization; the worst
 * component's MAE against the simulator's truth per VM. The `none` row is
 * what VM pipelines shipped before the normalization was applied to the
 * models.
 *
 * @module
 */
import type { BenchFigure, BenchSuite } from "./_types.ts";
import { queryJsonBytes, simulateVmHost } from "../lib/simulate/mod.ts";
import { parseQuery, VM_NORMALIZATIONS } from "../lib/extract/mod.ts";
import { estimateVm } from "../lib/estimate/mod.ts";
import { trainVmPipeline } from "../lib/train/vm_pipeline.ts";

const VMS = [
  ["a", 2],
  ["b", 2],
  ["c", 4],
  ["d", 4],
  ["e", 8],
  ["f", 8],
  ["z", 1],
  ["y", 3],
  ["x", 6],
] as const;
const TRAINED = 6;

/** The suite. */
export const suite: BenchSuite = {
  title:
    "VM power per VM from the guest's view (2, 4, 8 vCPUs trained; 1, 3, 6 not), by normalization",
  async run(): Promise<BenchFigure[]> {
    const sim = simulateVmHost({
      start: 1_700_000_001,
      duration: 1800,
      seed: 7,
      vms: VMS.map(([name, vcpus]) => ({ name, vcpus, memoryGiB: 2 * vcpus })),
    });
    const [host, ...guests] = [sim.host, ...sim.guests].map((q) =>
      parseQuery(queryJsonBytes(q))
    );
    const { noise, start, step } = sim.metadata;
    const dir = await Deno.makeTempDir({ prefix: "kepler-vm-estimate-bench-" });
    const figures: BenchFigure[] = [];
    try {
      for (const normalization of VM_NORMALIZATIONS) {
        const report = await trainVmPipeline(
          host!,
          guests.slice(0, TRAINED).map((query, i) => ({
            query,
            spec: sim.guests[i]!.spec,
          })),
          {
            modelPath: dir,
            pipelineName: normalization,
            trainers: ["LinearRegressionTrainer"],
            normalization,
          },
        );
        for (let v = 0; v < VMS.length; v++) {
          const vm = sim.vms[v]!;
          const e = await estimateVm(guests[v]!, {
            pipeline: report.pipelineDir,
            spec: { cores: vm.vcpus, memory: vm.memoryGiB },
          });
          let worst = 0;
          for (const c of e.components) {
            let sum = 0;
            e.timestamp.forEach((t, i) => {
              const k = Math.round((t - start) / step);
              sum += Math.abs(c.power[i]! - vm.truth.power[c.component][k]!);
            });
            worst = Math.max(worst, sum / e.timestamp.length);
          }
          const unseen = v >= TRAINED;
          figures.push({
            name: `${normalization}: VM ${vm.name} (${vm.vcpus} vCPUs${
              unseen ? ", size not trained" : ""
            }), worst component MAE vs truth`,
            value: worst,
            unit: "W",
            ...(unseen
              ? { goal: `≤ ${2 * noise} W (2 × noise)`, ok: worst <= 2 * noise }
              : {}),
          });
        }
      }
      return figures;
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
};
