/**
 * `serve` answers a VM: a `POST /model` whose machine spec is a VM's
 * (vCPUs as `cores`, memory) gets the weights of the VM model of the
 * closest size from a `train --vm-train` pipeline: the `weight.json` of
 * that size, its bias rescaled for the VM's vCPUs when the pipeline's
 * models are normalised (`vm_normalization` per-vcpu or size-feature).
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { join } from "node:path";
import { parseQuery } from "../lib/extract/mod.ts";
import { simulateVmHost } from "../lib/simulate/mod.ts";
import { queryJsonBytes } from "../lib/simulate/query_json.ts";
import { trainVmPipeline } from "../lib/train/mod.ts";
import { startModelServer } from "../lib/serve/mod.ts";

Deno.test("POST /model with a VM's machine spec returns the weights of the closest VM size", async () => {
  const sim = simulateVmHost({
    start: 1_700_000_001,
    duration: 600,
    seed: 4,
    vms: [
      { name: "s", vcpus: 2, memoryGiB: 8 },
      { name: "m", vcpus: 4, memoryGiB: 16 },
      { name: "l", vcpus: 8, memoryGiB: 32 },
    ],
  });
  const models = await Deno.makeTempDir({ prefix: "kepler_serve_vm_" });
  try {
    const report = await trainVmPipeline(
      parseQuery(queryJsonBytes(sim.host)),
      sim.guests.map((g) => ({
        query: parseQuery(queryJsonBytes(g)),
        spec: g.spec,
      })),
      {
        modelPath: models,
        pipelineName: "vm",
        trainers: ["LinearRegressionTrainer"],
      },
    );
    assertEquals(report.sizes, [2, 4, 8]);
    await using server = await startModelServer({
      port: 0,
      reload: "off",
      modelPath: models,
    });
    const weightsFor = async (cores: number, memory: number) => {
      const r = await fetch(`${server.url}/model`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          metrics: ["bpf_cpu_time_ms", "bpf_page_cache_hit"],
          output_type: "AbsPower",
          source: "rapl-sysfs",
          trainer_name: "LinearRegressionTrainer",
          pipeline_name: "vm",
          weight: true,
          machine_spec: { processor: sim.spec.processor, cores, memory },
        }),
      });
      assertEquals(r.status, 200, await r.clone().text());
      return await r.json();
    };
    const onDisk = async (nodeType: number) =>
      JSON.parse(
        await Deno.readTextFile(
          join(
            report.pipelineDir,
            `rapl-sysfs/AbsPower/BPFOnly/LinearRegressionTrainer_${nodeType}/weight.json`,
          ),
        ),
      );
    // An exact size, then sizes between and beyond the trained ones:
    // Closeness is relative (upstream similarity: 1 - |a - b| / mean):
    // 6/24 scores 0.714 against 8/32 and 0.6 against 4/16; 3/12 scores
    // 0.714 against 4/16 and 0.6 against 2/8.
    for (
      const [cores, memory, nodeType] of [
        [4, 16, 1],
        [2, 8, 0],
        [6, 24, 2],
        [3, 12, 1],
        [16, 64, 2],
      ] as const
    ) {
      const served = await weightsFor(cores, memory);
      const disk = await onDisk(nodeType);
      assertEquals(
        served.model_name,
        `LinearRegressionTrainer_${nodeType}`,
        `${cores} vCPUs`,
      );
      const exact = cores === report.sizes[nodeType];
      for (const c of Object.keys(disk)) {
        const [s, d] = [served[c].All_Weights, disk[c].All_Weights];
        // the file's feature weights, byte for byte as JSON
        assertEquals(s.Numerical_Variables, d.Numerical_Variables);
        // the bias too for the file's own size, or without normalization;
        // else rescaled for the VM (test/vm_weights_test.ts checks the watts)
        if (exact || report.normalization === "none") {
          assertEquals(s.Bias_Weight, d.Bias_Weight, `${cores} vCPUs ${c}`);
        }
      }
      // a rescaled file is the VM's: Kepler's idle core ratio stays 1
      assertEquals(
        served.machine_spec.cores,
        report.normalization === "none" ? report.sizes[nodeType] : cores,
      );
    }
  } finally {
    await Deno.remove(models, { recursive: true });
  }
});
