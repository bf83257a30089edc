/**
 * tekton/ is consistent Tekton v1: every file parses, every variable a Task
 * or Pipeline uses is declared, every referenced Task exists and gets the
 * parameters and workspaces it needs, run-after order is acyclic, the runs
 * in examples/ fit their pipelines, and the secret templates use the keys
 * the s3 commands read.
 */
import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import { SECRET_KEYS } from "../lib/s3/mod.ts";
import { VERSION } from "../cli/main.ts";
import {
  loadTektonDocs,
  type ParamSpec,
  pipelineOrder,
  type PipelineSpec,
  type PipelineTask,
  stringsIn,
  type TaskSpec,
  tektonCatalog,
  variableRefs,
} from "./_tekton.ts";

const catalog = await tektonCatalog();
const { docs, tasks, pipelines } = catalog;

Deno.test("every YAML file under tekton/ parses, with apiVersion, kind and a name", async () => {
  const parsed = await loadTektonDocs();
  assert(parsed.length >= 15, `${parsed.length} documents`);
  const tekton = ["Task", "Pipeline", "PipelineRun", "TaskRun"];
  for (const d of parsed) {
    assert(d.name !== "", `${d.file}: no metadata.name`);
    if (tekton.includes(d.kind)) {
      assertEquals(d.apiVersion, "tekton.dev/v1", d.file);
    } else {
      assert(
        ["Secret", "PersistentVolume", "PersistentVolumeClaim"].includes(
          d.kind,
        ),
        `${d.file}: unexpected kind ${d.kind}`,
      );
      assertEquals(d.apiVersion, "v1", d.file);
    }
  }
  const names = parsed.map((d) => `${d.kind}/${d.name}`);
  assertEquals(names.length, new Set(names).size, "duplicate names");
});

Deno.test("tekton/ has the tasks, pipelines and examples of seed 003", () => {
  assertEquals([...tasks.keys()].sort(), [
    "collect-idle",
    "collect-metric",
    "export-models",
    "original-pipeline-task",
    "run-stressng",
    "s3-load",
    "s3-push",
    "train-model",
  ]);
  assertEquals([...pipelines.keys()].sort(), [
    "collect-data-pipeline",
    "complete-retrain-pipeline",
    "complete-train-pipeline",
    "single-retrain-pipeline",
    "single-train-pipeline",
  ]);
  const files = new Set(docs.map((d) => d.file));
  for (
    const f of [
      "examples/single-train/abs-power.yaml",
      "examples/single-train/dyn-power.yaml",
      "examples/single-train/default.yaml",
      "examples/complete-pipelinerun.yaml",
      "pvc/hostpath.yaml",
      "secrets/ibm-cos-secret.yaml",
      "secrets/aws-cos-secret.yaml",
      "tasks/s3/s3-push.yaml",
      "tasks/s3/s3-load.yaml",
    ]
  ) assert(files.has(f), `missing ${f}`);
});

Deno.test("the pipelines take the parameters of seed 003", () => {
  const common = [
    "THIRDPARTY_METRICS",
    "STRESS_BREAK_INTERVAL",
    "STRESS_TIMEOUT",
    "STRESS_ARGS",
    "MACHINE_ID",
    "COS_PROVIDER",
    "COS_SECRET_NAME",
  ];
  const want: Record<string, string[]> = {
    "collect-data-pipeline": common,
    "single-train-pipeline": [
      ...common,
      "FEATURE_GROUP",
      "PIPELINE_NAME",
      "EXTRACTOR",
      "ISOLATOR",
      "ABS_PIPELINE_NAME",
      "TRAINERS",
    ],
    "complete-train-pipeline": [
      ...common,
      "PIPELINE_NAME",
      "EXTRACTOR",
      "ISOLATOR",
      "ABS_PIPELINE_NAME",
      "ABS_TRAINERS",
      "DYN_TRAINERS",
    ],
  };
  for (const [name, params] of Object.entries(want)) {
    const declared = new Set(
      (pipelines.get(name)!.params ?? []).map((p) => p.name),
    );
    for (const p of params) assert(declared.has(p), `${name} lacks ${p}`);
  }
  const stress = pipelines.get("complete-train-pipeline")!.params!.find((p) =>
    p.name === "STRESS_ARGS"
  )!;
  assertEquals(stress.type, "array");
  assertEquals(stress.default, [
    "cpu;none;none",
    "branch;none;none",
    "regs;none;none",
    "l1cache;none;none",
    "cache;none;none",
  ]);
});

