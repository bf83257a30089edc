/**
 * `estimate()` and `writeEstimate()` end to end: Kepler's formula on
 * published weight files (Kepler's own and kepler-model-db's), a pipeline
 * trained from simulated data (upstream's columns, the best model, interval
 * coverage, model.zip), a published pipeline of weight files, and bad input.
 */
import {
  deepStrictEqual as assertEquals,
  ok as assert,
  rejects as assertRejects,
} from "node:assert/strict";
import { join } from "node:path";
import { estimate, writeEstimate } from "../lib/estimate/mod.ts";
import { type QueryData, queryDataFrom } from "../lib/extract/mod.ts";
import { parseCsv, readZipFile, zipEntries } from "../lib/io/mod.ts";
import type { QueryResult } from "../lib/query/format.ts";
import { queryResult, simulate } from "../lib/simulate/mod.ts";
import { trainPipeline } from "../lib/train/pipeline.ts";
import type { MachineSpec } from "../lib/types.ts";
import { testdata } from "./testdata.ts";

const KEPLER_0711 = testdata(
  "kepler/kepler-v0.7.11/data/model_weight/intel_rapl_AbsPowerModel.json",
);
const KEPLER_0712_ACPI = testdata(
  "kepler/kepler-v0.7.12/data/model_weight/acpi_AbsPowerModel.json",
);
const DB_LOG = testdata(
  "kepler-model-server/kepler-model-db-samples/models/v0.7/ec2-0.7.11/rapl-sysfs/AbsPower/BPFOnly/LogarithmicRegressionTrainer_1.json",
);
const EC2 = testdata("kepler-model-db/models/v0.7/ec2-0.7.11");
const GOLDEN = testdata(
  "kepler-model-server/generated-from-upstream-head/estimate/rapl-sysfs_estimation_result.csv",
);

const root = await Deno.makeTempDir({ prefix: "kepler-estimate-" });
addEventListener("unload", () => Deno.removeSync(root, { recursive: true }));

const trainSim = simulate({
  start: 1_700_000_001,
  duration: 1200,
  containers: 6,
  seed: 5,
});
const modelPath = join(root, "models");
const trained = await trainPipeline(
  [queryDataFrom(queryResult(trainSim), { origin: "train.json" })],
  {
    modelPath,
    pipelineName: "p",
    sources: ["rapl-sysfs", "acpi"],
    featureGroups: ["CounterOnly", "BPFOnly"],
    absTrainers: [
      "SGDRegressorTrainer",
      "LogarithmicRegressionTrainer",
      "GradientBoostingRegressorTrainer",
    ],
    dynTrainers: ["SGDRegressorTrainer"],
    machineSpec: trainSim.spec as MachineSpec,
    machineId: "m1",
  },
);
/** Fresh data from the same machine (another seed, later). */
const testResult: QueryResult = queryResult(
  simulate({ start: 1_700_010_001, duration: 900, containers: 6, seed: 6 }),
);
const query: QueryData = queryDataFrom(testResult, { origin: "test.json" });

const column = (t: { header: string[]; rows: unknown[][] }, name: string) => {
  const at = t.header.indexOf(name);
  assert(at >= 0, `column ${name} in ${t.header}`);
  return t.rows.map((r) => Number(r[at]));
};

