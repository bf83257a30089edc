/**
 * `train`: the training pipeline of seeds 000 and 002 —
 * `train -i kepler_query --id m1 -p std -e rapl-sysfs,acpi`.
 *
 * @module
 */
import type { Command } from "commander";
import {
  type CliContext,
  listParser,
  numberParser,
  parser,
} from "../command.ts";
import type { CommandDefinition } from "../command.ts";
import { UsageError } from "../errors.ts";
import { queryFile } from "../../lib/layout.ts";
import { readQueryFile } from "../../lib/extract/mod.ts";
import type { QueryData } from "../../lib/extract/mod.ts";
import { machineSpecFile } from "../../lib/layout.ts";
import { readJsonFile } from "../../lib/io/json.ts";
import { exists } from "../../lib/io/read.ts";
import { machineSpecFromQuery, type QueryResult } from "../../lib/query/mod.ts";
import {
  type EnergySource,
  type MachineSpec,
  NODE_ATTRIBUTES,
  NODE_INFO_METRIC,
  parseEnergySource,
  parseExtractorName,
  parseFeatureGroup,
  parseIsolatorName,
  parseTrainerName,
  powerMetric,
  type TrainerName,
  TRAINERS,
  vocabularyParser,
} from "../../lib/types.ts";
import { SPLITS } from "../../lib/train/train_model.ts";
import {
  WEIGHT_FORMATS,
  type WeightFormat,
} from "../../lib/pipeline/kepler_weight_file.ts";
import {
  trainPipeline,
  type TrainProgress,
  type TrainReport,
} from "../../lib/train/pipeline.ts";

/** `default` (upstream's word for all ten) or a comma list of trainers. */
export function parseTrainerList(value: string): TrainerName[] {
  return value.trim() === "default"
    ? [...TRAINERS]
    : listParser(parseTrainerName)(value);
}

/** Reads `machine_spec/<id>.json` in upstream's `{attrs, members}` or the flat form. */
export async function readMachineSpec(path: string): Promise<MachineSpec> {
  const doc = await readJsonFile<Record<string, unknown>>(path);
  const attrs =
    (typeof doc.attrs === "object" && doc.attrs !== null
      ? doc.attrs
      : doc) as Record<string, unknown>;
  const spec: Record<string, unknown> = {};
  for (const a of NODE_ATTRIBUTES) {
    const v = attrs[a];
    if (v === undefined) {
      throw new TypeError(
        `Invalid machine spec ${path}: attribute ${a} is missing`,
      );
    }
    spec[a] = v;
  }
  return spec as unknown as MachineSpec;
}

/** Splits `-i a,b.json` into query names. */
export function inputNames(value: string): string[] {
  return value.split(",").map((s) => s.trim()).filter((s) => s !== "");
}

