/**
 * The generation contract of lib/pipeline, end to end: a `train` child
 * process killed (SIGKILL) at a random moment leaves the pipeline folder
 * either the complete old generation or the complete new one, never a mix;
 * and a training that fails before publishing leaves the old one intact.
 */
import {
  deepStrictEqual as assertEquals,
  ok as assert,
  rejects as assertRejects,
} from "node:assert/strict";
import { join } from "node:path";
import { queryDataFrom } from "../lib/extract/read_query.ts";
import { queryResult } from "../lib/simulate/query_json.ts";
import { simulate } from "../lib/simulate/simulate.ts";
import { trainPipeline, writeSummary } from "../lib/train/pipeline.ts";
import { beginGeneration } from "../lib/pipeline/generation.ts";
import { writeFileAtomic } from "../lib/io/atomic.ts";
import { watchModelPath } from "../lib/serve/watch_model_path.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const CLI = join(ROOT, "cli", "main.ts");

async function tree(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (d: string, rel: string) => {
    for await (const e of Deno.readDir(d)) {
      if (e.isDirectory) await walk(join(d, e.name), `${rel}${e.name}/`);
      else {
        const bytes = await Deno.readFile(join(d, e.name));
        const hash = await crypto.subtle.digest("SHA-256", bytes);
        out.set(
          rel + e.name,
          btoa(String.fromCharCode(...new Uint8Array(hash))),
        );
      }
    }
  };
  await walk(dir, "");
  return out;
}

const same = (a: Map<string, string>, b: Map<string, string>) =>
  a.size === b.size && [...a].every(([k, v]) => b.get(k) === v);

function cli(args: string[], env: Record<string, string>) {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, ...args],
    env,
    stdout: "null",
    stderr: "piped",
  });
}

/** Kills per run of the test (each a `train` child process). */
const RUNS = 4;

const TRAIN = [
  "train",
  "-i",
  "q",
  "--abs-trainers",
  "SGDRegressorTrainer,XgboostFitTrainer",
  "--dyn-trainers",
  "SGDRegressorTrainer",
];

async function cp(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const e of Deno.readDir(from)) {
    if (e.isDirectory) await cp(join(from, e.name), join(to, e.name));
    else if (e.isFile) {
      await Deno.copyFile(join(from, e.name), join(to, e.name));
    }
  }
}

/** A MODEL_PATH holding a copy of `pipeline` as its published generation. */
async function modelsWith(dir: string, pipeline: string, zip: string) {
  await cp(pipeline, join(dir, ".default.generations", "1"));
  await Deno.symlink(join(".default.generations", "1"), join(dir, "default"));
  await Deno.copyFile(zip, join(dir, "default.zip"));
}

