/**
 * `estimate`: power estimated from a query with the trained models (or
 * published weight files), as in seed 002 — `estimate -i output.json`
 * writes `output/estimation_result.csv` and `output/model.zip`. The best
 * model is the one `train`, `export` and `serve` pick: the lowest holdout
 * error recorded at training (`ERROR_KEY`), not the error on this query.
 *
 * @module
 */
import { about } from "./registry.ts";
import {
  type CliContext,
  command,
  flag,
  given,
  listParser,
  option,
  parser,
} from "../command.ts";
import { UsageError } from "../errors.ts";
import { readQueries } from "./train.ts";
import { runVmEstimate } from "./_vm_estimate.ts";
import { pipelineFolderToRead } from "./_pipeline_place.ts";
import { readQueryFile } from "../../lib/extract/mod.ts";
import {
  compareEstimates,
  estimate,
  type ModelEstimate,
  type SourceEstimate,
  writeEstimate,
} from "../../lib/estimate/mod.ts";
import { outputDir, queryFile } from "../../lib/layout.ts";
import {
  parseEnergySource,
  parseFeatureGroup,
  parseOutputType,
} from "../../lib/types.ts";

function percent(v: number | undefined): string {
  return v === undefined ? "-" : `${(v * 100).toFixed(1)}%`;
}

function figure(v: number | undefined): string {
  return v === undefined ? "-" : Number.isFinite(v) ? v.toFixed(2) : "failed";
}

function modelLine(m: ModelEstimate, width: number, cv: boolean): string {
  const mape = m.mape < 0 ? "-" : m.mape.toFixed(2);
  const coverage = m.coverage === undefined
    ? "-"
    : `${percent(m.coverage)} of ${percent(m.nominal)}`;
  const holdout = figure(m.holdoutError);
  const cvCell = cv ? ` ${figure(m.rankError).padStart(width)}` : "";
  return `${m.featureGroup.padEnd(20)} ${m.name.padEnd(36)} ${
    (m.pipeline ?? m.kind).padEnd(14)
  } ${holdout.padStart(width)}${cvCell} ${m.mae.toFixed(2).padStart(8)} ${
    mape.padStart(8)
  }  ${coverage}`;
}

function printSource(s: SourceEstimate, context: CliContext): void {
  const cv = s.models.some((m) => m.rankError !== undefined);
  const ranking = cv
    ? `ranked by the ${s.errorKey} of each model's blocked cross-validation at training (else its holdout ${s.errorKey}; ERROR_KEY), as train, export and serve rank them`
    : s.rankedBy === "holdout"
    ? `ranked by the ${s.errorKey} on each model's training holdout (ERROR_KEY), as train, export and serve rank them`
    : `ranked by MAE on this query: no model records a training ${s.errorKey}`;
  context.out(
    `\n${s.source} ${s.outputType}: ${s.models.length} models on ${s.table.rows.length} rows, ${ranking}; MAE and MAPE are per row of this query, the max over components`,
  );
  const holdoutTitle = `holdout ${s.errorKey}`;
  const width = Math.max(8, holdoutTitle.length);
  const cvTitle = cv ? ` ${`cv ${s.errorKey}`.padStart(width)}` : "";
  context.out(
    `${"feature group".padEnd(20)} ${"model".padEnd(36)} ${
      "pipeline".padEnd(14)
    } ${holdoutTitle.padStart(width)}${cvTitle} ${"MAE W".padStart(8)} ${
      "MAPE %".padStart(8)
    }  interval coverage`,
  );
  for (const m of [...s.models].sort(compareEstimates)) {
    context.out(modelLine(m, width, cv));
  }
  const b = s.best;
  context.out(
    `best: ${b.name} (${b.featureGroup}${
      b.pipeline ? `, pipeline ${b.pipeline}` : ""
    }): max-over-components MAE ${b.mae.toFixed(2)} W on this query; ${
      b.rankError !== undefined
        ? `picked by its cross-validation ${s.errorKey} ${
          figure(b.rankError)
        } (holdout ${figure(b.holdoutError)})`
        : b.holdoutError === undefined
        ? `picked by that MAE (no training ${s.errorKey} recorded)`
        : `picked by its training holdout ${s.errorKey} ${
          b.holdoutError.toFixed(2)
        }`
    }`,
  );
  for (const c of b.components) {
    context.out(
      `  ${c.component}: MAE ${c.mae.toFixed(2)} W, MAPE ${
        c.mape < 0 ? "-" : `${c.mape.toFixed(2)}%`
      }, interval coverage ${percent(c.coverage)}${
        c.nominal === undefined ? "" : ` (nominal ${percent(c.nominal)})`
      }`,
    );
  }
  for (const n of s.skippedGroups ?? []) context.err(`note: ${n}`);
  if (context.verbose) { for (const n of s.notes) context.err(`note: ${n}`); }
}

