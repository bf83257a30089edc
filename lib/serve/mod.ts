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
export { HTTP_ENGINES, ModelServer, startModelServer } from "./model_server.ts";
export { RELOAD_MODES } from "./watch_model_path.ts";
export {
  EstimatorSocket,
  serveEstimatorSocket,
  SOCKET_FRAMINGS,
} from "./estimator_socket.ts";
export { estimatePower } from "./estimate_power.ts";
export { loadPipelineDir, loadPipelineZip } from "./pipeline_catalog.ts";
export { parsePowerRequest } from "./power_request.ts";
export { parseModelRequest } from "./model_request.ts";
export { bestModels, selectModel } from "./select_model.ts";
export { generationOf, nodeTypeModels } from "./node_type_models.ts";
export type { NodeTypeModel } from "./node_type_models.ts";
export { fetchPipeline } from "./fetch_pipeline.ts";
export { loadInitUrlModel } from "./init_url_models.ts";
export type { InitUrlModel, InitUrlOptions } from "./init_url_models.ts";
export {
  INIT_URL_TARGETS,
  parseModelConfig,
} from "../vocabulary/model_config.ts";
export { RemoteModels } from "./remote_models.ts";
export type { RemoteModelsOptions } from "./remote_models.ts";
export type { DownloadLimits } from "./_download.ts";
export type {
  LoadPipelineOptions,
  ServedModel,
  ServedPipeline,
} from "./pipeline_catalog.ts";
export type { ModelRequest } from "./model_request.ts";
export type { PowerRequest, PowerRequestOptions } from "./power_request.ts";
export type {
  BestModelsQuery,
  ModelNeed,
  ModelQuery,
  ModelSelection,
  NodeMatch,
  SelectOptions,
} from "./select_model.ts";
export type { ReloadMode } from "./watch_model_path.ts";
export type { EstimatePool } from "./_estimate_pool.ts";
export type {
  FittedComponents,
  Prediction,
  WeightComponents,
  WeightInput,
} from "./_predict.ts";
export type { ZipLimits } from "../io/zip.ts";
export type { EstimatePowerOptions, PowerEstimate } from "./estimate_power.ts";
export type { FetchPipelineOptions } from "./fetch_pipeline.ts";
export type { HttpReply, HttpRequest } from "../http1/types.ts";
export type {
  EstimatorSocketOptions,
  SocketFraming,
  SocketHandler,
} from "./estimator_socket.ts";
export type {
  HttpEngine,
  ModelServerOptions,
  RoutedRequest,
} from "./model_server.ts";
export type { ModelFilter } from "./model_filter.ts";
