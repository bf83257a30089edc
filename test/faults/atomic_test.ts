/**
 * Faults of writing (issue 17, items 3 and 4): a run that fails writes
 * nothing, a killed run leaves nothing that the next run does not clean,
 * a pipeline is published as a whole (folder and zip), and an export's
 * folder, zip, README and page change together, also on a full disk. The
 * commands run as `deno task <command>` would run them (the task's own
 * permissions), as real child processes; kills are SIGKILL. Each test is
 * named after its fault; the table is test/faults/atomic.FAULTS.md.
 */
import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  notDeepStrictEqual as assertNotEquals,
  ok as assert,
} from "node:assert/strict";
import { dirname, join } from "node:path";
import { denoTasks, ROOT, runTask, splitTask } from "../_cli.ts";
import { writeFileAtomic } from "../../lib/io/atomic.ts";
import { readZipFile } from "../../lib/io/zip.ts";
import { beginGeneration } from "../../lib/pipeline/generation.ts";
import { dirSource } from "../../lib/pipeline/pipeline_source.ts";
import { readPipeline } from "../../lib/pipeline/read_pipeline.ts";
import { loadPipelineDir } from "../../lib/serve/pipeline_catalog.ts";

const TRAINERS = [
  "--abs-trainers",
  "SGDRegressorTrainer,XgboostFitTrainer",
  "--dyn-trainers",
  "SGDRegressorTrainer",
];
/** `train` of the fixture: 600 s simulated, machine spec `q`. */
const TRAIN = ["-i", "q", "--id", "q", ...TRAINERS];
const EXPORT = [
  "-p",
  "default",
  "--publisher",
  "me",
  "--zip",
  "--no-figures",
  "--mae-threshold",
  "1000",
  "--hard-threshold",
  "100000",
];

const decoder = new TextDecoder();
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A task's command as a child process with the task's own permissions. */
async function spawnTask(
  task: string,
  args: string[],
  env: Record<string, string>,
  command: { prefix?: string[] } = {},
): Promise<Deno.ChildProcess> {
  const { flags, script, args: fixed } = splitTask((await denoTasks())[task]!);
  const deno = ["run", "--quiet", ...flags, join(ROOT, script), ...fixed];
  const argv = [...(command.prefix ?? []), Deno.execPath(), ...deno, ...args];
  return new Deno.Command(argv[0]!, {
    args: argv.slice(1),
    cwd: ROOT,
    env: {
      PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
      HOME: Deno.env.get("HOME") ?? "/tmp",
      ...(Deno.env.get("DENO_DIR")
        ? { DENO_DIR: Deno.env.get("DENO_DIR")! }
        : {}),
      ...env,
    },
    clearEnv: true,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
}

/** A file's SHA-256, hex. */
async function sha(bytes: Uint8Array): Promise<string> {
  const hash = new Uint8Array(
    await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>),
  );
  return [...hash].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Every entry below `dir`, hidden ones included, without following links:
 * files by hash, links by target, folders by name. Two equal snapshots are
 * byte-identical trees.
 */
async function snapshot(
  dir: string,
  follow = false,
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (d: string, rel: string) => {
    const names: string[] = [];
    for await (const e of Deno.readDir(d)) names.push(e.name);
    for (const name of names.sort()) {
      const path = join(d, name);
      const info = follow ? await Deno.stat(path) : await Deno.lstat(path);
      if (info.isSymlink) {
        out.set(rel + name, `-> ${await Deno.readLink(path)}`);
      } else if (info.isDirectory) {
        out.set(rel + name + "/", "dir");
        await walk(path, `${rel}${name}/`);
      } else out.set(rel + name, await sha(await Deno.readFile(path)));
    }
  };
  await walk(dir, "");
  return out;
}

/** Copies a tree, keeping symbolic links as links. */
async function copyTree(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const e of Deno.readDir(from)) {
    const src = join(from, e.name), dst = join(to, e.name);
    if (e.isSymlink) await Deno.symlink(await Deno.readLink(src), dst);
    else if (e.isDirectory) await copyTree(src, dst);
    else await Deno.copyFile(src, dst);
  }
}

/** The hidden temps, building folders and journals left in `dir`. */
async function leftovers(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (/^\..*\.(tmp|old|journal|lock)$|\.building-|\.link-/.test(e.name)) {
      out.push(e.name);
    }
  }
  return out.sort();
}

