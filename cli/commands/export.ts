/**
 * `export`: publish a pipeline into a kepler-model-db `models` folder, as in
 * seed 000 — `export --benchmark B -p P -o /path/to/kepler-model-db/models
 * --publisher me --zip=true`, or `--collect-date D` instead of `--benchmark`.
 *
 * @module
 */
import {
  booleanFlag,
  type CommandDefinition,
  needString,
  numberParser,
  optString,
  parser,
} from "../command.ts";
import { UsageError } from "../errors.ts";
import {
  collectTimeOfBenchmark,
  exportPipeline,
  normalizeCollectDate,
  workloadContent,
} from "../../lib/export/mod.ts";
import { readJsonFile } from "../../lib/io/json.ts";
import { exists } from "../../lib/io/read.ts";
import { benchmarkFile, pipelineDir } from "../../lib/layout.ts";
import {
  WEIGHT_FORMATS,
  type WeightFormat,
} from "../../lib/pipeline/kepler_weight_file.ts";
import { vocabularyParser } from "../../lib/types.ts";

function names(value: string | undefined): string[] {
  return (value ?? "").split(",").map((s) => s.trim()).filter((s) => s !== "");
}

/** The `export` command. */
export const exportCommand: CommandDefinition = {
  name: "export",
  summary:
    "publish a pipeline's models that pass the thresholds in kepler-model-db's layout",
  define(command) {
    command
      .option("-p, --pipeline-name <name>", "pipeline in MODEL_PATH to export")
      .option(
        "-o, --output <path>",
        "the kepler-model-db models folder (e.g. kepler-model-db/models)",
      )
      .option("--publisher <account>", "GitHub account of the publisher")
      .option(
        "--benchmark <name>",
        "benchmark file <data>/<name>.json: the collect time is its start",
      )
      .option(
        "--collect-date <date>",
        "collect time, when there is no benchmark file (e.g. 2024-07-25T21:05:43Z or free text)",
      )
      .option(
        "--zip [bool]",
        "also write <output>/v0.7/<pipeline>.zip (--zip, --zip=true)",
        booleanFlag,
      )
      .option(
        "-i, --input <names>",
        "workload information: benchmark or query names, comma separated",
      )
      .option(
        "--mae-threshold <W>",
        "keep models with MAE at most this",
        numberParser({ min: 0 }),
        10,
      )
      .option(
        "--mape-threshold <percent>",
        "keep models with a defined MAPE at most this",
        numberParser({ min: 0 }),
        20,
      )
      .option(
        "--hard-threshold <n>",
        "drop models with MAE or MAPE above this",
        numberParser({ min: 0 }),
        100,
      )
      .option("--no-figures", "do not write figures.html")
      .option(
        "--weight-format <form>",
        "<Trainer>_<nt>.json form: v0.7.11 (component keys only, as kepler-model-db; every Kepler v0.7) or v0.7.12 (adds model_name, for Kepler v0.7.12+ loading the file from a local path)",
        parser(vocabularyParser("weight format", WEIGHT_FORMATS)),
        "v0.7.11",
      );
  },
  async run(options, context) {
    const { dataPath, modelPath, errorKey } = context.config;
    const pipeline = needString(options, "pipelineName", "-p/--pipeline-name");
    const output = needString(options, "output", "-o/--output");
    const publisher = needString(options, "publisher", "--publisher");
    const benchmark = optString(options, "benchmark");
    const collectDate = optString(options, "collectDate");
    if (benchmark !== undefined && collectDate !== undefined) {
      throw new UsageError(
        "give either --benchmark or --collect-date, not both",
      );
    }
    let collectTime: string;
    if (benchmark !== undefined) {
      const path = benchmarkFile(dataPath, benchmark);
      if (!(await exists(path))) {
        throw new UsageError(
          `Cannot read the collect time of --benchmark ${benchmark}: ${path} does not exist (query --benchmark ${benchmark} writes it; or give --collect-date)`,
        );
      }
      collectTime = collectTimeOfBenchmark(await readJsonFile(path), path);
    } else if (collectDate !== undefined) {
      try {
        collectTime = normalizeCollectDate(collectDate);
      } catch (error) {
        throw new UsageError((error as Error).message);
      }
    } else {
      throw new UsageError(
        "missing collect time: give --benchmark <name> or --collect-date <date>",
      );
    }
    const workload = await workloadContent(
      dataPath,
      names(optString(options, "input")),
    );
    const report = await exportPipeline(
      pipelineDir(modelPath, pipeline),
      output,
      {
        publisher,
        collectTime,
        workload,
        errorKey,
        zip: options.zip === true,
        figures: options.figures !== false,
        weightFormat: options.weightFormat as WeightFormat,
        thresholds: {
          mae: options.maeThreshold as number,
          mape: options.mapeThreshold as number,
          hard: options.hardThreshold as number,
        },
      },
    );
    const counts = new Map<string, number>();
    for (const m of report.models) {
      const key = `${m.source} ${m.outputType}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    context.out(
      `Exported ${report.models.length} of ${report.checked} models of pipeline ${report.pipeline} (collected ${collectTime}, published by ${publisher})`,
    );
    for (const [key, n] of counts) context.out(`  ${key}: ${n} models`);
    const weights = report.models.filter((m) => m.hasWeight).length;
    context.out(`  ${weights} Kepler weight files (local estimator)`);
    for (const note of report.notes) context.out(`note: ${note}`);
    if (context.verbose) {
      for (const s of report.skipped) {
        context.err(
          `skipped ${s.source} ${s.outputType} ${s.featureGroup} ${s.modelName}: ${s.reason}`,
        );
      }
    }
    context.out(`Wrote ${report.exportDir}`);
    if (report.figures) context.out(`Wrote ${report.figures}`);
    context.out(
      `${report.docPageWritten ? "Wrote" : "Kept"} ${report.docPage}`,
    );
    if (report.zip) context.out(`Wrote ${report.zip}`);
  },
};
