/**
 * EnsembleTrainer across the stages: trained by the pipeline (member jobs
 * on workers send their out-of-fold and held-out predictions back; the same
 * bytes as training in one thread), written as a zip model with no
 * weight.json, loaded by `readModelDir`, served by `POST /estimate` and
 * `POST /model`, evaluated by `estimate`, and exported as a zip only.
 * Oracles: the member models read from their own folders, weighted here;
 * the simulator's measured power.
 */
import {
  deepStrictEqual as assertEquals,
  ok as assert,
  rejects as assertRejects,
} from "node:assert/strict";
import { join } from "node:path";
import { extract, queryDataFrom } from "../lib/extract/mod.ts";
import { unzipEntries } from "../lib/io/zip.ts";
import { queryResult, simulate } from "../lib/simulate/mod.ts";
import { trainPipeline } from "../lib/train/pipeline.ts";
import {
  readModelDir,
  readModelZipEntries,
} from "../lib/train/loaded_model.ts";
import type { IntervalModel } from "../lib/train/interval.ts";
import { startModelServer } from "../lib/serve/mod.ts";
import { estimate } from "../lib/estimate/mod.ts";
import { exportPipeline } from "../lib/export/mod.ts";
import type { TrainerName } from "../lib/types.ts";
import { runCli } from "./_cli.ts";

const ROOT = await Deno.makeTempDir({ prefix: "kepler-ensemble-" });
addEventListener("unload", () => {
  try {
    Deno.removeSync(ROOT, { recursive: true });
  } catch { /* gone */ }
});

const sim = simulate({
  start: 1_700_000_001,
  duration: 1200,
  containers: 6,
  seed: 8,
  sources: ["rapl-sysfs"],
});
const query = queryDataFrom(queryResult(sim));
const ABS: TrainerName[] = [
  "LinearRegressionTrainer",
  "GradientBoostingRegressorTrainer",
  "KNeighborsRegressorTrainer",
  "LogarithmicRegressionTrainer",
  "SGDRegressorTrainer",
  "EnsembleTrainer",
];
const train = (modelPath: string, workers: number) =>
  trainPipeline([query], {
    modelPath,
    pipelineName: "ens",
    sources: ["rapl-sysfs"],
    featureGroups: ["Basic"],
    absTrainers: ABS,
    dynTrainers: [
      "LinearRegressionTrainer",
      "SGDRegressorTrainer",
      "EnsembleTrainer",
    ],
    machineSpec: sim.spec,
    machineId: "m",
    workers,
  });
const MODELS = join(ROOT, "models");
const report = await train(MODELS, 2);
const GROUP = join(MODELS, "ens", "rapl-sysfs", "AbsPower", "Basic");
const ENSEMBLE = join(GROUP, "EnsembleTrainer_0");
const COMPONENTS = ["package", "core", "uncore", "dram"] as const;
const FEATURES = extract(query, "Basic", { source: "rapl-sysfs" });
const x = FEATURES.featureNames.map((f) => FEATURES.features[f]!.slice(0, 40));

Deno.test("the pipeline trains EnsembleTrainer per group after its members: a zip model, no weight.json, no checkpoint, in the summary", async () => {
  assertEquals(report.failures, []);
  const ens = report.models.filter((m) =>
    m.metadata.trainer === "EnsembleTrainer"
  );
  assertEquals(ens.map((m) => m.outputType), ["AbsPower", "DynPower"]);
  const files: string[] = [];
  for await (const e of Deno.readDir(ENSEMBLE)) files.push(e.name);
  assertEquals(files.sort(), [
    "EnsembleTrainer_0.json",
    "core.json",
    "dram.json",
    "metadata.json",
    "package.json",
    "uncore.json",
  ]);
  assert((await Deno.stat(`${ENSEMBLE}.zip`)).isFile);
  for await (const e of Deno.readDir(join(GROUP, "checkpoint"))) {
    assert(!e.name.startsWith("EnsembleTrainer"), e.name);
  }
  const csv = await Deno.readTextFile(
    join(MODELS, "ens", "rapl-sysfs_AbsPower_model_metadata.csv"),
  );
  assert(csv.includes("EnsembleTrainer_0"));
  const md = ens[0]!.metadata;
  for (
    const key of ["cv_mae", "interval_coverage_holdout", "interval_coverage_cv"]
  ) {
    assert(typeof md[key] === "number", key);
  }
});

