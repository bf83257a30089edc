/**
 * Every `kepler-model` command line in a tekton/ step script parses with the
 * real CLI parser. Each script runs in `sh` as Tekton would run it (sample
 * parameter values substituted, the step's env set) with a stub
 * `kepler-model` on PATH that records its arguments; the shell's own quoting
 * and expansion produce the argument lists, which are then parsed by the
 * commander program of cli/main.ts with a configuration reader that stops
 * before any command runs.
 */
import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import { join } from "node:path";
import { buildProgram, normalizeArgs } from "../cli/main.ts";
import {
  cliLinesOf,
  runTaskSpec,
  type TaskSpec,
  tektonCatalog,
} from "./_tekton.ts";

const { tasks } = await tektonCatalog();

/** Sample values for parameters without a default (and a few overrides). */
const SAMPLES: Record<string, string> = {
  PIPELINE_NAME: "sample_pipeline",
  OUTPUT_TYPE: "AbsPower",
  START_TIME: "2024-07-25T21:05:43Z",
  END_TIME: "2024-07-25T22:05:43Z",
  PUBLISHER: "sample-publisher",
  COS_SECRET_NAME: "aws-cos-secret",
  IDLE_COLLECT_INTERVAL: "1",
};

class Parsed extends Error {}

/** Parses one argument list; returns the command's options, or throws with commander's message. */
async function parseCli(argv: string[]): Promise<Record<string, unknown>> {
  let err = "";
  const program = await buildProgram(
    { stdout: () => {}, stderr: (t) => err += t, stderrIsTerminal: false },
    () => {
      throw new Parsed();
    },
    () => {},
  );
  const args = normalizeArgs(argv);
  try {
    await program.parseAsync(args, { from: "user" });
  } catch (error) {
    if (!(error instanceof Parsed)) {
      throw new Error(
        `kepler-model ${args.join(" ")}: ${err.trim() || String(error)}`,
      );
    }
    const command = program.commands.find((c) => c.name() === args[0]);
    return command?.opts() ?? {};
  }
  throw new Error(`kepler-model ${args.join(" ")}: no command ran`);
}