interface Fixture {
  /** DATAPATH: q.json (600 s), tiny.json (12 s), their machine specs. */
  data: string;
  /** A MODEL_PATH with pipeline `default` trained once from q. */
  models: string;
  /** How long that `train` took (ms), to spread kills over a run. */
  trainMs: number;
}

let fixture: Promise<Fixture> | undefined;

/** The data and the trained pipeline, made once for every test. */
function getFixture(): Promise<Fixture> {
  fixture ??= (async () => {
    const data = await Deno.makeTempDir({ prefix: "faults-atomic-" });
    addEventListener("unload", () => {
      Deno.removeSync(data, { recursive: true });
    });
    for (const [name, seconds] of [["q", "600"], ["tiny", "12"]]) {
      const r = await runTask("simulate", [
        "-o",
        name!,
        "--duration",
        seconds!,
        "--containers",
        "3",
      ], { env: { DATAPATH: data } });
      assertEquals(r.code, 0, r.stderr);
    }
    const models = join(data, "models");
    const t0 = performance.now();
    const r = await runTask("train", TRAIN, {
      env: { DATAPATH: data, MODEL_PATH: models },
    });
    assertEquals(r.code, 0, r.stderr);
    return { data, models, trainMs: performance.now() - t0 };
  })();
  return fixture;
}

/** A fresh copy of the fixture's MODEL_PATH. */
async function modelsCopy(f: Fixture): Promise<string> {
  const models = await Deno.makeTempDir({ prefix: "faults-models-" });
  await Deno.remove(models);
  await copyTree(f.models, models);
  return models;
}

/** The lines of a stderr text. */
const lines = (text: string) => text.trim().split("\n").filter((l) => l);

Deno.test("fault: train with fewer rows than --min-rows (default 5) into an existing pipeline → exit 1, one line, the pipeline byte-identical", async () => {
  const f = await getFixture();
  const models = await modelsCopy(f);
  try {
    const before = await snapshot(models);
    const r = await runTask("train", [
      "-i",
      "tiny",
      "--id",
      "tiny",
      ...TRAINERS,
    ], {
      env: { DATAPATH: f.data, MODEL_PATH: models },
    });
    assertEquals(r.code, 1, r.stderr);
    assertEquals(lines(r.stderr).length, 1, r.stderr);
    assertMatch(r.stderr, /fewer than the minimum 5 \(--min-rows\)/);
    assertMatch(r.stderr, /nothing was written/);
    assertEquals(await snapshot(models), before);
  } finally {
    await Deno.remove(models, { recursive: true });
  }
});

Deno.test("fault: train_from_data with a header-only CSV → exit 1, one line, the pipeline byte-identical", async () => {
  const f = await getFixture();
  const models = await modelsCopy(f);
  try {
    const csv = await Deno.readTextFile(join(
      models,
      "default/preprocessed_data/preprocess_abs_default_rapl-sysfs_BPFOnly.csv",
    ));
    await Deno.writeTextFile(join(f.data, "header.csv"), csv.split("\n")[0]!);
    const before = await snapshot(models);
    const r = await runTask(
      "train_from_data",
      ["-i", "header", "--trainers", "SGDRegressorTrainer"],
      { env: { DATAPATH: f.data, MODEL_PATH: models } },
    );
    assertEquals(r.code, 1, r.stderr);
    assertEquals(lines(r.stderr).length, 1, r.stderr);
    assertMatch(r.stderr, /header\.csv: 0 rows, fewer than the minimum 5/);
    assertEquals(await snapshot(models), before);
  } finally {
    await Deno.remove(models, { recursive: true });
  }
});

