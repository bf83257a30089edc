/**
 * The shape of a CLI command and the option parsers commands share.
 *
 * A command file in `cli/commands/` exports one {@linkcode CommandDefinition}:
 * `define` adds its flags to a commander `Command`, `run` turns the parsed
 * flags into one lib call and writes files. No domain logic lives here.
 *
 * @module
 */
import { type Command, InvalidArgumentError, Option } from "commander";
import type { Config } from "./config.ts";
import { UsageError } from "./errors.ts";
import { parseList } from "../lib/types.ts";

/** What a command gets besides its flags. */
export interface CliContext {
  /** The configuration (environment read once; `--data-path` applied). */
  config: Config;
  /** `--verbose` was given. */
  verbose: boolean;
  /** `--quiet` was given, or stderr is not a terminal: no progress display. */
  quiet: boolean;
  /** Writes a line of results to stdout. */
  out(line: string): void;
  /** Writes a line of progress or warnings to stderr. */
  err(line: string): void;
  /** Whether stderr is a terminal (progress can redraw a line). */
  stderrIsTerminal: boolean;
}

/** One CLI command, as cli/main.ts registers it (see {@linkcode command}). */
export interface CommandDefinition {
  /** The command name, as upstream's function name (e.g. `isolate_from_data`). */
  name: string;
  /** Other spellings (e.g. `isolate-from-data`). */
  aliases?: readonly string[];
  /** One line for `--help`. */
  summary: string;
  /** Adds the command's options to the commander command. */
  define(command: Command): void;
  /** Runs the command with the parsed options (commander's camelCase keys). */
  run(options: Record<string, unknown>, context: CliContext): Promise<void>;
}

/**
 * One option of a command's table: its commander flags, help text, parser
 * and default. `T` is its parsed type; `Always` says whether it always has
 * a value (a default, or a required option), so its type has no
 * `undefined`.
 */
export interface OptionSpec<T, Always extends boolean> {
  /** Commander flags, e.g. `"-i, --input <name>"`. */
  readonly flags: string;
  /** Help text. */
  readonly description: string;
  /** Parses a value (a bad value throws a commander `InvalidArgumentError`). */
  parse?(value: string, previous: unknown): T;
  /** The default value. */
  readonly default?: T;
  /** How the default reads in `--help` (default: its JSON). */
  readonly defaultHelp?: string;
  /** The allowed values (commander checks them). */
  readonly choices?: readonly string[];
  /** Commander fails when the option is missing. */
  readonly required?: boolean;
  /** Whether the value is always there (a default, or required). */
  readonly always: Always;
  /** The parsed type, for inference only. */
  readonly type?: T;
}

/** A command's options, keyed by commander's camelCase attribute name. */
export type OptionTable = Readonly<
  Record<string, OptionSpec<unknown, boolean>>
>;

/** The parsed value of one option. */
export type OptionValue<O> = O extends OptionSpec<infer T, infer A>
  ? (A extends true ? T : T | undefined)
  : never;

/** The parsed options of a table: what a command's `run` receives. */
export type OptionValues<Table extends OptionTable> = {
  -readonly [K in keyof Table]: OptionValue<Table[K]>;
};

/** Settings of {@linkcode option} every form takes. */
export interface OptionSettings {
  /** Help text of the default, when its JSON is not what `--help` says. */
  defaultHelp?: string;
}

/** Settings with a parser. */
export interface ParsedSettings<T> extends OptionSettings {
  /** Parses a value; see {@linkcode parser}, {@linkcode listParser}. */
  parse: (value: string) => T;
}

/**
 * An option that takes a value: a string, or what `parse` returns; with
 * `default` (or `required: true`) it always has one.
 *
 * @example
 * ```ts
 * import { option, numberParser } from "./command.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const seed = option("--seed <n>", "seed", { parse: numberParser(), default: 42 });
 * assertEquals([seed.flags, seed.default, seed.always], ["--seed <n>", 42, true]);
 * ```
 */
