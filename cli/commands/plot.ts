/**
 * `plot --target-data preprocess|estimate|error|metadata|power_curve`:
 * upstream's plot command, writing self-contained HTML (plotly.js inlined,
 * works offline) under `<DATAPATH>/<output>/` instead of PNGs. File names
 * follow upstream's PNG names with `.html`.
 *
 * @module
 */
import { pipelinePlace } from "./_pipeline_place.ts";
import { about } from "./registry.ts";
import { join } from "node:path";
import {
  type CliContext,
  command,
  listParser,
  option,
  parser,
} from "../command.ts";
import { UsageError } from "../errors.ts";
import { exists } from "../../lib/io/read.ts";
import { outputDir } from "../../lib/layout.ts";
import { DEFAULT_TRAIN_PIPELINE_NAME } from "../../lib/default_pipelines.ts";
import {
  errorFigure,
  estimateFigure,
  estimateScatterFigure,
  type Figure,
  metadataFigure,
  plotTableFromCsv,
  preprocessFigure,
  readEstimationResults,
  writeHtmlReport,
} from "../../lib/plot/mod.ts";
import {
  preprocessedPlots,
  summaryPlots,
} from "../../lib/plot/pipeline_inputs.ts";
import { exportFigures } from "../../lib/export/export_figures.ts";
import { pipelineFolder } from "../../lib/pipeline/mod.ts";
import {
  type EnergySource,
  type FeatureGroup,
  OUTPUT_TYPES,
  type OutputType,
  parseEnergySource,
  parseFeatureGroup,
  parseOutputType,
  vocabularyParser,
} from "../../lib/types.ts";

/** The kinds of `--target-data`. */
export const TARGET_DATA = [
  "preprocess",
  "estimate",
  "error",
  "metadata",
  "power_curve",
] as const;
/** One kind. */
export type TargetData = typeof TARGET_DATA[number];

const parseTargetData = vocabularyParser("target data", TARGET_DATA);

/** Writes figures into one HTML file of the output folder and remembers it. */
type Writer = (name: string, title: string, figures: Figure[]) => Promise<void>;

/** Where a plot reads and writes. */
interface PlotPlace {
  dataPath: string;
  pipeline: string;
  sources: readonly EnergySource[];
  outputTypes: readonly OutputType[];
  write: Writer;
}

async function needPipeline(pipeline: string, target: TargetData) {
  if (!(await exists(pipeline))) {
    throw new Error(
      `Cannot plot ${target}: pipeline ${pipeline} does not exist (train it first)`,
    );
  }
}

/** `--target-data preprocess`: the pipeline's preprocessed CSVs. */
async function plotPreprocess(
  p: PlotPlace,
  featureGroup: FeatureGroup | undefined,
): Promise<void> {
  await needPipeline(p.pipeline, "preprocess");
  const plots = await preprocessedPlots(p.pipeline, {
    sources: p.sources,
    outputTypes: p.outputTypes,
    ...(featureGroup === undefined ? {} : { featureGroup }),
  });
  for (const { stem, table } of plots) {
    await p.write(stem, stem, [
      preprocessFigure(table, { title: `${stem}: features and power` }),
    ]);
  }
}

/** `--target-data estimate`: what estimate wrote into `<data>/<input>/`. */
async function plotEstimate(
  p: PlotPlace,
  input: string,
  context: CliContext,
): Promise<void> {
  const folder = outputDir(p.dataPath, input);
  const { tables, missing, plain } = await readEstimationResults(
    folder,
    p.sources,
  );
  for (const { source, csv } of tables) {
    const table = plotTableFromCsv(csv, { source });
    await p.write(`${source}_estimate`, `${source} estimate`, [
      estimateFigure(table, {
        title: `${source}: measured and estimated power`,
      }),
      estimateScatterFigure(table, {
        title: `${source}: estimated vs measured`,
      }),
    ]);
  }
  const plainNote = plain === undefined
    ? ""
    : `; ${plain.path} holds ${
      plain.components.join(", ") || "no"
    } predictions (${plain.sources.join(", ") || "no known source"})`;
  if (tables.length === 0) {
    throw new Error(
      `Cannot plot estimate: no estimation result for ${
        p.sources.join(", ")
      } in ${folder}${plainNote}: run estimate -e ${p.sources.join(",")} first`,
    );
  }
  if (missing.length > 0) {
    context.err(
      `No estimation result for ${
        missing.join(", ")
      } in ${folder}${plainNote}: skipped`,
    );
  }
}

