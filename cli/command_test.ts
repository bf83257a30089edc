import {
  deepStrictEqual as assertEquals,
  throws as assertThrows,
} from "node:assert/strict";
import { Command } from "commander";
import {
  command,
  defineOptions,
  flag,
  listParser,
  numberParser,
  option,
  optionalValue,
  type OptionValues,
  parser,
} from "./command.ts";
import { parseEnergySource } from "../lib/types.ts";

const TABLE = {
  input: option("-i, --input <names>", "inputs", { parse: listParser() }),
  output: option("-o, --output <name>", "output", { default: "output" }),
  energySource: option("-e, --energy-source <list>", "sources", {
    parse: listParser(parseEnergySource),
    default: ["rapl-sysfs"],
  }),
  seed: option("--seed <n>", "seed", {
    parse: numberParser({ integer: true }),
    default: 42,
  }),
  names: option("--names <names...>", "names", { parse: listParser() }),
  specFrom: option("--spec-from <s>", "from", {
    choices: ["auto", "machine"],
    default: "auto",
  }),
  socket: optionalValue("--socket [path]", "socket"),
  figures: flag("--no-figures", "no figures"),
  source: option("--source <s>", "one source", {
    parse: parser(parseEnergySource),
  }),
} as const;

function parse(args: string[]): Record<string, unknown> {
  const cmd = new Command("x").exitOverride().configureOutput({
    writeErr: () => {},
  });
  defineOptions(cmd, TABLE);
  cmd.parse(args, { from: "user" });
  return cmd.opts();
}

Deno.test("defineOptions() gives commander the table's flags, parsers and defaults", () => {
  assertEquals(parse([]), {
    output: "output",
    energySource: ["rapl-sysfs"],
    seed: 42,
    specFrom: "auto",
    figures: true,
  });
  assertEquals(
    parse([
      "-i",
      "a, b,,a",
      "-e",
      "acpi",
      "--seed",
      "7",
      "--names",
      "x,y",
      "z",
      "--names",
      "w",
      "--socket",
      "--no-figures",
      "--source",
      "rapl",
    ]),
    {
      input: ["a", "b"],
      output: "output",
      energySource: ["acpi"],
      seed: 7,
      names: ["x", "y", "z", "w"],
      specFrom: "auto",
      socket: true,
      figures: false,
      source: "rapl-sysfs",
    },
  );
  assertThrows(() => parse(["--seed", "1.5"]), {
    code: "commander.invalidArgument",
  });
  assertThrows(() => parse(["--spec-from", "x"]), {
    code: "commander.invalidArgument",
  });
});

Deno.test("defineOptions() refuses a key that is not the flag's attribute name", () => {
  assertThrows(
    () =>
      defineOptions(new Command("x"), {
        out: option("-o, --output <name>", "output"),
      }),
    { message: "option -o, --output <name> is under the key out, not output" },
  );
});

Deno.test("command() hands run() the parsed options with the table's types", async () => {
  let seen: OptionValues<typeof TABLE> | undefined;
  const def = command({
    name: "x",
    summary: "x",
    options: TABLE,
    run: async (options) => {
      // Typed: no casts.
      const seed: number = options.seed;
      const sources: string[] = options.energySource;
      const input: string[] | undefined = options.input;
      const socket: string | true | undefined = options.socket;
      void [seed, sources, input, socket];
      seen = options;
      await Promise.resolve();
    },
  });
  const cmd = new Command("x").exitOverride();
  def.define(cmd);
  cmd.parse(["--seed", "3"], { from: "user" });
  await def.run(cmd.opts(), {} as never);
  assertEquals(seen?.seed, 3);
});
