/**
 * The README's commands as a user runs them: every line of its `sh` blocks,
 * as written, through the deno task it names (exactly that task's
 * permissions), in a fresh folder, one block after the other.
 *
 * What stands outside the user's control is substituted, and only that:
 * `http://localhost:9090` is a real Prometheus the test starts (backfilled
 * with `simulate` data in the window the block asks for), `$PWD` is the
 * block's folder, and the model server's `127.0.0.1:8100` is the port it
 * really got (`MODEL_SERVER_PORT=0`). `deno task serve` runs in the
 * background while the block's `curl` lines ask it.
 *
 * Commands the README names inline (outside `sh` blocks) must be run here
 * too or be listed in {@linkcode NOT_RUN_HERE} with the test that covers
 * them, so a new README command cannot go untested.
 */
import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import { join } from "node:path";
import { ROOT, type RunningServer, runTask, startServeTask } from "./_cli.ts";
import { requireTool, startPrometheus } from "./_prometheus.ts";
import { openMetrics, simulate } from "../lib/simulate/mod.ts";

const README = await Deno.readTextFile(join(ROOT, "README.md"));

/** Inline README commands run elsewhere, with the test that runs them. */
const NOT_RUN_HERE: Readonly<Record<string, string>> = {
  "npx -y deno@2.9.5 task demo":
    "test/demo_test.ts (the demo task, fresh folder)",
  "npx -y deno@2.9.5 task test": ".ci/run runs exactly this",
  "deno task demo": "test/demo_test.ts",
  "deno task <command>": "a pattern, not a command",
  "deno run -A dist/kepler-model.js <command>": "a pattern, not a command",
  "deno task bundle": "test/bundle_test.ts",
  "deno task train -i /runs/kepler_query":
    "test/absolute_names_test.ts (an absolute -i, DATAPATH elsewhere)",
  "deno run -A dist/kepler-model.js --help": "test/bundle_test.ts",
  "deno task test": ".ci/run",
  "deno task ok": "the developers' gate; .github/workflows/ci.yml",
  "deno task bench": "benchmarks: run by hand, figures in BENCHMARKS.md",
  "deno task bench serve": "benchmarks: run by hand, figures in BENCHMARKS.md",
  "deno task bench vm": "benchmarks: run by hand, figures in BENCHMARKS.md",
  "deno task bench vm-estimate":
    "benchmarks: run by hand, figures in BENCHMARKS.md",
  "deno task bench cold_demo":
    "benchmarks: run by hand, figures in BENCHMARKS.md",
  "deno task bench sklearn-compare":
    "benchmarks: run by hand, figures in BENCHMARKS.md; bench/compare_csv_test.ts reads KEPLER_COMPARE_CSV's files",
  "deno run --allow-all bench/notebooks_stress.ts --runs 10 --hogs 2":
    "a stress benchmark (minutes): run by hand; test/notebooks_test.ts runs each notebook once",
  "deno run -A tools/api_docs.ts":
    "test/api_docs_test.ts runs the same check (apiDocProblems on every entry point)",
  "deno task compile": "needs dl.deno.land (see README): not runnable here",
  "deno task serve": "run below, in the sh block",
  "deno task serve_estimator --estimator-socket /tmp/estimator.sock":
    "run below, on its own",
  "deno task estimator":
    "test/serve_cli_test.ts (the task, a busy MODEL_SERVER_PORT) and test/deploy_estimator_test.ts (the sidecar's command)",
  "deno task calibrate":
    "test/calibrate_e2e_test.ts (against a real Prometheus, with serve)",
};

/** One logical line of an `sh` block. */
interface ShLine {
  /** The line as written (continuations joined, trailing comment cut). */
  text: string;
  /** Its words, quotes removed (no expansion). */
  words: string[];
}

