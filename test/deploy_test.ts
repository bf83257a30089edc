/**
 * deploy/: the model server's Kubernetes manifests and Kepler's ConfigMap
 * patch are consistent (ports, names, paths, the PVC the Tekton pipelines
 * train into), and the container's command line runs for real: the `serve`
 * task's permissions, the manifest's arguments and environment, with
 * MODEL_PATH holding a trained pipeline and INITIAL_PIPELINE_URL pointing at
 * a local copy of kepler-model-db's ec2-0.7.11 zip. The probes' path answers
 * 200 and Kepler v0.7.12's request gets a weight JSON.
 */
import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import { basename, join } from "node:path";
import { parseAllDocuments } from "yaml";
import { ENV_KEYS } from "../cli/config.ts";
import { collectDir, zipEntries } from "../lib/io/zip.ts";
import { ROOT, runTask, startServeTask } from "./_cli.ts";
import { requireTool } from "./_prometheus.ts";
import { testdata } from "./testdata.ts";

// deno-lint-ignore no-explicit-any
type Doc = any;

async function docs(file: string): Promise<Doc[]> {
  const text = await Deno.readTextFile(join(ROOT, file));
  return parseAllDocuments(text).map((d) => {
    assertEquals(d.errors, [], file);
    return d.toJS();
  });
}

const [deployment, service] = await docs("deploy/model-server.yaml");
const [keplerConfig] = await docs("deploy/kepler-config-patch.yaml");
const container = deployment.spec.template.spec.containers[0];
const env: Record<string, string> = Object.fromEntries(
  container.env.map((e: { name: string; value: string }) => [e.name, e.value]),
);

Deno.test("deploy/: the Deployment, its Service and Kepler's ConfigMap agree on names, ports and paths", async () => {
  assertEquals(
    [deployment.kind, service.kind, keplerConfig.kind],
    ["Deployment", "Service", "ConfigMap"],
  );
  // every variable is one cli/config.ts reads (or Deno's cache folder)
  for (const name of Object.keys(env)) {
    assert(
      (ENV_KEYS as readonly string[]).includes(name) || name === "DENO_DIR",
      name,
    );
  }
  // port: MODEL_SERVER_PORT = containerPort = the Service's target
  const port = container.ports.find((p: { name: string }) =>
    p.name === service.spec.ports[0].targetPort
  );
  assertEquals(port.containerPort, Number(env.MODEL_SERVER_PORT));
  assertEquals(
    deployment.spec.selector.matchLabels,
    service.spec.selector,
  );
  // Kepler asks http://<service>.<namespace>.svc.cluster.local:<port>/model
  const url = new URL(keplerConfig.data.MODEL_SERVER_URL);
  assertEquals(
    url.hostname,
    `${service.metadata.name}.${service.metadata.namespace}.svc.cluster.local`,
  );
  assertEquals(Number(url.port), service.spec.ports[0].port);
  assertEquals(keplerConfig.data.MODEL_SERVER_ENABLE, "true");
  assertEquals(keplerConfig.data.MODEL_SERVER_MODEL_REQ_PATH, "/model");
  assertEquals(keplerConfig.metadata.namespace, service.metadata.namespace);
  // probes ask a route the server has, on the named port
  for (const probe of [container.readinessProbe, container.livenessProbe]) {
    assertEquals([probe.httpGet.path, probe.httpGet.port], [
      "/healthz",
      "http",
    ]);
  }
  // MODEL_PATH is the Tekton tasks' $(workspaces.mnt.path)/models on the same claim
  const pvc = (await docs("tekton/pvc/hostpath.yaml")).find((d) =>
    d.kind === "PersistentVolumeClaim"
  );
  const volume = deployment.spec.template.spec.volumes.find((
    v: { persistentVolumeClaim?: { claimName: string } },
  ) => v.persistentVolumeClaim !== undefined);
  assertEquals(volume.persistentVolumeClaim.claimName, pvc.metadata.name);
  const mount = container.volumeMounts.find((m: { name: string }) =>
    m.name === volume.name
  );
  assertEquals(env.MODEL_PATH, `${mount.mountPath}/models`);
  assert(mount.readOnly, "the server only reads the claim");
  const collect = await Deno.readTextFile(
    join(ROOT, "tekton", "tasks", "collect-metric.yaml"),
  );
  assert(collect.includes("value: $(workspaces.mnt.path)/models"));
  // non-root, as the image's user, nothing written outside /tmp
  const pod = deployment.spec.template.spec.securityContext;
  assertEquals([pod.runAsNonRoot, pod.runAsUser], [true, 1993]);
  assert(container.securityContext.readOnlyRootFilesystem);
  assert(
    container.volumeMounts.some((m: { mountPath: string }) =>
      m.mountPath === "/tmp"
    ) && env.DENO_DIR!.startsWith("/tmp/"),
  );
  const dockerfile = await Deno.readTextFile(join(ROOT, "Dockerfile"));
  assert(/^USER 1993:1993$/m.test(dockerfile));
});

const PUBLISHED = testdata("kepler-model-db/models/v0.7");

