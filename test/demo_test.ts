/**
 * The README's first command: `deno task demo` with its task's permissions,
 * in a fresh folder. It must write the simulation and a trained pipeline,
 * and the next steps it prints must work as printed (estimate, then serve
 * with the printed environment, relative to the same folder).
 */
import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  ok as assert,
} from "node:assert/strict";
import { join } from "node:path";
import { runTask, startServeTask } from "./_cli.ts";
import { parseCsv } from "../lib/io/csv.ts";

/** `A=b C=d deno task name args…` → env, task and args. */
function parseHint(line: string): {
  env: Record<string, string>;
  task: string;
  args: string[];
} {
  const words = line.trim().split(/\s+/);
  const env: Record<string, string> = {};
  while (/^[A-Z_]+=/.test(words[0]!)) {
    const [k, v] = words.shift()!.split("=") as [string, string];
    env[k] = v;
  }
  assertEquals(words.slice(0, 2), ["deno", "task"], line);
  return { env, task: words[2]!, args: words.slice(3) };
}

Deno.test("deno task demo trains a pipeline in a fresh folder, and the next steps it prints work as printed", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kepler-demo-" });
  try {
    const demo = await runTask("demo", [
      "--duration",
      "900",
      "--containers",
      "6",
    ], { cwd: dir });
    assertEquals(demo.code, 0, demo.stderr);
    const trained =
      /trained (\d+) models \((\d+) feature groups × 2 output types × 2 energy sources\)/
        .exec(demo.stdout);
    assert(trained !== null, demo.stdout);
    const models = Number(trained[1]);
    // eleven trainers per group (upstream's ten and the saturating curve),
    // some may fail on little data: at most 11 each
    assert(models > 0 && models <= Number(trained[2]) * 2 * 2 * 11);
    const pipeline = join(dir, "demo_output", "models", "demo");
    for (
      const f of [
        join(pipeline, "metadata.json"),
        join(dir, "demo_output", "models", "demo.zip"),
        join(dir, "demo_output", "data", "kepler_query.json"),
        join(dir, "demo_output", "data", "kepler_query_truth.csv"),
      ]
    ) {
      assert((await Deno.stat(f)).isFile, f);
    }
    // the best models it reports are real numbers of watts: the blocked
    // cross-validation mae ± its spread over the folds
    const best = [
      ...demo.stdout.matchAll(/^ {2}(\S+ \S+Power) .* ([\d.]+) ± [\d.]+ W$/gm),
    ];
    assertEquals(best.length, 4, demo.stdout);
    for (const m of best) assert(Number(m[2]) > 0 && Number(m[2]) < 50, m[0]);

    const hints = demo.stdout.slice(demo.stdout.indexOf("\nnext"))
      .split("\n").filter((l) => l.includes("deno task"));
    assertEquals(hints.length, 2, demo.stdout);
    const estimate = parseHint(hints[0]!);
    assertEquals(estimate.task, "estimate");
    const est = await runTask(estimate.task, estimate.args, {
      cwd: dir,
      env: estimate.env,
    });
    assertEquals(est.code, 0, est.stderr);
    // estimate's best model is the demo's: both rank by the blocked-CV error
    // (ties, such as one curve fit in several groups, by feature group).
    const demoBest = /^ {2}rapl-sysfs AbsPower +(\S+) +(\S+) /m.exec(
      demo.stdout,
    );
    assert(demoBest !== null, demo.stdout);
    assertMatch(
      est.stdout,
      new RegExp(
        `^best: ${demoBest[2]} \\(${demoBest[1]}, pipeline demo\\)`,
        "m",
      ),
    );
    const csv = parseCsv(
      await Deno.readTextFile(
        join(dir, estimate.env.DATAPATH!, "output", "estimation_result.csv"),
      ),
    );
    assert(csv.rows.length > 100, `${csv.rows.length} rows`);

    const serve = parseHint(hints[1]!);
    assertEquals(serve.task, "serve");
    const server = await startServeTask(
      serve.task,
      serve.args,
      serve.env,
      dir,
    );
    try {
      assert(
        server.firstLine.startsWith(`Serving ${models} models of 1 pipelines`),
        server.firstLine,
      );
      const reply = await fetch(`${server.url}/model`, {
        method: "POST",
        body: JSON.stringify({
          metrics: [
            "bpf_cpu_time_ms",
            "cpu_cycles",
            "cpu_instructions",
            "cache_miss",
          ],
          output_type: "AbsPower",
          source: "rapl-sysfs",
          weight: true,
        }),
      });
      assertEquals(reply.status, 200);
      const served = reply.headers.get("x-kepler-model")?.split("/") ?? [];
      assertEquals(served[0], "demo");
      // Kepler's weight form: a linear model's bias and weights, or a
      // curve fit's parameters (the best local model may be either)
      const weights = await reply.json();
      const pkg = weights.package;
      assert(typeof pkg.All_Weights.Numerical_Variables === "object");
      if (/^(Logarithmic|Logistic|Exponential)/.test(served.at(-1) ?? "")) {
        const curve = pkg.All_Weights.CurveFit_Weights;
        assert(
          Array.isArray(curve) &&
            curve.every((w: unknown) => typeof w === "number"),
          JSON.stringify(pkg),
        );
      } else assert(typeof pkg.All_Weights.Bias_Weight === "number");
    } finally {
      server.child.kill("SIGTERM");
      await server.child.status;
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
