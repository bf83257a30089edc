/**
 * The `export` command in process: the `--zip` forms, `--collect-date`,
 * `-i` workload information, thresholds, and usage and run-time errors as
 * one line with the right exit code.
 */
import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  ok as assert,
} from "node:assert/strict";
import { join } from "node:path";
import { main, type MainIo } from "../cli/main.ts";
import { readConfig } from "../cli/config.ts";
import { queryDataFrom } from "../lib/extract/mod.ts";
import { queryResult, simulate } from "../lib/simulate/mod.ts";
import { trainPipeline } from "../lib/train/pipeline.ts";
import type { MachineSpec } from "../lib/types.ts";

const ws = await Deno.makeTempDir({ prefix: "kepler-export-cli-" });
addEventListener("unload", () => Deno.removeSync(ws, { recursive: true }));
const sim = simulate({
  start: 1_700_000_001,
  duration: 1200,
  containers: 6,
  seed: 3,
});
await trainPipeline([queryDataFrom(queryResult(sim), { origin: "q.json" })], {
  modelPath: ws,
  pipelineName: "p",
  sources: ["acpi"],
  featureGroups: ["BPFOnly"],
  absTrainers: ["SGDRegressorTrainer"],
  dynTrainers: ["SGDRegressorTrainer"],
  machineSpec: sim.spec as MachineSpec,
});
await Deno.writeTextFile(
  join(ws, "stressng.json"),
  '{"startTimeUTC": "2023-11-14T22:13:21Z", "endTimeUTC": "2023-11-14T22:33:21Z"}',
);

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

const exists = (p: string) => Deno.stat(p).then(() => true, () => false);
let n = 0;
const base =
  () => ["export", "-p", "p", "-o", join(ws, `db${n++}`), "--publisher", "me"];

Deno.test("`export --zip` and `--zip=true` write the archive, `--zip=false` and no flag do not", async () => {
  for (
    const [flag, zip] of [["--zip", true], ["--zip=true", true], [
      "--zip=false",
      false,
    ], [undefined, false]] as const
  ) {
    const args = [
      ...base(),
      "--benchmark",
      "stressng",
      ...(flag ? [flag] : []),
    ];
    const r = await cli(args);
    assertEquals(r.code, 0, r.stderr);
    assertEquals(
      await exists(join(args[4]!, "v0.7", "p.zip")),
      zip,
      String(flag),
    );
    assertMatch(
      r.stdout,
      /^Exported \d+ of \d+ models of pipeline p \(collected 2023-11-14 22:13:21, published by me\)/,
    );
  }
});

Deno.test("`export --collect-date` records the date; `-i` adds the workload information", async () => {
  const args = [
    ...base(),
    "--collect-date",
    "February 2024",
    "-i",
    "stressng_kepler_query",
  ];
  const r = await cli(args);
  assertEquals(r.code, 0, r.stderr);
  const v = join(args[4]!, "v0.7");
  const meta = JSON.parse(
    await Deno.readTextFile(join(v, "p", "metadata.json")),
  );
  assertEquals(meta.collect_time, "February 2024");
  const doc = await Deno.readTextFile(join(v, ".doc", "p.md"));
  assert(
    doc.includes("### stressng\n") &&
      doc.includes(
        "collected from 2023-11-14T22:13:21Z to 2023-11-14T22:33:21Z",
      ),
    doc,
  );
});

Deno.test("`export` thresholds are flags: a strict MAE and MAPE export nothing and fail", async () => {
  const r = await cli([
    ...base(),
    "--benchmark",
    "stressng",
    "--mae-threshold",
    "0",
    "--mape-threshold",
    "0",
  ]);
  assertEquals(r.code, 1);
  assertMatch(
    r.stderr,
    /^kepler-model: error: Cannot export pipeline p: none of its 2 models passes the thresholds \(mae ≤ 0 W or mape ≤ 0 %/,
  );
  assertEquals(r.stderr.trim().split("\n").length, 1);
});

Deno.test("`export` usage errors exit 2 and run-time errors exit 1, each with one line", async () => {
  const cases: [string[], number, RegExp][] = [
    [
      [...base()],
      2,
      /missing collect time: give --benchmark <name> or --collect-date <date>/,
    ],
    [
      [...base(), "--benchmark", "stressng", "--collect-date", "2024-01-01"],
      2,
      /either --benchmark or --collect-date, not both/,
    ],
    [
      [
        "export",
        "-o",
        join(ws, "x"),
        "--publisher",
        "me",
        "--collect-date",
        "d",
      ],
      2,
      /missing required option -p\/--pipeline-name/,
    ],
    [
      [...base(), "--benchmark", "nope"],
      2,
      /nope\.json does not exist \(query --benchmark nope writes it; or give --collect-date\)/,
    ],
    [[...base(), "--collect-date", "a|b"], 2, /Invalid collect date "a\|b"/],
    [
      [...base(), "--benchmark", "stressng", "--zip=maybe"],
      2,
      /"maybe" is not a boolean/,
    ],
    [
      [
        "export",
        "-p",
        "nope",
        "-o",
        join(ws, "x"),
        "--publisher",
        "me",
        "--collect-date",
        "d",
      ],
      1,
      /Cannot export pipeline nope: .*metadata\.json does not exist \(train -p nope writes it\)/,
    ],
    [
      [...base(), "--collect-date", "d", "-i", "missing_kepler_query"],
      1,
      /Cannot find the workload information of -i missing_kepler_query/,
    ],
  ];
  for (const [args, code, message] of cases) {
    const r = await cli(args);
    assertEquals(r.code, code, `${args.join(" ")}: ${r.stderr}`);
    assertMatch(r.stderr, message);
    assertEquals(r.stderr.trim().split("\n").length, 1, r.stderr);
  }
  assertEquals(await exists(join(ws, "x")), false);
});
