/**
 * Faults met by `calibrate`: Prometheus down or slow, a model server
 * restart, a kill -9 in the middle of a publish, a broken meter, clock skew
 * between nodes. The cluster is simulated on a simulated clock
 * (test/_calibrate_sim.ts); Prometheus' failures are real HTTP (a server
 * that answers too late, a closed port), the model server is the real
 * `serve` task, and the crashes are SIGKILLs of real child processes.
 */
import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import { basename, join } from "node:path";
import {
  Calibrator,
  type CalibratorOptions,
  checkModelServer,
  type Decision,
  publishCandidate,
} from "../../lib/calibrate/mod.ts";
import { queryMetrics } from "../../lib/query/mod.ts";
import { loadPipelineDir } from "../../lib/serve/mod.ts";
import { SimulatedCluster } from "../_calibrate_sim.ts";
import { freePort } from "../_prometheus.ts";
import { ROOT, startServeTask } from "../_cli.ts";

const PERIOD = 5;

function calibrator(
  models: string,
  fetchWindow: CalibratorOptions["fetchWindow"],
  decisions: Decision[],
  extra: Partial<CalibratorOptions> = {},
): Calibrator {
  return new Calibrator({
    ...extra,
    modelPath: models,
    stateDir: `${models}/.calibrate`,
    period: PERIOD,
    window: 5,
    minTrainRows: 90,
    step: 1,
    maxError: { kind: "watts", value: 5 },
    onDecision: (d) => decisions.push(d),
    fetchWindow,
  });
}

async function cycles(
  cal: Calibrator,
  cluster: SimulatedCluster,
  n: number,
): Promise<void> {
  for (let k = 0; k < n; k++) {
    cluster.advanceTo(cluster.now + PERIOD);
    await cal.cycle(cluster.now);
  }
}

Deno.test("fault: Prometheus down or slow → the cycle is skipped and counted, calibrate goes on", async () => {
  const models = await Deno.makeTempDir();
  const slow = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    async () => {
      await new Promise((r) => setTimeout(r, 1500));
      return Response.json({ status: "success", data: { result: [] } });
    },
  );
  const down = `http://127.0.0.1:${freePort()}`;
  const cluster = new SimulatedCluster();
  let mode: "slow" | "down" | "up" = "slow";
  const decisions: Decision[] = [];
  const cal = calibrator(
    models,
    (metrics, start, end) =>
      mode === "up" ? cluster.fetchWindow(metrics, start, end) : queryMetrics(
        mode === "slow" ? `http://127.0.0.1:${slow.addr.port}` : down,
        { metrics, start, end, step: 1 },
        { timeoutMs: 200, retries: 0 },
      ),
    decisions,
  );
  try {
    await cycles(cal, cluster, 1);
    mode = "down";
    await cycles(cal, cluster, 1);
    mode = "up";
    await cycles(cal, cluster, 30);
    assertEquals(cal.metrics.value("skipped_cycles", "prometheus"), 2);
    assertEquals(
      decisions.slice(0, 2).map((d) => d.action),
      ["skip", "skip"],
    );
    assertEquals(cal.metrics.value("cycles"), 32);
    assertEquals(cal.metrics.value("onboardings"), 1); // went on once it answered
  } finally {
    await slow.shutdown();
    await Deno.remove(models, { recursive: true });
  }
});