Deno.test("the ensemble trained on workers is the one trained in one thread, byte for byte", async () => {
  const inline = join(ROOT, "inline");
  await train(inline, 0);
  for (const f of ["package.json", "metadata.json"]) {
    assertEquals(
      await Deno.readTextFile(join(ENSEMBLE, f)),
      await Deno.readTextFile(
        join(
          inline,
          "ens",
          "rapl-sysfs",
          "AbsPower",
          "Basic",
          "EnsembleTrainer_0",
          f,
        ),
      ),
      f,
    );
  }
});

Deno.test("`readModelDir()` of the ensemble predicts the weighted sum of its members read from their own folders", async () => {
  const loaded = await readModelDir(ENSEMBLE);
  for (const c of COMPONENTS) {
    const json = JSON.parse(
      await Deno.readTextFile(join(ENSEMBLE, `${c}.json`)),
    );
    const [lo, hi] = json.bounds as [number, number];
    const want = new Float64Array(x[0]!.length);
    for (const m of json.members as { trainer: string; weight: number }[]) {
      const member = await readModelDir(join(GROUP, `${m.trainer}_0`));
      member.components[c]!.predict(x).forEach((v, i) => {
        want[i] = want[i]! + m.weight * Math.min(hi, Math.max(lo, v));
      });
    }
    const got = loaded.components[c]!.predict(x);
    got.forEach((v, i) =>
      assert(Math.abs(v - want[i]!) <= 1e-9 * Math.abs(want[i]!), `${c} ${i}`)
    );
    assert(json.members.length >= 2, c);
  }
});

