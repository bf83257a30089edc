/**
 * Publishing a pipeline as a generation (issue 17 item 4): how long the
 * steps of a publish take (the hard-link copy a training starts from, the
 * zip written into the generation, the swap) and how much disk the kept
 * previous generation costs after a retrain. The pipeline: 10 min of one
 * simulated node with 3 containers, rapl-sysfs, every valid feature group,
 * SGDRegressor and XgboostFit (AbsPower) and SGDRegressor (DynPower), as
 * the fault tests train it.
 *
 * @module
 */
import { join } from "node:path";
import type { BenchFigure, BenchSuite } from "./_types.ts";
import { timeIt } from "./_types.ts";
import { queryResult, simulate } from "../lib/simulate/mod.ts";
import { queryDataFrom } from "../lib/extract/mod.ts";
import { trainPipeline } from "../lib/train/pipeline.ts";
import { beginGeneration, generationsDir } from "../lib/pipeline/generation.ts";
import { collectDir, zipEntries } from "../lib/io/zip.ts";

/** Bytes of the files below `dirs`, each inode counted once (as du does). */
async function diskBytes(dirs: readonly string[]): Promise<number> {
  const seen = new Set<number>();
  let total = 0;
  const walk = async (dir: string): Promise<void> => {
    for await (const e of Deno.readDir(dir)) {
      const path = join(dir, e.name);
      const info = await Deno.lstat(path);
      if (info.isDirectory) await walk(path);
      else if (info.isFile && !seen.has(info.ino ?? -1)) {
        seen.add(info.ino ?? -1);
        total += info.size;
      }
    }
  };
  for (const dir of dirs) await walk(dir);
  return total;
}

/** The median of `n` timings of `fn`, in seconds. */
async function median(n: number, fn: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) times.push((await timeIt(fn)).seconds);
  return times.sort((a, b) => a - b)[Math.floor(n / 2)]!;
}

const hidden = (rel: string) => rel.split("/").some((s) => s.startsWith("."));

/** The suite. */
export const suite: BenchSuite = {
  title: "Publishing a pipeline generation (10 min × 3 containers, 3 trainers)",
  async run(): Promise<BenchFigure[]> {
    const sim = simulate({ duration: 600, containers: 3, seed: 1 });
    const query = queryDataFrom(queryResult(sim));
    const models = await Deno.makeTempDir({ prefix: "kepler-bench-publish-" });
    const options = {
      modelPath: models,
      pipelineName: "p",
      absTrainers: ["SGDRegressorTrainer", "XgboostFitTrainer"] as const,
      dynTrainers: ["SGDRegressorTrainer"] as const,
      machineSpec: sim.spec,
      machineId: "bench",
    };
    try {
      await trainPipeline([query], options);
      const current = await Deno.realPath(join(models, "p"));
      const files = Object.keys(await collectDir(current, { skip: hidden }));
      const zipSeconds = await median(
        5,
        async () => zipEntries(await collectDir(current, { skip: hidden })),
      );
      let beginSeconds = 0;
      const publishSeconds = await median(5, async () => {
        const begun = await timeIt(() => beginGeneration(models, "p"));
        beginSeconds += begun.seconds / 5;
        await begun.result.publish();
      });
      // a real retrain rewrites its models and data: what the kept
      // previous generation costs beside the current one
      await trainPipeline([query], options);
      const gens = generationsDir(models, "p");
      const now = await Deno.realPath(join(models, "p"));
      const all = await diskBytes([gens]);
      const alone = await diskBytes([now]);
      const zip = (await Deno.stat(join(now, ".pipeline.zip"))).size;
      return [
        {
          name: `begin a generation (hard-link copy of ${files.length} files)`,
          value: beginSeconds,
          unit: "s",
        },
        {
          name: "publish: zip the generation into itself",
          value: zipSeconds,
          unit: "s",
        },
        {
          name: "publish in all (zip, rename, swap of the link, prune)",
          value: publishSeconds,
          unit: "s",
        },
        {
          name: "disk: the current generation (its zip included)",
          value: alone / 1e6,
          unit: "MB",
        },
        {
          name: "disk: of which its zip (.pipeline.zip)",
          value: zip / 1e6,
          unit: "MB",
        },
        {
          name: "disk: the previous generation kept after a retrain",
          value: (all - alone) / 1e6,
          unit: "MB",
        },
      ];
    } finally {
      await Deno.remove(models, { recursive: true });
    }
  },
};
