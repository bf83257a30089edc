/**
 * Every path and file name kepler-model reads or writes, built from typed
 * keys. No other module joins file names: they call these functions.
 *
 * The names follow upstream kepler-model-server (seed 002's tree and the tree
 * its HEAD 3829b624 writes when run, `full-file-listing.txt` in
 * test/testdata), so
 * a pipeline written here can be read by tools that read upstream's, with one
 * documented difference: models are JSON files where upstream writes pickles
 * (`<component>.json` and `scaler.json` instead of `.pkl`).
 *
 * @module
 */
import { basename, dirname, isAbsolute, join } from "node:path";
import type {
  Component,
  EnergySource,
  ExtractorName,
  FeatureGroup,
  IsolatorName,
  OutputType,
  TrainerName,
} from "./types.ts";

/** Strips one trailing extension (e.g. `.json`) from a name, if present. */
export function stripExtension(name: string, extension: string): string {
  return name.endsWith(extension) ? name.slice(0, -extension.length) : name;
}

// ------------------------------------------------------------- DATAPATH

/**
 * A file under DATAPATH as upstream's `os.path.join` makes it: a name that
 * is an absolute path is that path (it replaces the folders before it), so
 * `train -i /data/kepler_query` reads `/data/kepler_query.json` wherever
 * DATAPATH points; any other name is below DATAPATH.
 *
 * @example
 * ```ts
 * import { dataFile } from "./layout.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(dataFile("/data", "q.json"), "/data/q.json");
 * assertEquals(dataFile("/data", "/runs/q.json"), "/runs/q.json");
 * ```
 */
export function dataFile(dataPath: string, file: string): string {
  return isAbsolute(file) ? file : join(dataPath, file);
}

/**
 * A query JSON (`query -o NAME`, `train -i NAME`): `<data>/<name>.json`.
 * The name may be given with or without `.json`.
 *
 * @example
 * ```ts
 * import { queryFile } from "./layout.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(queryFile("/data", "kepler_query"), "/data/kepler_query.json");
 * assertEquals(queryFile("/data", "output.json"), "/data/output.json");
 * ```
 */
export function queryFile(dataPath: string, name: string): string {
  return dataFile(dataPath, `${stripExtension(name, ".json")}.json`);
}

/** Per-metric CSVs of `query --to-csv`: `<data>/<name>_csv/`. */
export function queryCsvDir(dataPath: string, name: string): string {
  return dataFile(dataPath, `${stripExtension(name, ".json")}_csv`);
}

/** One per-metric CSV of `query --to-csv`. */
export function queryCsvFile(
  dataPath: string,
  name: string,
  metric: string,
): string {
  return join(queryCsvDir(dataPath, name), `${metric}.csv`);
}

/**
 * A metric's CSV inside a `--to-csv` folder (or its temp copy):
 * `<dir>/<metric>.csv`.
 */
export function metricCsvFile(csvDir: string, metric: string): string {
  return join(csvDir, `${metric}.csv`);
}

/** The validate table of a query: `<data>/<name>_validate_result.csv`. */
export function validateResultFile(dataPath: string, name: string): string {
  return dataFile(
    dataPath,
    `${stripExtension(name, ".json")}_validate_result.csv`,
  );
}

/** A benchmark file with startTimeUTC and endTimeUTC: `<data>/<name>.json`. */
export function benchmarkFile(dataPath: string, name: string): string {
  return dataFile(dataPath, `${stripExtension(name, ".json")}.json`);
}

/** A machine spec: `<data>/machine_spec/<id>.json`. */
export function machineSpecFile(dataPath: string, id: string): string {
  return join(dataPath, "machine_spec", `${stripExtension(id, ".json")}.json`);
}

/** The ground truth of a simulated query: `<data>/<name>_truth.csv`. */
export function simulationTruthFile(dataPath: string, name: string): string {
  return dataFile(dataPath, `${stripExtension(name, ".json")}_truth.csv`);
}

