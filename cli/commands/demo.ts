/**
 * `demo`: runs the pipeline on the embedded default (a simulated Kepler
 * node with a known ground truth) as far as the stages go, and prints where
 * everything is. It needs no cluster and no network.
 *
 * @module
 */
import { join, resolve } from "node:path";
import type { CommandDefinition } from "../command.ts";
import { numberParser } from "../command.ts";
import { simulate, writeSimulation } from "../../lib/simulate/mod.ts";

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
    const sim = simulate({
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
  },
};
