/**
 * Faults of issue 17, item 2 and 6a: data that cannot be true is refused,
 * not learned. Each fixture is a query JSON written here, with the expected
 * counts computed by hand from how it was built; the end-to-end rows run
 * the real CLI tasks (extract, train, validate, train_from_data) as
 * subprocesses with their deno.json permissions.
 */
import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import { join } from "node:path";
import { runTask } from "../_cli.ts";
import { checkQueryData, parseQuery } from "../../lib/extract/mod.ts";

const STEP = 3;
const T0 = 1_700_000_000;
const RAPL = ["package", "core", "uncore", "dram"] as const;

type Values = [number, string][];

/** A counter of `n` samples rising `watts × STEP` per sample, then `edit`ed. */
function counter(
  n: number,
  watts: number,
  edit: (v: number[]) => void = () => {},
): Values {
  const v = Array.from({ length: n }, (_, i) => 1000 + i * watts * STEP);
  edit(v);
  return v.map((x, i) => [T0 + i * STEP, String(x)]);
}

/**
 * A one-node query with rapl-sysfs power (4 components × 2 sockets, mode
 * dynamic; socket 0's package counter can be edited with `pkg0`, socket
 * 1's with `pkg1`) and BPFOnly usage of two containers.
 */
function query(
  n: number,
  edits: {
    pkg0?: (v: number[]) => void;
    pkg1?: (v: number[]) => void;
    cpu?: (v: number[]) => void;
  } = {},
): string {
  const node = { instance: "n1", job: "kepler", source: "rapl-sysfs" };
  const out: Record<string, unknown[]> = {};
  for (const c of RAPL) {
    out[`kepler_node_${c}_joules_total`] = ["0", "1"].map((p) => ({
      metric: { ...node, mode: "dynamic", package: p },
      values: counter(
        n,
        c === "package" ? 40 : 10,
        c === "package" ? (p === "0" ? edits.pkg0 : edits.pkg1) : undefined,
      ),
    }));
  }
  const usage = (rate: number, edit?: (v: number[]) => void) =>
    ["a", "b"].map((id, j) => ({
      metric: { instance: "n1", job: "kepler", container_id: id },
      values: counter(n, rate * (j + 1), j === 0 ? edit : undefined),
    }));
  out.kepler_container_bpf_cpu_time_ms_total = usage(100, edits.cpu);
  out.kepler_container_bpf_page_cache_hit_total = usage(5);
  return JSON.stringify(out);
}

/** Package power of the fixtures: 2 sockets × 40 W. */
const PACKAGE_WATTS = 80;

async function dataDir(files: Record<string, string>): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "faults-data-" });
  for (const [name, text] of Object.entries(files)) {
    await Deno.writeTextFile(join(dir, name), text);
  }
  return dir;
}

