/**
 * `deno task bundle` makes one file that runs the same CLI.
 */
import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
} from "node:assert/strict";
import { join } from "node:path";
import { COMMANDS } from "../cli/commands/registry.ts";
import { denoTasks, ROOT } from "./_cli.ts";

/**
 * Runs each `deno bundle -o dist/<file> <entry>` of `deno task bundle` with
 * `dir` in place of dist/.
 */
async function bundleAsTheTask(dir: string): Promise<string[]> {
  const steps = (await denoTasks()).bundle!.split(" && ");
  const files: string[] = [];
  for (const step of steps) {
    const m = /^deno bundle --quiet -o dist\/(\S+) (\S+)$/.exec(step.trim());
    if (m === null) throw new SyntaxError(`deno task bundle: ${step}`);
    const bundle = await new Deno.Command(Deno.execPath(), {
      args: ["bundle", "--quiet", "-o", join(dir, m[1]!), join(ROOT, m[2]!)],
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assertEquals(bundle.code, 0, new TextDecoder().decode(bundle.stderr));
    files.push(m[1]!);
  }
  return files;
}

Deno.test("the bundle runs the same CLI as cli/main.ts, train included", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kepler-bundle-" });
  try {
    const out = join(dir, "kepler-model.js");
    const files = await bundleAsTheTask(dir);
    assertEquals(files[0], "kepler-model.js");
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
    // train's workers load from the worker bundles beside the CLI's: no
    // error line from a worker that cannot load.
    const cli = (args: string[], bundle = out) =>
      new Deno.Command(Deno.execPath(), {
        args: ["run", "--quiet", "--no-config", "-A", bundle, ...args],
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
      "--workers",
      "2",
    ]);
    const trainErr = new TextDecoder().decode(train.stderr);
    assertEquals(train.code, 0, trainErr);
    assertEquals(/Uncaught|Module not found/.test(trainErr), false, trainErr);
    assertMatch(new TextDecoder().decode(train.stdout), /XgboostFitTrainer_0/);
    // Without the worker bundles (a copy of the CLI's bundle alone), train
    // falls back to the main thread: the same models, no hang.
    const alone = join(dir, "alone");
    await Deno.mkdir(alone);
    await Deno.copyFile(out, join(alone, "kepler-model.js"));
    const inline = await cli([
      ...["train", "-i", "q", "-p", "inline"],
      ...["--abs-trainers", "SGDRegressorTrainer"],
      ...["--dyn-trainers", "SGDRegressorTrainer", "--workers", "2"],
    ], join(alone, "kepler-model.js"));
    assertEquals(inline.code, 0, new TextDecoder().decode(inline.stderr));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
