/**
 * `deno task bundle` makes one file that runs the same CLI.
 */
import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
} from "node:assert/strict";
import { join } from "node:path";
import { COMMANDS } from "../cli/commands/registry.ts";
import { ROOT } from "./_cli.ts";

Deno.test("the bundle runs the same CLI as cli/main.ts, train included", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kepler-bundle-" });
  try {
    const out = join(dir, "kepler-model.js");
    const bundle = await new Deno.Command(Deno.execPath(), {
      args: ["bundle", "--quiet", "-o", out, join(ROOT, "cli/main.ts")],
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assertEquals(bundle.code, 0, new TextDecoder().decode(bundle.stderr));
    const run = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--quiet", "--no-config", "-A", out, "--help"],
      cwd: dir,
      env: {},
      stdout: "piped",
      stderr: "piped",
    }).output();
    assertEquals(run.code, 0, new TextDecoder().decode(run.stderr));
    const help = new TextDecoder().decode(run.stdout);
    for (const def of COMMANDS) {
      assertMatch(help, new RegExp(`\\b${def.name}\\b`));
    }
    // --help needs no permission at all (no colour detection through the
    // environment), even with NO_COLOR unset.
    const bare = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--quiet", "--no-config", "--no-prompt", out, "--help"],
      cwd: dir,
      clearEnv: true,
      env: { PATH: Deno.env.get("PATH") ?? "/usr/bin" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    assertEquals(bare.code, 0, new TextDecoder().decode(bare.stderr));
    // A missing permission names the deno run flag to add, not a deno task.
    const denied = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--quiet",
        "--no-config",
        "--no-prompt",
        "--allow-read",
        "--allow-write",
        out,
        "simulate",
        "-o",
        "q",
      ],
      cwd: dir,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const deniedErr = new TextDecoder().decode(denied.stderr);
    assertEquals(denied.code, 1, deniedErr);
    assertEquals(
      deniedErr,
      'kepler-model: error: permission denied: Requires env access to "DATAPATH", run again with the --allow-env flag (add --allow-env=DATAPATH to deno run, before kepler-model.js)\n',
    );
    // train's workers cannot load next to a bundle: it must fall back to
    // training in the main thread, not hang.
    const cli = (args: string[]) =>
      new Deno.Command(Deno.execPath(), {
        args: ["run", "--quiet", "--no-config", "-A", out, ...args],
        cwd: dir,
        env: { DATAPATH: dir },
        stdout: "piped",
        stderr: "piped",
        signal: AbortSignal.timeout(120_000),
      }).output();
    const sim = await cli([
      "simulate",
      "-o",
      "q",
      "--duration",
      "600",
      "--containers",
      "3",
    ]);
    assertEquals(sim.code, 0, new TextDecoder().decode(sim.stderr));
    const train = await cli([
      "train",
      "-i",
      "q",
      "--abs-trainers",
      "SGDRegressorTrainer,XgboostFitTrainer",
      "--dyn-trainers",
      "SGDRegressorTrainer",
    ]);
    assertEquals(train.code, 0, new TextDecoder().decode(train.stderr));
    assertMatch(new TextDecoder().decode(train.stdout), /XgboostFitTrainer_0/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
