/**
 * Upstream's own clients against our model server, over real HTTP: the
 * exact bodies kepler-model-server's test scripts, its estimator sidecar and
 * Kepler v0.7.11/v0.7.12 send (test/testdata/upstream_clients/*.body, sent
 * byte for byte), checked the way those clients check the replies; the
 * loose field forms Flask lets through; `GET /best-models` listing only
 * feature groups upstream's `FeatureGroups` dict has; and a 400 for "no
 * model" that says what each feature group needs.
 */
import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import { join } from "node:path";
import { queryDataFrom } from "../lib/extract/mod.ts";
import { unzipEntries } from "../lib/io/zip.ts";
import { startModelServer } from "../lib/serve/mod.ts";
import { queryResult, simulate } from "../lib/simulate/mod.ts";
import { trainPipeline } from "../lib/train/pipeline.ts";

const BODIES = new URL("./testdata/upstream_clients/", import.meta.url);

/** Upstream's `FeatureGroups` dict (util/train_types.py), written out. */
const UPSTREAM_FEATURE_GROUPS: Record<string, string[]> = {
  Full: [
    "accelerator_intel_qat",
    "bpf_block_irq",
    "bpf_cpu_time_ms",
    "bpf_net_rx_irq",
    "bpf_net_tx_irq",
    "bpf_page_cache_hit",
    "cache_miss",
    "cpu_cycles",
    "cpu_instructions",
    "cpu_scaling_frequency_hertz",
    "node_info",
  ],
  WorkloadOnly: [
    "accelerator_intel_qat",
    "bpf_block_irq",
    "bpf_cpu_time_ms",
    "bpf_net_rx_irq",
    "bpf_net_tx_irq",
    "bpf_page_cache_hit",
    "cache_miss",
    "cpu_cycles",
    "cpu_instructions",
  ],
  CounterOnly: ["cache_miss", "cpu_cycles", "cpu_instructions"],
  BPFOnly: ["bpf_cpu_time_ms", "bpf_page_cache_hit"],
  BPFIRQ: [
    "bpf_block_irq",
    "bpf_cpu_time_ms",
    "bpf_net_rx_irq",
    "bpf_net_tx_irq",
    "bpf_page_cache_hit",
  ],
  CounterIRQCombined: [
    "bpf_block_irq",
    "bpf_net_rx_irq",
    "bpf_net_tx_irq",
    "cache_miss",
    "cpu_cycles",
    "cpu_instructions",
  ],
  Basic: [
    "bpf_cpu_time_ms",
    "bpf_page_cache_hit",
    "cache_miss",
    "cpu_cycles",
    "cpu_instructions",
  ],
  AcceleratorOnly: ["accelerator_intel_qat"],
};

const COMPONENT_KEYS = ["platform", "package", "core", "uncore", "dram"];

// ------------------------------------------------------------ the pipeline

const ROOT = await Deno.makeTempDir({ prefix: "kepler-upstream-clients-" });
globalThis.addEventListener("unload", () => {
  try {
    Deno.removeSync(ROOT, { recursive: true });
  } catch { /* gone */ }
});
const MODEL_PATH = join(ROOT, "models");
{
  const sim = simulate({
    duration: 600,
    containers: 4,
    seed: 15,
    sources: ["rapl-sysfs", "acpi"],
  });
  await trainPipeline([queryDataFrom(queryResult(sim))], {
    modelPath: MODEL_PATH,
    pipelineName: "std",
    sources: ["rapl-sysfs", "acpi"],
    featureGroups: ["BPFOnly", "CounterOnly", "IRQOnly"],
    absTrainers: [
      "SGDRegressorTrainer",
      "LogarithmicRegressionTrainer",
      "GradientBoostingRegressorTrainer",
    ],
    dynTrainers: ["SGDRegressorTrainer", "GradientBoostingRegressorTrainer"],
    machineSpec: {
      processor: "intel_xeon_gold_6230",
      cores: 40,
      chips: 2,
      memory: 187,
      frequency: 3900,
    },
    machineId: "gold",
  });
}

async function withServer(fn: (url: string) => Promise<void>): Promise<void> {
  await using server = await startModelServer({
    modelPath: MODEL_PATH,
    port: 0,
    reload: "off",
  });
  await fn(server.url);
}

/** POSTs bytes as they are, with the content type the client sends. */
async function postBytes(url: string, body: string, contentType: string) {
  const r = await fetch(`${url}/model`, {
    method: "POST",
    headers: { "content-type": contentType },
    body,
  });
  const bytes = new Uint8Array(await r.arrayBuffer());
  return {
    status: r.status,
    type: r.headers.get("content-type") ?? "",
    bytes,
    text: () => new TextDecoder().decode(bytes),
  };
}

