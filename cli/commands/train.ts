/**
 * `train`: the training pipeline of seeds 000 and 002 —
 * `train -i kepler_query --id m1 -p std -e rapl-sysfs,acpi`.
 *
 * @module
 */
import { pipelinePlace } from "./_pipeline_place.ts";
import { about } from "./registry.ts";
import {
  type CliContext,
  command,
  flag,
  given,
  listParser,
  numberParser,
  option,
  type OptionValues,
  parser,
} from "../command.ts";
import { UsageError } from "../errors.ts";
import { queryFile } from "../../lib/layout.ts";
import { DEFAULT_TRAIN_PIPELINE_NAME } from "../../lib/default_pipelines.ts";
import {
  machineSpecOf,
  readQueryFile,
  specFromNodeInfo,
} from "../../lib/extract/mod.ts";
import type { QueryData } from "../../lib/extract/mod.ts";
import {
  DEFAULT_TRAIN_TRAINERS,
  type MachineSpec,
  parseEnergySource,
  parseExtractorName,
  parseFeatureGroup,
  parseIsolatorName,
  parseTrainerName,
  type TrainerName,
  UPSTREAM_TRAINERS,
  vocabularyParser,
} from "../../lib/types.ts";
import { SPLITS } from "../../lib/train/train_model.ts";
import { DEFAULT_TUNE_FITS } from "../../lib/train/tune.ts";
import { DERIVED_MODES } from "../../lib/train/derived_features.ts";
import { WEIGHT_FORMATS } from "../../lib/pipeline/kepler_weight_file.ts";
import {
  trainPipeline,
  type TrainPipelineOptions,
  type TrainProgress,
  type TrainReport,
} from "../../lib/train/pipeline.ts";
import { trainArguments } from "../../lib/train/train_arguments.ts";
import {
  type ModelMetadata,
  rankingError,
} from "../../lib/pipeline/model_metadata.ts";
import { defaultMaxPowerWatts } from "../../lib/extract/mod.ts";
import { DATA_CHECK_OPTIONS, dataCheckOptionsOf } from "./_stage_flags.ts";
import { sweptNotes } from "./_swept.ts";
import { runVmTrain } from "./_vm_train.ts";

export { specFromNodeInfo };

/**
 * A comma list of trainers; `default` (upstream's word) stands for the
 * default set (upstream's ten and SaturatingRegressionTrainer) and
 * `upstream` for upstream's ten alone, so `default,EnsembleTrainer` adds the
 * ensemble.
 */
export function parseTrainerList(value: string): TrainerName[] {
  const lists = listParser((s: string) =>
    s === "default"
      ? [...DEFAULT_TRAIN_TRAINERS]
      : s === "upstream"
      ? [...UPSTREAM_TRAINERS]
      : [parseTrainerName(s)]
  )(value);
  return [...new Set(lists.flat())];
}

/** Reads the queries of `-i`. */
export async function readQueries(
  dataPath: string,
  names: readonly string[] | undefined,
): Promise<QueryData[]> {
  if (names === undefined || names.length === 0) {
    throw new UsageError("missing required option -i, --input <names>");
  }
  const out: QueryData[] = [];
  for (const name of names) {
    out.push(await readQueryFile(queryFile(dataPath, name)));
  }
  return out;
}

function progressPrinter(context: CliContext): (e: TrainProgress) => void {
  return (e) => {
    if (e.kind === "group") {
      context.err(
        `${e.source} ${e.featureGroup}: ${e.rows.abs} AbsPower rows, ${e.rows.dyn} DynPower rows`,
      );
    } else if (e.error !== undefined) {
      context.err(
        `  ${e.outputType} ${e.trainer}: failed, skipped: ${e.error}`,
      );
    } else if (!context.quiet) {
      context.err(
        `  ${e.outputType} [${e.done}/${e.total}] ${e.trainer}: mae ${
          e.mae?.toFixed(2)
        } W`,
      );
    }
  };
}

/** One model's line of {@linkcode printReport}. */
function reportLine(
  featureGroup: string,
  m: ModelMetadata,
  folds: number | undefined,
): string {
  const mape = m.mape < 0 ? "-" : m.mape.toFixed(2);
  const cv = folds === undefined
    ? ""
    : ` ${
      (typeof m.cv_mae === "number"
        ? `${m.cv_mae.toFixed(2)} ± ${Number(m.cv_mae_std).toFixed(2)}`
        : "failed").padStart(16)
    }`;
  return `${featureGroup.padEnd(20)} ${m.model_name.padEnd(36)} ${
    m.mae.toFixed(2).padStart(8)
  } ${mape.padStart(8)}${cv}`;
}

