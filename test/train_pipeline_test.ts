/**
 * The training pipeline end to end: upstream's layout and metadata on the
 * same input upstream's golden run used, the real dbe1166 dump through the
 * aliases, accuracy against the simulator's ground truth, Kepler's formula
 * on our weight files, continuation, and failures that are skipped.
 */
import {
  deepStrictEqual as assertEquals,
  ok as assert,
  rejects,
} from "node:assert/strict";
import { join, relative } from "node:path";
import { extract, queryDataFrom, readQueryFile } from "../lib/extract/mod.ts";
import { queryResult, simulate } from "../lib/simulate/mod.ts";
import { readModelDir } from "../lib/train/loaded_model.ts";
import {
  keplerCurveOf,
  keplerPredict,
  readWeightFile,
} from "../lib/pipeline/kepler_weight_file.ts";
import { type TrainerName, UPSTREAM_TRAINERS } from "../lib/types.ts";
import { trainModel } from "../lib/train/train_model.ts";
import { trainPipeline } from "../lib/train/pipeline.ts";
import { testdata } from "./testdata.ts";

const IDLE = testdata(
  "kepler-model-server/upstream-head/tests/data/prom_output/idle.json",
);
const DBE = testdata(
  "kepler-model-server/upstream-history/dbe1166/tests/data/prom_output/prom_response.json",
);
const GOLDEN = testdata(
  "kepler-model-server/generated-from-upstream-head/train-pipeline",
);
const EXTRACT_GOLDEN = testdata(
  "kepler-model-server/generated-from-upstream-head/extract-isolate",
);
const TEST_SPEC = {
  processor: "intel_xeon_platinum_8259cl",
  cores: 96,
  chips: 2,
  memory: 377,
  frequency: 3500,
};

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string) => {
    for await (const e of Deno.readDir(d)) {
      // hidden names are not pipeline files (the generation's own zip)
      if (e.name.startsWith(".")) continue;
      const p = join(d, e.name);
      if (e.isDirectory) await walk(p);
      else out.push(relative(dir, p));
    }
  };
  await walk(dir);
  return out.sort();
}

async function withTemp(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "kepler-train-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const UPSTREAM_ABS: TrainerName[] = [
  "SGDRegressorTrainer",
  "LinearRegressionTrainer",
  "GradientBoostingRegressorTrainer",
  "LogarithmicRegressionTrainer",
  "PolynomialRegressionTrainer",
  "ExponentialRegressionTrainer",
  "LogisticRegressionTrainer",
  "SVRRegressorTrainer",
];

Deno.test({
  name:
    "trainPipeline() writes upstream's golden tree on upstream's own input (pkl → json)",
  async fn() {
    await withTemp(async (dir) => {
      const q = await readQueryFile(IDLE);
      const report = await trainPipeline([q], {
        modelPath: dir,
        pipelineName: "demo_pipeline",
        sources: ["rapl-sysfs", "acpi"],
        featureGroups: [
          "CounterOnly",
          "BPFOnly",
          "BPFIRQ",
          "CounterIRQCombined",
          "Basic",
        ],
        absTrainers: UPSTREAM_ABS,
        dynTrainers: [
          "SGDRegressorTrainer",
          "GradientBoostingRegressorTrainer",
        ],
        // upstream's golden run used its default, min (ours is floor)
        isolator: "min",
        machineSpec: TEST_SPEC,
        machineId: "test-machine",
      });
      // Upstream's golden listing, with our documented differences applied:
      // models are JSON (component .pkl → .json) and scale inside the model
      // (no scaler.pkl / poly_scaler.pkl files).
      const golden = (await Deno.readTextFile(
        join(GOLDEN, "full-file-listing.txt"),
      ))
        .split("\n").filter((l) => l.startsWith("demo_pipeline/"))
        .map((l) => l.slice("demo_pipeline/".length))
        .filter((l) => !/(^|\/)(poly_)?scaler\.pkl$/.test(l))
        .map((l) => l.replace(/\.pkl$/, ".json"));
      const ours = new Set(await listFiles(report.pipelineDir));
      const missing = golden.filter((f) => !ours.has(f));
      assertEquals(missing, []);
      // Extra files are only models upstream failed to fit (Logistic on 5
      // rows) — never a different kind of file.
      const goldenSet = new Set(golden);
      const extra = [...ours].filter((f) => !goldenSet.has(f));
      for (const f of extra) {
        assert(/LogisticRegressionTrainer/.test(f), `unexpected file ${f}`);
      }
      assertEquals(
        await Deno.stat(join(dir, "demo_pipeline.zip")).then((s) => s.isFile),
        true,
      );
    });
  },
});

