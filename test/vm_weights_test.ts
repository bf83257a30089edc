/**
 * The weights Kepler inside a VM loads give the VM's power: `serve`'s
 * `weight.json` for a VM's spec, evaluated with Kepler's linear formula
 * (`keplerPredict`) on the guest's raw usage, equals `estimateVm` (which
 * applies the pipeline's `vm_normalization` to the fitted model) for every
 * normalization, for trained VM sizes and sizes between and beyond them,
 * in both of Kepler's request forms (`node_type` 0: components only;
 * −1: with `machine_spec`, whose cores must be the VM's when the weights
 * were rescaled, so Kepler's idle core ratio stays 1); and `POST /estimate`
 * with the VM's spec gives the same watts.
 */
import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import { guestUsage, parseQuery } from "../lib/extract/mod.ts";
import { estimateVm } from "../lib/estimate/mod.ts";
import { keplerPredict, readWeightFile } from "../lib/pipeline/mod.ts";
import { startModelServer } from "../lib/serve/mod.ts";
import { simulateVmHost } from "../lib/simulate/mod.ts";
import { queryJsonBytes } from "../lib/simulate/query_json.ts";
import { trainVmPipeline } from "../lib/train/mod.ts";
import { VM_NORMALIZATIONS } from "../lib/extract/mod.ts";

const FEATURES = ["bpf_cpu_time_ms", "bpf_page_cache_hit"];

Deno.test("the weight.json serve gives a VM, on its raw usage, is the VM power estimate of every normalization", async () => {
  const sim = simulateVmHost({
    start: 1_700_000_001,
    duration: 600,
    seed: 5,
    vms: [
      { name: "a", vcpus: 2, memoryGiB: 4 },
      { name: "b", vcpus: 2, memoryGiB: 4 },
      { name: "c", vcpus: 4, memoryGiB: 8 },
      { name: "d", vcpus: 4, memoryGiB: 8 },
      { name: "x", vcpus: 6, memoryGiB: 12 },
    ],
  });
  const [host, ...guests] = [sim.host, ...sim.guests].map((q) =>
    parseQuery(queryJsonBytes(q))
  );
  const x = guests[4]!; // never trained on
  const usage = guestUsage(x, FEATURES);
  const models = await Deno.makeTempDir({ prefix: "kepler_vm_weights_" });
  try {
    const dirs = new Map<string, string>();
    for (const normalization of VM_NORMALIZATIONS) {
      const report = await trainVmPipeline(
        host!,
        guests.slice(0, 4).map((query, i) => ({
          query,
          spec: sim.guests[i]!.spec,
        })),
        {
          modelPath: models,
          pipelineName: `vm-${normalization}`,
          trainers: ["LinearRegressionTrainer"],
          normalization,
        },
      );
      assertEquals(report.normalization, normalization);
      dirs.set(normalization, report.pipelineDir);
    }
    await using server = await startModelServer({
      port: 0,
      reload: "off",
      modelPath: models,
    });
    for (const normalization of VM_NORMALIZATIONS) {
      for (
        const [cores, memory] of [[2, 4], [4, 8], [6, 12], [3, 6], [8, 16]]
      ) {
        const estimate = await estimateVm(x, {
          pipeline: dirs.get(normalization)!,
          spec: { cores: cores!, memory: memory! },
        });
        assertEquals(estimate.timestamp, usage.timestamp);
        for (const nodeType of [0, -1]) {
          const r = await fetch(`${server.url}/model`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({
              metrics: FEATURES,
              output_type: "AbsPower",
              source: "rapl-sysfs",
              trainer_name: "LinearRegressionTrainer",
              pipeline_name: `vm-${normalization}`,
              weight: true,
              node_type: nodeType,
              machine_spec: { processor: sim.spec.processor, cores, memory },
            }),
          });
          const what =
            `${normalization}, ${cores} vCPUs, node_type ${nodeType}`;
          assertEquals(r.status, 200, `${what}: ${await r.clone().text()}`);
          const body = await r.json();
          assertEquals(body.model_name ?? estimate.model, estimate.model);
          if (nodeType === -1) {
            const rescaled = normalization !== "none";
            assertEquals(
              body.machine_spec.cores,
              rescaled ? cores : estimate.modelVcpus,
              what,
            );
          }
          const file = readWeightFile(body);
          // POST /estimate with the VM's spec evaluates the same weights
          const est = await fetch(`${server.url}/estimate`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({
              metrics: FEATURES,
              values: Array.from(
                usage.timestamp,
                (_, i) => FEATURES.map((f) => usage.features[f]![i]!),
              ),
              output_type: "AbsPower",
              source: "rapl-sysfs",
              trainer_name: "LinearRegressionTrainer",
              pipeline_name: `vm-${normalization}`,
              system_features: [],
              system_values: [],
              machine_spec: { processor: sim.spec.processor, cores, memory },
            }),
          });
          const served = await est.json();
          assertEquals([est.status, served.msg], [200, ""], what);
          assertEquals(served.model_name, estimate.model, what);
          for (const c of estimate.components) {
            const weights = file.components[c.component]!;
            assert(
              !("vm_vcpus" in weights.All_Weights.Numerical_Variables),
              what,
            );
            for (let i = 0; i < usage.timestamp.length; i++) {
              const kepler = keplerPredict(weights, "linear", {
                bpf_cpu_time_ms: usage.features.bpf_cpu_time_ms![i]!,
                bpf_page_cache_hit: usage.features.bpf_page_cache_hit![i]!,
              });
              const ours = c.power[i]!;
              const viaServe = served.powers[c.component][i];
              assert(
                Math.abs(viaServe - Math.max(0, ours)) <=
                  1e-9 * Math.max(1, Math.abs(ours)),
                `${what} ${c.component} row ${i}: /estimate ${viaServe} W, estimate ${ours} W`,
              );
              assert(
                Math.abs(kepler - ours) <= 1e-9 * Math.max(1, Math.abs(ours)),
                `${what} ${c.component} row ${i}: Kepler ${kepler} W, estimate ${ours} W`,
              );
            }
          }
        }
      }
    }
  } finally {
    await Deno.remove(models, { recursive: true });
  }
});
