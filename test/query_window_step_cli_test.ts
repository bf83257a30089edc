/**
 * `query` run as `deno task query` runs it, against a fake Prometheus:
 * `--step` and PROM_QUERY_STEP take Prometheus durations (3s, 1m30s, 500ms)
 * as upstream passes them on; a date or time that does not exist in
 * `--start-time`/`--end-time` or in a benchmark file is one line on stderr
 * and a non-zero exit, before any request, never rolled over.
 */
import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  ok as assert,
} from "node:assert/strict";
import { type CliResult, runTask } from "./_cli.ts";

/** A Prometheus answering every range query with a sample at each step. */
function fakePrometheus() {
  const steps: string[] = [];
  let requests = 0;
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    (req) => {
      requests++;
      const url = new URL(req.url);
      if (url.pathname === "/api/v1/label/__name__/values") {
        return Response.json({
          status: "success",
          data: ["kepler_node_package_joules_total"],
        });
      }
      const p = url.searchParams;
      steps.push(p.get("step") ?? "");
      const values: [number, string][] = [];
      const step = Number(p.get("step"));
      for (
        let t = Number(p.get("start"));
        t <= Number(p.get("end"));
        t += step
      ) {
        values.push([t, String(t - 1_700_000_000)]);
      }
      return Response.json({
        status: "success",
        data: {
          resultType: "matrix",
          result: [{
            metric: {
              __name__: p.get("query") ?? "",
              instance: "n1",
              mode: "dynamic",
              package: "0",
              source: "rapl-sysfs",
            },
            values,
          }],
        },
      });
    },
  );
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    steps,
    requests: () => requests,
    close: () => server.shutdown(),
  };
}

const WINDOW = [
  "--start-time",
  "2023-11-14T22:13:20Z",
  "--end-time",
  "2023-11-14T22:18:20Z",
];

/** Asserts a refusal: the exit code and exactly one line on stderr. */
function assertOneLineError(r: CliResult, code: number, pattern: RegExp) {
  assertEquals(r.code, code, r.stderr);
  const lines = r.stderr.trimEnd().split("\n");
  assertEquals(lines.length, 1, r.stderr);
  assertMatch(lines[0]!, /^kepler-model: error: /);
  assertMatch(lines[0]!, pattern);
  assert(!r.stderr.includes("    at "), r.stderr);
}

Deno.test("`query --step` and PROM_QUERY_STEP take Prometheus durations and send seconds", async () => {
  const prom = fakePrometheus();
  const dir = await Deno.makeTempDir({ prefix: "kepler_query_step_" });
  try {
    const env = { DATAPATH: dir, PROM_SERVER: prom.url };
    const cases: [string[], Record<string, string>, string][] = [
      [["--step", "3s"], {}, "3"],
      [["--step", "1m30s"], {}, "90"],
      [["--step", "500ms"], {}, "0.5"],
      [["--step", "15"], {}, "15"],
      [[], { PROM_QUERY_STEP: "1m" }, "60"],
      [["--step", "5s"], { PROM_QUERY_STEP: "1m" }, "5"],
    ];
    for (const [flags, extra, want] of cases) {
      prom.steps.length = 0;
      const r = await runTask(
        "query",
        [...WINDOW, ...flags, "--quiet", "--spec-from", "machine"],
        { env: { ...env, ...extra } },
      );
      assertEquals(r.code, 0, `${flags.join(" ")}: ${r.stderr}`);
      assert(prom.steps.length > 0 && prom.steps.every((s) => s === want));
      assertMatch(r.stdout, new RegExp(` at step ${want} s on `));
    }
  } finally {
    await prom.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("`query` refuses a bad step in one line: flag or PROM_QUERY_STEP", async () => {
  const env = { DATAPATH: "/nonexistent-kepler-dir" };
  for (const step of ["3x", "0", "0s", "-1s", "1.5s"]) {
    const r = await runTask("query", ["--step", step], { env });
    assertOneLineError(
      r,
      2,
      new RegExp(`--step <step>' argument '${step}' is invalid.*"${step}"`),
    );
  }
  const r = await runTask("query", [], {
    env: { ...env, PROM_QUERY_STEP: "3x" },
  });
  assert(r.code !== 0);
  assertOneLineError(r, r.code, /PROM_QUERY_STEP="3x": expected seconds/);
});

Deno.test("`query` refuses impossible --start-time/--end-time in one line, before any request", async () => {
  const prom = fakePrometheus();
  const dir = await Deno.makeTempDir({ prefix: "kepler_query_date_" });
  try {
    const env = { DATAPATH: dir, PROM_SERVER: prom.url };
    const cases: [string, string, string, RegExp][] = [
      [
        "2026-02-30T01:00:00Z",
        "2026-03-03T01:00:00Z",
        "--start-time",
        /day 30 is out of range \(February 2026 has 28 days\)/,
      ],
      [
        "2026-04-01T00:00:00Z",
        "2026-04-31T00:00:00Z",
        "--end-time",
        /day 31 is out of range \(April 2026 has 30 days\)/,
      ],
      [
        "2026-04-01T00:00:00Z",
        "2026-04-01T24:00:00Z",
        "--end-time",
        /hour 24 is out of range 0-23/,
      ],
    ];
    for (const [start, end, flag, why] of cases) {
      const r = await runTask(
        "query",
        ["--start-time", start, "--end-time", end, "--quiet"],
        { env },
      );
      const value = flag === "--start-time" ? start : end;
      assertOneLineError(
        r,
        2,
        new RegExp(`${flag} <time>' argument '${value}'`),
      );
      assertMatch(r.stderr, why);
    }
    assertEquals(prom.requests(), 0);
    assertEquals([...Deno.readDirSync(dir)], []);
  } finally {
    await prom.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("`query` refuses a benchmark file whose window does not exist, naming file, field and value", async () => {
  const prom = fakePrometheus();
  const dir = await Deno.makeTempDir({ prefix: "kepler_query_bench_" });
  try {
    const env = { DATAPATH: dir, PROM_SERVER: prom.url };
    await Deno.writeTextFile(
      `${dir}/b.json`,
      '{"startTimeUTC": "2026-02-30T01:00:00Z", "endTimeUTC": "2026-03-03T01:00:00Z"}',
    );
    await Deno.writeTextFile(
      `${dir}/e.json`,
      '{"startTimeUTC": "2026-04-30T00:00:00Z", "endTimeUTC": "2026-04-30T24:00:00Z"}',
    );
    for (const args of [["--benchmark", "b"], ["-i", "b"]]) {
      const r = await runTask("query", [...args, "--quiet"], { env });
      assert(r.code !== 0);
      assertOneLineError(
        r,
        r.code,
        new RegExp(
          `Cannot read a time window from ${dir}/b\\.json: startTimeUTC: Invalid time "2026-02-30T01:00:00Z": day 30 is out of range \\(February 2026 has 28 days\\)`,
        ),
      );
    }
    const r = await runTask("query", ["--benchmark", "e", "--quiet"], { env });
    assert(r.code !== 0);
    assertOneLineError(
      r,
      r.code,
      /e\.json: endTimeUTC: Invalid time "2026-04-30T24:00:00Z": hour 24/,
    );
    assertEquals(prom.requests(), 0);
    assertEquals(
      [...Deno.readDirSync(dir)].map((e) => e.name).sort(),
      ["b.json", "e.json"],
    );
  } finally {
    await prom.close();
    await Deno.remove(dir, { recursive: true });
  }
});
