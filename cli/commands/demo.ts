/**
 * `demo`: runs the pipeline on the embedded default (a simulated Kepler
 * node with a known ground truth) as far as the stages go, and prints where
 * everything is. It needs no cluster and no network.
 *
 * @module
 */
import { join, relative, resolve } from "node:path";
import type { CommandDefinition } from "../command.ts";
import { numberParser } from "../command.ts";
import {
  queryResult,
  simulate,
  writeSimulation,
} from "../../lib/simulate/mod.ts";
import { queryDataFrom } from "../../lib/extract/mod.ts";
import { trainPipeline } from "../../lib/train/pipeline.ts";
import { printReport } from "./train.ts";

/** Start of the demo's simulated data: 2026-01-01T00:00:00Z. */
export const DEMO_START = 1_767_225_600;

/** The `demo` command. */
export const demo: CommandDefinition = {
  name: "demo",
  summary: "run the pipeline on simulated Kepler data (no cluster needed)",
  define(command) {
    command
      .option("-o, --output <dir>", "output folder", "demo_output")
      .option(
        "--duration <seconds>",
        "simulated time",
        numberParser({ min: 60 }),
        1800,
      )
      .option(
        "--containers <n>",
        "containers",
        numberParser({ min: 1, integer: true }),
        20,
      )
      .option(
        "--seed <n>",
        "seed of all randomness",
        numberParser({ integer: true }),
        1,
      );
  },
  async run(options, context) {
    const out = resolve(String(options.output));
    const dataPath = join(out, "data");
    const t0 = performance.now();
    // A fixed start makes the demo reproducible: same seed, same numbers.
    const sim = simulate({
      start: DEMO_START,
      duration: options.duration as number,
      containers: options.containers as number,
      seed: options.seed as number,
      sources: ["rapl-sysfs", "acpi"],
    });
    const written = await writeSimulation(dataPath, "kepler_query", sim, {
      benchmark: "stressng",
      machineId: "demo-node",
    });
    const seconds = ((performance.now() - t0) / 1000).toFixed(1);
    context.out(
      `simulated ${sim.metadata.duration} s of one Kepler node with ${options.containers} containers (${seconds} s)`,
    );
    context.out(`  query JSON      ${written.query}`);
    context.out(`  ground truth    ${written.truth}`);
    context.out(`  benchmark       ${written.benchmark}`);
    context.out(`  machine spec    ${written.machineSpec}`);

    // Start the demo pipeline afresh (training into an existing pipeline
    // would continue XgboostFit from the previous run).
    await Deno.remove(join(out, "models", "demo"), { recursive: true }).catch(
      () => {},
    );
    const t1 = performance.now();
    const report = await trainPipeline([queryDataFrom(queryResult(sim))], {
      modelPath: join(out, "models"),
      pipelineName: "demo",
      sources: ["rapl-sysfs", "acpi"],
      seed: options.seed as number,
      machineSpec: sim.spec,
      machineId: "demo-node",
      onProgress: (e) => {
        if (e.kind === "group") {
          context.err(
            `training ${e.source} ${e.featureGroup} (${e.rows.abs} rows)`,
          );
        }
      },
    });
    const trainSeconds = ((performance.now() - t1) / 1000).toFixed(1);
    context.out(
      `\ntrained ${report.models.length} models (${report.featureGroups.length} feature groups × 2 output types × 2 energy sources) in ${trainSeconds} s`,
    );
    const best = new Map<string, (typeof report.models)[number]>();
    for (const m of report.models) {
      const key = `${m.source} ${m.outputType}`;
      const b = best.get(key);
      if (b === undefined || m.metadata.mae < b.metadata.mae) best.set(key, m);
    }
    context.out(
      "best model per energy source and output type (mae on a time-blocked holdout; the simulator's noise is 2 W):",
    );
    for (const [key, m] of best) {
      context.out(
        `  ${key.padEnd(22)} ${m.featureGroup.padEnd(20)} ${
          m.metadata.model_name.padEnd(36)
        } ${m.metadata.mae.toFixed(2)} W`,
      );
    }
    context.out(`  pipeline        ${report.pipelineDir}`);
    context.out(`  archive         ${report.zip}`);
    if (context.verbose) printReport(report, context);
    const rel = (p: string) => relative(Deno.cwd(), p) || ".";
    const models = rel(join(out, "models"));
    context.out(
      "\nnext (in this folder; `npx -y deno@2.9.5 task …` where Deno is not installed):",
    );
    context.out(
      `  DATAPATH=${
        rel(dataPath)
      } MODEL_PATH=${models} deno task estimate -i kepler_query -p demo`,
    );
    context.out(`  MODEL_PATH=${models} deno task serve`);
  },
};
