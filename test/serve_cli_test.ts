/**
 * `serve` as a user runs it: with exactly the permissions of its deno
 * task. `deno task serve` (no write permission) serves MODEL_PATH and a
 * downloaded pipeline zip held in memory, on 127.0.0.1, until SIGTERM;
 * the estimator socket needs `deno task serve_estimator`.
 */
import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import { join } from "node:path";
import { zipEntries } from "../lib/io/zip.ts";
import {
  denoTasks,
  ROOT,
  type RunningServer as Running,
  splitTask,
  startServeTask as startTask,
} from "./_cli.ts";

const TMP = await Deno.makeTempDir({ prefix: "kepler-serve-cli-" });
globalThis.addEventListener("unload", () => {
  try {
    Deno.removeSync(TMP, { recursive: true });
  } catch { /* gone */ }
});

const WEIGHT = JSON.stringify({
  platform: {
    All_Weights: {
      Bias_Weight: 77,
      Categorical_Variables: {},
      Numerical_Variables: { bpf_cpu_time_ms: { scale: 1000, weight: 10 } },
    },
  },
});
const MODEL_PATH = join(TMP, "models");
{
  const group = join(MODEL_PATH, "local", "acpi", "AbsPower", "BPFOnly");
  await Deno.mkdir(group, { recursive: true });
  await Deno.writeTextFile(join(MODEL_PATH, "local", "metadata.json"), "{}");
  await Deno.writeTextFile(join(group, "SGDRegressorTrainer_0.json"), WEIGHT);
  await Deno.writeTextFile(
    join(TMP, "spec.json"),
    JSON.stringify({ cores: 4 }),
  );
}

async function stop(r: Running): Promise<number> {
  r.child.kill("SIGTERM");
  const status = await r.child.status;
  await r.stderr();
  return status.code;
}

Deno.test("deno task serve: loopback only, MODEL_PATH plus a downloaded zip held in memory, no write permission, stops on SIGTERM", async () => {
  const zip = zipEntries({
    "metadata.json": new TextEncoder().encode("{}"),
    "acpi/AbsPower/BPFOnly/SGDRegressorTrainer_1.json": new TextEncoder()
      .encode(WEIGHT.replace("77", "88")),
  }) as Uint8Array<ArrayBuffer>;
  const files = new AbortController();
  const fileServer = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: files.signal, onListen() {} },
    () => new Response(zip),
  );
  try {
    const r = await startTask("serve", [], {
      MODEL_PATH,
      INITIAL_PIPELINE_URL:
        `http://127.0.0.1:${fileServer.addr.port}/models/v0.7/remote-0.7.11.zip`,
    });
    try {
      assert(r.url.startsWith("http://127.0.0.1:"), r.url);
      const health = await (await fetch(`${r.url}/healthz`)).json();
      assertEquals(health.pipelines, ["local", "remote-0.7.11"]);
      const ask = async (pipeline: string) => {
        const res = await fetch(`${r.url}/model`, {
          method: "POST",
          body: JSON.stringify({
            metrics: ["bpf_cpu_time_ms", "bpf_page_cache_hit"],
            output_type: "AbsPower",
            source: "acpi",
            weight: true,
            pipeline_name: pipeline,
          }),
        });
        return (await res.json()).platform.All_Weights.Bias_Weight;
      };
      assertEquals(await ask("local"), 77);
      assertEquals(await ask("remote-0.7.11"), 88);
    } finally {
      assertEquals(await stop(r), 0);
    }
  } finally {
    files.abort();
    await fileServer.finished;
  }
});

Deno.test("deno task serve reads MODEL_PATH and ERROR_KEY from $CONFIG_PATH files before the environment, as upstream's get_config", async () => {
  const configDir = join(TMP, "kepler.config");
  const empty = join(TMP, "empty-models");
  await Deno.mkdir(configDir, { recursive: true });
  await Deno.mkdir(empty, { recursive: true });
  // a ConfigMap mounted as files: values end with a newline
  await Deno.writeTextFile(join(configDir, "MODEL_PATH"), `${MODEL_PATH}\n`);
  await Deno.writeTextFile(join(configDir, "ERROR_KEY"), "mape\n");
  const r = await startTask("serve", [], {
    CONFIG_PATH: configDir,
    MODEL_PATH: empty,
    ERROR_KEY: "not-a-key, never read",
  });
  try {
    const health = await (await fetch(`${r.url}/healthz`)).json();
    assertEquals(health.pipelines, ["local"]);
  } finally {
    assertEquals(await stop(r), 0);
  }
  const err = await r.stderr();
  assert(
    err.includes(
      `configuration files (before the environment, as upstream's): ${
        join(configDir, "MODEL_PATH")
      }`,
    ),
    err,
  );
});

