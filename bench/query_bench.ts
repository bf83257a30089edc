/**
 * `query` from a local Prometheus: 1 h × 50 containers at 3 s (the
 * simulator's default dataset, about 1.4 million samples), backfilled with
 * promtool into a fresh Prometheus on 127.0.0.1, then queried and written as
 * the query JSON by `collectQuery()` in a fresh Deno process, so the peak
 * resident memory (VmHWM) belongs to the query alone.
 *
 * Figures: the time to list and range-query every `kepler_` metric, the
 * time of the whole query step (query + query JSON + validate table +
 * machine spec), the JSON size, and the peak memory. Goal (derived from
 * anchors.md §6 goal 5, "ingest + extract of a 1-hour query in < 3 s"): the
 * whole query step ≤ 5 s on 2 cores. The machines are shared, so expect
 * ±30 % between runs. Needs `prometheus` and `promtool` (apt-get install
 * prometheus); without them the suite fails with that message.
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
 * 1 h ending 2 h ago (so no live head block overlaps, aligned to 3 s),
 * backfilled into a Prometheus data folder under `root` with promtool.
 */
async function backfill(root: string) {
  const start = Math.floor((Date.now() / 1000 - 3 * 3600) / 3) * 3;
  const sim = simulate({
    start,
    duration: 3600,
    containers: 50,
    step: 3,
    seed: 1,
  });
  const times = sim.nodes[0]!.timestamps;
  const end = times[times.length - 1]!;
  const om = join(root, "data.om");
  await Deno.writeFile(om, openMetricsBytes(sim));
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

function figures(backfillSeconds: number, m: Measurement): BenchFigure[] {
  const ok = m.collectSeconds <= 5;
  return [
    {
      name: "backfill with promtool (setup, not the goal)",
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
      name: "peak resident memory of the query process",
      value: m.peakMb,
      unit: "MB",
    },
  ];
}

async function benchmark(): Promise<BenchFigure[]> {
  const root = await Deno.makeTempDir({ prefix: "kepler_query_bench_" });
  let prometheus: Deno.ChildProcess | undefined;
  try {
    const { start, end, data, backfillSeconds } = await backfill(root);
    const started = await startPrometheus(root, data);
    prometheus = started.prometheus;
    const out = await run(Deno.execPath(), [
      "run",
      "-A",
      new URL(import.meta.url).pathname,
      "--child",
      started.url,
      join(root, "out"),
      String(start),
      String(end),
    ]);
    const m = JSON.parse(out.trim().split("\n").at(-1)!) as Measurement;
    return figures(backfillSeconds, m);
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

/** The query benchmark suite. */
export const suite: BenchSuite = {
  title: "Query: 1 h × 50 containers at 3 s from a local Prometheus",
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