/** The models that kept derived features, after a blank line, if any. */
function derivedNote(rows: TrainReport["models"]): string | undefined {
  const kept = rows.filter((m) => {
    const d = m.metadata.derived_features;
    return Array.isArray(d) && d.length > 0;
  });
  if (kept.length === 0) return undefined;
  return `\nderived features kept (blocked-CV mae without → with): ${
    kept.map((m) =>
      `${m.featureGroup} ${m.metadata.model_name} ${
        Number(m.metadata.cv_mae_without_derived).toFixed(2)
      } → ${Number(m.metadata.cv_mae_with_derived).toFixed(2)}`
    ).join("; ")
  }`;
}

/**
 * Prints the AbsPower and DynPower tables: sorted by mae as upstream, or,
 * when the models were cross-validated, by their blocked-CV mae (the
 * ranking every stage uses), with its spread over the folds.
 */
export function printReport(report: TrainReport, context: CliContext): void {
  for (const source of [...new Set(report.models.map((m) => m.source))]) {
    for (const ot of ["AbsPower", "DynPower"] as const) {
      const rows = report.models.filter((m) =>
        m.source === source && m.outputType === ot
      );
      if (rows.length === 0) continue;
      const folds = rows.map((m) => m.metadata.cv_folds).find((
        k,
      ): k is number => typeof k === "number" && k > 0);
      rows.sort((a, b) =>
        rankingError(a.metadata, "mae") - rankingError(b.metadata, "mae")
      );
      context.out(
        folds === undefined
          ? `\n${source} ${ot} (sorted by mae; errors on the held-out split)`
          : `\n${source} ${ot} (sorted by cv mae: blocked cross-validation over ${folds} folds, mean ± spread; mae and mape on the held-out split)`,
      );
      context.out(
        `${"feature group".padEnd(20)} ${"model".padEnd(36)} ${
          "mae W".padStart(8)
        } ${"mape %".padStart(8)}${
          folds === undefined ? "" : ` ${"cv mae W".padStart(16)}`
        }`,
      );
      for (const m of rows) {
        context.out(reportLine(m.featureGroup, m.metadata, folds));
      }
      const derived = derivedNote(rows);
      if (derived !== undefined) context.out(derived);
    }
  }
  for (const f of report.failures) {
    context.out(
      `skipped: ${f.source} ${f.outputType ?? ""} ${f.featureGroup} ${
        f.trainer ?? ""
      }: ${f.message}`,
    );
  }
  for (const n of report.notes) context.out(`note: ${n}`);
  context.out(
    `\npipeline ${report.pipelineDir} (node type ${report.nodeType}), archive ${report.zip}`,
  );
}

/** `--tune`: `none` (0) or a number of inner fits. */
function parseTuneBudget(value: string): number {
  if (value === "none") return 0;
  return numberParser({ integer: true, min: 0, max: 1000 })(value);
}

/** The flags train shares with train_from_data. */
export const TRAIN_OPTIONS = {
  pipelineName: option(
    "-p, --pipeline-name <name>",
    "pipeline in MODEL_PATH, or its folder path",
    { default: DEFAULT_TRAIN_PIPELINE_NAME },
  ),
  absTrainers: option(
    "--abs-trainers <list>",
    "AbsPower trainers (comma list; default: upstream's ten and SaturatingRegressionTrainer; upstream: the ten alone; EnsembleTrainer weights the others, e.g. default,EnsembleTrainer)",
    { parse: parseTrainerList },
  ),
  dynTrainers: option(
    "--dyn-trainers <list>",
    "DynPower trainers (comma list; default: upstream's ten and SaturatingRegressionTrainer; upstream: the ten alone; EnsembleTrainer weights the others)",
    { parse: parseTrainerList },
  ),
  split: option(
    "--split <kind>",
    "held-out split for errors: time (blocked, no leakage) or shuffle (upstream's)",
    { parse: parser(vocabularyParser("split", SPLITS)), default: "time" },
  ),
  cvFolds: option(
    "--cv-folds <k>",
    "blocked cross-validation folds per model (0: none); models are ranked by their CV error",
    {
      parse: parser((value: string) => {
        const k = numberParser({ integer: true, min: 0, max: 20 })(value);
        if (k === 1) {
          throw new RangeError(
            "1 fold is no cross-validation: give 0 (none) or 2 to 20",
          );
        }
        return k;
      }),
      default: 3,
    },
  ),
  tune: option(
    "--tune <budget>",
    `hyperparameter search inside the CV: inner fits per model and component (none: upstream's settings exactly)`,
    { parse: parser(parseTuneBudget), default: DEFAULT_TUNE_FITS },
  ),
  derivedFeatures: option(
    "--derived-features <mode>",
    "derived features (per-core usage, effective frequency) for non-weight models: auto (kept where blocked CV says they help) or none",
    {
      parse: parser(vocabularyParser("derived features", DERIVED_MODES)),
      default: "auto",
    },
  ),
  seed: option("--seed <n>", "seed of all randomness", {
    parse: numberParser({ integer: true }),
    default: 42,
  }),
  id: option(
    "--id <machine id>",
    "machine id: node type from <data>/machine_spec/<id>.json",
  ),
  quiet: flag("--quiet", "no progress lines"),
  minRows: option(
    "--min-rows <n>",
    "fewest rows a feature group's data needs to be trained; a run with none fails before writing",
    { parse: numberParser({ integer: true, min: 1 }), default: 5 },
  ),
} as const;