Deno.test({
  name:
    "deploy/: the container's command line serves MODEL_PATH and the INITIAL_PIPELINE_URL zips, and answers the probe and Kepler",
}, async () => {
  assertEquals(container.args[0], "serve");
  const dir = await Deno.makeTempDir({ prefix: "kepler-deploy-" });
  const published = PUBLISHED;
  const files = new AbortController();
  try {
    // MODEL_PATH: a pipeline as training leaves it (published layout)
    const modelPath = join(dir, "models");
    const group = join(modelPath, "trained", "acpi", "AbsPower", "BPFOnly");
    await Deno.mkdir(group, { recursive: true });
    await Deno.writeTextFile(join(modelPath, "trained", "metadata.json"), "{}");
    await Deno.writeTextFile(
      join(group, "SGDRegressorTrainer_0.json"),
      JSON.stringify({
        platform: {
          All_Weights: {
            Bias_Weight: 55,
            Categorical_Variables: {},
            Numerical_Variables: { bpf_cpu_time_ms: { scale: 1, weight: 1 } },
          },
        },
      }),
    );
    // INITIAL_PIPELINE_URL: the manifest's file names, from a local server
    const names = env.INITIAL_PIPELINE_URL!.split(",").map((u) =>
      basename(new URL(u).pathname)
    );
    assertEquals(names, ["ec2-0.7.11.zip", "specpower-0.7.11.zip"]);
    const zips = new Map<string, Uint8Array<ArrayBuffer>>();
    for (const name of names) {
      const folder = join(published, name.replace(/\.zip$/, ""));
      zips.set(
        name,
        zipEntries(await collectDir(folder)) as Uint8Array<ArrayBuffer>,
      );
    }
    const fileServer = Deno.serve({
      hostname: "127.0.0.1",
      port: 0,
      signal: files.signal,
      onListen() {},
    }, (request) => {
      const zip = zips.get(basename(new URL(request.url).pathname));
      return zip ? new Response(zip) : new Response("no", { status: 404 });
    });
    const base = `http://127.0.0.1:${fileServer.addr.port}/models/v0.7`;
    const server = await startServeTask("serve", container.args.slice(1), {
      ...env,
      MODEL_PATH: modelPath,
      MODEL_SERVER_PORT: "0",
      INITIAL_PIPELINE_URL: names.map((n) => `${base}/${n}`).join(","),
    }, dir);
    try {
      assert(server.firstLine.includes("of 3 pipelines"), server.firstLine);
      // --listen-all: bound to every interface
      assert(server.url.startsWith("http://0.0.0.0:"), server.url);
      const url = server.url.replace("0.0.0.0", "127.0.0.1");
      const health = await fetch(
        `${url}${container.readinessProbe.httpGet.path}`,
      );
      assertEquals(health.status, 200);
      assertEquals((await health.json()).pipelines, [
        "ec2-0.7.11",
        "specpower-0.7.11",
        "trained",
      ]);
      // Kepler v0.7.12's request for RAPL package power
      const reply = await fetch(
        `${url}${keplerConfig.data.MODEL_SERVER_MODEL_REQ_PATH}`,
        {
          method: "POST",
          body: JSON.stringify({
            metrics: [
              "bpf_cpu_time_ms",
              "cpu_cycles",
              "cpu_instructions",
              "cache_miss",
            ],
            output_type: "AbsPower",
            source: "intel_rapl",
            node_type: 0,
            weight: true,
            trainer_name: "SGDRegressorTrainer",
            filter: "",
          }),
        },
      );
      assertEquals(reply.status, 200);
      assertEquals(
        reply.headers.get("x-kepler-model")?.split("/")[0],
        "ec2-0.7.11",
      );
      assert("package" in await reply.json());
    } finally {
      server.child.kill("SIGTERM");
      await server.child.status;
    }
  } finally {
    files.abort();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deploy/calibrate.yaml: calibrate runs next to the model server, on its claim read-write, with flags and variables it knows", async () => {
  const [calDeployment, calService] = await docs("deploy/calibrate.yaml");
  assertEquals([calDeployment.kind, calService.kind], [
    "Deployment",
    "Service",
  ]);
  assertEquals(calDeployment.spec.replicas, 1); // the one writer
  const spec = calDeployment.spec.template.spec;
  const cal = spec.containers[0];
  assertEquals(cal.args[0], "calibrate");
  const calEnv: Record<string, string> = Object.fromEntries(
    cal.env.map((e: { name: string; value: string }) => [e.name, e.value]),
  );
  for (const name of Object.keys(calEnv)) {
    assert(
      (ENV_KEYS as readonly string[]).includes(name) || name === "DENO_DIR",
      name,
    );
  }
  // the model server's MODEL_PATH, on the same claim, writable here
  assertEquals(calEnv.MODEL_PATH, env.MODEL_PATH);
  const claim = (s: Doc) =>
    s.volumes.find((v: Doc) => v.persistentVolumeClaim).persistentVolumeClaim;
  assertEquals(
    claim(spec).claimName,
    claim(deployment.spec.template.spec).claimName,
  );
  assert(!claim(spec).readOnly);
  // every flag is one `calibrate --help` lists; the metrics port is served
  const help = await runTask("calibrate", ["--help"]);
  for (const flag of cal.args.filter((a: string) => a.startsWith("--"))) {
    assert(help.stdout.includes(flag), `${flag}\n${help.stdout}`);
  }
  const port = cal.args[cal.args.indexOf("--metrics-port") + 1];
  assertEquals(cal.ports[0].containerPort, Number(port));
  assertEquals(calService.spec.ports[0].targetPort, cal.ports[0].name);
  assertEquals(cal.readinessProbe.httpGet.path, "/healthz");
});

Deno.test({
  name:
    "deploy/calibrate-alerts.yaml: promtool checks the rules and their unit tests pass",
  ignore: requireTool(["promtool"]).ignore,
}, async () => {
  for (
    const args of [
      ["check", "rules", "calibrate-alerts.yaml"],
      ["test", "rules", "calibrate-alerts_test.yaml"],
    ]
  ) {
    const out = await new Deno.Command("promtool", {
      args,
      cwd: join(ROOT, "deploy"),
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout) +
      new TextDecoder().decode(out.stderr);
    assertEquals(out.code, 0, text);
    assert(text.includes("SUCCESS"), text);
  }
});
