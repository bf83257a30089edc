/**
 * `query` from a local Prometheus: 1 h × 50 containers at 3 s (the
 * simulator's default dataset, about 1.4 million samples) and 4 h × 100
 * containers (10.9 million), backfilled with promtool into a fresh
 * Prometheus on 127.0.0.1, then queried in fresh Deno processes, so each
 * peak resident memory (VmHWM) belongs to the query alone.
 *
 * Figures: the time to list and range-query every `kepler_` metric, the
 * time of the whole query step (query + query JSON + validate table +
 * machine spec) of `collectQuery()` in a child, the JSON size; and the peak
 * memory of `deno task query` (the CLI with the task's flags, its VmHWM
 * read every 10 ms) against what it writes, with and without `--to-csv`.
 * Goals: the whole query step ≤ 5 s on 2 cores (derived from anchors.md §6
 * goal 5, "ingest + extract of a 1-hour query in < 3 s"); the peak memory
 * ≤ 2 × the output + 120 MB for the runtime (issue 17). The machines are
 * shared, so expect ±30 % in times between runs. Needs `prometheus` and
 * `promtool` (apt-get install prometheus); without them the suite fails
 * with that message. The 4 h × 100 backfill writes ~3.5 GB of OpenMetrics
 * to a temp file and takes minutes.
 *
 * Run alone with `deno run -A bench/query_bench.ts`.
 *
 * @module
 */
import { join } from "node:path";
import type { BenchFigure, BenchSuite } from "./_types.ts";
import { peakRssMb } from "./_types.ts";
import { openMetricsBytes, simulate } from "../lib/simulate/mod.ts";
import { collectQuery } from "../lib/query/mod.ts";

interface Measurement {
  querySeconds: number;
  requests: number;
  collectSeconds: number;
  samples: number;
  series: number;
  jsonMb: number;
  peakMb: number;
}

/**
 * The measured part, run in a child process: one `collectQuery()`; the
 * query phase ends at the last request's progress report.
 */