/** The OpenMetrics text of a simulated query: `<data>/<name>.om`. */
export function simulationOpenMetricsFile(
  dataPath: string,
  name: string,
): string {
  return dataFile(dataPath, `${stripExtension(name, ".json")}.om`);
}

/**
 * The metadata of a simulated query (options, seed, workload plan, injected
 * faults): `<data>/<name>_simulation.json`.
 */
export function simulationMetadataFile(dataPath: string, name: string): string {
  return dataFile(dataPath, `${stripExtension(name, ".json")}_simulation.json`);
}

/**
 * The file stem of a VM host simulation's host view (`simulate --vms`):
 * `<name>_host` (query JSON `<name>_host.json`, truth
 * `<name>_host_truth.csv`, metadata `<name>_host_simulation.json`,
 * machine spec id).
 *
 * @example
 * ```ts
 * import { queryFile, vmHostStem } from "./layout.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(queryFile("/data", vmHostStem("sim.json")), "/data/sim_host.json");
 * ```
 */
export function vmHostStem(name: string): string {
  return `${stripExtension(name, ".json")}_host`;
}

/**
 * The file stem of one guest's view in a VM host simulation:
 * `<name>_vm_<vm>` (query JSON `<name>_vm_<vm>.json`, machine spec id).
 *
 * @example
 * ```ts
 * import { queryFile, vmGuestStem } from "./layout.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(queryFile("/data", vmGuestStem("sim", "web")), "/data/sim_vm_web.json");
 * ```
 */
export function vmGuestStem(name: string, vm: string): string {
  return `${stripExtension(name, ".json")}_vm_${vm}`;
}

/** The ground truth per VM of a VM host simulation: `<data>/<name>_vm_truth.csv`. */
export function vmTruthFile(dataPath: string, name: string): string {
  return dataFile(dataPath, `${stripExtension(name, ".json")}_vm_truth.csv`);
}

/**
 * `<data>/<prefix><name>.csv`. A name holding `/` is refused (RangeError):
 * its folders would come after the prefix, as upstream's
 * `os.path.join(data_path, "extracted_" + output)` puts them.
 */
function prefixedCsvFile(dataPath: string, prefix: string, name: string) {
  if (name.includes("/")) {
    throw new RangeError(
      `"${name}" cannot name ${prefix}<name>.csv: a name with a prefix cannot hold "/" (the file goes in DATAPATH; give a plain name and set DATAPATH to choose the folder)`,
    );
  }
  return join(dataPath, `${prefix}${stripExtension(name, ".csv")}.csv`);
}

/** `extract -o NAME` output: `<data>/extracted_<name>.csv` (no `/` in NAME). */
export function extractedFile(dataPath: string, name: string): string {
  return prefixedCsvFile(dataPath, "extracted_", name);
}

/** `isolate -o NAME` output: `<data>/isolated_<name>.csv` (no `/` in NAME). */
export function isolatedFile(dataPath: string, name: string): string {
  return prefixedCsvFile(dataPath, "isolated_", name);
}

/** A CSV named by `-i`/`-o`: `<data>/<name>.csv`. */
export function csvFile(dataPath: string, name: string): string {
  return dataFile(dataPath, `${stripExtension(name, ".csv")}.csv`);
}

/** An output folder under DATAPATH (`estimate`, `plot`): `<data>/<name>/`. */
export function outputDir(dataPath: string, name: string): string {
  return dataFile(dataPath, name);
}

// ------------------------------------------------------------ pipelines

/**
 * The pipeline name used when none is given (upstream's
 * `default_train_output_pipeline`).
 */
export const DEFAULT_PIPELINE_NAME = "std_v0.7.11";

/**
 * Where `-p NAME` puts a pipeline, as upstream's
 * `os.path.join(MODEL_PATH, NAME)` does: a plain name is a pipeline in
 * MODEL_PATH; a name with folders names the pipeline's own folder (below
 * MODEL_PATH when relative, as it is when absolute), whose last part is
 * the pipeline and whose parent holds it (its archive and generations sit
 * beside it there). A name whose last part is empty, `.` or `..` names no
 * pipeline: a `RangeError`.
 *
 * @example
 * ```ts
 * import { pipelineLocation } from "./layout.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(pipelineLocation("/m", "std"), { modelPath: "/m", pipeline: "std" });
 * assertEquals(pipelineLocation("/m", "a/std"), { modelPath: "/m/a", pipeline: "std" });
 * assertEquals(pipelineLocation("/m", "/runs/std/"), { modelPath: "/runs", pipeline: "std" });
 * ```
 */