export function option<const C extends string>(
  flags: string,
  description: string,
  settings: OptionSettings & { choices: readonly C[]; default: NoInfer<C> },
): OptionSpec<C, true>;
export function option(
  flags: string,
  description: string,
  settings?: OptionSettings & { default?: undefined; required?: false },
): OptionSpec<string, false>;
export function option(
  flags: string,
  description: string,
  settings:
    | OptionSettings & { default: string }
    | OptionSettings & {
      required: true;
    },
): OptionSpec<string, true>;
export function option<T>(
  flags: string,
  description: string,
  settings: ParsedSettings<T> & { default?: undefined; required?: false },
): OptionSpec<T, false>;
export function option<T>(
  flags: string,
  description: string,
  settings:
    | ParsedSettings<T> & { default: NoInfer<T> }
    | ParsedSettings<T> & {
      required: true;
    },
): OptionSpec<T, true>;
export function option<T>(
  flags: string,
  description: string,
  settings: OptionSettings & {
    parse?: (value: string) => T;
    default?: T;
    required?: boolean;
    choices?: readonly string[];
  } = {},
): OptionSpec<T, boolean> {
  const always = settings.default !== undefined || settings.required === true;
  return {
    flags,
    description,
    always,
    ...(settings.parse === undefined ? {} : { parse: settings.parse }),
    ...(settings.default === undefined ? {} : { default: settings.default }),
    ...(settings.defaultHelp === undefined
      ? {}
      : { defaultHelp: settings.defaultHelp }),
    ...(settings.choices === undefined ? {} : { choices: settings.choices }),
    ...(settings.required ? { required: true } : {}),
  };
}

/**
 * An option whose value may be left out (`--x [value]`): the string given,
 * or `true` when the flag has no value.
 *
 * @example
 * ```ts
 * import { optionalValue } from "./command.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(optionalValue("--socket [path]", "socket").always, false);
 * ```
 */
export function optionalValue(
  flags: string,
  description: string,
): OptionSpec<string | true, false> {
  return { flags, description, always: false };
}

/**
 * A flag without a value (`--quiet`): `true` when given. A `--no-x` flag
 * is `false` when given, `true` otherwise.
 *
 * @example
 * ```ts
 * import { flag } from "./command.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(flag("--quiet", "no progress").flags, "--quiet");
 * ```
 */
export function flag(
  flags: string,
  description: string,
): OptionSpec<boolean, false> {
  return { flags, description, always: false };
}

/**
 * Adds a table's options to a commander command, in table order. A key
 * must be commander's attribute name of its flags; a variadic option
 * (`<names...>`) collects the lists of every occurrence.
 */
export function defineOptions(command: Command, table: OptionTable): Command {
  for (const [key, spec] of Object.entries(table)) {
    const o = new Option(spec.flags, spec.description);
    if (o.attributeName() !== key) {
      throw new Error(
        `option ${spec.flags} is under the key ${key}, not ${o.attributeName()}`,
      );
    }
    const parse = spec.parse;
    if (spec.choices !== undefined) o.choices(spec.choices);
    else if (parse !== undefined) {
      o.argParser(
        o.variadic
          ? (value: string, previous: unknown) => [
            ...(Array.isArray(previous) && previous !== spec.default
              ? previous
              : []),
            ...(parse(value, previous) as unknown[]),
          ]
          : (value: string, previous: unknown) => parse(value, previous),
      );
    }
    if (spec.default !== undefined) o.default(spec.default, spec.defaultHelp);
    if (spec.required) o.makeOptionMandatory();
    command.addOption(o);
  }
  return command;
}

/** A command whose options are declared once, in a typed table. */
export interface TypedCommand<Table extends OptionTable> {
  /** The command name. */
  name: string;
  /** Other spellings. */
  aliases?: readonly string[];
  /** One line for `--help`. */
  summary: string;
  /** The options, in `--help` order. */
  options: Table;
  /** Runs the command with the parsed, typed options. */
  run(options: OptionValues<Table>, context: CliContext): Promise<void>;
}

/**
 * Builds a {@linkcode CommandDefinition} from a typed option table: the
 * commander flags and the type `run` receives both come from the table.
 *
 * @example
 * ```ts
 * import { command, option } from "./command.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const def = command({
 *   name: "x", summary: "x",
 *   options: { output: option("-o, --output <name>", "output", { default: "out" }) },
 *   run: async (options) => { assertEquals(options.output.length, 3); },
 * });
 * assertEquals(def.name, "x");
 * ```
 */
export function command<const Table extends OptionTable>(
  def: TypedCommand<Table>,
): CommandDefinition {
  return {
    name: def.name,
    ...(def.aliases === undefined ? {} : { aliases: def.aliases }),
    summary: def.summary,
    define: (cmd) => void defineOptions(cmd, def.options),
    // commander fills the record from the same table: the one place the
    // parsed record meets its type.
    run: (options, context) => def.run(options as OptionValues<Table>, context),
  };
}

