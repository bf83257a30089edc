/**
 * `query` against a real Prometheus (Debian package) on 127.0.0.1, filled by
 * promtool from `simulate` output, or scraping the simulated exporter.
 * Skipped with a message when prometheus/promtool are missing (fails on CI).
 */
import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  ok as assert,
  rejects as assertRejects,
} from "node:assert/strict";
import {
  collectQuery,
  fetchMetricNames,
  labelsKey,
  PrometheusError,
  type PromSeries,
  queryMetrics,
  queryRange,
  type QueryResult,
  readQueryJson,
  selectMetrics,
} from "../lib/query/mod.ts";
import {
  KeplerExporter,
  openMetrics,
  queryResult,
  simulate,
} from "../lib/simulate/mod.ts";
import { type CliResult, runCli, runTask } from "./_cli.ts";
import { requireTool, startPrometheus } from "./_prometheus.ts";

const tools = requireTool(["prometheus", "promtool"]);
const FAST = { backoffMs: 20, maxBackoffMs: 100, retries: 3 } as const;
const QUERY_ENV_KEYS =
  "DATAPATH,MODEL_PATH,PROM_SERVER,PROM_QUERY_INTERVAL,PROM_QUERY_STEP,PROM_SSL_DISABLE,PROM_THIRDPARTY_METRICS,PROM_USERNAME,PROM_PASSWORD,PROM_BEARER_TOKEN,MODEL_SERVER_PORT,INITIAL_PIPELINE_URL,ERROR_KEY,VM_JOB_NAME,MODEL_CONFIG,MODEL_SERVER_ENABLE,MODEL_SERVER_URL,MODEL_SERVER_MODEL_REQ_PATH,NODE_TOTAL_INIT_URL,NODE_COMPONENTS_INIT_URL,CONTAINER_TOTAL_INIT_URL,CONTAINER_COMPONENTS_INIT_URL,PROCESS_TOTAL_INIT_URL,PROCESS_COMPONENTS_INIT_URL,CONFIG_PATH,NO_COLOR";
/** Only net, read/write and env: what `deno task query` needs at least. */
const QUERY_FLAGS = [
  "--allow-net",
  "--allow-read",
  "--allow-write",
  `--allow-env=${QUERY_ENV_KEYS}`,
];

/** Two hours ago, aligned to 3 s: far from the live head block. */
function pastStart(duration: number): number {
  return Math.floor((Date.now() / 1000 - 7200 - duration) / 3) * 3;
}

function sortSeries(series: readonly PromSeries[]): PromSeries[] {
  return [...series].sort((a, b) =>
    labelsKey(a.metric) < labelsKey(b.metric) ? -1 : 1
  );
}

/** Asserts two results hold the same series with numerically equal samples. */
function assertSameSamples(actual: QueryResult, expected: QueryResult): void {
  assertEquals(Object.keys(actual), Object.keys(expected));
  for (const [metric, want] of Object.entries(expected)) {
    const got = sortSeries(actual[metric] ?? []);
    const exp = sortSeries(want);
    assertEquals(got.map((s) => s.metric), exp.map((s) => s.metric), metric);
    got.forEach((s, i) => {
      const e = exp[i]!;
      assertEquals(
        s.values.map(([t]) => t),
        e.values.map(([t]) => t),
        `${metric} timestamps`,
      );
      assertEquals(
        s.values.map(([, v]) => Number(v)),
        e.values.map(([, v]) => Number(v)),
        `${metric} values`,
      );
    });
  }
}

async function listDir(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(dir)) names.push(e.name);
  return names.sort();
}