/**
 * The machine spec of the training data (lib's machineSpecOf: --id's file,
 * else kepler_node_info, else none), with a note on stderr saying which.
 */
export async function machineSpecFor(
  dataPath: string,
  id: string | undefined,
  context: CliContext,
  query?: QueryData,
): Promise<{ spec?: MachineSpec; id?: string }> {
  let found;
  try {
    found = await machineSpecOf(dataPath, {
      ...(id === undefined ? {} : { id }),
      ...(query === undefined ? {} : { query }),
    });
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    throw new UsageError(error.message, { cause: error });
  }
  if (found?.origin === "node_info") {
    context.err(
      `note: no --id given: node type from kepler_node_info (${found.spec.processor}, ${found.spec.chips} chips; unknown attributes are -1)`,
    );
  }
  if (found === undefined) {
    context.err(
      "warning: no --id given and no kepler_node_info in the query: training for node type 0",
    );
    return {};
  }
  return { spec: found.spec, id: found.id };
}

/** The options of `train`. */
const OPTIONS = {
  input: option(
    "-i, --input <names>",
    "query JSON names, comma separated (with or without .json)",
    { parse: listParser() },
  ),
  extractor: option("--extractor <name>", "default or smooth", {
    parse: parser(parseExtractorName),
    default: "default",
  }),
  isolator: option(
    "--isolator <name>",
    "floor (quietest stretch), min (upstream), none, profile, trainer or quantile",
    { parse: parser(parseIsolatorName), default: "floor" },
  ),
  profile: option(
    "--profile <name>",
    "idle query JSON for the profile isolator and profile/<source>.json",
  ),
  energySource: option(
    "-e, --energy-source <list>",
    "energy sources, comma separated (rapl reads as rapl-sysfs)",
    { parse: listParser(parseEnergySource), default: ["rapl-sysfs"] },
  ),
  workers: option(
    "--workers <n>",
    "training threads: the main thread and n − 1 workers (1: the main thread only); the models are the same (default: logical CPUs)",
    { parse: numberParser({ min: 1, max: 1024, integer: true }) },
  ),
  featureGroup: option(
    "--feature-group <list>",
    "feature groups to train (default: every valid one; also -fg)",
    { parse: listParser(parseFeatureGroup) },
  ),
  thirdpartyMetrics: option(
    "--thirdparty-metrics <names...>",
    "third-party metrics (also -tm; default: $PROM_THIRDPARTY_METRICS)",
    { parse: listParser() },
  ),
  targetHints: option(
    "--target-hints <list>",
    "trainer isolator: target container hints",
    { parse: listParser() },
  ),
  bgHints: option(
    "--bg-hints <list>",
    "trainer isolator: background container hints",
    { parse: listParser() },
  ),
  absPipelineName: option(
    "--abs-pipeline-name <name>",
    "trainer isolator: AbsPower pipeline",
  ),
  weightFormat: option(
    "--weight-format <form>",
    "weight.json form: v0.7.11 (component keys only; every Kepler v0.7) or v0.7.12 (adds model_name, for Kepler v0.7.12+ loading the file from a local path)",
    {
      parse: parser(vocabularyParser("weight format", WEIGHT_FORMATS)),
      default: "v0.7.11",
    },
  ),
  // VM power models (issue 20)
  vmTrain: flag(
    "--vm-train",
    "train VM power models: -i is the host's query (kepler_vm_* energy), --vm-input the guests' queries",
  ),
  vmInput: option(
    "--vm-input <names>",
    "with --vm-train: the guests' query JSON names, comma separated (spec from machine_spec/<name>.json)",
    { parse: listParser() },
  ),
  vmNormalization: option(
    "--vm-normalization <rule>",
    "with --vm-train: auto (the least held-out-VM error), per-vcpu, size-feature or none",
    { default: "auto" },
  ),
  ...DATA_CHECK_OPTIONS,
  ...TRAIN_OPTIONS,
} as const;