export function pipelineLocation(
  modelPath: string,
  name: string,
): { modelPath: string; pipeline: string } {
  if (!name.includes("/")) {
    if (name === "" || name === "." || name === "..") {
      throw new RangeError(`"${name}" is not a pipeline name`);
    }
    return { modelPath, pipeline: name };
  }
  const folder = dataFile(modelPath, name.replace(/\/+$/, ""));
  const pipeline = basename(folder);
  if (pipeline === "" || pipeline === "." || pipeline === "..") {
    throw new RangeError(`"${name}" names no pipeline folder`);
  }
  return { modelPath: dirname(folder), pipeline };
}

/** The pipeline folder: `<models>/<pipeline>/`. */
export function pipelineDir(modelPath: string, pipeline: string): string {
  return join(modelPath, pipeline);
}

/** The pipeline archive next to its folder: `<models>/<pipeline>.zip`. */
export function pipelineZip(modelPath: string, pipeline: string): string {
  return join(modelPath, `${pipeline}.zip`);
}

/**
 * The published generations of a pipeline:
 * `<models>/.<pipeline>.generations/` (see lib/pipeline/generation.ts).
 */
export function pipelineGenerationsDir(
  modelPath: string,
  pipeline: string,
): string {
  return join(modelPath, `.${pipeline}.generations`);
}

/**
 * A generation's own zip, hidden inside it: `<generation>/.pipeline.zip`;
 * `<models>/<pipeline>.zip` is a link to it through `<models>/<pipeline>`.
 */
export function generationZip(generationFolder: string): string {
  return join(generationFolder, ".pipeline.zip");
}

/**
 * The lock file of what `name` names in `folder`: `<folder>/.<name>.lock`,
 * held by the one writer (lib/io/lock.ts), e.g. a pipeline's.
 */
export function lockFile(folder: string, name: string): string {
  return join(folder, `.${name}.lock`);
}

/** Files directly inside a pipeline folder. */
export const PIPELINE_FILES = {
  metadata: "metadata.json",
  trainArguments: "train_arguments.json",
  nodeTypeIndex: "node_type_index.json",
  readme: "README.md",
  vmCrossValidation: "vm_cross_validation.json",
} as const;

/** A file directly inside a pipeline folder. */
export function pipelineFile(
  pipelineFolder: string,
  file: keyof typeof PIPELINE_FILES,
): string {
  return join(pipelineFolder, PIPELINE_FILES[file]);
}

/**
 * The model summary of a pipeline:
 * `<pipeline>/<source>_<AbsPower|DynPower>_model_metadata.csv`.
 */
export function modelMetadataCsv(
  pipelineFolder: string,
  source: EnergySource,
  outputType: OutputType,
): string {
  return join(pipelineFolder, `${source}_${outputType}_model_metadata.csv`);
}

/** Preprocessed data folder: `<pipeline>/preprocessed_data/`. */
export function preprocessedDir(pipelineFolder: string): string {
  return join(pipelineFolder, "preprocessed_data");
}

/** Keys of a preprocessed CSV. */
export interface PreprocessedKey {
  /** AbsPower data is extracted; DynPower data is isolated too. */
  outputType: OutputType;
  /** The extractor that made it. */
  extractor: ExtractorName;
  /** The isolator (DynPower only). */
  isolator: IsolatorName;
  /** The energy source. */
  source: EnergySource;
  /** The feature group. */
  featureGroup: FeatureGroup;
}

