/**
 * Pipelines that change while the server runs (file events and polling),
 * and pipelines downloaded from INITIAL_PIPELINE_URL: a local file server on
 * 127.0.0.1 serves a good zip, a missing one, one that never answers, a
 * corrupt one and one whose entries try to leave the pipeline. The good one
 * and MODEL_PATH's pipelines are served; the others are reported.
 */
import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import { join } from "node:path";
import { zipEntries } from "../lib/io/zip.ts";
import { startModelServer } from "../lib/serve/mod.ts";
import type { ModelServer, ReloadMode } from "../lib/serve/mod.ts";

const ROOT = await Deno.makeTempDir({ prefix: "kepler-serve-reload-" });
globalThis.addEventListener("unload", () => {
  try {
    Deno.removeSync(ROOT, { recursive: true });
  } catch { /* gone */ }
});

const text = (s: string) => new TextEncoder().encode(s);

/** A weight file whose bias identifies it. */
function weight(bias: number): string {
  return JSON.stringify({
    platform: {
      All_Weights: {
        Bias_Weight: bias,
        Categorical_Variables: {},
        Numerical_Variables: { bpf_cpu_time_ms: { scale: 1000, weight: 1 } },
      },
    },
  });
}

/** Writes a published-layout pipeline with models `[name, mae, bias]`. */
async function writePipeline(
  dir: string,
  models: [string, number, number][],
): Promise<void> {
  const group = join(dir, "acpi", "AbsPower", "BPFOnly");
  await Deno.mkdir(group, { recursive: true });
  await Deno.writeTextFile(join(dir, "metadata.json"), `{"name": "x"}`);
  const rows = [",model_name,mae,node_type,feature_group"];
  models.forEach(([name, mae], i) =>
    rows.push(`${i},${name},${mae},0,BPFOnly`)
  );
  await Deno.writeTextFile(
    join(dir, "acpi_AbsPower_model_metadata.csv"),
    rows.join("\n") + "\n",
  );
  for (const [name, , bias] of models) {
    await Deno.writeTextFile(join(group, `${name}.json`), weight(bias));
  }
}

const REQUEST = {
  metrics: ["bpf_cpu_time_ms", "bpf_page_cache_hit"],
  output_type: "AbsPower",
  source: "acpi",
  weight: true,
  node_type: 0,
  trainer_name: "",
};

async function answer(
  server: ModelServer,
  extra: Record<string, unknown> = {},
): Promise<number | string> {
  const r = await fetch(`${server.url}/model`, {
    method: "POST",
    body: JSON.stringify({ ...REQUEST, ...extra }),
  });
  if (r.status !== 200) {
    await r.body?.cancel();
    return r.status;
  }
  return (await r.json()).platform.All_Weights.Bias_Weight;
}