/**
 * Wraps a lib parser (which throws `RangeError`) as a commander argument
 * parser, so a bad value is a usage error (exit 2) that lists valid values.
 *
 * @example
 * ```ts
 * import { parser } from "./command.ts";
 * import { parseOutputType } from "../lib/types.ts";
 * import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
 * assertEquals(parser(parseOutputType)("DynPower"), "DynPower");
 * assertThrows(() => parser(parseOutputType)("x"));
 * ```
 */
export function parser<T>(parse: (value: string) => T): (value: string) => T {
  return (value: string) => {
    try {
      return parse(value);
    } catch (error) {
      throw new InvalidArgumentError((error as Error).message);
    }
  };
}

/**
 * The one comma-list parser of the CLI: splits on commas, trims, drops
 * empty items and duplicates, and parses each item (default: kept as a
 * string); a bad item is a usage error. A variadic option (`<names...>`)
 * collects the lists of each occurrence.
 *
 * @example
 * ```ts
 * import { listParser } from "./command.ts";
 * import { parseEnergySource } from "../lib/types.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(listParser(parseEnergySource)("rapl,acpi"), ["rapl-sysfs", "acpi"]);
 * assertEquals(listParser()(" a, b,,a "), ["a", "b"]);
 * ```
 */
export function listParser(): (value: string) => string[];
export function listParser<T>(
  parse: (value: string) => T,
): (value: string) => T[];
export function listParser<T>(
  parse: (value: string) => T = (s) => s as T,
): (value: string) => T[] {
  return parser((value: string) => parseList(value, (s) => parse(s.trim())));
}

/**
 * Parses a number flag, with optional bounds, as a usage error when bad.
 *
 * @example
 * ```ts
 * import { numberParser } from "./command.ts";
 * import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
 * assertEquals(numberParser({ min: 1 })("3"), 3);
 * assertThrows(() => numberParser({ min: 1 })("0"));
 * assertThrows(() => numberParser({ integer: true })("1.5"));
 * ```
 */
export function numberParser(
  options: { min?: number; max?: number; integer?: boolean } = {},
): (value: string) => number {
  return parser((value: string) => {
    const n = Number(value);
    if (value.trim() === "" || !Number.isFinite(n)) {
      throw new RangeError(`"${value}" is not a number`);
    }
    if (options.integer && !Number.isInteger(n)) {
      throw new RangeError(`"${value}" is not a whole number`);
    }
    if (options.min !== undefined && n < options.min) {
      throw new RangeError(`${value} is below the minimum ${options.min}`);
    }
    if (options.max !== undefined && n > options.max) {
      throw new RangeError(`${value} is above the maximum ${options.max}`);
    }
    return n;
  });
}

/**
 * Parses an optional boolean flag value as upstream's `--zip=true` form:
 * no value or `true`/`1`/`yes` is true, `false`/`0`/`no` is false.
 *
 * @example
 * ```ts
 * import { booleanFlag } from "./command.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(booleanFlag("true"), true);
 * assertEquals(booleanFlag("False"), false);
 * ```
 */
export function booleanFlag(value: string): boolean {
  const v = value.trim().toLowerCase();
  if (["", "true", "1", "yes"].includes(v)) return true;
  if (["false", "0", "no"].includes(v)) return false;
  throw new InvalidArgumentError(
    `"${value}" is not a boolean: use true or false`,
  );
}

/**
 * A string option's value, with `""` read as not given (as `--x ""`).
 *
 * @example
 * ```ts
 * import { given } from "./command.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals([given(""), given("a"), given(undefined)], [undefined, "a", undefined]);
 * ```
 */
export function given(value: string | undefined): string | undefined {
  return value === "" ? undefined : value;
}

/**
 * A required string option's value, or a {@linkcode UsageError}
 * `missing required option <flag>`.
 *
 * @example
 * ```ts
 * import { required } from "./command.ts";
 * import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
 * assertEquals(required("a", "-i/--input"), "a");
 * assertThrows(() => required("", "-i/--input"), { message: "missing required option -i/--input" });
 * ```
 */
export function required(value: string | undefined, flag: string): string {
  const v = given(value);
  if (v === undefined) throw new UsageError(`missing required option ${flag}`);
  return v;
}
