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
