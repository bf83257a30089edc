/**
 * `calibrate` end to end on real parts: a live simulated Kepler whose node
 * drifts (`simulate --serve --drift`), scraped every second by a real
 * Prometheus, `serve` and `calibrate` running as their deno tasks'
 * children. Calibrate onboards the new node type, its error rises after
 * the drift, exactly one retrain fires, the error returns under the bound,
 * and serve hands out the new generation. (No retrain without a drift is
 * checked on a simulated clock in calibrate_test.ts.) Skipped with a
 * message when Prometheus is not installed, unless CI is set.
 */
import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import { basename } from "node:path";
import { requireTool, startPrometheus } from "./_prometheus.ts";
import { runTask, startServeTask } from "./_cli.ts";
import { median } from "../lib/calibrate/mod.ts";
import type { Decision } from "../lib/calibrate/mod.ts";
import { DEFAULT_NODE_MODEL } from "../lib/simulate/node_model.ts";

const tools = requireTool(["prometheus"]);

const PERIOD = 5;
const DRIFT_AT = 120;
const FACTOR = 1.3;
const BOUND = 8;
const CYCLES = 52; // 260 s: onboarding near 80 s, drift at 120 s, retrain near 200 s

/** `cycle N: 1 node(s); 0/acpi/platform 1.23, ...` → key → error. */
function cycleErrors(stderr: string): Record<string, number>[] {
  const out: Record<string, number>[] = [];
  for (const line of stderr.split("\n")) {
    const m = /^cycle \d+: \d+ node\(s\); (.*?)(?:; [a-z, ]+)?$/.exec(line);
    if (!m) continue;
    const errors: Record<string, number> = {};
    for (const part of m[1]!.split(", ")) {
      const [key, value] = part.split(" ");
      if (key && value && /^[\d.]+$/.test(value)) errors[key] = Number(value);
    }
    if (Object.keys(errors).length > 0) out.push(errors);
  }
  return out;
}

Deno.test({
  name:
    "calibrate on a drifting live node scraped by Prometheus: one retrain, error back under the bound, served",
  ignore: tools.ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const models = await Deno.makeTempDir({ prefix: "kepler_cal_e2e_" });
    const sim = await startServeTask("simulate", [
      "--serve",
      "127.0.0.1:0",
      "--step",
      "1",
      "--duration",
      "60",
      "--containers",
      "4",
      "--noise",
      "0.5",
      "--drift",
      `${DRIFT_AT}:${FACTOR}`,
    ], {});
    const target = new URL(sim.url).host;
    const prom = await startPrometheus({
      scrapeTargets: [target],
      scrapeInterval: "1s",
    });
    const serve = await startServeTask(
      "serve",
      [
        "--reload",
        "poll",
        "--default-pipeline",
        "rapl-sysfs=calibrated,acpi=calibrated",
      ],
      { MODEL_PATH: models },
    );
    try {
      const run = await runTask("calibrate", [
        "--period",
        String(PERIOD),
        "--window",
        "5",
        "--max-error",
        String(BOUND),
        "--min-train-rows",
        "70",
        "--step",
        "1",
        "--metrics-port",
        "0",
        "--cycles",
        String(CYCLES),
      ], { env: { MODEL_PATH: models, PROM_SERVER: prom.url } });
      assertEquals(run.code, 0, run.stderr);
      const decisions: Decision[] = (await Deno.readTextFile(
        `${models}/.calibrate/decisions.jsonl`,
      )).trim().split("\n").map((l) => JSON.parse(l));
      const summary = decisions.filter((d) => d.action !== "wait").map((d) =>
        `${d.action}@${d.cycle}: ${d.reason}`
      ).join("\n");
      assertEquals(
        decisions.filter((d) => d.action === "onboard").length,
        1,
        summary,
      );
      const retrains = decisions.filter((d) => d.action === "retrain");
      assertEquals(retrains.length, 1, summary);
      // the rise: at least the idle platform's part of the drift, less the bound
      const rise = retrains[0]!.errors!["acpi/platform"]!;
      assert(
        rise > DEFAULT_NODE_MODEL.idle.platform * (FACTOR - 1) - BOUND,
        summary,
      );
      const published = decisions.filter((d) => d.action === "publish");
      assertEquals(published.length, 2, summary);
      assert(published[1]!.candidate! < published[1]!.current!, summary);
      // back under the bound: the median of the last five cycles, per key
      const errors = cycleErrors(run.stderr).slice(-5);
      assertEquals(errors.length, 5, run.stderr);
      const medians: Record<string, number> = {};
      for (const key of Object.keys(errors[0]!)) {
        const m = median(errors.map((e) => e[key] ?? NaN));
        medians[key] = m;
        assert(m < BOUND, `${key} median ${m}\n${run.stderr}`);
      }
      console.log(
        `platform error at the retrain ${rise.toFixed(2)} W → last medians ${
          JSON.stringify(medians)
        }; retrain at cycle ${retrains[0]!.cycle}`,
      );
      // serve hands out what calibrate published, without a restart
      const generation = basename(await Deno.realPath(`${models}/calibrated`));
      const detail = await (await fetch(
        `${serve.url}/best-models?energy-source=acpi&output-type=AbsPower&feature-group=Basic&detail=true`,
      )).json();
      assertEquals(detail.node_types, [{
        pipeline: "calibrated",
        generation,
        node_type: 0,
        source: "acpi",
        output_type: "AbsPower",
        feature_group: "Basic",
        model: "GradientBoostingRegressorTrainer_0",
      }]);
    } finally {
      serve.child.kill("SIGTERM");
      sim.child.kill("SIGTERM");
      await serve.child.status;
      await sim.child.status;
      await prom.stop();
      await Deno.remove(models, { recursive: true });
    }
  },
});
