/**
 * Each command's deno task grants only what that command needs, and the
 * tasks and the registered commands match one to one.
 */
import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import { COMMANDS } from "../cli/commands/registry.ts";
import { ENV_KEYS } from "../cli/config.ts";
import { denoTasks, splitTask } from "./_cli.ts";

type Grant = "read" | "write" | "net" | "sys" | "env" | "ignore-env";

/** What each command may do; anything else in its task is a failure. */
const NEEDS: Record<string, readonly Grant[]> = {
  demo: ["read", "write", "env"],
  simulate: ["read", "write", "env", "net"], // --serve listens
  query: ["read", "write", "env", "net", "sys"], // sys: machine spec
  validate: ["read", "write", "env"],
  extract: ["read", "write", "env"],
  isolate: ["read", "write", "env"],
  isolate_from_data: ["read", "write", "env"],
  profile: ["read", "write", "env"],
  train: ["read", "write", "env"],
  train_from_data: ["read", "write", "env"],
  export: ["read", "write", "env"],
  estimate: ["read", "write", "env"],
  plot: ["read", "write", "env"],
  serve: ["read", "env", "net"],
  estimator: ["read", "write", "env", "net"], // the unix socket file
  "offline-trainer": ["read", "write", "env", "net"], // listens; trains in a temp folder
  calibrate: ["read", "write", "env", "net"], // Prometheus, its /metrics; MODEL_PATH
  // ignore-env: lib/s3 reads no environment (fetch + aws4fetch, settings from
  // the secret); any stray read of AWS_* or other variables reads as unset,
  // so cli/config.ts stays the only reader of the environment.
  "s3-push": ["read", "env", "net", "ignore-env"],
  "s3-load": ["read", "write", "env", "net", "ignore-env"],
};

/**
 * V8 flags a command's task may carry: training keeps V8's young
 * generation small (3 MB semi-spaces instead of up to 16 MB, in the main
 * thread and each worker), which lowers its peak memory by 70–180 MB, and
 * lets the old generation grow by at most 2× its live size between full
 * collections (V8 otherwise grows it by up to 4× while collections are
 * fast, so a train that holds 30 MB live reaches 90 MB of heap, most of it
 * garbage), which lowers it by another 20–60 MB for at most a few % more
 * CPU time (issue 19; BENCHMARKS.md, train-sizes and "Peak memory of
 * `train`").
 */
const V8_FLAGS: Record<string, readonly string[]> = {
  train: ["--v8-flags=--max-semi-space-size=3,--heap-growing-percent=100"],
  train_from_data: [
    "--v8-flags=--max-semi-space-size=3,--heap-growing-percent=100",
  ],
};

function grantsOf(
  flags: string[],
): { grants: Grant[]; env: string[]; other: string[] } {
  const grants: Grant[] = [];
  const other: string[] = [];
  let env: string[] = [];
  for (const flag of flags) {
    const m = /^--allow-(read|write|net|sys|env)(?:=(.*))?$/.exec(flag);
    if (flag === "--no-prompt") continue;
    if (flag === "--ignore-env") grants.push("ignore-env");
    else if (m) {
      grants.push(m[1] as Grant);
      if (m[1] === "env") env = (m[2] ?? "").split(",");
    } else other.push(flag);
  }
  return { grants: grants.sort(), env, other };
}

const tasks = await denoTasks();

Deno.test("every registered command has a deno task running it", () => {
  for (const def of COMMANDS) {
    const task = tasks[def.name];
    assert(task !== undefined, `deno task ${def.name} is missing`);
    const { script, args } = splitTask(task);
    assertEquals([script, args[0]], ["cli/main.ts", def.name]);
  }
});

Deno.test("every command task refers to a registered command", () => {
  const names = new Set(COMMANDS.map((c) => c.name));
  for (const [name, command] of Object.entries(tasks)) {
    if (!command.includes("cli/main.ts") || !command.startsWith("deno run")) {
      continue;
    }
    const { args } = splitTask(command);
    assert(
      names.has(args[0] ?? ""),
      `task ${name} runs unknown command ${args[0]}`,
    );
  }
});

Deno.test("each command task grants exactly the permissions its command needs", () => {
  for (const def of COMMANDS) {
    const needs = NEEDS[def.name];
    assert(
      needs !== undefined,
      `no permission profile for ${def.name} in test/tasks_test.ts`,
    );
    const { grants, env, other } = grantsOf(splitTask(tasks[def.name]!).flags);
    assertEquals(grants, [...needs].sort(), def.name);
    assertEquals(
      other,
      V8_FLAGS[def.name] ?? [],
      `${def.name} has other flags`,
    );
    assertEquals(env.sort(), [...ENV_KEYS].sort(), `${def.name} env list`);
  }
});

Deno.test("every command task runs with --no-prompt: a missing permission is an error, never a prompt", () => {
  for (const def of COMMANDS) {
    const { flags } = splitTask(tasks[def.name]!);
    assert(flags.includes("--no-prompt"), `${def.name} lacks --no-prompt`);
  }
  for (const [name, command] of Object.entries(tasks)) {
    if (command.startsWith("deno run") && command.includes("cli/main.ts")) {
      assert(command.includes(" --no-prompt "), `task ${name}`);
    }
  }
});

Deno.test("train, extract and export tasks never grant network access", () => {
  for (
    const name of [
      "train",
      "extract",
      "export",
      "isolate",
      "profile",
      "train_from_data",
    ]
  ) {
    assertEquals(NEEDS[name]!.includes("net"), false);
    const task = tasks[name];
    if (task !== undefined) {
      assert(!/--allow-net|-A\b|--allow-all/.test(task), name);
    }
  }
});