/**
 * A preprocessed CSV, named as upstream:
 * `preprocess_abs_<ext>_<source>_<FG>.csv` or
 * `preprocess_dyn_<ext>_<iso>_<source>_<FG>.csv`.
 *
 * @example
 * ```ts
 * import { preprocessedFile } from "./layout.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(
 *   preprocessedFile("p", { outputType: "DynPower", extractor: "default", isolator: "min", source: "acpi", featureGroup: "BPFOnly" }),
 *   "p/preprocessed_data/preprocess_dyn_default_min_acpi_BPFOnly.csv",
 * );
 * ```
 */
export function preprocessedFile(
  pipelineFolder: string,
  key: PreprocessedKey,
): string {
  const stem = key.outputType === "AbsPower"
    ? `preprocess_abs_${key.extractor}`
    : `preprocess_dyn_${key.extractor}_${key.isolator}`;
  return join(
    preprocessedDir(pipelineFolder),
    `${stem}_${key.source}_${key.featureGroup}.csv`,
  );
}

/** An idle profile: `<pipeline>/profile/<source>.json`. */
export function profileFile(
  pipelineFolder: string,
  source: EnergySource,
): string {
  return join(pipelineFolder, "profile", `${source}.json`);
}

/** The folder of one feature group's models: `<pipeline>/<source>/<ot>/<FG>/`. */
export function groupDir(
  pipelineFolder: string,
  source: EnergySource,
  outputType: OutputType,
  featureGroup: FeatureGroup,
): string {
  return join(pipelineFolder, source, outputType, featureGroup);
}

/**
 * A model name: `<Trainer>_<node type>`.
 *
 * @example
 * ```ts
 * import { modelName } from "./layout.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(modelName("SGDRegressorTrainer", 0), "SGDRegressorTrainer_0");
 * ```
 */
export function modelName(trainer: TrainerName, nodeType: number): string {
  if (!Number.isInteger(nodeType)) {
    throw new RangeError(
      `Cannot name a model: node type must be an integer, got ${nodeType}`,
    );
  }
  return `${trainer}_${nodeType}`;
}

/**
 * A model name's trainer and node type, or undefined when `name` is not a
 * model name (`<Trainer>_<nt>`: a letter, then at most 127 letters, digits
 * or `_`, then `_` and an integer of at most 9 digits). The one model-name
 * pattern: it tells model files from others in a listing; a model's node
 * type is read from its metadata (`modelNodeType` in lib/pipeline).
 */
export function parseModelName(
  name: string,
): { trainer: string; nodeType: number } | undefined {
  const match = /^([A-Za-z][A-Za-z0-9_]{0,127})_(-?\d{1,9})$/.exec(name);
  if (!match || match[1] === undefined || match[2] === undefined) {
    return undefined;
  }
  return { trainer: match[1], nodeType: Number(match[2]) };
}

/** Files inside a model folder. */
export const MODEL_FILES = {
  metadata: "metadata.json",
  weight: "weight.json",
  scaler: "scaler.json",
} as const;

/** A model folder: `<group>/<Trainer>_<nt>/`. */
export function modelDir(groupFolder: string, model: string): string {
  return join(groupFolder, model);
}

/** A model archive: `<group>/<Trainer>_<nt>.zip`. */
export function modelZip(groupFolder: string, model: string): string {
  return join(groupFolder, `${model}.zip`);
}

/** The model dict inside a model folder: `<model dir>/<model>.json`. */
export function modelDictFile(modelFolder: string, model: string): string {
  return join(modelFolder, `${model}.json`);
}

/** One component's model file inside a model folder: `<component>.json`. */
export function componentModelFile(
  modelFolder: string,
  component: Component,
): string {
  return join(modelFolder, `${component}.json`);
}

/** A file inside a model folder. */
export function modelFile(
  modelFolder: string,
  file: keyof typeof MODEL_FILES,
): string {
  return join(modelFolder, MODEL_FILES[file]);
}

/** The checkpoint folder of a feature group: `<group>/checkpoint/`. */
export function checkpointDir(groupFolder: string): string {
  return join(groupFolder, "checkpoint");
}

/** A checkpoint: `<group>/checkpoint/<Trainer>_<component>_<nt>.json`. */
export function checkpointFile(
  groupFolder: string,
  trainer: TrainerName,
  component: Component,
  nodeType: number,
): string {
  return join(
    checkpointDir(groupFolder),
    `${trainer}_${component}_${nodeType}.json`,
  );
}

