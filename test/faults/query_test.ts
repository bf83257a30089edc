/**
 * Faults of the `query` stage (issue 17): a misbehaving Prometheus (a fake
 * HTTP server written here: endless body, huge body, garbage samples, 429
 * and 503 with Retry-After) and a `deno task query` child killed with
 * SIGKILL while it writes. Each test is named after its fault; the table is
 * FAULTS.md (the query section).
 */
import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  ok as assert,
} from "node:assert/strict";
import { join } from "node:path";
import { main, type MainIo } from "../../cli/main.ts";
import { readConfig } from "../../cli/config.ts";
import { sweepStaleTemps } from "../../lib/io/mod.ts";
import { defaultResponseLimit } from "../../lib/query/response_limit.ts";
import { formatQueryJson } from "../../lib/query/query_json.ts";
import type { QueryResult } from "../../lib/query/format.ts";

/** The repository root. */
const ROOT = new URL("../..", import.meta.url).pathname;

const METRIC = "kepler_node_package_joules_total";
const WINDOW = [
  "--start-time",
  "2023-11-14T22:13:20Z",
  "--end-time",
  "2023-11-14T22:18:20Z",
];
const START = 1_700_000_000;
/** 300 s at step 3: 101 points per series. */
const POINTS = 101;
const encoder = new TextEncoder();

type Handler = (url: URL, req: Request) => Response | Promise<Response>;

/** A fake Prometheus: the metric list is fixed, `query_range` is `handler`. */
function fakePrometheus(handler: Handler) {
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    (req) => {
      const url = new URL(req.url);
      if (url.pathname === "/api/v1/label/__name__/values") {
        return Response.json({ status: "success", data: [METRIC, "up"] });
      }
      return handler(url, req);
    },
  );
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    close: () => server.shutdown(),
  };
}

/** A well-formed matrix answer with `series` series over the request. */
function matrix(url: URL, series = 1): Response {
  const p = url.searchParams;
  const result = [];
  for (let s = 0; s < series; s++) {
    const values: [number, string][] = [];
    for (
      let t = Number(p.get("start"));
      t <= Number(p.get("end"));
      t += Number(p.get("step"))
    ) values.push([t, String(t - START + s)]);
    result.push({
      metric: { __name__: METRIC, instance: "n1", package: String(s) },
      values,
    });
  }
  return Response.json({
    status: "success",
    data: { resultType: "matrix", result },
  });
}

/** Runs the CLI in this process (a real HTTP client against the fake). */
async function cli(args: string[], env: Record<string, string>) {
  let stdout = "";
  let stderr = "";
  const io: MainIo = {
    stdout: (t) => stdout += t,
    stderr: (t) => stderr += t,
    stderrIsTerminal: false,
  };
  const code = await main(
    args,
    io,
    () => readConfig(new Map(Object.entries(env))),
  );
  return { code, stdout, stderr };
}

/** Every entry under `dir` (relative paths), hidden ones included. */
async function listAll(dir: string, prefix = ""): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const e of Deno.readDir(join(dir, prefix))) {
      const rel = prefix === "" ? e.name : `${prefix}/${e.name}`;
      names.push(rel);
      if (e.isDirectory) names.push(...await listAll(dir, rel));
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return names.sort();
}

