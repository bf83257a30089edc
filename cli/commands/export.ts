/**
 * `export`: publish a pipeline into a kepler-model-db `models` folder, as in
 * seed 000 — `export --benchmark B -p P -o /path/to/kepler-model-db/models
 * --publisher me --zip=true`, or `--collect-date D` instead of `--benchmark`.
 *
 * @module
 */
import { pipelinePlace } from "./_pipeline_place.ts";
import { about } from "./registry.ts";
import {
  booleanFlag,
  command,
  flag,
  given,
  listParser,
  numberParser,
  option,
  parser,
  required,
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
import { benchmarkFile } from "../../lib/layout.ts";
import { pipelineFolder } from "../../lib/pipeline/mod.ts";
import { WEIGHT_FORMATS } from "../../lib/pipeline/kepler_weight_file.ts";
import { vocabularyParser } from "../../lib/types.ts";
import { sweptNotes } from "./_swept.ts";

/** The collect time of `--benchmark` or `--collect-date`. */
async function collectTimeOf(
  dataPath: string,
  benchmark: string | undefined,
  collectDate: string | undefined,
): Promise<string> {
  if (benchmark !== undefined && collectDate !== undefined) {
    throw new UsageError(
      "give either --benchmark or --collect-date, not both",
    );
  }
  if (benchmark !== undefined) {
    const path = benchmarkFile(dataPath, benchmark);
    if (!(await exists(path))) {
      throw new UsageError(
        `Cannot read the collect time of --benchmark ${benchmark}: ${path} does not exist (query --benchmark ${benchmark} writes it; or give --collect-date)`,
      );
    }
    return collectTimeOfBenchmark(await readJsonFile(path), path);
  }
  if (collectDate !== undefined) {
    try {
      return normalizeCollectDate(collectDate);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  }
  throw new UsageError(
    "missing collect time: give --benchmark <name> or --collect-date <date>",
  );
}

/** The `export` command. */
export const exportCommand = command({
  ...about("export"),
  options: {
    pipelineName: option(
      "-p, --pipeline-name <name>",
      "pipeline in MODEL_PATH to export, or its folder path",
    ),
    output: option(
      "-o, --output <path>",
      "the kepler-model-db models folder (e.g. kepler-model-db/models)",
    ),
    publisher: option(
      "--publisher <account>",
      "GitHub account of the publisher",
    ),
    benchmark: option(
      "--benchmark <name>",
      "benchmark file <data>/<name>.json: the collect time is its start",
    ),
    collectDate: option(
      "--collect-date <date>",
      "collect time, when there is no benchmark file (e.g. 2024-07-25T21:05:43Z or free text)",
    ),
    zip: option(
      "--zip [bool]",
      "also write <output>/v0.7/<pipeline>.zip (--zip, --zip=true)",
      { parse: booleanFlag },
    ),
    input: option(
      "-i, --input <names>",
      "workload information: benchmark or query names, comma separated",
      { parse: listParser() },
    ),
    maeThreshold: option(
      "--mae-threshold <W>",
      "keep models with MAE at most this",
      {
        parse: numberParser({ min: 0 }),
        default: 10,
      },
    ),
    mapeThreshold: option(
      "--mape-threshold <percent>",
      "keep models with a defined MAPE at most this",
      { parse: numberParser({ min: 0 }), default: 20 },
    ),
    hardThreshold: option(
      "--hard-threshold <n>",
      "drop models with MAE or MAPE above this",
      { parse: numberParser({ min: 0 }), default: 100 },
    ),
    figures: flag("--no-figures", "do not write figures.html"),
    weightFormat: option(
      "--weight-format <form>",
      "<Trainer>_<nt>.json form: v0.7.11 (component keys only, as kepler-model-db; every Kepler v0.7) or v0.7.12 (adds model_name, for Kepler v0.7.12+ loading the file from a local path)",
      {
        parse: parser(vocabularyParser("weight format", WEIGHT_FORMATS)),
        default: "v0.7.11",
      },
    ),
  },
  async run(options, context) {
    const { dataPath, errorKey } = context.config;
    const { modelPath, pipeline } = pipelinePlace(
      context.config.modelPath,
      required(options.pipelineName, "-p/--pipeline-name"),
    );
    const output = required(options.output, "-o/--output");
    const publisher = required(options.publisher, "--publisher");
    const collectTime = await collectTimeOf(
      dataPath,
      given(options.benchmark),
      given(options.collectDate),
    );
    const workload = await workloadContent(
      dataPath,
      options.input ?? [],
    );
    const report = await exportPipeline(
      pipelineFolder(modelPath, pipeline),
      output,
      {
        publisher,
        collectTime,
        workload,
        errorKey,
        zip: options.zip === true,
        figures: options.figures !== false,
        weightFormat: options.weightFormat,
        onRecovered: (done) => {
          if (done.rolledForward.length > 0) {
            context.err(
              `note: finished an export an interrupted earlier run had decided: ${
                done.rolledForward.join(", ")
              }`,
            );
          }
          for (const line of sweptNotes(done)) context.err(line);
        },
        thresholds: {
          mae: options.maeThreshold,
          mape: options.mapeThreshold,
          hard: options.hardThreshold,
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
});