function declaredParams(specs: readonly ParamSpec[] | undefined) {
  return new Map((specs ?? []).map((p) => [p.name, p]));
}

function checkTask(name: string, spec: TaskSpec): string[] {
  const problems: string[] = [];
  const params = declaredParams(spec.params);
  const workspaces = new Set((spec.workspaces ?? []).map((w) => w.name));
  const results = new Set((spec.results ?? []).map((r) => r.name));
  const volumes = new Set((spec.volumes ?? []).map((v) => v.name));
  for (
    const { at, text } of stringsIn({
      steps: spec.steps,
      volumes: spec.volumes,
    })
  ) {
    for (const ref of variableRefs(text)) {
      const where = `task ${name} ${at}: ${ref.text}`;
      if (ref.scope === "params") {
        const star = ref.path.endsWith("[*]");
        const p = params.get(star ? ref.path.slice(0, -3) : ref.path);
        if (p === undefined) problems.push(`${where} is not declared`);
        else if ((p.type === "array") !== star) {
          problems.push(
            `${where}: array parameters are used as [*], strings not`,
          );
        }
        if (star && !/\.args\[\d+\]$/.test(at)) {
          problems.push(`${where}: an array parameter only goes in args`);
        }
      } else if (ref.scope === "workspaces") {
        const m = /^([^.]+)\.path$/.exec(ref.path);
        if (!m || !workspaces.has(m[1]!)) {
          problems.push(`${where} is not a declared workspace`);
        }
      } else if (ref.scope === "results") {
        const m = /^([^.]+)\.path$/.exec(ref.path);
        if (!m || !results.has(m[1]!)) {
          problems.push(`${where} is not a declared result`);
        }
      } else problems.push(`${where} cannot be used in a task`);
    }
  }
  for (const r of results) {
    const written = spec.steps.some((s) =>
      (s.script ?? "").includes(`$(results.${r}.path)`)
    );
    if (!written) problems.push(`task ${name}: result ${r} is never written`);
  }
  for (const step of spec.steps) {
    for (const m of step.volumeMounts ?? []) {
      if (!volumes.has(m.name)) {
        problems.push(`task ${name} step ${step.name}: no volume ${m.name}`);
      }
    }
    if (step.script !== undefined && !step.script.startsWith("#!")) {
      problems.push(`task ${name} step ${step.name}: script without #!`);
    }
  }
  return problems;
}

Deno.test("every variable a Task uses is a declared param, workspace or result", () => {
  const problems = [...tasks].flatMap(([name, spec]) => checkTask(name, spec));
  assertEquals(problems, []);
});

