/**
 * `train_from_data` on the files upstream and kepler-model-db publish, run
 * under the task's own permissions:
 *
 * - v0.6's preprocessed CSVs, whose BPF groups have `bpf_cpu_time_us` and
 *   no `bpf_page_cache_hit` (kepler-model-db's `..._v0.6/preprocessed_data`):
 *   the group is told from the columns, as for current CSVs. Before, such a
 *   file was refused ("Cannot tell the feature group", and with
 *   `--feature-group BPFIRQ`: "lacks bpf_cpu_time_ms, bpf_page_cache_hit").
 * - a file whose name says `dyn` trains DynPower models unless
 *   `--output-type` says otherwise; before (and upstream), AbsPower.
 *
 * @module
 */
import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import { join } from "node:path";
import { runTask } from "./_cli.ts";
import { testdata } from "./testdata.ts";

const V06_BPFIRQ = "derived/dbe1166-v0.6-BPFIRQ/rapl_BPFIRQ_abs_data.csv";

Deno.test("train_from_data trains v0.6 BPFIRQ rows, the group told from their columns", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kepler-tfd-v06-" });
  try {
    // a name that says nothing: the columns alone tell the group
    await Deno.copyFile(testdata(V06_BPFIRQ), join(dir, "coremark.csv"));
    const r = await runTask("train_from_data", [
      "-i",
      "coremark",
      "-p",
      "p",
      "--trainers",
      "LinearRegressionTrainer,LogarithmicRegressionTrainer",
    ], { env: { DATAPATH: dir, MODEL_PATH: dir } });
    assertEquals(r.code, 0, r.stderr);
    // 153 node rows (the data's README: 187 intervals less 34 resets)
    assert(r.stdout.startsWith("rapl-sysfs BPFIRQ (153 rows)"), r.stdout);
    for (
      const trainer of [
        "LinearRegressionTrainer",
        "LogarithmicRegressionTrainer",
      ]
    ) {
      const md = JSON.parse(
        await Deno.readTextFile(
          join(dir, `p/rapl-sysfs/AbsPower/BPFIRQ/${trainer}_0/metadata.json`),
        ),
      );
      assertEquals(md.features, [
        "bpf_block_irq",
        "bpf_cpu_time_us",
        "bpf_net_rx_irq",
        "bpf_net_tx_irq",
      ]);
      assert(Number.isFinite(md.mae) && md.mae > 0, `${trainer} mae ${md.mae}`);
    }
    // -i may also be the file's own path, wherever DATAPATH points
    const byPath = await runTask("train_from_data", [
      "-i",
      join(dir, "coremark.csv"),
      "-p",
      "r",
      "--trainers",
      "LinearRegressionTrainer",
    ], { env: { DATAPATH: join(dir, "elsewhere"), MODEL_PATH: dir } });
    assertEquals(byPath.code, 0, byPath.stderr);
    assert(
      byPath.stdout.startsWith("rapl-sysfs BPFIRQ (153 rows)"),
      byPath.stdout,
    );
    // an absolute path is that path alone, as upstream's os.path.join
    // makes it: not looked for below DATAPATH or the pipeline
    const missing = join(dir, "nowhere", "coremark");
    const gone = await runTask("train_from_data", [
      "-i",
      missing,
      "-p",
      "r",
    ], { env: { DATAPATH: dir, MODEL_PATH: dir } });
    assertEquals(gone.code, 1);
    assertEquals(
      gone.stderr.trim(),
      `kepler-model: error: Cannot find the CSV of -i ${missing}: ${missing}.csv does not exist`,
    );
    // a group the columns do not hold is still refused, naming what lacks
    const wrong = await runTask("train_from_data", [
      "-i",
      "coremark",
      "-p",
      "q",
      "--feature-group",
      "CounterOnly",
    ], { env: { DATAPATH: dir, MODEL_PATH: dir } });
    assertEquals(wrong.code, 1);
    assert(
      /lacks the feature columns cache_miss, cpu_cycles, cpu_instructions of CounterOnly/
        .test(wrong.stderr),
      wrong.stderr,
    );
    assertEquals(wrong.stderr.trim().split("\n").length, 1, wrong.stderr);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

const UPSTREAM_DYN =
  "kepler-model-server/generated-from-upstream-head/extract-isolate/isolated_min_acpi_BPFOnly_dyn.csv";

Deno.test("train_from_data trains DynPower models from a file named dyn, unless --output-type says otherwise", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kepler-tfd-dyn-" });
  try {
    const name = "isolated_min_acpi_BPFOnly_dyn";
    await Deno.copyFile(testdata(UPSTREAM_DYN), join(dir, `${name}.csv`));
    const env = { DATAPATH: dir, MODEL_PATH: dir };
    const args = ["-i", name, "--trainers", "SGDRegressorTrainer"];
    const dyn = await runTask("train_from_data", [...args, "-p", "d"], { env });
    assertEquals(dyn.code, 0, dyn.stderr);
    assertEquals(
      dyn.stderr.trim(),
      `train_from_data: DynPower models, as the file name ${name}.csv says (--output-type to choose)`,
    );
    const md = JSON.parse(
      await Deno.readTextFile(
        join(
          dir,
          "d/acpi/DynPower/BPFOnly/SGDRegressorTrainer_0/metadata.json",
        ),
      ),
    );
    assertEquals(md.output_type, "DynPower");
    const abs = await runTask("train_from_data", [
      ...args,
      "-p",
      "a",
      "--output-type",
      "AbsPower",
    ], { env });
    assertEquals([abs.code, abs.stderr], [0, ""]);
    const models = [];
    for await (const e of Deno.readDir(join(dir, "a/acpi"))) {
      models.push(e.name);
    }
    assertEquals(models, ["AbsPower"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a pipeline train_from_data makes can be exported, and a second run adds to its metadata", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kepler-tfd-export-" });
  try {
    const env = { DATAPATH: dir, MODEL_PATH: join(dir, "models") };
    await Deno.mkdir(join(dir, "machine_spec"));
    // upstream's tests/data/machine/spec.json (an AWS m5.metal)
    await Deno.writeTextFile(
      join(dir, "machine_spec", "m5.json"),
      '{"processor": "intel_xeon_platinum_8259cl", "cores": 96, "chips": 2, "memory": 377, "frequency": 3500}',
    );
    await Deno.copyFile(testdata(UPSTREAM_DYN), join(dir, "dyn.csv"));
    const abs = "extracted_default_acpi_BPFOnly_abs";
    await Deno.copyFile(
      testdata(
        `kepler-model-server/generated-from-upstream-head/extract-isolate/${abs}.csv`,
      ),
      join(dir, `${abs}.csv`),
    );
    const train = (input: string, trainers: string, pipeline = "p") =>
      runTask("train_from_data", [
        "-i",
        input,
        "-p",
        pipeline,
        "--id",
        "m5",
        "--trainers",
        trainers,
      ], { env });
    const first = await train(abs, "SGDRegressorTrainer");
    assertEquals(first.code, 0, first.stderr);
    const metadataPath = join(dir, "models/p/metadata.json");
    const md1 = JSON.parse(await Deno.readTextFile(metadataPath));
    assertEquals(
      [
        md1.name,
        md1.isolator,
        md1.extractor,
        md1.abs_trainers,
        md1.dyn_trainers,
      ],
      ["p", "none", "default", ["SGDRegressorTrainer"], []],
    );
    // the dyn file under upstream's isolated_<isolator>_..._dyn name
    await Deno.rename(
      join(dir, "dyn.csv"),
      join(dir, "isolated_min_acpi_BPFOnly_dyn.csv"),
    );
    const dyn = await train(
      "isolated_min_acpi_BPFOnly_dyn",
      "LinearRegressionTrainer",
    );
    assertEquals(dyn.code, 0, dyn.stderr);
    const md2 = JSON.parse(await Deno.readTextFile(metadataPath));
    assertEquals(
      [md2.isolator, md2.abs_trainers, md2.dyn_trainers, md2.init_time],
      [
        "none",
        ["SGDRegressorTrainer"],
        ["LinearRegressionTrainer"],
        md1.init_time,
      ],
    );
    // a pipeline that starts from the dyn file records its isolator
    const q = await train(
      "isolated_min_acpi_BPFOnly_dyn",
      "LinearRegressionTrainer",
      "q",
    );
    assertEquals(q.code, 0, q.stderr);
    const mdq = JSON.parse(
      await Deno.readTextFile(join(dir, "models/q/metadata.json")),
    );
    assertEquals([mdq.isolator, mdq.abs_trainers], ["min", []]);
    const out = join(dir, "db");
    const exported = await runTask("export", [
      "-p",
      "p",
      "-o",
      out,
      "--publisher",
      "me",
      "--collect-date",
      "2023-12-13",
    ], { env });
    assertEquals(exported.code, 0, exported.stderr);
    const md = JSON.parse(
      await Deno.readTextFile(join(out, "v0.7/p/metadata.json")),
    );
    assertEquals([md.name, md.publisher], ["p", "me"]);
    await Deno.stat(
      join(out, "v0.7/p/acpi/DynPower/BPFOnly/LinearRegressionTrainer_0.zip"),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