Deno.test({
  name:
    "`estimate()` with Kepler's and kepler-model-db's weight files gives Kepler's formula for every row",
  fn: async () => {
    // Linear (Kepler v0.7.11's own file): P = Bias + w · x / scale.
    const w11 = JSON.parse(await Deno.readTextFile(KEPLER_0711));
    const acpi = JSON.parse(await Deno.readTextFile(KEPLER_0712_ACPI));
    const log = JSON.parse(await Deno.readTextFile(DB_LOG));
    const report = await estimate([query], {
      modelFiles: [KEPLER_0711, KEPLER_0712_ACPI, DB_LOG],
      sources: ["rapl-sysfs", "acpi"],
    });
    const rapl = report.sources[0]!, platform = report.sources[1]!;
    assertEquals(rapl.models.map((m) => [m.name, m.kind]), [
      ["intel_rapl_AbsPowerModel", "weight"],
      ["LogarithmicRegressionTrainer_1", "weight"],
    ]);
    // Each model's own table: estimate with it alone.
    const only = async (file: string, source: "rapl-sysfs" | "acpi") =>
      (await estimate([query], { modelFiles: [file], sources: [source] }))
        .sources[0]!.table;
    const t11 = await only(KEPLER_0711, "rapl-sysfs");
    const x = column(t11, "bpf_cpu_time_ms");
    for (const c of ["package", "core", "uncore", "dram"]) {
      const nv = w11[c].All_Weights.Numerical_Variables.bpf_cpu_time_ms;
      const bias = w11[c].All_Weights.Bias_Weight;
      const predicted = column(t11, `default_${c}_power`);
      for (let i = 0; i < x.length; i++) {
        // Kepler's Go evaluates bias + weight · (x / scale): bit-exact.
        const expected = nv.weight === 0
          ? bias
          : bias + nv.weight * (x[i]! / nv.scale);
        assertEquals(predicted[i], expected, `${c} row ${i}`);
      }
    }
    // Platform (Kepler v0.7.12's acpi file; bpf_page_cache_hit has weight 0).
    const tAcpi = platform.table;
    const nv = acpi.platform.All_Weights.Numerical_Variables.bpf_cpu_time_ms;
    const xa = column(tAcpi, "bpf_cpu_time_ms");
    column(tAcpi, "default_platform_power").forEach((p, i) =>
      assertEquals(
        p,
        acpi.platform.All_Weights.Bias_Weight + nv.weight * (xa[i]! / nv.scale),
      )
    );
    // Logarithmic (kepler-model-db): P = a · ln(b · x/scale + 1) + c on the first feature.
    const tLog = await only(DB_LOG, "rapl-sysfs");
    const xl = column(tLog, "bpf_cpu_time_ms");
    for (const c of ["package", "dram"]) {
      const all = log[c].All_Weights;
      const [a, b, cc] = all.CurveFit_Weights;
      const scale = all.Numerical_Variables.bpf_cpu_time_ms.scale;
      column(tLog, `default_${c}_power`).forEach((p, i) =>
        assertEquals(
          p,
          a * Math.log(b * (xl[i]! / scale) + 1) + cc,
          `${c} row ${i}`,
        )
      );
    }
    // No interval for weight files.
    assert(!t11.header.some((h) => h.endsWith("_lo")));
    assertEquals(rapl.best.coverage, undefined);
  },
});

Deno.test({
  name:
    "`estimate()` with a pipeline writes upstream's columns, picks the smallest blocked-CV mae recorded at training and reports coverage",
  fn: async () => {
    const report = await estimate([query], {
      pipelines: [trained.pipelineDir],
      featureGroup: "CounterOnly",
    });
    const s = report.sources[0]!;
    assertEquals(s.models.length, 3);
    for (const m of s.models) {
      assertEquals(m.mae, Math.max(...m.components.map((c) => c.mae)));
      assertEquals(m.pipeline, "p");
    }
    // Ranked by the blocked cross-validation error of the model's
    // metadata, not by the query's: each model's metadata.json says it.
    for (const m of s.models) {
      const md = JSON.parse(
        await Deno.readTextFile(
          join(
            trained.pipelineDir,
            "rapl-sysfs/AbsPower/CounterOnly",
            m.name,
            "metadata.json",
          ),
        ),
      );
      assertEquals([m.holdoutError, m.rankError], [md.mae, md.cv_mae], m.name);
    }
    assertEquals(
      s.best.rankError,
      Math.min(...s.models.map((m) => m.rankError!)),
    );
    assertEquals([s.rankedBy, s.errorKey], ["holdout", "mae"]);
    // Columns: upstream's golden file without packge_ratio_*, then interval bounds.
    const golden = parseCsv(await Deno.readTextFile(GOLDEN)).header;
    const bounds = ["package", "core", "uncore", "dram"].flatMap((c) => [
      `default_${c}_power_lo`,
      `default_${c}_power_hi`,
    ]);
    assertEquals(s.table.header, [
      ...golden.filter((h) => !h.startsWith("packge_ratio_")),
      ...bounds,
    ]);
    // MAE and coverage recomputed from the table.
    for (const c of s.best.components) {
      const y = column(s.table, `${c.component}_power`);
      const p = column(s.table, `default_${c.component}_power`);
      const lo = column(s.table, `default_${c.component}_power_lo`);
      const hi = column(s.table, `default_${c.component}_power_hi`);
      const mae = y.reduce((a, v, i) => a + Math.abs(p[i]! - v), 0) / y.length;
      assert(Math.abs(mae - c.mae) < 1e-9, `${c.component} ${mae} ${c.mae}`);
      const inside = y.filter((v, i) => v >= lo[i]! && v <= hi[i]!).length;
      assertEquals(c.coverage, inside / y.length);
      assertEquals(c.nominal, 0.9);
      assert(c.coverage! > 0.5, `${c.component} coverage ${c.coverage}`);
    }
    // model.zip is the best model's zip.
    const zip = join(
      trained.pipelineDir,
      "rapl-sysfs/AbsPower/CounterOnly",
      `${s.best.name}.zip`,
    );
    assertEquals(s.archive, await Deno.readFile(zip));
  },
});

