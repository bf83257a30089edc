/**
 * Test helpers for tekton/: load its YAML files, find the variable
 * references of Tekton v1 (`$(params.X)`, `$(workspaces.W.path)`,
 * `$(results.R.path)`, `$(tasks.T.results.R)`), and run Tasks and Pipelines
 * on this machine the way Tekton would: parameters and results substituted
 * into each step's script, env and args, steps run in order by the
 * interpreter of their shebang in a clean environment, results read back
 * from their files, pipeline tasks run in run-after order with their `when`
 * expressions, then the `finally` tasks. Volume mounts map to local folders
 * (a secret's to a given folder), so nothing outside temp dirs is touched.
 *
 * @module
 */
import { dirname, join, relative, resolve } from "node:path";
import { parseAllDocuments } from "yaml";

/** The repository root. */
export const ROOT: string = resolve(
  dirname(new URL(import.meta.url).pathname),
  "..",
);

/** The tekton/ folder. */
export const TEKTON_DIR: string = join(ROOT, "tekton");

/** A parameter declaration. */
export interface ParamSpec {
  name: string;
  type?: "string" | "array" | "object";
  default?: string | string[];
  description?: string;
}

/** A step. */
export interface Step {
  name: string;
  image: string;
  script?: string;
  command?: string[];
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: unknown }[];
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
}

/** A Task's spec. */
export interface TaskSpec {
  description?: string;
  params?: ParamSpec[];
  workspaces?: { name: string; optional?: boolean; description?: string }[];
  results?: { name: string; description?: string }[];
  volumes?: {
    name: string;
    secret?: { secretName: string; optional?: boolean };
    hostPath?: { path: string };
  }[];
  steps: Step[];
}

/** A `when` expression. */
export interface WhenExpression {
  input: string;
  operator: "in" | "notin";
  values: string[];
}

/** A task of a Pipeline. */
export interface PipelineTask {
  name: string;
  taskRef?: { name: string };
  taskSpec?: TaskSpec;
  runAfter?: string[];
  when?: WhenExpression[];
  params?: { name: string; value: string | string[] }[];
  workspaces?: { name: string; workspace?: string }[];
  timeout?: string;
}

/** A Pipeline's spec. */
export interface PipelineSpec {
  description?: string;
  params?: ParamSpec[];
  workspaces?: { name: string; optional?: boolean }[];
  tasks: PipelineTask[];
  finally?: PipelineTask[];
}

/** One YAML document of tekton/. */
export interface TektonDoc {
  /** Path relative to tekton/. */
  file: string;
  /** apiVersion. */
  apiVersion: string;
  /** kind. */
  kind: string;
  /** metadata.name. */
  name: string;
  /** The whole document. */
  doc: Record<string, unknown>;
}

async function* yamlFiles(dir: string): AsyncGenerator<string> {
  const entries: Deno.DirEntry[] = [];
  for await (const entry of Deno.readDir(dir)) entries.push(entry);
  entries.sort((a, b) => a.name < b.name ? -1 : 1);
  for (const entry of entries) {
    const full = join(dir, entry.name);
    if (entry.isDirectory) yield* yamlFiles(full);
    else if (/\.ya?ml$/.test(entry.name)) yield full;
  }
}

/** Parses every YAML file below tekton/; a parse error throws naming the file. */
export async function loadTektonDocs(): Promise<TektonDoc[]> {
  const out: TektonDoc[] = [];
  for await (const file of yamlFiles(TEKTON_DIR)) {
    const rel = relative(TEKTON_DIR, file);
    const docs = parseAllDocuments(await Deno.readTextFile(file));
    const list = Array.isArray(docs) ? docs : [docs];
    for (const d of list) {
      if (d.errors.length > 0) {
        throw new SyntaxError(
          `${rel}: ${d.errors.map((e) => e.message).join("; ")}`,
        );
      }
      const doc = d.toJS() as Record<string, unknown> | null;
      if (doc === null) continue;
      const metadata = (doc.metadata ?? {}) as Record<string, unknown>;
      out.push({
        file: rel,
        apiVersion: String(doc.apiVersion),
        kind: String(doc.kind),
        name: String(metadata.name ?? ""),
        doc,
      });
    }
  }
  return out;
}