Deno.test("fault: corrupt metadata.json in an existing pipeline → train and train_from_data stop before any work: exit 1, one line naming the file, the pipeline byte-identical", async () => {
  const f = await getFixture();
  const models = await modelsCopy(f);
  try {
    const generation = await Deno.realPath(join(models, "default"));
    await Deno.writeTextFile(
      join(generation, "metadata.json"),
      '{"name": "default", "bro',
    );
    const before = await snapshot(models);
    const env = { DATAPATH: f.data, MODEL_PATH: models };
    for (
      const [task, args] of [
        ["train", TRAIN],
        ["train_from_data", [
          "-i",
          "preprocess_abs_default_rapl-sysfs_BPFOnly",
          "--trainers",
          "SGDRegressorTrainer",
        ]],
      ] as const
    ) {
      const r = await runTask(task, [...args], { env });
      assertEquals(r.code, 1, `${task}: ${r.stderr}`);
      // one line: no progress line came before it (no group was prepared)
      assertEquals(lines(r.stderr).length, 1, `${task}: ${r.stderr}`);
      assertMatch(
        r.stderr,
        new RegExp(`${join(models, "default", "metadata.json")} as JSON`),
      );
      assertEquals(await snapshot(models), before, task);
    }
  } finally {
    await Deno.remove(models, { recursive: true });
  }
});

/** Polls until `found` returns something, or the child exits. */
async function waitFor<T>(
  child: Deno.ChildProcess,
  found: () => Promise<T | undefined>,
): Promise<T | undefined> {
  let exited = false;
  child.status.then(() => exited = true);
  for (;;) {
    const value = await found();
    if (value !== undefined || exited) return value;
    await sleep(2);
  }
}

/** A folder a trainer builds a generation in (any naming). */
async function buildingFolder(models: string): Promise<string | undefined> {
  for await (const e of Deno.readDir(models)) {
    if (
      e.isDirectory && e.name.startsWith(".default.") &&
      e.name !== ".default.generations"
    ) return e.name;
  }
  return undefined;
}

Deno.test("fault: kill -9 of train while it builds a generation → its folder and temps are swept by the next train, with a note", async () => {
  const f = await getFixture();
  const models = await modelsCopy(f);
  try {
    const env = { DATAPATH: f.data, MODEL_PATH: models };
    const child = await spawnTask("train", TRAIN, env);
    const building = await waitFor(child, () => buildingFolder(models));
    child.kill("SIGKILL");
    const status = await child.status;
    await child.stderr.cancel();
    assert(building !== undefined, "the trainer never built a generation");
    assertEquals(status.signal, "SIGKILL");
    assert((await leftovers(models)).length > 0, "the kill left nothing");
    const r = await runTask("train", TRAIN, { env });
    assertEquals(r.code, 0, r.stderr);
    assertMatch(
      r.stderr,
      new RegExp(
        `note: removed \\d+ temp files? left by an interrupted earlier run: .*${
          building.replaceAll(".", "\\.")
        }`,
      ),
    );
    assertEquals(await leftovers(models), []);
    const top: string[] = [];
    for await (const e of Deno.readDir(models)) top.push(e.name);
    assertEquals(top.sort(), [
      ".default.generations",
      "default",
      "default.zip",
    ]);
  } finally {
    await Deno.remove(models, { recursive: true });
  }
});

Deno.test("fault: a second train into a pipeline a live train is building → fails at once with one line naming the lock; the live one's folder is not swept and it publishes", async () => {
  const f = await getFixture();
  const models = await modelsCopy(f);
  try {
    const env = { DATAPATH: f.data, MODEL_PATH: models };
    const first = await spawnTask("train", TRAIN, env);
    const building = await waitFor(first, () => buildingFolder(models));
    // frozen while it holds its locks: a live writer, deterministically
    first.kill("SIGSTOP");
    try {
      assert(building !== undefined, "the first train never built");
      const second = await runTask("train", TRAIN, { env });
      assertEquals(second.code, 1, second.stderr);
      assertEquals(lines(second.stderr).length, 1, second.stderr);
      assertMatch(
        second.stderr,
        /Cannot write pipeline default: another run \(pid \d+\) holds its lock .*\.default\.lock; another train or train_from_data is writing it/,
      );
      assertEquals(await buildingFolder(models), building);
    } finally {
      first.kill("SIGCONT");
    }
    const [status, err] = await Promise.all([
      first.status,
      new Response(first.stderr).text(),
    ]);
    assertEquals(status.code, 0, err);
    assertEquals(await leftovers(models), []);
  } finally {
    await Deno.remove(models, { recursive: true });
  }
});