Deno.test("`writeEstimate()` writes one unprefixed pair, or a <source>_ pair per source", async () => {
  const one = await estimate([query], {
    modelPath,
    modelName: "SGDRegressorTrainer_0",
  });
  const out1 = join(root, "out1");
  assertEquals(await writeEstimate(one, out1), [
    join(out1, "estimation_result.csv"),
    join(out1, "model.zip"),
  ]);
  const csv = parseCsv(
    await Deno.readTextFile(join(out1, "estimation_result.csv")),
  );
  assertEquals(csv.header, one.sources[0]!.table.header);
  assertEquals(csv.rows.length, one.sources[0]!.table.rows.length);
  assert(
    Object.keys(await readZipFile(join(out1, "model.zip"))).includes(
      "metadata.json",
    ),
  );

  const two = await estimate([query], {
    modelPath,
    sources: ["rapl-sysfs", "acpi"],
    outputType: "DynPower",
  });
  const out2 = join(root, "out2");
  assertEquals(await writeEstimate(two, out2), [
    join(out2, "rapl-sysfs_estimation_result.csv"),
    join(out2, "rapl-sysfs_model.zip"),
    join(out2, "acpi_estimation_result.csv"),
    join(out2, "acpi_model.zip"),
  ]);
  assertEquals(two.sources.map((s) => s.outputType), ["DynPower", "DynPower"]);
  // DynPower labels are isolated: never negative.
  for (const s of two.sources) {
    for (const c of s.best.components) {
      assert(column(s.table, `${c.component}_power`).every((v) => v >= 0));
    }
  }
});

Deno.test({
  name:
    "`estimate()` uses a published pipeline through its weight files and skips nothing it can read",
  fn: async () => {
    const report = await estimate([query], {
      pipelines: [EC2],
      featureGroup: "BPFOnly",
    });
    const s = report.sources[0]!;
    // Every BPFOnly weight file; the two pickle zips have a weight file beside them.
    const files: string[] = [];
    for await (
      const e of Deno.readDir(join(EC2, "rapl-sysfs/AbsPower/BPFOnly"))
    ) {
      if (e.name.endsWith(".json")) files.push(e.name.slice(0, -5));
    }
    assertEquals(s.models.map((m) => m.name).sort(), files.sort());
    assert(
      s.models.every((m) => m.kind === "weight" && m.pipeline === "ec2-0.7.11"),
    );
    assertEquals(s.notes, []);
  },
});