async function measure(
  url: string,
  dir: string,
  start: number,
  end: number,
): Promise<Measurement> {
  let requests = 0;
  let queried = 0;
  const t0 = performance.now();
  const done = await collectQuery(url, dir, {
    output: "kepler_query",
    startTime: new Date(start * 1000).toISOString().replace(/\.\d+Z$/, "Z"),
    endTime: new Date(end * 1000).toISOString().replace(/\.\d+Z$/, "Z"),
    step: 3,
    id: "bench",
    onProgress: (p) => {
      requests = p.total;
      queried = performance.now();
    },
  });
  const t1 = performance.now();
  const jsonBytes = (await Deno.stat(done.files.query)).size;
  return {
    querySeconds: (queried - t0) / 1000,
    requests: requests + 1,
    collectSeconds: (t1 - t0) / 1000,
    samples: done.samples,
    series: done.series,
    jsonMb: jsonBytes / 1e6,
    peakMb: peakRssMb(),
  };
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

async function run(cmd: string, args: string[]): Promise<string> {
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(cmd, {
      args,
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (error) {
    throw new Error(
      `Cannot run ${cmd}: ${
        (error as Error).message
      } (apt-get install prometheus)`,
      {
        cause: error,
      },
    );
  }
  const text = new TextDecoder().decode(out.stdout) +
    new TextDecoder().decode(out.stderr);
  if (!out.success) {
    throw new Error(`${cmd} failed (exit ${out.code}): ${text.slice(-1000)}`);
  }
  return text;
}

/**
 * `hours` ending 2 h ago (so no live head block overlaps, aligned to 3 s)
 * of `containers` containers, backfilled into a Prometheus data folder
 * under `root` with promtool.
 */
async function backfill(root: string, hours: number, containers: number) {
  const start = Math.floor((Date.now() / 1000 - (hours + 2) * 3600) / 3) * 3;
  const om = join(root, "data.om");
  const { end } = await (async () => {
    const sim = simulate({
      start,
      duration: hours * 3600,
      containers,
      step: 3,
      seed: 1,
    });
    const times = sim.nodes[0]!.timestamps;
    await Deno.writeFile(om, openMetricsBytes(sim));
    return { end: times[times.length - 1]! };
  })();
  const data = join(root, "data");
  const tb = performance.now();
  await run("promtool", [
    "tsdb",
    "create-blocks-from",
    "openmetrics",
    om,
    data,
  ]);
  const backfillSeconds = (performance.now() - tb) / 1000;
  await Deno.remove(om);
  return { start, end, data, backfillSeconds };
}

/** Starts Prometheus on `data` and waits until it is ready. */
async function startPrometheus(
  root: string,
  data: string,
): Promise<{ prometheus: Deno.ChildProcess; url: string }> {
  const config = join(root, "prometheus.yml");
  await Deno.writeTextFile(
    config,
    "global:\n  scrape_interval: 15s\nscrape_configs: []\n",
  );
  const port = freePort();
  const prometheus = new Deno.Command("prometheus", {
    args: [
      `--config.file=${config}`,
      `--storage.tsdb.path=${data}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--storage.tsdb.retention.time=10y",
    ],
    stdout: "null",
    stderr: "null",
  }).spawn();
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const ok = await fetch(`${url}/-/ready`).then(async (r) => {
      await r.body?.cancel();
      return r.ok;
    }, () => false);
    if (ok) break;
    if (Date.now() > deadline) {
      prometheus.kill("SIGTERM");
      await prometheus.status;
      throw new Error(`Prometheus at ${url} did not become ready`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { prometheus, url };
}

/** The 1-minute load average (NaN where /proc/loadavg is missing). */
function loadAverage(): number {
  try {
    return Number(Deno.readTextFileSync("/proc/loadavg").split(" ")[0]);
  } catch {
    return NaN;
  }
}

/** The runtime's share the memory goal allows beside 2 × the output. */
const BASE_MB = 120;

/** Peak memory of a `deno task query` run and what it wrote. */
interface CliRun {
  peakMb: number;
  outputMb: number;
  jsonMb: number;
}

/** The bytes of every file under `path` (or of the file itself). */
async function sizeOf(path: string): Promise<number> {
  const info = await Deno.stat(path);
  if (!info.isDirectory) return info.size;
  let total = 0;
  for await (const e of Deno.readDir(path)) {
    total += await sizeOf(join(path, e.name));
  }
  return total;
}

/**
 * Runs `deno task query` (the task's flags, the CLI as a child) over the
 * window into `dir` and reads its VmHWM every 10 ms (it only grows, so the
 * last reading is the peak to within 10 ms).
 */
async function runCli(
  url: string,
  dir: string,
  window: { start: number; end: number },
  extra: readonly string[] = [],
): Promise<CliRun> {
  const root = new URL("..", import.meta.url).pathname;
  const tasks = JSON.parse(await Deno.readTextFile(join(root, "deno.json")));
  const words = String(tasks.tasks.query).split(/\s+/);
  const at = words.indexOf("cli/main.ts");
  const iso = (t: number) =>
    new Date(t * 1000).toISOString().replace(/\.\d+Z$/, "Z");
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      ...words.slice(1, at),
      join(root, "cli/main.ts"),
      ...words.slice(at + 1),
      ...["-s", url, "--start-time", iso(window.start)],
      ...["--end-time", iso(window.end), "--step", "3", "-o", "q", "--quiet"],
      ...extra,
    ],
    env: { DATAPATH: dir },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let kb = 0;
  const timer = setInterval(() => {
    try {
      const status = Deno.readTextFileSync(`/proc/${child.pid}/status`);
      kb = Math.max(kb, Number(/^VmHWM:\s+(\d+)/m.exec(status)?.[1] ?? 0));
    } catch { /* gone */ }
  }, 10);
  const out = await child.output();
  clearInterval(timer);
  if (!out.success) {
    throw new Error(
      `deno task query failed: ${new TextDecoder().decode(out.stderr)}`,
    );
  }
  const json = await sizeOf(join(dir, "q.json"));
  const csv = extra.includes("--to-csv") ? await sizeOf(join(dir, "q_csv")) : 0;
  await Deno.remove(dir, { recursive: true });
  return {
    peakMb: kb * 1024 / 1e6,
    outputMb: (json + csv) / 1e6,
    jsonMb: json / 1e6,
  };
}

/** The memory figures of one CLI run. */
function memoryFigures(what: string, run: CliRun): BenchFigure[] {
  const limit = 2 * run.outputMb + BASE_MB;
  return [
    {
      name: `${what}: peak RSS of \`deno task query\` (output ${
        run.outputMb.toFixed(1)
      } MB)`,
      value: run.peakMb,
      unit: "MB",
      goal: `≤ 2 × output + ${BASE_MB} MB = ${limit.toFixed(0)} MB`,
      ok: run.peakMb <= limit,
    },
    {
      name: `${what}: peak RSS ÷ output`,
      value: run.peakMb / run.outputMb,
      unit: "×",
    },
  ];
}

function figures(backfillSeconds: number, m: Measurement): BenchFigure[] {
  const ok = m.collectSeconds <= 5;
  return [
    {
      name: "backfill 1 h × 50 with promtool (setup, not the goal)",
      value: backfillSeconds,
      unit: "s",
    },
    {
      name: `list + range-query: ${m.requests} requests (${
        (m.samples / 1e6).toFixed(2)
      } M samples, ${m.series} series)`,
      value: m.querySeconds,
      unit: "s",
    },
    {
      name: "query step: query + write query JSON + validate table + spec",
      value: m.collectSeconds,
      unit: "s",
      goal: "≤ 5 s",
      ok,
    },
    { name: "query JSON size", value: m.jsonMb, unit: "MB" },
    {
      name: "peak resident memory of collectQuery() in a fresh process",
      value: m.peakMb,
      unit: "MB",
    },
  ];
}

/**
 * Backfills `hours` × `containers` into a fresh Prometheus under a temp
 * folder and runs `use` against it; everything is removed afterwards.
 */
async function withPrometheus<T>(
  hours: number,
  containers: number,
  use: (
    url: string,
    root: string,
    data: { start: number; end: number; backfillSeconds: number },
  ) => Promise<T>,
): Promise<T> {
  const root = await Deno.makeTempDir({ prefix: "kepler_query_bench_" });
  let prometheus: Deno.ChildProcess | undefined;
  try {
    const data = await backfill(root, hours, containers);
    const started = await startPrometheus(root, data.data);
    prometheus = started.prometheus;
    return await use(started.url, root, data);
  } finally {
    if (prometheus !== undefined) {
      try {
        prometheus.kill("SIGTERM");
      } catch { /* gone */ }
      await prometheus.status;
    }
    await Deno.remove(root, { recursive: true }).catch(() => {});
  }
}

async function benchmark(): Promise<BenchFigure[]> {
  const small = await withPrometheus(1, 50, async (url, root, data) => {
    const out = await run(Deno.execPath(), [
      "run",
      "-A",
      new URL(import.meta.url).pathname,
      "--child",
      url,
      join(root, "out"),
      String(data.start),
      String(data.end),
    ]);
    const m = JSON.parse(out.trim().split("\n").at(-1)!) as Measurement;
    return [
      {
        name:
          "1-min load average after the timed run (2 cores: times grow with it)",
        value: loadAverage(),
        unit: "",
      },
      ...figures(data.backfillSeconds, m),
      ...memoryFigures("1 h × 50", await runCli(url, join(root, "cli"), data)),
      ...memoryFigures(
        "1 h × 50 --to-csv",
        await runCli(url, join(root, "csv"), data, ["--to-csv"]),
      ),
    ];
  });
  const large = await withPrometheus(4, 100, async (url, root, data) => [
    {
      name: "backfill 4 h × 100 with promtool (setup, not the goal)",
      value: data.backfillSeconds,
      unit: "s",
    },
    ...memoryFigures("4 h × 100", await runCli(url, join(root, "cli"), data)),
  ]);
  return [...small, ...large];
}

/** The query benchmark suite. */
export const suite: BenchSuite = {
  title:
    "Query: 1 h × 50 and 4 h × 100 containers at 3 s from a local Prometheus",
  run: benchmark,
};

if (import.meta.main) {
  if (Deno.args[0] === "--child") {
    const [, url, dir, start, end] = Deno.args;
    const m = await measure(url!, dir!, Number(start), Number(end));
    console.log(JSON.stringify(m));
  } else {
    for (const f of await suite.run()) console.log(f);
  }
}
