/**
 * `exportPipeline()` end to end on a pipeline trained from simulated data,
 * checked against the published kepler-model-db pipeline ec2-0.7.11 (file
 * set per model, README sections and table columns, error report sections,
 * metadata CSV columns) and upstream's golden export (CSV columns), plus the
 * thresholds, re-export and bad input.
 */
import {
  deepStrictEqual as assertEquals,
  ok as assert,
  rejects as assertRejects,
} from "node:assert/strict";
import { dirname, join, relative } from "node:path";
import { exportPipeline } from "../lib/export/mod.ts";
import { queryDataFrom } from "../lib/extract/mod.ts";
import { parseCsv, readZipFile } from "../lib/io/mod.ts";
import { queryResult, simulate } from "../lib/simulate/mod.ts";
import {
  keplerCurveOf,
  keplerPredict,
  readWeightFile,
} from "../lib/pipeline/kepler_weight_file.ts";
import { trainPipeline } from "../lib/train/pipeline.ts";
import {
  COMPONENTS,
  CURVE_FIT_TRAINERS,
  type MachineSpec,
  WEIGHT_SUPPORT_TRAINERS,
} from "../lib/types.ts";
import { testdata } from "./testdata.ts";

const PUBLISHED = testdata("kepler-model-db/models/v0.7");
const EC2 = join(PUBLISHED, "ec2-0.7.11");
const GOLDEN = testdata(
  "kepler-model-server/generated-from-upstream-head/export-kepler-model-db/v0.7/demo_pipeline",
);

const WEIGHT = WEIGHT_SUPPORT_TRAINERS as readonly string[];
const NOW = () => new Date(Date.UTC(2024, 7, 14, 7, 12, 48));

/** A small real pipeline: simulate 30 min, train 3 trainers on 2 groups. */
async function buildPipeline(modelPath: string): Promise<string> {
  const sim = simulate({
    start: 1_700_000_001,
    duration: 1800,
    containers: 8,
    seed: 3,
  });
  const query = queryDataFrom(queryResult(sim), { origin: "sim.json" });
  const report = await trainPipeline([query], {
    modelPath,
    pipelineName: "sim-0.7.11",
    sources: ["rapl-sysfs", "acpi"],
    featureGroups: ["BPFOnly", "Basic"],
    absTrainers: [
      "SGDRegressorTrainer",
      "LogarithmicRegressionTrainer",
      "GradientBoostingRegressorTrainer",
    ],
    dynTrainers: ["SGDRegressorTrainer", "GradientBoostingRegressorTrainer"],
    machineSpec: sim.spec as MachineSpec,
    machineId: "m1",
    now: () => new Date(Date.UTC(2024, 7, 14, 7, 11, 3)),
  });
  return report.pipelineDir;
}

const root = await Deno.makeTempDir({ prefix: "kepler-export-" });
const pipeline = await buildPipeline(join(root, "models"));
addEventListener("unload", () => Deno.removeSync(root, { recursive: true }));

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string) => {
    for await (const e of Deno.readDir(d)) {
      const p = join(d, e.name);
      if (e.isDirectory) await walk(p);
      else out.push(relative(dir, p));
    }
  };
  await walk(dir);
  return out.sort();
}

