/**
 * The full training pipeline on 1 h × 50 containers at 3 s (issue 7): every
 * valid feature group × the default trainers (upstream's ten and
 * SaturatingRegressionTrainer) × AbsPower and DynPower × rapl-sysfs
 * and acpi, with the time per stage. Goal: at most 15 s on 2 cores.
 *
 * @module
 */
import type { BenchFigure, BenchSuite } from "./_types.ts";
import { rssMb, timeIt } from "./_types.ts";
import { queryJsonBytes, simulate } from "../lib/simulate/mod.ts";
import { parseQuery } from "../lib/extract/mod.ts";
import { trainPipeline } from "../lib/train/pipeline.ts";

/** The suite. */
export const suite: BenchSuite = {
  title:
    "Training pipeline (1 h × 50 containers at 3 s, rapl-sysfs + acpi, default trainers)",
  async run(): Promise<BenchFigure[]> {
    const sim = await timeIt(() =>
      simulate({
        start: 1_767_225_600,
        duration: 3600,
        step: 3,
        containers: 50,
        seed: 1,
        sources: ["rapl-sysfs", "acpi"],
      })
    );
    const bytes = await timeIt(() => queryJsonBytes(sim.result));
    const parsed = await timeIt(() => parseQuery(bytes.result));
    const dir = await Deno.makeTempDir({ prefix: "kepler-bench-" });
    try {
      const figures: BenchFigure[] = [];
      for (const workers of [navigator.hardwareConcurrency, 1]) {
        const trained = await timeIt(() =>
          trainPipeline([parsed.result], {
            modelPath: dir,
            pipelineName: `bench${workers}`,
            sources: ["rapl-sysfs", "acpi"],
            machineSpec: sim.result.spec,
            machineId: "bench",
            workers,
          })
        );
        const total = parsed.seconds + trained.seconds;
        if (workers > 1) {
          figures.push(
            {
              name: "simulate (not part of the pipeline)",
              value: sim.seconds + bytes.seconds,
              unit: "s",
            },
            {
              name: `read query JSON (${
                (bytes.result.length / 1e6).toFixed(1)
              } MB)`,
              value: parsed.seconds,
              unit: "s",
            },
            {
              name:
                `extract + isolate + train + write (${trained.result.models.length} models, ${workers} workers)`,
              value: trained.seconds,
              unit: "s",
            },
            {
              name: "pipeline total (read + train)",
              value: total,
              unit: "s",
              goal: "≤ 15 s",
              ok: total <= 15,
            },
          );
        } else {
          figures.push({
            name: "pipeline total on 1 thread (for comparison)",
            value: total,
            unit: "s",
          });
        }
      }
      figures.push({
        name: "process RSS after the runs",
        value: rssMb(),
        unit: "MB",
      });
      return figures;
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
};