/** The visible files of a folder (following links), by hash. */
async function visibleFiles(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const [path, hash] of await snapshot(dir, true)) {
    if (path.split("/").some((s) => s.startsWith("."))) continue;
    if (hash !== "dir") out.set(path, hash);
  }
  return out;
}

/** What a reader sees of a pipeline: its files and its zip's entries. */
async function pipelineState(models: string) {
  const files = await visibleFiles(join(models, "default"));
  const zip = new Map<string, string>();
  for (
    const [name, bytes] of Object.entries(
      await readZipFile(join(models, "default.zip")),
    )
  ) zip.set(name, await sha(bytes));
  return { files, zip };
}

/** The pipeline's files except its times (a later training's metadata differs). */
function timeless(files: Map<string, string>): string[] {
  return [...files].filter(([p]) => p !== "metadata.json").map(([p, h]) =>
    `${p} ${h}`
  );
}

/** A pipeline's metadata.json without its time of training. */
async function metadataOf(models: string): Promise<Record<string, unknown>> {
  const m = JSON.parse(
    await Deno.readTextFile(join(models, "default", "metadata.json")),
  );
  delete m.last_update_time;
  return m;
}

/**
 * Starts `train`, kills it (SIGKILL) at a moment chosen by `when`, and
 * returns the pipeline's state afterwards.
 */
async function killTrain(
  models: string,
  data: string,
  when: (child: Deno.ChildProcess) => Promise<void>,
) {
  const child = await spawnTask("train", TRAIN, {
    DATAPATH: data,
    MODEL_PATH: models,
  });
  await when(child);
  try {
    child.kill("SIGKILL");
  } catch { /* already exited */ }
  await child.status;
  await child.stderr.cancel();
  return await pipelineState(models);
}

Deno.test("fault: kill -9 loop: train into an existing pipeline killed 10 times (at random moments, at the swap, while building) → each time exactly the old or the new generation, folder and zip alike, and serve and readPipeline read it", async () => {
  const f = await getFixture();
  const old = await pipelineState(f.models);
  // the old pipeline's zip holds exactly its files
  assertEquals(old.zip, old.files);
  const reference = await modelsCopy(f);
  const ref = await runTask("train", TRAIN, {
    env: { DATAPATH: f.data, MODEL_PATH: reference },
  });
  assertEquals(ref.code, 0, ref.stderr);
  const fresh = await pipelineState(reference);
  const freshMeta = await metadataOf(reference);
  await Deno.remove(reference, { recursive: true });
  assertNotEquals(timeless(fresh.files), timeless(old.files));
  const modelCount = (await readPipeline(join(f.models, "default"))).models
    .length;
  const link = (models: string) => Deno.readLink(join(models, "default"));
  const moments: [
    string,
    (m: string, c: Deno.ChildProcess) => Promise<void>,
  ][] = [
    ["at the swap", async (m, c) => {
      const before = await link(m);
      await waitFor(c, async () => (await link(m)) !== before || undefined);
    }],
    ["while building", async (m, c) => {
      await waitFor(c, () => buildingFolder(m));
    }],
  ];
  for (let k = 0; k < 8; k++) {
    moments.push([`at random ${k}`, async () => {
      await sleep(f.trainMs * (0.2 + 1.0 * (k + Math.random()) / 8));
    }]);
  }
  const seen = { old: 0, new: 0 };
  for (const [label, when] of moments) {
    const models = await modelsCopy(f);
    try {
      const state = await killTrain(models, f.data, (c) => when(models, c));
      // folder and zip are one generation's
      assertEquals(state.zip, state.files, `${label}: zip and folder differ`);
      if (timeless(state.files).join() === timeless(old.files).join()) {
        assertEquals(state.files, old.files, label);
        seen.old++;
      } else {
        assertEquals(timeless(state.files), timeless(fresh.files), label);
        assertEquals(await metadataOf(models), freshMeta, label);
        seen.new++;
      }
      const read = await readPipeline(join(models, "default"));
      assertEquals(read.warnings, [], label);
      assertEquals(read.models.length, modelCount, label);
      const served = await loadPipelineDir(join(models, "default"));
      assertEquals(served.models.length, read.models.length, label);
    } finally {
      await Deno.remove(models, { recursive: true });
    }
  }
  assertEquals(seen.old + seen.new, moments.length);
});