/** The `estimate` command. */
export const estimateCommand = command({
  ...about("estimate"),
  options: {
    input: option(
      "-i, --input <names>",
      "query JSON names, comma separated (with or without .json)",
      { parse: listParser() },
    ),
    output: option("-o, --output <name>", "output folder <data>/<name>/", {
      default: "output",
    }),
    pipelineName: option(
      "-p, --pipeline-name <name>",
      "pipeline in MODEL_PATH, or a pipeline folder path (default: every pipeline with models)",
    ),
    modelName: option(
      "--model-name <name>",
      "only this model, e.g. SGDRegressorTrainer_0",
    ),
    modelFile: option(
      "--model-file <paths>",
      "weight JSON files, model zips or model folders, comma separated",
      { parse: listParser() },
    ),
    energySource: option(
      "-e, --energy-source <list>",
      "energy sources, comma separated (rapl reads as rapl-sysfs)",
      { parse: listParser(parseEnergySource), default: ["rapl-sysfs"] },
    ),
    outputType: option(
      "--output-type <type>",
      "AbsPower or DynPower (also -ot)",
      {
        parse: parser(parseOutputType),
        default: "AbsPower",
      },
    ),
    featureGroup: option(
      "--feature-group <group>",
      "only this feature group (also -fg)",
      { parse: parser(parseFeatureGroup) },
    ),
    profile: option(
      "--profile <name>",
      "idle query JSON: background containers for the profile isolator",
    ),
    thirdpartyMetrics: option(
      "--thirdparty-metrics <names...>",
      "third-party metrics (also -tm; default: $PROM_THIRDPARTY_METRICS)",
      { parse: listParser() },
    ),
    id: option(
      "--id <id>",
      "machine id: as upstream, print the errors and write no files (the estimate export runs)",
    ),
    // VM power (issue 20)
    vm: flag(
      "--vm",
      "estimate VMs' power: -i the guests' queries, -p a VM pipeline (train --vm-train); the VM model of the closest size",
    ),
    vmHost: option(
      "--vm-host <name>",
      "with --vm: the host's query, to compare with the power it attributes to each VM",
    ),
    vmSpec: option(
      "--vm-spec <vcpus:memoryGiB>",
      "with --vm: the VMs' spec (default: machine_spec/<guest>.json)",
    ),
  },
  async run(options, context) {
    if (options.vm) return await runVmEstimate(options, context);
    if (options.vmHost !== undefined || options.vmSpec !== undefined) {
      throw new UsageError("--vm-host and --vm-spec need --vm");
    }
    const { dataPath, modelPath } = context.config;
    if (options.input === undefined || options.input.length === 0) {
      throw new UsageError("missing required option -i/--input");
    }
    const queries = await readQueries(dataPath, options.input);
    const pipeline = given(options.pipelineName);
    const profile = given(options.profile);
    const idle = profile === undefined
      ? undefined
      : await readQueryFile(queryFile(dataPath, profile));
    const modelName = given(options.modelName);
    const report = await estimate(queries, {
      modelPath,
      ...(pipeline === undefined ? {} : {
        pipelines: [await pipelineFolderToRead(modelPath, pipeline)],
      }),
      modelFiles: options.modelFile ?? [],
      sources: options.energySource,
      outputType: options.outputType,
      thirdParty: options.thirdpartyMetrics ??
        context.config.promThirdpartyMetrics,
      vmJobName: context.config.vmJobName,
      errorKey: context.config.errorKey,
      ...(options.featureGroup ? { featureGroup: options.featureGroup } : {}),
      ...(modelName === undefined ? {} : { modelName }),
      ...(idle === undefined ? {} : { idle }),
    });
    for (const s of report.sources) printSource(s, context);
    if (given(options.id) !== undefined) {
      context.err(`note: --id given: nothing written (as upstream's estimate)`);
      return;
    }
    const written = await writeEstimate(
      report,
      outputDir(dataPath, options.output),
    );
    context.out("");
    for (const path of written) context.out(`Wrote ${path}`);
  },
});
