/**
 * `writeModel()`'s files against what they must hold, computed here on
 * their own: each component file is the model's JSON, its checkpoint the
 * same bytes (one file, hard-linked), the zip the folder as it is on disk;
 * and a model written into a generation built from hard links of the
 * published one leaves the published files as they were.
 *
 * @module
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { join } from "node:path";
import { collectDir, zipEntries } from "../io/zip.ts";
import { writeModel } from "./model_files.ts";

function model(name: string, scale: number) {
  const json = (c: number) => ({
    kind: "linear" as const,
    version: 1,
    coef: [scale * c, 0.5, 1 / 3],
  });
  return {
    name,
    trainer: "SGDRegressorTrainer" as const,
    features: ["bpf_cpu_time_ms"],
    components: {
      package: { model: { toJSON: () => json(1) } },
      dram: { model: { toJSON: () => json(2) } },
    },
    metadata: {
      model_name: name,
      trainer: "SGDRegressorTrainer" as const,
      model_class: "scikit" as const,
      model_file: `${name}.json`,
      features: ["bpf_cpu_time_ms"],
      fe_files: [],
      output_type: "AbsPower" as const,
      mae: 1.5,
      mape: 3,
      node_type: 0,
    },
    expected: (c: number) => JSON.stringify(json(c)) + "\n",
  };
}

/** Copies a tree with hard links, as a generation starts from the last. */
async function linkTree(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const e of Deno.readDir(from)) {
    if (e.isDirectory) await linkTree(join(from, e.name), join(to, e.name));
    else await Deno.link(join(from, e.name), join(to, e.name));
  }
}

Deno.test("writeModel(): the checkpoint is the component file (same bytes, one inode) and the zip is the folder", async () => {
  const dir = await Deno.makeTempDir();
  const m = model("SGDRegressorTrainer_0", 1);
  const folder = await writeModel(dir, m);
  for (const [c, k] of [["package", 1], ["dram", 2]] as const) {
    const file = join(folder, `${c}.json`);
    const checkpoint = join(
      dir,
      "checkpoint",
      `SGDRegressorTrainer_${c}_0.json`,
    );
    assertEquals(await Deno.readTextFile(file), m.expected(k));
    assertEquals(await Deno.readTextFile(checkpoint), m.expected(k));
    assertEquals(
      (await Deno.stat(file)).ino,
      (await Deno.stat(checkpoint)).ino,
    );
  }
  assertEquals(
    await Deno.readFile(join(dir, "SGDRegressorTrainer_0.zip")),
    zipEntries(await collectDir(folder)),
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("writeModel() into a hard-linked copy leaves the published model and checkpoints as they were", async () => {
  const root = await Deno.makeTempDir();
  const published = join(root, "published");
  const building = join(root, "building");
  const old = model("SGDRegressorTrainer_0", 1);
  await writeModel(published, old);
  const before = await collectDir(published);
  await linkTree(published, building);
  const next = model("SGDRegressorTrainer_0", 7);
  await writeModel(building, next);
  assertEquals(await collectDir(published), before);
  const checkpoint = "checkpoint/SGDRegressorTrainer_package_0.json";
  assertEquals(
    await Deno.readTextFile(join(building, checkpoint)),
    next.expected(1),
  );
  assertEquals(
    await Deno.readTextFile(join(published, checkpoint)),
    old.expected(1),
  );
  await Deno.remove(root, { recursive: true });
});
