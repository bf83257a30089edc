/**
 * `deno task -q <name> --help` works for every command task, as a user runs
 * it: NO_COLOR unset, with stdin/stdout not a terminal and inside a
 * pseudo-terminal (util-linux `script`), where Deno would prompt for a
 * missing permission. Exit 0, the usage text, no permission text.
 */
import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import { denoTasks, ROOT, splitTask } from "./_cli.ts";

const tasks = await denoTasks();
/** Command tasks: task name → the command it runs. */
const COMMAND_TASKS: [string, string][] = Object.entries(tasks)
  .filter(([, c]) => c.startsWith("deno run") && c.includes("cli/main.ts"))
  .map(([name, c]) => [name, splitTask(c).args[0] ?? ""]);

/** A clean environment: no NO_COLOR, no TERM settings, no CI hints. */
function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {
    PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
    HOME: Deno.env.get("HOME") ?? "/tmp",
  };
  const denoDir = Deno.env.get("DENO_DIR");
  if (denoDir !== undefined) env.DENO_DIR = denoDir;
  return env;
}

function hasScript(): boolean {
  try {
    const out = new Deno.Command("script", {
      args: ["-qc", "true", "/dev/null"],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).outputSync();
    return out.success;
  } catch {
    return false;
  }
}

interface Run {
  code: number;
  text: string;
}

async function run(cmd: string, args: string[]): Promise<Run> {
  const out = await new Deno.Command(cmd, {
    args,
    cwd: ROOT,
    env: cleanEnv(),
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    // A permission prompt waits for an answer: the timeout makes it a failure.
    signal: AbortSignal.timeout(60_000),
  }).output();
  const dec = new TextDecoder();
  return {
    code: out.code,
    text: dec.decode(out.stdout) + dec.decode(out.stderr),
  };
}

function checkHelp(task: string, command: string, result: Run): void {
  const where = `deno task ${task} --help:\n${result.text}`;
  assertEquals(result.code, 0, where);
  assert(
    new RegExp(`Usage: kepler-model ${command}[ |]`).test(result.text),
    where,
  );
  assert(result.text.includes("--data-path <path>"), where);
  for (const word of ["Granted", "Allow?", "Requires", "permission denied"]) {
    assert(!result.text.includes(word), `${word} in ${where}`);
  }
}

/** Runs `f` over the items, `limit` at a time. */
async function eachLimited<T>(
  items: readonly T[],
  limit: number,
  f: (item: T) => Promise<void>,
): Promise<void> {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: limit }, async () => {
      for (let item = queue.shift(); item; item = queue.shift()) await f(item);
    }),
  );
}

Deno.test("every command task has a --help that needs no extra permission, without a terminal", async () => {
  assert(COMMAND_TASKS.length >= 17, `${COMMAND_TASKS.length} command tasks`);
  await eachLimited(COMMAND_TASKS, 4, async ([task, command]) => {
    const result = await run(Deno.execPath(), ["task", "-q", task, "--help"]);
    checkHelp(task, command, result);
  });
});

Deno.test({
  name:
    "every command task has a --help that needs no extra permission, in a pseudo-terminal (no prompt)",
  ignore: !hasScript(),
  async fn() {
    await eachLimited(COMMAND_TASKS, 4, async ([task, command]) => {
      const line = `'${Deno.execPath()}' task -q ${task} --help`;
      const result = await run("script", ["-qec", line, "/dev/null"]);
      checkHelp(task, command, result);
    });
  },
});