/** The `sh` blocks of a Markdown text, as logical lines. */
export function shBlocks(markdown: string): ShLine[][] {
  const blocks: ShLine[][] = [];
  for (const m of markdown.matchAll(/^```sh\n([\s\S]*?)^```$/gm)) {
    const joined = m[1]!.replace(/\\\n\s*/g, "");
    const lines: ShLine[] = [];
    for (const raw of joined.split("\n")) {
      const text = cutComment(raw).trim();
      if (text === "") continue;
      lines.push({ text, words: shellWords(text) });
    }
    blocks.push(lines);
  }
  return blocks;
}

/** Cuts a `# comment` that stands outside quotes. */
function cutComment(line: string): string {
  let quote = "";
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote !== "") {
      if (c === quote) quote = "";
    } else if (c === "'" || c === '"') {
      quote = c;
    } else if (c === "#" && (i === 0 || /\s/.test(line[i - 1]!))) {
      return line.slice(0, i);
    }
  }
  return line;
}

/** Splits a command line into words: single and double quotes, no expansion. */
export function shellWords(line: string): string[] {
  const out: string[] = [];
  for (const m of line.matchAll(/(?:'[^']*'|"[^"]*"|[^\s'"])+/g)) {
    out.push(m[0].replace(/'([^']*)'|"([^"]*)"/g, "$1$2"));
  }
  return out;
}

Deno.test("shellWords() and shBlocks() read a README block as sh does", () => {
  assertEquals(shellWords(`curl -s http://x -d '{"a": 1}' "b c"`), [
    "curl",
    "-s",
    "http://x",
    "-d",
    '{"a": 1}',
    "b c",
  ]);
  const md = "x\n```sh\nexport A=1 # set\ndeno task q \\\n  --b 2\n" +
    "curl -d '#not a comment'\n```\n";
  assertEquals(shBlocks(md).map((b) => b.map((l) => l.text)), [[
    "export A=1",
    "deno task q --b 2",
    "curl -d '#not a comment'",
  ]]);
});

/** Every inline `` `deno task …` ``/`` `deno run …` `` of the README outside `sh` blocks. */
function inlineCommands(markdown: string): string[] {
  const prose = markdown.replace(/^```[\s\S]*?^```$/gm, "");
  const found = new Set<string>();
  for (
    const m of prose.matchAll(
      /`((?:npx -y deno@[\d.]+ |deno )(?:task|run) [^`]+)`/g,
    )
  ) {
    found.add(m[1]!.trim());
  }
  return [...found];
}

Deno.test("every command the README names inline is run here or by a named test", () => {
  const blockLines = new Set(
    shBlocks(README).flat().map((l) => l.text),
  );
  for (const command of inlineCommands(README)) {
    assert(
      blockLines.has(command) || NOT_RUN_HERE[command] !== undefined,
      `README names \`${command}\`, which no test runs: add it to an sh block or to NOT_RUN_HERE with the test that covers it`,
    );
  }
});

const isFile = (p: string) => Deno.stat(p).then((s) => s.isFile, () => false);

/** What a block needs from outside: the Prometheus window and its folder. */
interface BlockRun {
  cwd: string;
  promUrl: string;
}

/**
 * Runs one README block line by line in `run.cwd`; returns the environment
 * its `export` lines set.
 */
