/**
 * Flags shared by `extract`, `isolate`, `isolate_from_data`, `profile`,
 * `train` and `validate` (the data checks),
 * with upstream's names and defaults, and their conversion to lib options.
 * Private to cli/commands.
 *
 * @module
 */
import { pipelineOptionsOf, pipelinePlace } from "./_pipeline_place.ts";
import {
  type CliContext,
  given,
  listParser,
  numberParser,
  option,
  type OptionValues,
  parser,
} from "../command.ts";
import { UsageError } from "../errors.ts";
import {
  DEFAULT_MAX_EXCLUDED_FRACTION,
  DEFAULT_MAX_WATTS_PER_NODE,
  DEFAULT_MAX_WATTS_PER_SOCKET,
  type ExtractOptions,
  formatExclusions,
  frameLevel,
  STUCK_INTERVALS,
} from "../../lib/extract/mod.ts";
import type {
  BackgroundModel,
  IsolateFileOptions,
} from "../../lib/isolate/mod.ts";
import { backgroundModels } from "../../lib/train/background_models.ts";
import { extractedFile, isolatedFile } from "../../lib/layout.ts";
import { defaultAbsPipelineName } from "../../lib/default_pipelines.ts";
import {
  type EnergySource,
  type FeatureGroup,
  type OutputType,
  parseEnergySource,
  parseExtractorName,
  parseFeatureGroup,
  parseIsolatorName,
  parseOutputType,
} from "../../lib/types.ts";

/** `-i`, `-o` and the extraction flags. */
export const EXTRACT_OPTIONS = {
  input: option("-i, --input <name>", "query JSON: <data>/<name>.json"),
  output: option("-o, --output <name>", "output name", { default: "output" }),
  extractor: option("--extractor <name>", "default or smooth", {
    parse: parser(parseExtractorName),
    default: "default",
  }),
  featureGroup: option(
    "--feature-group <group>",
    "feature group, e.g. BPFOnly (also -fg)",
    { parse: parser(parseFeatureGroup) },
  ),
  energySource: option(
    "-e, --energy-source <source>",
    "energy source of the power labels (rapl and intel_rapl read as rapl-sysfs)",
    { parse: parser(parseEnergySource), default: "rapl-sysfs" },
  ),
  thirdpartyMetrics: option(
    "--thirdparty-metrics <names...>",
    "third-party metrics (also -tm; default: $PROM_THIRDPARTY_METRICS)",
    { parse: listParser() },
  ),
  smoothWindow: option(
    "--smooth-window <rows>",
    "rolling-mean window of the smooth extractor",
    { parse: numberParser({ min: 1, integer: true }), default: 30 },
  ),
  instanceLabel: option(
    "--instance-label <label>",
    "label that names a Kepler instance in node and container metrics",
    { default: "instance" },
  ),
  nodeType: option(
    "--node-type <n>",
    "node type written in the node_type column",
    { parse: numberParser({ integer: true }), default: 0 },
  ),
} as const;

/**
 * The flags of the checks that refuse data that cannot be true (negative
 * counters, decreases without reset, power above the bound, stuck
 * counters), shared by every command that extracts.
 */
export const DATA_CHECK_OPTIONS = {
  maxPowerWatts: option(
    "--max-power-watts <watts>",
    `power bound per component and node: intervals above it are excluded (default: ${DEFAULT_MAX_WATTS_PER_SOCKET} W per socket of the machine spec, i.e. 4 × 500 W TDP, else ${DEFAULT_MAX_WATTS_PER_NODE} W)`,
    { parse: numberParser({ min: 0 }) },
  ),
  maxExcluded: option(
    "--max-excluded <fraction>",
    `largest share of intervals excluded as data that cannot be true (negative counter, decrease without reset, power above the bound, counter stuck over ${STUCK_INTERVALS} intervals) before the input is refused`,
    {
      parse: numberParser({ min: 0, max: 1 }),
      default: DEFAULT_MAX_EXCLUDED_FRACTION,
    },
  ),
} as const;

/**
 * The data-check options from the flags: the bound, the limit and a
 * warning on stderr for each query with exclusions (once per line).
 */
export function dataCheckOptionsOf(
  options: OptionValues<typeof DATA_CHECK_OPTIONS>,
  context: CliContext,
  defaultMaxPowerWatts?: number,
): Pick<
  ExtractOptions,
  "maxPowerWatts" | "maxExcludedFraction" | "onExcluded"
> {
  const seen = new Set<string>();
  const maxPowerWatts = options.maxPowerWatts ?? defaultMaxPowerWatts;
  return {
    ...(maxPowerWatts === undefined ? {} : { maxPowerWatts }),
    maxExcludedFraction: options.maxExcluded,
    onExcluded: (report) => {
      const line = formatExclusions(report);
      if (line === undefined || seen.has(line)) return;
      seen.add(line);
      context.err(line);
    },
  };
}

/** The isolator flags. */
export const ISOLATE_OPTIONS = {
  isolator: option(
    "--isolator <name>",
    "floor (quietest stretch), min (upstream), none, profile, trainer or quantile",
    {
      parse: parser(parseIsolatorName),
      default: "floor",
    },
  ),
  quantile: option("--quantile <q>", "idle quantile of the quantile isolator", {
    parse: numberParser({ min: 0, max: 1 }),
    default: 0.05,
  }),
  profile: option(
    "--profile <name>",
    "idle query <data>/<name>.json: profiles written to the pipeline, its containers are background",
  ),
  targetHints: option(
    "--target-hints <names>",
    "trainer isolator: target container name parts",
    { parse: listParser() },
  ),
  bgHints: option(
    "--bg-hints <names>",
    "trainer isolator: background container name parts",
    { parse: listParser() },
  ),
  pipelineName: option(
    "-p, --pipeline-name <name>",
    "pipeline that receives idle profiles (default: std_v0.7.11)",
  ),
  absPipelineName: option(
    "--abs-pipeline-name <name>",
    "trainer isolator: pipeline of the AbsPower models that predict background power",
  ),
} as const;

