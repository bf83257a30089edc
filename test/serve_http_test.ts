/**
 * The model server over real HTTP on 127.0.0.1: Kepler's exact requests,
 * weight replies checked against Go's decoding rules and the published
 * files, zip replies that load, node-type matching and filters checked
 * against independent oracles (the published CSVs and node_type_index.json,
 * upstream's similarity formula written out here), the estimator against
 * Kepler's formula by hand, metrics, health, and every bad input.
 */
import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import { join } from "node:path";
import { queryDataFrom } from "../lib/extract/mod.ts";
import { parseCsv } from "../lib/io/csv.ts";
import { unzipEntries, zipEntries } from "../lib/io/zip.ts";
import { queryResult, simulate } from "../lib/simulate/mod.ts";
import {
  readModelDir,
  readModelZipEntries,
} from "../lib/train/loaded_model.ts";
import { trainPipeline } from "../lib/train/pipeline.ts";
import { HTTP_ENGINES, startModelServer } from "../lib/serve/mod.ts";
import type { ModelServerOptions } from "../lib/serve/mod.ts";
import { testdata } from "./testdata.ts";

// ------------------------------------------------------------ fixtures

const DB = testdata("kepler-model-db/models/v0.7");
const PUBLISHED = ["ec2-0.7.11", "specpower-0.7.11", "specpower"];

/** The trained pipeline's machine (not one of the published node types). */
const TRAINED_SPEC = {
  processor: "intel_xeon_gold_6230",
  cores: 40,
  chips: 2,
  memory: 187,
  frequency: 3900,
};

const ROOT = await Deno.makeTempDir({ prefix: "kepler-serve-http-" });
globalThis.addEventListener("unload", () => {
  try {
    Deno.removeSync(ROOT, { recursive: true });
  } catch { /* gone */ }
});

/** MODEL_PATH with a trained pipeline `std` and links to the published ones. */
const MODEL_PATH = join(ROOT, "models");
{
  const sim = simulate({
    duration: 900,
    containers: 5,
    seed: 11,
    sources: ["rapl-sysfs", "acpi"],
  });
  await trainPipeline([queryDataFrom(queryResult(sim))], {
    modelPath: MODEL_PATH,
    pipelineName: "std",
    sources: ["rapl-sysfs", "acpi"],
    featureGroups: ["BPFOnly", "Basic"],
    absTrainers: [
      "SGDRegressorTrainer",
      "LinearRegressionTrainer",
      "LogarithmicRegressionTrainer",
      "GradientBoostingRegressorTrainer",
    ],
    dynTrainers: ["SGDRegressorTrainer"],
    machineSpec: TRAINED_SPEC,
    machineId: "gold",
  });
  for (const p of PUBLISHED) {
    await Deno.symlink(join(DB, p), join(MODEL_PATH, p));
  }
}

/** A hand-made pipeline: node types 1 and 10, metadata we control. */
const SYNTH_PATH = join(ROOT, "synthetic");
const weightFile = (bias: number, w: number) => ({
  platform: {
    All_Weights: {
      Bias_Weight: bias,
      Categorical_Variables: {},
      Numerical_Variables: {
        bpf_cpu_time_ms: { scale: 1000, weight: w },
        bpf_page_cache_hit: { scale: 1, weight: 0 },
      },
    },
  },
});
const SYNTH_MODELS: [string, number, number, number][] = [
  // name, node type, mae, mape
  ["SGDRegressorTrainer_1", 1, 9, 12],
  ["SGDRegressorTrainer_10", 10, 1, 3],
  ["LinearRegressionTrainer_1", 1, 1, 50],
  ["ExponentialRegressionTrainer_1", 1, 5, 10],
  ["LogarithmicRegressionTrainer_1", 1, 20, 5],
  ["SGDRegressorTrainer_2", 2, 3, -1],
];
{
  const p = join(SYNTH_PATH, "synth");
  const g = join(p, "acpi", "AbsPower", "BPFOnly");
  await Deno.mkdir(g, { recursive: true });
  await Deno.writeTextFile(join(p, "metadata.json"), '{"name": "synth"}');
  const spec = (cores: number) => ({
    processor: "amd_epyc_7763",
    cores,
    chips: 1,
    memory: 256,
    frequency: 3500,
  });
  await Deno.writeTextFile(
    join(p, "node_type_index.json"),
    JSON.stringify({
      "1": { attrs: spec(64), members: [] },
      "2": { attrs: spec(32), members: [] },
      "10": { attrs: spec(128), members: [] },
    }),
  );
  const rows = [
    ",model_name,mae,mape,platform_mae,trainer,node_type,feature_group",
  ];
  SYNTH_MODELS.forEach(([name, nt, mae, mape], i) => {
    rows.push(
      `${i},${name},${mae},${mape},${mae},${name.split("_")[0]},${nt},BPFOnly`,
    );
  });
  await Deno.writeTextFile(
    join(p, "acpi_AbsPower_model_metadata.csv"),
    rows.join("\n") + "\n",
  );
  for (const [name, nt] of SYNTH_MODELS) {
    const file = name.startsWith("Exponential")
      ? {
        platform: {
          All_Weights: {
            Categorical_Variables: {},
            Numerical_Variables: { bpf_cpu_time_ms: { scale: 1000 } },
            CurveFit_Weights: [1, 1, 1],
          },
        },
      }
      : weightFile(10 * nt, nt);
    await Deno.writeTextFile(join(g, `${name}.json`), JSON.stringify(file));
  }
}

async function withServer(
  options: ModelServerOptions,
  fn: (url: string) => Promise<void>,
): Promise<void> {
  await using server = await startModelServer({
    port: 0,
    reload: "off",
    ...options,
  });
  await fn(server.url);
}