function checkPipelineTask(
  pipeline: string,
  spec: PipelineSpec,
  t: PipelineTask,
  regular: ReadonlyMap<string, PipelineTask>,
  isFinally: boolean,
): string[] {
  const problems: string[] = [];
  const where = `pipeline ${pipeline} task ${t.name}`;
  const params = declaredParams(spec.params);
  const workspaces = new Set((spec.workspaces ?? []).map((w) => w.name));
  const taskSpec = t.taskSpec ?? tasks.get(t.taskRef?.name ?? "");
  if (taskSpec === undefined) {
    return [`${where}: task ${t.taskRef?.name} does not exist in tekton/tasks`];
  }
  for (const { at, text } of stringsIn({ params: t.params, when: t.when })) {
    for (const ref of variableRefs(text)) {
      if (ref.scope === "params") {
        const star = ref.path.endsWith("[*]");
        const p = params.get(star ? ref.path.slice(0, -3) : ref.path);
        if (p === undefined) {
          problems.push(`${where} ${at}: ${ref.text} is not declared`);
        } else if ((p.type === "array") !== star) {
          problems.push(`${where} ${at}: ${ref.text} array/string mismatch`);
        }
      } else if (ref.scope === "tasks") {
        const m = /^([^.]+)\.results\.([^.]+)$/.exec(ref.path);
        const from = m ? regular.get(m[1]!) : undefined;
        const fromSpec = from?.taskSpec ?? tasks.get(from?.taskRef?.name ?? "");
        if (!m || from === undefined || fromSpec === undefined) {
          problems.push(`${where} ${at}: ${ref.text} names no pipeline task`);
        } else if (!(fromSpec.results ?? []).some((r) => r.name === m[2])) {
          problems.push(
            `${where} ${at}: ${ref.text} is not a result of ${m[1]}`,
          );
        }
      } else {
        problems.push(`${where} ${at}: ${ref.text} cannot be used here`);
      }
    }
  }
  const taskParams = declaredParams(taskSpec.params);
  const given = new Set((t.params ?? []).map((p) => p.name));
  for (const p of t.params ?? []) {
    const decl = taskParams.get(p.name);
    if (decl === undefined) {
      problems.push(
        `${where}: passes ${p.name}, which the task does not declare`,
      );
    } else if (
      decl.type === "array" &&
      !(Array.isArray(p.value) || /^\$\(params\.[^)]+\[\*\]\)$/.test(p.value))
    ) problems.push(`${where}: ${p.name} needs an array`);
  }
  for (const [name, p] of taskParams) {
    if (p.default === undefined && !given.has(name)) {
      problems.push(`${where}: required parameter ${name} is not passed`);
    }
  }
  const bound = new Set((t.workspaces ?? []).map((w) => w.name));
  for (const w of t.workspaces ?? []) {
    if (!workspaces.has(w.workspace ?? w.name)) {
      problems.push(
        `${where}: workspace ${w.workspace ?? w.name} is not declared`,
      );
    }
    if (!(taskSpec.workspaces ?? []).some((tw) => tw.name === w.name)) {
      problems.push(`${where}: the task has no workspace ${w.name}`);
    }
  }
  for (const w of taskSpec.workspaces ?? []) {
    if (!w.optional && !bound.has(w.name)) {
      problems.push(`${where}: workspace ${w.name} is not bound`);
    }
  }
  for (const w of t.when ?? []) {
    if (!["in", "notin"].includes(w.operator)) {
      problems.push(`${where}: when operator ${w.operator}`);
    }
  }
  if (isFinally && t.runAfter !== undefined) {
    problems.push(`${where}: a finally task has no runAfter`);
  }
  for (const after of t.runAfter ?? []) {
    if (!regular.has(after)) {
      problems.push(`${where}: runs after unknown task ${after}`);
    }
  }
  return problems;
}

Deno.test("every Pipeline's tasks exist, get their params and workspaces, and use declared variables", () => {
  const problems: string[] = [];
  for (const [name, spec] of pipelines) {
    const regular = new Map(spec.tasks.map((t) => [t.name, t]));
    const all = [...spec.tasks, ...(spec.finally ?? [])].map((t) => t.name);
    if (all.length !== new Set(all).size) {
      problems.push(`${name}: duplicate task names`);
    }
    for (const t of spec.tasks) {
      problems.push(...checkPipelineTask(name, spec, t, regular, false));
    }
    for (const t of spec.finally ?? []) {
      problems.push(...checkPipelineTask(name, spec, t, regular, true));
    }
  }
  assertEquals(problems, []);
});

Deno.test("run-after order is acyclic and a result is only read after its task", () => {
  for (const [name, spec] of pipelines) {
    const order = pipelineOrder(spec.tasks).map((t) => t.name);
    assertEquals(order.length, spec.tasks.length, name);
    for (const t of spec.tasks) {
      for (const after of t.runAfter ?? []) {
        assert(
          order.indexOf(after) < order.indexOf(t.name),
          `${name}: ${t.name}`,
        );
      }
    }
  }
  // The collect part runs in the order of seed 003 in every pipeline that
  // collects; the retrain pipelines (upstream's single-retrain and
  // complete-retrain) load the collected data from the bucket instead.
  for (const [name, spec] of pipelines) {
    const order = pipelineOrder(spec.tasks).map((t) => t.name);
    if (name.endsWith("-retrain-pipeline")) {
      assertEquals(order.slice(0, 2), ["s3-load", "train"], name);
      assert(!order.some((t) => t.startsWith("collect")), name);
      continue;
    }
    assertEquals(order.slice(0, 3), [
      "collect-idle",
      "run-stressng",
      "collect-metric",
    ], name);
  }
});

Deno.test("`pipelineOrder()` finds a cycle", () => {
  let error: unknown;
  try {
    pipelineOrder([
      { name: "a", runAfter: ["b"] },
      { name: "b", runAfter: ["a"] },
    ]);
  } catch (e) {
    error = e;
  }
  assert(
    error instanceof RangeError && /cycle: a -> b -> a/.test(error.message),
  );
});

