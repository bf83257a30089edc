/**
 * `kepler-model`: the command line. The only module that reads `Deno.args`,
 * calls `Deno.exit` and maps errors to exit codes: 0 success, 1 failure at
 * run time, 2 usage error. A user error prints one line on stderr; `--verbose`
 * adds the stack.
 *
 * @module
 */
import { Command, CommanderError, Option } from "commander";
import type { CliContext, CommandDefinition } from "./command.ts";
import { colorOutput, type Config, readConfig } from "./config.ts";
import { EXIT, UsageError } from "./errors.ts";
import {
  type CommandAbout,
  COMMANDS,
  commandsNamedIn,
} from "./commands/registry.ts";

/** The program name. */
export const PROGRAM = "kepler-model";

/** The version printed by `--version`. */
export const VERSION = "0.1.0";

/**
 * Upstream's multi-letter short flags (argparse accepts `-ot`, commander
 * does not): rewritten to their long forms before parsing.
 */
export const MULTI_LETTER_FLAGS: Readonly<Record<string, string>> = {
  "-ot": "--output-type",
  "-fg": "--feature-group",
  "-tm": "--thirdparty-metrics",
};

/**
 * Rewrites `-ot X`, `-ot=X` and the like to long flags, and a one-letter
 * flag written `-o=X` to `-oX`: argparse reads the text after `=` as the
 * value (upstream's Tekton steps write `-o=idle`), where commander would
 * keep the `=` in it. `-o=` is an empty value.
 *
 * @param args The command line after the program name.
 * @returns The same arguments as commander reads them.
 *
 * @example
 * ```ts
 * import { normalizeArgs } from "./main.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(normalizeArgs(["estimate", "-ot", "DynPower", "-fg=BPFOnly"]),
 *   ["estimate", "--output-type", "DynPower", "--feature-group=BPFOnly"]);
 * assertEquals(normalizeArgs(["query", "-o=idle", "-s=http://p:9090/?a=b"]),
 *   ["query", "-oidle", "-shttp://p:9090/?a=b"]);
 * ```
 */
export function normalizeArgs(args: readonly string[]): string[] {
  return args.flatMap((arg) => {
    const short = /^(-[A-Za-z])=(.*)$/s.exec(arg);
    if (short !== null) {
      return short[2] === "" ? [short[1]!, ""] : [short[1]! + short[2]];
    }
    const [flag, ...rest] = arg.split("=");
    const long = flag === undefined ? undefined : MULTI_LETTER_FLAGS[flag];
    if (long === undefined) return [arg];
    return [rest.length > 0 ? `${long}=${rest.join("=")}` : long];
  });
}

/** Where the CLI writes; tests pass their own. */
export interface MainIo {
  /** Writes text to stdout. */
  stdout(text: string): void;
  /** Writes text to stderr. */
  stderr(text: string): void;
  /** Whether stderr is a terminal. */
  stderrIsTerminal: boolean;
  /** Whether stdout may carry ANSI colours. Default: false. */
  stdoutHasColors?: boolean;
  /** Whether stderr may carry ANSI colours. Default: false. */
  stderrHasColors?: boolean;
}

function denoIo(): MainIo {
  const stderrIsTerminal = Deno.stderr.isTerminal();
  return {
    stdout: (text) =>
      void Deno.stdout.writeSync(new TextEncoder().encode(text)),
    stderr: (text) =>
      void Deno.stderr.writeSync(new TextEncoder().encode(text)),
    stderrIsTerminal,
    stdoutHasColors: colorOutput(Deno.stdout.isTerminal()),
    stderrHasColors: colorOutput(stderrIsTerminal),
  };
}

/**
 * How this CLI was started, for the hint of a permission error: from the
 * source (`cli/main.ts`, as every deno task runs it), from the bundle
 * (`deno task bundle` keeps `import.meta.url`: the bundle file), or as a
 * `deno compile` binary.
 */
function origin(): "task" | "bundle" | "binary" {
  if (Deno.build.standalone) return "binary";
  return new URL(import.meta.url).pathname.endsWith("/cli/main.ts")
    ? "task"
    : "bundle";
}

/** The `--allow-*` flag a NotCapable message asks for, e.g. `--allow-env=DATAPATH`. */
function allowFlag(message: string): string | undefined {
  const m = /Requires (\w+) access(?: to "([^"]*)")?/.exec(message);
  if (m === null) return undefined;
  return m[2] === undefined ? `--allow-${m[1]}` : `--allow-${m[1]}=${m[2]}`;
}

function permissionHint(message: string): string {
  const flag = allowFlag(message) ?? "the --allow-* flag it names";
  switch (origin()) {
    case "task":
      return "the deno task of this command does not grant it";
    case "bundle": {
      const file = new URL(import.meta.url).pathname.split("/").pop();
      return `add ${flag} to deno run, before ${file}`;
    }
    case "binary":
      return `this binary was compiled without it: add ${flag} to deno compile`;
  }
}

function describe(error: unknown): string {
  if (error instanceof Deno.errors.NotCapable) {
    return `permission denied: ${error.message} (${
      permissionHint(error.message)
    })`;
  }
  if (error instanceof Deno.errors.PermissionDenied) {
    return `permission denied by the operating system: ${error.message}`;
  }
  if (error instanceof Error) return error.message;
  return String(error);
}