async function post(url: string, body: unknown, headers: HeadersInit = {}) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const bytes = new Uint8Array(await response.arrayBuffer());
  return {
    response,
    status: response.status,
    bytes,
    text: () => new TextDecoder().decode(bytes),
  };
}

async function getJson(
  url: string,
): Promise<{ status: number; body: unknown }> {
  const r = await fetch(url);
  return { status: r.status, body: await r.json() };
}

// ----------------------------------------------------- independent oracles

/** Go's encoding/json decoding a value into Kepler's `ModelWeights`. */
function goModelWeightsErrors(v: unknown, where: string): string[] {
  const errs: string[] = [];
  const obj = (x: unknown) =>
    typeof x === "object" && x !== null && !Array.isArray(x);
  if (!obj(v)) return [`${where}: not an object`];
  const all = (v as Record<string, unknown>).All_Weights;
  if (!obj(all)) return [`${where}.All_Weights: not an object`];
  const a = all as Record<string, unknown>;
  if (a.Bias_Weight !== undefined && typeof a.Bias_Weight !== "number") {
    errs.push(`${where}.Bias_Weight: not a number`);
  }
  if (
    a.CurveFit_Weights !== undefined &&
    !(Array.isArray(a.CurveFit_Weights) &&
      a.CurveFit_Weights.every((x) => typeof x === "number"))
  ) errs.push(`${where}.CurveFit_Weights: not []float64`);
  if (!obj(a.Categorical_Variables)) {
    errs.push(`${where}.Categorical_Variables`);
  } else {
    for (const [k, m] of Object.entries(a.Categorical_Variables as object)) {
      if (!obj(m)) errs.push(`${where}.Categorical_Variables.${k}`);
      for (const [kk, c] of Object.entries(m as object)) {
        if (!obj(c) || typeof (c as { weight?: unknown }).weight !== "number") {
          errs.push(`${where}.Categorical_Variables.${k}.${kk}`);
        }
      }
    }
  }
  if (!obj(a.Numerical_Variables)) errs.push(`${where}.Numerical_Variables`);
  else {
    for (const [k, f] of Object.entries(a.Numerical_Variables as object)) {
      const n = f as Record<string, unknown>;
      if (
        !obj(f) || typeof n.scale !== "number" ||
        (n.weight !== undefined && typeof n.weight !== "number")
      ) errs.push(`${where}.Numerical_Variables.${k}`);
    }
  }
  return errs;
}

/** v0.7.11: `map[string]ModelWeights`; every top-level key is a component. */
function goV0711Errors(reply: Record<string, unknown>): string[] {
  return Object.entries(reply).flatMap(([k, v]) => goModelWeightsErrors(v, k));
}

/** v0.7.12: `ComponentModelWeights` (model_name, machine_spec with int fields). */
function goV0712Errors(reply: Record<string, unknown>): string[] {
  const errs: string[] = [];
  for (const [k, v] of Object.entries(reply)) {
    if (k === "model_name") {
      if (typeof v !== "string") errs.push("model_name");
    } else if (k === "machine_spec") {
      for (const [a, x] of Object.entries(v as object)) {
        const ok = a === "vendor" || a === "processor"
          ? typeof x === "string"
          : Number.isInteger(x);
        if (!ok) errs.push(`machine_spec.${a}: ${JSON.stringify(x)}`);
      }
    } else if (["platform", "core", "uncore", "package", "dram"].includes(k)) {
      errs.push(...goModelWeightsErrors(v, k));
    }
  }
  return errs;
}

/** Kepler's linear formula, written out: Bias + Σ weight·x/scale. */
function keplerLinear(
  w: Record<string, unknown>,
  x: Record<string, number>,
): number {
  const all = (w as {
    All_Weights: {
      Bias_Weight?: number;
      Numerical_Variables: Record<string, { scale: number; weight?: number }>;
    };
  }).All_Weights;
  let p = all.Bias_Weight ?? 0;
  for (
    const [f, { scale, weight }] of Object.entries(all.Numerical_Variables)
  ) {
    if (scale !== 0 && weight) p += weight * ((x[f] ?? 0) / scale); // Go: weight * (x / scale)
  }
  return p;
}

/** Upstream's similarity (util/similarity.py) for full specs. */
function similarity(
  a: Record<string, unknown>,
  b: Record<string, unknown>,
): number {
  const pa = String(a.processor).toLowerCase(),
    pb = String(b.processor).toLowerCase();
  const sa = new Set(pa), sb = new Set(pb);
  const inter = [...sa].filter((c) => sb.has(c)).length;
  const jac = inter / new Set([...sa, ...sb]).size;
  let s = 5 * (pa === pb ? 1 : 0.5 * jac);
  for (
    const [attr, w] of [["cores", 1], ["chips", 1], ["memory", 0.5], [
      "frequency",
      0.5,
    ]] as const
  ) {
    const x = Number(a[attr]), y = Number(b[attr]);
    s += w * Math.max(0, 1 - Math.abs(x - y) / ((x + y) / 2));
  }
  return s / 8;
}

interface CsvModel {
  name: string;
  fg: string;
  nodeType: number;
  mae: number;
  mape: number;
  trainer: string;
}

async function publishedModels(
  pipeline: string,
  source: string,
  ot: string,
): Promise<CsvModel[]> {
  const dir = join(DB, pipeline);
  const t = parseCsv(
    await Deno.readTextFile(join(dir, `${source}_${ot}_model_metadata.csv`)),
  );
  const at = (n: string) => t.header.indexOf(n);
  return t.rows.map((r) => ({
    name: r[at("model_name")]!,
    fg: r[at("feature_group")]!,
    nodeType: Number(r[at("node_type")]),
    mae: Number(r[at("mae")]),
    mape: Number(r[at("mape")]),
    trainer: r[at("trainer")]!,
  }));
}