const PYTHON_JSON = "application/json"; // requests' json=
const GO_JSON = "application/json; charset=UTF-8"; // Kepler's regressor.go

/** A weight reply as upstream's model_server_test.py checks it. */
function checkWeightReply(
  reply: Record<string, unknown>,
  metrics: readonly string[],
  where: string,
) {
  const components = Object.entries(reply).filter(([k]) =>
    COMPONENT_KEYS.includes(k)
  );
  assert(components.length > 0, `${where}: no component`);
  for (const [k, v] of components) {
    const n = Object.keys(
      (v as { All_Weights: { Numerical_Variables: object } }).All_Weights
        .Numerical_Variables,
    ).length;
    assert(n <= metrics.length, `${where} ${k}: ${n} > ${metrics.length}`);
  }
}

// ------------------------------------------------------------------ tests

Deno.test("upstream's clients send their exact bodies and get what upstream's server gives them", async () => {
  await withServer(async (url) => {
    const body = (name: string) =>
      Deno.readTextFile(new URL(`${name}.body`, BODIES));

    // tests/weight_model_request_test.py: "weight": "true" (a string) → weight JSON
    for (const ot of ["AbsPower", "DynPower"]) {
      const text = await body(`weight_model_request_BPFOnly_${ot}`);
      assert(text.includes('"weight": "true"'), "the fixture sends a string");
      const r = await postBytes(url, text, PYTHON_JSON);
      assertEquals(r.status, 200, r.text());
      assert(r.type.startsWith("application/json"), r.type);
      const reply = JSON.parse(r.text());
      checkWeightReply(reply, JSON.parse(text).metrics, ot);
      // trainer_name asked and node type −1: upstream's extra keys
      assert(String(reply.model_name).startsWith("SGDRegressorTrainer_"));
    }

    // tests/model_server_test.py: zip and weight, node_type −1 and 1, acpi
    {
      const text = await body("model_server_test_CounterOnly_AbsPower_zip");
      const r = await postBytes(url, text, PYTHON_JSON);
      assertEquals(r.status, 200, r.text());
      assertEquals(r.type, "application/zip");
      // the client unpacks it (shutil.unpack_archive)
      const names = Object.keys(unzipEntries(r.bytes));
      assert(names.includes("metadata.json"), names.join());
    }
    for (
      const name of [
        "model_server_test_CounterOnly_AbsPower_weight",
        "model_server_test_BPFOnly_DynPower_node_type_1_weight",
        "model_server_test_BPFOnly_DynPower_acpi_weight",
      ]
    ) {
      const text = await body(name);
      const r = await postBytes(url, text, PYTHON_JSON);
      assertEquals(r.status, 200, `${name}: ${r.text()}`);
      checkWeightReply(JSON.parse(r.text()), JSON.parse(text).metrics, name);
    }
    {
      // acpi replies carry the platform component only
      const r = await postBytes(
        url,
        await body("model_server_test_BPFOnly_DynPower_acpi_weight"),
        PYTHON_JSON,
      );
      assertEquals(Object.keys(JSON.parse(r.text())), ["platform"]);
    }

    // estimate/model_server_connector.py: `spec` with cores only, no weight → zip
    {
      const r = await postBytes(
        url,
        await body("estimator_model_server_connector_AbsPower"),
        PYTHON_JSON,
      );
      assertEquals(r.status, 200, r.text());
      assertEquals(r.type, "application/zip");
    }

    // Kepler v0.7.11 and v0.7.12: weight JSON with component keys only
    // (v0.7.11 unmarshals into map[string]ModelWeights), linear (no
    // model_name comes back, so Kepler builds its linear predictor)
    for (
      const name of [
        "kepler_v0.7.11_node_components",
        "kepler_v0.7.12_node_total",
      ]
    ) {
      const r = await postBytes(url, await body(name), GO_JSON);
      assertEquals(r.status, 200, `${name}: ${r.text()}`);
      const reply = JSON.parse(r.text()) as Record<string, unknown>;
      for (const [k, v] of Object.entries(reply)) {
        assert(COMPONENT_KEYS.includes(k), `${name}: top-level key ${k}`);
        const all = (v as { All_Weights: Record<string, unknown> }).All_Weights;
        assertEquals(typeof all.Bias_Weight, "number", `${name} ${k}`);
        assertEquals(all.CurveFit_Weights, undefined, `${name} ${k}`);
      }
    }
  });
});

