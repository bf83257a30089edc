/**
 * The pipeline names commands use when none is given: `train`'s own
 * (`default`) and the trainer isolator's AbsPower pipeline.
 *
 * @module
 */
import { join } from "node:path";
import { DEFAULT_PIPELINE_NAME } from "./layout.ts";

/**
 * The pipeline `train`, `train_from_data` and `plot` use when `-p` is not
 * given, as the seeds' documentation of `train` says ("default: default").
 */
export const DEFAULT_TRAIN_PIPELINE_NAME = "default";

/**
 * The trainer isolator's AbsPower pipeline when `--abs-pipeline-name` is not
 * given: upstream's `std_v0.7.11` when MODEL_PATH holds it, else the
 * pipeline `train` writes without `-p` (`default`) when MODEL_PATH holds
 * that, else `std_v0.7.11` (whose absence the isolator then reports). So
 * `train -i q` followed by `isolate --isolator trainer` finds the models
 * the first one trained.
 *
 * @param modelPath MODEL_PATH.
 * @returns The pipeline name.
 *
 * @example
 * ```ts
 * import { defaultAbsPipelineName } from "./default_pipelines.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const models = await Deno.makeTempDir();
 * assertEquals(defaultAbsPipelineName(models), "std_v0.7.11");
 * await Deno.mkdir(`${models}/default`);
 * assertEquals(defaultAbsPipelineName(models), "default");
 * await Deno.mkdir(`${models}/std_v0.7.11`);
 * assertEquals(defaultAbsPipelineName(models), "std_v0.7.11");
 * await Deno.remove(models, { recursive: true });
 * ```
 */
export function defaultAbsPipelineName(modelPath: string): string {
  for (const name of [DEFAULT_PIPELINE_NAME, DEFAULT_TRAIN_PIPELINE_NAME]) {
    try {
      if (Deno.statSync(join(modelPath, name)).isDirectory) return name;
    } catch {
      // not there (or not readable): the next name
    }
  }
  return DEFAULT_PIPELINE_NAME;
}