Deno.test("serve --estimator-socket needs write permission: deno task serve refuses it with a hint, serve_estimator serves it", async () => {
  const path = join(TMP, "estimator.sock");
  const { flags, script, args } = splitTask((await denoTasks()).serve!);
  const refused = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      ...flags,
      join(ROOT, script),
      ...args,
      "--estimator-socket",
      path,
    ],
    env: {
      PATH: Deno.env.get("PATH") ?? "/usr/bin",
      MODEL_SERVER_PORT: "0",
      MODEL_PATH,
    },
    clearEnv: true,
  }).output();
  const err = new TextDecoder().decode(refused.stderr);
  assertEquals(refused.code, 1, err);
  assert(/serve_estimator/.test(err), err);

  const r = await startTask("serve_estimator", [
    "--estimator-socket",
    path,
    "--machine-spec",
    join(TMP, "spec.json"),
  ], {
    MODEL_PATH,
  });
  try {
    const conn = await Deno.connect({ transport: "unix", path });
    await conn.write(new TextEncoder().encode(JSON.stringify({
      metrics: ["bpf_cpu_time_ms", "bpf_page_cache_hit"],
      values: [[500, 0]],
      output_type: "AbsPower",
      source: "acpi",
      system_features: [],
      system_values: [],
    })));
    const reply = await new Response(conn.readable).json();
    assertEquals(reply.powers, { platform: [77 + 10 * 500 / 1000] });
    assertEquals(reply.msg, "");
  } finally {
    assertEquals(await stop(r), 0);
  }
});

Deno.test("serve: --listen-all and --host exclude each other; a bad flag is a usage error", async () => {
  const { flags, script, args } = splitTask((await denoTasks()).serve!);
  for (
    const extra of [["--listen-all", "--host", "127.0.0.1"], [
      "--reload",
      "sometimes",
    ], ["--port", "70000"]]
  ) {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--quiet", ...flags, join(ROOT, script), ...args, ...extra],
      env: {
        PATH: Deno.env.get("PATH") ?? "/usr/bin",
        MODEL_PATH,
      },
      clearEnv: true,
    }).output();
    assertEquals(
      out.code,
      2,
      `${extra.join(" ")}: ${new TextDecoder().decode(out.stderr)}`,
    );
  }
});

Deno.test("deno task estimator: upstream's entry point serves the socket, its HTTP side on a free port whatever MODEL_SERVER_PORT says", async () => {
  const busy = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const socket = join(TMP, "estimator-entry.sock");
  try {
    const r = await startTask("estimator", ["--estimator-socket", socket], {
      MODEL_PATH,
      MODEL_SERVER_PORT: String((busy.addr as Deno.NetAddr).port),
    });
    try {
      assert(r.firstLine.includes(`estimator socket ${socket}`), r.firstLine);
      assert(
        !r.url.endsWith(`:${(busy.addr as Deno.NetAddr).port}`),
        r.url,
      );
      const conn = await Deno.connect({ transport: "unix", path: socket });
      await conn.write(
        new TextEncoder().encode(JSON.stringify({
          metrics: ["bpf_cpu_time_ms", "bpf_page_cache_hit"],
          values: [[1000, 0]],
          output_type: "AbsPower",
          source: "acpi",
        })),
      );
      const reply = await new Response(conn.readable).json();
      assertEquals([reply.msg, reply.powers.platform], ["", [87]]);
    } finally {
      assertEquals(await stop(r), 0);
    }
  } finally {
    busy.close();
  }
});

Deno.test("serve, estimator, offline-trainer, simulate --serve and calibrate stop cleanly (exit 0) on a SIGTERM sent right after their first line", async () => {
  for (
    const [task, args] of [
      ["serve", []],
      ["estimator", ["--estimator-socket", join(TMP, "early-stop.sock")]],
      ["offline-trainer", ["--port", "0"]],
      ["simulate", ["--serve", "127.0.0.1:0", "--containers", "2"]],
      ["calibrate", ["--metrics-port", "0", "--period", "3600"]],
    ] as const
  ) {
    for (let i = 0; i < 3; i++) {
      const r = await startTask(task, [...args], { MODEL_PATH });
      r.child.kill("SIGTERM");
      const status = await r.child.status;
      const err = await r.stderr();
      assertEquals([status.code, status.signal], [0, null], `${task}: ${err}`);
    }
  }
});