/** A variable reference of Tekton in a string. */
export interface VariableRef {
  /** The whole reference, e.g. `$(params.X)`. */
  text: string;
  /** params, workspaces, results, tasks, context or steps. */
  scope: string;
  /** The rest, e.g. `X`, `mnt.path`, `collect-idle.results.stress-start-time`. */
  path: string;
}

const VARIABLE =
  /\$\((params|workspaces|results|tasks|context|steps)\.([^)\s]+)\)/g;

/**
 * The Tekton variable references in a string (shell's `$(command)` and
 * `$((arithmetic))` are not Tekton's and are left out).
 */
export function variableRefs(text: string): VariableRef[] {
  return [...text.matchAll(VARIABLE)].map((m) => ({
    text: m[0],
    scope: m[1]!,
    path: m[2]!,
  }));
}

/** Every string inside a value, with its path (for messages). */
export function stringsIn(
  value: unknown,
  at = "",
): { at: string; text: string }[] {
  if (typeof value === "string") return [{ at, text: value }];
  if (Array.isArray(value)) {
    return value.flatMap((v, i) => stringsIn(v, `${at}[${i}]`));
  }
  if (value !== null && typeof value === "object") {
    return Object.entries(value).flatMap(([k, v]) =>
      stringsIn(v, at === "" ? k : `${at}.${k}`)
    );
  }
  return [];
}

/** Values for the variables of one task run. */
export interface Substitutions {
  params: Record<string, string | string[]>;
  workspaces?: Record<string, string>;
  results?: Record<string, string>;
  tasks?: Record<string, Record<string, string>>;
}

function lookup(ref: VariableRef, s: Substitutions): string | string[] {
  const fail = () => {
    throw new ReferenceError(`Unresolved Tekton variable ${ref.text}`);
  };
  if (ref.scope === "params") {
    const star = ref.path.endsWith("[*]");
    const name = star ? ref.path.slice(0, -3) : ref.path;
    const v = s.params[name];
    if (v === undefined) return fail();
    if (Array.isArray(v) !== star) {
      throw new TypeError(
        `${ref.text}: parameter ${name} is ${
          Array.isArray(v) ? "an array (use [*])" : "a string"
        }`,
      );
    }
    return v;
  }
  if (ref.scope === "workspaces") {
    const m = /^([^.]+)\.path$/.exec(ref.path);
    const v = m ? s.workspaces?.[m[1]!] : undefined;
    return v ?? fail();
  }
  if (ref.scope === "results") {
    const m = /^([^.]+)\.path$/.exec(ref.path);
    const v = m ? s.results?.[m[1]!] : undefined;
    return v ?? fail();
  }
  if (ref.scope === "tasks") {
    const m = /^([^.]+)\.results\.([^.]+)$/.exec(ref.path);
    const v = m ? s.tasks?.[m[1]!]?.[m[2]!] : undefined;
    return v ?? fail();
  }
  return fail();
}

/** Substitutes the variables of a string; an array parameter must be the whole string. */
export function substitute(text: string, s: Substitutions): string {
  return text.replace(VARIABLE, (whole, scope: string, path: string) => {
    const v = lookup({ text: whole, scope, path }, s);
    if (Array.isArray(v)) {
      throw new TypeError(`${whole} (an array) inside "${text}"`);
    }
    return v;
  });
}

/** Substitutes a value that may be one whole array reference. */
export function substituteValue(
  text: string,
  s: Substitutions,
): string | string[] {
  const refs = variableRefs(text);
  if (refs.length === 1 && refs[0]!.text === text) {
    const v = lookup(refs[0]!, s);
    return Array.isArray(v) ? [...v] : v;
  }
  return substitute(text, s);
}

