import {
  deepStrictEqual as assertEquals,
  ok as assert,
  rejects as assertRejects,
} from "node:assert/strict";
import { join } from "node:path";
import { parseCsv } from "../io/csv.ts";
import { zipEntries } from "../io/zip.ts";
import {
  listPipelineDirs,
  loadPipelineDir,
  loadPipelineZip,
} from "./pipeline_catalog.ts";
import { testdata } from "../../test/testdata.ts";

const DB = testdata("kepler-model-db/models/v0.7");
const text = (s: string) => new TextEncoder().encode(s);
const WEIGHT =
  '{"platform": {"All_Weights": {"Bias_Weight": 1, "Categorical_Variables": {}, "Numerical_Variables": {"bpf_cpu_time_ms": {"scale": 2, "weight": 3}}}}}';

Deno.test({
  name:
    "loadPipelineDir() reads kepler-model-db's ec2-0.7.11: one model per file stem, metadata from the CSV, specs from the index",
  async fn() {
    const dir = join(DB, "ec2-0.7.11");
    const p = await loadPipelineDir(dir);
    const stems = new Set<string>();
    for (const ot of ["AbsPower", "DynPower"]) {
      for await (const fg of Deno.readDir(join(dir, "rapl-sysfs", ot))) {
        for await (
          const f of Deno.readDir(join(dir, "rapl-sysfs", ot, fg.name))
        ) {
          stems.add(`${ot}/${fg.name}/${f.name.replace(/\.(json|zip)$/, "")}`);
        }
      }
    }
    assertEquals(
      p.models.map((m) => `${m.outputType}/${m.featureGroup}/${m.name}`).sort(),
      [...stems].sort(),
    );
    assertEquals(p.warnings, []);
    const csv = parseCsv(
      await Deno.readTextFile(
        join(dir, "rapl-sysfs_AbsPower_model_metadata.csv"),
      ),
    );
    const col = (n: string) => csv.header.indexOf(n);
    const index = JSON.parse(
      await Deno.readTextFile(join(dir, "node_type_index.json")),
    );
    let checked = 0;
    for (const m of p.models.filter((x) => x.outputType === "AbsPower")) {
      const row = csv.rows.find((r) =>
        r[col("model_name")] === m.name &&
        r[col("feature_group")] === m.featureGroup
      );
      if (row === undefined) continue;
      assertEquals(m.metadata.mae, Number(row[col("mae")]));
      assertEquals(m.nodeType, Number(row[col("node_type")]));
      assertEquals(m.machineSpec, index[String(m.nodeType)].attrs);
      checked++;
    }
    assert(checked > 50, `${checked}`);
    // the two published zips hold pickles: served as archives, evaluated by their weights
    const sgd = p.models.find((m) =>
      m.featureGroup === "BPFOnly" && m.name === "SGDRegressorTrainer_0"
    )!;
    assertEquals([sgd.hasArchive, sgd.estimable, await sgd.load()], [
      true,
      true,
      undefined,
    ]);
  },
});

Deno.test("loadPipelineDir() reads upstream's unpacked layout (pickles, metadata.json, weight.json) for weights and zips", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const m = join(
      dir,
      "up",
      "acpi",
      "DynPower",
      "BPFOnly",
      "SGDRegressorTrainer_2",
    );
    await Deno.mkdir(m, { recursive: true });
    await Deno.writeTextFile(join(dir, "up", "metadata.json"), "{}");
    await Deno.writeTextFile(
      join(m, "metadata.json"),
      '{"model_name": "SGDRegressorTrainer_2", "mae": 4.5, "features": ["bpf_cpu_time_ms"]}',
    );
    await Deno.writeTextFile(
      join(m, "SGDRegressorTrainer_2.json"),
      '{"platform": {"model_file": "platform.pkl", "features": ["bpf_cpu_time_ms"], "fe_files": ["scaler.pkl"]}}',
    );
    await Deno.writeFile(join(m, "platform.pkl"), Uint8Array.of(0x80, 4));
    await Deno.writeTextFile(join(m, "weight.json"), WEIGHT);
    // a stray file and a checkpoint folder are skipped
    await Deno.writeTextFile(
      join(dir, "up", "acpi", "DynPower", "BPFOnly", "notes.json"),
      "{}",
    );
    await Deno.mkdir(
      join(dir, "up", "acpi", "DynPower", "BPFOnly", "checkpoint"),
    );
    const p = await loadPipelineDir(join(dir, "up"));
    assertEquals(p.models.length, 1);
    const model = p.models[0]!;
    assertEquals([
      model.nodeType,
      model.metadata.mae,
      model.estimable,
      model.features,
    ], [2, 4.5, true, ["bpf_cpu_time_ms"]]);
    assertEquals(
      JSON.parse(new TextDecoder().decode(model.weightBody)),
      JSON.parse(WEIGHT),
    );
    assertEquals(await model.load(), undefined); // pickles are not evaluated
    assert((await model.archive())!.length > 0); // zipped from the folder
    assertEquals(p.warnings.length, 1);
    assertEquals(await listPipelineDirs(dir), ["up"]);
    assertEquals(await listPipelineDirs(join(dir, "missing")), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadPipelineZip() reads zips with a top folder, drops training data, and refuses entries that escape", async () => {
  const p = await loadPipelineZip(
    zipEntries({
      "std/metadata.json": text("{}"),
      "std/preprocessed_data/big.csv": text("a,b\n"),
      "std/acpi/AbsPower/BPFOnly/SGDRegressorTrainer_0.json": text(WEIGHT),
    }),
    { name: "std" },
  );
  assertEquals(p.models.map((m) => m.name), ["SGDRegressorTrainer_0"]);
  await assertRejects(
    () =>
      loadPipelineZip(
        zipEntries({ "metadata.json": text("{}"), "../x.json": text("{}") }),
        { name: "z" },
      ),
    RangeError,
  );
  await assertRejects(
    () => loadPipelineZip(text("not a zip"), { name: "z" }),
    SyntaxError,
  );
  await assertRejects(
    () => loadPipelineZip(zipEntries({ "a.json": text("{}") }), { name: "z" }),
    TypeError,
  );
  await assertRejects(
    () =>
      loadPipelineZip(zipEntries({ "metadata.json": text("{}") }), {
        name: "../z",
      }),
    RangeError,
  );
});
