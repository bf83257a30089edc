/**
 * deploy/kepler-local-weights.yaml: the weight file is mounted exactly where
 * Kepler v0.7.12 reads its local model, from the ConfigMap the comment's
 * commands create; and those commands, run for real (`train` and `export`
 * with `--weight-format v0.7.12`), write a file Kepler v0.7.12 can load from
 * a path: `model_name` first, naming the curve-fit trainer, so Kepler builds
 * that predictor instead of its linear one. Without the flag the files stay
 * in the v0.7.11 form (component keys only).
 */
import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { queryJson, simulate } from "../lib/simulate/mod.ts";
import { ROOT, runCli } from "./_cli.ts";

const FILE = "deploy/kepler-local-weights.yaml";
const text = await Deno.readTextFile(join(ROOT, FILE));
const [patch] = parseAllDocuments(text).map((d) => {
  assertEquals(d.errors, [], FILE);
  return d.toJS();
});

/** Kepler v0.7.12's local model path (`config.GetDefaultPowerModelURL`). */
const KEPLER_LOCAL =
  /^\/var\/lib\/kepler\/data\/model_weight\/(intel_rapl|acpi)_(AbsPower|DynPower)Model\.json$/;

Deno.test("deploy/kepler-local-weights.yaml mounts the ConfigMap's file at Kepler v0.7.12's local model path", () => {
  assertEquals([patch.kind, patch.metadata.name, patch.metadata.namespace], [
    "DaemonSet",
    "kepler-exporter",
    "kepler",
  ]);
  const pod = patch.spec.template.spec;
  const container = pod.containers.find((c: { name: string }) =>
    c.name === "kepler-exporter"
  );
  const mount = container.volumeMounts[0];
  assert(KEPLER_LOCAL.test(mount.mountPath), mount.mountPath);
  assertEquals(mount.mountPath.split("/").at(-1), mount.subPath);
  assert(mount.readOnly);
  const volume = pod.volumes.find((v: { name: string }) =>
    v.name === mount.name
  );
  const configMap = volume.configMap.name;
  // the comment's commands create that ConfigMap with that key, from a
  // file written in the v0.7.12 form
  assert(
    text.includes(
      `kubectl -n ${patch.metadata.namespace} create configmap ${configMap} \\\n#     --from-file=${mount.subPath}=`,
    ),
    "create configmap command",
  );
  assert(
    text.includes(
      `kubectl -n ${patch.metadata.namespace} patch daemonset ${patch.metadata.name} --patch-file ${FILE}`,
    ),
  );
  for (const command of ["deno task train", "deno task export"]) {
    const line = text.split("\n").find((l) => l.includes(command));
    assert(line?.includes("--weight-format v0.7.12"), `${command}: ${line}`);
  }
});

Deno.test("train and export --weight-format v0.7.12 write files Kepler v0.7.12 loads from a path; the default stays component keys only", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kepler-local-weights-" });
  try {
    const data = join(dir, "data");
    await Deno.mkdir(data, { recursive: true });
    await Deno.writeTextFile(
      join(data, "kepler_query.json"),
      queryJson(simulate({ duration: 600, containers: 4, seed: 7 })),
    );
    const flags = ["--allow-read", "--allow-write", "--allow-env"];
    const train = async (pipeline: string, extra: string[]) => {
      const r = await runCli(flags, [
        "train",
        "-i",
        "kepler_query",
        "-p",
        pipeline,
        "--feature-group",
        "BPFOnly",
        "--abs-trainers",
        "SGDRegressorTrainer,LogarithmicRegressionTrainer",
        "--dyn-trainers",
        "SGDRegressorTrainer",
        "--quiet",
        ...extra,
      ], { env: { DATAPATH: data, MODEL_PATH: join(dir, "models") } });
      assertEquals(r.code, 0, r.stderr);
    };
    await train("mine", ["--weight-format", "v0.7.12"]);
    await train("plain", []);
    const group = (p: string) =>
      join(dir, "models", p, "rapl-sysfs", "AbsPower", "BPFOnly");
    const read = async (path: string) =>
      JSON.parse(await Deno.readTextFile(path)) as Record<string, unknown>;

    const mine = await read(
      join(group("mine"), "LogarithmicRegressionTrainer_0", "weight.json"),
    );
    assertEquals(Object.keys(mine), [
      "model_name",
      "package",
      "core",
      "uncore",
      "dram",
    ]);
    // Kepler v0.7.12's Trainer(): the model name without its last "_" token
    assertEquals(
      String(mine.model_name).split("_").slice(0, -1).join("_"),
      "LogarithmicRegressionTrainer",
    );
    const pkg =
      (mine.package as { All_Weights: { CurveFit_Weights: number[] } })
        .All_Weights;
    assertEquals(pkg.CurveFit_Weights.length, 3);
    const plain = await read(
      join(group("plain"), "LogarithmicRegressionTrainer_0", "weight.json"),
    );
    assertEquals(Object.keys(plain), ["package", "core", "uncore", "dram"]);
    const { model_name: _, ...components } = mine;
    assertEquals(Object.keys(components), Object.keys(plain));

    // export writes the kepler-model-db file in the asked form too
    const exported = async (pipeline: string, extra: string[]) => {
      const out = join(dir, `db-${pipeline}`);
      const r = await runCli(flags, [
        "export",
        "-p",
        pipeline,
        "-o",
        out,
        "--publisher",
        "me",
        "--collect-date",
        "2024-07-25",
        "--mae-threshold",
        "1000",
        "--mape-threshold",
        "1000",
        "--hard-threshold",
        "1000",
        "--no-figures",
        ...extra,
      ], { env: { DATAPATH: data, MODEL_PATH: join(dir, "models") } });
      assertEquals(r.code, 0, r.stderr);
      return await read(
        join(
          out,
          "v0.7",
          pipeline,
          "rapl-sysfs",
          "AbsPower",
          "BPFOnly",
          "LogarithmicRegressionTrainer_0.json",
        ),
      );
    };
    const db12 = await exported("mine", ["--weight-format", "v0.7.12"]);
    assertEquals(Object.keys(db12)[0], "model_name");
    assertEquals(db12.model_name, "LogarithmicRegressionTrainer_0");
    // a v0.7.12 pipeline exported without the flag: component keys only
    const db11 = await exported("mine", []);
    assertEquals(Object.keys(db11), ["package", "core", "uncore", "dram"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
