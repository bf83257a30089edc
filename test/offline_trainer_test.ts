/**
 * `offline-trainer` as upstream's offline_trainer_test.py uses it: POST
 * /train with Prometheus responses and each isolator (Min, None, Profile
 * with an idle response, Train with an AbsPower pipeline of MODEL_PATH),
 * SGD and polynomial trainers; the answer is the pipeline zip. Its models
 * must be the ones `train` makes from the same data with the same isolator
 * (the weight files, byte for byte). Bad requests are one-line 400s.
 */
import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import { join } from "node:path";
import { startServeTask, stopServer } from "./_cli.ts";
import { runOk } from "./_small_pipeline.ts";
import { unzipEntries } from "../lib/io/zip.ts";

const TRAINERS = ["SGDRegressorTrainer", "PolynomialRegressionTrainer"];
const WEIGHT = "rapl-sysfs/AbsPower/BPFOnly/SGDRegressorTrainer_0/weight.json";

Deno.test("offline-trainer: POST /train with each upstream isolator answers the pipeline zip that train makes", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kepler-offline-" });
  try {
    await runOk(dir, "simulate", [
      "-o",
      "q",
      "--duration",
      "900",
      "--containers",
      "5",
      "--sources",
      "rapl-sysfs",
    ]);
    await runOk(dir, "simulate", [
      "-o",
      "idle",
      "--idle",
      "--duration",
      "600",
      "--containers",
      "6",
      "--sources",
      "rapl-sysfs",
    ]);
    const prom = JSON.parse(await Deno.readTextFile(join(dir, "q.json")));
    const idle = JSON.parse(await Deno.readTextFile(join(dir, "idle.json")));
    // train's own pipeline, the reference (and TrainIsolator's AbsPower one)
    await runOk(dir, "train", [
      "-i",
      "q",
      "-p",
      "ref",
      "-e",
      "rapl-sysfs",
      "--isolator",
      "min",
      "--abs-trainers",
      TRAINERS.join(","),
      "--dyn-trainers",
      TRAINERS.join(","),
    ]);
    const server = await startServeTask("offline-trainer", ["--port", "0"], {
      MODEL_PATH: dir,
    });
    try {
      const post = (body: unknown) =>
        fetch(`${server.url}/train`, {
          method: "POST",
          body: JSON.stringify(body),
        });
      for (
        const [isolator, extra] of [
          ["MinIdleIsolator", {}],
          ["NoneIsolator", {}],
          ["ProfileBackgroundIsolator", { idle_prom_response: idle }],
          ["TrainIsolator", { isolator_args: { abs_pipeline_name: "ref" } }],
        ] as const
      ) {
        const name = `offline_${isolator}`;
        const res = await post({
          name,
          energy_source: "rapl-sysfs",
          trainer: {
            abs_trainers: TRAINERS,
            dyn_trainers: TRAINERS,
            isolator,
            ...extra,
          },
          prom_response: prom,
        });
        assertEquals(res.status, 200, `${isolator}: ${res.status}`);
        assertEquals(res.headers.get("content-type"), "application/zip");
        const files = unzipEntries(
          new Uint8Array(await res.arrayBuffer()),
          name,
        );
        const meta = JSON.parse(
          new TextDecoder().decode(files["metadata.json"]),
        );
        assertEquals(meta.name, name);
        for (const ot of ["AbsPower", "DynPower"]) {
          for (const t of TRAINERS) {
            assert(
              Object.keys(files).some((f) =>
                f.startsWith(`rapl-sysfs/${ot}/BPFOnly/${t}_`) &&
                f.endsWith("/metadata.json")
              ),
              `${isolator}: no ${ot} ${t} model in ${
                Object.keys(files).length
              } files`,
            );
          }
        }
        if (isolator === "MinIdleIsolator") {
          // the same models as train's, with the same data and isolator:
          // every weight file, byte for byte
          const weights = Object.keys(files).filter((f) =>
            f.endsWith("/weight.json")
          );
          assert(weights.includes(WEIGHT), weights.join(" "));
          for (const f of weights) {
            assertEquals(files[f], await Deno.readFile(join(dir, "ref", f)), f);
          }
        }
      }
      // TrainIsolator's pipeline must be in MODEL_PATH
      const missing = await post({
        name: "x",
        trainer: {
          isolator: "TrainIsolator",
          isolator_args: { abs_pipeline_name: "nope" },
        },
        prom_response: prom,
      });
      assertEquals(missing.status, 400);
      assertEquals(
        (await missing.json()).error,
        `"trainer.isolator_args.abs_pipeline_name": no pipeline "nope" in MODEL_PATH (${dir})`,
      );
      // nothing is left behind in MODEL_PATH
      const names = [];
      for await (const e of Deno.readDir(dir)) names.push(e.name);
      assert(!names.some((n) => n.startsWith("offline_")), names.join(" "));
    } finally {
      await stopServer(server);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("offline-trainer: a bad request is a 400 naming the field; other paths and methods are 404 and 405", async () => {
  const server = await startServeTask("offline-trainer", ["--port", "0"], {});
  try {
    const post = async (body: string, path = "/train", method = "POST") => {
      const res = await fetch(`${server.url}${path}`, {
        method,
        ...(method === "POST" ? { body } : {}),
      });
      return [res.status, (await res.json()).error] as const;
    };
    const prom = { kepler_node_info: [] };
    const cases: [string, number, RegExp][] = [
      ["{", 400, /JSON/],
      [JSON.stringify({ name: "p" }), 400, /"prom_response" is missing/],
      [
        JSON.stringify({ name: "../x", prom_response: prom }),
        400,
        /"name" must be a pipeline name/,
      ],
      [
        JSON.stringify({
          name: "p",
          prom_response: prom,
          trainer: { isolator: "FancyIsolator" },
        }),
        400,
        /"trainer.isolator": "FancyIsolator" is none of MinIdleIsolator/,
      ],
      [
        JSON.stringify({
          name: "p",
          prom_response: prom,
          trainer: { abs_trainers: ["NoSuchTrainer"] },
        }),
        400,
        /"trainer.abs_trainers"/,
      ],
      [
        JSON.stringify({
          name: "p",
          prom_response: prom,
          use_vm_metrics: true,
        }),
        400,
        /use_vm_metrics/,
      ],
      [
        JSON.stringify({
          name: "p",
          prom_response: prom,
          trainer: { isolator: "ProfileBackgroundIsolator" },
        }),
        400,
        /"idle_prom_response" is missing/,
      ],
      [JSON.stringify({ name: "p", prom_response: prom }), 400, /.+/], // no data to train on
    ];
    for (const [body, status, message] of cases) {
      const [s, e] = await post(body);
      assertEquals(s, status, `${body}: ${e}`);
      assert(message.test(e), `${body}: ${e}`);
      assert(!e.includes("\n"), e);
    }
    assertEquals((await post("", "/other"))[0], 404);
    assertEquals((await post("", "/train", "GET"))[0], 405);
  } finally {
    await stopServer(server);
  }
});

Deno.test("offline-trainer --listen-all warns that the trainer has no authentication", async () => {
  const server = await startServeTask("offline-trainer", [
    "--listen-all",
    "--port",
    "0",
  ], {});
  assert(server.url.startsWith("http://0.0.0.0:"), server.url);
  // a request answered: the start-up lines are all written
  const port = new URL(server.url).port;
  const res = await fetch(`http://127.0.0.1:${port}/train`);
  assertEquals(res.status, 405);
  await res.body?.cancel();
  assert(
    (await stopServer(server)).includes(
      "warning: listening on 0.0.0.0: the trainer has no authentication",
    ),
  );
});