Deno.test({
  name:
    "fault: a model server restart (kill -9 during a publish) → cycles skipped and logged, calibrate resumes, serve hands out the last publish",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const models = await Deno.makeTempDir();
    const port = freePort();
    const start = () =>
      startServeTask("serve", [
        "--reload",
        "poll",
        "--default-pipeline",
        "rapl-sysfs=calibrated,acpi=calibrated",
      ], { MODEL_PATH: models, MODEL_SERVER_PORT: String(port) });
    let serve = await start();
    const url = `http://127.0.0.1:${port}`;
    const cluster = new SimulatedCluster();
    const decisions: Decision[] = [];
    let killed = false;
    const cal = calibrator(models, cluster.fetchWindow, decisions, {
      checkModelServer: () =>
        checkModelServer(url, "calibrated", { timeoutMs: 2000 }),
      // the model server dies while the onboarded model is being published
      beforeSwap: async () => {
        if (killed) return;
        killed = true;
        serve.child.kill("SIGKILL");
        await serve.child.status;
      },
    });
    try {
      let n = 0;
      while (!killed && n++ < 40) await cycles(cal, cluster, 1);
      assert(killed, JSON.stringify(decisions));
      assertEquals(cal.metrics.value("publishes"), 1); // the publish went on
      // server down: each cycle is skipped, logged and counted, no crash
      const before = decisions.length;
      await cycles(cal, cluster, 3);
      assertEquals(cal.metrics.value("skipped_cycles", "model_server"), 3);
      const skips = decisions.slice(before);
      assertEquals(skips.map((d) => d.action), ["skip", "skip", "skip"]);
      assert(
        skips.every((d) =>
          d.reason.startsWith("cannot reach the model server")
        ),
        JSON.stringify(skips),
      );
      assert(
        /kepler_calibrate_skipped_cycles_total\{reason="model_server"\} 3/
          .test(cal.metrics.render()),
      );
      // restarted on its port: calibrate resumes and measures again
      serve = await start();
      const resumed = [];
      for (let k = 0; k < 5; k++) {
        cluster.advanceTo(cluster.now + PERIOD);
        resumed.push(await cal.cycle(cluster.now));
      }
      assert(
        resumed.every((r) => r.skipped === undefined),
        JSON.stringify(resumed),
      );
      const measured = resumed.flatMap((r) => Object.values(r.errors));
      assert(measured.length > 0 && measured.every(Number.isFinite));
      assertEquals(cal.metrics.value("skipped_cycles", "model_server"), 3);
      // the restarted server hands out the generation published while it was down, whole
      const generation = basename(
        await Deno.realPath(join(models, "calibrated")),
      );
      assertEquals(await checkModelServer(url, "calibrated"), [generation]);
      const detail = await (await fetch(
        `${url}/best-models?energy-source=acpi&output-type=AbsPower&feature-group=Basic&detail=true`,
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
      const published = decisions.filter((d) => d.action === "publish");
      assertEquals(published.length, 1);
      assertEquals(
        published[0]!.model,
        "calibrated/GradientBoostingRegressorTrainer_0",
      );
      const leftovers = [];
      for await (const e of Deno.readDir(models)) {
        if (e.name.endsWith(".tmp")) leftovers.push(e.name);
      }
      assertEquals(leftovers, []);
    } finally {
      try {
        serve.child.kill("SIGTERM");
      } catch {
        // already gone (killed and not restarted)
      }
      await serve.child.status;
      await Deno.remove(models, { recursive: true });
    }
  },
});

Deno.test("fault: kill -9 in the middle of a publish → the served pipeline stays whole, the next publish sweeps", async () => {
  const models = await Deno.makeTempDir();
  const cluster = new SimulatedCluster();
  const decisions: Decision[] = [];
  const cal = calibrator(models, cluster.fetchWindow, decisions);
  // keep every staged candidate: the child publishes a copy of one
  const staged = await Deno.makeTempDir();
  try {
    await cycles(cal, cluster, 25); // onboarded: one generation published
    assertEquals(cal.metrics.value("publishes"), 1);
    const before = await Deno.realPath(join(models, "calibrated"));
    const beforeMeta = await Deno.readTextFile(
      join(models, "calibrated", "metadata.json"),
    );
    // a candidate: the published pipeline's files, with a changed metadata
    await Deno.mkdir(join(staged, "calibrated"));
    for await (const e of Deno.readDir(before)) {
      if (e.isFile && e.name === "metadata.json") {
        await Deno.writeTextFile(
          join(staged, "calibrated", e.name),
          beforeMeta.replace('"calibrated"', '"calibrated" '),
        );
      }
    }
    const marker = join(staged, "copied");
    const script = `
      import { publishCandidate } from "${ROOT}/lib/calibrate/mod.ts";
      await publishCandidate(${JSON.stringify(staged)}, ${
      JSON.stringify(models)
    }, "calibrated", { beforeSwap: async () => {
        await Deno.writeTextFile(${JSON.stringify(marker)}, "1");
        // killed here, before the swap (a timer keeps the event loop alive:
        // a bare pending promise would let Deno exit on its own)
        await new Promise(() => setInterval(() => {}, 1000));
      } });`;
    const child = new Deno.Command(Deno.execPath(), {
      args: ["eval", script],
      stdout: "null",
      stderr: "piped",
    }).spawn();
    while (true) {
      try {
        await Deno.stat(marker);
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    child.kill("SIGKILL");
    assertEquals((await child.status).signal, "SIGKILL"); // killed, not exited
    await child.stderr.cancel();
    // what serve would load: the old generation, whole
    assertEquals(await Deno.realPath(join(models, "calibrated")), before);
    const served = await loadPipelineDir(join(models, "calibrated"));
    assert(served.models.length > 0);
    assertEquals(
      await Deno.readTextFile(join(models, "calibrated", "metadata.json")),
      beforeMeta,
    );
    // the next writer sweeps the half-built generation and publishes
    await publishCandidate(staged, models, "calibrated");
    assert((await Deno.realPath(join(models, "calibrated"))) !== before);
    const leftovers = [];
    for await (const e of Deno.readDir(models)) {
      if (e.name.endsWith(".tmp")) leftovers.push(e.name);
    }
    assertEquals(leftovers, []);
  } finally {
    await Deno.remove(models, { recursive: true });
    await Deno.remove(staged, { recursive: true });
  }
});

Deno.test("fault: a broken meter (counter reset, stuck counter, impossible value) → excluded and counted, not learned", async () => {
  const models = await Deno.makeTempDir();
  const start = 1_700_000_000;
  const stuckAt = new Map<string, number>();
  const cluster = new SimulatedCluster({
    start,
    tamper: (metric, labels, t, value) => {
      const s = t - start;
      if (
        metric === "kepler_node_package_joules_total" &&
        labels.package === "0" && s >= 60 && s < 80
      ) { // stuck: socket 0's counter stops while the others move
        const mode = labels.mode ?? "";
        if (!stuckAt.has(mode)) stuckAt.set(mode, value);
        return stuckAt.get(mode)!;
      }
      if (metric !== "kepler_node_platform_joules_total") return value;
      if (labels.mode !== "dynamic") return value;
      if (s >= 40 && s < 41) return value * 10; // impossible: a jump of MJ
      if (s >= 150) return value - 600_000; // reset: a restarted counter
      return value;
    },
  });
  const decisions: Decision[] = [];
  const cal = calibrator(models, cluster.fetchWindow, decisions);
  try {
    await cycles(cal, cluster, 60);
    const text = cal.metrics.render();
    const count = (reason: string) =>
      Number(
        new RegExp(
          `kepler_calibrate_excluded_intervals_total\\{reason="${reason}"\\} (\\d+)`,
        ).exec(text)?.[1] ?? 0,
      );
    assert(count("power_above_bound") >= 1, text);
    assert(count("stuck_counter") >= 5, text);
    assert(count("counter_decrease") + count("counter_reset") >= 1, text);
    // not learned: no retrain, and the onboarded model stays within the bound
    assertEquals(decisions.filter((d) => d.action === "retrain"), []);
    const medians = [
      ...text.matchAll(/^kepler_calibrate_error_median\{[^}]*\} (\S+)$/gm),
    ].map((m) => Number(m[1]));
    assert(medians.length > 0 && medians.every((m) => m < 5), text);
  } finally {
    await Deno.remove(models, { recursive: true });
  }
});

Deno.test("fault: clock skew between nodes → each node's error stays under the bound, no retrain", async () => {
  const models = await Deno.makeTempDir();
  // node 1's clock runs 0.4 s ahead: its samples fall between node 0's
  const cluster = new SimulatedCluster({
    nodes: 2,
    skew: (node) => node * 0.4,
  });
  const decisions: Decision[] = [];
  const cal = calibrator(models, cluster.fetchWindow, decisions);
  try {
    await cycles(cal, cluster, 50);
    assertEquals(cal.metrics.value("onboardings"), 1); // one node type
    assertEquals(decisions.filter((d) => d.action === "retrain"), []);
    const text = cal.metrics.render();
    const medians = [
      ...text.matchAll(/^kepler_calibrate_error_median\{[^}]*\} (\S+)$/gm),
    ].map((m) => Number(m[1]));
    assert(medians.length === 5 && medians.every((m) => m < 5), text);
  } finally {
    await Deno.remove(models, { recursive: true });
  }
});
