/**
 * Test helpers that run the CLI as a user does: as a subprocess, either with
 * explicit Deno flags or with exactly the flags of a deno task in deno.json.
 *
 * @module
 */
import { dirname, join, resolve } from "node:path";

/** The repository root. */
export const ROOT: string = resolve(
  dirname(new URL(import.meta.url).pathname),
  "..",
);

/** The result of a CLI run. */
export interface CliResult {
  /** Exit code. */
  code: number;
  /** Standard output. */
  stdout: string;
  /** Standard error. */
  stderr: string;
}

/** Options of {@linkcode runCli} and {@linkcode runTask}. */
export interface RunOptions {
  /** Environment variables added to a clean environment. Default: none. */
  env?: Record<string, string>;
  /** Working directory. Default: the repository root. */
  cwd?: string;
  /** Standard input text. Default: none (closed). */
  stdin?: string;
}

async function run(args: string[], options: RunOptions): Promise<CliResult> {
  const env: Record<string, string> = {
    PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
    HOME: Deno.env.get("HOME") ?? "/tmp",
    ...(Deno.env.get("DENO_DIR")
      ? { DENO_DIR: Deno.env.get("DENO_DIR")! }
      : {}),
    ...options.env,
  };
  const child = new Deno.Command(Deno.execPath(), {
    args,
    cwd: options.cwd ?? ROOT,
    env,
    clearEnv: true,
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (options.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(options.stdin));
    await writer.close();
  }
  const out = await child.output();
  const dec = new TextDecoder();
  return {
    code: out.code,
    stdout: dec.decode(out.stdout),
    stderr: dec.decode(out.stderr),
  };
}

/** Runs `cli/main.ts` with the given Deno permission flags and CLI arguments. */
export function runCli(
  denoFlags: string[],
  args: string[],
  options: RunOptions = {},
): Promise<CliResult> {
  return run([
    "run",
    "--quiet",
    ...denoFlags,
    join(ROOT, "cli/main.ts"),
    ...args,
  ], options);
}

/** The tasks of deno.json. */
export async function denoTasks(): Promise<Record<string, string>> {
  const config = JSON.parse(await Deno.readTextFile(join(ROOT, "deno.json")));
  return config.tasks as Record<string, string>;
}

/** Splits a task command into the Deno flags, the script and its arguments. */
export function splitTask(
  command: string,
): { flags: string[]; script: string; args: string[] } {
  const words = command.split(/\s+/).filter((w) => w !== "");
  if (words[0] !== "deno" || words[1] !== "run") {
    throw new TypeError(`Task is not a "deno run" command: ${command}`);
  }
  const scriptAt = words.findIndex((w, i) => i > 1 && !w.startsWith("-"));
  return {
    flags: words.slice(2, scriptAt),
    script: words[scriptAt] ?? "",
    args: words.slice(scriptAt + 1),
  };
}

/**
 * Runs a deno task's command with exactly its permission flags (as
 * `deno task NAME args...` would), from any working directory.
 */
export async function runTask(
  task: string,
  args: string[],
  options: RunOptions = {},
): Promise<CliResult> {
  const command = (await denoTasks())[task];
  if (command === undefined) throw new TypeError(`No deno task named ${task}`);
  const { flags, script, args: fixed } = splitTask(command);
  return run([
    "run",
    "--quiet",
    ...flags,
    join(ROOT, script),
    ...fixed,
    ...args,
  ], options);
}

/** A `serve` child process that is listening (see {@linkcode startServeTask}). */
export interface RunningServer {
  /** The process; stop it with SIGTERM. */
  child: Deno.ChildProcess;
  /** Its base URL, from its first line of output. */
  url: string;
  /** That first line. */
  firstLine: string;
  /** Its whole standard error, once it has exited. */
  stderr: () => Promise<string>;
}

/**
 * Starts `serve` with exactly a deno task's flags in a clean environment
 * (plus PATH, MODEL_SERVER_PORT=0 and `env`); resolves once it
 * prints the URL it listens on.
 */
export async function startServeTask(
  task: string,
  args: string[],
  env: Record<string, string>,
  cwd: string = ROOT,
): Promise<RunningServer> {
  const { flags, script, args: fixed } = splitTask((await denoTasks())[task]!);
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", ...flags, join(ROOT, script), ...fixed, ...args],
    cwd,
    env: {
      PATH: Deno.env.get("PATH") ?? "/usr/bin",
      MODEL_SERVER_PORT: "0",
      ...env,
    },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const errText = new Response(child.stderr).text();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  while (!out.includes("\n")) {
    const r = await reader.read();
    if (r.done) break;
    out += r.value;
  }
  reader.releaseLock();
  child.stdout.cancel().catch(() => {});
  const url = /on (http:\/\/[^ ]+) /.exec(out)?.[1];
  if (url === undefined) {
    const status = await child.status;
    throw new Error(
      `serve did not start (exit ${status.code}): ${out}${await errText}`,
    );
  }
  return { child, url, firstLine: out.split("\n")[0]!, stderr: () => errText };
}

/**
 * Stops a server started by {@linkcode startServeTask} with SIGTERM and
 * returns its standard error; throws unless it exits 0.
 */
export async function stopServer(r: RunningServer): Promise<string> {
  r.child.kill("SIGTERM");
  const status = await r.child.status;
  const err = await r.stderr();
  if (status.code !== 0) {
    throw new Error(`the server exited ${status.code}, not 0: ${err}`);
  }
  return err;
}
