/**
 * A trained pipeline on disk, in upstream kepler-model-server's layout: the
 * one module that reads and writes a pipeline folder (model files, Kepler
 * weight files, the node type index, the pipeline's metadata and its
 * summary CSVs).
 *
 * @module
 */
export {
  checkNodeTypeIndex,
  findNodeType,
  indexMachine,
  jaccard,
  nodeTypes,
  readNodeTypeIndex,
  SIMILARITY_WEIGHTS,
  specCovers,
  specSimilarity,
} from "./node_type_index.ts";
export type {
  NodeTypeEntry,
  NodeTypeIndex,
  NodeTypeMatch,
} from "./node_type_index.ts";
export {
  keplerCurveOf,
  keplerPredict,
  readWeightFile,
  toKeplerWeightJson,
  toV0711WeightJson,
  WEIGHT_FORMATS,
} from "./kepler_weight_file.ts";
export type {
  KeplerCurve,
  KeplerWeights,
  WeightFile,
  WeightFormat,
} from "./kepler_weight_file.ts";
export {
  formatPipelineTime,
  modelMetadataTable,
  SUMMARY_COLUMNS,
} from "./pipeline_metadata.ts";
export type {
  PipelineMetadata,
  SummaryOptions,
  SummaryRow,
} from "./pipeline_metadata.ts";
export {
  listModelDirs,
  readCheckpointJson,
  readStoredModelDir,
  readStoredModelZipEntries,
  writeModel,
} from "./model_files.ts";
export type {
  ModelDictEntry,
  ModelJson,
  ModelToWrite,
  StoredModel,
  WriteModelOptions,
} from "./model_files.ts";
export { pythonFloat, pythonRepr } from "./model_metadata.ts";
export type { ModelMetadata } from "./model_metadata.ts";