/** Reads the queries of `-i`. */
export async function readQueries(
  dataPath: string,
  input: string,
): Promise<QueryData[]> {
  const names = inputNames(input);
  if (names.length === 0) {
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

/** Prints the AbsPower and DynPower tables sorted by mae, as upstream. */
export function printReport(report: TrainReport, context: CliContext): void {
  for (const source of [...new Set(report.models.map((m) => m.source))]) {
    for (const ot of ["AbsPower", "DynPower"] as const) {
      const rows = report.models.filter((m) =>
        m.source === source && m.outputType === ot
      )
        .sort((a, b) => a.metadata.mae - b.metadata.mae);
      if (rows.length === 0) continue;
      context.out(
        `\n${source} ${ot} (sorted by mae; errors on the held-out split)`,
      );
      context.out(
        `${"feature group".padEnd(20)} ${"model".padEnd(36)} ${
          "mae W".padStart(8)
        } ${"mape %".padStart(8)}`,
      );
      for (const m of rows) {
        const mape = m.metadata.mape < 0 ? "-" : m.metadata.mape.toFixed(2);
        context.out(
          `${m.featureGroup.padEnd(20)} ${m.metadata.model_name.padEnd(36)} ${
            m.metadata.mae.toFixed(2).padStart(8)
          } ${mape.padStart(8)}`,
        );
      }
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

/** Adds the flags train shares with train_from_data. */
export function defineTrainFlags(command: Command): Command {
  return command
    .option("-p, --pipeline-name <name>", "pipeline name", "default")
    .option(
      "--abs-trainers <list>",
      "AbsPower trainers (comma list, or default for all ten)",
      parseTrainerList,
    )
    .option(
      "--dyn-trainers <list>",
      "DynPower trainers (comma list, or default for all ten)",
      parseTrainerList,
    )
    .option(
      "--split <kind>",
      "held-out split for errors: time (blocked, no leakage) or shuffle (upstream's)",
      parser(vocabularyParser("split", SPLITS)),
      "time",
    )
    .option(
      "--seed <n>",
      "seed of all randomness",
      numberParser({ integer: true }),
      42,
    )
    .option(
      "--id <machine id>",
      "machine id: node type from <data>/machine_spec/<id>.json",
    )
    .option("--quiet", "no progress lines");
}

/** Finds the machine spec: --id's file, else kepler_node_info, else none. */
export async function machineSpecFor(
  dataPath: string,
  id: string | undefined,
  context: CliContext,
  query?: QueryData,
): Promise<{ spec?: MachineSpec; id?: string }> {
  if (id !== undefined) {
    const path = machineSpecFile(dataPath, id);
    if (!(await exists(path))) {
      throw new UsageError(
        `Cannot find the machine spec of --id ${id}: ${path} does not exist (query --id ${id} writes it)`,
      );
    }
    return { spec: await readMachineSpec(path), id };
  }
  if (query !== undefined) {
    const found = specFromNodeInfo(query);
    if (found !== undefined) {
      context.err(
        `note: no --id given: node type from kepler_node_info (${found.spec.processor}, ${found.spec.chips} chips; unknown attributes are -1)`,
      );
      return found;
    }
  }
  context.err(
    "warning: no --id given and no kepler_node_info in the query: training for node type 0",
  );
  return {};
}

/** A machine spec from the query's kepler_node_info (and per-CPU/socket series). */
export function specFromNodeInfo(
  query: QueryData,
): { spec: MachineSpec; id: string } | undefined {
  const result: QueryResult = {};
  for (
    const name of [
      NODE_INFO_METRIC,
      "kepler_node_cpu_scaling_frequency_hertz",
      powerMetric("package"),
    ]
  ) {
    const series = query.metrics.get(name);
    if (series === undefined) continue;
    result[name] = series.map((s) => ({
      metric: { ...s.labels },
      values: Array.from(
        s.timestamps,
        (t, i) => [t, String(s.values[i])] as [number, string],
      ),
    }));
  }
  try {
    const spec = machineSpecFromQuery(result);
    if (spec.processor === "") return undefined;
    const instance = query.metrics.get(NODE_INFO_METRIC)?.[0]?.labels.instance;
    return { spec, id: instance ?? "kepler_node_info" };
  } catch {
    return undefined;
  }
}

/** The `train` command. */
export const train: CommandDefinition = {
  name: "train",
  summary:
    "extract, isolate and train AbsPower and DynPower models into a pipeline",
  define(command) {
    command
      .option(
        "-i, --input <names>",
        "query JSON names, comma separated (with or without .json)",
      )
      .option(
        "--extractor <name>",
        "default or smooth",
        parser(parseExtractorName),
        "default",
      )
      .option(
        "--isolator <name>",
        "none, min, profile, trainer or quantile",
        parser(parseIsolatorName),
        "min",
      )
      .option(
        "--profile <name>",
        "idle query JSON for the profile isolator and profile/<source>.json",
      )
      .option(
        "-e, --energy-source <list>",
        "energy sources, comma separated (rapl reads as rapl-sysfs)",
        listParser(parseEnergySource),
        ["rapl-sysfs"],
      )
      .option(
        "--feature-group <list>",
        "feature groups to train (default: every valid one; also -fg)",
        listParser(parseFeatureGroup),
      )
      .option(
        "--thirdparty-metrics <names...>",
        "third-party metrics (also -tm)",
      )
      .option(
        "--target-hints <list>",
        "trainer isolator: target container hints",
      )
      .option(
        "--bg-hints <list>",
        "trainer isolator: background container hints",
      )
      .option(
        "--abs-pipeline-name <name>",
        "trainer isolator: AbsPower pipeline",
      )
      .option(
        "--weight-format <form>",
        "weight.json form: v0.7.11 (component keys only; every Kepler v0.7) or v0.7.12 (adds model_name, for Kepler v0.7.12+ loading the file from a local path)",
        parser(vocabularyParser("weight format", WEIGHT_FORMATS)),
        "v0.7.11",
      );
    defineTrainFlags(command);
  },
  async run(options, context) {
    const { dataPath, modelPath } = context.config;
    const input = typeof options.input === "string" ? options.input : "";
    const queries = await readQueries(dataPath, input);
    const idle = typeof options.profile === "string"
      ? await readQueryFile(queryFile(dataPath, options.profile))
      : undefined;
    const machine = await machineSpecFor(
      dataPath,
      options.id as string | undefined,
      context,
      queries[0],
    );
    const thirdParty = (options.thirdpartyMetrics as string[] | undefined) ??
      context.config.promThirdpartyMetrics;
    const sources = options.energySource as EnergySource[];
    const absTrainers = (options.absTrainers as TrainerName[] | undefined) ??
      [...TRAINERS];
    const dynTrainers = (options.dynTrainers as TrainerName[] | undefined) ??
      [...TRAINERS];
    const trainArguments = {
      command: "train",
      data_path: dataPath,
      input,
      output: "output",
      server: context.config.promServer,
      interval: context.config.promQueryInterval,
      start_time: "",
      end_time: "",
      step: context.config.promQueryStep,
      metric_prefix: "kepler_",
      thirdparty_metrics: thirdParty.join(","),
      to_csv: false,
      pipeline_name: options.pipelineName,
      extractor: options.extractor,
      isolator: options.isolator,
      profile: options.profile ?? null,
      target_hints: options.targetHints ?? null,
      bg_hints: options.bgHints ?? null,
      abs_pipeline_name: options.absPipelineName ?? "",
      energy_source: sources.join(","),
      abs_trainers: absTrainers.join(","),
      dyn_trainers: dynTrainers.join(","),
      trainers: "XgboostFitTrainer",
      vm_train: false,
      benchmark: null,
      output_type: "AbsPower",
      feature_group:
        (options.featureGroup as string[] | undefined)?.join(",") ?? "",
      model_name: null,
      target_data: null,
      scenario: null,
      publisher: null,
      include_raw: null,
      collect_date: null,
      zip: false,
      id: machine.id ?? null,
      split: options.split,
      seed: options.seed,
    };
    const report = await trainPipeline(queries, {
      modelPath,
      pipelineName: options.pipelineName as string,
      sources,
      extractor: parseExtractorName(options.extractor as string),
      isolator: parseIsolatorName(options.isolator as string),
      absTrainers,
      dynTrainers,
      split: options.split as "time" | "shuffle",
      seed: options.seed as number,
      thirdParty,
      vmJobName: context.config.vmJobName,
      weightFormat: options.weightFormat as WeightFormat,
      trainArguments,
      onProgress: progressPrinter(context),
      ...(options.featureGroup
        ? { featureGroups: options.featureGroup as never }
        : {}),
      ...(machine.spec
        ? { machineSpec: machine.spec, machineId: machine.id ?? "unknown" }
        : {}),
      ...(idle ? { idle } : {}),
      ...(typeof options.absPipelineName === "string"
        ? { absPipelineName: options.absPipelineName }
        : {}),
      ...(typeof options.targetHints === "string"
        ? { targetHints: options.targetHints.split(",") }
        : {}),
      ...(typeof options.bgHints === "string"
        ? { bgHints: options.bgHints.split(",") }
        : {}),
    });
    printReport(report, context);
  },
};
