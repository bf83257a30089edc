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
 * <models>/<pipeline>.zip                  symlink → <pipeline>/.pipeline.zip
 * <models>/.<pipeline>.generations/<n>/    the current and the previous generation
 * <models>/.<pipeline>.generations/<n>/.pipeline.zip   that generation, zipped
 * <models>/.<pipeline>.<8 hex>.tmp/        a generation being built (locked)
 * <models>/.<pipeline>.lock                the writer's lock, while it runs
 * ```
 *
 * 1. One writer per pipeline: `lockPipeline` (or `beginGeneration` without
 *    a lock) takes an exclusive `flock` on `.<pipeline>.lock`; a second
 *    writer fails at once (`Deno.errors.Busy`). The kernel drops the lock
 *    of a killed writer. Under the lock, what a killed writer left is
 *    cleaned (lib/io/stale_temps.ts: temps nobody holds locked; a
 *    generation never pointed at; generations no longer kept) and reported
 *    in `swept`.
 * 2. `beginGeneration` builds the new generation aside, in
 *    `.<pipeline>.<8 hex>.tmp/` (the same temp naming as every atomic
 *    write, locked while built), starting from hard links to the published
 *    generation's files (so a training continues: other node types are
 *    kept, XgboostFit continues from its checkpoints). Every write is a
 *    rename of a new file, never a write into a linked one, so the
 *    published files never change.
 * 3. `publish()` zips the new generation into its own `.pipeline.zip`,
 *    renames the folder to `.<pipeline>.generations/<n>` and then swaps
 *    the symlink `<models>/<pipeline>` to it by renaming a new symlink over
 *    it: one rename(2), atomic, and the commit point. `<pipeline>.zip`
 *    reaches the zip through `<pipeline>`, so folder and zip swap
 *    together. Generations other than the new one and the one before it
 *    (kept for readers still in it) are removed.
 * 4. A training that fails or is killed before the swap leaves the
 *    published pipeline as it was. Names starting with `.` are never
 *    pipelines, and hidden files are not pipeline files.
 * 5. Readers pin one generation: `dirSource` resolves the link once, so a
 *    read that spans a swap keeps reading the generation it started in.
 *
 * A pipeline of an earlier layout (a real folder, or a `<pipeline>.zip`
 * file written after the swap) is migrated on its next publish: the
 * folder is copied (hard links) into a generation and replaced by the
 * link (moved aside as `.<pipeline>.<8 hex>.old` first; a kill between
 * the two renames is undone by the next sweep, which puts the folder
 * back), then that generation is republished with the zip readers had
 * inside it, and `<pipeline>.zip` becomes the link. Readers address
 * everything through `<models>/<pipeline>`, so upstream's layout below it
 * is unchanged.
 *
 * @module
 */
export { readPipeline } from "./read_pipeline.ts";
export { dirSource, zipSource } from "./pipeline_source.ts";
export { listPipelineNames, pipelineFolder } from "./list_pipelines.ts";
export { preprocessedCsvPath } from "./read_preprocessed.ts";
export { beginGeneration, lockPipeline } from "./generation.ts";
export {
  keplerCurveOf,
  keplerPredict,
  readWeightFile,
  toKeplerWeightJson,
  WEIGHT_FORMATS,
} from "./kepler_weight_file.ts";
export {
  closestBySpec,
  findNodeType,
  readNodeTypeIndex,
  specSimilarity,
} from "./node_type_index.ts";
export { parsePythonList, pythonRepr, rankingError } from "./model_metadata.ts";
export { writeModel } from "./model_files.ts";
export { vmRawWeights, vmWeightsFor } from "./vm_weights.ts";
export type { ComponentWeights, VmRawWeights } from "./vm_weights.ts";
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
  ClosestBySpec,
  ClosestBySpecOptions,
  NodeTypeEntry,
  NodeTypeIndex,
  NodeTypeMatch,
  SpecMatch,
} from "./node_type_index.ts";
export type { ListPipelinesOptions } from "./list_pipelines.ts";
export type {
  BeginGenerationOptions,
  Generation,
  PipelineLock,
} from "./generation.ts";
export type { PipelineSource, SourceEntry } from "./pipeline_source.ts";
export type { SweepResult } from "../io/stale_temps.ts";
export type { ZipEntries, ZipLimits } from "../io/zip.ts";
export type { ModelMetadata } from "./model_metadata.ts";