Deno.test("`estimate()` fails clearly on a missing pipeline, absent features, a corrupt zip, NaN rows and an empty query", async () => {
  await assertRejects(
    () => estimate([query], { pipelines: [join(modelPath, "nope")] }),
    (e: Error) =>
      e instanceof Deno.errors.NotFound &&
      e.message.includes(`${join(modelPath, "nope")} does not exist`),
  );
  // A query without the BPF metrics, with a model that needs them.
  const noBpf = Object.fromEntries(
    Object.entries(testResult).filter(([k]) => !k.includes("bpf_")),
  );
  const weight = join(root, "w.json");
  await Deno.writeTextFile(
    weight,
    JSON.stringify({
      package: {
        All_Weights: {
          Bias_Weight: 1,
          Categorical_Variables: {},
          Numerical_Variables: { bpf_cpu_time_ms: { scale: 1, weight: 1 } },
        },
      },
    }),
  );
  await assertRejects(
    () =>
      estimate([queryDataFrom(noBpf, { origin: "nobpf.json" })], {
        modelFiles: [weight],
      }),
    (e: Error) =>
      e instanceof RangeError &&
      e.message.includes(
        "its features bpf_cpu_time_ms are absent from the query",
      ) &&
      e.message.includes(
        "kepler_container_bpf_cpu_time_ms_total is missing from nobpf.json",
      ),
  );
  await assertRejects(
    () =>
      estimate([queryDataFrom(noBpf, { origin: "nobpf.json" })], {
        pipelines: [trained.pipelineDir],
        modelName: "SGDRegressorTrainer_0",
        featureGroup: "BPFOnly",
      }),
    (e: Error) =>
      e instanceof RangeError &&
      /its features bpf_cpu_time_ms, bpf_page_cache_hit are absent/.test(
        e.message,
      ),
  );
  // A corrupt zip, given as a file and inside a pipeline.
  const corrupt = join(root, "corrupt.zip");
  await Deno.writeTextFile(corrupt, "PK\u0003\u0004 not really");
  await assertRejects(
    () => estimate([query], { modelFiles: [corrupt] }),
    (e: Error) => e instanceof SyntaxError && e.message.includes(corrupt),
  );
  const bad = join(root, "badpipe");
  await Deno.mkdir(join(bad, "rapl-sysfs/AbsPower/BPFOnly"), {
    recursive: true,
  });
  await Deno.writeTextFile(join(bad, "metadata.json"), '{"name": "bad"}');
  await Deno.writeTextFile(
    join(bad, "rapl-sysfs/AbsPower/BPFOnly/X_0.zip"),
    "junk",
  );
  await assertRejects(
    () => estimate([query], { pipelines: [bad] }),
    (e: Error) =>
      e instanceof SyntaxError &&
      /X_0\.zip: not a valid zip archive/.test(e.message),
  );
  // An upstream pickle zip without a weight file is skipped with a note.
  await Deno.writeFile(
    join(bad, "rapl-sysfs/AbsPower/BPFOnly/X_0.zip"),
    zipEntries({
      "package.pkl": new Uint8Array(3),
      "metadata.json": new Uint8Array(2),
    }),
  );
  await assertRejects(
    () => estimate([query], { pipelines: [bad] }),
    (e: Error) =>
      e instanceof RangeError && /no model in pipelines/.test(e.message),
  );
  // NaN: every energy sample NaN leaves no row; some NaN samples drop rows.
  const nan = (every: number): QueryResult =>
    Object.fromEntries(
      Object.entries(testResult).map(([k, series]) => [
        k,
        k.endsWith("_joules_total")
          ? series.map((s) => ({
            ...s,
            values: s.values.map(([t, v], i) =>
              [t, i % every === 0 ? "NaN" : v] as [number, string]
            ),
          }))
          : series,
      ]),
    );
  await assertRejects(
    () =>
      estimate([queryDataFrom(nan(1), { origin: "nan.json" })], {
        modelFiles: [weight],
      }),
    (e: Error) =>
      e instanceof RangeError &&
      /from nan\.json: no interval has both rapl-sysfs power and usage data/
        .test(e.message),
  );
  const some = await estimate(
    [queryDataFrom(nan(10), { origin: "some.json" })],
    { modelFiles: [weight] },
  );
  const full = await estimate([query], { modelFiles: [weight] });
  const rows = (r: typeof some) => r.sources[0]!.table.rows.length;
  assert(
    rows(some) < rows(full) && rows(some) > rows(full) / 2,
    `${rows(some)} of ${rows(full)}`,
  );
  // An empty query.
  await assertRejects(
    () =>
      estimate([queryDataFrom({}, { origin: "empty.json" })], { modelPath }),
    (e: Error) =>
      e instanceof RangeError && /empty\.json holds no metrics/.test(e.message),
  );
});