Deno.test({
  name: "metadata files have upstream's fields with upstream's JSON types",
  async fn() {
    await withTemp(async (dir) => {
      const q = await readQueryFile(IDLE);
      const report = await trainPipeline([q], {
        modelPath: dir,
        pipelineName: "demo_pipeline",
        sources: ["rapl-sysfs"],
        featureGroups: ["BPFOnly"],
        absTrainers: ["SGDRegressorTrainer"],
        dynTrainers: ["SGDRegressorTrainer"],
        machineSpec: TEST_SPEC,
        machineId: "test-machine",
      });
      const typeOf = (v: unknown) =>
        Array.isArray(v) ? "array" : v === null ? "null" : typeof v;
      const pairs = [
        "metadata.json",
        "node_type_index.json",
        "rapl-sysfs/AbsPower/BPFOnly/SGDRegressorTrainer_0/metadata.json",
        "rapl-sysfs/AbsPower/BPFOnly/SGDRegressorTrainer_0/SGDRegressorTrainer_0.json",
      ];
      for (const rel of pairs) {
        const theirs = JSON.parse(
          await Deno.readTextFile(
            join(GOLDEN, "demo_pipeline", rel),
          ),
        );
        const ours = JSON.parse(
          await Deno.readTextFile(join(report.pipelineDir, rel)),
        );
        for (const [k, v] of Object.entries(theirs)) {
          assert(k in ours, `${rel}: field ${k} missing`);
          assertEquals(typeOf(ours[k]), typeOf(v), `${rel}: type of ${k}`);
        }
      }
      const dict = JSON.parse(
        await Deno.readTextFile(
          join(
            report.pipelineDir,
            "rapl-sysfs/AbsPower/BPFOnly/SGDRegressorTrainer_0/SGDRegressorTrainer_0.json",
          ),
        ),
      );
      assertEquals(dict.package, {
        model_file: "package.json",
        features: ["bpf_cpu_time_ms", "bpf_page_cache_hit"],
        fe_files: [],
      });
      const header = (await Deno.readTextFile(
        join(report.pipelineDir, "rapl-sysfs_AbsPower_model_metadata.csv"),
      ))
        .split("\n")[0]!.split(",");
      const goldenHeader = (await Deno.readTextFile(
        join(GOLDEN, "demo_pipeline/rapl-sysfs_AbsPower_model_metadata.csv"),
      ))
        .split("\n")[0]!.split(",");
      assertEquals(header.slice(0, goldenHeader.length), goldenHeader);
    });
  },
});

Deno.test({
  name:
    "trainPipeline() trains every valid feature group of the real dbe1166 dump (old names)",
  async fn() {
    await withTemp(async (dir) => {
      const q = await readQueryFile(DBE);
      const report = await trainPipeline([q], {
        modelPath: dir,
        pipelineName: "dbe",
        sources: ["rapl-sysfs"],
        absTrainers: [
          "SGDRegressorTrainer",
          "GradientBoostingRegressorTrainer",
          "KNeighborsRegressorTrainer",
        ],
        dynTrainers: ["SGDRegressorTrainer"],
      });
      // The dump has no bpf_page_cache_hit, so BPF groups are invalid; its
      // power is under source="rapl", read as rapl-sysfs.
      assertEquals(report.featureGroups, [
        "CounterOnly",
        "IRQOnly",
        "CounterIRQCombined",
        "CgroupOnly",
        "KubeletOnly",
      ]);
      for (const g of report.featureGroups) {
        for (const ot of ["AbsPower", "DynPower"]) {
          const files = await listFiles(join(dir, "dbe", "rapl-sysfs", ot, g));
          assert(
            files.includes("SGDRegressorTrainer_0.zip"),
            `${ot}/${g}: ${files}`,
          );
          assert(files.includes("SGDRegressorTrainer_0/weight.json"));
        }
      }
      assertEquals(report.failures, []);
    });
  },
});

