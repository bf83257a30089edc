/**
 * `v0.7/.doc/<pipeline>.md`, the pipeline page of kepler-model-db
 * (upstream's `generate_pipeline_page`): a description placeholder, the
 * extractor, isolator and trainers, and the workload information.
 *
 * Upstream wrote the DynPower trainers as a Python list (`['SGD…', …]`)
 * when they differed from the AbsPower trainers; here they are a bullet
 * list like the AbsPower ones.
 *
 * @module
 */
import type { PipelineMetadata } from "../pipeline/pipeline_metadata.ts";

function bullets(trainers: readonly string[]): string {
  return trainers.map((t) => `  - ${t}\n`).join("");
}

/**
 * The pipeline page. `workload` is the "Workload information" body (see
 * `workloadContent`).
 *
 * @example
 * ```ts
 * import { pipelineDocPage } from "./pipeline_doc_page.ts";
 * import { ok as assert } from "node:assert/strict";
 * const md = pipelineDocPage({ name: "std", isolator: "min", extractor: "default",
 *   abs_trainers: ["SGDRegressorTrainer"], dyn_trainers: ["SGDRegressorTrainer"], metric_type: "bm_metrics",
 *   init_time: "2024-08-14 07:11:03", last_update_time: "2024-08-14 07:12:37" }, "");
 * assert(md.startsWith("\n# Pipeline std \n\n## Description\n\n<-- put pipeline description here -->\n\n## Components\n\n"));
 * assert(md.includes("- **AbsPower Trainers:**\n\n  - SGDRegressorTrainer\n\n\n- **DynPower Trainers:** \n\n  (same as AbsPower Trainers)\n"));
 * ```
 */
export function pipelineDocPage(
  metadata: Readonly<PipelineMetadata>,
  workload: string,
): string {
  const same = metadata.abs_trainers.join() === metadata.dyn_trainers.join();
  return `
# Pipeline ${metadata.name} 

## Description

<-- put pipeline description here -->

## Components

- **Extractor:** ${metadata.extractor}
- **Isolator:** ${metadata.isolator}
- **AbsPower Trainers:**

${bullets(metadata.abs_trainers)}

- **DynPower Trainers:** 

${same ? "  (same as AbsPower Trainers)\n" : bullets(metadata.dyn_trainers)}
## Workload information

${workload}
`;
}