async function isFile(path: string): Promise<boolean> {
  return await Deno.stat(path).then((s) => s.isFile, () => false);
}

const GROUP_FEATURES: Record<string, string[]> = {
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
};

// ------------------------------------------------ Kepler's exact requests

/** kepler v0.7.12 `json.Marshal(ModelRequest)` (kepler-interfaces.md §2.3). */
const KEPLER_0712_BODY =
  '{"metrics":["bpf_cpu_time_ms","bpf_page_cache_hit","bpf_net_tx_irq","bpf_net_rx_irq","bpf_block_irq","cpu_cycles","cpu_instructions","cache_miss","cpu_architecture"],"output_type":"AbsPower","source":"intel_rapl","node_type":0,"weight":true,"trainer_name":"SGDRegressorTrainer","filter":"","machine_spec":{"vendor":"intel","processor":"intel_xeon_platinum_8259cl","cores":96,"chips":2,"memory":377,"frequency":3500,"threads_per_core":2}}';
const KEPLER_METRICS = JSON.parse(KEPLER_0712_BODY).metrics as string[];

Deno.test({
  name:
    "POST /model answers Kepler v0.7.12's exact request with the published weight JSON both Kepler versions decode (both HTTP engines)",
  async fn() {
    // oracle: SGD weight files of node type 0 in ec2-0.7.11, lowest published mae
    const rows = (await publishedModels("ec2-0.7.11", "rapl-sysfs", "AbsPower"))
      .filter((m) => m.trainer === "SGDRegressorTrainer" && m.nodeType === 0);
    const present: CsvModel[] = [];
    for (const m of rows) {
      const f = join(
        DB,
        "ec2-0.7.11",
        "rapl-sysfs",
        "AbsPower",
        m.fg,
        `${m.name}.json`,
      );
      if (
        await isFile(f) &&
        GROUP_FEATURES[m.fg]!.every((x) => KEPLER_METRICS.includes(x))
      ) present.push(m);
    }
    present.sort((a, b) => a.mae - b.mae);
    const want = present[0]!;
    const file = JSON.parse(
      await Deno.readTextFile(
        join(
          DB,
          "ec2-0.7.11",
          "rapl-sysfs",
          "AbsPower",
          want.fg,
          `${want.name}.json`,
        ),
      ),
    );
    for (const engine of HTTP_ENGINES) {
      await withServer({ modelPath: MODEL_PATH, engine }, async (url) => {
        const r = await post(`${url}/model`, KEPLER_0712_BODY, {
          "content-type": "application/json; charset=UTF-8",
        });
        assertEquals(r.status, 200, r.text());
        assertEquals(
          r.response.headers.get("content-type"),
          "application/json",
        );
        assertEquals(
          r.response.headers.get("x-kepler-model"),
          `ec2-0.7.11/rapl-sysfs/AbsPower/${want.fg}/${want.name}`,
        );
        const reply = JSON.parse(r.text());
        assertEquals(reply, file);
        assertEquals(goV0711Errors(reply), []);
        assertEquals(goV0712Errors(reply), []);
        assert(
          Object.keys(reply).every((k) =>
            ["package", "core", "uncore", "dram"].includes(k)
          ),
        );
        // Kepler's formula on the reply, by hand, for a busy m5.metal second
        const x = {
          cache_miss: 1e9,
          cpu_cycles: 1e11,
          cpu_instructions: 1.2e11,
        };
        const p = keplerLinear(reply.package, x);
        assert(Number.isFinite(p) && p > 0, `package ${p} W`);
      });
    }
  },
});

Deno.test({
  name:
    "POST /model answers Kepler v0.7.11's request (node type 1, no machine spec) with node type 1's weights",
  async fn() {
    const body = {
      metrics: [...KEPLER_METRICS],
      output_type: "AbsPower",
      source: "intel_rapl",
      node_type: 1,
      weight: true,
      trainer_name: "SGDRegressorTrainer",
      filter: "",
    };
    const rows = (await publishedModels("ec2-0.7.11", "rapl-sysfs", "AbsPower"))
      .filter((m) => m.trainer === "SGDRegressorTrainer" && m.nodeType === 1);
    const present: CsvModel[] = [];
    for (const m of rows) {
      if (
        await isFile(
          join(DB, "ec2-0.7.11/rapl-sysfs/AbsPower", m.fg, `${m.name}.json`),
        )
      ) present.push(m);
    }
    const want = present.sort((a, b) => a.mae - b.mae)[0]!;
    await withServer({ modelPath: MODEL_PATH }, async (url) => {
      const r = await post(`${url}/model`, body);
      assertEquals(r.status, 200, r.text());
      const reply = JSON.parse(r.text());
      assertEquals(goV0711Errors(reply), []);
      assertEquals(
        reply,
        JSON.parse(
          await Deno.readTextFile(
            join(
              DB,
              "ec2-0.7.11/rapl-sysfs/AbsPower",
              want.fg,
              `${want.name}.json`,
            ),
          ),
        ),
      );
      assert(
        !("model_name" in reply),
        "v0.7.11 cannot decode a model_name key",
      );
    });
  },
});