async function extractCsv(
  dir: string,
  input: string,
  extra: string[] = [],
) {
  const r = await runTask("extract", [
    "-i",
    input,
    "-o",
    input,
    "--feature-group",
    "BPFOnly",
    ...extra,
  ], { env: { DATAPATH: dir } });
  const path = join(dir, `extracted_${input}.csv`);
  let rows: number[][] = [];
  try {
    const lines = (await Deno.readTextFile(path)).trim().split("\n");
    rows = lines.slice(1).map((l) => l.split(",").map(Number));
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return { ...r, rows };
}

function reportOf(text: string) {
  return checkQueryData(parseQuery(text, { origin: "q.json" })).get(
    "rapl-sysfs",
  )!;
}

Deno.test("fault: negative energy counter → the two intervals touching the sample excluded as negative_counter, warned, no row above the bound", async () => {
  // socket 0's package counter is −5000 at sample 10: intervals 10 and 11
  const text = query(21, { pkg0: (v) => v[10] = -5000 });
  const report = reportOf(text);
  assertEquals(report.intervals, 20);
  assertEquals(report.counts.negative_counter, 2);
  assertEquals(report.excluded, 2);
  const dir = await dataDir({ "q.json": text });
  const r = await extractCsv(dir, "q");
  assertEquals(r.code, 0, r.stderr);
  assertEquals(r.rows.length, 20 - 2);
  const times = new Set(r.rows.map((row) => row[0]));
  assert(!times.has(T0 + 10 * STEP) && !times.has(T0 + 11 * STEP));
  assert(r.rows.every((row) => Math.abs(row[3]! - PACKAGE_WATTS) < 1e-6));
  assert(
    r.stderr.includes(
      "excluded 2 of 20 intervals holding data that cannot be true (negative_counter 2)",
    ),
    r.stderr,
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("fault: negative usage counter → its intervals excluded as negative_counter", () => {
  // container a's bpf_cpu_time is −1 at sample 4: intervals 4 and 5
  const text = query(21, { cpu: (v) => v[4] = -1 });
  const report = reportOf(text);
  assertEquals(report.counts.negative_counter, 2);
  assertEquals(report.excluded, 2);
});

Deno.test("fault: counter decreasing without reset → interval excluded as counter_decrease; a reset (drop below half) dropped, not refused", async () => {
  const text = query(31, {
    // sample 8 is 10 J below sample 7: a decrease without reset (interval 8)
    pkg0: (v) => v[8] = v[7]! - 10,
    // socket 1 restarts at sample 20 (near 0) and rises again: a reset
    pkg1: (v) => {
      for (let i = 20; i < v.length; i++) v[i] = (i - 20) * 40 * STEP;
    },
  });
  const report = reportOf(text);
  assertEquals(report.counts.counter_decrease, 1);
  assertEquals(report.excluded, 1);
  assertEquals(report.resets, 1);
  const dir = await dataDir({ "q.json": text });
  const r = await extractCsv(dir, "q");
  assertEquals(r.code, 0, r.stderr);
  // 30 intervals − decrease (8) − reset (20); interval 9 spans the lowered
  // sample: (v9 − (v7 − 10)) / 3 on socket 0 → 40 × 2 + 10/3 + 40 W
  assertEquals(r.rows.length, 30 - 2);
  const times = new Set(r.rows.map((row) => row[0]));
  assert(!times.has(T0 + 8 * STEP) && !times.has(T0 + 20 * STEP));
  assert(r.stderr.includes("(counter_decrease 1)"), r.stderr);
  assert(r.stderr.includes("1 interval across counter resets"), r.stderr);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("fault: megawatt power (the 1.57 MW row) → excluded as power_above_bound; --max-power-watts moves the bound", async () => {
  // socket 0 jumps by 14.1 MJ in interval 5: 4.7 MW for 3 s
  const jump = (v: number[]) => {
    for (let i = 5; i < v.length; i++) v[i]! += 14.1e6;
  };
  const text = query(41, { pkg0: jump });
  const report = reportOf(text);
  assertEquals(report.maxPowerWatts, 5000); // no kepler_node_info: 5 kW
  assertEquals(report.counts.power_above_bound, 1);
  const dir = await dataDir({ "q.json": text });
  const r = await extractCsv(dir, "q");
  assertEquals(r.code, 0, r.stderr);
  assertEquals(r.rows.length, 40 - 1);
  assert(Math.max(...r.rows.map((row) => row[3]!)) < 5000);
  assert(
    r.stderr.includes("(power_above_bound 1; power bound 5000 W"),
    r.stderr,
  );
  // a bound below the real 80 W package power refuses every interval
  const low = await extractCsv(dir, "q", ["--max-power-watts", "50"]);
  assertEquals(low.code, 1);
  assert(
    /Refusing .*q\.json: 40 of 40 intervals \(100\.0 %\) .*power_above_bound 40/
      .test(low.stderr),
    low.stderr,
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test(`fault: stuck energy counter (unchanged over 5 intervals while the node is up) → the run excluded as stuck_counter; 4 unchanged intervals kept`, () => {
  const text = query(31, {
    pkg1: (v) => {
      // 4 unchanged intervals (3..6): allowed; 5 (12..16): stuck
      for (let i = 3; i <= 6; i++) v[i] = v[2]!;
      for (let i = 7; i < 12; i++) v[i]! -= 4 * 40 * STEP;
      for (let i = 12; i <= 16; i++) v[i] = v[11]!;
      for (let i = 17; i < v.length; i++) v[i]! -= 9 * 40 * STEP;
    },
  });
  const report = reportOf(text);
  assertEquals(report.counts.stuck_counter, 5);
  assertEquals(report.excluded, 5);
  assertEquals(report.counts.counter_decrease, 0);
});

Deno.test("fault: a dataset with more than 20 % excluded → extract, train and isolate fail with one line naming the reason counts, exit 1, nothing written", async () => {
  // samples 0..6 of socket 0 negative: intervals 1..7 → 7 of 30 (23.3 %)
  const text = query(31, {
    pkg0: (v) => {
      for (let i = 0; i <= 6; i++) v[i]! -= 1e7;
    },
  });
  const dir = await dataDir({ "q.json": text });
  const models = join(dir, "models");
  const expected =
    /^kepler-model: error: Refusing .*q\.json: 7 of 30 intervals \(23\.3 %\) hold data that cannot be true \(negative_counter 7\), above the limit of 20\.0 % \(--max-excluded 0\.2\)$/m;
  const r = await extractCsv(dir, "q");
  assertEquals(r.code, 1);
  assert(expected.test(r.stderr), r.stderr);
  assert(!r.stderr.includes("    at "), "no stack trace");
  assertEquals(r.rows.length, 0);
  const isolate = await runTask("isolate", [
    "-i",
    "q",
    "-o",
    "q",
    "--feature-group",
    "BPFOnly",
  ], { env: { DATAPATH: dir } });
  assertEquals(isolate.code, 1);
  assert(expected.test(isolate.stderr), isolate.stderr);
  const train = await runTask("train", [
    "-i",
    "q",
    "-p",
    "p",
    "--feature-group",
    "BPFOnly",
    "--abs-trainers",
    "SGDRegressorTrainer",
    "--dyn-trainers",
    "SGDRegressorTrainer",
  ], { env: { DATAPATH: dir, MODEL_PATH: models } });
  assertEquals(train.code, 1);
  assert(expected.test(train.stderr), train.stderr);
  const written = [];
  for await (const e of Deno.readDir(dir)) written.push(e.name);
  assertEquals(written.filter((n) => n.endsWith(".csv")), [], "no CSV");
  let published: string[] = [];
  try {
    for await (const e of Deno.readDir(models)) published.push(e.name);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  published = published.filter((n) => n === "p" || n === "p.zip");
  assertEquals(published, [], "no pipeline published");
  // the same data pass with a looser limit
  const loose = await extractCsv(dir, "q", ["--max-excluded", "0.3"]);
  assertEquals(loose.code, 0, loose.stderr);
  assertEquals(loose.rows.length, 30 - 7);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("fault: negative counters that became megawatts (issue 17's 1.57 MW rows) → train excludes them and learns watts, exit 0", async () => {
  // socket 0's first 3 samples are 23.5 MJ below zero: today interval 3
  // becomes (23.5e6 + 120) / 3 s ≈ 7.8 MW and trains the model (exit 0)
  const text = query(41, {
    pkg0: (v) => {
      for (let i = 0; i < 3; i++) v[i]! -= 23.5e6;
    },
  });
  const dir = await dataDir({ "q.json": text });
  const models = join(dir, "models");
  const train = await runTask("train", [
    "-i",
    "q",
    "-p",
    "p",
    "--feature-group",
    "BPFOnly",
    "--abs-trainers",
    "SGDRegressorTrainer",
    "--dyn-trainers",
    "SGDRegressorTrainer",
  ], { env: { DATAPATH: dir, MODEL_PATH: models } });
  assertEquals(train.code, 0, train.stderr);
  assert(
    train.stderr.includes(
      "excluded 3 of 40 intervals holding data that cannot be true (negative_counter 3)",
    ),
    train.stderr,
  );
  const csv = await Deno.readTextFile(join(
    models,
    "p/preprocessed_data/preprocess_abs_default_rapl-sysfs_BPFOnly.csv",
  ));
  const header = csv.split("\n")[0]!.split(",");
  const col = header.indexOf("package_power");
  const values = csv.trim().split("\n").slice(1).map((l) =>
    Number(l.split(",")[col])
  );
  assertEquals(values.length, 40 - 3);
  assert(
    values.every((w) => Math.abs(w - PACKAGE_WATTS) < 1e-6),
    `package watts ${Math.max(...values)}`,
  );
  const mae = /SGDRegressorTrainer_0\s+([\d.]+)/.exec(train.stdout);
  assert(mae !== null, train.stdout);
  // today: mae 218718.14 W; the rows left are all 80 W
  assert(Number(mae[1]) < 10, `mae ${mae[1]} W`);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("fault: validate → the summary counts intervals per reason, and a warning on stderr", async () => {
  const text = query(31, {
    pkg0: (v) => {
      v[4] = -1;
      v[20] = v[19]! - 5;
    },
  });
  const dir = await dataDir({ "q.json": text });
  const r = await runTask("validate", ["-i", "q"], {
    env: { DATAPATH: dir },
  });
  assertEquals(r.code, 0, r.stderr);
  assert(
    r.stdout.includes(
      "  rapl-sysfs: 3 of 30 intervals (10.0 %): negative_counter 2, counter_decrease 1, power_above_bound 0, stuck_counter 0",
    ),
    r.stdout,
  );
  assert(r.stdout.includes("power bound 5000 W"), r.stdout);
  assert(r.stderr.includes("warning:"), r.stderr);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("fault: train_from_data --feature-group BPFOnly on a CSV lacking bpf_page_cache_hit → refused naming the column, exit 1, nothing written", async () => {
  const rows = Array.from(
    { length: 30 },
    (_, i) => `${T0 + 3 * i},${100 + i},${100 + 2 * i},0`,
  );
  const dir = await dataDir({
    "one.csv": ["timestamp,bpf_cpu_time_ms,platform_power,node_type", ...rows]
      .join("\n") + "\n",
  });
  const models = join(dir, "models");
  const r = await runTask("train_from_data", [
    "-i",
    "one",
    "--feature-group",
    "BPFOnly",
    "-p",
    "p",
    "--trainers",
    "SGDRegressorTrainer",
  ], { env: { DATAPATH: dir, MODEL_PATH: models } });
  assertEquals(r.code, 1, r.stdout);
  assertEquals(
    r.stderr.trim(),
    `kepler-model: error: Cannot train BPFOnly models from ${
      join(dir, "one.csv")
    }: it lacks the feature column bpf_page_cache_hit of BPFOnly (feature columns present: bpf_cpu_time_ms)`,
  );
  const left: string[] = [];
  try {
    for await (const e of Deno.readDir(join(models))) left.push(e.name);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  assertEquals(left.filter((n) => !n.startsWith(".")), []);
  await Deno.remove(dir, { recursive: true });
});
