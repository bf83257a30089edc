/**
 * The Dockerfile, checked without a Docker engine: it builds on the official
 * Deno image of the version CI uses, copies only paths that exist and that
 * .dockerignore lets through (every local module of the CLI among them),
 * bundles to the file the final stage copies, runs as a numeric non-root
 * user with DATAPATH=/data and MODEL_PATH=/data, and its entrypoint is the
 * wrapper whose permissions cover every command's deno task. The wrapper
 * itself then runs the freshly bundled CLI on this machine.
 */
import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  ok as assert,
} from "node:assert/strict";
import { join, relative } from "node:path";
import { COMMANDS } from "../cli/commands/registry.ts";
import { ENV_KEYS } from "../cli/config.ts";
import { VERSION } from "../cli/main.ts";
import { denoTasks, splitTask } from "./_cli.ts";
import {
  imageBundles,
  imageWrapper,
  installImageCli,
  readDockerfile,
  ROOT,
} from "./_tekton.ts";

const instructions = await readDockerfile();
const of = (k: string) => instructions.filter((i) => i.keyword === k);

/** .dockerignore as Docker applies it: the last matching rule wins; a rule matches a path or a parent. */
async function dockerignore(): Promise<(path: string) => boolean> {
  const rules = (await Deno.readTextFile(join(ROOT, ".dockerignore")))
    .split("\n").map((l) => l.trim()).filter((l) =>
      l !== "" && !l.startsWith("#")
    )
    .map((l) => {
      const exclude = !l.startsWith("!");
      const pattern = (exclude ? l : l.slice(1)).replace(/^\/+|\/+$/g, "");
      const re = new RegExp(
        "^" + pattern.split("/").map((part) =>
          part === "**" ? "(?:.*)" : part.replace(/[.+^${}()|[\]\\]/g, "\\$&")
            .replace(/\*/g, "[^/]*").replace(/\?/g, "[^/]")
        ).join("/").replace(/\(\?:\.\*\)\//g, "(?:.*/)?") + "$",
      );
      return { exclude, re };
    });
  return (path: string) => {
    const parts = path.split("/");
    let excluded = false;
    for (const rule of rules) {
      for (let i = 1; i <= parts.length; i++) {
        if (rule.re.test(parts.slice(0, i).join("/"))) {
          excluded = rule.exclude;
          break;
        }
      }
    }
    return !excluded;
  };
}

Deno.test("the image builds on denoland/deno at the Deno version of CI", async () => {
  const arg = of("ARG").find((i) => i.args.startsWith("DENO_VERSION="));
  assertEquals(arg?.args, "DENO_VERSION=2.9.5");
  const ci = await Deno.readTextFile(join(ROOT, ".ci/run"));
  assertMatch(ci, /^DENO_VERSION=2\.9\.5$/m);
  const froms = of("FROM").map((i) => i.args);
  assertEquals(froms, [
    "denoland/deno:${DENO_VERSION} AS build",
    "denoland/deno:${DENO_VERSION}",
  ]);
});

Deno.test("every path the Dockerfile copies exists and passes .dockerignore", async () => {
  const included = await dockerignore();
  const sources: string[] = [];
  for (const copy of of("COPY")) {
    if (/--from=/.test(copy.args) || Object.keys(copy.heredocs).length > 0) {
      continue;
    }
    const words = copy.args.split(/\s+/).filter((w) => !w.startsWith("--"));
    sources.push(...words.slice(0, -1));
  }
  assertEquals(sources, ["deno.json", "deno.lock", "cli/", "lib/"]);
  for (const source of sources) {
    const path = source.replace(/\/$/, "");
    await Deno.stat(join(ROOT, path)); // throws if missing
    assert(included(path), `${path} is excluded by .dockerignore`);
  }
  assert(!included("node_modules/commander/index.js"));
  assert(!included("lib/s3/connection_test.ts"));
  assert(!included("test/cli_test.ts"));
});

Deno.test("every local module of the CLI goes into the build context", async () => {
  const included = await dockerignore();
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", "cli/main.ts"],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert(out.success, new TextDecoder().decode(out.stderr));
  const info = JSON.parse(new TextDecoder().decode(out.stdout));
  const local = (info.modules as { specifier: string }[])
    .map((m) => m.specifier)
    .filter((s) => s.startsWith("file://") && !s.includes("/node_modules/"))
    .map((s) => relative(ROOT, new URL(s).pathname));
  assert(local.length > 50, `${local.length} modules`);
  const missing = local.filter((p) => !included(p) || !/^(cli|lib)\//.test(p));
  assertEquals(missing, []);
});

Deno.test("the bundle the build stage writes is the one the image runs, as a non-root user", async () => {
  const bundles = await imageBundles();
  const cli = bundles.find((b) => b.entry === "cli/main.ts");
  assertEquals(cli?.output, "/out/kepler-model.js");
  const copy = of("COPY").find((i) => i.args.startsWith("--from=build"));
  assertEquals(copy?.args, "--from=build /out/ /app/");
  const { bundlePath } = await imageWrapper();
  assertEquals(bundlePath, "/app/kepler-model.js");
  const entry = JSON.parse(of("ENTRYPOINT").at(-1)!.args);
  assertEquals(entry, ["/tini", "--", "/usr/local/bin/kepler-model"]);
  const user = of("USER").at(-1)!.args;
  assertMatch(user, /^[1-9]\d*:\d+$/, "a numeric, non-root user");
  const env = of("ENV").map((i) => i.args).join(" ");
  assertMatch(env, /\bDATAPATH=\/data\b/);
  assertMatch(env, /\bMODEL_PATH=\/data\b/);
});

Deno.test("every worker module lib/ starts is bundled beside the CLI under the name it is loaded by", async () => {
  const bundles = await imageBundles();
  const workers: string[] = [];
  const walk = async (dir: string) => {
    for await (const e of Deno.readDir(dir)) {
      const full = join(dir, e.name);
      if (e.isDirectory) await walk(full);
      else if (e.name.endsWith(".ts") && !e.name.endsWith("_test.ts")) {
        const source = await Deno.readTextFile(full);
        for (
          const m of source.matchAll(
            /new Worker\(\s*new URL\(\s*["']\.\/([^"']+)["']\s*,\s*import\.meta\.url/g,
          )
        ) workers.push(relative(ROOT, join(dir, m[1]!)));
      }
    }
  };
  await walk(join(ROOT, "lib"));
  for (const worker of workers) {
    const name = worker.split("/").pop()!;
    assert(
      bundles.some((b) => b.entry === worker && b.output === `/out/${name}`),
      `${worker} is started as a worker but the Dockerfile does not bundle it to /out/${name}`,
    );
  }
});

Deno.test("the wrapper grants what every command's task grants, and the environment of cli/config.ts", async () => {
  const { script } = await imageWrapper();
  const flags = script.replace(/\\\n/g, " ").split(/\s+/).filter((w) =>
    w.startsWith("--")
  );
  const envFlag = flags.find((f) => f.startsWith("--allow-env="));
  assertEquals(
    envFlag?.slice("--allow-env=".length).split(",").sort(),
    [...ENV_KEYS].sort(),
  );
  assert(flags.includes("--ignore-env"));
  assert(flags.includes("--no-config"));
  const tasks = await denoTasks();
  for (const def of COMMANDS) {
    const task = tasks[def.name];
    if (task === undefined) continue;
    for (const flag of splitTask(task).flags) {
      const kind = /^--(allow-[a-z]+|ignore-env)/.exec(flag)?.[1];
      if (kind === undefined || kind === "allow-env") continue;
      assert(
        flags.includes(flag) || flags.includes(`--${kind}`),
        `deno task ${def.name} grants ${flag}, the image's wrapper does not`,
      );
    }
  }
});

Deno.test("the image's wrapper runs the bundled CLI: --version, --help and an error exit", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kepler_image_" });
  try {
    const bin = await installImageCli(dir);
    const run = (args: string[]) =>
      new Deno.Command(join(bin, "kepler-model"), {
        args,
        cwd: dir,
        env: { HOME: dir, DATAPATH: dir, AWS_PROFILE: "x" },
        clearEnv: true,
        stdout: "piped",
        stderr: "piped",
      }).output();
    const version = await run(["--version"]);
    assertEquals(new TextDecoder().decode(version.stdout).trim(), VERSION);
    const help = await run(["--help"]);
    assertEquals(help.code, 0);
    const text = new TextDecoder().decode(help.stdout);
    for (const def of COMMANDS) {
      assertMatch(text, new RegExp(`\\b${def.name}\\b`));
    }
    const bad = await run(["train", "--energy-source", "solar"]);
    assertEquals(bad.code, 2);
    const dry = await run(["s3-push", "--dry-run"]);
    assertEquals(dry.code, 1);
    assertMatch(new TextDecoder().decode(dry.stderr), /Nothing to push/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the wrapper gives each command its task's V8 flags (train's memory settings) and sets no environment variable", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kepler_wrapper_" });
  try {
    // a stand-in for deno that prints what it was given
    const fake = join(dir, "fake-deno");
    await Deno.writeTextFile(
      fake,
      '#!/bin/sh\nenv | sed "s/^/env /"\nfor a in "$@"; do echo "arg $a"; done\n',
      { mode: 0o755 },
    );
    const { script } = await imageWrapper();
    assertMatch(script, /exec deno /);
    const wrapper = join(dir, "kepler-model");
    await Deno.writeTextFile(
      wrapper,
      script.replace(/exec deno /, `exec ${fake} `),
      { mode: 0o755 },
    );
    const tasks = await denoTasks();
    let checked = 0;
    for (const def of COMMANDS) {
      const task = tasks[def.name];
      if (task === undefined) continue;
      const out = await new Deno.Command(wrapper, {
        args: [def.name, "--help"],
        env: { PATH: "/usr/bin:/bin" },
        clearEnv: true,
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert(out.success, new TextDecoder().decode(out.stderr));
      const lines = new TextDecoder().decode(out.stdout).trim().split("\n");
      // what the wrapper added to the environment it was given (PATH), less
      // what any shell sets
      const env = Object.fromEntries(
        lines.filter((l) => l.startsWith("env ")).map((l) => {
          const at = l.indexOf("=");
          return [l.slice(4, at), l.slice(at + 1)];
        }).filter(([k]) =>
          !["PATH", "PWD", "OLDPWD", "SHLVL", "_"].includes(k!)
        ),
      );
      const args = lines.filter((l) => l.startsWith("arg ")).map((l) =>
        l.slice("arg ".length)
      );
      const want = splitTask(task);
      assertEquals(env, {}, `${def.name}: environment`);
      assertEquals(
        args.filter((a) => a.startsWith("--v8-flags=")),
        want.flags.filter((f) => f.startsWith("--v8-flags=")),
        `${def.name}: V8 flags`,
      );
      assertEquals(args.slice(-2), [def.name, "--help"]);
      checked++;
    }
    assert(checked >= 10, `${checked} commands checked`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the image's plot and export inline plotly.js from the package the image copies beside the bundle", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kepler_image_plot_" });
  try {
    const bin = await installImageCli(dir);
    // The working folder holds no node_modules: only the copy beside the
    // bundle can be found, as in the image (WORKDIR /data).
    const data = join(dir, "data");
    await Deno.mkdir(data);
    const run = async (args: string[]) => {
      const out = await new Deno.Command(join(bin, "kepler-model"), {
        args,
        cwd: data,
        env: { HOME: dir, DATAPATH: data, MODEL_PATH: data },
        clearEnv: true,
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stderr = new TextDecoder().decode(out.stderr);
      assertEquals(out.code, 0, `kepler-model ${args.join(" ")}: ${stderr}`);
      return stderr;
    };
    await run([
      "simulate",
      "-o",
      "q",
      "--duration",
      "600",
      "--containers",
      "3",
    ]);
    await run([
      ...["train", "-i", "q", "--id", "q", "-p", "p", "-fg", "BPFOnly"],
      ...["--abs-trainers", "LinearRegressionTrainer"],
      ...["--dyn-trainers", "LinearRegressionTrainer"],
      ...["--cv-folds", "0", "--tune", "none", "--workers", "1"],
    ]);
    await run([
      "plot",
      "--target-data",
      "metadata",
      "-p",
      "p",
      "-e",
      "rapl-sysfs",
    ]);
    const htmls: string[] = [];
    for await (const e of Deno.readDir(join(data, "output"))) {
      if (e.name.endsWith(".html")) htmls.push(e.name);
    }
    assert(htmls.length > 0, "plot wrote no HTML report");
    for (const name of htmls) {
      const html = await Deno.readTextFile(join(data, "output", name));
      assert(html.includes("newPlot"), `${name} holds no plotly.js`);
    }
    const exported = join(dir, "db");
    const stderr = await run([
      ...["export", "-p", "p", "-o", exported, "--publisher", "me"],
      ...["--collect-date", "2024-07-25T21:05:43Z"],
    ]);
    assert(!/figures not written/.test(stderr), stderr);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
