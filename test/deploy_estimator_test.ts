/**
 * deploy/kepler-estimator-sidecar.yaml and its ConfigMap patch, run for
 * real: the ConfigMap's data become files in a folder (as Kubernetes mounts
 * them at /etc/kepler/kepler.config), the sidecar container's arguments and
 * environment run under the serve_estimator task's permissions, with the
 * MODEL_CONFIG URLs pointing at a local copy of kepler-model-db, and
 * Kepler's power requests on the socket get the published weight files'
 * powers (Kepler's linear formula, computed here from the files).
 */
import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { ENV_KEYS } from "../cli/config.ts";
import { DEFAULT_ESTIMATOR_SOCKET } from "../cli/commands/serve.ts";
import { ROOT, startServeTask, stopServer } from "./_cli.ts";
import {
  askSocket,
  keplerLinear,
  MODEL_DB,
  serveModelDb,
  type Weights,
} from "./_model_db.ts";

// deno-lint-ignore no-explicit-any
type Doc = any;

async function doc(file: string): Promise<Doc> {
  const text = await Deno.readTextFile(join(ROOT, file));
  const docs = parseAllDocuments(text);
  assertEquals(docs.length, 1, file);
  assertEquals(docs[0]!.errors, [], file);
  return docs[0]!.toJS();
}

const PUBLISHED =
  "https://raw.githubusercontent.com/sustainable-computing-io/kepler-model-db/main/models/v0.7";

Deno.test("deploy/kepler-estimator-*.yaml: the sidecar shares Kepler's /tmp and reads kepler-cfm where upstream's estimator does", async () => {
  const config = await doc("deploy/kepler-estimator-config-patch.yaml");
  const sidecar = await doc("deploy/kepler-estimator-sidecar.yaml");
  assertEquals([config.kind, config.metadata.name], [
    "ConfigMap",
    "kepler-cfm",
  ]);
  assertEquals(
    [sidecar.kind, sidecar.metadata.name],
    ["DaemonSet", "kepler-exporter"],
  );
  const spec = sidecar.spec.template.spec;
  const [estimator, kepler] = spec.containers;
  assertEquals([estimator.name, kepler.name], ["estimator", "kepler-exporter"]);
  const mounts = (c: Doc) =>
    Object.fromEntries(
      c.volumeMounts.map((m: Doc) => [m.name, m.mountPath]),
    );
  // the socket's folder is one volume in both containers
  const socketDir = "/tmp";
  assertEquals(estimator.args[0], "estimator");
  assert(!estimator.args.includes("--estimator-socket"));
  assertEquals(DEFAULT_ESTIMATOR_SOCKET, `${socketDir}/estimator.sock`);
  const shared = spec.volumes.find((v: Doc) => v.emptyDir !== undefined).name;
  assertEquals(mounts(estimator)[shared], socketDir);
  assertEquals(mounts(kepler)[shared], socketDir);
  // kepler-cfm (Kepler's volume "cfm") where CONFIG_PATH defaults to
  assertEquals(mounts(estimator).cfm, "/etc/kepler/kepler.config");
  for (const e of estimator.env) {
    assert(
      (ENV_KEYS as readonly string[]).includes(e.name) || e.name === "DENO_DIR",
      e.name,
    );
  }
});

Deno.test("deploy/kepler-estimator-*.yaml: the sidecar's command answers Kepler's power requests with MODEL_CONFIG's models", async () => {
  const config = await doc("deploy/kepler-estimator-config-patch.yaml");
  const sidecar = await doc("deploy/kepler-estimator-sidecar.yaml");
  const estimator = sidecar.spec.template.spec.containers[0];
  const tmp = await Deno.makeTempDir({ prefix: "kepler-sidecar-" });
  const { server: files, top: local } = serveModelDb();
  try {
    // kepler-cfm as Kubernetes mounts it: one file per key
    const cfm = join(tmp, "kepler.config");
    await Deno.mkdir(cfm);
    for (const [key, value] of Object.entries(config.data)) {
      await Deno.writeTextFile(
        join(cfm, key),
        String(value).replaceAll(PUBLISHED, local),
      );
    }
    const socket = join(tmp, "estimator.sock");
    // the manifest's command with the socket in this test's folder
    const [task, ...args] = estimator.args as string[];
    const server = await startServeTask(task!, [
      ...args,
      "--estimator-socket",
      socket,
    ], {
      CONFIG_PATH: cfm,
      MODEL_PATH: join(tmp, "no-pipelines"),
    });
    try {
      const metrics = ["bpf_cpu_time_ms", "bpf_page_cache_hit", "cpu_cycles"];
      const values = [[642.3, 10, 5e8], [0, 0, 0], [31000, 2500, 9e9]];
      for (
        const [source, file, components] of [
          [
            "intel_rapl",
            "ec2-0.7.11/rapl-sysfs/AbsPower/BPFOnly/SGDRegressorTrainer_0.json",
            ["package", "dram"],
          ],
          [
            "acpi",
            "specpower-0.7.11/acpi/AbsPower/BPFOnly/SGDRegressorTrainer_0.json",
            ["platform"],
          ],
        ] as const
      ) {
        const weights = JSON.parse(
          await Deno.readTextFile(join(MODEL_DB, file)),
        ) as Weights;
        const reply = await askSocket(socket, {
          metrics,
          values,
          output_type: "AbsPower",
          source,
          system_features: ["cpu_architecture"],
          system_values: ["Skylake"],
          trainer_name: "",
          filter: "",
        }) as { powers: Record<string, number[]>; msg: string };
        assertEquals(reply.msg, "", source);
        for (const c of components) {
          values.forEach((v, i) => {
            const row = Object.fromEntries(metrics.map((m, j) => [m, v[j]!]));
            const want = keplerLinear(weights, c, row);
            const got = reply.powers[c]![i]!;
            assert(
              Math.abs(got - want) <= 1e-9 * Math.max(1, want),
              `${source} ${c}[${i}]: ${got} against ${want}`,
            );
          });
        }
      }
    } finally {
      await stopServer(server);
    }
  } finally {
    await files.shutdown();
    await Deno.remove(tmp, { recursive: true });
  }
});