Deno.test("Kepler's formula on our weight.json equals our predictions (linear and curve fits)", async () => {
  await withTemp(async (dir) => {
    const sim = simulate({
      duration: 900,
      containers: 5,
      seed: 7,
      sources: ["rapl-sysfs", "acpi"],
    });
    const q = queryDataFrom(queryResult(sim));
    const trainers: TrainerName[] = [
      "SGDRegressorTrainer",
      "LinearRegressionTrainer",
      "LogarithmicRegressionTrainer",
      "ExponentialRegressionTrainer",
    ];
    const report = await trainPipeline([q], {
      modelPath: dir,
      sources: ["rapl-sysfs", "acpi"],
      featureGroups: ["BPFOnly", "Basic"],
      absTrainers: trainers,
      dynTrainers: [],
    });
    let checked = 0;
    for (const m of report.models) {
      const folder = join(
        dir,
        "default",
        m.source,
        m.outputType,
        m.featureGroup,
        m.metadata.model_name,
      );
      const model = await readModelDir(folder);
      const file = readWeightFile(
        JSON.parse(await Deno.readTextFile(join(folder, "weight.json"))),
      );
      const frame = extract(q, m.featureGroup, { source: m.source });
      const x = model.features.map((f) => frame.features[f]!);
      for (const [component, fitted] of Object.entries(model.components)) {
        const ours = fitted!.predict(x);
        for (let i = 0; i < frame.length; i += 17) {
          const values = Object.fromEntries(
            model.features.map((f) => [f, frame.features[f]![i]!]),
          );
          const kepler = keplerPredict(
            file.components[component as "package"]!,
            keplerCurveOf(m.metadata.model_name),
            values,
          );
          assert(
            Math.abs(kepler - ours[i]!) <=
              1e-9 * Math.max(1, Math.abs(ours[i]!)),
            `${folder} ${component} row ${i}`,
          );
          checked++;
        }
      }
    }
    assert(checked > 100);
  });
});

Deno.test("on simulated data the best AbsPower model reaches 1.5 × the noise where features determine power", () => {
  // Loads longer than three 20-sample blocks, so that the time-blocked
  // holdout tests unseen blocks of seen workloads. The simulator's ground
  // truth is a function of the Basic (and CounterOnly) features; BPF-only
  // groups lack cycles and instructions and cannot reach the noise level.
  const noise = 2;
  const sim = simulate({
    start: 1_767_225_600, // fixed: the default (now − duration) varies the data
    duration: 3600,
    step: 3,
    containers: 20,
    seed: 3,
    noise,
    sources: ["rapl-sysfs"],
    plan: { levels: 1 },
  });
  const q = queryDataFrom(queryResult(sim));
  const best: Record<string, number> = {};
  for (const group of ["Basic", "CounterOnly", "BPFOnly"] as const) {
    const frame = extract(q, group, { source: "rapl-sysfs" });
    best[group] = Infinity;
    for (const trainer of UPSTREAM_TRAINERS) {
      try {
        const m = trainModel(frame, trainer, {
          featureGroup: group,
          outputType: "AbsPower",
          split: "time",
        });
        assertEquals(m.metadata.split, "time");
        best[group] = Math.min(best[group]!, m.metadata.mae);
      } catch { /* a trainer that cannot fit is skipped, as in the pipeline */ }
    }
  }
  assert(best.Basic! <= 1.5 * noise, `Basic best MAE ${best.Basic}`);
  assert(
    best.CounterOnly! <= 1.5 * noise,
    `CounterOnly best MAE ${best.CounterOnly}`,
  );
  assert(
    best.BPFOnly! > best.Basic!,
    "BPF features alone should do worse than Basic",
  );
});

