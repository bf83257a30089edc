/**
 * The `estimate` command: upstream's short flags (`-ot`, `-fg`), several
 * energy sources, published weight files, MAE/MAPE/coverage printed per
 * model, and errors as one line — in process, and once through the deno
 * task's exact permissions.
 */
import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  ok as assert,
} from "node:assert/strict";
import { join } from "node:path";
import { main, type MainIo } from "../cli/main.ts";
import { readConfig } from "../cli/config.ts";
import { runTask } from "./_cli.ts";
import { queryDataFrom } from "../lib/extract/mod.ts";
import { queryJson, queryResult, simulate } from "../lib/simulate/mod.ts";
import { trainPipeline } from "../lib/train/pipeline.ts";
import type { MachineSpec } from "../lib/types.ts";
import { testdata } from "./testdata.ts";

const KEPLER_WEIGHT = testdata(
  "kepler/kepler-v0.7.12/data/model_weight/acpi_AbsPowerModel.json",
);

const ws = await Deno.makeTempDir({ prefix: "kepler-estimate-cli-" });
addEventListener("unload", () => Deno.removeSync(ws, { recursive: true }));
const sim = simulate({
  start: 1_700_000_001,
  duration: 900,
  containers: 5,
  seed: 9,
});
await Deno.writeTextFile(join(ws, "q.json"), queryJson(sim));
await trainPipeline([queryDataFrom(queryResult(sim), { origin: "q.json" })], {
  modelPath: ws,
  pipelineName: "p",
  sources: ["rapl-sysfs", "acpi"],
  featureGroups: ["BPFOnly", "CounterOnly"],
  absTrainers: ["SGDRegressorTrainer", "GradientBoostingRegressorTrainer"],
  dynTrainers: ["SGDRegressorTrainer"],
  machineSpec: sim.spec as MachineSpec,
});

async function cli(args: string[]) {
  let stdout = "", stderr = "";
  const io: MainIo = {
    stdout: (t) => stdout += t,
    stderr: (t) => stderr += t,
    stderrIsTerminal: false,
  };
  const code = await main(
    args,
    io,
    () => readConfig(new Map([["DATAPATH", ws]])),
  );
  return { code, stdout, stderr };
}

Deno.test("`estimate -ot -fg -e` evaluates the group's models per source and writes a pair per source", async () => {
  const r = await cli([
    "estimate",
    "-i",
    "q.json",
    "-o",
    "out1",
    "-ot",
    "DynPower",
    "-fg",
    "BPFOnly",
    "-e",
    "rapl,acpi",
  ]);
  assertEquals(r.code, 0, r.stderr);
  assertMatch(r.stdout, /rapl-sysfs DynPower: 1 models on \d+ rows/);
  assertMatch(r.stdout, /acpi DynPower: 1 models on \d+ rows/);
  // One line per model: group, name, pipeline, holdout mae and blocked-CV
  // mae recorded at training (the CV one ranks), MAE, MAPE, coverage of
  // the nominal.
  assertMatch(
    r.stdout,
    /BPFOnly +SGDRegressorTrainer_0 +p +\d+\.\d\d +\d+\.\d\d +\d+\.\d\d +\d+\.\d\d +\d+\.\d% of 90\.0%/,
  );
  assertMatch(
    r.stdout,
    /ranked by the mae of each model's blocked cross-validation at training/,
  );
  assertMatch(
    r.stdout,
    /best: SGDRegressorTrainer_0 \(BPFOnly, pipeline p\): max-over-components MAE \d+\.\d\d W/,
  );
  assertMatch(
    r.stdout,
    / {2}platform: MAE \d+\.\d\d W, MAPE \d+\.\d\d%, interval coverage \d+\.\d% \(nominal 90\.0%\)/,
  );
  for (
    const f of [
      "rapl-sysfs_estimation_result.csv",
      "rapl-sysfs_model.zip",
      "acpi_estimation_result.csv",
      "acpi_model.zip",
    ]
  ) {
    assert(
      await Deno.stat(join(ws, "out1", f)).then(() => true, () => false),
      f,
    );
  }
});