type TrainFlags = OptionValues<typeof OPTIONS>;

/** trainPipeline's options from the flags, the queries and the machine spec. */
async function pipelineOptions(
  options: TrainFlags,
  context: CliContext,
  queries: readonly QueryData[],
): Promise<TrainPipelineOptions> {
  const { dataPath, modelPath: models } = context.config;
  const { modelPath, pipeline } = pipelinePlace(models, options.pipelineName);
  const profile = given(options.profile);
  const idle = profile === undefined
    ? undefined
    : await readQueryFile(queryFile(dataPath, profile));
  const machine = await machineSpecFor(
    dataPath,
    options.id,
    context,
    queries[0],
  );
  const thirdParty = options.thirdpartyMetrics ??
    context.config.promThirdpartyMetrics;
  const absTrainers = options.absTrainers ?? [...DEFAULT_TRAIN_TRAINERS];
  const dynTrainers = options.dynTrainers ?? [...DEFAULT_TRAIN_TRAINERS];
  const { absPipelineName, targetHints, bgHints, featureGroup } = options;
  const { split, cvFolds, tune, derivedFeatures, seed } = options;
  const modelling = { split, cvFolds, tune, derivedFeatures, seed };
  return {
    modelPath,
    pipelineName: pipeline,
    sources: options.energySource,
    extractor: options.extractor,
    isolator: options.isolator,
    absTrainers,
    dynTrainers,
    ...modelling,
    thirdParty,
    vmJobName: context.config.vmJobName,
    weightFormat: options.weightFormat,
    trainArguments: trainArguments({
      dataPath,
      input: (options.input ?? []).join(","),
      server: context.config.promServer,
      interval: context.config.promQueryInterval,
      step: context.config.promQueryStep,
      thirdParty,
      pipelineName: pipeline,
      extractor: options.extractor,
      isolator: options.isolator,
      sources: options.energySource,
      absTrainers,
      dynTrainers,
      ...modelling,
      ...(profile === undefined ? {} : { profile }),
      ...(targetHints === undefined ? {} : { targetHints }),
      ...(bgHints === undefined ? {} : { bgHints }),
      ...(absPipelineName === undefined ? {} : { absPipelineName }),
      ...(featureGroup === undefined ? {} : { featureGroups: featureGroup }),
      ...(machine.id === undefined ? {} : { id: machine.id }),
    }),
    onProgress: progressPrinter(context),
    minRows: options.minRows,
    ...(options.workers === undefined ? {} : { workers: options.workers }),
    onSwept: (swept) => sweptNotes(swept).forEach((n) => context.err(n)),
    dataChecks: dataCheckOptionsOf(
      options,
      context,
      machine.spec === undefined
        ? undefined
        : defaultMaxPowerWatts(machine.spec),
    ),
    ...(featureGroup ? { featureGroups: featureGroup } : {}),
    ...(machine.spec
      ? { machineSpec: machine.spec, machineId: machine.id ?? "unknown" }
      : {}),
    ...(idle ? { idle } : {}),
    ...(absPipelineName === undefined ? {} : { absPipelineName }),
    ...(targetHints === undefined ? {} : { targetHints }),
    ...(bgHints === undefined ? {} : { bgHints }),
  };
}

/** The `train` command. */
export const train = command({
  ...about("train"),
  options: OPTIONS,
  async run(options, context) {
    if (options.vmTrain) return await runVmTrain(options, context);
    let queries: QueryData[] | undefined = await readQueries(
      context.config.dataPath,
      options.input,
    );
    const pipeline = await pipelineOptions(options, context, queries);
    // handed over, not kept: the pipeline drops the parsed queries once
    // their features are extracted (about 0.3 × the files' size, freed
    // before the models are fitted)
    const report = await trainPipeline(() => {
      const given = queries ?? [];
      queries = undefined;
      return given;
    }, pipeline);
    printReport(report, context);
  },
});