/** The parameter values of a task or pipeline run: declared defaults, then the given ones. */
export function resolveParams(
  specs: readonly ParamSpec[] | undefined,
  given: Readonly<Record<string, string | string[]>>,
  what: string,
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const p of specs ?? []) {
    const v = given[p.name] ?? p.default;
    if (v === undefined) {
      throw new TypeError(`${what}: parameter ${p.name} has no value`);
    }
    out[p.name] = v;
  }
  for (const name of Object.keys(given)) {
    if (!(name in out)) {
      throw new TypeError(`${what}: parameter ${name} is not declared`);
    }
  }
  return out;
}

/** Evaluates `when` expressions (all must hold). */
export function whenHolds(
  when: readonly WhenExpression[] | undefined,
  s: Substitutions,
): boolean {
  return (when ?? []).every((w) => {
    const input = substitute(w.input, s);
    const values = w.values.map((v) => substitute(v, s));
    return w.operator === "in"
      ? values.includes(input)
      : !values.includes(input);
  });
}

/** How a task runs on this machine. */
export interface LocalRun {
  /** Folder per workspace name (e.g. `{ mnt: "/tmp/x" }`). */
  workspaces: Record<string, string>;
  /** Folder with the files of a secret, by secret name. Default: none. */
  secrets?: Record<string, string>;
  /** Environment every step starts from (PATH, HOME, ...). */
  env: Record<string, string>;
  /** Called with each step's output. Default: none. */
  onStep?: (task: string, step: string, output: string) => void;
}

/** The outcome of a task run. */
export interface TaskOutcome {
  /** Results by name. */
  results: Record<string, string>;
  /** Steps' combined output. */
  output: string;
}

function interpreterOf(script: string): string[] {
  const first = script.split("\n", 1)[0] ?? "";
  const m = /^#!\s*(\S+)(?:\s+(\S+))?/.exec(first);
  if (!m) return ["sh"];
  if (m[1]!.endsWith("/env") && m[2] !== undefined) return [m[2]];
  return [m[1]!];
}

/**
 * Runs a Task's steps in order, as Tekton's entrypoint would; a failing step
 * throws an Error with its output.
 */
