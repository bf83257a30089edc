import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import { Calibrator, type Decision } from "../lib/calibrate/mod.ts";
import { SimulatedCluster } from "./_calibrate_sim.ts";
import { DEFAULT_NODE_MODEL } from "../lib/simulate/node_model.ts";
import { startModelServer } from "../lib/serve/mod.ts";
import { basename, dirname, join } from "node:path";

const PERIOD = 5;
const DRIFT = { at: 300, factor: 1.3 };

/** Runs `cycles` cycles on a simulated clock; returns the decisions. */
async function run(
  cluster: SimulatedCluster,
  cycles: number,
  bound = 5,
): Promise<{ cal: Calibrator; decisions: Decision[]; models: string }> {
  const models = await Deno.makeTempDir();
  const decisions: Decision[] = [];
  const cal = new Calibrator({
    modelPath: models,
    stateDir: `${models}/.calibrate`,
    period: PERIOD,
    window: 5,
    minTrainRows: 90,
    step: 1,
    maxError: { kind: "watts", value: bound },
    onDecision: (d) => decisions.push(d),
    fetchWindow: cluster.fetchWindow,
  });
  for (let k = 0; k < cycles; k++) {
    cluster.advanceTo(cluster.now + PERIOD);
    await cal.cycle(cluster.now);
  }
  return { cal, decisions, models };
}

Deno.test("`Calibrator` retrains once after a drift and its error returns under the bound", async () => {
  const cluster = new SimulatedCluster({ drift: DRIFT });
  const { cal, decisions, models } = await run(cluster, 120);
  try {
    const actions = decisions.filter((d) => d.action !== "wait").map((d) =>
      `${d.action}@${d.cycle}`
    );
    const retrains = decisions.filter((d) => d.action === "retrain");
    assertEquals(retrains.length, 1, actions.join(" "));
    assertEquals(decisions.filter((d) => d.action === "onboard").length, 1);
    // one rise, so at most one `wait` line while rows since it accumulate
    const waits = decisions.filter((d) => d.action === "wait");
    assert(waits.length <= 1, waits.map((w) => w.reason).join("\n"));
    assert(waits.every((w) => w.cycle < retrains[0]!.cycle));
    assertEquals(
      decisions.filter((d) => d.action === "publish").length,
      2,
      actions.join(" "),
    );
    // The retrain comes after the drift (cycle 60 = 300 s), within a few windows.
    const at = retrains[0]!.cycle;
    assert(at > DRIFT.at / PERIOD && at <= DRIFT.at / PERIOD + 20, `${at}`);
    // The error that triggered it is at least what the idle platform power
    // alone adds: 95 W × 0.3, less the model's own error (under 5 W).
    const trigger = retrains[0]!.errors!["acpi/platform"]!;
    assert(
      trigger > DEFAULT_NODE_MODEL.idle.platform * (DRIFT.factor - 1) - 5,
      `${trigger}`,
    );
    // The candidate beat the drifted model on the rows it did not train on.
    const published = decisions.find((d) =>
      d.action === "publish" && d.cycle === at
    )!;
    assert(published.candidate! < published.current!);
    // Back under the bound: every median error of the last window.
    const text = cal.metrics.render();
    const medians = [
      ...text.matchAll(/^kepler_calibrate_error_median\{[^}]*\} (\S+)$/gm),
    ].map((m) => Number(m[1]));
    assert(medians.length === 5 && medians.every((m) => m < 5), text);
    assertEquals(cal.metrics.value("retrains", "drift"), 1);
  } finally {
    await Deno.remove(models, { recursive: true });
  }
});

Deno.test("`Calibrator` retrains once when a new workload class appears and its error returns under the bound", async () => {
  // until 300 s the node never runs a memory-bound load; from then on only that
  const cluster = new SimulatedCluster({
    drift: { at: DRIFT.at, factor: 1, workload: "memory" },
  });
  const { cal, decisions, models } = await run(cluster, 120);
  try {
    const retrains = decisions.filter((d) => d.action === "retrain");
    assertEquals(retrains.length, 1, JSON.stringify(decisions));
    assertEquals(decisions.filter((d) => d.action === "publish").length, 2);
    const at = retrains[0]!.cycle;
    assert(at > DRIFT.at / PERIOD && at <= DRIFT.at / PERIOD + 25, `${at}`);
    // memory traffic is what the onboarded model never saw: DRAM power
    // (cache misses, page-cache hits) is among the errors that rose
    assert(retrains[0]!.errors!["rapl-sysfs/dram"]! > 5, retrains[0]!.reason);
    const text = cal.metrics.render();
    const medians = [
      ...text.matchAll(/^kepler_calibrate_error_median\{[^}]*\} (\S+)$/gm),
    ].map((m) => Number(m[1]));
    assert(medians.length === 5 && medians.every((m) => m < 5), text);
  } finally {
    await Deno.remove(models, { recursive: true });
  }
});

Deno.test("`Calibrator` does not retrain without a drift", async () => {
  const cluster = new SimulatedCluster();
  const { cal, decisions, models } = await run(cluster, 120);
  try {
    assertEquals(decisions.filter((d) => d.action === "retrain"), []);
    assertEquals(cal.metrics.value("publishes"), 1); // the onboarding only
    assertEquals(cal.metrics.value("onboardings"), 1);
  } finally {
    await Deno.remove(models, { recursive: true });
  }
});