const exists = (p: string) => Deno.stat(p).then(() => true, () => false);
const lines = async (p: string) => (await Deno.readTextFile(p)).split("\n");
const headings = (text: string[]) => text.filter((l) => /^#+ /.test(l));

let exportCount = 0;
async function doExport(
  options: Partial<Parameters<typeof exportPipeline>[2]> = {},
  from = pipeline,
) {
  const out = join(root, `db${exportCount++}`);
  const report = await exportPipeline(from, out, {
    publisher: "sim-publisher",
    collectTime: "2023-11-14 22:13:21",
    now: NOW,
    plotlySource: "",
    ...options,
  });
  return { out, report, dir: report.exportDir };
}

const main = await doExport({ zip: true });

Deno.test("`exportPipeline()` writes every model's zip, and a weight file exactly for weight-support trainers, as published", async () => {
  const ours = await listFiles(main.dir);
  const models = ours.filter((f) => f.split("/").length === 4);
  const published = (await listFiles(EC2)).filter((f) =>
    f.split("/").length === 4
  );
  // Published: group files are <Trainer>_<nt>.{json,zip}, json only for weight-support trainers.
  assert(published.length > 0, EC2);
  for (const f of published) {
    assert(/^[^/]+\/(AbsPower|DynPower)\/\w+\/\w+_\d+\.(json|zip)$/.test(f), f);
    if (f.endsWith(".json")) {
      assert(WEIGHT.includes(f.split("/")[3]!.replace(/_\d+\.json$/, "")), f);
    }
  }
  for (const f of models) {
    assert(/^[^/]+\/(AbsPower|DynPower)\/\w+\/\w+_\d+\.(json|zip)$/.test(f), f);
  }
  // One zip per exported row; a json exactly for the weight-support ones.
  for (const m of main.report.models) {
    const base = `${m.source}/${m.outputType}/${m.featureGroup}/${m.modelName}`;
    assert(models.includes(`${base}.zip`), base);
    assertEquals(
      models.includes(`${base}.json`),
      WEIGHT.includes(m.trainer),
      base,
    );
  }
  assertEquals(
    models.filter((f) => f.endsWith(".zip")).length,
    main.report.models.length,
  );
  // The exported zip is the pipeline's model zip, byte for byte.
  const m = main.report.models[0]!;
  const rel =
    `${m.source}/${m.outputType}/${m.featureGroup}/${m.modelName}.zip`;
  assertEquals(
    await Deno.readFile(join(main.dir, rel)),
    await Deno.readFile(join(pipeline, rel)),
  );
});

Deno.test({
  name:
    "`exportPipeline()` writes the pipeline-level files of the published pipeline (figures as HTML instead of PNGs)",
  fn: async () => {
    const norm = (names: string[]) =>
      [
        ...new Set(
          names.filter((n) => !n.endsWith(".png")).map((n) =>
            n.replace(/^(rapl-sysfs|acpi)(?=$|_|\/)/, "<source>").replace(
              /node_type_\d+/,
              "node_type_<n>",
            ).split("/").slice(0, 2).join("/")
          ),
        ),
      ].sort();
    const published = norm(await listFiles(EC2)).filter((n) =>
      !n.startsWith("<source>/")
    );
    const ours = norm(await listFiles(main.dir)).filter((n) =>
      !n.startsWith("<source>/")
    );
    assertEquals(ours, [...published, "figures.html"].sort());
    assertEquals(published, [
      "<source>_AbsPower_model_metadata.csv",
      "<source>_DynPower_model_metadata.csv",
      "README.md",
      "error_report/node_type_<n>.md",
      "metadata.json",
      "node_type_index.json",
    ]);
  },
});

Deno.test({
  name:
    "`exportPipeline()` README has the published sections and node-type table columns",
  fn: async () => {
    const pub = await lines(join(EC2, "README.md"));
    const ours = await lines(join(main.dir, "README.md"));
    assertEquals(pub[0], "# ec2-0.7.11 on v0.7.11 Build");
    assertEquals(ours[0], "# sim-0.7.11 on v0.7.11 Build");
    assertEquals(ours[2], pub[2]); // MAE Threshold = 10, MAPE Threshold = 20%
    assert(/^Available Node Type: \d+$/.test(pub[4]!));
    assertEquals(ours[4], "Available Node Type: 1");
    const tableHeader = pub.find((l) => l.startsWith("| node type"));
    assertEquals(ours.find((l) => l.startsWith("| node type")), tableHeader);
    assert(
      ours.includes(
        "| 0 | intel_xeon_silver_4210r | 40 | 2 | 125 | 3200 | 1 | [link](./error_report/node_type_0.md) |",
      ),
      ours.join("\n"),
    );
    // Sections: "## <source> (<ot>)", one per source and output type with exported models.
    const section = /^## (\S+) \((AbsPower|DynPower)\)$/;
    assert(headings(pub).slice(1).every((h) => section.test(h)));
    const expected = new Set(
      main.report.models.map((m) => `## ${m.source} (${m.outputType})`),
    );
    assertEquals(new Set(headings(ours).slice(1)), expected);
    // Figure links point at plots that exist in figures.html.
    const html = await Deno.readTextFile(join(main.dir, "figures.html"));
    const links = ours.join("\n").match(/\(figures\.html#plot-\d+\)/g) ?? [];
    assert(links.length >= 4, ours.join("\n"));
    for (const link of links) {
      const id = link.slice("(figures.html#".length, -1);
      assert(html.includes(`<div id="${id}" class="kepler-figure"`), id);
    }
  },
});

Deno.test({
  name:
    "`exportPipeline()` error reports have the published sections and columns, and the best model per group",
  fn: async () => {
    const pub = await lines(join(EC2, "error_report", "node_type_0.md"));
    const ours = await lines(join(main.dir, "error_report", "node_type_0.md"));
    assertEquals(headings(ours), headings(pub));
    assertEquals(ours[2], pub[2]); // | processor | cores | chips | memory | frequency |
    assertEquals(ours.slice(5, 10), pub.slice(5, 10)); // the two links
    const tableHeader = "| Feature group | Model name | MAE | MAPE (%) | URL |";
    assert(pub.includes(tableHeader) && ours.includes(tableHeader));
    // Rows: best per group among exported models (lowest blocked-CV mae,
    // the ranking error); local = linear weight models (Kepler evaluates a
    // curve fit on an arbitrary counter), URL .json. The MAE column is the
    // holdout mae, upstream's.
    const local = ours.slice(0, ours.indexOf("## With sidecar estimator"));
    const sidecar = ours.slice(ours.indexOf("## With sidecar estimator"));
    let checked = 0;
    for (
      const [part, weightOnly, ext] of [[local, true, "json"], [
        sidecar,
        false,
        "zip",
      ]] as const
    ) {
      let current = "";
      for (const l of part) {
        const h = /^### (\S+) (\S+) model$/.exec(l);
        if (h) current = `${h[1]} ${h[2]}`;
        const row =
          /^\| (\w+) \| (\w+) \| (\d+\.\d\d) \| (-?\d+\.\d) \| (\S+) \|$/.exec(
            l,
          );
        if (!row || row[1] === "Feature") continue;
        const [source, ot] = current.split(" ");
        const group = main.report.models.filter((m) =>
          m.source === source && m.outputType === ot &&
          m.featureGroup === row[1] &&
          (!weightOnly ||
            m.hasWeight &&
              !(CURVE_FIT_TRAINERS as readonly string[]).includes(m.trainer))
        );
        const rank = (m: { mae: number; rank?: number }) => m.rank ?? m.mae;
        const best = group.reduce((a, b) => (rank(b) < rank(a) ? b : a));
        checked++;
        assertEquals(row[2], best.modelName, l);
        assertEquals(row[3], best.mae.toFixed(2));
        assertEquals(
          row[5],
          `https://raw.githubusercontent.com/sustainable-computing-io/kepler-model-db/main/models/v0.7/sim-0.7.11/${source}/${ot}/${
            row[1]
          }/${best.modelName}.${ext}`,
        );
      }
    }
    const key = (
      m: { source: string; outputType: string; featureGroup: string },
    ) => `${m.source}/${m.outputType}/${m.featureGroup}`;
    const groups = new Set(main.report.models.map(key));
    const weightGroups = new Set(
      main.report.models.filter((m) => m.hasWeight).map(key),
    );
    assertEquals(checked, groups.size + weightGroups.size);
  },
});

Deno.test({
  name:
    "`exportPipeline()` metadata CSVs have upstream's columns and only the rows that pass",
  fn: async () => {
    const golden =
      (await lines(join(GOLDEN, "rapl-sysfs_AbsPower_model_metadata.csv")))[0]!;
    const published = parseCsv(
      await Deno.readTextFile(
        join(EC2, "rapl-sysfs_AbsPower_model_metadata.csv"),
      ),
    ).header;
    const text = await Deno.readTextFile(
      join(main.dir, "rapl-sysfs_AbsPower_model_metadata.csv"),
    );
    const ours = parseCsv(text);
    assert(text.startsWith(golden + ","), text.split("\n")[0]);
    for (const c of published) assert(ours.header.includes(c), c);
    const at = (c: string) => ours.header.indexOf(c);
    for (const row of ours.rows) {
      const mae = Number(row[at("mae")]), mape = Number(row[at("mape")]);
      assert(mape >= 0 && mape <= 20 || mae <= 10, row.join());
    }
    // Sorted by feature group then the ranking error (the blocked-CV mae);
    // the first column is the row's position in the pipeline's CSV.
    assert(at("cv_mae") > 0, ours.header.join());
    const keys = ours.rows.map((r) =>
      [r[at("feature_group")]!, Number(r[at("cv_mae")])] as const
    );
    assertEquals(
      keys,
      [...keys].sort((a, b) =>
        a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1]
      ),
    );
    const source = parseCsv(
      await Deno.readTextFile(
        join(pipeline, "rapl-sysfs_AbsPower_model_metadata.csv"),
      ),
    );
    for (const row of ours.rows) {
      assertEquals(source.rows[Number(row[0])]!, row.slice(1));
    }
    assertEquals(
      ours.rows.length,
      main.report.models.filter((m) =>
        m.source === "rapl-sysfs" && m.outputType === "AbsPower"
      ).length,
    );
  },
});

Deno.test({
  name:
    "`exportPipeline()` writes metadata.json with the published keys, the index, the version README row and the doc page",
  fn: async () => {
    const pub = JSON.parse(await Deno.readTextFile(join(EC2, "metadata.json")));
    const ours = JSON.parse(
      await Deno.readTextFile(join(main.dir, "metadata.json")),
    );
    for (const key of Object.keys(pub)) assert(key in ours, key);
    assertEquals(
      [ours.publisher, ours.collect_time, ours.export_time],
      ["sim-publisher", "2023-11-14 22:13:21", "2024-08-14 07:12:48"],
    );
    assertEquals(
      await Deno.readTextFile(join(main.dir, "node_type_index.json")),
      await Deno.readTextFile(join(pipeline, "node_type_index.json")),
    );
    const pubIndex = await lines(join(PUBLISHED, "README.md"));
    const index = await lines(join(main.out, "v0.7", "README.md"));
    assertEquals(index.slice(0, 4), pubIndex.slice(0, 4));
    assertEquals(
      index[4],
      "[sim-0.7.11](./.doc/sim-0.7.11.md)|2023-11-14 22:13:21|2024-08-14 07:11:03|[sim-publisher](https://github.com/sim-publisher)|[link](./sim-0.7.11)",
    );
    const pubDoc = await lines(join(PUBLISHED, ".doc", "ec2-0.7.11.md"));
    const doc = await lines(join(main.out, "v0.7", ".doc", "sim-0.7.11.md"));
    assertEquals(
      headings(doc).map((h) => h.replace("sim-0.7.11", "X")),
      headings(pubDoc).map((h) => h.replace("ec2-0.7.11", "X")),
    );
    // DynPower trainers differ here: a bullet list (upstream wrote a Python list).
    const dyn = doc.indexOf("- **DynPower Trainers:** ");
    assertEquals(doc.slice(dyn + 1, dyn + 5), [
      "",
      "  - SGDRegressorTrainer",
      "  - GradientBoostingRegressorTrainer",
      "",
    ]);
    assert(doc.includes("- **Extractor:** default"));
  },
});

Deno.test("`exportPipeline()` writes weight files in the v0.7.11 form that predict as the model", async () => {
  for (const m of main.report.models.filter((m) => m.hasWeight)) {
    const rel = `${m.source}/${m.outputType}/${m.featureGroup}/${m.modelName}`;
    const json = JSON.parse(
      await Deno.readTextFile(join(main.dir, `${rel}.json`)),
    );
    for (const key of Object.keys(json)) {
      assert((COMPONENTS as readonly string[]).includes(key), `${rel}: ${key}`);
    }
    const original = readWeightFile(
      JSON.parse(await Deno.readTextFile(join(pipeline, rel, "weight.json"))),
    );
    assertEquals(json, original.components);
    // Kepler's formula on the exported file equals it on the pipeline's file.
    const curve = keplerCurveOf(m.modelName);
    const values = {
      bpf_cpu_time_ms: 1234.5,
      cpu_instructions: 2e9,
      cache_miss: 4e6,
    };
    for (const [c, w] of Object.entries(json)) {
      assertEquals(
        keplerPredict(w as never, curve, values),
        keplerPredict(original.components[c as "package"]!, curve, values),
      );
    }
  }
});

Deno.test("`exportPipeline()` with zip writes an archive of the exported folder", async () => {
  const zip = await readZipFile(main.report.zip!);
  assertEquals(Object.keys(zip).sort(), await listFiles(main.dir));
});

Deno.test("`exportPipeline()` keeps a model with undefined MAPE only when its MAE passes (upstream kept it)", async () => {
  const copy = join(root, "models-mape");
  await Deno.mkdir(copy);
  const folder = join(copy, "sim-0.7.11");
  await Deno.mkdir(folder);
  for (const f of await listFiles(pipeline)) {
    await Deno.mkdir(dirname(join(folder, f)), { recursive: true });
    await Deno.copyFile(join(pipeline, f), join(folder, f));
  }
  const csvPath = join(folder, "acpi_AbsPower_model_metadata.csv");
  const table = parseCsv(await Deno.readTextFile(csvPath));
  const at = (c: string) => table.header.indexOf(c);
  // Two rows get an undefined MAPE: one with MAE 17 (> 10), one with MAE 9.5.
  const [a, b] = table.rows;
  a![at("mae")] = "17.0";
  a![at("mape")] = "-1";
  b![at("mae")] = "9.5";
  b![at("mape")] = "-1";
  const quote = (s: string) =>
    /[",]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
  await Deno.writeTextFile(
    csvPath,
    [table.header, ...table.rows].map((r) => r.map(quote).join(",")).join(
      "\n",
    ) + "\n",
  );
  const { report } = await doExport({}, folder);
  const names = (ot: string) =>
    report.models.filter((m) => m.source === "acpi" && m.outputType === ot)
      .map((m) => `${m.featureGroup}/${m.modelName}`);
  const key = (r: string[]) =>
    `${r[at("feature_group")]}/${r[at("model_name")]}`;
  assert(
    !names("AbsPower").includes(key(a!)),
    "mae 17 with mape -1 must be dropped",
  );
  assert(names("AbsPower").includes(key(b!)), "mae 9.5 passes on MAE");
  const skip = report.skipped.find((s) =>
    s.source === "acpi" && s.outputType === "AbsPower" &&
    `${s.featureGroup}/${s.modelName}` === key(a!)
  );
  assertEquals(skip?.reason, "mae 17, mape -1: above the thresholds");
});

Deno.test("`exportPipeline()` re-export replaces the folder and the README row, and keeps the doc page", async () => {
  const out = join(root, "db-re");
  const options = {
    publisher: "sim-publisher",
    collectTime: "c1",
    now: NOW,
    plotlySource: "",
  };
  const first = await exportPipeline(pipeline, out, options);
  await Deno.writeTextFile(join(first.exportDir, "stale.txt"), "x");
  await Deno.writeTextFile(first.docPage, "hand-edited\n");
  const second = await exportPipeline(pipeline, out, {
    ...options,
    collectTime: "c2",
  });
  assertEquals(await exists(join(second.exportDir, "stale.txt")), false);
  assertEquals(second.docPageWritten, false);
  assertEquals(await Deno.readTextFile(second.docPage), "hand-edited\n");
  const rows = (await lines(join(out, "v0.7", "README.md"))).filter((l) =>
    l.startsWith("[sim-0.7.11]")
  );
  assertEquals(rows.length, 1);
  assert(rows[0]!.includes("|c2|"), rows[0]);
});

Deno.test("`exportPipeline()` fails before writing on a missing pipeline, no passing model, a bad publisher or a corrupt zip", async () => {
  const out = join(root, "db-bad");
  await assertRejects(
    () =>
      exportPipeline(join(root, "models", "nope"), out, {
        publisher: "me",
        collectTime: "c",
      }),
    (e: Error) =>
      e instanceof Deno.errors.NotFound &&
      /nope.*metadata\.json does not exist/.test(e.message),
  );
  await assertRejects(
    () =>
      exportPipeline(pipeline, out, {
        publisher: "me",
        collectTime: "c",
        thresholds: { mae: 0, mape: 0 },
      }),
    (e: Error) =>
      e instanceof RangeError &&
      /none of its \d+ models passes the thresholds/.test(e.message),
  );
  await assertRejects(
    () =>
      exportPipeline(pipeline, out, { publisher: "a b|c", collectTime: "c" }),
    (e: Error) =>
      e instanceof RangeError && /Invalid publisher "a b\|c"/.test(e.message),
  );
  assertEquals(await exists(out), false);

  // A corrupt model zip: the error names it and the previous export stays intact.
  const good = await doExport();
  const copy = join(root, "models-corrupt", "sim-0.7.11");
  for (const f of await listFiles(pipeline)) {
    await Deno.mkdir(dirname(join(copy, f)), { recursive: true });
    await Deno.copyFile(join(pipeline, f), join(copy, f));
  }
  const m = good.report.models[0]!;
  const zip = join(
    copy,
    m.source,
    m.outputType,
    m.featureGroup,
    `${m.modelName}.zip`,
  );
  await Deno.writeTextFile(zip, "not a zip");
  const before = await listFiles(good.dir);
  await assertRejects(
    () => exportPipeline(copy, good.out, { publisher: "me", collectTime: "c" }),
    (e: Error) => e instanceof SyntaxError && e.message.includes(zip),
  );
  assertEquals(await listFiles(good.dir), before);
});

Deno.test("`exportPipeline()` refuses a pipeline trained without a machine spec, naming the fix", async () => {
  const sim = simulate({ start: 1_700_000_001, duration: 600, containers: 2 });
  const trained = await trainPipeline([queryDataFrom(queryResult(sim))], {
    modelPath: join(root, "models-nospec"),
    pipelineName: "nospec",
    sources: ["acpi"],
    featureGroups: ["BPFOnly"],
    absTrainers: ["SGDRegressorTrainer"],
    dynTrainers: [],
  });
  const out = join(root, "db-nospec");
  await assertRejects(
    () =>
      exportPipeline(trained.pipelineDir, out, {
        publisher: "me",
        collectTime: "c",
        thresholds: { mae: 1000, hard: 1000 },
      }),
    (e: Error) =>
      e instanceof RangeError &&
      /has node type 0, which is not in .*node_type_index\.json: the pipeline was trained without a machine spec for it \(train --id <machine id>\)/
        .test(e.message),
  );
  assertEquals(await exists(out), false);
});
