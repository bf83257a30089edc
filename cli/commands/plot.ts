/**
 * `plot --target-data preprocess|estimate|error|metadata|power_curve`:
 * upstream's plot command, writing self-contained HTML (plotly.js inlined,
 * works offline) under `<DATAPATH>/<output>/` instead of PNGs. File names
 * follow upstream's PNG names with `.html`.
 *
 * @module
 */
import { join } from "node:path";
import type { CommandDefinition } from "../command.ts";
import { listParser, parser } from "../command.ts";
import { UsageError } from "../errors.ts";
import { type CsvTable, readCsvFile } from "../../lib/io/csv.ts";
import { exists } from "../../lib/io/read.ts";
import { readJsonFile } from "../../lib/io/json.ts";
import {
  estimationResultFile,
  groupDir,
  modelFile,
  modelMetadataCsv,
  outputDir,
  pipelineDir,
  preprocessedDir,
} from "../../lib/layout.ts";
import {
  errorFigure,
  estimatedComponents,
  estimateFigure,
  estimateScatterFigure,
  estimationSources,
  type Figure,
  metadataFigure,
  modelSummaryFromCsv,
  plotTableFromCsv,
  preprocessFigure,
  writeHtmlReport,
} from "../../lib/plot/mod.ts";
import { exportFigures } from "../../lib/export/export_figures.ts";
import {
  readWeightFile,
  type WeightFile,
} from "../../lib/pipeline/kepler_weight_file.ts";
import {
  ENERGY_SOURCES,
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

/** The `plot` command. */
export const plot: CommandDefinition = {
  name: "plot",
  summary:
    "plot preprocessed data, estimates, errors, model metadata or power curves as offline HTML",
  define(command) {
    command
      .requiredOption(
        "--target-data <kind>",
        TARGET_DATA.join(", "),
        parser(parseTargetData),
      )
      .option(
        "-p, --pipeline-name <name>",
        "pipeline (preprocess, error, metadata, power_curve)",
        "default",
      )
      .option(
        "-i, --input <name>",
        "estimate: the folder estimate wrote (<data>/<name>/)",
        "output",
      )
      .option(
        "-o, --output <name>",
        "folder for the HTML files: <data>/<name>/",
        "output",
      )
      .option(
        "-e, --energy-source <list>",
        "energy sources, comma separated",
        listParser(parseEnergySource),
        ["rapl-sysfs"],
      )
      .option(
        "--output-type <type>",
        "AbsPower or DynPower (default: both; also -ot)",
        parser(parseOutputType),
      )
      .option(
        "--feature-group <group>",
        "preprocess: only this feature group (also -fg)",
        parser(parseFeatureGroup),
      );
  },
  async run(options, context) {
    const { dataPath, modelPath } = context.config;
    const target = options.targetData as TargetData;
    const sources = options.energySource as EnergySource[];
    const outputTypes: OutputType[] = options.outputType
      ? [options.outputType as OutputType]
      : [...OUTPUT_TYPES];
    const out = outputDir(dataPath, options.output as string);
    const pipeline = pipelineDir(modelPath, options.pipelineName as string);
    const written: string[] = [];
    const write = async (name: string, title: string, figures: Figure[]) => {
      if (figures.length === 0) return;
      const path = join(out, `${name}.html`);
      await writeHtmlReport(path, figures, { title });
      written.push(path);
    };
    const needPipeline = async () => {
      if (!(await exists(pipeline))) {
        throw new Error(
          `Cannot plot ${target}: pipeline ${pipeline} does not exist (train it first)`,
        );
      }
    };
    if (target === "preprocess") {
      await needPipeline();
      const dir = preprocessedDir(pipeline);
      const files: string[] = [];
      for await (const e of Deno.readDir(dir)) {
        if (e.isFile && e.name.endsWith(".csv")) files.push(e.name);
      }
      for (const file of files.sort()) {
        const stem = file.replace(/\.csv$/, "");
        const source = sources.find((s) => stem.includes(`_${s}_`));
        if (source === undefined) continue;
        const group = options.featureGroup as FeatureGroup | undefined;
        if (group !== undefined && !stem.endsWith(`_${group}`)) continue;
        const ot: OutputType = stem.startsWith("preprocess_abs")
          ? "AbsPower"
          : "DynPower";
        if (!outputTypes.includes(ot)) continue;
        const table = plotTableFromCsv(await readCsvFile(join(dir, file)), {
          source,
        });
        await write(stem, stem, [
          preprocessFigure(table, { title: `${stem}: features and power` }),
        ]);
      }
    } else if (target === "estimate") {
      const folder = outputDir(dataPath, options.input as string);
      // estimate writes <source>_estimation_result.csv with several sources
      // and a plain estimation_result.csv with one; the plain file names no
      // source, so its predicted columns say which source it holds.
      // When both exist, the newer run wins.
      const mtime = async (path: string) => {
        try {
          return (await Deno.stat(path)).mtime?.getTime() ?? 0;
        } catch (e) {
          if (e instanceof Deno.errors.NotFound) return undefined;
          throw e;
        }
      };
      const plain = estimationResultFile(folder);
      const plainTime = await mtime(plain);
      const plainTable = plainTime === undefined
        ? undefined
        : await readCsvFile(plain);
      const plainSources = plainTable === undefined
        ? []
        : estimationSources(plainTable.header, ENERGY_SOURCES);
      let plainUsed = false;
      const missing: EnergySource[] = [];
      for (const source of sources) {
        const prefixed = estimationResultFile(folder, source);
        const prefixedTime = await mtime(prefixed);
        let csv: CsvTable | undefined;
        if (
          plainTable !== undefined && !plainUsed &&
          plainSources.includes(source) &&
          (prefixedTime === undefined || prefixedTime < plainTime!)
        ) {
          csv = plainTable;
          plainUsed = true;
        } else if (prefixedTime !== undefined) {
          csv = await readCsvFile(prefixed);
        }
        if (csv === undefined) {
          missing.push(source);
          continue;
        }
        const table = plotTableFromCsv(csv, { source });
        await write(`${source}_estimate`, `${source} estimate`, [
          estimateFigure(table, {
            title: `${source}: measured and estimated power`,
          }),
          estimateScatterFigure(table, {
            title: `${source}: estimated vs measured`,
          }),
        ]);
      }
      const plainNote = plainTable === undefined
        ? ""
        : `; ${plain} holds ${
          estimatedComponents(plainTable.header).join(", ") || "no"
        } predictions (${plainSources.join(", ") || "no known source"})`;
      if (written.length === 0) {
        throw new Error(
          `Cannot plot estimate: no estimation result for ${
            sources.join(", ")
          } in ${folder}${plainNote}: run estimate -e ${
            sources.join(",")
          } first`,
        );
      }
      if (missing.length > 0) {
        context.err(
          `No estimation result for ${
            missing.join(", ")
          } in ${folder}${plainNote}: skipped`,
        );
      }
    } else {
      await needPipeline();
      for (const source of sources) {
        for (const ot of outputTypes) {
          const csv = modelMetadataCsv(pipeline, source, ot);
          if (!(await exists(csv))) continue;
          const rows = modelSummaryFromCsv(await readCsvFile(csv), { source });
          const name = `${source}_${ot}`;
          if (target === "error") {
            await write(`${name}_error`, `${name} errors`, [
              errorFigure(rows, { title: `${name}: MAE and MAPE` }),
            ]);
          } else if (target === "metadata") {
            await write(`${name}_model_metadata`, `${name} model metadata`, [
              metadataFigure(rows, {
                title: `${name}: MAE by feature group and trainer`,
              }),
            ]);
          } else {
            const bpfWeights = new Map<string, WeightFile>();
            for (const row of rows) {
              if (row.feature_group !== "BPFOnly") continue;
              const file = modelFile(
                join(groupDir(pipeline, source, ot, "BPFOnly"), row.model_name),
                "weight",
              );
              if (await exists(file)) {
                bpfWeights.set(
                  row.model_name,
                  readWeightFile(await readJsonFile(file), file),
                );
              }
            }
            const figures = exportFigures([{
              source,
              outputType: ot,
              rows,
              bpfWeights,
            }])
              .filter((f) => f.kind === "power_curve").map((f) => f.figure);
            await write(`${name}_power_curve`, `${name} power curve`, figures);
          }
        }
      }
    }
    if (written.length === 0) {
      throw new UsageError(
        `Nothing to plot for --target-data ${target} with the given sources and output types`,
      );
    }
    for (const path of written) context.out(`Wrote ${path}`);
  },
};