/** `-ot/--output-type`. */
export const OUTPUT_TYPE_OPTION = {
  outputType: option(
    "--output-type <type>",
    "AbsPower (node rows) or DynPower (container rows) (also -ot)",
    { parse: parser(parseOutputType), default: "AbsPower" },
  ),
} as const;

/** The extraction flags (`extract` reads its own list of feature groups). */
type ExtractFlags =
  & Omit<OptionValues<typeof EXTRACT_OPTIONS>, "featureGroup">
  & OptionValues<typeof DATA_CHECK_OPTIONS>;
type IsolateFlags = OptionValues<typeof ISOLATE_OPTIONS>;

/** The input name, required. */
export function inputOf(options: { input?: string | undefined }): string {
  const input = given(options.input);
  if (input === undefined) {
    throw new UsageError("missing required option -i/--input");
  }
  return input;
}

/**
 * Checks an output name that a prefix goes before (`extracted_<name>.csv`,
 * `isolated_<name>.csv`): lib/layout.ts refuses one holding `/`; here that
 * is a usage error naming the flag.
 */
function checkPrefixedOutput(
  flag: string,
  name: string,
  file: (name: string) => string,
): void {
  try {
    file(name);
  } catch (error) {
    if (error instanceof RangeError) {
      throw new UsageError(`${flag}: ${error.message}`);
    }
    throw error;
  }
}

/** `-o/--output` of `extract`: the name of `extracted_<name>.csv`. */
export function extractedOutputOf(
  options: { output: string },
  context: CliContext,
): string {
  checkPrefixedOutput(
    "-o/--output",
    options.output,
    (name) => extractedFile(context.config.dataPath, name),
  );
  return options.output;
}

/** `-i/--input` of `isolate_from_data`: the name of `extracted_<name>.csv`. */
export function extractedInputOf(
  options: { input?: string | undefined },
  context: CliContext,
): string {
  const input = inputOf(options);
  checkPrefixedOutput(
    "-i/--input",
    input,
    (name) => extractedFile(context.config.dataPath, name),
  );
  return input;
}

/** The feature group, required. */
export function featureGroupOf(
  options: { featureGroup?: FeatureGroup | undefined },
): FeatureGroup {
  const group = options.featureGroup;
  if (group === undefined) {
    throw new UsageError("missing required option -fg/--feature-group");
  }
  return group;
}

/** Extraction options from the flags. */
export function extractOptionsOf(
  options: ExtractFlags & { outputType?: OutputType },
  context: CliContext,
): ExtractOptions {
  return {
    ...dataCheckOptionsOf(options, context),
    source: options.energySource,
    extractor: options.extractor,
    smoothWindow: options.smoothWindow,
    thirdParty: options.thirdpartyMetrics ??
      context.config.promThirdpartyMetrics,
    instanceLabel: options.instanceLabel,
    vmJobName: context.config.vmJobName,
    nodeType: options.nodeType,
    level: frameLevel(options.outputType ?? "AbsPower"),
  };
}

/**
 * The trainer isolator's background models: the AbsPower models of
 * `--abs-pipeline-name` (default std_v0.7.11 as upstream, else the pipeline
 * `train` writes without `-p`: `defaultAbsPipelineName`), or nothing for
 * other isolators.
 */
export async function backgroundModelsOf(
  options: IsolateFlags & {
    energySource?: EnergySource | undefined;
    featureGroup?: FeatureGroup | undefined;
  },
  context: CliContext,
): Promise<{ predict?: BackgroundModel[] }> {
  if (options.isolator !== "trainer") return {};
  const { modelPath, pipeline } = pipelinePlace(
    context.config.modelPath,
    given(options.absPipelineName) ??
      defaultAbsPipelineName(context.config.modelPath),
  );
  const source = options.energySource;
  if (source === undefined) {
    throw new UsageError("--isolator trainer needs -e/--energy-source");
  }
  return {
    predict: await backgroundModels(modelPath, pipeline, {
      source,
      featureGroups: [featureGroupOf(options)],
    }),
  };
}

/** Isolation options from the flags (without the extraction ones). */
export function isolateOptionsOf(
  options: IsolateFlags & { output: string },
  context: CliContext,
): IsolateFileOptions {
  const profile = given(options.profile);
  if (options.isolator === "profile" && profile === undefined) {
    throw new UsageError(
      "--isolator profile needs --profile <idle query name>",
    );
  }
  const { targetHints, bgHints } = options;
  const output = given(options.output) ?? "output";
  checkPrefixedOutput(
    "-o/--output",
    output,
    (name) => isolatedFile(context.config.dataPath, name),
  );
  return {
    dataPath: context.config.dataPath,
    ...pipelineOptionsOf(context.config.modelPath, given(options.pipelineName)),
    output,
    isolator: options.isolator,
    q: options.quantile,
    ...(profile === undefined ? {} : { profile }),
    ...(targetHints === undefined ? {} : { targetHints }),
    ...(bgHints === undefined ? {} : { bgHints }),
  };
}

/** Parses a comma list of energy sources. */
export const sourceListParser: (value: string) => EnergySource[] = listParser(
  parseEnergySource,
);