function describe(r: CliResult): string {
  return `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
}

Deno.test({
  name:
    "`collectQuery()` over the window returns exactly the simulated samples, gaps and resets included",
  ignore: tools.ignore,
  fn: async () => {
    const duration = 600;
    const sim = simulate({
      start: pastStart(duration),
      duration,
      containers: 3,
      seed: 7,
      faults: ["gap", "reset"],
    });
    const expected = queryResult(sim);
    const times = Object.values(expected).flatMap((list) =>
      list.flatMap((s) => s.values.map(([t]) => t))
    );
    const first = Math.min(...times);
    const last = Math.max(...times);
    // A 1 s lookback: a missing sample stays missing instead of repeating the last one.
    await using prom = await startPrometheus({
      openMetrics: openMetrics(sim),
      lookbackDelta: "1s",
    });
    const dir = await Deno.makeTempDir({ prefix: "kepler_query_" });
    try {
      const done = await collectQuery(prom.url, dir, {
        output: "kepler_query",
        benchmark: "stressng",
        startTime: new Date(first * 1000).toISOString().replace(/\.\d+Z$/, "Z"),
        endTime: new Date(last * 1000).toISOString().replace(/\.\d+Z$/, "Z"),
        step: 3,
        id: "sim",
        specFrom: "node_info",
        toCsv: true,
      });
      const written = await readQueryJson(`${dir}/kepler_query.json`);
      assertSameSamples(written, expected);
      assertEquals(done.samples, times.length);
      // --spec-from node_info: the spec comes from Kepler's metrics.
      assert(
        done.spec.processor !== "" && done.spec.chips >= 1,
        JSON.stringify(done.spec),
      );
      assertEquals(
        JSON.parse(await Deno.readTextFile(`${dir}/stressng.json`)),
        {
          startTimeUTC: new Date(first * 1000).toISOString().replace(
            /\.\d+Z$/,
            "Z",
          ),
          endTimeUTC: new Date(last * 1000).toISOString().replace(
            /\.\d+Z$/,
            "Z",
          ),
        },
      );
      assertEquals(await listDir(dir), [
        "kepler_query.json",
        "kepler_query_csv",
        "kepler_query_validate_result.csv",
        "machine_spec",
        "stressng.json",
      ]);
      assertEquals(
        (await listDir(`${dir}/kepler_query_csv`)).length,
        Object.keys(expected).length,
      );
      assert(
        done.report.summary.counterResets.count > 0,
        "the reset fault shows as a counter reset",
      );
      assert(
        done.report.summary.gaps.count > 0,
        "the gap fault shows as a gap",
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "`queryRange()` chunks a range over 11,000 points and equals one coarser request where comparable",
  ignore: tools.ignore,
  fn: async () => {
    const duration = 4 * 3600; // at step 1 s: 14,401 points per series
    const start = pastStart(duration);
    const sim = simulate({
      start,
      duration,
      containers: 1,
      seed: 3,
      sources: ["rapl-sysfs"],
    });
    await using prom = await startPrometheus({ openMetrics: openMetrics(sim) });
    const metric = "kepler_node_package_joules_total";
    const end = start + duration - 3;
    // One request at step 1 is refused by Prometheus itself...
    await assertRejects(
      () =>
        queryRange(prom.url, { query: metric, start, end, step: 1 }, {
          maxPoints: 20_000,
          ...FAST,
        }),
      (e: unknown) =>
        e instanceof PrometheusError &&
        /exceeded maximum resolution of 11,000 points/.test(e.message),
    );
    // ...so it is split; the join has every second once.
    let requests = 0;
    const fine = await queryRange(prom.url, {
      query: metric,
      start,
      end,
      step: 1,
    }, {
      onProgress: (p) => requests = p.total,
    });
    assertEquals(requests, 2);
    const coarse = await queryRange(prom.url, {
      query: metric,
      start,
      end,
      step: 3,
    });
    assertEquals(fine.map((s) => s.metric), coarse.map((s) => s.metric));
    assert(fine.length >= 2);
    fine.forEach((s, i) => {
      assertEquals(s.values.length, end - start + 1);
      s.values.forEach(([t], k) => assertEquals(t, start + k));
      const atCoarse = s.values.filter(([t]) => (t - start) % 3 === 0);
      assertEquals(atCoarse, coarse[i]!.values);
    });
  },
});

Deno.test({
  name:
    "`queryMetrics()` retries when Prometheus dies mid-query, then names the server",
  ignore: tools.ignore,
  fn: async () => {
    const sim = simulate({
      start: pastStart(300),
      duration: 300,
      containers: 2,
    });
    const prom = await startPrometheus({ openMetrics: openMetrics(sim) });
    try {
      const metrics = selectMetrics(await fetchMetricNames(prom.url));
      assert(metrics.length > 5);
      const start = sim.nodes[0]!.timestamps[0]!;
      let finished = 0;
      const error = await queryMetrics(prom.url, {
        metrics,
        start,
        end: start + 297,
        step: 3,
      }, {
        ...FAST,
        concurrency: 1,
        onProgress: (p) => {
          finished = p.done;
          if (p.done === 2) prom.kill();
        },
      }).then(() => undefined, (e: unknown) => e);
      assert(error instanceof PrometheusError, String(error));
      assertEquals(error.server, prom.url);
      assertEquals(error.attempts, 4);
      assertMatch(
        error.message,
        new RegExp(
          `^Cannot query Prometheus at ${prom.url} \\(query_range kepler_`,
        ),
      );
      assertMatch(error.message, /gave up after 4 attempts/);
      assert(finished >= 2 && finished < metrics.length);
    } finally {
      await prom.stop();
    }
  },
});

Deno.test({
  name:
    "`query` CLI exits 1 naming the server when Prometheus is gone, and 2 for a malformed URL",
  ignore: tools.ignore,
  fn: async () => {
    const prom = await startPrometheus();
    const url = prom.url;
    await prom.stop();
    const dir = await Deno.makeTempDir({ prefix: "kepler_query_" });
    try {
      const env = { DATAPATH: dir };
      const gone = await runCli(QUERY_FLAGS, [
        "query",
        "-s",
        url,
        "--retries",
        "1",
        "--benchmark",
        "x",
      ], { env });
      assertEquals(gone.code, 1, describe(gone));
      assertMatch(
        gone.stderr,
        new RegExp(
          `Cannot query Prometheus at ${url} .*gave up after 2 attempts`,
        ),
      );
      assertEquals(gone.stderr.trim().split("\n").length, 1, describe(gone));
      const malformed = await runCli(QUERY_FLAGS, [
        "query",
        "-s",
        "127.0.0.1:9090",
      ], { env });
      assertEquals(malformed.code, 2, describe(malformed));
      assertMatch(
        malformed.stderr,
        /Invalid Prometheus server URL "127.0.0.1:9090"/,
      );
      assertEquals(await listDir(dir), [], "nothing written");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "`query` CLI on an empty window says so, exits 1 and writes nothing",
  ignore: tools.ignore,
  fn: async () => {
    const sim = simulate({
      start: pastStart(120),
      duration: 120,
      containers: 1,
    });
    await using prom = await startPrometheus({ openMetrics: openMetrics(sim) });
    const dir = await Deno.makeTempDir({ prefix: "kepler_query_" });
    try {
      // The data is about 2 h old; the last 60 s hold nothing.
      const r = await runCli(
        QUERY_FLAGS,
        [
          "query",
          "-s",
          prom.url,
          "--interval",
          "60",
          "--benchmark",
          "idle",
          "-o",
          "kepler_query",
          "--id",
          "m",
        ],
        { env: { DATAPATH: dir } },
      );
      assertEquals(r.code, 1, describe(r));
      assertMatch(
        r.stderr,
        /No samples in the window .* on Prometheus at http:\/\/127\.0\.0\.1:\d+: \d+ metrics match "kepler_" but none has data in that window; nothing was written/,
      );
      assertEquals(await listDir(dir), []);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "`query` CLI works with only net, read/write and env permissions, and names a denied net",
  ignore: tools.ignore,
  fn: async () => {
    const duration = 300;
    const sim = simulate({
      start: pastStart(duration),
      duration,
      containers: 2,
      seed: 5,
    });
    await using prom = await startPrometheus({ openMetrics: openMetrics(sim) });
    const times = sim.nodes[0]!.timestamps;
    const iso = (t: number) =>
      new Date(t * 1000).toISOString().replace(/\.\d+Z$/, "Z");
    const args = [
      "query",
      "-s",
      prom.url,
      "--start-time",
      iso(times[0]!),
      "--end-time",
      iso(times[times.length - 1]!),
      "--benchmark",
      "stressng",
      "-o",
      "kepler_query",
      "--id",
      "m1",
      "--to-csv",
    ];
    const dir = await Deno.makeTempDir({ prefix: "kepler_query_" });
    try {
      const ok = await runCli(QUERY_FLAGS, args, { env: { DATAPATH: dir } });
      assertEquals(ok.code, 0, describe(ok));
      assertMatch(
        ok.stdout,
        /^Queried \d+ metrics \(\d+ series, \d+ samples\)/,
      );
      assertMatch(ok.stdout, /Usable feature groups: .*BPFOnly/);
      assertSameSamples(
        await readQueryJson(`${dir}/kepler_query.json`),
        queryResult(sim),
      );
      const spec = JSON.parse(
        await Deno.readTextFile(`${dir}/machine_spec/m1.json`),
      );
      assertEquals(Object.keys(spec), ["attrs", "members"]);
      assertEquals(Object.keys(spec.attrs), [
        "processor",
        "cores",
        "chips",
        "memory",
        "frequency",
      ]);
      // The spec of the node the data come from (its kepler_node_info), not
      // of this machine: Kepler exports no memory size.
      assertEquals(spec.attrs.processor, "cascade_lake");
      assertEquals(spec.attrs.memory, -1);
      assertMatch(
        ok.stdout,
        /^Machine spec from kepler_node_info of instance \S+: processor cascade_lake, cores -?\d+, chips \d+, memory -1, frequency -?\d+ \(-1: not in Kepler's metrics\)$/m,
      );
      assert(!ok.stderr.includes("note:"), ok.stderr);

      const validate = await runCli(
        ["--allow-read", "--allow-write", `--allow-env=${QUERY_ENV_KEYS}`],
        ["validate", "-i", "kepler_query", "--benchmark", "stressng"],
        { env: { DATAPATH: dir } },
      );
      assertEquals(validate.code, 0, describe(validate));
      assertMatch(
        validate.stdout,
        /Energy sources:\n {2}acpi platform: .* mean \d+\.\d W/,
      );
      const table = await Deno.readTextFile(
        `${dir}/kepler_query_validate_result.csv`,
      );
      assertEquals(
        table.split("\n")[0],
        ",pod,scenarioID,query,count,>0,total",
      );

      // --spec-from machine without --allow-sys: memory unknown, and the
      // note says which flag gives it.
      const bare = await runCli(QUERY_FLAGS, [
        ...args,
        "-o",
        "bare",
        "--id",
        "m0",
        "--spec-from",
        "machine",
      ], { env: { DATAPATH: dir } });
      assertEquals(bare.code, 0, describe(bare));
      assertMatch(
        bare.stderr,
        /note: the machine spec .*m0\.json is incomplete: .*memory unknown \(.*Deno\.systemMemoryInfo\(\) needs --allow-sys=systemMemoryInfo\)/,
      );

      // `deno task query`'s own flags grant the system facts of the spec,
      // and its note never asks for what the task already grants.
      const task = await runTask("query", [
        ...args.slice(1), // the task already names the command
        "-o",
        "task_query",
        "--id",
        "m2",
        "--spec-from",
        "machine",
      ], {
        env: { DATAPATH: dir },
      });
      assertEquals(task.code, 0, describe(task));
      const full = JSON.parse(
        await Deno.readTextFile(`${dir}/machine_spec/m2.json`),
      );
      assert(
        full.attrs.memory >= 0 && full.attrs.processor !== "",
        JSON.stringify(full),
      );
      assert(!task.stderr.includes("needs --allow-sys"), task.stderr);
      if (task.stderr.includes("is incomplete")) {
        // What is really missing, and why: /proc and /sys need --allow-all.
        assertMatch(
          task.stderr,
          /is incomplete: (chips assumed 1 \(the socket count comes from \/proc\/cpuinfo: \/proc\/cpuinfo is not readable, which Deno reads only with --allow-all\)|frequency unknown \(cpufreq)/,
        );
      }

      // An existing spec is never replaced: kept, and said in one line.
      const mine =
        '{"attrs": {"processor": "intel_xeon_silver_4210r", "cores": 40, "chips": 2, "memory": 125, "frequency": 3200}, "members": []}';
      await Deno.writeTextFile(`${dir}/machine_spec/m1.json`, mine);
      const again = await runTask("query", [
        ...args.slice(1),
        "-o",
        "again",
      ], { env: { DATAPATH: dir } });
      assertEquals(again.code, 0, describe(again));
      assertEquals(
        await Deno.readTextFile(`${dir}/machine_spec/m1.json`),
        mine,
      );
      assertEquals(
        again.stderr.trim().split("\n").filter((l) => l.includes("m1.json")),
        [
          `note: kept the existing machine spec ${dir}/machine_spec/m1.json (processor intel_xeon_silver_4210r, cores 40, chips 2, memory 125, frequency 3200); the spec from kepler_node_info of instance ${
            /instance (\S+):/.exec(ok.stdout)?.[1]
          } differs (processor cascade_lake, cores ${spec.attrs.cores}, chips ${spec.attrs.chips}, memory -1, frequency ${spec.attrs.frequency}): delete the file to write it`,
        ],
      );
      assert(!again.stdout.includes("m1.json"), again.stdout);

      const denied = await runCli(
        QUERY_FLAGS.filter((f) => f !== "--allow-net"),
        args,
        {
          env: { DATAPATH: `${dir}/denied` },
        },
      );
      assertEquals(denied.code, 1, describe(denied));
      assertMatch(
        denied.stderr,
        /permission denied.*net access to "127\.0\.0\.1:\d+"/i,
      );
      assertEquals(
        denied.stderr.trim().split("\n").length,
        1,
        describe(denied),
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "`query` CLI reads back what Prometheus scraped from the live simulated exporter",
  ignore: tools.ignore,
  fn: async () => {
    await using exporter = new KeplerExporter({
      port: 0,
      step: 1,
      containers: 2,
      seed: 11,
    });
    const addr = await exporter.serve();
    const target = `127.0.0.1:${addr.port}`;
    await using prom = await startPrometheus({
      scrapeTargets: [target],
      scrapeInterval: "1s",
    });
    // The scrape manager starts about 5 s after Prometheus; then 1 sample/s.
    const t0 = Date.now();
    let samples = 0;
    while (samples < 4 && Date.now() - t0 < 30_000) {
      await new Promise((r) => setTimeout(r, 500));
      const now = Date.now() / 1000;
      const series = await queryRange(prom.url, {
        query: "kepler_node_package_joules_total",
        start: Math.floor(now - 30),
        end: Math.floor(now),
        step: 1,
      }).catch(() => []);
      samples = series[0]?.values.length ?? 0;
    }
    assert(samples >= 4, `Prometheus scraped ${samples} samples in 30 s`);
    const dir = await Deno.makeTempDir({ prefix: "kepler_query_" });
    try {
      const r = await runCli(
        QUERY_FLAGS,
        [
          "query",
          "-s",
          prom.url,
          "--interval",
          "30",
          "--step",
          "1",
          "--benchmark",
          "live",
          "-o",
          "live_query",
        ],
        { env: { DATAPATH: dir } },
      );
      assertEquals(r.code, 0, describe(r));
      const result = await readQueryJson(`${dir}/live_query.json`);
      const pkg = result.kepler_node_package_joules_total ?? [];
      assert(pkg.length > 0);
      assertEquals(pkg[0]!.metric.instance, target);
      assertEquals(pkg[0]!.metric.job, "kepler");
      assert(pkg[0]!.values.length >= 4);
      const containers = result.kepler_container_bpf_cpu_time_ms_total ?? [];
      assert(containers.length >= 2, `${containers.length} container series`);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
