/**
 * What `train` says and does when a feature group cannot be trained as a
 * whole. Before 2026-12-08:
 *
 * - a query of one sample per series, whose metrics `validate` lists as
 *   usable, failed with "no feature group has all its metrics in the
 *   input", where the metrics are there but too few samples are;
 * - a node-level third-party metric (`-fg ThirdParty -tm …`) failed the
 *   whole group ("Cannot extract ThirdParty features per container"), even
 *   with no DynPower trainer asked for: AbsPower was never trained.
 *
 * @module
 */
import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  ok as assert,
} from "node:assert/strict";
import { join } from "node:path";
import { runTask } from "./_cli.ts";
import { type QueryJson, simulatedQuery } from "./_small_pipeline.ts";

/** Simulates 10 minutes of one node as `<dir>/q.json` and returns it. */
function simulated(dir: string): Promise<QueryJson> {
  return simulatedQuery(dir, ["--seed", "3"]);
}

const LR = [
  "--abs-trainers",
  "LinearRegressionTrainer",
  "--dyn-trainers",
  "LinearRegressionTrainer",
];

Deno.test("`train` on one sample per series says the groups have their metrics but fewer than 2 samples", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kepler-train-few-" });
  const env = { DATAPATH: dir, MODEL_PATH: dir };
  try {
    const q = await simulated(dir);
    for (const series of Object.values(q)) {
      for (const s of series) s.values = s.values.slice(0, 1);
    }
    await Deno.writeTextFile(join(dir, "one.json"), JSON.stringify(q));
    const validate = await runTask("validate", ["-i", "one"], { env });
    assertMatch(validate.stdout, /Usable feature groups: CounterOnly, BPFOnly/);
    const r = await runTask("train", ["-i", "one", "--id", "q", ...LR], {
      env,
    });
    assertEquals(r.code, 1, r.stderr);
    assertMatch(
      r.stderr.trim(),
      /^kepler-model: error: Cannot train: feature groups CounterOnly, BPFOnly, .* have their metrics but fewer than 2 samples per series in .*one\.json/,
    );
    assertEquals(r.stderr.trim().split("\n").length, 1, r.stderr);

    // a group asked for by name says the same of its metrics
    const fg = await runTask(
      "train",
      ["-i", "one", "--id", "q", "-fg", "BPFOnly", ...LR],
      { env },
    );
    assertEquals(fg.code, 1, fg.stderr);
    assertMatch(
      fg.stderr,
      /Cannot extract BPFOnly features: metrics kepler_container_bpf_cpu_time_ms_total, kepler_container_bpf_page_cache_hit_total have fewer than 2 samples per series in .*one\.json/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("`train -fg ThirdParty` of a node-level metric trains AbsPower, with one DynPower note when DynPower trainers are asked for", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kepler-train-tp-" });
  const env = { DATAPATH: dir, MODEL_PATH: dir };
  try {
    const q = await simulated(dir);
    // a Prometheus-side counter of the node (no container labels)
    const times = q.kepler_node_package_joules_total![0]!.values.map((v) =>
      v[0]
    );
    q.scrape_samples_scraped = [{
      metric: {
        __name__: "scrape_samples_scraped",
        instance: "sim-node-0",
        job: "kepler-exporter",
      },
      values: times.map((t, i) => [t, String(100 * i + (i * i) % 7)]),
    }];
    await Deno.writeTextFile(join(dir, "tp.json"), JSON.stringify(q));
    const tp = ["-i", "tp", "--id", "q", "-fg", "ThirdParty", "-tm"];

    const abs = await runTask("train", [
      ...tp,
      "scrape_samples_scraped",
      "-p",
      "abs",
      "--abs-trainers",
      "LinearRegressionTrainer",
      "--dyn-trainers=",
    ], { env });
    assertEquals(abs.code, 0, abs.stderr);
    assert(!/DynPower ThirdParty/.test(abs.stdout), abs.stdout);
    const md = JSON.parse(
      await Deno.readTextFile(
        join(
          dir,
          "abs/rapl-sysfs/AbsPower/ThirdParty/LinearRegressionTrainer_0/metadata.json",
        ),
      ),
    );
    assert(Number.isFinite(md.mae), JSON.stringify(md));

    const both = await runTask(
      "train",
      [...tp, "scrape_samples_scraped", "-p", "both", ...LR],
      { env },
    );
    assertEquals(both.code, 0, both.stderr);
    const notes = both.stdout.split("\n").filter((l) =>
      l.includes("DynPower") && l.includes("ThirdParty")
    );
    assertEquals(notes.length, 1, both.stdout);
    assertMatch(
      notes[0]!,
      /^skipped: rapl-sysfs DynPower ThirdParty .*scrape_samples_scraped is a node-level metric/,
    );
    await Deno.stat(
      join(
        dir,
        "both/rapl-sysfs/AbsPower/ThirdParty/LinearRegressionTrainer_0.zip",
      ),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
