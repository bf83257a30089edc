/**
 * Flags shared by `extract`, `isolate`, `isolate_from_data` and `profile`,
 * with upstream's names and defaults, and their conversion to lib options.
 * Private to cli/commands.
 *
 * @module
 */
import type { Command } from "commander";
import {
  type CliContext,
  listParser,
  numberParser,
  optString,
  parser,
} from "../command.ts";
import { UsageError } from "../errors.ts";
import { type ExtractOptions, frameLevel } from "../../lib/extract/mod.ts";
import type {
  BackgroundModel,
  IsolateFileOptions,
} from "../../lib/isolate/mod.ts";
import { backgroundModels } from "../../lib/train/background_models.ts";
import { DEFAULT_PIPELINE_NAME } from "../../lib/layout.ts";
import {
  type EnergySource,
  type ExtractorName,
  type FeatureGroup,
  type IsolatorName,
  type OutputType,
  parseEnergySource,
  parseExtractorName,
  parseFeatureGroup,
  parseIsolatorName,
  parseOutputType,
} from "../../lib/types.ts";

function listOption(value: string, previous: string[] | undefined): string[] {
  const items = value.split(",").map((s) => s.trim()).filter((s) => s !== "");
  return [...(previous ?? []), ...items];
}

/** Adds `-i`, `-o` and the extraction flags. */
export function defineExtractFlags(command: Command): Command {
  return command
    .option("-i, --input <name>", "query JSON: <data>/<name>.json")
    .option("-o, --output <name>", "output name", "output")
    .option(
      "--extractor <name>",
      "default or smooth",
      parser(parseExtractorName),
      "default",
    )
    .option(
      "--feature-group <group>",
      "feature group, e.g. BPFOnly (also -fg)",
      parser(parseFeatureGroup),
    )
    .option(
      "-e, --energy-source <source>",
      "energy source of the power labels (rapl and intel_rapl read as rapl-sysfs)",
      parser(parseEnergySource),
      "rapl-sysfs",
    )
    .option(
      "--thirdparty-metrics <names...>",
      "third-party metrics (also -tm; default: $PROM_THIRDPARTY_METRICS)",
      listOption,
    )
    .option(
      "--smooth-window <rows>",
      "rolling-mean window of the smooth extractor",
      numberParser({ min: 1, integer: true }),
      30,
    )
    .option(
      "--instance-label <label>",
      "label that names a Kepler instance in node and container metrics",
      "instance",
    )
    .option(
      "--node-type <n>",
      "node type written in the node_type column",
      numberParser({ integer: true }),
      0,
    );
}

/** Adds the isolator flags. */
export function defineIsolateFlags(command: Command): Command {
  return command
    .option(
      "--isolator <name>",
      "none, min, profile, trainer or quantile",
      parser(parseIsolatorName),
      "min",
    )
    .option(
      "--quantile <q>",
      "idle quantile of the quantile isolator",
      numberParser({ min: 0, max: 1 }),
      0.05,
    )
    .option(
      "--profile <name>",
      "idle query <data>/<name>.json: profiles written to the pipeline, its containers are background",
    )
    .option(
      "--target-hints <names>",
      "trainer isolator: target container name parts",
      listParser((s) => s),
    )
    .option(
      "--bg-hints <names>",
      "trainer isolator: background container name parts",
      listParser((s) => s),
    )
    .option(
      "-p, --pipeline-name <name>",
      "pipeline that receives idle profiles (default: std_v0.7.11)",
    )
    .option(
      "--abs-pipeline-name <name>",
      "trainer isolator: pipeline of the AbsPower models that predict background power",
    );
}

/** The input name, required. */
export function inputOf(options: Record<string, unknown>): string {
  const input = optString(options, "input");
  if (input === undefined) {
    throw new UsageError("missing required option -i/--input");
  }
  return input;
}

/** The feature group, required. */
export function featureGroupOf(options: Record<string, unknown>): FeatureGroup {
  const group = options.featureGroup as FeatureGroup | undefined;
  if (group === undefined) {
    throw new UsageError("missing required option -fg/--feature-group");
  }
  return group;
}

/** Extraction options from the flags. */
export function extractOptionsOf(
  options: Record<string, unknown>,
  context: CliContext,
): ExtractOptions {
  const thirdParty = (options.thirdpartyMetrics as string[] | undefined) ??
    context.config.promThirdpartyMetrics;
  const outputType = (options.outputType as OutputType | undefined) ??
    "AbsPower";
  return {
    source: options.energySource as EnergySource,
    extractor: options.extractor as ExtractorName,
    smoothWindow: options.smoothWindow as number,
    thirdParty,
    instanceLabel: options.instanceLabel as string,
    vmJobName: context.config.vmJobName,
    nodeType: options.nodeType as number,
    level: frameLevel(outputType),
  };
}

/**
 * The trainer isolator's background models: the AbsPower models of
 * `--abs-pipeline-name` (default std_v0.7.11, as upstream), or nothing for
 * other isolators.
 */
export async function backgroundModelsOf(
  options: Record<string, unknown>,
  context: CliContext,
): Promise<{ predict?: BackgroundModel[] }> {
  if (options.isolator !== "trainer") return {};
  const pipeline = optString(options, "absPipelineName") ??
    DEFAULT_PIPELINE_NAME;
  return {
    predict: await backgroundModels(context.config.modelPath, pipeline, {
      source: options.energySource as EnergySource,
      featureGroups: [featureGroupOf(options)],
    }),
  };
}

/** Isolation options from the flags (without the extraction ones). */
export function isolateOptionsOf(
  options: Record<string, unknown>,
  context: CliContext,
): IsolateFileOptions {
  const isolator = options.isolator as IsolatorName;
  if (isolator === "profile" && optString(options, "profile") === undefined) {
    throw new UsageError(
      "--isolator profile needs --profile <idle query name>",
    );
  }
  const profile = optString(options, "profile");
  const pipelineName = optString(options, "pipelineName");
  const targetHints = options.targetHints as string[] | undefined;
  const bgHints = options.bgHints as string[] | undefined;
  return {
    dataPath: context.config.dataPath,
    modelPath: context.config.modelPath,
    output: optString(options, "output") ?? "output",
    isolator,
    q: options.quantile as number,
    ...(profile === undefined ? {} : { profile }),
    ...(pipelineName === undefined ? {} : { pipelineName }),
    ...(targetHints === undefined ? {} : { targetHints }),
    ...(bgHints === undefined ? {} : { bgHints }),
  };
}

/** Adds `-ot/--output-type`. */
export function defineOutputTypeFlag(command: Command): Command {
  return command.option(
    "--output-type <type>",
    "AbsPower (node rows) or DynPower (container rows) (also -ot)",
    parser(parseOutputType),
    "AbsPower",
  );
}

/** Parses a comma list of energy sources. */
export const sourceListParser: (value: string) => EnergySource[] = listParser(
  parseEnergySource,
);
