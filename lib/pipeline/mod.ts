/**
 * A trained pipeline on disk, in upstream kepler-model-server's layout: the
 * one module that reads and writes a pipeline folder (model files, Kepler
 * weight files, the node type index, the pipeline's metadata and its
 * summary CSVs).
 *
 * ## The generation contract
 *
 * A training publishes a pipeline as a whole generation, so no reader ever
 * sees a mix of two trainings:
 *
 * ```
 * <models>/<pipeline>                      symlink → .<pipeline>.generations/<n>
 * <models>/.<pipeline>.generations/<n>/    published generations; n only grows
 * <models>/.<pipeline>.building-<id>/      a generation being built
 * <models>/<pipeline>.zip                  the current generation, zipped
 * ```
 *
 * 1. `beginGeneration` builds the new generation aside, in
 *    `.<pipeline>.building-<id>/`, starting from hard links to the published
 *    generation's files (so a training continues: other node types are
 *    kept, XgboostFit continues from its checkpoints). Every write is a
 *    rename of a new file, never a write into a linked one, so the
 *    published files never change.
 * 2. `publish()` renames the finished folder to
 *    `.<pipeline>.generations/<n>` and then swaps the symlink
 *    `<models>/<pipeline>` to it by renaming a new symlink over it: one
 *    rename(2), atomic. A reader that opens a path through
 *    `<models>/<pipeline>` sees the old generation before that instant and
 *    the new one after; a reader that resolved the link earlier keeps
 *    reading its (complete) generation.
 * 3. After the swap the zip `<pipeline>.zip` is written (atomically) from
 *    the new generation, and generations older than the previous one are
 *    removed (the previous one is kept for readers still in it).
 * 4. A training that fails or is killed before the swap leaves the
 *    published pipeline as it was (`abort()` removes the folder being
 *    built; a killed run leaves a `.<pipeline>.building-<id>/` folder that
 *    no reader looks at). Names starting with `.` are never pipelines.
 *
 * A pipeline folder of the layout before generations (a real folder) is
 * moved into `.<pipeline>.generations/` and replaced by a symlink on the
 * first publish; during that one migration the name is missing for the
 * instant between two renames. Readers address everything through
 * `<models>/<pipeline>`, so upstream's layout below it is unchanged. One
 * writer per pipeline at a time: two concurrent trainings each publish a
 * complete generation, and the last one wins.
 *
 * @module
 */
export { readPipeline } from "./read_pipeline.ts";
export { dirSource, zipSource } from "./pipeline_source.ts";
export { listPipelineNames, pipelineFolder } from "./list_pipelines.ts";
export { preprocessedCsvPath } from "./read_preprocessed.ts";
export { beginGeneration } from "./generation.ts";
export {
  keplerCurveOf,
  keplerPredict,
  readWeightFile,
  toKeplerWeightJson,
  WEIGHT_FORMATS,
} from "./kepler_weight_file.ts";
export {
  findNodeType,
  readNodeTypeIndex,
  specSimilarity,
} from "./node_type_index.ts";
export { parsePythonList, pythonRepr, rankingError } from "./model_metadata.ts";
export { writeModel } from "./model_files.ts";
export type {
  ModelJson,
  ModelToWrite,
  WriteModelOptions,
} from "./model_files.ts";
export type {
  MetadataOrigin,
  ModelForms,
  ModelSummary,
  Pipeline,
  PipelineModel,
  ReadPipelineOptions,
} from "./read_pipeline.ts";
export type { SummaryRow } from "./pipeline_metadata.ts";
export type {
  KeplerCurve,
  KeplerWeights,
  WeightFile,
  WeightFormat,
} from "./kepler_weight_file.ts";
export type {
  NodeTypeEntry,
  NodeTypeIndex,
  NodeTypeMatch,
} from "./node_type_index.ts";
export type { ListPipelinesOptions } from "./list_pipelines.ts";
export type {
  BeginGenerationOptions,
  Generation,
  PublishOptions,
} from "./generation.ts";
export type { PipelineSource, SourceEntry } from "./pipeline_source.ts";
export type { ZipEntries, ZipLimits } from "../io/zip.ts";
export type { ModelMetadata } from "./model_metadata.ts";