Deno.test("`Calibrator` onboards a new node type with an export-style report: export's Markdown says what the JSON says", async () => {
  const cluster = new SimulatedCluster();
  const { decisions, models } = await run(cluster, 25); // onboarded
  try {
    const published = decisions.filter((d) => d.action === "publish");
    assertEquals(published.length, 1);
    const json = JSON.parse(await Deno.readTextFile(published[0]!.report!));
    const md = await Deno.readTextFile(
      join(dirname(published[0]!.report!), json.markdown),
    );
    assertEquals(json.markdown, `onboard_node_type_${json.node_type}.md`);
    // export's error report: its title, the node's spec table, both estimators
    assert(
      md.startsWith(`# Validation results on node type ${json.node_type}\n\n`),
      md,
    );
    const spec = json.machine_spec as Record<string, unknown>;
    assert(
      md.includes(`| ${Object.keys(spec).join(" | ")} |\n`) &&
        md.includes(`| ${Object.values(spec).join(" | ")} |\n`),
      md,
    );
    assert(
      md.includes(
        `Trained on ${json.train_rows} rows; validated on the ${json.holdout_rows} newest rows`,
      ),
      md,
    );
    assert(md.includes("within the bound on every component: yes"), md);
    assertEquals(json.within_bound, true);
    const sidecar = md.split("## With sidecar estimator\n\n")[1]!;
    const sources = Object.keys(json.holdout_by_component).sort();
    assertEquals(sources, ["acpi", "rapl-sysfs"]);
    for (const source of sources) {
      const { model, components } = json.holdout_by_component[source];
      assertEquals(model, json.model);
      const section = sidecar.split(`### ${source} AbsPower model\n\n`)[1]!
        .split("### ")[0]!;
      const errors = Object.entries(
        components as Record<string, { mae: number; mape: number }>,
      );
      assert(errors.length > 0);
      // the model's row: the largest error over its components, as export ranks
      const mae = Math.max(...errors.map(([, e]) => e.mae));
      const mape = Math.max(...errors.map(([, e]) => e.mape));
      assert(
        section.includes(
          `| Basic | ${model} | ${mae.toFixed(2)} | ${mape.toFixed(1)} |\n`,
        ),
        section,
      );
      for (const [component, e] of errors) {
        assert(
          section.includes(
            `| Basic | ${component} | ${e.mae.toFixed(2)} | ${
              e.mape.toFixed(1)
            } |\n`,
          ),
          section,
        );
        // the same holdout error the publish was judged on (watts), under the bound
        const judged = json.holdout_error[`${source}/${component}`];
        assert(Math.abs(judged - e.mae) < 1e-9, `${judged} ${e.mae}`);
        assert(e.mae < json.max_error && e.mape > 0, JSON.stringify(e));
      }
    }
  } finally {
    await Deno.remove(models, { recursive: true });
  }
});

Deno.test("`Calibrator` skips and counts a cycle when Prometheus cannot be read", async () => {
  const models = await Deno.makeTempDir();
  const decisions: Decision[] = [];
  const cal = new Calibrator({
    modelPath: models,
    stateDir: `${models}/.calibrate`,
    period: 5,
    onDecision: (d) => decisions.push(d),
    fetchWindow: () => Promise.reject(new Error("connection refused")),
  });
  const report = await cal.cycle(1_700_000_000);
  assertEquals(report.skipped, "cannot read Prometheus: connection refused");
  assertEquals(cal.metrics.value("skipped_cycles", "prometheus"), 1);
  assertEquals(decisions.map((d) => d.action), ["skip"]);
  await Deno.remove(models, { recursive: true });
});

Deno.test("serve says which model and generation each node type gets: /best-models?detail=true and kepler_model_server_node_type_model; plain /best-models unchanged", async () => {
  const cluster = new SimulatedCluster();
  const { models } = await run(cluster, 25); // onboarded: one generation
  try {
    await using server = await startModelServer({
      port: 0,
      modelPath: models,
      reload: "off",
      estimateWorkers: 0,
    });
    const query =
      "energy-source=acpi&output-type=AbsPower&feature-group=Basic&pipeline-name=calibrated";
    const plain = await (await fetch(`${server.url}/best-models?${query}`))
      .json();
    assertEquals(plain, {
      AbsPower: { Basic: "GradientBoostingRegressorTrainer_0" },
    });
    const detail = await (await fetch(
      `${server.url}/best-models?${query}&detail=true`,
    )).json();
    const generation = basename(await Deno.realPath(`${models}/calibrated`));
    assertEquals(detail, {
      best_models: plain,
      node_types: [{
        pipeline: "calibrated",
        generation,
        node_type: 0,
        source: "acpi",
        output_type: "AbsPower",
        feature_group: "Basic",
        model: "GradientBoostingRegressorTrainer_0",
      }],
    });
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert(
      metrics.includes(
        `kepler_model_server_node_type_model{pipeline="calibrated",generation="${generation}",node_type="0",source="acpi",output_type="AbsPower",feature_group="Basic",model="GradientBoostingRegressorTrainer_0"} 1`,
      ),
      metrics,
    );
  } finally {
    await Deno.remove(models, { recursive: true });
  }
});