Deno.test({
  name: "`estimate --model-file` uses Kepler's own weight file",
  fn: async () => {
    const r = await cli([
      "estimate",
      "-i",
      "q",
      "-o",
      "out2",
      "--model-file",
      KEPLER_WEIGHT,
      "-e",
      "acpi",
    ]);
    assertEquals(r.code, 0, r.stderr);
    // A weight file records no training error: ranked by MAE on the query.
    assertMatch(
      r.stdout,
      /BPFOnly +acpi_AbsPowerModel +weight +- +\d+\.\d\d +\d+\.\d\d {2}-\n/,
    );
    assertMatch(r.stdout, /ranked by MAE on this query: no model records/);
    assertMatch(r.stdout, /picked by that MAE \(no training mae recorded\)/);
    const header =
      (await Deno.readTextFile(join(ws, "out2", "estimation_result.csv")))
        .split("\n")[0];
    assertEquals(
      header,
      "timestamp,bpf_cpu_time_ms,bpf_page_cache_hit,platform_power,node_type,default_platform_power",
    );
  },
});

Deno.test("`estimate --id` (upstream's, for export) prints the errors and writes no files", async () => {
  const r = await cli([
    ...["estimate", "-i", "q", "-o", "out_id", "-p", "p", "--id", "m1"],
    ...["-fg", "BPFOnly", "-e", "rapl-sysfs"],
  ]);
  assertEquals(r.code, 0, r.stderr);
  assertMatch(r.stdout, /best: \S+ \(BPFOnly, pipeline p\)/);
  assertMatch(r.stderr, /note: --id given: nothing written/);
  assertEquals(
    await Deno.stat(join(ws, "out_id")).then(() => true, () => false),
    false,
  );
});

Deno.test("`estimate` errors are one line: missing input, pipeline or model, corrupt zip, wrong source", async () => {
  await Deno.writeTextFile(join(ws, "bad.zip"), "junk");
  const cases: [string[], number, RegExp][] = [
    [["estimate"], 2, /missing required option -i\/--input/],
    [["estimate", "-i", "nope"], 1, /Cannot read .*nope\.json: file not found/],
    [
      ["estimate", "-i", "q", "-p", "nope"],
      1,
      /Cannot estimate with pipeline nope: .*nope does not exist \(train -p nope writes it\)/,
    ],
    [
      ["estimate", "-i", "q", "--model-name", "XgboostFitTrainer_0"],
      1,
      /no model named XgboostFitTrainer_0 in pipelines .* \(models: GradientBoostingRegressorTrainer_0, SGDRegressorTrainer_0\)/,
    ],
    [
      ["estimate", "-i", "q", "--model-file", join(ws, "bad.zip")],
      1,
      /Cannot read .*bad\.zip: not a valid zip archive/,
    ],
    [["estimate", "-i", "q", "-ot", "Power"], 2, /Unknown output type "Power"/],
    [
      ["estimate", "-i", "q", "--model-file", KEPLER_WEIGHT],
      1,
      /it predicts acpi power, but the energy sources are rapl-sysfs \(add -e acpi\)/,
    ],
  ];
  for (const [args, code, message] of cases) {
    const r = await cli(args);
    assertEquals(r.code, code, `${args.join(" ")}: ${r.stderr}`);
    assertMatch(r.stderr, message);
    assertEquals(r.stderr.trim().split("\n").length, 1, r.stderr);
  }
});

Deno.test("`deno task estimate` runs with the task's own permissions", async () => {
  const r = await runTask("estimate", [
    "-i",
    "q.json",
    "-o",
    "out3",
    "--model-name",
    "SGDRegressorTrainer_0",
  ], {
    env: { DATAPATH: ws },
    cwd: ws,
  });
  assertEquals(r.code, 0, r.stderr);
  assertMatch(
    r.stdout,
    /Wrote .*out3\/estimation_result\.csv\nWrote .*out3\/model\.zip/,
  );
});
