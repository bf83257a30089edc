/**
 * The CLI as a user meets it: help, unknown commands and flags, bad values,
 * exit codes, and one clear line on stderr without a stack trace.
 */
import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  ok as assert,
} from "node:assert/strict";
import { COMMANDS } from "../cli/commands/registry.ts";
import { runCli } from "./_cli.ts";

const ALL = [
  "--allow-read",
  "--allow-write",
  "--allow-env",
  "--allow-net",
  "--allow-sys",
];

function assertOneLineError(stderr: string): void {
  const lines = stderr.trim().split("\n");
  assertEquals(lines.length, 1, `expected one line on stderr, got:\n${stderr}`);
  assert(!/\n\s+at /.test(stderr), "no stack trace");
}

Deno.test("kepler-model --help lists exactly the registered commands", async () => {
  const { code, stdout } = await runCli(ALL, ["--help"]);
  assertEquals(code, 0);
  const listed = [...stdout.split("Commands:")[1]!.matchAll(/^ {2}(\S+)/gm)]
    .map((m) => m[1]!)
    .map((n) => n.split("|")[0]!).filter((n) => n !== "help");
  assertEquals(listed.sort(), COMMANDS.map((c) => c.name).sort());
});

Deno.test("every command has its own --help", async () => {
  for (const def of COMMANDS) {
    const { code, stdout } = await runCli(ALL, [def.name, "--help"]);
    assertEquals(code, 0, def.name);
    assertMatch(stdout, new RegExp(`Usage: kepler-model ${def.name}`));
    assertMatch(stdout, /--data-path/);
  }
});

Deno.test("an unknown command exits 2 with one line naming it", async () => {
  const { code, stderr, stdout } = await runCli(ALL, ["trian"]);
  assertEquals(code, 2);
  assertEquals(stdout, "");
  assertMatch(stderr, /unknown command 'trian'/);
  assert(!/\n\s+at /.test(stderr));
});

Deno.test("an unknown flag exits 2", async () => {
  const { code, stderr } = await runCli(ALL, ["demo", "--no-such-flag"]);
  assertEquals(code, 2);
  assertMatch(stderr, /unknown option '--no-such-flag'/);
  assertOneLineError(stderr);
});

Deno.test("--version prints the version and exits 0", async () => {
  const { code, stdout } = await runCli(ALL, ["--version"]);
  assertEquals(code, 0);
  assertMatch(stdout, /^\d+\.\d+\.\d+/);
});

Deno.test("no command prints the help on stderr and exits 2", async () => {
  const { code, stderr } = await runCli(ALL, []);
  assertEquals(code, 2);
  assertMatch(stderr, /Usage: kepler-model/);
});

Deno.test("a value outside the vocabulary exits 2 and lists the valid values", async () => {
  const { code, stderr } = await runCli(ALL, [
    "simulate",
    "-o",
    "x",
    "--sources",
    "solar",
  ]);
  assertEquals(code, 2);
  assertMatch(
    stderr,
    /Unknown energy source "solar": valid values are rapl-sysfs, .*acpi/,
  );
  assertOneLineError(stderr);
});

Deno.test("a malformed number exits 2 naming the flag and the value", async () => {
  const { code, stderr } = await runCli(ALL, [
    "simulate",
    "-o",
    "x",
    "--duration",
    "abc",
  ]);
  assertEquals(code, 2);
  assertMatch(stderr, /--duration.*"abc" is not a number/);
  assertOneLineError(stderr);
});

Deno.test("an unwritable DATAPATH exits 1 with one line naming the path", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kepler-cli-" });
  try {
    const file = `${dir}/not-a-folder`;
    await Deno.writeTextFile(file, "x");
    const { code, stderr } = await runCli(ALL, [
      "simulate",
      "-o",
      "q",
      "--duration",
      "60",
    ], {
      env: { DATAPATH: file },
    });
    assertEquals(code, 1);
    assertMatch(stderr, /Cannot write .*not-a-folder\/q\.json/);
    assertOneLineError(stderr);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a missing input file exits 1 with one line naming it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kepler-cli-" });
  try {
    const { code, stderr } = await runCli(ALL, [
      "validate",
      "-i",
      "nope",
      "--data-path",
      dir,
    ]);
    assertEquals(code, 1);
    assertMatch(stderr, /Cannot read .*nope\.json: file not found/);
    assertOneLineError(stderr);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("--verbose adds the stack trace to an error", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kepler-cli-" });
  try {
    const { code, stderr } = await runCli(ALL, [
      "validate",
      "-i",
      "nope",
      "--data-path",
      dir,
      "--verbose",
    ]);
    assertEquals(code, 1);
    assert(/\n\s+at /.test(stderr), "stack trace expected");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
