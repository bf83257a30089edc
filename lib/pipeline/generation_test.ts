import {
  deepStrictEqual as assertEquals,
  ok as assert,
  rejects as assertRejects,
} from "node:assert/strict";
import { join } from "node:path";
import { writeFileAtomic } from "../io/atomic.ts";
import { readZipFile } from "../io/zip.ts";
import { beginGeneration, generationsDir } from "./generation.ts";

async function tree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (d: string, rel: string) => {
    for await (const e of Deno.readDir(d)) {
      if (e.name.startsWith(".")) continue; // the generation's own zip
      if (e.isDirectory) await walk(join(d, e.name), `${rel}${e.name}/`);
      else out[rel + e.name] = await Deno.readTextFile(join(d, e.name));
    }
  };
  await walk(dir, "");
  return out;
}

async function withModels(fn: (models: string) => Promise<void>) {
  const models = await Deno.makeTempDir({ prefix: "kepler-gen-" });
  try {
    await fn(models);
  } finally {
    await Deno.remove(models, { recursive: true });
  }
}

async function publishTree(
  models: string,
  files: Record<string, string>,
): Promise<void> {
  const g = await beginGeneration(models, "p");
  for (const [name, text] of Object.entries(files)) {
    await writeFileAtomic(join(g.dir, name), text);
  }
  await g.publish();
}

Deno.test("beginGeneration(): publish swaps the symlink, writes the zip and keeps one previous generation", async () => {
  await withModels(async (models) => {
    await publishTree(models, { "metadata.json": "1", "a/x.json": "x1" });
    assert((await Deno.lstat(join(models, "p"))).isSymlink);
    assertEquals(await tree(join(models, "p")), {
      "metadata.json": "1",
      "a/x.json": "x1",
    });
    await publishTree(models, { "metadata.json": "2" });
    // continued from the old generation: a/x.json kept
    assertEquals(await tree(join(models, "p")), {
      "metadata.json": "2",
      "a/x.json": "x1",
    });
    const zip = await readZipFile(join(models, "p.zip"));
    assertEquals(Object.keys(zip).sort(), ["a/x.json", "metadata.json"]);
    await publishTree(models, { "metadata.json": "3" });
    const gens: string[] = [];
    for await (const e of Deno.readDir(generationsDir(models, "p"))) {
      gens.push(e.name);
    }
    assertEquals(gens.sort(), ["2", "3"]);
    // nothing is left aside
    const top: string[] = [];
    for await (const e of Deno.readDir(models)) top.push(e.name);
    assertEquals(top.sort(), [".p.generations", "p", "p.zip"]);
  });
});

Deno.test("beginGeneration(): a build that fails before publish leaves the published pipeline as it was", async () => {
  await withModels(async (models) => {
    await publishTree(models, { "metadata.json": "1", "a/x.json": "x1" });
    const before = await tree(join(models, "p"));
    const zipBefore = await Deno.readFile(join(models, "p.zip"));
    const g = await beginGeneration(models, "p");
    await assertRejects(async () => {
      try {
        // every writer of a pipeline writes atomically (temp file, rename)
        await writeFileAtomic(join(g.dir, "a", "x.json"), "half");
        await writeFileAtomic(join(g.dir, "metadata.json"), "2");
        throw new Error("interrupted");
      } catch (error) {
        await g.abort();
        throw error;
      }
    }, /interrupted/);
    assertEquals(await tree(join(models, "p")), before);
    assertEquals(await Deno.readFile(join(models, "p.zip")), zipBefore);
    const top: string[] = [];
    for await (const e of Deno.readDir(models)) top.push(e.name);
    assertEquals(top.sort(), [".p.generations", "p", "p.zip"]);
  });
});

Deno.test("beginGeneration(): a generation's hard links never change the published files", async () => {
  await withModels(async (models) => {
    await publishTree(models, { "metadata.json": "1" });
    const g = await beginGeneration(models, "p");
    // atomic writes replace the link (a rename), they never write into it
    const tmp = join(g.dir, ".metadata.json.tmp");
    await Deno.writeTextFile(tmp, "2");
    await Deno.rename(tmp, join(g.dir, "metadata.json"));
    assertEquals(await Deno.readTextFile(join(models, "p/metadata.json")), "1");
    await g.publish();
    assertEquals(await Deno.readTextFile(join(models, "p/metadata.json")), "2");
  });
});

Deno.test("beginGeneration(): a pipeline folder of the old layout becomes the first generation", async () => {
  await withModels(async (models) => {
    await Deno.mkdir(join(models, "p", "a"), { recursive: true });
    await Deno.writeTextFile(join(models, "p", "metadata.json"), "old");
    await Deno.writeTextFile(join(models, "p", "a", "x.json"), "x0");
    const g = await beginGeneration(models, "p");
    await writeFileAtomic(join(g.dir, "metadata.json"), "new");
    assertEquals(
      await Deno.readTextFile(join(models, "p/metadata.json")),
      "old",
    );
    await g.publish();
    assert((await Deno.lstat(join(models, "p"))).isSymlink);
    assertEquals(await tree(join(models, "p")), {
      "metadata.json": "new",
      "a/x.json": "x0",
    });
    const gens: string[] = [];
    for await (const e of Deno.readDir(generationsDir(models, "p"))) {
      gens.push(e.name);
    }
    assertEquals(gens.sort(), ["1", "2"]);
  });
});

Deno.test("beginGeneration({ copy: false }) starts empty; a removed link starts afresh", async () => {
  await withModels(async (models) => {
    await publishTree(models, { "metadata.json": "1", "a/x.json": "x1" });
    const g = await beginGeneration(models, "p", { copy: false });
    await writeFileAtomic(join(g.dir, "metadata.json"), "2");
    await g.publish();
    assertEquals(await tree(join(models, "p")), { "metadata.json": "2" });
    await Deno.remove(join(models, "p"));
    await publishTree(models, { "metadata.json": "3" });
    assertEquals(await tree(join(models, "p")), { "metadata.json": "3" });
  });
});

Deno.test("beginGeneration(): a link whose generation is gone starts afresh", async () => {
  await withModels(async (models) => {
    await publishTree(models, { "metadata.json": "1" });
    await Deno.remove(generationsDir(models, "p"), { recursive: true });
    await publishTree(models, { "metadata.json": "2" });
    assertEquals(await tree(join(models, "p")), { "metadata.json": "2" });
  });
});