Deno.test({
  name:
    "POST /model with node_type −1 matches the machine spec by upstream's similarity and adds model_name, machine_spec (ints) and mae",
  async fn() {
    // no ec2 node type has 64 cores: similarity decides
    const spec = {
      processor: "intel_xeon_platinum_8259cl",
      cores: 64,
      chips: 2,
      memory: 256,
      frequency: 3500,
    };
    const index = JSON.parse(
      await Deno.readTextFile(join(DB, "ec2-0.7.11/node_type_index.json")),
    );
    const rows = (await publishedModels("ec2-0.7.11", "rapl-sysfs", "AbsPower"))
      .filter((m) =>
        m.trainer === "SGDRegressorTrainer" &&
        GROUP_FEATURES[m.fg]!.every((f) => KEPLER_METRICS.includes(f))
      );
    const present: (CsvModel & { sim: number })[] = [];
    for (const m of rows) {
      if (
        await isFile(
          join(DB, "ec2-0.7.11/rapl-sysfs/AbsPower", m.fg, `${m.name}.json`),
        )
      ) {
        present.push({
          ...m,
          sim: similarity(index[String(m.nodeType)].attrs, spec),
        });
      }
    }
    const top = Math.max(...present.map((m) => m.sim));
    const want = present.filter((m) => m.sim === top).sort((a, b) =>
      a.mae - b.mae
    )[0]!;
    await withServer({ modelPath: MODEL_PATH }, async (url) => {
      const r = await post(`${url}/model`, {
        metrics: KEPLER_METRICS,
        output_type: "AbsPower",
        source: "rapl-sysfs",
        node_type: -1,
        weight: true,
        trainer_name: "SGDRegressorTrainer",
        machine_spec: spec,
      });
      assertEquals(r.status, 200, r.text());
      const reply = JSON.parse(r.text());
      assertEquals(reply.model_name, want.name);
      assertEquals(reply.mae, want.mae);
      assertEquals(reply.machine_spec, index[String(want.nodeType)].attrs);
      assertEquals(goV0712Errors(reply), []);
      assertEquals(r.response.headers.get("x-kepler-node-match"), "similar");
    });
  },
});

Deno.test({
  name:
    "POST /model: Kepler v0.7.12's node_type 0 with a spec that contradicts node type 0 is matched by the spec",
  async fn() {
    // specpower-0.7.11's node type 0 is a 4-core intel_xeon_x3360; ask as an m5.metal
    const body = JSON.parse(KEPLER_0712_BODY);
    body.source = "acpi";
    const index = JSON.parse(
      await Deno.readTextFile(
        join(DB, "specpower-0.7.11/node_type_index.json"),
      ),
    );
    const rows = (await publishedModels("specpower-0.7.11", "acpi", "AbsPower"))
      .filter((m) => m.trainer === "SGDRegressorTrainer");
    const present: (CsvModel & { sim: number })[] = [];
    for (const m of rows) {
      if (
        await isFile(
          join(DB, "specpower-0.7.11/acpi/AbsPower", m.fg, `${m.name}.json`),
        )
      ) {
        present.push({
          ...m,
          sim: similarity(index[String(m.nodeType)].attrs, body.machine_spec),
        });
      }
    }
    const top = Math.max(...present.map((m) => m.sim));
    const want = present.filter((m) => Math.abs(m.sim - top) < 1e-12).sort((
      a,
      b,
    ) => a.mae - b.mae)[0]!;
    assert(want.nodeType !== 0);
    await withServer({ modelPath: MODEL_PATH }, async (url) => {
      const r = await post(`${url}/model`, body);
      assertEquals(r.status, 200, r.text());
      assertEquals(
        r.response.headers.get("x-kepler-model"),
        `specpower-0.7.11/acpi/AbsPower/BPFOnly/${want.name}`,
      );
      const reply = JSON.parse(r.text());
      assertEquals(Object.keys(reply), ["platform"]);
    });
  },
});

Deno.test("POST /model compares node types as numbers: node type 1 never gets node type 10's model", async () => {
  await withServer({ modelPath: SYNTH_PATH }, async (url) => {
    const ask = (extra: Record<string, unknown>) =>
      post(`${url}/model`, {
        metrics: ["bpf_cpu_time_ms", "bpf_page_cache_hit"],
        output_type: "AbsPower",
        source: "acpi",
        weight: true,
        trainer_name: "SGDRegressorTrainer",
        ...extra,
      });
    const one = await ask({ node_type: 1 });
    assertEquals(one.status, 200, one.text());
    // upstream's `"_1" in name` would also take SGDRegressorTrainer_10 (mae 1 < 9)
    assertEquals(JSON.parse(one.text()), weightFile(10, 1));
    const ten = await ask({ node_type: 10 });
    assertEquals(JSON.parse(ten.text()), weightFile(100, 10));
    // an unknown node type, loose: the index has no spec for it, so the most cores
    const loose = await ask({ node_type: 7 });
    assertEquals(loose.response.headers.get("x-kepler-node-match"), "largest");
    assertEquals(JSON.parse(loose.text()), weightFile(100, 10));
    const strict = await ask({ node_type: 7, loose_node_type: false });
    assertEquals(strict.status, 400);
  });
});

