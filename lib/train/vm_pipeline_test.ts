import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import { simulateVmHost } from "../simulate/mod.ts";
import { queryJsonBytes } from "../simulate/query_json.ts";
import { parseQuery } from "../extract/mod.ts";
import { readPipeline, readWeightFile } from "../pipeline/mod.ts";
import { keplerPredict } from "../pipeline/kepler_weight_file.ts";
import { trainVmPipeline } from "./vm_pipeline.ts";

Deno.test("trainVmPipeline() writes per-size VM models whose weight.json predicts a VM it never saw within 2 × the simulator's noise", async () => {
  const sim = simulateVmHost({
    start: 1_700_000_001,
    duration: 1800,
    seed: 11,
    vms: [
      { name: "a", vcpus: 2, memoryGiB: 4 },
      { name: "b", vcpus: 2, memoryGiB: 4 },
      { name: "c", vcpus: 4, memoryGiB: 8 },
      { name: "d", vcpus: 4, memoryGiB: 8 },
      { name: "held-out", vcpus: 4, memoryGiB: 8 },
    ],
  });
  const host = parseQuery(queryJsonBytes(sim.host), { origin: "host" });
  // The held-out VM's guest view is not given: it is never trained on.
  const guests = sim.guests.slice(0, 4).map((g) => ({
    query: parseQuery(queryJsonBytes(g), { origin: g.nodes[0]!.instance }),
    spec: g.spec,
  }));
  const dir = await Deno.makeTempDir({ prefix: "kepler_vm_pipeline_" });
  try {
    const report = await trainVmPipeline(host, guests, {
      modelPath: dir,
      pipelineName: "vm",
      trainers: ["LinearRegressionTrainer", "SGDRegressorTrainer"],
    });
    assertEquals(report.sizes, [2, 4]);
    assertEquals(report.models.length, 2 * 2 * 2);
    const p = await readPipeline(report.pipelineDir);
    assertEquals(p.metadata?.metric_type, "vm_metrics");
    assertEquals(p.metadata?.vm, true);
    assertEquals(p.nodeTypeIndex?.["1"]?.attrs.cores, 4);
    assertEquals(p.nodeTypeIndex?.["0"]?.attrs.memory, 4);
    assertEquals(p.nodeTypeIndex?.["1"]?.attrs.memory, 8);
    assertEquals(p.nodeTypeIndex?.["1"]?.members, ["c", "d"]);
    const cv = JSON.parse(
      await Deno.readTextFile(`${report.pipelineDir}/vm_cross_validation.json`),
    );
    assertEquals(cv.normalization, report.normalization);
    assertEquals(cv.candidates.length, 3);
    // Kepler inside the held-out VM loads the 4-vCPU AbsPower weights.
    const model = p.models.find((m) =>
      m.outputType === "AbsPower" && m.nodeType === 1 &&
      m.name === "LinearRegressionTrainer_1"
    )!;
    const file = readWeightFile(
      JSON.parse(
        await Deno.readTextFile(
          `${report.pipelineDir}/${model.forms.folder}/weight.json`,
        ),
      ),
    );
    const vm = sim.vms[4]!;
    let sum = 0;
    const n = vm.truth.power.package.length;
    for (let k = 1; k < n; k++) {
      const x = {
        bpf_cpu_time_ms: vm.truth.rates.bpf_cpu_time_ms[k]!,
        bpf_page_cache_hit: vm.truth.rates.bpf_page_cache_hit[k]!,
      };
      const yHat = keplerPredict(file.components.package!, "linear", x);
      sum += Math.abs(yHat - vm.truth.power.package[k]!);
    }
    const mae = sum / (n - 1);
    assert(mae <= 2 * sim.metadata.noise, `held-out VM package MAE ${mae} W`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