// --------------------------------------------------------------- export

/** The kepler-model-db version folder: `<models>/v0.7/`. */
export function exportVersionDir(exportPath: string, version = "v0.7"): string {
  return join(exportPath, version);
}

/** The doc page of an exported pipeline: `v0.7/.doc/<pipeline>.md`. */
export function exportDocFile(versionFolder: string, pipeline: string): string {
  return join(exportDocDir(versionFolder), `${pipeline}.md`);
}

/** The pipeline pages' folder: `<version>/.doc/`. */
export function exportDocDir(versionFolder: string): string {
  return join(versionFolder, ".doc");
}

/** An error report: `<pipeline>/error_report/node_type_<n>.md`. */
export function errorReportFile(
  pipelineFolder: string,
  nodeType: number,
): string {
  return join(pipelineFolder, "error_report", `node_type_${nodeType}.md`);
}

/** The exported weight file of a model: `<group>/<model>.json`. */
export function exportedWeightFile(groupFolder: string, model: string): string {
  return join(groupFolder, `${model}.json`);
}

/**
 * The index page of a kepler-model-db version: `v0.7/README.md`.
 *
 * @example
 * ```ts
 * import { exportVersionReadme } from "./layout.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(exportVersionReadme("models/v0.7"), "models/v0.7/README.md");
 * ```
 */
export function exportVersionReadme(versionFolder: string): string {
  return join(versionFolder, "README.md");
}

/**
 * An exported pipeline folder: `v0.7/<pipeline>/`.
 *
 * @example
 * ```ts
 * import { exportPipelineDir } from "./layout.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(exportPipelineDir("models/v0.7", "ec2-0.7.11"), "models/v0.7/ec2-0.7.11");
 * ```
 */
export function exportPipelineDir(
  versionFolder: string,
  pipeline: string,
): string {
  return join(versionFolder, pipeline);
}

/**
 * The archive of an exported pipeline (`export --zip`): `v0.7/<pipeline>.zip`.
 *
 * @example
 * ```ts
 * import { exportPipelineZip } from "./layout.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(exportPipelineZip("models/v0.7", "ec2-0.7.11"), "models/v0.7/ec2-0.7.11.zip");
 * ```
 */
export function exportPipelineZip(
  versionFolder: string,
  pipeline: string,
): string {
  return join(versionFolder, `${pipeline}.zip`);
}

/**
 * The figures of an exported pipeline, one self-contained HTML page next to
 * its README (upstream wrote one PNG per figure): `<pipeline>/figures.html`.
 *
 * @example
 * ```ts
 * import { exportFiguresFile } from "./layout.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(exportFiguresFile("v0.7/std"), "v0.7/std/figures.html");
 * ```
 */
export function exportFiguresFile(pipelineFolder: string): string {
  return join(pipelineFolder, "figures.html");
}

// ------------------------------------------------------------- estimate

/** Estimate output: `<output>/estimation_result.csv` (`<source>_` prefixed). */
export function estimationResultFile(
  outputFolder: string,
  source?: EnergySource,
): string {
  const prefix = source === undefined ? "" : `${source}_`;
  return join(outputFolder, `${prefix}estimation_result.csv`);
}

/** Estimate output: `<output>/model.zip` (`<source>_` prefixed). */
export function estimationModelZip(
  outputFolder: string,
  source?: EnergySource,
): string {
  const prefix = source === undefined ? "" : `${source}_`;
  return join(outputFolder, `${prefix}model.zip`);
}

/**
 * VM estimate output (`estimate --vm`): `<output>/vm_estimation_result.csv`.
 *
 * @example
 * ```ts
 * import { vmEstimationResultFile } from "./layout.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(vmEstimationResultFile("/data/output"), "/data/output/vm_estimation_result.csv");
 * ```
 */
export function vmEstimationResultFile(outputFolder: string): string {
  return join(outputFolder, "vm_estimation_result.csv");
}