/** Runs a task's scripts with a recording stub and returns the recorded argument lists. */
async function recordedInvocations(
  name: string,
  spec: TaskSpec,
  overrides: Record<string, string> = {},
): Promise<string[][]> {
  const dir = await Deno.makeTempDir({ prefix: "tekton_cli_" });
  try {
    const bin = join(dir, "bin");
    await Deno.mkdir(bin);
    const log = join(dir, "calls.jsonl");
    await Deno.writeTextFile(
      join(bin, "kepler-model"),
      `#!/bin/sh\n${Deno.execPath()} eval --quiet --no-config 'console.log(JSON.stringify(Deno.args))' -- "$@" >> ${log}\n`,
      { mode: 0o755 },
    );
    const params: Record<string, string | string[]> = {};
    for (const p of spec.params ?? []) {
      const value = overrides[p.name] ?? SAMPLES[p.name];
      if (value !== undefined) params[p.name] = value;
      else if (p.default === undefined && p.type === "array") {
        params[p.name] = ["cpu;none;none"];
      }
    }
    await runTaskSpec(name, spec, params, {
      workspaces: { mnt: join(dir, "mnt") },
      env: {
        PATH: `${bin}:${Deno.env.get("PATH") ?? "/usr/bin:/bin"}`,
        HOME: dir,
      },
    });
    const text = await Deno.readTextFile(log).catch(() => "");
    return text.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const withCli = [...tasks].filter(([, spec]) =>
  spec.steps.some((s) => cliLinesOf(s.script ?? "").length > 0)
);

Deno.test("the tasks that call kepler-model are the ones expected", () => {
  assertEquals(withCli.map(([name]) => name).sort(), [
    "collect-idle",
    "collect-metric",
    "export-models",
    "original-pipeline-task",
    "s3-load",
    "s3-push",
    "train-model",
  ]);
});

for (const [name, spec] of withCli) {
  Deno.test(`task ${name}: every kepler-model command line parses with the CLI's parser`, async () => {
    const lines = spec.steps.flatMap((s) => cliLinesOf(s.script ?? ""));
    const calls = await recordedInvocations(name, spec);
    assertEquals(
      calls.length,
      lines.length,
      `${name}: ${lines.length} command lines, ${calls.length} ran`,
    );
    for (const argv of calls) await parseCli(argv);
  });
}

Deno.test("train-model passes the trainers to the requested output type only", async () => {
  const spec = tasks.get("train-model")!;
  for (const outputType of ["AbsPower", "DynPower"]) {
    const [argv] = await recordedInvocations("train-model", spec, {
      OUTPUT_TYPE: outputType,
      TRAINERS: "SGDRegressorTrainer,XgboostFitTrainer",
    });
    const options = await parseCli(argv!);
    const trainers = ["SGDRegressorTrainer", "XgboostFitTrainer"];
    assertEquals(
      options.absTrainers,
      outputType === "AbsPower" ? trainers : [],
    );
    assertEquals(
      options.dynTrainers,
      outputType === "DynPower" ? trainers : [],
    );
    assertEquals(options.featureGroup, ["BPFOnly"]);
    assertEquals(options.energySource, ["rapl-sysfs"]);
  }
});

Deno.test("train-model with VM_TRAIN=true runs train --vm-train with the guests' queries", async () => {
  const spec = tasks.get("train-model")!;
  const [argv] = await recordedInvocations("train-model", spec, {
    OUTPUT_TYPE: "AbsPower",
    TRAINERS: "LinearRegressionTrainer",
    VM_TRAIN: "true",
    VM_INPUT: "vms_vm_a,vms_vm_b",
  });
  const options = await parseCli(argv!);
  assertEquals(options.vmTrain, true);
  assertEquals(options.vmInput, ["vms_vm_a", "vms_vm_b"]);
  assertEquals(options.input, ["kepler_query"]);
  assertEquals(options.absTrainers, ["LinearRegressionTrainer"]);
  const [plain] = await recordedInvocations("train-model", spec, {
    OUTPUT_TYPE: "AbsPower",
  });
  assertEquals((await parseCli(plain!)).vmTrain, undefined);
});

Deno.test("train-model refuses an unknown OUTPUT_TYPE before running the CLI", async () => {
  await assertRejectsWith(
    recordedInvocations("train-model", tasks.get("train-model")!, {
      OUTPUT_TYPE: "Power",
    }),
    /OUTPUT_TYPE must be AbsPower or DynPower, got "Power"/,
  );
});

Deno.test("an empty MACHINE_ID becomes the machine id unknown for query and train", async () => {
  const [query] = await recordedInvocations(
    "collect-metric",
    tasks.get("collect-metric")!,
  );
  assertEquals((await parseCli(query!)).id, "unknown");
  const [train] = await recordedInvocations(
    "original-pipeline-task",
    tasks.get("original-pipeline-task")!,
    { MACHINE_ID: "m5.metal" },
  );
  assertEquals((await parseCli(train!)).id, "m5.metal");
});

Deno.test("`parseCli()` rejects an unknown flag and a bad value, naming them", async () => {
  await assertRejectsWith(
    parseCli(["train", "--no-such-flag"]),
    /unknown option '--no-such-flag'/,
  );
  await assertRejectsWith(
    parseCli(["train", "--energy-source=solar"]),
    /solar/,
  );
  await assertRejectsWith(parseCli(["no-such-command"]), /unknown command/);
  assert((await parseCli(["query", "--interval=5"])).interval === 5);
});

async function assertRejectsWith(
  promise: Promise<unknown>,
  pattern: RegExp,
): Promise<void> {
  let error: unknown;
  try {
    await promise;
  } catch (e) {
    error = e;
  }
  assert(error instanceof Error, "did not throw");
  assert(pattern.test(error.message), error.message);
}
