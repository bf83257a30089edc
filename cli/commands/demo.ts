/**
 * `demo`: runs the pipeline on the embedded default (a simulated Kepler
 * node with a known ground truth) as far as the stages go, and prints where
 * everything is. It needs no cluster and no network.
 *
 * @module
 */
import { about } from "./registry.ts";
import { join, relative, resolve } from "node:path";
import { type CliContext, command, numberParser, option } from "../command.ts";
import {
  queryResult,
  simulate,
  type Simulation,
  writeSimulation,
} from "../../lib/simulate/mod.ts";
import { queryDataFrom } from "../../lib/extract/mod.ts";
import { trainPipeline } from "../../lib/train/pipeline.ts";
import type { TrainReport } from "../../lib/train/mod.ts";
import { printReport } from "./train.ts";
import { rankingError } from "../../lib/pipeline/model_metadata.ts";
import { ALL_FEATURE_GROUPS, type FeatureGroup } from "../../lib/types.ts";
import { DEFAULT_TUNE_FITS } from "../../lib/train/tune.ts";

/** Start of the demo's simulated data: 2026-01-01T00:00:00Z. */
export const DEMO_START = 1_767_225_600;

/** Simulates the demo's node and writes its data; prints where. */
async function simulateDemo(
  dataPath: string,
  options: { duration: number; containers: number; seed: number },
  context: CliContext,
): Promise<Simulation> {
  const t0 = performance.now();
  // A fixed start makes the demo reproducible: same seed, same numbers.
  const sim = simulate({
    start: DEMO_START,
    duration: options.duration,
    containers: options.containers,
    seed: options.seed,
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
  return sim;
}

/** Trains the demo pipeline afresh from the simulation. */
async function trainDemo(
  out: string,
  sim: Simulation,
  seed: number,
  context: CliContext,
): Promise<TrainReport> {
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
    seed,
    tune: DEFAULT_TUNE_FITS,
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
  return report;
}

/** Prints the best model per energy source and output type. */
function printBest(report: TrainReport, context: CliContext): void {
  const best = new Map<string, (typeof report.models)[number]>();
  for (const m of report.models) {
    const key = `${m.source} ${m.outputType}`;
    const b = best.get(key);
    // ties (a curve fit on the same main feature in several groups) go to
    // the earlier feature group, as serve and estimate break them
    const order = (x: typeof m) =>
      ALL_FEATURE_GROUPS.indexOf(x.featureGroup as FeatureGroup);
    if (
      b === undefined ||
      (rankingError(m.metadata, "mae") - rankingError(b.metadata, "mae") ||
          order(m) - order(b)) < 0
    ) best.set(key, m);
  }
  context.out(
    "best model per energy source and output type (mae on unseen time: blocked cross-validation, mean ± spread over the folds; the simulator's noise is 2 W):",
  );
  for (const [key, m] of best) {
    const error = typeof m.metadata.cv_mae === "number"
      ? `${m.metadata.cv_mae.toFixed(2)} ± ${
        Number(m.metadata.cv_mae_std).toFixed(2)
      }`
      : m.metadata.mae.toFixed(2);
    context.out(
      `  ${key.padEnd(22)} ${m.featureGroup.padEnd(20)} ${
        m.metadata.model_name.padEnd(36)
      } ${error} W`,
    );
  }
}

/** The `demo` command. */
export const demo = command({
  ...about("demo"),
  options: {
    output: option("-o, --output <dir>", "output folder", {
      default: "demo_output",
    }),
    duration: option("--duration <seconds>", "simulated time", {
      parse: numberParser({ min: 60 }),
      default: 1800,
    }),
    containers: option("--containers <n>", "containers", {
      parse: numberParser({ min: 1, integer: true }),
      default: 20,
    }),
    seed: option("--seed <n>", "seed of all randomness", {
      parse: numberParser({ integer: true }),
      default: 1,
    }),
  },
  async run(options, context) {
    const out = resolve(options.output);
    const dataPath = join(out, "data");
    const sim = await simulateDemo(dataPath, options, context);
    const report = await trainDemo(out, sim, options.seed, context);
    printBest(report, context);
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
});