Deno.test("POST /model filters work (mae:10;mape:20), a MAPE of −1 does not pass, and weight replies without model_name are linear", async () => {
  await withServer({ modelPath: SYNTH_PATH }, async (url) => {
    const ask = (filter: string, extra: Record<string, unknown> = {}) =>
      post(`${url}/model`, {
        metrics: ["bpf_cpu_time_ms", "bpf_page_cache_hit"],
        output_type: "AbsPower",
        source: "acpi",
        node_type: -1,
        weight: true,
        filter,
        ...extra,
      });
    const name = async (
      filter: string,
      extra: Record<string, unknown> = {},
    ) => {
      const r = await ask(filter, extra);
      return r.status === 200
        ? r.response.headers.get("x-kepler-model")!.split("/").pop()
        : r.status;
    };
    // no filter: the lowest mae of all (LinearRegressionTrainer_1, mae 1 ... tie with SGD_10: name order)
    assertEquals(await name(""), "LinearRegressionTrainer_1");
    assertEquals(await name("mae:10;mape:20"), "SGDRegressorTrainer_10");
    assertEquals(
      await name("mae:10;mape:20", { node_type: 1, trainer_name: "" }),
      "SGDRegressorTrainer_1",
    );
    // Exponential_1 and Logarithmic_1 pass the filter but are curves: without
    // model_name Kepler would read them as linear, so node type 1 has no
    // candidate and the most similar node type (10) answers; strictly, none
    assertEquals(
      await name("mape:11", { node_type: 1 }),
      "SGDRegressorTrainer_10",
    );
    assertEquals(
      await name("mape:11", { node_type: 1, loose_node_type: false }),
      400,
    );
    assertEquals(
      await name("mape:11", {
        node_type: 1,
        trainer_name: "ExponentialRegressionTrainer",
      }),
      "ExponentialRegressionTrainer_1",
    );
    assertEquals(
      await name("mape:11", { node_type: 2, loose_node_type: false }),
      400,
    ); // mape −1
    assertEquals(
      await name("mae:3", { node_type: 2, loose_node_type: false }),
      "SGDRegressorTrainer_2",
    );
    assertEquals(await name("mae:0.5"), 400);
    // node_type -1 (a reply with model_name): still linear unless a trainer
    // is named, as Kepler v0.7 evaluates a curve fit on its first eBPF
    // counter in Go map order, an arbitrary one.
    // Node type 1 by its spec: under mape:11 only its curves pass.
    const type1 = {
      machine_spec: {
        processor: "amd_epyc_7763",
        cores: 64,
        chips: 1,
        memory: 256,
        frequency: 3500,
      },
      loose_node_type: false,
    };
    assertEquals(await name("mape:11", type1), 400);
    assertEquals(
      await name("mape:11", {
        ...type1,
        trainer_name: "ExponentialRegressionTrainer",
      }),
      "ExponentialRegressionTrainer_1",
    );
    const bad = await ask("mae:ten");
    assertEquals(bad.status, 400);
    assert(/not a number/.test(bad.text()), bad.text());
  });
});

Deno.test("POST /model without weight sends the trained model's zip, which unzips to a model that loads and predicts as the folder's", async () => {
  await withServer({ modelPath: MODEL_PATH }, async (url) => {
    const r = await post(`${url}/model`, {
      metrics: ["bpf_cpu_time_ms", "bpf_page_cache_hit", "cpu_architecture"],
      output_type: "AbsPower",
      source: "intel_rapl",
      pipeline_name: "std",
    });
    assertEquals(r.status, 200, r.text());
    assertEquals(r.response.headers.get("content-type"), "application/zip");
    // oracle: the lowest blocked-CV mae (the ranking error; a failed CV
    // ranks last) among std's BPFOnly AbsPower model folders
    const group = join(MODEL_PATH, "std", "rapl-sysfs", "AbsPower", "BPFOnly");
    let best = { name: "", mae: Infinity };
    for await (const e of Deno.readDir(group)) {
      if (!e.isDirectory || e.name === "checkpoint") continue;
      const m = JSON.parse(
        await Deno.readTextFile(join(group, e.name, "metadata.json")),
      );
      const mae = m.cv_failed !== undefined ? Infinity : m.cv_mae;
      if (mae < best.mae || (mae === best.mae && e.name < best.name)) {
        best = { name: e.name, mae };
      }
    }
    assertEquals(
      r.response.headers.get("content-disposition"),
      `attachment; filename="${best.name}.zip"`,
    );
    const loaded = readModelZipEntries(unzipEntries(r.bytes));
    assertEquals(loaded.metadata.model_name, best.name);
    const folder = await readModelDir(join(group, best.name));
    const x = [
      Float64Array.of(0, 5000, 20000, 39000),
      Float64Array.of(0, 10, 1000, 50000),
    ];
    for (const c of ["package", "core", "uncore", "dram"] as const) {
      assertEquals(
        loaded.components[c]!.predict(x),
        folder.components[c]!.predict(x),
      );
    }
  });
});

Deno.test({
  name:
    "the published pipelines are served: every weight file by its kepler-model-db path, and /best-models as the CSV says",
  async fn() {
    await withServer({ modelPath: MODEL_PATH }, async (url) => {
      let files = 0;
      for (const p of PUBLISHED) {
        const walk = async (rel: string): Promise<void> => {
          for await (const e of Deno.readDir(join(DB, p, rel))) {
            const r2 = rel ? `${rel}/${e.name}` : e.name;
            if (e.isDirectory && e.name !== "error_report") await walk(r2);
            else if (
              e.isFile && rel.split("/").length === 3 &&
              e.name.endsWith(".json")
            ) {
              const res = await fetch(`${url}/models/v0.7/${p}/${r2}`);
              assertEquals(res.status, 200, r2);
              assertEquals(
                await res.json(),
                JSON.parse(await Deno.readTextFile(join(DB, p, r2))),
                r2,
              );
              files++;
            } else if (
              e.isFile && rel.split("/").length === 3 && e.name.endsWith(".zip")
            ) {
              const res = await fetch(`${url}/models/v0.7/${p}/${r2}`);
              assertEquals(
                new Uint8Array(await res.arrayBuffer()),
                await Deno.readFile(join(DB, p, r2)),
                r2,
              );
              files++;
            }
          }
        };
        await walk("");
      }
      assert(files >= 150, `${files} files`);
      // best-models for ec2 node type 0: lowest CSV mae per feature group among files present
      const rows = await publishedModels(
        "ec2-0.7.11",
        "rapl-sysfs",
        "AbsPower",
      );
      const want: Record<string, string> = {};
      const wantMae: Record<string, number> = {};
      for (const m of rows) {
        if (m.nodeType !== 0) continue;
        const base = join(DB, "ec2-0.7.11/rapl-sysfs/AbsPower", m.fg, m.name);
        if (!(await isFile(`${base}.json`)) && !(await isFile(`${base}.zip`))) {
          continue;
        }
        if (!(m.fg in wantMae) || m.mae < wantMae[m.fg]!) {
          want[m.fg] = m.name;
          wantMae[m.fg] = m.mae;
        }
      }
      const best = await getJson(
        `${url}/best-models?energy-source=rapl-sysfs&output-type=AbsPower&node-type=0`,
      );
      assertEquals(best.status, 200);
      assertEquals(best.body, { AbsPower: want });
      const health = await getJson(`${url}/healthz`);
      assertEquals(
        (health.body as { pipelines: string[] }).pipelines,
        [...PUBLISHED, "std"].sort(),
      );
    });
  },
});