Deno.test("POST /model: the loose forms of weight and node_type, and missing optional fields", async () => {
  await withServer(async (url) => {
    const base = { metrics: ["bpf_cpu_time_ms", "bpf_page_cache_hit"] };
    const kind = async (extra: Record<string, unknown>) => {
      const r = await postBytes(
        url,
        JSON.stringify({ ...base, output_type: "AbsPower", ...extra }),
        PYTHON_JSON,
      );
      if (r.status !== 200) return `${r.status} ${r.text()}`;
      return r.type === "application/zip" ? "zip" : "weight";
    };
    for (const w of [true, "true", "True", "1", 1, "yes", "on"]) {
      assertEquals(await kind({ weight: w }), "weight", JSON.stringify(w));
    }
    // "false" means false here (upstream's Python truthiness would send weights)
    for (const w of [false, "false", "False", "0", 0, "", "no", "off", null]) {
      assertEquals(await kind({ weight: w }), "zip", JSON.stringify(w));
    }
    assertEquals(await kind({}), "zip"); // every optional field left out
    for (const nt of ["0", "1", "1.0", 0, "", null]) {
      assertEquals(
        await kind({ weight: true, node_type: nt }),
        "weight",
        JSON.stringify(nt),
      );
    }
    const bad = await kind({ weight: "maybe" });
    assert(
      bad.startsWith("400 ") && bad.includes('Field \\"weight\\"'),
      bad,
    );
  });
});

Deno.test("GET /best-models lists only feature groups upstream's FeatureGroups has, unless all=true", async () => {
  await withServer(async (url) => {
    const get = async (q: string) => {
      const r = await fetch(`${url}/best-models${q}`);
      return { status: r.status, body: await r.json() };
    };
    // upstream's clients: GET with no parameters, then FeatureGroups[FeatureGroup[name]]
    const plain = await get("");
    assertEquals(plain.status, 200);
    const listed = Object.values(
      plain.body as Record<string, Record<string, string>>,
    ).flatMap((byGroup) => Object.keys(byGroup));
    assert(listed.length > 0);
    for (const fg of listed) {
      assert(fg in UPSTREAM_FEATURE_GROUPS, `${fg}: KeyError in upstream`);
    }
    assert(listed.includes("BPFOnly") && listed.includes("CounterOnly"));
    // ours, on request
    const all = await get("?all=true");
    assertEquals(all.status, 200);
    assert("IRQOnly" in all.body.AbsPower, JSON.stringify(all.body));
    assertEquals(
      (await get("?feature-group=IRQOnly&output-type=AbsPower")).body,
      { AbsPower: { IRQOnly: all.body.AbsPower.IRQOnly } },
    );
    const bad = await get("?all=maybe");
    assertEquals(bad.status, 400);
    assert(/all must be true or false/.test(bad.body.error), bad.body.error);
  });
});

Deno.test("POST /model with no matching model: 400 saying which metrics each feature group needs", async () => {
  await withServer(async (url) => {
    const r = await postBytes(
      url,
      JSON.stringify({
        metrics: ["cpu_cycles"],
        output_type: "AbsPower",
        weight: true,
      }),
      PYTHON_JSON,
    );
    assertEquals(r.status, 400);
    const reply = JSON.parse(r.text());
    assertEquals(reply.feature_groups, {
      BPFOnly: UPSTREAM_FEATURE_GROUPS.BPFOnly,
      CounterOnly: UPSTREAM_FEATURE_GROUPS.CounterOnly,
      IRQOnly: ["bpf_block_irq", "bpf_net_rx_irq", "bpf_net_tx_irq"],
    });
    assertEquals(reply.missing_metrics.CounterOnly, [
      "cache_miss",
      "cpu_instructions",
    ]);
    for (
      const part of [
        "cannot find model for AbsPower rapl-sysfs",
        "metrics cpu_cycles",
        "CounterOnly needs cache_miss, cpu_cycles, cpu_instructions",
        "BPFOnly needs bpf_cpu_time_ms, bpf_page_cache_hit",
      ]
    ) assert(reply.error.includes(part), reply.error);
    assert(!reply.error.includes('{"metrics"'), "no echo of the request");

    // the metrics fit, the trainer does not
    const t = await postBytes(
      url,
      JSON.stringify({
        metrics: UPSTREAM_FEATURE_GROUPS.BPFOnly,
        output_type: "DynPower",
        trainer_name: "XgboostFitTrainer",
      }),
      PYTHON_JSON,
    );
    assertEquals(t.status, 400);
    const e = JSON.parse(t.text()).error as string;
    assert(
      e.includes("cover feature groups BPFOnly") &&
        e.includes("trainer XgboostFitTrainer"),
      e,
    );
  });
});
