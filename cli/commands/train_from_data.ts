/**
 * `train_from_data` (also `train-from-data`): trains from a preprocessed
 * CSV with upstream's column names —
 * `train_from_data -i preprocess_abs_default_rapl-sysfs_BPFOnly -p std --trainers SGDRegressorTrainer`.
 *
 * @module
 */
import { pipelinePlace } from "./_pipeline_place.ts";
import { basename, isAbsolute } from "node:path";
import { about } from "./registry.ts";
import { command, option, parser } from "../command.ts";
import { UsageError } from "../errors.ts";
import { csvFile } from "../../lib/layout.ts";
import { pipelineFolder, preprocessedCsvPath } from "../../lib/pipeline/mod.ts";
import {
  type PreprocessedNameFacts,
  preprocessedNameFacts,
} from "../../lib/pipeline/read_preprocessed.ts";
import { parseFrameCsv } from "../../lib/extract/mod.ts";
import { exists, readTextFile } from "../../lib/io/read.ts";
import {
  parseEnergySource,
  parseFeatureGroup,
  parseOutputType,
} from "../../lib/types.ts";
import { trainFromFrame } from "../../lib/train/train_from_data.ts";
import { machineSpecFor, parseTrainerList, TRAIN_OPTIONS } from "./train.ts";
import { sweptNotes } from "./_swept.ts";

/** The `train_from_data` command. */
export const trainFromData = command({
  ...about("train_from_data"),
  options: {
    input: option(
      "-i, --input <name>",
      "preprocessed CSV: <data>/<name>.csv, else <model path>/<pipeline>/preprocessed_data/<name>.csv, else the path <name>",
    ),
    trainers: option(
      "--trainers <list>",
      "trainers, comma separated (default: the ten upstream ones; EnsembleTrainer weights the others)",
      { parse: parseTrainerList },
    ),
    outputType: option(
      "--output-type <type>",
      "AbsPower or DynPower (also -ot; default: as the file name says, abs or dyn, else AbsPower)",
      { parse: parser(parseOutputType) },
    ),
    featureGroup: option(
      "--feature-group <group>",
      "feature group (default: inferred from the columns; also -fg)",
      { parse: parser(parseFeatureGroup) },
    ),
    energySource: option(
      "-e, --energy-source <source>",
      "energy source (default: acpi when the CSV has platform_power, else rapl-sysfs)",
      { parse: parser(parseEnergySource) },
    ),
    ...TRAIN_OPTIONS,
  },
  async run(options, context) {
    const { dataPath, modelPath: models } = context.config;
    const { modelPath, pipeline } = pipelinePlace(models, options.pipelineName);
    if (options.input === undefined) {
      throw new UsageError("missing required option -i, --input <name>");
    }
    const path = await resolveInputCsv(
      dataPath,
      pipelineFolder(modelPath, pipeline),
      options.input,
    );
    // What -e and --output-type do not say, the file name says (upstream's
    // preprocess_dyn_..._acpi_BPFOnly.csv, kepler-model-db's
    // acpi_KubeletOnly_dyn_data.csv), else the header (the source) or
    // upstream's default (AbsPower). Before, a dyn file was trained as
    // AbsPower unless --output-type said otherwise.
    const named = options.outputType !== undefined &&
        options.energySource !== undefined
      ? {}
      : namedFacts(path);
    const text = await readTextFile(path);
    const header = text.slice(0, text.indexOf("\n")).split(",");
    const source = options.energySource ?? named.source ??
      (header.includes("platform_power") ? "acpi" : "rapl-sysfs");
    const outputType = options.outputType ?? named.outputType ?? "AbsPower";
    if (options.outputType === undefined && named.outputType === "DynPower") {
      context.err(
        `train_from_data: DynPower models, as the file name ${
          basename(path)
        } says (--output-type to choose)`,
      );
    }
    const frame = parseFrameCsv(text, { source, origin: path });
    // Without --id the CSV's node_type column says the node types (a CSV
    // has no kepler_node_info to read a spec from).
    const machine = options.id === undefined
      ? {}
      : await machineSpecFor(dataPath, options.id, context);
    const report = await trainFromFrame(frame, {
      modelPath,
      pipelineName: pipeline,
      trainers: options.trainers ?? ["XgboostFitTrainer"],
      outputType,
      split: options.split,
      cvFolds: options.cvFolds,
      tune: options.tune,
      derivedFeatures: options.derivedFeatures,
      seed: options.seed,
      origin: path,
      ...(named.isolator === undefined ? {} : { isolator: named.isolator }),
      minRows: options.minRows,
      onSwept: (swept) => sweptNotes(swept).forEach((n) => context.err(n)),
      ...(options.featureGroup ? { featureGroup: options.featureGroup } : {}),
      ...(machine.spec
        ? { machineSpec: machine.spec, machineId: machine.id ?? "unknown" }
        : {}),
    });
    context.out(
      `${report.source} ${report.featureGroup} (${frame.length} rows) into ${report.pipelineDir}`,
    );
    context.out(
      `${"model_name".padEnd(36)} ${"mae".padStart(8)} ${"mape".padStart(8)}`,
    );
    for (
      const m of report.models.sort((a, b) => a.metadata.mae - b.metadata.mae)
    ) {
      context.out(
        `${m.metadata.model_name.padEnd(36)} ${
          m.metadata.mae.toFixed(2).padStart(8)
        } ${
          (m.metadata.mape < 0 ? "-" : m.metadata.mape.toFixed(2)).padStart(8)
        }`,
      );
    }
    for (const f of report.failures) {
      context.out(`skipped: ${f.trainer}: ${f.message}`);
    }
  },
});

/** What the file name says, or an error that says which flags to pass. */
function namedFacts(path: string): PreprocessedNameFacts {
  try {
    return preprocessedNameFacts(path);
  } catch (error) {
    throw new UsageError(
      `${(error as Error).message}: pass --output-type and -e`,
    );
  }
}

/**
 * The CSV `-i` names: `<data>/<name>.csv` as upstream reads it, else the
 * preprocessed CSV of that name that `train` wrote into the pipeline, else
 * (a name with a `/`) the file at that path. An absolute name is that path
 * alone, as upstream's `os.path.join` makes it (see `dataFile`).
 */
async function resolveInputCsv(
  dataPath: string,
  pipeline: string,
  name: string,
): Promise<string> {
  const candidates = isAbsolute(name) ? [csvFile(dataPath, name)] : [
    csvFile(dataPath, name),
    preprocessedCsvPath(pipeline, name),
    // a path of its own (`-i data/rapl_BPFOnly_abs_data.csv`), last, so
    // every name upstream reads resolves as upstream resolves it
    ...(name.includes("/")
      ? [name.endsWith(".csv") ? name : `${name}.csv`]
      : []),
  ];
  for (const path of candidates) if (await exists(path)) return path;
  throw new Error(
    `Cannot find the CSV of -i ${name}: ${
      candidates.length === 1
        ? `${candidates[0]} does not exist`
        : `neither ${candidates.join(" nor ")} exists`
    }`,
  );
}