Deno.test("GET /best-models rejects bad parameters with 400 and a message", async () => {
  await withServer({ modelPath: SYNTH_PATH }, async (url) => {
    for (
      const q of [
        "output-type=Watts",
        "feature-group=Nope",
        "node-type=one",
        "filter=mae:x",
        "energy-source=solar",
        "pipeline-name=..%2F..%2Fetc",
      ]
    ) {
      const r = await getJson(`${url}/best-models?${q}`);
      assertEquals(r.status, 400, q);
      assert(typeof (r.body as { error: string }).error === "string", q);
    }
    const ok = await getJson(
      `${url}/best-models?source=acpi&ot=AbsPower&fg=BPFOnly&filter=mae:4`,
    );
    assertEquals(ok.body, {
      AbsPower: { BPFOnly: "LinearRegressionTrainer_1" },
    });
  });
});

Deno.test("bad inputs get 4xx with a message, never 500", async () => {
  await withServer({
    modelPath: SYNTH_PATH,
    maxBodyBytes: 2048,
    bodyTimeoutMs: 300,
  }, async (url) => {
    const valid = {
      metrics: ["bpf_cpu_time_ms", "bpf_page_cache_hit"],
      output_type: "AbsPower",
      source: "acpi",
      weight: true,
    };
    const cases: [string, string | Uint8Array<ArrayBuffer>, number, RegExp][] =
      [
        ["malformed JSON", '{"metrics": [', 400, /Malformed JSON/],
        ["empty body", "", 400, /empty/],
        ["array body", "[1]", 400, /JSON object/],
        [
          "metrics not a list",
          JSON.stringify({ ...valid, metrics: "bpf" }),
          400,
          /metrics/,
        ],
        ["no output type", JSON.stringify({ metrics: [] }), 400, /output_type/],
        [
          "bad output type",
          JSON.stringify({ ...valid, output_type: "Watts" }),
          400,
          /output type/,
        ],
        [
          "bad node type",
          JSON.stringify({ ...valid, node_type: 1.5 }),
          400,
          /node_type/,
        ],
        [
          "weight not boolean",
          JSON.stringify({ ...valid, weight: "maybe" }),
          400,
          /weight/,
        ],
        [
          "traversal pipeline",
          JSON.stringify({ ...valid, pipeline_name: "../../etc" }),
          400,
          /pipeline name/,
        ],
        [
          "pipeline with a slash",
          JSON.stringify({ ...valid, pipeline_name: "a/b" }),
          400,
          /pipeline name/,
        ],
        [
          "traversal trainer",
          JSON.stringify({ ...valid, trainer_name: "../x" }),
          400,
          /trainer name/,
        ],
        [
          "unknown pipeline",
          JSON.stringify({ ...valid, pipeline_name: "nope" }),
          400,
          /No pipeline named nope/,
        ],
        ["not UTF-8", Uint8Array.of(0x7b, 0xff, 0xfe, 0x7d), 400, /UTF-8/],
        [
          "too large",
          JSON.stringify({
            ...valid,
            metrics: Array(400).fill("bpf_cpu_time_ms"),
          }),
          413,
          /limit of 2048/,
        ],
      ];
    for (const [what, body, status, message] of cases) {
      const r = await fetch(`${url}/model`, { method: "POST", body });
      const text = await r.text();
      assertEquals(r.status, status, `${what}: ${text}`);
      assert(message.test(text), `${what}: ${text}`);
    }
    // a body that grows past the limit without a Content-Length
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < 10; i++) {
          c.enqueue(new TextEncoder().encode(" ".repeat(500)));
        }
        c.close();
      },
    });
    const chunked = await fetch(`${url}/estimate`, {
      method: "POST",
      body: stream,
    });
    assertEquals(chunked.status, 413);
    await chunked.body?.cancel();
    const wrongMethod = await fetch(`${url}/model`);
    assertEquals(wrongMethod.status, 405);
    await wrongMethod.body?.cancel();
    const unknown = await fetch(`${url}/nope`);
    assertEquals(unknown.status, 404);
    await unknown.body?.cancel();
    for (
      const path of [
        "/models/v0.7/synth/acpi/AbsPower/BPFOnly/..%2Fx.json",
        "/models/v0.7/synth%2F..%2F..%2Fetc/acpi/AbsPower/BPFOnly/x_1.json",
      ]
    ) {
      const r = await fetch(`${url}${path}`);
      assertEquals(r.status, 400, path);
      await r.body?.cancel();
    }
    const badFile = await fetch(
      `${url}/models/v0.7/synth/acpi/AbsPower/BPFOnly/passwd.json`,
    );
    assertEquals(badFile.status, 400);
    await badFile.body?.cancel();
    // raw HTTP: dot segments that fetch() would have removed, and a slow body
    const { port } = new URL(url);
    // reads one response
    const raw = async (request: string): Promise<string> => {
      const conn = await Deno.connect({
        hostname: "127.0.0.1",
        port: Number(port),
      });
      try {
        await conn.write(new TextEncoder().encode(request));
        let text = "";
        const buf = new Uint8Array(4096);
        for (let i = 0; i < 100; i++) {
          const n = await conn.read(buf);
          if (n === null) break;
          text += new TextDecoder().decode(buf.subarray(0, n));
          const end = text.indexOf("\r\n\r\n");
          const length = /content-length: (\d+)/i.exec(text)?.[1];
          if (
            end >= 0 && length !== undefined &&
            text.length >= end + 4 + Number(length)
          ) break;
        }
        return text;
      } finally {
        conn.close();
      }
    };
    for (
      const path of [
        "/models/v0.7/../../../../etc/passwd",
        "/models/v0.7/%2e%2e/%2E%2E/etc/passwd.json",
        "/./healthz",
      ]
    ) {
      const dots = await raw(
        `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
      );
      assert(dots.startsWith("HTTP/1.1 400"), `${path}: ${dots}`);
      assert(!dots.includes("root:"));
    }
    const slow = await raw(
      'POST /model HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\nConnection: close\r\n\r\n{"metrics":',
    );
    assert(slow.startsWith("HTTP/1.1 408"), slow);
    assert(/not received within 300 ms/.test(slow), slow);
    // an oversized upload is refused before it is read, and the connection
    // is closed (the client cannot keep streaming into the server)
    const big = await Deno.connect({
      hostname: "127.0.0.1",
      port: Number(port),
    });
    try {
      await big.write(
        new TextEncoder().encode(
          "POST /model HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n{",
        ),
      );
      const reply = await new Response(big.readable).text(); // ends at EOF
      assert(reply.startsWith("HTTP/1.1 413"), reply);
      assert(/limit of 2048 bytes/.test(reply), reply);
    } catch (error) {
      big.close();
      throw error;
    }
  });
});

Deno.test("POST /estimate gives Kepler's formula for a weight file and the trained model's predictions with its conformal interval", async () => {
  await withServer({ modelPath: MODEL_PATH }, async (url) => {
    // std's SGD model, by hand from its files
    const folder = join(
      MODEL_PATH,
      "std",
      "rapl-sysfs",
      "AbsPower",
      "BPFOnly",
      "SGDRegressorTrainer_0",
    );
    const weights = JSON.parse(
      await Deno.readTextFile(join(folder, "weight.json")),
    );
    const values = [[0, 0], [12000, 3000], [39000, 90000]];
    const r = await post(`${url}/estimate`, {
      metrics: ["bpf_cpu_time_ms", "bpf_page_cache_hit"],
      values,
      output_type: "AbsPower",
      source: "intel_rapl",
      system_features: ["cpu_architecture"],
      system_values: ["Cascade Lake"],
      trainer_name: "SGDRegressorTrainer",
      filter: "",
      pipeline_name: "std",
      machine_spec: { cores: 20 },
    });
    assertEquals(r.status, 200, r.text());
    const reply = JSON.parse(r.text());
    assertEquals(reply.msg, "");
    assertEquals(reply.model_name, "SGDRegressorTrainer_0");
    assertEquals(reply.core_ratio, 20 / TRAINED_SPEC.cores);
    for (const c of ["package", "core", "uncore", "dram"]) {
      const want = values.map(([cpu, hit]) =>
        Math.max(
          0,
          keplerLinear(weights[c], {
            bpf_cpu_time_ms: cpu!,
            bpf_page_cache_hit: hit!,
          }),
        )
      );
      reply.powers[c].forEach((p: number, i: number) =>
        assert(
          Math.abs(p - want[i]!) < 1e-9 * Math.max(1, want[i]!),
          `${c} ${i}`,
        )
      );
      const half =
        JSON.parse(await Deno.readTextFile(join(folder, `${c}.json`))).interval
          .halfWidth;
      reply.powers[c].forEach((p: number, i: number) => {
        assert(
          Math.abs(reply.upper[c][i] - (want[i]! + half)) <
              1e-9 * Math.max(1, want[i]! + half) || want[i] === 0,
        );
        assert(reply.lower[c][i] <= p && reply.upper[c][i] >= p);
      });
    }
    assertEquals(reply.coverage, 0.9);
  });
});

Deno.test({
  name:
    "POST /estimate evaluates a published weight file exactly as Kepler does",
  async fn() {
    await withServer({ modelPath: MODEL_PATH }, async (url) => {
      const file = JSON.parse(
        await Deno.readTextFile(
          join(
            DB,
            "specpower/acpi/AbsPower/BPFOnly/SGDRegressorTrainer_0.json",
          ),
        ),
      );
      const values = [[0, 0], [1500, 10], [3991.69, 0]];
      const r = await post(`${url}/estimate`, {
        metrics: ["bpf_cpu_time_ms", "bpf_page_cache_hit"],
        values,
        output_type: "AbsPower",
        source: "acpi",
        system_features: [],
        system_values: [],
        pipeline_name: "specpower",
        node_type: 0,
        machine_spec: { cores: 2 },
      });
      assertEquals(r.status, 200, r.text());
      const reply = JSON.parse(r.text());
      assertEquals(
        reply.powers.platform,
        values.map(([a, b]) =>
          keplerLinear(file.platform, {
            bpf_cpu_time_ms: a!,
            bpf_page_cache_hit: b!,
          })
        ),
      );
      assertEquals(reply.core_ratio, 0.5); // 2 of the model machine's 4 cores
      assertEquals("lower" in reply, false); // a weight file has no interval
    });
  },
});

Deno.test("POST /estimate: bad requests get 400 with upstream's reply shape", async () => {
  await withServer({ modelPath: SYNTH_PATH }, async (url) => {
    for (
      const body of [
        { metrics: ["a"], values: [[1, 2]], output_type: "AbsPower" },
        { metrics: ["a"], values: [["x"]], output_type: "AbsPower" },
        {
          metrics: ["bpf_cpu_time_ms"],
          values: [[1]],
          output_type: "AbsPower",
          source: "acpi",
        },
      ]
    ) {
      const r = await post(`${url}/estimate`, body);
      assertEquals(r.status, 400, r.text());
      const reply = JSON.parse(r.text());
      assertEquals(reply.powers, {});
      assert(reply.msg.length > 0);
    }
  });
});

Deno.test("GET /metrics counts requests, latencies and loaded models in Prometheus text; GET /healthz reports the pipelines", async () => {
  await withServer({ modelPath: SYNTH_PATH }, async (url) => {
    for (let i = 0; i < 5; i++) {
      await (await fetch(`${url}/healthz`)).body?.cancel();
    }
    await (await fetch(`${url}/model`, { method: "POST", body: "{" })).body
      ?.cancel();
    const health = await getJson(`${url}/healthz`);
    assertEquals(health.status, 200);
    assertEquals(
      (health.body as { pipelines: string[]; models: number }).pipelines,
      ["synth"],
    );
    assertEquals(
      (health.body as { models: number }).models,
      SYNTH_MODELS.length,
    );
    const res = await fetch(`${url}/metrics`);
    assertEquals(
      res.headers.get("content-type"),
      "text/plain; version=0.0.4; charset=utf-8",
    );
    const text = await res.text();
    const value = (line: string) => {
      const l = text.split("\n").find((x) => x.startsWith(line + " "));
      return l === undefined ? undefined : Number(l.slice(line.length + 1));
    };
    assertEquals(
      value('kepler_model_server_requests_total{route="/healthz",code="200"}'),
      6,
    );
    assertEquals(
      value('kepler_model_server_requests_total{route="/model",code="400"}'),
      1,
    );
    assertEquals(
      value(
        'kepler_model_server_request_duration_seconds_count{route="/healthz"}',
      ),
      6,
    );
    assertEquals(
      value(
        'kepler_model_server_request_duration_seconds_bucket{route="/healthz",le="+Inf"}',
      ),
      6,
    );
    assertEquals(
      value(
        'kepler_model_server_models{pipeline="synth",source="acpi",output_type="AbsPower"}',
      ),
      SYNTH_MODELS.length,
    );
    assertEquals(value("kepler_model_server_pipelines"), 1);
    // buckets are cumulative
    const buckets = text.split("\n").filter((l) =>
      l.startsWith(
        'kepler_model_server_request_duration_seconds_bucket{route="/healthz"',
      )
    )
      .map((l) => Number(l.split(" ").pop()));
    assert(buckets.every((b, i) => i === 0 || b >= buckets[i - 1]!));
    let promtool: Deno.ChildProcess;
    try {
      promtool = new Deno.Command("promtool", {
        args: ["check", "metrics"],
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
      })
        .spawn();
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return; // no promtool here
      throw error;
    }
    const w = promtool.stdin.getWriter();
    await w.write(new TextEncoder().encode(text));
    await w.close();
    const out = await promtool.output();
    assertEquals(
      out.code,
      0,
      new TextDecoder().decode(out.stderr) +
        new TextDecoder().decode(out.stdout),
    );
  });
});

Deno.test("the server binds 127.0.0.1 unless asked otherwise", async () => {
  await using server = await startModelServer({ port: 0, reload: "off" });
  assertEquals(server.addr.hostname, "127.0.0.1");
});

Deno.test("slow clients time out: a head trickled byte by byte gets 408 and is closed, idle connections are closed, and /metrics counts it", async () => {
  await withServer({
    modelPath: SYNTH_PATH,
    headersTimeoutMs: 300,
    idleTimeoutMs: 300,
  }, async (url) => {
    const port = Number(new URL(url).port);
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    const head = new TextEncoder().encode(
      `POST /model HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Pad: ${
        "p".repeat(200)
      }\r\n\r\n`,
    );
    const reply = new Response(conn.readable).text(); // until the server closes
    let sent = 0;
    let closed = false;
    reply.then(() => closed = true, () => closed = true);
    for (; sent < head.length && !closed; sent++) {
      try {
        await conn.write(head.subarray(sent, sent + 1));
      } catch {
        break;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    const text = await reply;
    assert(
      sent < head.length,
      `the server took the whole head (${sent} bytes)`,
    );
    assert(text.startsWith("HTTP/1.1 408 Request Timeout\r\n"), text);
    assert(/connection: close/i.test(text), text);
    assert(/Request headers not received within 300 ms/.test(text), text);
    // an idle connection (no request at all) is closed without a reply
    const idle = await Deno.connect({ hostname: "127.0.0.1", port });
    assertEquals(await new Response(idle.readable).text(), "");
    const metrics = await (await fetch(`${url}/metrics`)).text();
    assert(
      metrics.includes(
        'kepler_model_server_requests_total{route="connection",code="408"} 1\n',
      ),
      metrics,
    );
  });
});

Deno.test("a pipeline zip built in memory is served like its folder", async () => {
  const { loadPipelineZip, loadPipelineDir } = await import(
    "../lib/serve/mod.ts"
  );
  const { collectDir } = await import("../lib/io/zip.ts");
  const dir = join(MODEL_PATH, "std");
  const fromDir = await loadPipelineDir(dir);
  const fromZip = await loadPipelineZip(zipEntries(await collectDir(dir)), {
    name: "std",
  });
  const key = (p: typeof fromDir) =>
    p.models.map((m) =>
      `${m.source}/${m.outputType}/${m.featureGroup}/${m.name}:${m.metadata.mae}:${m.estimable}:${!!m
        .weightBody}`
    ).sort();
  assertEquals(key(fromZip), key(fromDir));
  assert(fromDir.models.length >= 20);
});