Deno.test("fault: a reader in the middle of a pipeline while trains publish → keeps reading the generation it started in (kept as the previous one)", async () => {
  const models = await Deno.makeTempDir({ prefix: "faults-reader-" });
  try {
    const publish = async (text: string) => {
      const g = await beginGeneration(models, "p");
      // (files of a generation are replaced, never written into)
      await writeFileAtomic(join(g.dir, "metadata.json"), text);
      await writeFileAtomic(join(g.dir, "a.csv"), text);
      await g.publish();
    };
    await publish("1");
    const reader = dirSource(join(models, "p"));
    assertEquals(await reader.readText("metadata.json"), "1");
    await publish("2");
    // a reader that started before the swap sees one generation, whole
    assertEquals(await reader.readText("a.csv"), "1");
    assertEquals(
      await dirSource(join(models, "p")).readText("a.csv"),
      "2",
    );
  } finally {
    await Deno.remove(models, { recursive: true });
  }
});

/** A temp an export stages in the version folder, if any. */
async function staged(version: string): Promise<string | undefined> {
  return (await leftovers(version)).find((n) => n.endsWith(".tmp"));
}

/** An export's whole output: the version folder's tree. */
const exportState = (db: string) => snapshot(join(db, "v0.7"));

/** An old export (without a page, so the new one adds it) and the new one. */
async function exportStates(f: Fixture, db: string) {
  const env = { DATAPATH: f.data, MODEL_PATH: f.models };
  const old = await runTask("export", [
    ...EXPORT,
    "-o",
    db,
    "--collect-date",
    "2024-01-01T00:00:00Z",
  ], { env });
  assertEquals(old.code, 0, old.stderr);
  await Deno.remove(join(db, "v0.7", ".doc", "default.md"));
  const oldState = await exportState(db);
  const reference = `${db}-ref`;
  await copyTree(db, reference);
  const args = [...EXPORT, "-o", reference, "--collect-date", "2024-07-25"];
  const fresh = await runTask("export", args, { env });
  assertEquals(fresh.code, 0, fresh.stderr);
  const newState = await exportState(reference);
  await Deno.remove(reference, { recursive: true });
  return { oldState, newState };
}

/** An export's files but those of its times (metadata, README, zip, page). */
function exportTimeless(state: Map<string, string>): string[] {
  return [...state].filter(([p]) =>
    !/^(default\/metadata\.json|default\.zip|README\.md|\.doc\/default\.md)$/
      .test(p)
  ).map(([p, h]) => `${p} ${h}`);
}