async function runBlock(
  lines: ShLine[],
  run: BlockRun,
): Promise<Record<string, string>> {
  const env: Record<string, string> = {};
  let server: RunningServer | undefined;
  const fill = (w: string) =>
    w.replaceAll("$PWD", run.cwd).replaceAll(
      "http://localhost:9090",
      run.promUrl,
    );
  try {
    for (const line of lines) {
      const words = line.words.map(fill);
      if (words[0] === "export") {
        for (const assignment of words.slice(1)) {
          const [k, ...v] = assignment.split("=");
          env[k!] = v.join("=");
        }
        continue;
      }
      if (words[0] === "curl") {
        assert(server !== undefined, `${line.text}: no server is running`);
        const host = new URL(server.url).host;
        const args = words.slice(1).map((w) =>
          w.replaceAll("127.0.0.1:8100", host)
        );
        const out = await new Deno.Command("curl", {
          args: [...args, "--fail-with-body"],
          stdout: "piped",
          stderr: "piped",
        }).output();
        const text = new TextDecoder().decode(out.stdout);
        assertEquals(out.code, 0, `${line.text}:\n${text}`);
        JSON.parse(text); // every README request answers JSON
        continue;
      }
      assertEquals(words.slice(0, 2), ["deno", "task"], line.text);
      const [task, ...args] = words.slice(2) as [string, ...string[]];
      if (task === "serve") {
        server = await startServeTask(task, args, env, run.cwd);
        continue;
      }
      const result = await runTask(task, args, { env, cwd: run.cwd });
      assertEquals(
        result.code,
        0,
        `${line.text} failed:\n${result.stderr}\n${result.stdout}`,
      );
      assert(
        !/warning/i.test(result.stderr),
        `${line.text} warned:\n${result.stderr}`,
      );
    }
  } finally {
    if (server !== undefined) {
      server.child.kill("SIGTERM");
      await server.child.status;
    }
  }
  return env;
}

/** A Prometheus backfilled with 15 minutes of simulated Kepler data. */
function prometheusAt(start: number) {
  const sim = simulate({ start, duration: 900, containers: 6, seed: 11 });
  return startPrometheus({ openMetrics: openMetrics(sim) });
}

const tools = requireTool(["prometheus", "promtool", "curl"], {
  install: "apt-get install prometheus curl",
});

Deno.test({
  name: "the README's sh blocks run as written, in a fresh folder",
  ...tools,
  sanitizeResources: false,
  fn: async (t) => {
    const blocks = shBlocks(README);
    const [first, seeds, session, ...rest] = blocks;
    assertEquals(
      rest,
      [],
      "the README has three sh blocks; add the new one here",
    );
    assertEquals(
      first!.map((l) => l.text),
      ["npx -y deno@2.9.5 task demo", "npx -y deno@2.9.5 task test"],
    );

    await t.step("the seeds' workflow (a fixed window)", async () => {
      const at = /--start-time (\S+)/.exec(seeds!.map((l) => l.text).join(" "));
      assert(at !== null, "the seeds' block names a --start-time");
      await using prom = await prometheusAt(Date.parse(at[1]!) / 1000);
      const cwd = await Deno.makeTempDir({ prefix: "kepler-readme-" });
      try {
        const env = await runBlock(seeds!, { cwd, promUrl: prom.url });
        const work = env.MODEL_PATH!;
        assert(await isFile(join(work, "std", "metadata.json")));
        assert(await isFile(join(work, "machine_spec", "m5.metal.json")));
      } finally {
        await Deno.remove(cwd, { recursive: true });
      }
    });

    await t.step("every command, in order (the last hour)", async () => {
      await using prom = await prometheusAt(
        Math.floor(Date.now() / 1000) - 900,
      );
      const cwd = await Deno.makeTempDir({ prefix: "kepler-readme-" });
      try {
        const env = await runBlock(session!, { cwd, promUrl: prom.url });
        const data = env.DATAPATH!;
        for (
          const f of [
            join(data, "std", "profile", "rapl-sysfs.json"),
            join(data, "std", "metadata.json"),
            join(data, "output", "estimation_result.csv"),
            join(cwd, "kepler-model-db", "models", "v0.7", "README.md"),
          ]
        ) assert(await isFile(f), `${f} was not written`);

        // the inline serve_estimator command, as written, on the same models
        const estimator =
          "deno task serve_estimator --estimator-socket /tmp/estimator.sock";
        const [, , task, ...args] = shellWords(estimator);
        const server = await startServeTask(task!, args, env, cwd);
        try {
          const socket = await Deno.lstat("/tmp/estimator.sock");
          assert(socket.isSocket, "/tmp/estimator.sock is not a socket");
        } finally {
          server.child.kill("SIGTERM");
          await server.child.status;
        }
      } finally {
        await Deno.remove(cwd, { recursive: true });
      }
    });
  },
});