Deno.test("s3-push is skipped without a secret: a finally task with when COS_SECRET_NAME notin ['']", () => {
  for (const [name, spec] of pipelines) {
    const push = (spec.finally ?? []).find((t) =>
      t.taskRef?.name === "s3-push"
    );
    assert(push !== undefined, `${name} has no s3-push in finally`);
    assertEquals(push.when, [{
      input: "$(params.COS_SECRET_NAME)",
      operator: "notin",
      values: [""],
    }], name);
    const secret = spec.params!.find((p) => p.name === "COS_SECRET_NAME")!;
    assertEquals(secret.default, "", name);
  }
});

Deno.test("the examples run existing pipelines with declared parameters and the PVC of pvc/hostpath.yaml", () => {
  const pvc = docs.find((d) => d.kind === "PersistentVolumeClaim")!;
  const problems: string[] = [];
  for (
    const d of docs.filter((d) =>
      d.kind === "PipelineRun" || d.kind === "TaskRun"
    )
  ) {
    const spec = d.doc.spec as {
      pipelineRef?: { name: string };
      taskRef?: { name: string };
      params?: { name: string; value: unknown }[];
      workspaces?: {
        name: string;
        persistentVolumeClaim?: { claimName: string };
      }[];
    };
    const target = d.kind === "PipelineRun"
      ? pipelines.get(spec.pipelineRef?.name ?? "")
      : tasks.get(spec.taskRef?.name ?? "");
    if (target === undefined) {
      problems.push(
        `${d.file}: runs a missing ${
          d.kind === "PipelineRun" ? "pipeline" : "task"
        }`,
      );
      continue;
    }
    const declared = declaredParams(target.params);
    const given = new Set<string>();
    for (const p of spec.params ?? []) {
      given.add(p.name);
      const decl = declared.get(p.name);
      if (decl === undefined) {
        problems.push(`${d.file}: ${p.name} is not a parameter`);
      } else if ((decl.type === "array") !== Array.isArray(p.value)) {
        problems.push(`${d.file}: ${p.name} array/string mismatch`);
      }
    }
    for (const [name, p] of declared) {
      if (p.default === undefined && !given.has(name)) {
        problems.push(`${d.file}: required ${name} is missing`);
      }
    }
    for (const w of target.workspaces ?? []) {
      const b = (spec.workspaces ?? []).find((x) => x.name === w.name);
      if (b === undefined) {
        problems.push(`${d.file}: workspace ${w.name} unbound`);
      } else if (b.persistentVolumeClaim?.claimName !== pvc.name) {
        problems.push(
          `${d.file}: workspace ${w.name} is not the PVC ${pvc.name}`,
        );
      }
    }
  }
  assertEquals(problems, []);
});

Deno.test("the secret templates carry the keys of seed 003, which the s3 commands read", () => {
  const known = new Set<string>(Object.values(SECRET_KEYS));
  const want: Record<string, string[]> = {
    "ibm-cos-secret": [
      "serviceEndpoint",
      "apiKey",
      "serviceInstanceID",
      "bucketName",
    ],
    "aws-cos-secret": [
      "accessKeyID",
      "accessSecret",
      "regionName",
      "bucketName",
    ],
  };
  for (const [name, keys] of Object.entries(want)) {
    const d = docs.find((x) => x.kind === "Secret" && x.name === name);
    assert(d !== undefined, `no Secret ${name}`);
    const data = d.doc.stringData as Record<string, string>;
    assertEquals(Object.keys(data), keys);
    for (const k of keys) assert(known.has(k), `${name}: ${k}`);
    assertEquals(d.doc.type, "Opaque");
  }
});

Deno.test("every task runs our image by default: kepler-model:<CLI version>", () => {
  for (const [name, spec] of tasks) {
    for (const step of spec.steps) {
      if (!step.image.includes("KEPLER_MODEL_IMAGE")) continue;
      const p = declaredParams(spec.params).get("KEPLER_MODEL_IMAGE");
      assertEquals(p?.default, `kepler-model:${VERSION}`, name);
    }
  }
  for (const [name, spec] of pipelines) {
    const p = declaredParams(spec.params).get("KEPLER_MODEL_IMAGE");
    assertEquals(p?.default, `kepler-model:${VERSION}`, name);
  }
});