/** Polls a condition, bounded in attempts (no timing assertion). */
async function eventually(
  what: string,
  check: () => Promise<boolean>,
): Promise<void> {
  for (let i = 0; i < 150; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not happen within 150 attempts`);
}

for (const mode of ["watch", "poll"] as ReloadMode[]) {
  Deno.test(`a pipeline folder that appears, changes and disappears is served without a restart (${mode})`, async () => {
    const modelPath = join(ROOT, `models-${mode}`);
    await Deno.mkdir(modelPath);
    await using server = await startModelServer({
      port: 0,
      modelPath,
      reload: mode,
      reloadDebounceMs: 50,
      pollIntervalMs: 100,
    });
    assertEquals(server.reloadMode, mode);
    assertEquals(await answer(server), 400);
    await writePipeline(join(modelPath, "p1"), [[
      "SGDRegressorTrainer_0",
      5,
      111,
    ]]);
    await eventually(
      "the new pipeline is served",
      async () => (await answer(server)) === 111,
    );
    // a better model is published into the running pipeline
    await writePipeline(join(modelPath, "p1"), [
      ["SGDRegressorTrainer_0", 5, 111],
      ["LinearRegressionTrainer_0", 1, 222],
    ]);
    await eventually(
      "the better model is served",
      async () => (await answer(server)) === 222,
    );
    // a broken metadata.json does not take the loaded pipeline away
    await Deno.writeTextFile(
      join(modelPath, "p1", "metadata.json"),
      "{ broken",
    );
    await eventually(
      "the broken load is reported",
      () => Promise.resolve(server.loadErrors.size > 0),
    );
    assertEquals(await answer(server), 222);
    await Deno.remove(join(modelPath, "p1"), { recursive: true });
    await eventually(
      "the removed pipeline is dropped",
      async () => (await answer(server)) === 400,
    );
  });
}

Deno.test("INITIAL_PIPELINE_URL zips are served from memory; failed downloads are reported and do not empty the server", async () => {
  const modelPath = join(ROOT, "models-url");
  await writePipeline(join(modelPath, "local"), [[
    "SGDRegressorTrainer_0",
    3,
    333,
  ]]);
  const goodDir = join(ROOT, "good-src");
  await writePipeline(goodDir, [["SGDRegressorTrainer_0", 2, 444]]);
  const entries: Record<string, Uint8Array> = {};
  const walk = async (d: string, rel: string): Promise<void> => {
    for await (const e of Deno.readDir(d)) {
      if (e.isDirectory) await walk(join(d, e.name), `${rel}${e.name}/`);
      else entries[`${rel}${e.name}`] = await Deno.readFile(join(d, e.name));
    }
  };
  await walk(goodDir, "");
  const good = zipEntries(entries) as Uint8Array<ArrayBuffer>;
  const evil = zipEntries({
    "metadata.json": text("{}"),
    "../../escape.json": text("{}"),
  }) as Uint8Array<ArrayBuffer>;
  const hang = Promise.withResolvers<void>();
  const files = new AbortController();
  const fileServer = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    signal: files.signal,
    onListen() {},
  }, async (request) => {
    const path = new URL(request.url).pathname;
    if (path === "/v0.7/good-0.7.11.zip") return new Response(good);
    if (path === "/v0.7/corrupt.zip") {
      return new Response(text("PK not really a zip"));
    }
    if (path === "/v0.7/evil.zip") return new Response(evil);
    if (path === "/v0.7/hang.zip") {
      await hang.promise;
      return new Response("late");
    }
    return new Response("not found", { status: 404 });
  });
  const base = `http://127.0.0.1:${fileServer.addr.port}/v0.7`;
  const urls = ["good-0.7.11", "missing", "hang", "corrupt", "evil"].map((n) =>
    `${base}/${n}.zip`
  );
  try {
    await using server = await startModelServer({
      port: 0,
      modelPath,
      pipelineUrls: urls,
      reload: "off",
      download: { timeoutMs: 500 },
      defaultPipelines: { acpi: "good-0.7.11" },
    });
    assertEquals([...server.pipelines.keys()].sort(), ["good-0.7.11", "local"]);
    assertEquals(server.pipelines.get("good-0.7.11")!.kind, "url");
    assertEquals(await answer(server), 444);
    assertEquals(await answer(server, { pipeline_name: "local" }), 333);
    const errors = server.loadErrors;
    assertEquals([...errors.keys()].sort(), urls.slice(1).sort());
    assert(/404/.test(errors.get(urls[1]!)!), errors.get(urls[1]!));
    assert(/within 500 ms/.test(errors.get(urls[2]!)!), errors.get(urls[2]!));
    assert(/not a valid zip/.test(errors.get(urls[3]!)!), errors.get(urls[3]!));
    assert(/outside|leaves/.test(errors.get(urls[4]!)!), errors.get(urls[4]!));
    const health = await (await fetch(`${server.url}/healthz`)).json();
    assertEquals(Object.keys(health.load_errors).length, 4);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert(
      metrics.includes(
        'kepler_model_server_pipeline_loads_total{result="error"} 4',
      ),
      metrics,
    );
    assert(
      metrics.includes(
        'kepler_model_server_pipeline_loads_total{result="ok"} 2',
      ),
      metrics,
    );
    // the zip's file is served at its kepler-model-db path
    const file = await fetch(
      `${server.url}/models/v0.7/good-0.7.11/acpi/AbsPower/BPFOnly/SGDRegressorTrainer_0.json`,
    );
    assertEquals(await file.json(), JSON.parse(weight(444)));
  } finally {
    hang.resolve();
    files.abort();
    await fileServer.finished;
  }
});
