/**
 * The shape of a CLI command and the option parsers commands share.
 *
 * A command file in `cli/commands/` exports one {@linkcode CommandDefinition}:
 * `define` adds its flags to a commander `Command`, `run` turns the parsed
 * flags into one lib call and writes files. No domain logic lives here.
 *
 * @module
 */
import { type Command, InvalidArgumentError } from "commander";
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

/** One CLI command. */
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
 * A commander parser for a comma list of vocabulary values.
 *
 * @example
 * ```ts
 * import { listParser } from "./command.ts";
 * import { parseEnergySource } from "../lib/types.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(listParser(parseEnergySource)("rapl,acpi"), ["rapl-sysfs", "acpi"]);
 * ```
 */
export function listParser<T>(
  parse: (value: string) => T,
): (value: string) => T[] {
  return parser((value: string) => parseList(value, parse));
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

/** Reads a string option, or undefined. */
export function optString(
  options: Record<string, unknown>,
  key: string,
): string | undefined {
  const v = options[key];
  return typeof v === "string" && v !== "" ? v : undefined;
}

/** Reads a required string option, or throws a {@linkcode UsageError}. */
export function needString(
  options: Record<string, unknown>,
  key: string,
  flag: string,
): string {
  const v = optString(options, key);
  if (v === undefined) {
    throw new UsageError(`missing required option ${flag}`);
  }
  return v;
}
