/**
 * `train_from_data` (also `train-from-data`): trains from a preprocessed
 * CSV with upstream's column names —
 * `train_from_data -i preprocess_abs_default_rapl-sysfs_BPFOnly -p std --trainers SGDRegressorTrainer`.
 *
 * @module
 */
import type { CommandDefinition } from "../command.ts";
import { parser } from "../command.ts";
import { UsageError } from "../errors.ts";
import { csvFile } from "../../lib/layout.ts";
import { readFrameCsv } from "../../lib/extract/mod.ts";
import {
  parseEnergySource,
  parseFeatureGroup,
  parseOutputType,
} from "../../lib/types.ts";
import { trainFromFrame } from "../../lib/train/train_from_data.ts";
import { defineTrainFlags, machineSpecFor, parseTrainerList } from "./train.ts";

/** The `train_from_data` command. */
export const trainFromData: CommandDefinition = {
  name: "train_from_data",
  aliases: ["train-from-data"],
  summary: "train models from a preprocessed CSV (upstream's columns)",
  define(command) {
    command
      .option("-i, --input <name>", "preprocessed CSV: <data>/<name>.csv")
      .option(
        "--trainers <list>",
        "trainers, comma separated (default for all ten)",
        parseTrainerList,
      )
      .option(
        "--output-type <type>",
        "AbsPower or DynPower (also -ot)",
        parser(parseOutputType),
        "AbsPower",
      )
      .option(
        "--feature-group <group>",
        "feature group (default: inferred from the columns; also -fg)",
        parser(parseFeatureGroup),
      )
      .option(
        "-e, --energy-source <source>",
        "energy source (default: acpi when the CSV has platform_power, else rapl-sysfs)",
        parser(parseEnergySource),
      );
    defineTrainFlags(command);
  },
  async run(options, context) {
    const { dataPath, modelPath } = context.config;
    if (typeof options.input !== "string") {
      throw new UsageError("missing required option -i, --input <name>");
    }
    const path = csvFile(dataPath, options.input);
    const header = await Deno.open(path).then(async (f) => {
      const buf = new Uint8Array(4096);
      const n = await f.read(buf);
      f.close();
      return new TextDecoder().decode(buf.subarray(0, n ?? 0)).split("\n")[0] ??
        "";
    }).catch(() => "");
    const source = (options.energySource as string | undefined) ??
      (header.split(",").includes("platform_power") ? "acpi" : "rapl-sysfs");
    const frame = await readFrameCsv(path, {
      source: parseEnergySource(source),
    });
    const machine = await machineSpecFor(
      dataPath,
      options.id as string | undefined,
      context,
    );
    const report = await trainFromFrame(frame, {
      modelPath,
      pipelineName: options.pipelineName as string,
      trainers: (options.trainers as never) ?? ["XgboostFitTrainer"],
      outputType: parseOutputType(options.outputType as string),
      split: options.split as "time" | "shuffle",
      seed: options.seed as number,
      ...(options.featureGroup
        ? { featureGroup: options.featureGroup as never }
        : {}),
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
    if (report.models.length === 0) {
      throw new Error("every trainer failed; nothing was written");
    }
  },
};
