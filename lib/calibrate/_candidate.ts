/**
 * Training a candidate in a staging MODEL_PATH (from a copy of the
 * published pipeline).
 *
 * @module
 */
import { trainFromFrame } from "../train/train_from_data.ts";
import { pipelineFolder } from "../pipeline/list_pipelines.ts";
import { formatPipelineTime } from "../pipeline/pipeline_metadata.ts";
import {
  readExistingPipeline,
  writePipelineFiles,
} from "../pipeline/write_pipeline.ts";
import {
  loadPipelineDir,
  type ServedPipeline,
} from "../serve/pipeline_catalog.ts";
import type {
  EnergySource,
  FeatureGroup,
  MachineSpec,
  TrainerName,
} from "../types.ts";
import { stagePipeline } from "./publish_candidate.ts";
import type { Split } from "./_windows.ts";

/** A model's error on holdout rows: per `source/component` and their mean. */
export interface HoldoutError {
  mean: number;
  errors: Record<string, number>;
}

/** What a staged candidate is trained with. */
export interface StagedTraining {
  pipelineName: string;
  trainers: readonly TrainerName[];
  featureGroup: FeatureGroup;
  sources: readonly EnergySource[];
  machineSpec: MachineSpec;
  machineId: string;
  /** Unix seconds: the pipeline's update time. */
  now: number;
}

/**
 * Copies the published pipeline into `staging`, trains the split's rows of
 * every source into it and writes its metadata.json; returns it as `serve`
 * would load it.
 */
export async function trainStaged(
  staging: string,
  modelPath: string,
  split: Split,
  o: StagedTraining,
): Promise<ServedPipeline> {
  await stagePipeline(modelPath, o.pipelineName, staging);
  for (const [, frame] of split.train) {
    await trainFromFrame(frame, {
      modelPath: staging,
      pipelineName: o.pipelineName,
      trainers: o.trainers,
      featureGroup: o.featureGroup,
      machineSpec: o.machineSpec,
      machineId: o.machineId,
      cvFolds: 0,
      minRows: 5,
    });
  }
  const dir = pipelineFolder(staging, o.pipelineName);
  const old = (await readExistingPipeline(dir, o.pipelineName)).metadata;
  const time = formatPipelineTime(new Date(o.now * 1000));
  await writePipelineFiles(dir, {
    metadata: {
      ...old,
      name: o.pipelineName,
      isolator: old?.isolator ?? "none",
      extractor: old?.extractor ?? "default",
      abs_trainers: [...o.trainers],
      dyn_trainers: old?.dyn_trainers ?? [],
      metric_type: "bm_metrics",
      init_time: old?.init_time ?? time,
      last_update_time: time,
      energy_sources: [...o.sources],
    },
  });
  return await loadPipelineDir(dir, { name: o.pipelineName });
}
