/**
 * Serving models to Kepler: a model server (on our HTTP/1.1 layer with
 * deadlines, lib/http1's `serveHttp1`, or on `Deno.serve`) compatible with
 * upstream's `model-server` (`POST /model`, `GET /best-models`), an
 * estimator (`POST /estimate`, and upstream's sidecar protocol on a unix
 * socket), model selection by node type and machine-spec similarity with
 * working filters, pipelines from MODEL_PATH (reloaded on change) and from
 * downloaded zips held in memory, health and Prometheus metrics.
 *
 * @module
 */
export {
  HIGHER_IS_BETTER,
  parseModelFilter,
  passesModelFilter,
} from "./model_filter.ts";
export type { ModelFilter } from "./model_filter.ts";
export { parseModelRequest, requestSource } from "./model_request.ts";
export type { ModelRequest } from "./model_request.ts";
export { parsePowerRequest } from "./power_request.ts";
export type { PowerRequest, PowerRequestOptions } from "./power_request.ts";
export {
  listPipelineDirs,
  loadPipelineDir,
  loadPipelineZip,
} from "./pipeline_catalog.ts";
export type {
  LoadPipelineOptions,
  ServedModel,
  ServedPipeline,
} from "./pipeline_catalog.ts";
export {
  bestModels,
  choosePipeline,
  DEFAULT_PIPELINES,
  isCandidate,
  rankCandidates,
  selectModel,
} from "./select_model.ts";
export type {
  BestModelsQuery,
  ModelNeed,
  ModelQuery,
  ModelSelection,
  NodeMatch,
  SelectOptions,
} from "./select_model.ts";
export { estimatePower } from "./estimate_power.ts";
export type { EstimatePowerOptions, PowerEstimate } from "./estimate_power.ts";
export { JsonFrameScanner } from "./json_frame.ts";
export {
  EstimatorSocket,
  serveEstimatorSocket,
  SOCKET_FRAMINGS,
} from "./estimator_socket.ts";
export type {
  EstimatorSocketOptions,
  SocketFraming,
  SocketHandler,
} from "./estimator_socket.ts";
export {
  escapeLabelValue,
  LATENCY_BUCKETS,
  ServerMetrics,
} from "./server_metrics.ts";
export type { GaugeSample } from "./server_metrics.ts";
export { HttpError, parseJsonBody, readBody } from "./read_body.ts";
export type { ReadBodyOptions } from "./read_body.ts";
export { fetchPipeline, pipelineNameOfUrl } from "./fetch_pipeline.ts";
export type { FetchPipelineOptions } from "./fetch_pipeline.ts";
export {
  pipelineSignature,
  RELOAD_MODES,
  watchModelPath,
} from "./watch_model_path.ts";
export type {
  ModelPathWatcher,
  ReloadMode,
  WatchModelPathOptions,
} from "./watch_model_path.ts";
export { HTTP_ENGINES, ModelServer, startModelServer } from "./model_server.ts";
export type {
  HttpEngine,
  ModelServerOptions,
  RoutedRequest,
} from "./model_server.ts";