function addCommand(
  program: Command,
  def: CommandDefinition,
  io: MainIo,
  getConfig: () => Config,
  setContext: (verbose: boolean) => void,
): void {
  const cmd = listCommand(program, def);
  def.define(cmd);
  addCommonOptions(cmd);
  cmd.action(async (options: Record<string, unknown>) => {
    const verbose = options.verbose === true;
    setContext(verbose);
    const config = getConfig();
    const dataPath = options.dataPath;
    if (typeof dataPath === "string" && dataPath !== "") {
      const modelPathFromData = config.modelPath === config.dataPath;
      config.dataPath = dataPath;
      if (modelPathFromData) config.modelPath = dataPath;
    }
    const quiet = options.quiet === true || !io.stderrIsTerminal;
    const context: CliContext = {
      config,
      verbose,
      quiet,
      out: (line) => io.stdout(line + "\n"),
      err: (line) => io.stderr(line + "\n"),
      stderrIsTerminal: io.stderrIsTerminal,
    };
    await def.run(options, context);
  });
}

/** A command as `--help` lists it: name, other spellings, summary. */
function listCommand(program: Command, about: CommandAbout): Command {
  const cmd = program.command(about.name).description(about.summary);
  for (const alias of about.aliases ?? []) cmd.alias(alias);
  return cmd;
}

/** The options every command has, after its own. */
function addCommonOptions(cmd: Command): void {
  cmd.addOption(
    new Option(
      "--data-path <path>",
      "data folder (default: $DATAPATH or ./data)",
    ),
  );
  cmd.option("--verbose", "print stack traces of errors");
}

/**
 * Builds the commander program: every registered command is listed, and
 * those named in `args` (all of them when `args` is not given) are loaded
 * with their options and what they run (see `commands/registry.ts`).
 */
export async function buildProgram(
  io: MainIo,
  getConfig: () => Config,
  setContext: (verbose: boolean) => void,
  args?: readonly string[],
): Promise<Command> {
  const named = new Set(args === undefined ? COMMANDS : commandsNamedIn(args));
  const loaded = new Map(
    await Promise.all(
      [...named].map(async (c) => [c.name, await c.load()] as const),
    ),
  );
  const program = new Command(PROGRAM)
    .description(
      "Train, export and serve power models for Kepler from Prometheus metrics.",
    )
    .version(VERSION)
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout(text),
      writeErr: (text) => io.stderr(text),
      // Our own colour decision (cli/config.ts): commander's default reads
      // NO_COLOR, FORCE_COLOR and CLICOLOR_FORCE through process.env and
      // asks node:tty, which reads more variables no task grants.
      // (Its stripColor is a plain regular expression: kept.)
      getOutHasColors: () => io.stdoutHasColors ?? false,
      getErrHasColors: () => io.stderrHasColors ?? false,
      // commander's own usage errors ("error: unknown option '--x'" and a
      // suggestion on the next line): one line with the program prefix.
      outputError: (text, write) =>
        write(`${PROGRAM}: ${text.trim().replace(/\s*\n\s*/g, " ")}\n`),
    })
    .addHelpText(
      "after",
      "\nEnvironment: DATAPATH, MODEL_PATH, PROM_SERVER, PROM_QUERY_INTERVAL, PROM_QUERY_STEP, ...\nRun 'kepler-model <command> --help' for the flags of a command.",
    );
  for (const entry of COMMANDS) {
    const def = loaded.get(entry.name);
    if (def !== undefined) addCommand(program, def, io, getConfig, setContext);
    // not on the command line, so never run: listed for --help only
    else addCommonOptions(listCommand(program, entry));
  }
  program.commands.forEach((c) => c.exitOverride());
  return program;
}

/**
 * Runs the CLI with arguments and returns the exit code.
 *
 * @example
 * ```ts
 * import { main } from "./main.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * let err = "";
 * const code = await main(["no-such-command"], { stdout: () => {}, stderr: (t) => err += t, stderrIsTerminal: false });
 * assertEquals(code, 2);
 * ```
 */
export async function main(
  args: readonly string[],
  io: MainIo = denoIo(),
  getConfig: () => Config = () => readConfig(),
): Promise<number> {
  let verbose = args.includes("--verbose");
  const normalized = normalizeArgs(args);
  const program = await buildProgram(
    io,
    getConfig,
    (v) => verbose = v,
    normalized,
  );
  try {
    await program.parseAsync(normalized, { from: "user" });
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander has already printed its message (or the help).
      if (
        error.code === "commander.helpDisplayed" ||
        error.code === "commander.version"
      ) return EXIT.ok;
      if (error.code === "commander.executeSubCommandAsync") {
        return EXIT.failure;
      }
      return EXIT.usage;
    }
    const usage = error instanceof UsageError;
    io.stderr(`${PROGRAM}: error: ${describe(error)}\n`);
    if (verbose && error instanceof Error && error.stack) {
      io.stderr(error.stack + "\n");
      if (error.cause instanceof Error && error.cause.stack) {
        io.stderr("Caused by: " + error.cause.stack + "\n");
      }
    }
    return usage ? EXIT.usage : EXIT.failure;
  }
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
