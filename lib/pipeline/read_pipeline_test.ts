import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { zipEntries } from "../io/zip.ts";
import { parsePythonList, pythonRepr } from "./model_metadata.ts";
import { zipSource } from "./pipeline_source.ts";
import { readPipeline } from "./read_pipeline.ts";

const text = (s: string) => new TextEncoder().encode(s);
const G = "rapl-sysfs/AbsPower/BPFOnly";

Deno.test("readPipeline() reads every form and takes metadata from the folder, then the summary, then the zip", async () => {
  const files = zipSource({
    "metadata.json": text('{"name": "p"}'),
    "node_type_index.json": text("{}"),
    "rapl-sysfs_AbsPower_model_metadata.csv": text(
      ",model_name,trainer,features,node_type,feature_group\n" +
        "0,B_1,B,\"['bpf_cpu_time_ms', 'bpf_page_cache_hit']\",7,BPFOnly\n",
    ),
    [`${G}/A_0/metadata.json`]: text('{"trainer": "A", "node_type": 4}'),
    [`${G}/A_0.zip`]: zipEntries({}),
    [`${G}/B_1.json`]: text("{}"),
    [`${G}/C_2.zip`]: zipEntries({
      "metadata.json": text('{"node_type": 9, "features": ["x"]}'),
    }),
    [`${G}/D_3.json`]: text("{}"),
    [`${G}/checkpoint/A_package_0.json`]: text("{}"),
    [`${G}/notes.json`]: text("{}"),
    "rapl-sysfs/AbsPower/Other/X_0.json": text("{}"),
  }, "p.zip");
  const p = await readPipeline(files);
  assertEquals(p.metadata, { name: "p" });
  assertEquals(p.nodeTypeIndex, {});
  assertEquals(
    p.models.map((m) => [m.name, m.metadataFrom, m.trainer, m.nodeType]),
    [
      ["A_0", "folder", "A", 4],
      ["B_1", "summary", "B", 7],
      ["C_2", "zip", "C", 9],
      ["D_3", "none", "D", 3], // a bare weight file: only its name tells
    ],
  );
  assertEquals(p.models[0]!.forms, {
    folder: `${G}/A_0`,
    zip: `${G}/A_0.zip`,
  });
  assertEquals(p.models[1]!.features, [
    "bpf_cpu_time_ms",
    "bpf_page_cache_hit",
  ]);
  assertEquals(p.models[1]!.summary?.node_type, "7");
  assertEquals(p.otherFolders, ["rapl-sysfs/AbsPower/Other"]);
  assertEquals(p.warnings, [
    `p.zip/${G}/notes.json: not a model name, skipped`,
  ]);
  assertEquals(p.pathOf(p.models[0]!, "zip"), `p.zip/${G}/A_0.zip`);
});

Deno.test("readPipeline() keeps a model whose metadata cannot be read, with the reason", async () => {
  const p = await readPipeline(zipSource({
    "metadata.json": text("{}"),
    [`${G}/A_0/metadata.json`]: text("{not json"),
    [`${G}/B_1.zip`]: text("not a zip"),
  }, "p"));
  assertEquals(
    p.models.map((m) => [m.name, m.metadataFrom, m.metadataError?.name]),
    [["A_0", "folder", "SyntaxError"], ["B_1", "none", "SyntaxError"]],
  );
});

Deno.test("readPipeline() of a folder without metadata.json has none, and no models", async () => {
  const dir = await Deno.makeTempDir();
  const p = await readPipeline(dir);
  assertEquals([p.metadata, p.models.length, p.summaries.length], [
    undefined,
    0,
    0,
  ]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("parsePythonList() reads back what pythonRepr() writes", () => {
  const lists = [[], ["bpf_cpu_time_ms"], ["a", "b c", "it's"]];
  for (const list of lists) {
    assertEquals(parsePythonList(pythonRepr(list)), list);
  }
});
