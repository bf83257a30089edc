/**
 * `estimate` on a 1 h query (50 containers at 3 s, the simulator's query
 * JSON, what `query` writes): a pipeline is trained first on another
 * 30-minute simulation of the same machine (all ten trainers, rapl-sysfs,
 * every valid feature group), then timed:
 *
 * - reading the 1 h query JSON into columnar series;
 * - `estimate` with the best model only (`--model-name` and `-fg` of the
 *   best one): extraction of its feature group + prediction + errors +
 *   the estimation table — what a user re-running the best model waits for
 *   after the read;
 * - writing estimation_result.csv and model.zip;
 * - `estimate` with every model of the pipeline (what plain `estimate -i`
 *   does after the read), and with a Kepler weight file.
 *
 * Figures are the median of 3 runs after a warm-up (1 run for all models).
 * No goal is set by the issue; the machine is shared (2 cores): expect
 * ±30 % between runs.
 *
 * Run alone with `deno run -A bench/estimate_bench.ts`.
 *
 * @module
 */
import type { BenchFigure, BenchSuite } from "./_types.ts";
import { timeIt } from "./_types.ts";
import { estimate, writeEstimate } from "../lib/estimate/mod.ts";
import { queryDataFrom, readQueryFile } from "../lib/extract/mod.ts";
import { queryJsonBytes, queryResult, simulate } from "../lib/simulate/mod.ts";
import { trainPipeline } from "../lib/train/pipeline.ts";
import type { MachineSpec } from "../lib/types.ts";

async function median(
  runs: number,
  fn: () => Promise<unknown>,
): Promise<number> {
  await fn(); // warm-up
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push((await timeIt(fn)).seconds);
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

/** Trains the pipeline to estimate with (30 min × 50 containers). */
function trainBenchPipeline(dir: string) {
  const train = simulate({
    start: 1_700_000_001,
    duration: 1800,
    containers: 50,
    seed: 11,
  });
  return trainPipeline(
    [queryDataFrom(queryResult(train), { origin: "train" })],
    {
      modelPath: dir,
      pipelineName: "bench",
      machineSpec: train.spec as MachineSpec,
    },
  );
}

/** Writes the query JSON to estimate from (1 h × 50 containers); its MB. */
async function writeBenchQuery(path: string): Promise<number> {
  const sim = simulate({
    start: 1_700_010_001,
    duration: 3600,
    containers: 50,
    seed: 12,
  });
  await Deno.writeFile(path, queryJsonBytes(sim));
  return (await Deno.stat(path)).size / 1e6;
}

/** The estimate benchmark suite. */
export const suite: BenchSuite = {
  title: "estimate: 1 h × 50 containers at 3 s with the best model",
  async run(): Promise<BenchFigure[]> {
    const dir = await Deno.makeTempDir({ prefix: "estimate_bench_" });
    try {
      const report = await trainBenchPipeline(dir);
      const path = `${dir}/kepler_query.json`;
      const jsonMb = await writeBenchQuery(path);

      const read = await timeIt(() => readQueryFile(path));
      const query = read.result;
      const pipelines = [report.pipelineDir];
      const all = await timeIt(() => estimate([query], { pipelines }));
      const s = all.result.sources[0]!;
      const best = s.best;
      const bestOptions = {
        pipelines,
        modelName: best.name,
        featureGroup: best.featureGroup,
      };
      const bestSeconds = await median(3, () => estimate([query], bestOptions));
      const one = await estimate([query], bestOptions);
      const write = await median(
        3,
        () => writeEstimate(one, `${dir}/output`),
      );
      const weightFile = `${dir}/weight.json`;
      const sgd =
        `${report.pipelineDir}/rapl-sysfs/AbsPower/BPFOnly/SGDRegressorTrainer_0/weight.json`;
      await Deno.copyFile(sgd, weightFile);
      const weightSeconds = await median(
        3,
        () => estimate([query], { modelFiles: [weightFile] }),
      );
      return [
        { name: "query JSON size", value: jsonMb, unit: "MB" },
        {
          name: "rows of the best model's data",
          value: s.table.rows.length,
          unit: "rows",
        },
        { name: "read the query JSON", value: read.seconds, unit: "s" },
        {
          name:
            `estimate with the best model (${best.name}, ${best.featureGroup}; extraction included)`,
          value: bestSeconds,
          unit: "s",
        },
        {
          name: "write estimation_result.csv and model.zip",
          value: write,
          unit: "s",
        },
        {
          name:
            `estimate with all ${s.models.length} models of the pipeline (1 run)`,
          value: all.seconds,
          unit: "s",
        },
        {
          name: "estimate with a Kepler weight file (SGD, BPFOnly)",
          value: weightSeconds,
          unit: "s",
        },
      ];
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
};

if (import.meta.main) {
  for (const f of await suite.run()) {
    console.log(`${f.name}: ${f.value.toPrecision(3)} ${f.unit}`);
  }
}