Deno.test("training again continues XgboostFit and adds a node type for another machine", async () => {
  await withTemp(async (dir) => {
    const sim = simulate({
      duration: 900,
      containers: 5,
      seed: 11,
      sources: ["rapl-sysfs"],
    });
    const q = queryDataFrom(queryResult(sim));
    const common = {
      modelPath: dir,
      sources: ["rapl-sysfs"] as const,
      featureGroups: ["CounterOnly"] as const,
      absTrainers: ["XgboostFitTrainer"] as TrainerName[],
      dynTrainers: [] as TrainerName[],
    };
    await trainPipeline([q], {
      ...common,
      machineSpec: TEST_SPEC,
      machineId: "a",
    });
    const folder = join(
      dir,
      "default/rapl-sysfs/AbsPower/CounterOnly/XgboostFitTrainer_0",
    );
    const trees1 =
      JSON.parse(await Deno.readTextFile(join(folder, "package.json"))).trees
        .length;
    await trainPipeline([q], {
      ...common,
      machineSpec: TEST_SPEC,
      machineId: "a",
    });
    const trees2 =
      JSON.parse(await Deno.readTextFile(join(folder, "package.json"))).trees
        .length;
    assert(trees2 > trees1, `continued: ${trees1} → ${trees2} trees`);
    const r = await trainPipeline([q], {
      ...common,
      machineSpec: { ...TEST_SPEC, cores: 48 },
      machineId: "b",
    });
    assertEquals(r.nodeType, 1);
    const index = JSON.parse(
      await Deno.readTextFile(join(dir, "default/node_type_index.json")),
    );
    assertEquals(Object.keys(index), ["0", "1"]);
    const csv = await Deno.readTextFile(
      join(dir, "default/rapl-sysfs_AbsPower_model_metadata.csv"),
    );
    assert(
      csv.includes("XgboostFitTrainer_0") &&
        csv.includes("XgboostFitTrainer_1"),
      "both node types summarised",
    );
  });
});

Deno.test({
  name:
    "a trainer that fails is reported and skipped; the run goes on (upstream aborts)",
  async fn() {
    await withTemp(async (dir) => {
      // idle.json has 5 rows: KNN (k = 6) cannot fit.
      const q = await readQueryFile(IDLE);
      const report = await trainPipeline([q], {
        modelPath: dir,
        sources: ["rapl-sysfs"],
        featureGroups: ["BPFOnly"],
        absTrainers: ["KNeighborsRegressorTrainer", "SGDRegressorTrainer"],
        dynTrainers: [],
      });
      assertEquals(report.failures.map((f) => f.trainer), [
        "KNeighborsRegressorTrainer",
      ]);
      assertEquals(report.models.map((m) => m.metadata.model_name), [
        "SGDRegressorTrainer_0",
      ]);
    });
  },
});

Deno.test({
  name:
    "specFromNodeInfo() reads the machine spec of idle.json from kepler_node_info",
  async fn() {
    const { specFromNodeInfo } = await import("../cli/commands/train.ts");
    const q = await readQueryFile(IDLE);
    // Broadwell, 72 logical CPUs (72 `cpu` labels of the frequency metric),
    // 2 sockets (package labels 0 and 1); the max frequency rounds to 3000 MHz.
    assertEquals(specFromNodeInfo(q), {
      spec: {
        processor: "broadwell",
        cores: 72,
        chips: 2,
        memory: -1,
        frequency: 3000,
      },
      id: "kind-fms-control-plane",
    });
  },
});