Deno.test({
  name:
    "a train killed (SIGKILL) at a random moment leaves the old pipeline or the new one, never a mix",
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "kepler-kill-" });
    try {
      const env = (models: string) => ({ DATAPATH: dir, MODEL_PATH: models });
      const sim = await cli(
        ["simulate", "-o", "q", "--duration", "600", "--containers", "3"],
        env(dir),
      ).output();
      assertEquals(sim.code, 0, new TextDecoder().decode(sim.stderr));
      // The old generation, and the listing of a complete new one.
      const ref = join(dir, "ref");
      const first = await cli(TRAIN, env(ref)).output();
      assertEquals(first.code, 0, new TextDecoder().decode(first.stderr));
      const old = await tree(join(ref, "default"));
      const oldDir = join(dir, "old");
      await cp(join(ref, "default"), oldDir);
      await Deno.copyFile(join(ref, "default.zip"), join(dir, "old.zip"));
      const t0 = performance.now();
      const second = await cli(TRAIN, env(ref)).output();
      assertEquals(second.code, 0, new TextDecoder().decode(second.stderr));
      const runMs = performance.now() - t0;
      const newPaths = [...(await tree(join(ref, "default"))).keys()].sort();
      const outcomes = { old: 0, new: 0 };
      for (let k = 0; k < RUNS; k++) {
        const models = join(dir, `m${k}`);
        await modelsWith(models, oldDir, join(dir, "old.zip"));
        const child = cli(TRAIN, env(models)).spawn();
        // spread the kills over the whole run, the publish at its end included
        const delay = runMs * (0.3 + 0.8 * (k + Math.random()) / RUNS);
        await new Promise((r) => setTimeout(r, delay));
        try {
          child.kill("SIGKILL");
        } catch { /* already exited */ }
        await child.status;
        const now = await tree(join(models, "default"));
        if (same(now, old)) outcomes.old++;
        else {
          assertEquals([...now.keys()].sort(), newPaths, `run ${k}: a mix`);
          const meta = JSON.parse(
            await Deno.readTextFile(join(models, "default", "metadata.json")),
          );
          const oldMeta = JSON.parse(
            await Deno.readTextFile(join(oldDir, "metadata.json")),
          );
          assert(meta.last_update_time >= oldMeta.last_update_time);
          for (const path of now.keys()) {
            if (path.endsWith(".json")) {
              JSON.parse(
                await Deno.readTextFile(join(models, "default", path)),
              );
            }
          }
          outcomes.new++;
        }
      }
      assertEquals(outcomes.old + outcomes.new, RUNS);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("trainPipeline() that fails before publishing leaves the published pipeline intact", async () => {
  const models = await Deno.makeTempDir({ prefix: "kepler-fail-" });
  try {
    const q = queryDataFrom(
      queryResult(simulate({ duration: 600, containers: 3, seed: 1 })),
    );
    const options = {
      modelPath: models,
      absTrainers: ["SGDRegressorTrainer"] as const,
      dynTrainers: ["SGDRegressorTrainer"] as const,
      workers: 0,
    };
    await trainPipeline([q], options);
    const before = await tree(join(models, "default"));
    const zipBefore = await Deno.readFile(join(models, "default.zip"));
    let groups = 0;
    await assertRejects(
      trainPipeline([q], {
        ...options,
        seed: 7,
        // the second group's event comes after the first group's files were
        // written into the generation being built
        onProgress: (e) => {
          if (e.kind === "group" && ++groups === 2) {
            throw new Error("interrupted");
          }
        },
      }),
      /interrupted/,
    );
    assert(groups === 2);
    assertEquals(same(await tree(join(models, "default")), before), true);
    assertEquals(await Deno.readFile(join(models, "default.zip")), zipBefore);
    const top: string[] = [];
    for await (const e of Deno.readDir(models)) top.push(e.name);
    assertEquals(top.sort(), [
      ".default.generations",
      "default",
      "default.zip",
    ]);
  } finally {
    await Deno.remove(models, { recursive: true });
  }
});

for (const mode of ["watch", "poll"] as const) {
  Deno.test(`serve's watcher (${mode}) notices a new generation swapped in`, async () => {
    const models = await Deno.makeTempDir({ prefix: "kepler-watch-" });
    try {
      const publish = async (text: string) => {
        const g = await beginGeneration(models, "p");
        await writeFileAtomic(join(g.dir, "metadata.json"), text);
        await writeFileAtomic(
          join(g.dir, "acpi_AbsPower_model_metadata.csv"),
          text,
        );
        await g.publish();
      };
      await publish("{}");
      const seen: string[][] = [];
      let wake: () => void = () => {};
      const watcher = watchModelPath(models, (names) => {
        seen.push(names);
        wake();
      }, { mode, pollIntervalMs: 50, debounceMs: 50 });
      await watcher.ready;
      const changed = new Promise<void>((r) => wake = r);
      await publish('{"v": 2}');
      await Promise.race([
        changed,
        new Promise((_, reject) =>
          setTimeout(() => reject(new Error("no change noticed")), 10_000)
        ),
      ]);
      await watcher.close();
      // the pipeline's name (and, as before generations, its zip's)
      assert(seen.flat().includes("p"), JSON.stringify(seen));
    } finally {
      await Deno.remove(models, { recursive: true });
    }
  });
}

Deno.test("the summary written from memory equals the one rebuilt from the model folders, after a second node type", async () => {
  const models = await Deno.makeTempDir({ prefix: "kepler-summary-" });
  try {
    const q = queryDataFrom(
      queryResult(simulate({ duration: 600, containers: 3, seed: 2 })),
    );
    const spec = (cores: number) => ({
      processor: "p",
      cores,
      chips: 1,
      memory: 64,
      frequency: 3000,
    });
    const options = {
      modelPath: models,
      absTrainers: ["SGDRegressorTrainer", "XgboostFitTrainer"] as const,
      dynTrainers: ["SGDRegressorTrainer"] as const,
      workers: 0,
    };
    await trainPipeline([q], { ...options, machineSpec: spec(8) });
    const report = await trainPipeline([q], {
      ...options,
      machineSpec: spec(96),
    });
    // the same folders, their summaries rebuilt by reading every model's
    // metadata.json back (what train did before it wrote from memory)
    const copy = join(models, "copy");
    await cp(report.pipelineDir, copy);
    for (const ot of ["AbsPower", "DynPower"] as const) {
      const name = `rapl-sysfs_${ot}_model_metadata.csv`;
      const fromMemory = await Deno.readTextFile(
        join(report.pipelineDir, name),
      );
      await Deno.remove(join(copy, name));
      await writeSummary(copy, "rapl-sysfs", ot);
      assertEquals(fromMemory, await Deno.readTextFile(join(copy, name)));
      assert(/_1,/.test(fromMemory), "both node types are listed");
    }
  } finally {
    await Deno.remove(models, { recursive: true });
  }
});