export async function runTaskSpec(
  taskName: string,
  spec: TaskSpec,
  given: Readonly<Record<string, string | string[]>>,
  local: LocalRun,
): Promise<TaskOutcome> {
  const params = resolveParams(spec.params, given, `task ${taskName}`);
  const tmp = await Deno.makeTempDir({ prefix: `tekton_${taskName}_` });
  try {
    const resultsDir = join(tmp, "results");
    await Deno.mkdir(resultsDir);
    const results: Record<string, string> = {};
    for (const r of spec.results ?? []) {
      results[r.name] = join(resultsDir, r.name);
    }
    const s: Substitutions = { params, workspaces: local.workspaces, results };
    const mounts = new Map<string, string>();
    for (const v of spec.volumes ?? []) {
      let dir: string | undefined;
      if (v.secret !== undefined) {
        dir = local.secrets?.[substitute(v.secret.secretName, s)];
      }
      if (dir === undefined) {
        dir = join(tmp, "volumes", v.name);
        await Deno.mkdir(dir, { recursive: true });
      }
      mounts.set(v.name, dir);
    }
    let output = "";
    for (const step of spec.steps) {
      const mapPaths = (text: string): string => {
        let out = text;
        for (const m of step.volumeMounts ?? []) {
          out = out.replaceAll(m.mountPath, mounts.get(m.name) ?? m.mountPath);
        }
        return out;
      };
      const env: Record<string, string> = { ...local.env };
      for (const e of step.env ?? []) {
        if (e.value === undefined) {
          throw new TypeError(
            `${taskName}/${step.name}: env ${e.name} has no value (valueFrom is not run locally)`,
          );
        }
        env[e.name] = mapPaths(substitute(e.value, s));
      }
      const args = (step.args ?? []).flatMap((a) => {
        const v = substituteValue(a, s);
        return Array.isArray(v) ? v : [mapPaths(v)];
      });
      if (step.script === undefined) {
        throw new TypeError(
          `${taskName}/${step.name}: only script steps run locally`,
        );
      }
      const script = mapPaths(substitute(step.script, s));
      const file = join(tmp, `${step.name}.script`);
      await Deno.writeTextFile(file, script);
      const [interpreter] = interpreterOf(script);
      const work = join(tmp, "work");
      await Deno.mkdir(work, { recursive: true });
      const out = await new Deno.Command(interpreter!, {
        args: [file, ...args],
        env,
        clearEnv: true,
        cwd: work,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).output();
      const text = new TextDecoder().decode(out.stdout) +
        new TextDecoder().decode(out.stderr);
      output += text;
      local.onStep?.(taskName, step.name, text);
      if (!out.success) {
        throw new Error(
          `Tekton task ${taskName}, step ${step.name} exited ${out.code}:\n${text}`,
        );
      }
    }
    const values: Record<string, string> = {};
    for (const [name, path] of Object.entries(results)) {
      try {
        values[name] = await Deno.readTextFile(path);
      } catch {
        // not written
      }
    }
    return { results: values, output };
  } finally {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
}

/** Pipeline tasks in an order that respects runAfter and result references; throws on a cycle. */
export function pipelineOrder(tasks: readonly PipelineTask[]): PipelineTask[] {
  const byName = new Map(tasks.map((t) => [t.name, t]));
  const deps = (t: PipelineTask): string[] => {
    const refs = stringsIn(t.params ?? []).concat(stringsIn(t.when ?? []))
      .flatMap((x) => variableRefs(x.text))
      .filter((r) => r.scope === "tasks")
      .map((r) => r.path.split(".")[0]!);
    return [...new Set([...(t.runAfter ?? []), ...refs])];
  };
  const out: PipelineTask[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (t: PipelineTask, path: string[]) => {
    if (state.get(t.name) === "done") return;
    if (state.get(t.name) === "visiting") {
      throw new RangeError(
        `runAfter cycle: ${[...path, t.name].join(" -> ")}`,
      );
    }
    state.set(t.name, "visiting");
    for (const d of deps(t)) {
      const dep = byName.get(d);
      if (dep === undefined) {
        throw new ReferenceError(`${t.name} runs after unknown task ${d}`);
      }
      visit(dep, [...path, t.name]);
    }
    state.set(t.name, "done");
    out.push(t);
  };
  for (const t of tasks) visit(t, []);
  return out;
}

/** What a pipeline run did. */
export interface PipelineOutcome {
  /** Task names that ran, in order. */
  ran: string[];
  /** Task names skipped by `when`. */
  skipped: string[];
  /** Results by task. */
  results: Record<string, Record<string, string>>;
}

/**
 * Runs a Pipeline: its tasks in order (each skipped when its `when` does not
 * hold), then its `finally` tasks. `tasks` maps Task names to their specs.
 * A failing task stops the pipeline after the finally tasks ran.
 */
export async function runPipelineSpec(
  name: string,
  spec: PipelineSpec,
  given: Readonly<Record<string, string | string[]>>,
  tasks: ReadonlyMap<string, TaskSpec>,
  local: LocalRun,
): Promise<PipelineOutcome> {
  const params = resolveParams(spec.params, given, `pipeline ${name}`);
  const outcome: PipelineOutcome = { ran: [], skipped: [], results: {} };
  const runOne = async (t: PipelineTask) => {
    const s: Substitutions = { params, tasks: outcome.results };
    if (!whenHolds(t.when, s)) {
      outcome.skipped.push(t.name);
      return;
    }
    const taskSpec = t.taskSpec ??
      (t.taskRef ? tasks.get(t.taskRef.name) : undefined);
    if (taskSpec === undefined) {
      throw new ReferenceError(`${name}/${t.name}: no such task`);
    }
    const taskParams: Record<string, string | string[]> = {};
    for (const p of t.params ?? []) {
      taskParams[p.name] = Array.isArray(p.value)
        ? p.value.map((v) => substitute(v, s))
        : substituteValue(p.value, s);
    }
    const workspaces: Record<string, string> = {};
    for (const w of t.workspaces ?? []) {
      const dir = local.workspaces[w.workspace ?? w.name];
      if (dir === undefined) {
        throw new ReferenceError(`${name}/${t.name}: no workspace ${w.name}`);
      }
      workspaces[w.name] = dir;
    }
    const done = await runTaskSpec(t.name, taskSpec, taskParams, {
      ...local,
      workspaces,
    });
    outcome.ran.push(t.name);
    outcome.results[t.name] = done.results;
  };
  let failure: unknown;
  try {
    for (const t of pipelineOrder(spec.tasks)) await runOne(t);
  } catch (error) {
    failure = error;
  }
  for (const t of spec.finally ?? []) await runOne(t);
  if (failure !== undefined) throw failure;
  return outcome;
}

/** The Tasks and Pipelines of tekton/ by name. */
export async function tektonCatalog(): Promise<{
  docs: TektonDoc[];
  tasks: Map<string, TaskSpec>;
  pipelines: Map<string, PipelineSpec>;
}> {
  const docs = await loadTektonDocs();
  const tasks = new Map<string, TaskSpec>();
  const pipelines = new Map<string, PipelineSpec>();
  for (const d of docs) {
    if (d.kind === "Task") tasks.set(d.name, d.doc.spec as TaskSpec);
    if (d.kind === "Pipeline") {
      pipelines.set(d.name, d.doc.spec as PipelineSpec);
    }
  }
  return { docs, tasks, pipelines };
}

/** The `kepler-model` command lines of a script, joined across `\` continuations. */
export function cliLinesOf(script: string): string[] {
  return script.replace(/\\\n/g, " ").split("\n")
    .filter((line) => /^\s*(?:exec\s+)?kepler-model\s/.test(line));
}

// ------------------------------------------------------------ the image

/** One instruction of a Dockerfile (continuations joined, heredocs attached). */
export interface DockerInstruction {
  /** Upper-case keyword, e.g. `COPY`. */
  keyword: string;
  /** The rest of the line. */
  args: string;
  /** Heredoc bodies by delimiter. */
  heredocs: Record<string, string>;
}

/** Parses the Dockerfile at the repository root. */
export async function readDockerfile(
  path: string = join(ROOT, "Dockerfile"),
): Promise<DockerInstruction[]> {
  const lines = (await Deno.readTextFile(path)).split("\n");
  const out: DockerInstruction[] = [];
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!;
    if (/^\s*(#|$)/.test(line)) continue;
    while (line.endsWith("\\") && i + 1 < lines.length) {
      line = line.slice(0, -1) + " " + lines[++i]!.trim();
    }
    const m = /^\s*([A-Za-z]+)\s+(.*)$/.exec(line);
    if (!m) throw new SyntaxError(`Dockerfile line ${i + 1}: ${line}`);
    const heredocs: Record<string, string> = {};
    for (const h of m[2]!.matchAll(/<<-?['"]?([A-Za-z_]+)['"]?/g)) {
      const body: string[] = [];
      while (++i < lines.length && lines[i] !== h[1]) body.push(lines[i]!);
      heredocs[h[1]!] = body.join("\n") + "\n";
    }
    out.push({ keyword: m[1]!.toUpperCase(), args: m[2]!, heredocs });
  }
  return out;
}

/** The wrapper script the Dockerfile writes to `path`, and where it puts the bundle. */
export async function imageWrapper(
  path = "/usr/local/bin/kepler-model",
): Promise<{ script: string; bundlePath: string }> {
  const copy = (await readDockerfile()).find((i) =>
    i.keyword === "COPY" && Object.keys(i.heredocs).length === 1 &&
    i.args.trim().endsWith(` ${path}`)
  );
  if (copy === undefined) {
    throw new ReferenceError(`The Dockerfile writes no ${path}`);
  }
  const script = Object.values(copy.heredocs)[0]!;
  const m = /\s(\/\S+\.js)\s+"\$@"/.exec(script);
  if (!m) throw new SyntaxError(`${path} runs no bundle: ${script}`);
  return { script, bundlePath: m[1]! };
}

/**
 * The bundles the Dockerfile's build stage makes (`deno bundle -o /out/X
 * entry`), as output path and entry module.
 */
export async function imageBundles(): Promise<
  { output: string; entry: string }[]
> {
  const runs = (await readDockerfile()).filter((i) => i.keyword === "RUN")
    .map((i) => i.args).join("\n");
  return [...runs.matchAll(/deno bundle (?:--\S+ )*-o (\S+) (\S+)/g)].map((
    m,
  ) => ({ output: m[1]!, entry: m[2]! }));
}

/**
 * The npm packages the Dockerfile's build stage copies beside the bundle
 * (`cp -rL node_modules/<pkg> /out/node_modules/`).
 */
export async function imagePackages(): Promise<string[]> {
  const runs = (await readDockerfile()).filter((i) => i.keyword === "RUN")
    .map((i) => i.args).join("\n");
  return [...runs.matchAll(/cp -rL node_modules\/(\S+) \/out\/node_modules\//g)]
    .map((m) => m[1]!);
}

/** Copies a folder tree, following symbolic links as `cp -rL` does. */
async function cpDereferenced(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const e of Deno.readDir(from)) {
    const source = join(from, e.name);
    if ((await Deno.stat(source)).isDirectory) {
      await cpDereferenced(source, join(to, e.name));
    } else await Deno.copyFile(source, join(to, e.name));
  }
}

/**
 * Bundles like the Dockerfile's build stage (every `deno bundle` of it, into
 * `dir` in place of /out/, which the image copies to /app/, with the npm
 * packages it copies beside the bundle) and installs the
 * Dockerfile's wrapper as `<dir>/bin/kepler-model`, pointing at that bundle
 * and at this deno, so scripts run the image's command on this machine.
 */
export async function installImageCli(dir: string): Promise<string> {
  const bin = join(dir, "bin");
  await Deno.mkdir(bin, { recursive: true });
  for (const { output, entry } of await imageBundles()) {
    if (!output.startsWith("/out/")) {
      throw new RangeError(`The Dockerfile bundles to ${output}, not /out/`);
    }
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "bundle",
        "--quiet",
        "-o",
        join(dir, output.slice("/out/".length)),
        join(ROOT, entry),
      ],
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!out.success) {
      throw new Error(
        `deno bundle ${entry} failed: ${new TextDecoder().decode(out.stderr)}`,
      );
    }
  }
  for (const pkg of await imagePackages()) {
    await cpDereferenced(
      join(ROOT, "node_modules", pkg),
      join(dir, "node_modules", pkg),
    );
  }
  const { script, bundlePath } = await imageWrapper();
  if (!bundlePath.startsWith("/app/")) {
    throw new RangeError(`The wrapper runs ${bundlePath}, not a file of /app/`);
  }
  const local = script
    .replaceAll(bundlePath, join(dir, bundlePath.slice("/app/".length)))
    .replace(/exec deno /, `exec ${Deno.execPath()} `);
  await Deno.writeTextFile(join(bin, "kepler-model"), local, { mode: 0o755 });
  return bin;
}