Deno.test("fault: kill -9 of export at random moments → the next export finishes or undoes it with a note: folder, zip, README and .doc are all old or all new, no temp left", async () => {
  const f = await getFixture();
  const db = await Deno.makeTempDir({ prefix: "faults-db-" });
  try {
    const { oldState, newState } = await exportStates(f, db);
    const env = { DATAPATH: f.data, MODEL_PATH: f.models };
    const pristine = `${db}-old`;
    await copyTree(db, pristine);
    const t0 = performance.now();
    const timing = await runTask("export", [
      ...EXPORT,
      "-o",
      pristine + "-t",
      "--collect-date",
      "2024-07-25",
    ], { env });
    assertEquals(timing.code, 0, timing.stderr);
    const exportMs = performance.now() - t0;
    await Deno.remove(pristine + "-t", { recursive: true });
    const version = join(db, "v0.7");
    const metadata = join(version, "default", "metadata.json");
    const oldMeta = await Deno.readTextFile(metadata);
    const oldCollected = JSON.parse(oldMeta).collect_time;
    const moments: [string, (c: Deno.ChildProcess) => Promise<void>][] = [
      ["while staging", async (c) => {
        await waitFor(c, () => staged(version));
      }],
      ["as the folder changes", async (c) => {
        await waitFor(
          c,
          async () =>
            (await Deno.readTextFile(metadata).catch(() => "")) !== oldMeta ||
            undefined,
        );
      }],
    ];
    for (let k = 0; k < 6; k++) {
      moments.push([
        `at random ${k}`,
        () => sleep(exportMs * (0.2 + 1.0 * (k + Math.random()) / 6)),
      ]);
    }
    const outcomes = { old: 0, new: 0 };
    for (const [label, when] of moments) {
      await Deno.remove(db, { recursive: true });
      await copyTree(pristine, db);
      const child = await spawnTask("export", [
        ...EXPORT,
        "-o",
        db,
        "--collect-date",
        "2024-07-25",
      ], env);
      await when(child);
      try {
        child.kill("SIGKILL");
      } catch { /* already exited */ }
      await child.status;
      await child.stderr.cancel();
      // a killed run's lock file is taken over and removed, not swept
      const left = (await leftovers(version)).filter((n) =>
        !n.endsWith(".lock")
      );
      // the next export recovers first; this one then fails (no model
      // passes a zero threshold), writing nothing of its own
      const next = await runTask("export", [
        ...EXPORT,
        "-o",
        db,
        "--collect-date",
        "2024-09-09",
        "--mae-threshold",
        "0",
        "--mape-threshold",
        "0",
      ], { env });
      assertEquals(next.code, 1, `${label}: ${next.stderr}`);
      if (left.length > 0) {
        assertMatch(next.stderr, /note: (removed|finished)/, label);
      }
      const state = await exportState(db);
      assertEquals(await leftovers(version), [], label);
      const collected = JSON.parse(await Deno.readTextFile(metadata))
        .collect_time;
      if (collected === oldCollected) {
        assertEquals(state, oldState, label);
        outcomes.old++;
      } else {
        assertEquals(exportTimeless(state), exportTimeless(newState), label);
        // the page, README row and zip came with the new folder
        assert(state.has(".doc/default.md"), label);
        const readme = await Deno.readTextFile(join(version, "README.md"));
        assert(
          readme.includes(collected),
          `${label}: README of another export`,
        );
        const zip = new Map<string, string>();
        for (
          const [name, bytes] of Object.entries(
            await readZipFile(join(version, "default.zip")),
          )
        ) zip.set(name, await sha(bytes));
        assertEquals(zip, await visibleFiles(join(version, "default")), label);
        outcomes.new++;
      }
    }
    assertEquals(outcomes.old + outcomes.new, moments.length);
    await Deno.remove(pristine, { recursive: true });
  } finally {
    await Deno.remove(db, { recursive: true });
  }
});

/** Mounts a small tmpfs (root only); undefined where the machine does not allow it. */
async function mountTmpfs(dir: string, size: string) {
  const r = await new Deno.Command("mount", {
    args: ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir],
    stdout: "null",
    stderr: "null",
  }).output().catch(() => undefined);
  if (r?.code !== 0) return undefined;
  return async () => {
    await new Deno.Command("umount", { args: [dir] }).output();
  };
}

/** Bytes of the files under `dir` (links not followed). */
async function treeBytes(dir: string): Promise<number> {
  let total = 0;
  for await (const e of Deno.readDir(dir)) {
    const path = join(dir, e.name);
    if (e.isDirectory) total += await treeBytes(path);
    else if (e.isFile) total += (await Deno.stat(path)).size;
  }
  return total;
}

/** Free bytes of the file system holding `dir`. */
async function freeBytes(dir: string): Promise<number> {
  const out = await new Deno.Command("df", {
    args: ["-B1", "--output=avail", dir],
  }).output();
  return Number(decoder.decode(out.stdout).trim().split("\n")[1]);
}

