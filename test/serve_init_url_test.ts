/**
 * The estimator's static models, as Kepler's sidecar deployment configures
 * them: `MODEL_CONFIG` (here in a ConfigMap file under CONFIG_PATH) with
 * `NODE_COMPONENTS_INIT_URL` and `NODE_TOTAL_INIT_URL` pointing at
 * kepler-model-db's published SGD zips. Those hold scikit-learn pickles,
 * so the weight file published beside each zip answers, and the powers
 * must be Kepler's linear formula on that file (P = bias + Σ weight·x/scale),
 * computed here from the file itself. No pipeline is served at all.
 */
import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import { join } from "node:path";
import { startServeTask, stopServer } from "./_cli.ts";
import {
  askSocket,
  keplerLinear,
  MODEL_DB,
  serveModelDb,
  type Weights,
} from "./_model_db.ts";
import { estimateColumns, simulateAndTrain } from "./_small_pipeline.ts";

const RAPL = "ec2-0.7.11/rapl-sysfs/AbsPower/BPFOnly/SGDRegressorTrainer_0";
const ACPI = "specpower-0.7.11/acpi/AbsPower/BPFOnly/SGDRegressorTrainer_0";

Deno.test("serve_estimator: MODEL_CONFIG's NODE_*_INIT_URL pick the estimator's models (kepler-model-db zips: the weight file beside them), from a ConfigMap file", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "kepler-init-url-" });
  // kepler-model-db over HTTP, as raw.githubusercontent.com serves it
  const { server: files, top } = serveModelDb();
  try {
    const config = join(tmp, "kepler.config");
    const models = join(tmp, "models");
    await Deno.mkdir(config);
    await Deno.mkdir(models);
    await Deno.writeTextFile(
      join(config, "MODEL_CONFIG"),
      [
        "NODE_COMPONENTS_ESTIMATOR=true",
        `NODE_COMPONENTS_INIT_URL=${top}/${RAPL}.zip`,
        "NODE_TOTAL_ESTIMATOR=true",
        `NODE_TOTAL_INIT_URL=file://${MODEL_DB}/${ACPI}.zip`,
        // an AbsPower model for a DynPower setting: refused, with a warning
        `PROCESS_COMPONENTS_INIT_URL=${top}/${RAPL}.zip`,
        "",
      ].join("\n"),
    );
    const socket = join(tmp, "estimator.sock");
    let err = "";
    const server = await startServeTask(
      "serve_estimator",
      ["--estimator-socket", socket],
      { CONFIG_PATH: config, MODEL_PATH: models },
    );
    const metrics = ["bpf_cpu_time_ms", "bpf_page_cache_hit", "cpu_cycles"];
    const values = [[642.3, 10, 5e8], [0, 0, 0], [31000, 2500, 9e9]];
    const rows = values.map((v) =>
      Object.fromEntries(metrics.map((m, j) => [m, v[j]!]))
    );
    const request = (source: string, outputType = "AbsPower") => ({
      metrics,
      values,
      output_type: outputType,
      source,
      system_features: ["cpu_architecture"],
      system_values: ["Skylake"],
      trainer_name: "",
      filter: "",
    });
    try {
      const rapl = JSON.parse(
        await Deno.readTextFile(join(MODEL_DB, `${RAPL}.json`)),
      ) as Weights;
      const acpi = JSON.parse(
        await Deno.readTextFile(join(MODEL_DB, `${ACPI}.json`)),
      ) as Weights;
      const components = await askSocket(socket, request("intel_rapl")) as {
        powers: Record<string, number[]>;
        msg: string;
      };
      assertEquals(components.msg, "");
      for (const c of ["package", "core", "uncore", "dram"]) {
        components.powers[c]!.forEach((p, i) => {
          const want = keplerLinear(rapl, c, rows[i]!);
          assert(Math.abs(p - want) < 1e-9 * Math.max(1, want), `${c}[${i}]`);
        });
      }
      const total = await askSocket(socket, request("acpi")) as {
        powers: Record<string, number[]>;
        msg: string;
      };
      assertEquals(total.msg, "");
      total.powers.platform!.forEach((p, i) => {
        const want = keplerLinear(acpi, "platform", rows[i]!);
        assert(Math.abs(p - want) < 1e-9 * Math.max(1, want), `platform[${i}]`);
      });
      // no static model and no pipeline for DynPower: selection says so
      const dyn = await askSocket(
        socket,
        request("intel_rapl", "DynPower"),
      ) as {
        msg: string;
      };
      assert(dyn.msg.startsWith("no model for DynPower rapl-sysfs"), dyn.msg);
      // the static model's features must be in the request
      const short = await askSocket(socket, {
        ...request("acpi"),
        metrics: ["cpu_cycles"],
        values: [[1]],
      }) as { msg: string };
      assert(
        short.msg.includes(
          "needs bpf_cpu_time_ms,bpf_page_cache_hit, which the request's metrics do not have",
        ),
        short.msg,
      );
    } finally {
      err = await stopServer(server);
    }
    assert(
      err.includes(
        `estimator: rapl-sysfs AbsPower requests use SGDRegressorTrainer_0 of NODE_COMPONENTS_INIT_URL (read from ${top}/${RAPL}.json)`,
      ),
      err,
    );
    assert(
      err.includes(
        `estimator: acpi AbsPower requests use SGDRegressorTrainer_0 of NODE_TOTAL_INIT_URL (read from file://${MODEL_DB}/${ACPI}.json)`,
      ),
      err,
    );
    assert(
      err.includes(
        `warning: PROCESS_COMPONENTS_INIT_URL asks for a DynPower model, and the model at ${top}/${RAPL}.zip is AbsPower; the estimator answers rapl-sysfs DynPower from the served pipelines`,
      ),
      err,
    );
  } finally {
    await files.shutdown();
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("serve_estimator: NODE_COMPONENTS_INIT_URL naming one of our model zips answers as `estimate` does with that model", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kepler-init-url-ours-" });
  try {
    await simulateAndTrain(dir, ["--tune", "none", "--cv-folds", "0"]);
    const model = "GradientBoostingRegressorTrainer_0";
    const col = await estimateColumns(dir, model, "BPFOnly");
    const rows = col("bpf_cpu_time_ms").length;
    const features = ["bpf_cpu_time_ms", "bpf_page_cache_hit"];
    const values = Array.from(
      { length: rows },
      (_, i) => features.map((f) => col(f)[i]!),
    );
    const socket = join(dir, "estimator.sock");
    const zip = join(dir, "p/rapl-sysfs/AbsPower/BPFOnly", `${model}.zip`);
    let err = "";
    const server = await startServeTask(
      "serve_estimator",
      ["--estimator-socket", socket],
      {
        NODE_COMPONENTS_INIT_URL: `file://${zip}`,
        MODEL_PATH: join(dir, "no-pipelines"),
        CONFIG_PATH: join(dir, "no-config"),
      },
    );
    try {
      const reply = await askSocket(socket, {
        metrics: features,
        values,
        output_type: "AbsPower",
        source: "rapl-sysfs",
        system_features: [],
        system_values: [],
        trainer_name: "",
        filter: "",
      }) as { powers: Record<string, number[]>; msg: string };
      assertEquals(reply.msg, "");
      for (const c of ["package", "dram"]) {
        const estimated = col(`default_${c}_power`);
        assertEquals(reply.powers[c]!.length, estimated.length);
        reply.powers[c]!.forEach((p, i) => {
          const want = Math.max(0, estimated[i]!);
          assert(Math.abs(p - want) <= 1e-9 * Math.max(1, want), `${c}[${i}]`);
        });
      }
    } finally {
      err = await stopServer(server);
    }
    assert(
      err.includes(
        `estimator: rapl-sysfs AbsPower requests use ${model} of NODE_COMPONENTS_INIT_URL (read from file://${zip})`,
      ),
      err,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("serve_estimator with MODEL_SERVER_ENABLE asks another model server for its model once per source and output type, and answers as that server's /estimate", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kepler-remote-model-" });
  try {
    await simulateAndTrain(dir, ["--tune", "none", "--cv-folds", "0"]);
    const remote = await startServeTask("serve", [], { MODEL_PATH: dir });
    const socket = join(dir, "estimator.sock");
    let sidecar;
    let err = "";
    try {
      sidecar = await startServeTask(
        "serve_estimator",
        ["--estimator-socket", socket],
        {
          MODEL_CONFIG: "MODEL_SERVER_ENABLE=true",
          MODEL_SERVER_URL: remote.url,
          MODEL_PATH: join(dir, "no-pipelines"),
          CONFIG_PATH: join(dir, "no-config"),
        },
      );
      const request = {
        metrics: ["bpf_cpu_time_ms", "bpf_page_cache_hit"],
        values: [[120, 3], [0, 0], [2400, 80], [900, 15]],
        output_type: "AbsPower",
        source: "rapl-sysfs",
        system_features: ["cpu_architecture"],
        system_values: ["Skylake"],
        trainer_name: "",
        filter: "",
      };
      const first = await askSocket(socket, request) as {
        powers: Record<string, number[]>;
        msg: string;
      };
      const second = await askSocket(socket, request) as typeof first;
      assertEquals(first.msg, "");
      assertEquals(second, first);
      const direct = await (await fetch(`${remote.url}/estimate`, {
        method: "POST",
        body: JSON.stringify(request),
      })).json();
      for (const c of ["package", "dram"]) {
        assertEquals(first.powers[c]!.length, 4);
        first.powers[c]!.forEach((p, i) => {
          const want = direct.powers[c][i];
          assert(Math.abs(p - want) <= 1e-9 * Math.max(1, want), `${c}[${i}]`);
        });
      }
      const metrics = await (await fetch(`${remote.url}/metrics`)).text();
      assert(
        metrics.includes(
          'kepler_model_server_requests_total{route="/model",code="200"} 1\n',
        ),
        metrics,
      );
    } finally {
      if (sidecar) err = await stopServer(sidecar);
      await stopServer(remote);
    }
    assert(
      err.includes(
        `estimator: asks the model server ${remote.url}/model for its models first (MODEL_SERVER_ENABLE)`,
      ),
      err,
    );
    assert(
      /estimator: rapl-sysfs AbsPower requests use \w+Trainer_\d+ of the model server http:/
        .test(err),
      err,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