Deno.test("the trainer isolator takes its background model from an AbsPower pipeline", async () => {
  await withTemp(async (dir) => {
    const sim = simulate({
      duration: 900,
      containers: 6,
      seed: 13,
      sources: ["rapl-sysfs"],
    });
    const q = queryDataFrom(queryResult(sim));
    const common = {
      modelPath: dir,
      sources: ["rapl-sysfs"] as const,
      featureGroups: ["Basic"] as const,
    };
    await trainPipeline([q], {
      ...common,
      pipelineName: "abs",
      absTrainers: ["LinearRegressionTrainer"],
      dynTrainers: [],
    });
    const report = await trainPipeline([q], {
      ...common,
      pipelineName: "dyn",
      isolator: "trainer",
      absPipelineName: "abs",
      targetHints: ["stress"],
      absTrainers: [],
      dynTrainers: ["SGDRegressorTrainer"],
    });
    assertEquals(report.failures, []);
    assertEquals(
      report.models.map((m) => `${m.outputType} ${m.metadata.model_name}`),
      ["DynPower SGDRegressorTrainer_0"],
    );
    const csv = await Deno.readTextFile(
      join(
        dir,
        "dyn/preprocessed_data/preprocess_dyn_default_trainer_rapl-sysfs_Basic.csv",
      ),
    );
    const [header, ...rows] = csv.trim().split("\n");
    const col = header!.split(",").indexOf("package_power");
    assert(rows.length > 100);
    assert(
      rows.every((r) => Number(r.split(",")[col]) >= 0),
      "DynPower labels are never negative",
    );
    // Without the AbsPower pipeline the error names the folder.
    let message = "";
    try {
      await trainPipeline([q], {
        ...common,
        pipelineName: "x",
        isolator: "trainer",
        absPipelineName: "missing",
      });
    } catch (error) {
      message = (error as Error).message;
    }
    assert(/no rapl-sysfs AbsPower model in .*missing/.test(message), message);
  });
});

Deno.test({
  name:
    "train_from_data trains from upstream's own preprocessed CSV and infers group and source",
  async fn() {
    await withTemp(async (dir) => {
      await Deno.copyFile(
        join(EXTRACT_GOLDEN, "extracted_default_acpi_BPFOnly_abs.csv"),
        join(dir, "upstream.csv"),
      );
      const { runTask } = await import("./_cli.ts");
      const r = await runTask("train_from_data", [
        "-i",
        "upstream",
        "-p",
        "p",
        "--trainers",
        "SGDRegressorTrainer",
      ], {
        env: { DATAPATH: dir },
      });
      assertEquals(r.code, 0, r.stderr);
      assert(r.stdout.startsWith("acpi BPFOnly (5 rows)"), r.stdout);
      const md = JSON.parse(
        await Deno.readTextFile(
          join(
            dir,
            "p/acpi/AbsPower/BPFOnly/SGDRegressorTrainer_0/metadata.json",
          ),
        ),
      );
      assertEquals(md.features, ["bpf_cpu_time_ms", "bpf_page_cache_hit"]);
      assert(typeof md.platform_mae === "number");
      const missing = await runTask("train_from_data", ["-i", "nope"], {
        env: { DATAPATH: dir },
      });
      assertEquals(missing.code, 1);
      assert(
        /Cannot find the CSV of -i nope: neither \S*\/nope\.csv nor \S*\/default\/preprocessed_data\/nope\.csv exists/
          .test(missing.stderr),
        missing.stderr,
      );
    });
  },
});

Deno.test("trainPipeline takes its queries from a function, called once, and trains the same models as from the array", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const sim = simulate({
      start: 1_700_000_001,
      duration: 600,
      containers: 2,
    });
    const options = {
      modelPath: dir,
      sources: ["acpi" as const],
      featureGroups: ["BPFOnly" as const],
      absTrainers: ["LinearRegressionTrainer" as const],
      dynTrainers: ["LinearRegressionTrainer" as const],
      workers: 0,
    };
    const fromArray = await trainPipeline([queryDataFrom(queryResult(sim))], {
      ...options,
      pipelineName: "array",
    });
    let calls = 0;
    const fromLoader = await trainPipeline(() => {
      calls++;
      return Promise.resolve([queryDataFrom(queryResult(sim))]);
    }, { ...options, pipelineName: "loader" });
    assertEquals(calls, 1);
    const errors = (r: typeof fromArray) =>
      r.models.map((m) => [m.outputType, m.metadata.mae, m.metadata.mape]);
    assertEquals(errors(fromLoader), errors(fromArray));
    assertEquals(fromLoader.models.length, 2);
    // a loader that gives nothing: the same error as an empty array, and
    // no pipeline is published
    await rejects(
      () => trainPipeline(() => [], { ...options, pipelineName: "empty" }),
      (e: Error) =>
        e instanceof RangeError && /no query was given/.test(e.message),
    );
    await rejects(() => Deno.stat(join(dir, "empty", "metadata.json")));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