Deno.test("fault: disk full during export (a 8 MiB tmpfs, else a file-size limit) → exit 1, one line saying so, folder, zip, README and .doc unchanged, no temp left", async () => {
  const f = await getFixture();
  const mountPoint = await Deno.makeTempDir({ prefix: "faults-full-" });
  const unmount = await mountTmpfs(mountPoint, "8m");
  try {
    const { oldState } = await exportStates(f, mountPoint);
    const env = { DATAPATH: f.data, MODEL_PATH: f.models };
    const version = join(mountPoint, "v0.7");
    const args = [...EXPORT, "-o", mountPoint, "--collect-date", "2024-07-25"];
    // free space from none to nearly what the export needs: the size of the
    // export already there (the new one is staged beside it before the swap)
    const needKib = (await treeBytes(version)) / 1024;
    const sizes = unmount === undefined
      ? [0]
      : [0, 64, ...[0.25, 0.5, 0.9].map((f) => Math.floor(f * needKib))];
    for (const kib of sizes) {
      let r;
      if (unmount !== undefined) {
        const filler = join(mountPoint, "filler");
        await Deno.remove(filler).catch(() => {});
        // fill until at most kib + 64 KiB are free: one write can leave more
        // (space a just-removed file still held when df looked)
        for (let k = 0; k < 5; k++) {
          const free = await freeBytes(mountPoint);
          const extra = free - kib * 1024;
          if (extra <= 64 * 1024) break;
          const file = await Deno.open(filler, { append: true, create: true });
          await file.write(new Uint8Array(extra))
            .catch(() => {}) // the file system is full: what the test wants
            .finally(() => file.close());
        }
        const free = await freeBytes(mountPoint);
        assert(
          free <= kib * 1024 + 64 * 1024,
          `${free} B free, want ${kib} KiB`,
        );
        const child = await spawnTask("export", args, env);
        const [status, err] = await Promise.all([
          child.status,
          new Response(child.stderr).text(),
        ]);
        r = { code: status.code, stderr: err };
        await Deno.remove(filler);
      } else {
        // no tmpfs here: a file-size limit (writes beyond 256 KiB fail, EFBIG)
        const child = await spawnTask("export", args, env, {
          prefix: ["sh", "-c", 'trap "" XFSZ; ulimit -f 256; exec "$@"', "sh"],
        });
        const [status, err] = await Promise.all([
          child.status,
          new Response(child.stderr).text(),
        ]);
        r = { code: status.code, stderr: err };
      }
      assertEquals(r.code, 1, `${kib} KiB free: ${r.stderr}`);
      assertEquals(lines(r.stderr).length, 1, r.stderr);
      assertMatch(
        r.stderr,
        /Cannot write .*v0\.7.*: (no space left on device|file too large \(a file-size limit\)); nothing was changed/,
      );
      assertEquals(await leftovers(version), [], `${kib} KiB free`);
      assertEquals(await exportState(mountPoint), oldState, `${kib} KiB free`);
    }
  } finally {
    await unmount?.();
    await Deno.remove(mountPoint, { recursive: true });
  }
});

Deno.test("fault: kill -9 of export while it stages → the temps it leaves are swept by the next export into the folder, with a note", async () => {
  const f = await getFixture();
  const db = await Deno.makeTempDir({ prefix: "faults-db-" });
  try {
    const env = { DATAPATH: f.data, MODEL_PATH: f.models };
    const args = [...EXPORT, "-o", db, "--collect-date", "2024-07-25"];
    const first = await runTask("export", args, { env });
    assertEquals(first.code, 0, first.stderr);
    const version = join(db, "v0.7");
    const child = await spawnTask("export", args, env);
    const left = await waitFor(child, () => staged(version));
    child.kill("SIGKILL");
    await child.status;
    await child.stderr.cancel();
    assert(left !== undefined, "the export never staged a temp");
    assert((await leftovers(version)).length > 0);
    const next = await runTask("export", args, { env });
    assertEquals(next.code, 0, next.stderr);
    assertMatch(
      next.stderr,
      /note: (removed \d+ temp files? left by an interrupted earlier run|finished an export an interrupted earlier run had decided)/,
    );
    assertEquals(await leftovers(version), []);
    assertEquals(await leftovers(join(version, ".doc")), []);
    assertEquals(dirname(version), db);
  } finally {
    await Deno.remove(db, { recursive: true });
  }
});