Deno.test("serve: POST /estimate with the ensemble gives its in-process prediction and interval; POST /model sends its zip, and no weight file", async () => {
  await using server = await startModelServer({
    port: 0,
    reload: "off",
    modelPath: MODELS,
  });
  const post = (path: string, body: unknown) =>
    fetch(`${server.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  const loaded = await readModelDir(ENSEMBLE);
  const rows = 5;
  const values = Array.from(
    { length: rows },
    (_, i) => x.map((col) => col[i * 7]!),
  );
  const r = await post("/estimate", {
    metrics: FEATURES.featureNames,
    values,
    output_type: "AbsPower",
    source: "rapl-sysfs",
    trainer_name: "EnsembleTrainer",
    filter: "",
    pipeline_name: "ens",
  });
  const reply = await r.json();
  assertEquals(r.status, 200, JSON.stringify(reply));
  assertEquals(reply.model_name, "EnsembleTrainer_0");
  const xs = x.map((col) =>
    Float64Array.from({ length: rows }, (_, i) => col[i * 7]!)
  );
  for (const c of COMPONENTS) {
    const m = loaded.components[c] as IntervalModel;
    const want = m.predict(xs);
    const half = m.interval.halfWidth;
    reply.powers[c].forEach((p: number, i: number) => {
      assert(Math.abs(p - Math.max(0, want[i]!)) < 1e-9, `${c} ${i}`);
      assert(Math.abs(reply.upper[c][i] - Math.max(0, want[i]! + half)) < 1e-9);
    });
  }
  const zip = await post("/model", {
    metrics: FEATURES.featureNames,
    output_type: "AbsPower",
    source: "rapl-sysfs",
    trainer_name: "EnsembleTrainer",
    pipeline_name: "ens",
  });
  assertEquals(zip.status, 200);
  const fromZip = readModelZipEntries(
    unzipEntries(new Uint8Array(await zip.arrayBuffer())),
  );
  assertEquals(fromZip.metadata.model_name, "EnsembleTrainer_0");
  assertEquals(fromZip.weights, undefined);
  assertEquals(
    fromZip.components.dram!.predict(xs),
    loaded.components.dram!.predict(xs),
  );
  const weight = await post("/model", {
    metrics: FEATURES.featureNames,
    output_type: "AbsPower",
    source: "rapl-sysfs",
    trainer_name: "EnsembleTrainer",
    pipeline_name: "ens",
    weight: true,
  });
  // upstream's "cannot find model" reply: 400, naming what was asked for
  const why = await weight.text();
  assertEquals(weight.status, 400, why);
  assert(why.includes("none of their models matches a weight file"), why);
  const best = await fetch(
    `${server.url}/best-models?energy-source=rapl-sysfs&output-type=AbsPower&feature-group=Basic`,
  );
  assertEquals(best.status, 200);
  // oracle: the lowest CV MAE among the group's model folders (all have one)
  let want = { name: "", mae: Infinity };
  for await (const e of Deno.readDir(GROUP)) {
    if (!e.isDirectory || e.name === "checkpoint") continue;
    const md = JSON.parse(
      await Deno.readTextFile(join(GROUP, e.name, "metadata.json")),
    );
    if (
      md.cv_mae < want.mae || (md.cv_mae === want.mae && e.name < want.name)
    ) {
      want = { name: e.name, mae: md.cv_mae };
    }
  }
  assertEquals(await best.json(), { AbsPower: { Basic: want.name } });
});

Deno.test("estimate evaluates the ensemble's model folder against the measured power", async () => {
  const result = await estimate([query], {
    modelFiles: [ENSEMBLE],
    sources: ["rapl-sysfs"],
  });
  const best = result.sources[0]!.best;
  assertEquals(best.name, "EnsembleTrainer_0");
  // oracle: the loaded model on the extracted rows, clipped at 0 as served
  const loaded = await readModelDir(ENSEMBLE);
  const cols = FEATURES.featureNames.map((f) => FEATURES.features[f]!);
  for (const c of COMPONENTS) {
    const p = loaded.components[c]!.predict(cols);
    const y = FEATURES.power[c]!;
    let s = 0;
    p.forEach((v, i) => s += Math.abs(Math.max(0, v) - y[i]!));
    const e = best.components.find((k) => k.component === c)!;
    assert(
      Math.abs(e.mae - s / y.length) < 1e-6 * (1 + s / y.length),
      `${c}: ${e.mae} vs ${s / y.length}`,
    );
    assertEquals(e.nominal, 0.9);
  }
});

Deno.test("export writes the ensemble as a zip only, never among the weight models", async () => {
  const out = await exportPipeline(join(MODELS, "ens"), join(ROOT, "db"), {
    publisher: "t",
    collectTime: "2024-07-25 21:05:43",
    figures: false,
    thresholds: { mae: 1000, hard: 1000 },
  });
  const ens = out.models.filter((m) => m.trainer === "EnsembleTrainer");
  assertEquals(ens.length, 2);
  for (const m of ens) {
    assertEquals(m.hasWeight, false);
    const base = join(
      out.exportDir,
      m.source,
      m.outputType,
      m.featureGroup,
      m.modelName,
    );
    assert((await Deno.stat(`${base}.zip`)).isFile);
    await assertRejects(() => Deno.stat(`${base}.json`), Deno.errors.NotFound);
  }
});

Deno.test("trainPipeline refuses EnsembleTrainer with fewer than two other trainers, before writing anything", async () => {
  await assertRejects(
    () =>
      trainPipeline([query], {
        modelPath: join(ROOT, "refused"),
        absTrainers: ["LinearRegressionTrainer", "EnsembleTrainer"],
        dynTrainers: ["LinearRegressionTrainer"],
        sources: ["rapl-sysfs"],
      }),
    /Cannot train EnsembleTrainer: it weights the other trainers of --abs-trainers, which has 1 \(LinearRegressionTrainer\); give at least two/,
  );
  await assertRejects(
    () => Deno.stat(join(ROOT, "refused")),
    Deno.errors.NotFound,
  );
});

Deno.test("`train --abs-trainers default,EnsembleTrainer` adds the ensemble to the ten; EnsembleTrainer alone is one clear line and a non-zero exit", async () => {
  const data = join(ROOT, "cli-data");
  await Deno.mkdir(data, { recursive: true });
  await Deno.writeTextFile(
    join(data, "q.json"),
    JSON.stringify(queryResult(sim)),
  );
  const r = await runCli(["-A"], [
    "train",
    "-i",
    "q",
    "--abs-trainers",
    "default,EnsembleTrainer",
    "--dyn-trainers",
    "EnsembleTrainer",
  ], { env: { DATAPATH: data, MODEL_PATH: join(ROOT, "cli-models") } });
  assert(r.code !== 0);
  const lines = r.stderr.split("\n").filter((l) =>
    l.startsWith("kepler-model:")
  );
  assertEquals(lines.length, 1, r.stderr);
  assert(!/^\s+at /m.test(r.stderr), r.stderr); // no stack trace
  // the AbsPower list passed (ten plus the ensemble); the DynPower one names its flag
  assert(
    lines[0]!.includes(
      "Cannot train EnsembleTrainer: it weights the other trainers of --dyn-trainers, which has 0 (none); give at least two",
    ),
    lines[0],
  );
});