/** Spawns `deno task query` with exactly the task's flags. */
async function spawnQueryTask(args: string[], env: Record<string, string>) {
  // test/_cli.ts is private to test/: the task's words are read here.
  const tasks = JSON.parse(await Deno.readTextFile(join(ROOT, "deno.json")));
  const words = String(tasks.tasks.query).split(/\s+/);
  const at = words.indexOf("cli/main.ts");
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      ...words.slice(2, at),
      join(ROOT, "cli/main.ts"),
      ...words.slice(at + 1),
      ...args,
    ],
    cwd: ROOT,
    clearEnv: true,
    env: { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin", ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/** Resident set size of a live process, in bytes (0 once it is gone). */
function rssOf(pid: number): number {
  try {
    const status = Deno.readTextFileSync(`/proc/${pid}/status`);
    return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}

/** Peak resident set size (VmHWM) of a live process, in bytes (0 once gone). */
function hwmOf(pid: number): number {
  try {
    const status = Deno.readTextFileSync(`/proc/${pid}/status`);
    return Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}

const MIB = 1024 * 1024;

Deno.test("fault: endless Prometheus body → query cut at the default limit, exit 1, one line, nothing written, RSS bounded", async () => {
  let cancelled = false;
  const head = encoder.encode(
    `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"__name__":"${METRIC}"},"values":[`,
  );
  const chunk = encoder.encode(`[${START},"1"],`.repeat(4096));
  const prom = fakePrometheus(() =>
    new Response(
      new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(head);
        },
        pull(c) {
          c.enqueue(chunk);
        },
        cancel() {
          cancelled = true;
        },
      }),
      { headers: { "content-type": "application/json" } },
    )
  );
  const dir = await Deno.makeTempDir({ prefix: "kepler_fault_endless_" });
  // Today the body is read whole: the process grows until it dies; the
  // watchdog stops it at WATCHDOG and the test fails.
  const WATCHDOG = 1536 * MIB;
  try {
    const child = await spawnQueryTask(
      ["-s", prom.url, ...WINDOW, "--retries", "0", "--timeout", "120"],
      { DATAPATH: dir },
    );
    let peak = 0;
    let killed = false;
    const timer = setInterval(() => {
      const rss = rssOf(child.pid);
      peak = Math.max(peak, rss);
      if (rss > WATCHDOG && !killed) {
        killed = true;
        child.kill("SIGKILL");
      }
    }, 20);
    const out = await child.output();
    clearInterval(timer);
    const stderr = new TextDecoder().decode(out.stderr);
    const limit = defaultResponseLimit(POINTS);
    console.log(
      `endless body: peak RSS ${(peak / MIB).toFixed(0)} MiB, limit ${
        (limit / MIB).toFixed(1)
      } MiB`,
    );
    assert(!killed, `RSS passed ${WATCHDOG / MIB} MiB (peak ${peak})`);
    assertEquals(out.code, 1, stderr);
    const lines = stderr.trim().split("\n");
    assertEquals(lines.length, 1, stderr);
    assertMatch(
      lines[0] ?? "",
      new RegExp(
        `query_range ${METRIC}\\): the answer is larger than the limit of ${
          limit.toLocaleString("en-US")
        } bytes .*the default for 101 points: 2000 series`,
      ),
    );
    assert(cancelled, "the endless body was not cancelled");
    // The process held at most the limit of the body, plus the runtime:
    // well under 2 × (limit) + what the CLI takes with no body (~150 MiB).
    assert(peak < 2 * limit + 256 * MIB, `peak RSS ${peak}`);
    assertEquals(await listAll(dir), []);
  } finally {
    await prom.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("fault: huge Prometheus body over --max-response-bytes → cut, exit 1, nothing written", async () => {
  // A finite 12 MB answer (with Content-Length) and one without it.
  const big = encoder.encode(
    JSON.stringify({
      status: "success",
      data: {
        resultType: "matrix",
        result: [{
          metric: { __name__: METRIC },
          values: Array.from(
            { length: 400_000 },
            (_, i) => [START + i, "1.5"],
          ),
        }],
      },
    }),
  );
  for (const chunked of [false, true]) {
    const prom = fakePrometheus(() =>
      chunked
        ? new Response(ReadableStream.from([big.subarray(0, 1 << 20), big]))
        : new Response(big)
    );
    const dir = await Deno.makeTempDir({ prefix: "kepler_fault_huge_" });
    try {
      const r = await cli(
        ["query", "-s", prom.url, ...WINDOW, "--max-response-bytes", "2MiB"],
        { DATAPATH: dir },
      );
      assertEquals(r.code, 1, r.stderr);
      assertEquals(r.stderr.trim().split("\n").length, 1, r.stderr);
      assertMatch(
        r.stderr,
        /the answer is larger than the limit of 2,097,152 bytes \(cut after [\d,]+ bytes\); the limit is 2,097,152 bytes \(--max-response-bytes\)/,
      );
      assertEquals(await listAll(dir), []);
    } finally {
      await prom.close();
      await Deno.remove(dir, { recursive: true });
    }
  }
});

Deno.test("fault: garbage sample values from Prometheus → query fails before any file is written, naming metric, series and value", async () => {
  const series = { __name__: METRIC, instance: "n1", package: "0" };
  const name = `${METRIC}\\{instance="n1",package="0"\\}`;
  const cases: [string, unknown, RegExp][] = [
    [
      "non-numeric value",
      [{ metric: series, values: [[START, "1"], [START + 3, "abc"]] }],
      new RegExp(`series ${name}: the value "abc" at time ${START + 3}`),
    ],
    [
      "number instead of a string",
      [{ metric: series, values: [[START, 12]] }],
      new RegExp(`series ${name}: the value 12 at time ${START}`),
    ],
    [
      "empty value",
      [{ metric: series, values: [[START, ""]] }],
      new RegExp(`series ${name}: the value "" at time`),
    ],
    [
      "timestamp not a number",
      [{ metric: series, values: [["yesterday", "1"]] }],
      new RegExp(`series ${name}: sample 0 has the time "yesterday"`),
    ],
    [
      "sample not a pair",
      [{ metric: series, values: [[START]] }],
      new RegExp(`series ${name}: sample 0 is \\[${START}\\]`),
    ],
    [
      "missing values array",
      [{ metric: series }],
      new RegExp(`series ${name} has no "values" array`),
    ],
    [
      "labels not strings",
      [{ metric: { __name__: METRIC, package: 0 }, values: [] }],
      /series 0 has the labels \{"__name__":"kepler_node_package_joules_total","package":0\}/,
    ],
    [
      "timestamps going backwards",
      [{ metric: series, values: [[START + 3, "1"], [START, "2"]] }],
      new RegExp(`series ${name}: the time ${START} of sample 1`),
    ],
    ["result not an array", { x: 1 }, /no result array/],
  ];
  for (const [label, result, expected] of cases) {
    const prom = fakePrometheus(() =>
      Response.json({
        status: "success",
        data: { resultType: "matrix", result },
      })
    );
    const dir = await Deno.makeTempDir({ prefix: "kepler_fault_garbage_" });
    try {
      const r = await cli(
        ["query", "-s", prom.url, ...WINDOW, "--benchmark", "idle"],
        { DATAPATH: dir },
      );
      assertEquals(r.code, 1, `${label}: ${r.stderr}`);
      assertEquals(r.stderr.trim().split("\n").length, 1, r.stderr);
      assertMatch(
        r.stderr,
        /sent garbage for kepler_node_package_joules_total/,
      );
      assertMatch(r.stderr, expected, label);
      assertEquals(await listAll(dir), [], label);
    } finally {
      await prom.close();
      await Deno.remove(dir, { recursive: true });
    }
  }
  // NaN and ±Inf are legal Prometheus values: the query keeps them.
  const prom = fakePrometheus(() =>
    Response.json({
      status: "success",
      data: {
        resultType: "matrix",
        result: [{
          metric: series,
          values: [[START, "NaN"], [START + 3, "+Inf"], [START + 6, "-1e+21"]],
        }],
      },
    })
  );
  const dir = await Deno.makeTempDir({ prefix: "kepler_fault_garbage_" });
  try {
    const r = await cli(["query", "-s", prom.url, ...WINDOW, "-o", "q"], {
      DATAPATH: dir,
    });
    assertEquals(r.code, 0, r.stderr);
    assertMatch(await Deno.readTextFile(`${dir}/q.json`), /"NaN"/);
  } finally {
    await prom.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("fault: HTTP 429/503 with Retry-After → retried after the wait asked (seconds or HTTP-date), then the query succeeds", async () => {
  const headers = [
    "1",
    () => new Date(Date.now() + 2000).toUTCString(),
  ];
  for (const [status, header] of [[429, headers[0]], [503, headers[1]]]) {
    const times: number[] = [];
    const prom = fakePrometheus((url) => {
      times.push(Date.now());
      if (times.length === 1) {
        const value = typeof header === "function" ? header() : String(header);
        return new Response("slow down", {
          status: Number(status),
          headers: { "retry-after": value },
        });
      }
      return matrix(url);
    });
    const dir = await Deno.makeTempDir({ prefix: "kepler_fault_429_" });
    try {
      const r = await cli(
        ["query", "-s", prom.url, ...WINDOW, "-o", "q", "--retries", "2"],
        { DATAPATH: dir },
      );
      assertEquals(r.code, 0, r.stderr);
      assertEquals(times.length, 2);
      // The backoff alone would be 500 ms; Retry-After asked for ≥ 1 s
      // (an HTTP-date has whole seconds, so "now + 2 s" is > 1 s away).
      const gap = (times[1] ?? 0) - (times[0] ?? 0);
      assert(gap >= 990, `HTTP ${status}: retried after ${gap} ms`);
      assertMatch(await Deno.readTextFile(`${dir}/q.json`), /"values"/);
    } finally {
      await prom.close();
      await Deno.remove(dir, { recursive: true });
    }
  }
});

Deno.test("fault: HTTP 429 with a Retry-After beyond --max-retry-wait → fails at once with one line, nothing written", async () => {
  let calls = 0;
  const prom = fakePrometheus(() => {
    calls++;
    return new Response("", {
      status: 429,
      headers: { "retry-after": "3600" },
    });
  });
  const dir = await Deno.makeTempDir({ prefix: "kepler_fault_429_" });
  try {
    const r = await cli(
      ["query", "-s", prom.url, ...WINDOW, "--max-retry-wait", "30"],
      { DATAPATH: dir },
    );
    assertEquals(r.code, 1, r.stderr);
    assertEquals(calls, 1);
    assertEquals(r.stderr.trim().split("\n").length, 1, r.stderr);
    assertMatch(
      r.stderr,
      /HTTP 429 asks to retry after 3600 s \(Retry-After: 3600\), longer than the longest wait of 30 s \(--max-retry-wait\)/,
    );
    assertEquals(await listAll(dir), []);
  } finally {
    await prom.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("fault: kill -9 of a running query while it writes → the temp it leaves is swept by the next query into the folder", async () => {
  // 60 series × 101 points ≈ 2 MB of query JSON per metric: long enough to
  // catch the temp on disk; the kill is retried with more series if the
  // write was over before the temp was seen.
  const dir = await Deno.makeTempDir({ prefix: "kepler_fault_kill_" });
  let series = 60;
  const prom = fakePrometheus((url) => matrix(url, series));
  try {
    let leftover: string[] = [];
    for (let attempt = 0; attempt < 6 && leftover.length === 0; attempt++) {
      const child = await spawnQueryTask(
        ["-s", prom.url, ...WINDOW, "-o", "q", "--to-csv"],
        { DATAPATH: dir },
      );
      let seen = false;
      while (!seen) {
        const names = await listAll(dir);
        if (names.some((n) => /\.tmp$/.test(n))) {
          child.kill("SIGKILL");
          seen = true;
        } else if (names.includes("q_validate_result.csv")) break;
        await new Promise((r) => setTimeout(r, 2));
      }
      const status = await child.status;
      await child.stdout.cancel();
      await child.stderr.cancel();
      leftover = (await listAll(dir)).filter((n) => /\.(tmp|old)$/.test(n));
      if (seen) assertEquals(status.signal, "SIGKILL");
      series *= 2;
    }
    assert(leftover.length > 0, "never caught the query while it wrote");
    console.log(`left by the killed run: ${leftover.join(", ")}`);
    // The next run into the same folder sweeps what the killed run left.
    series = 2;
    const next = await spawnQueryTask(
      ["-s", prom.url, ...WINDOW, "-o", "q"],
      { DATAPATH: dir },
    );
    const out = await next.output();
    const stderr = new TextDecoder().decode(out.stderr);
    assertEquals(out.code, 0, stderr);
    const after = await listAll(dir);
    assertEquals(after.filter((n) => /\.(tmp|old)$/.test(n)), [], stderr);
    assertMatch(
      stderr,
      /note: removed \d+ temp files? left by an interrupted earlier run/,
    );
    assert(after.includes("q.json"), after.join(", "));
  } finally {
    await prom.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("fault: a live writer's temp beside the output → not swept (locked), a dead one's is", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kepler_fault_live_" });
  try {
    const live = `${dir}/.q.json.0000aaaa.tmp`;
    const dead = `${dir}/.q.json.deadbeef.tmp`;
    await Deno.writeTextFile(dead, "half");
    using file = await Deno.open(live, { write: true, createNew: true });
    await file.lock(true);
    const swept = await sweepStaleTemps(dir, ["q.json"], {
      before: Date.now() + 1000,
    });
    assertEquals(swept.removed, [dead]);
    assertEquals(await listAll(dir), [".q.json.0000aaaa.tmp"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/**
 * What a Prometheus answers for 1 h at 3 s of `metrics`, each with
 * `series` series: a counter per series, values with up to 3 decimals as
 * Prometheus writes them (shortest text), a NaN now and then.
 */
function largeAnswers(metrics: readonly string[], series: number) {
  const result: QueryResult = {};
  for (const [m, name] of metrics.entries()) {
    result[name] = Array.from({ length: series }, (_, s) => ({
      metric: {
        __name__: name,
        container_id: `c${String(s).padStart(4, "0")}`,
        instance: "n1",
        pod_name: `pod-${s % 17}`,
      },
      values: Array.from({ length: 1201 }, (_, k): [number, string] => [
        START + 3 * k,
        k % 500 === 499
          ? "NaN"
          : String(Math.round(k * (s + 1) * (m + 1) * 1370.5) / 1000),
      ]),
    }));
  }
  return result;
}

Deno.test("fault: a large but legal Prometheus answer → query's peak memory stays under 2× its output (+ runtime base)", async () => {
  // 12 metrics × 100 series × 1201 points: 1.44 M samples, ~38 MB of query
  // JSON, as `query` of 1 h × 50 containers writes. Today's main peaks at
  // ~11× its output (430 MiB) here.
  const metrics = Array.from(
    { length: 12 },
    (_, i) => `kepler_container_m${i}_joules_total`,
  );
  const answers = largeAnswers(metrics, 100);
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    (req) => {
      const url = new URL(req.url);
      if (url.pathname === "/api/v1/label/__name__/values") {
        return Response.json({ status: "success", data: metrics });
      }
      const result = answers[url.searchParams.get("query") ?? ""] ?? [];
      return Response.json({
        status: "success",
        data: { resultType: "matrix", result },
      });
    },
  );
  const dir = await Deno.makeTempDir({ prefix: "kepler_fault_large_" });
  const BASE = 120 * MIB; // the Deno runtime and the CLI with no data
  try {
    const child = await spawnQueryTask([
      "-s",
      `http://127.0.0.1:${server.addr.port}`,
      "--start-time",
      "2023-11-14T22:13:20Z",
      "--end-time",
      "2023-11-14T23:13:20Z",
      "-o",
      "q",
    ], { DATAPATH: dir });
    // VmHWM only grows: the last reading before the exit is the peak (to
    // within the 10 ms between readings).
    let peak = 0;
    const timer = setInterval(() => {
      peak = Math.max(peak, hwmOf(child.pid));
    }, 10);
    const out = await child.output();
    clearInterval(timer);
    const stdout = new TextDecoder().decode(out.stdout);
    assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
    assertMatch(stdout, /Queried 12 metrics \(1200 series, 1441200 samples\)/);
    const json = await Deno.readFile(join(dir, "q.json"));
    console.log(
      `large answer: query JSON ${(json.length / MIB).toFixed(1)} MiB, peak ${
        (peak / MIB).toFixed(0)
      } MiB (${(peak / json.length).toFixed(2)}× the output; limit ${
        ((2 * json.length + BASE) / MIB).toFixed(0)
      } MiB)`,
    );
    assert(json.length > 30e6, `the output is only ${json.length} bytes`);
    // Every sample written, in upstream's bytes (the text path's formatting).
    assert(
      new TextDecoder().decode(json) === formatQueryJson(answers),
      "the query JSON differs from the answers' upstream formatting",
    );
    assert(peak > 0, "no VmHWM reading of the child");
    assert(
      peak <= 2 * json.length + BASE,
      `peak RSS ${(peak / MIB).toFixed(0)} MiB > 2 × ${
        (json.length / MIB).toFixed(1)
      } MiB + ${BASE / MIB} MiB`,
    );
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});
