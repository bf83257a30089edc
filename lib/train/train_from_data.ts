/**
 * Training from a preprocessed CSV (upstream's `train_from_data`): the way
 * to reuse published preprocessed data. The CSV has upstream's columns
 * (`timestamp`, the features, `<component>_power`, `node_type`); the feature
 * group and energy source are inferred from the columns when not given.
 * Unlike upstream, the models are written with the pipeline's summary CSV
 * and node-type index, not only printed.
 *
 * @module
 */
import type { Frame } from "../extract/frame.ts";
import { writeJsonFile } from "../io/json.ts";
import { groupDir, pipelineDir, pipelineFile } from "../layout.ts";
import {
  ALL_FEATURE_GROUPS,
  type EnergySource,
  FEATURE_GROUP_FEATURES,
  type FeatureGroup,
  type MachineSpec,
  type OutputType,
  type TrainerName,
} from "../types.ts";
import { writeModel } from "../pipeline/model_files.ts";
import { readCheckpoints } from "./loaded_model.ts";
import {
  indexMachine,
  readNodeTypeIndex,
} from "../pipeline/node_type_index.ts";
import {
  type ReportedModel,
  type TrainFailure,
  writeSummary,
} from "./pipeline.ts";
import { frameNodeTypes, type SplitKind, trainModel } from "./train_model.ts";

/**
 * The feature group whose features are exactly a frame's feature columns.
 *
 * @example
 * ```ts
 * import { featureGroupOfColumns } from "./train_from_data.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(featureGroupOfColumns(["bpf_page_cache_hit", "bpf_cpu_time_ms"]), "BPFOnly");
 * assertEquals(featureGroupOfColumns(["x"]), undefined);
 * ```
 */
export function featureGroupOfColumns(
  features: readonly string[],
): FeatureGroup | undefined {
  const key = [...features].sort().join(",");
  return ALL_FEATURE_GROUPS.find((g) =>
    FEATURE_GROUP_FEATURES[g].length > 0 &&
    FEATURE_GROUP_FEATURES[g].join(",") === key
  );
}

/** Options of {@linkcode trainFromFrame}. */
export interface TrainFromFrameOptions {
  /** MODEL_PATH. */
  modelPath: string;
  /** Pipeline name. Default: `"default"`. */
  pipelineName?: string;
  /** Trainers. Default: `["XgboostFitTrainer"]` (upstream's `--trainers`). */
  trainers?: readonly TrainerName[];
  /** Output type of the data. Default: `"AbsPower"`. */
  outputType?: OutputType;
  /** Feature group. Default: inferred from the feature columns. */
  featureGroup?: FeatureGroup;
  /** Split. Default: `"time"`. */
  split?: SplitKind;
  /** Seed. Default: 42. */
  seed?: number;
  /** Machine spec: indexed, and its node type replaces the CSV's node_type. */
  machineSpec?: MachineSpec;
  /** Machine id for the index. Default: `"unknown"`. */
  machineId?: string;
}

/** What {@linkcode trainFromFrame} trained. */
export interface TrainFromFrameReport {
  /** The pipeline folder. */
  pipelineDir: string;
  /** The energy source of the data. */
  source: EnergySource;
  /** The feature group. */
  featureGroup: FeatureGroup;
  /** Models trained. */
  models: ReportedModel[];
  /** Failures skipped. */
  failures: TrainFailure[];
}

/** Trains models from a frame read from a preprocessed CSV. */
export async function trainFromFrame(
  frame: Frame,
  options: TrainFromFrameOptions,
): Promise<TrainFromFrameReport> {
  const featureGroup = options.featureGroup ??
    featureGroupOfColumns(frame.featureNames);
  if (featureGroup === undefined) {
    throw new RangeError(
      `Cannot tell the feature group of columns [${
        frame.featureNames.join(", ")
      }]: pass --feature-group`,
    );
  }
  const outputType = options.outputType ?? "AbsPower";
  const dir = pipelineDir(options.modelPath, options.pipelineName ?? "default");
  const indexPath = pipelineFile(dir, "nodeTypeIndex");
  let index = await readNodeTypeIndex(indexPath);
  let data = frame;
  if (options.machineSpec !== undefined) {
    const r = indexMachine(
      index,
      options.machineSpec,
      options.machineId ?? "unknown",
    );
    index = r.index;
    data = {
      ...frame,
      nodeType: new Int32Array(frame.length).fill(r.nodeType),
    };
  }
  const folder = groupDir(dir, frame.source, outputType, featureGroup);
  const report: TrainFromFrameReport = {
    pipelineDir: dir,
    source: frame.source,
    featureGroup,
    models: [],
    failures: [],
  };
  for (const nodeType of frameNodeTypes(data)) {
    for (const trainer of options.trainers ?? ["XgboostFitTrainer"]) {
      try {
        const init = trainer === "XgboostFitTrainer"
          ? await readCheckpoints(folder, trainer, nodeType, data.components)
          : {};
        const spec = index[String(nodeType)]?.attrs;
        const trained = trainModel(data, trainer, {
          featureGroup,
          outputType,
          nodeType,
          split: options.split ?? "time",
          seed: options.seed ?? 42,
          init,
          ...(spec ? { machineSpec: spec } : {}),
        });
        await writeModel(folder, trained);
        report.models.push({
          source: frame.source,
          outputType,
          featureGroup,
          metadata: trained.metadata,
        });
      } catch (error) {
        report.failures.push({
          source: frame.source,
          featureGroup,
          outputType,
          trainer,
          message: (error as Error).message,
        });
      }
    }
  }
  await writeJsonFile(indexPath, index, { indent: 0 });
  await writeSummary(dir, frame.source, outputType);
  return report;
}
