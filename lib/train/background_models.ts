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
import { pipelineFolder } from "../pipeline/list_pipelines.ts";
import { type PipelineModel, readPipeline } from "../pipeline/read_pipeline.ts";
import type { Component, EnergySource, FeatureGroup } from "../types.ts";
import { type LoadedModel, readModelZipEntries } from "./loaded_model.ts";

/** Options of {@linkcode backgroundModels}. */
export interface BackgroundModelsOptions {
  /** Energy source of the models. */
  source: EnergySource;
  /** Only models of these feature groups. Default: every group. */
  featureGroups?: readonly FeatureGroup[];
  /** Only models whose features the frame will have. Default: no filter. */
  features?: readonly string[];
}

/** A loaded model as a background predictor. */
function predictor(group: string, model: LoadedModel): BackgroundModel {
  return {
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
  };
}

/** A model's folder, read through lib/pipeline, as a loaded model. */
async function loadFolder(
  dir: string,
  m: PipelineModel,
): Promise<LoadedModel> {
  return readModelZipEntries(
    await m.collectFolder(),
    join(dir, m.forms.folder!),
  );
}

/**
 * Loads the AbsPower models of a pipeline (read with `readPipeline`) as
 * background predictors, by feature group then name.
 *
 * @param modelPath MODEL_PATH.
 * @param pipeline The pipeline whose AbsPower models predict background power.
 * @param options Source, feature groups and features to keep.
 * @returns The predictors.
 * @throws {RangeError} Naming the folder when the pipeline has none.
 */
export async function backgroundModels(
  modelPath: string,
  pipeline: string,
  options: BackgroundModelsOptions,
): Promise<BackgroundModel[]> {
  const dir = pipelineFolder(modelPath, pipeline);
  const { models } = await readPipeline(dir, {
    sources: [options.source],
    outputTypes: ["AbsPower"],
    nodeTypeIndex: false,
  });
  const key = (m: PipelineModel) => `${m.featureGroup}/${m.name}`;
  const out: BackgroundModel[] = [];
  for (
    const m of models.filter((m) =>
      m.forms.folder !== undefined && m.metadataFrom === "folder" &&
      (options.featureGroups?.includes(m.featureGroup) ?? true)
    ).sort((a, b) => key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0)
  ) {
    const model = await loadFolder(dir, m);
    if (
      options.features &&
      !model.features.every((f) => options.features!.includes(f))
    ) continue;
    out.push(predictor(m.featureGroup, model));
  }
  if (out.length === 0) {
    throw new RangeError(
      `Cannot isolate with the trainer isolator: no ${options.source} AbsPower model in ${
        join(dir, options.source, "AbsPower")
      } (train that pipeline first, or pass --abs-pipeline-name)`,
    );
  }
  return out;
}
