/**
 * The trainer isolator's background predictors: every AbsPower model of a
 * trained pipeline (upstream's `--abs-pipeline-name`, default
 * `std_v0.7.11`) as a function from a usage frame to power per component,
 * with its MAE for choosing among candidates. lib/isolate receives these as
 * function arguments and never imports lib/train.
 *
 * @module
 */
import { join } from "node:path";
import type { Frame } from "../extract/frame.ts";
import type { BackgroundModel } from "../isolate/isolate_trainer.ts";
import { exists } from "../io/read.ts";
import { pipelineDir } from "../layout.ts";
import type { Component, EnergySource, FeatureGroup } from "../types.ts";
import { listModelDirs } from "../pipeline/model_files.ts";
import { readModelDir } from "./loaded_model.ts";

/** Options of {@linkcode backgroundModels}. */
export interface BackgroundModelsOptions {
  /** Energy source of the models. */
  source: EnergySource;
  /** Only models of these feature groups. Default: every group. */
  featureGroups?: readonly FeatureGroup[];
  /** Only models whose features the frame will have. Default: no filter. */
  features?: readonly string[];
}

/**
 * Loads the AbsPower models of a pipeline as background predictors. Throws
 * a `RangeError` naming the folder when the pipeline has none.
 */
export async function backgroundModels(
  modelPath: string,
  pipeline: string,
  options: BackgroundModelsOptions,
): Promise<BackgroundModel[]> {
  const top = join(
    pipelineDir(modelPath, pipeline),
    options.source,
    "AbsPower",
  );
  const out: BackgroundModel[] = [];
  if (await exists(top)) {
    const groups: string[] = [];
    for await (const e of Deno.readDir(top)) {
      if (e.isDirectory) groups.push(e.name);
    }
    for (const group of groups.sort()) {
      if (
        options.featureGroups &&
        !options.featureGroups.includes(group as FeatureGroup)
      ) continue;
      for (const dir of await listModelDirs(join(top, group))) {
        const model = await readModelDir(dir);
        if (
          options.features &&
          !model.features.every((f) => options.features!.includes(f))
        ) continue;
        out.push({
          name: `${group}/${model.metadata.model_name}`,
          mae: model.metadata.mae,
          predict(usage: Frame) {
            const x = model.features.map((f) => {
              const column = usage.features[f];
              if (column === undefined) {
                throw new RangeError(
                  `Background model ${group}/${model.metadata.model_name} needs feature ${f}`,
                );
              }
              return column;
            });
            const power: Partial<Record<Component, Float64Array>> = {};
            for (const [c, m] of Object.entries(model.components)) {
              if (m) power[c as Component] = m.predict(x);
            }
            return power;
          },
        });
      }
    }
  }
  if (out.length === 0) {
    throw new RangeError(
      `Cannot isolate with the trainer isolator: no ${options.source} AbsPower model in ${top} (train that pipeline first, or pass --abs-pipeline-name)`,
    );
  }
  return out;
}