/** `--target-data error|metadata|power_curve`: the model summaries. */
async function plotSummaries(
  p: PlotPlace,
  target: "error" | "metadata" | "power_curve",
): Promise<void> {
  await needPipeline(p.pipeline, target);
  const summaries = await summaryPlots(p.pipeline, {
    sources: p.sources,
    outputTypes: p.outputTypes,
  });
  for (const { source, outputType: ot, rows, bpfWeights } of summaries) {
    const name = `${source}_${ot}`;
    if (target === "error") {
      await p.write(`${name}_error`, `${name} errors`, [
        errorFigure(rows, { title: `${name}: MAE and MAPE` }),
      ]);
    } else if (target === "metadata") {
      await p.write(`${name}_model_metadata`, `${name} model metadata`, [
        metadataFigure(rows, {
          title: `${name}: MAE by feature group and trainer`,
        }),
      ]);
    } else {
      const figures = exportFigures([{
        source,
        outputType: ot,
        rows,
        bpfWeights,
      }])
        .filter((f) => f.kind === "power_curve").map((f) => f.figure);
      await p.write(`${name}_power_curve`, `${name} power curve`, figures);
    }
  }
}

/** Why a target found nothing to plot, naming what it looked for and where. */
function nothingReason(
  target: string,
  p: PlotPlace,
  featureGroup: FeatureGroup | undefined,
): string {
  const what = `${p.sources.join(", ")} ${p.outputTypes.join(", ")}`;
  switch (target) {
    case "preprocess":
      return `no preprocessed data of ${what}${
        featureGroup === undefined ? "" : ` ${featureGroup}`
      } in ${join(p.pipeline, "preprocessed_data")}`;
    case "power_curve":
      return `no BPFOnly model of ${what} in ${p.pipeline} has a weight.json (a power curve is Kepler's formula over bpf_cpu_time_ms: train a weight trainer, e.g. SGDRegressorTrainer, on BPFOnly)`;
    default:
      return `no model summary of ${what} in ${p.pipeline}`;
  }
}

/** The `plot` command. */
export const plot = command({
  ...about("plot"),
  options: {
    targetData: option("--target-data <kind>", TARGET_DATA.join(", "), {
      parse: parser(parseTargetData),
      required: true,
    }),
    pipelineName: option(
      "-p, --pipeline-name <name>",
      "pipeline in MODEL_PATH, or its folder path (preprocess, error, metadata, power_curve)",
      { default: DEFAULT_TRAIN_PIPELINE_NAME },
    ),
    input: option(
      "-i, --input <name>",
      "estimate: the folder estimate wrote (<data>/<name>/)",
      { default: "output" },
    ),
    output: option(
      "-o, --output <name>",
      "folder for the HTML files: <data>/<name>/",
      { default: "output" },
    ),
    energySource: option(
      "-e, --energy-source <list>",
      "energy sources, comma separated",
      { parse: listParser(parseEnergySource), default: ["rapl-sysfs"] },
    ),
    outputType: option(
      "--output-type <type>",
      "AbsPower or DynPower (default: both; also -ot)",
      { parse: parser(parseOutputType) },
    ),
    featureGroup: option(
      "--feature-group <group>",
      "preprocess: only this feature group (also -fg)",
      { parse: parser(parseFeatureGroup) },
    ),
  },
  async run(options, context) {
    const { dataPath, modelPath } = context.config;
    const placed = pipelinePlace(modelPath, options.pipelineName);
    const target = options.targetData;
    const out = outputDir(dataPath, options.output);
    const written: string[] = [];
    const place: PlotPlace = {
      dataPath,
      pipeline: pipelineFolder(placed.modelPath, placed.pipeline),
      sources: options.energySource,
      outputTypes: options.outputType
        ? [options.outputType]
        : [...OUTPUT_TYPES],
      write: async (name, title, figures) => {
        if (figures.length === 0) return;
        const path = join(out, `${name}.html`);
        await writeHtmlReport(path, figures, { title });
        written.push(path);
      },
    };
    if (target === "preprocess") {
      await plotPreprocess(place, options.featureGroup);
    } else if (target === "estimate") {
      await plotEstimate(place, options.input, context);
    } else await plotSummaries(place, target);
    if (written.length === 0) {
      throw new UsageError(
        `Nothing to plot for --target-data ${target}: ${
          nothingReason(target, place, options.featureGroup)
        }`,
      );
    }
    for (const path of written) context.out(`Wrote ${path}`);
  },
});
