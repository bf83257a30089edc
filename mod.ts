/**
 * kepler-model: trains, exports and serves power models for Kepler, the
 * Kubernetes energy exporter, from its Prometheus metrics.
 *
 * This root module holds the few entry points a notebook or a library user
 * starts from, one or two per stage, in the order data flows:
 * simulate or query → validate → extract → isolate → train → estimate →
 * export → serve, with plotting beside. Each stage's whole public API is a
 * subpath of its own: `@kepler/model/query`, `/extract`, `/isolate`,
 * `/train`, `/pipeline`, `/estimate`, `/export`, `/serve`, `/calibrate`, `/simulate`,
 * `/plot`, and `/types` for the shared vocabulary.
 *
 * @example A simulated benchmark, trained and estimated end to end
 * ```ts
 * import { estimate, queryDataFrom, queryResult, simulate, trainPipeline } from "./mod.ts";
 * import { ok as assert } from "node:assert/strict";
 * const sim = simulate({ duration: 900, containers: 5, seed: 1, sources: ["rapl-sysfs"] });
 * const data = queryDataFrom(queryResult(sim));
 * const modelPath = await Deno.makeTempDir();
 * try {
 *   await trainPipeline([data], {
 *     modelPath,
 *     pipelineName: "example",
 *     sources: ["rapl-sysfs"],
 *     featureGroups: ["BPFOnly"],
 *     absTrainers: ["LinearRegressionTrainer"],
 *     dynTrainers: [],
 *     machineSpec: sim.spec,
 *     workers: 1,
 *   });
 *   const report = await estimate([data], { pipelines: [`${modelPath}/example`] });
 *   assert(report.sources[0]!.best.name.startsWith("LinearRegressionTrainer"));
 * } finally {
 *   await Deno.remove(modelPath, { recursive: true });
 * }
 * ```
 *
 * @module
 */

// simulate and query: the benchmark's metrics
export { queryResult, simulate } from "./lib/simulate/mod.ts";
export { collectQuery, readQueryJson, validateQuery } from "./lib/query/mod.ts";
// extract and isolate: features and power per component
export {
  extract,
  queryDataFrom,
  validFeatureGroups,
} from "./lib/extract/mod.ts";
export { isolate, prepareFrames } from "./lib/isolate/mod.ts";
// train: a pipeline of models on disk, and the models themselves
export { loadModel, trainModel, trainPipeline } from "./lib/train/mod.ts";
export {
  keplerPredict,
  readPipeline,
  readWeightFile,
} from "./lib/pipeline/mod.ts";
// estimate, export, serve
export { estimate } from "./lib/estimate/mod.ts";
export { exportPipeline } from "./lib/export/mod.ts";
export { estimatePower, startModelServer } from "./lib/serve/mod.ts";
// calibrate
export { Calibrator } from "./lib/calibrate/mod.ts";
// plot
export {
  errorFigure,
  estimateFigure,
  figureHtmlFragment,
  plotlySource,
  powerCurveFigure,
  preprocessFigure,
  writeHtmlReport,
} from "./lib/plot/mod.ts";
// the vocabulary
export {
  parseEnergySource,
  parseFeatureGroup,
  parseOutputType,
  parseTrainerName,
} from "./lib/types.ts";
export type {
  EnergySource,
  ErrorKey,
  FeatureGroup,
  MachineSpec,
  ModelKind,
  OutputType,
  TrainerName,
} from "./lib/types.ts";
