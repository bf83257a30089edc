/**
 * The `query` and `validate` commands in process, against a fake
 * Prometheus: progress on a terminal, --quiet, flags and env defaults.
 */
import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  ok as assert,
} from "node:assert/strict";
import { main, type MainIo } from "../cli/main.ts";
import { readConfig } from "../cli/config.ts";

function fakePrometheus() {
  const seen: URLSearchParams[] = [];
  let auth: string | null = null;
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    (req) => {
      const url = new URL(req.url);
      auth = req.headers.get("authorization");
      if (url.pathname === "/api/v1/label/__name__/values") {
        return Response.json({
          status: "success",
          data: [
            "kepler_node_info",
            "kepler_node_package_joules_total",
            "node_kepler_up",
            "up",
          ],
        });
      }
      seen.push(url.searchParams);
      const p = url.searchParams;
      const name = p.get("query") ?? "";
      const values: [number, string][] = [];
      for (
        let t = Number(p.get("start"));
        t <= Number(p.get("end"));
        t += Number(p.get("step"))
      ) {
        values.push([
          t,
          name === "kepler_node_info" ? "1" : String(t - 1_700_000_000),
        ]);
      }
      const metric: Record<string, string> = { __name__: name, instance: "n1" };
      if (name === "kepler_node_info") {
        metric.cpu_architecture = "Sapphire Rapids";
      } else if (name !== "up") {
        Object.assign(metric, {
          mode: "dynamic",
          package: "0",
          source: "rapl-sysfs",
        });
      }
      return Response.json({
        status: "success",
        data: { resultType: "matrix", result: [{ metric, values }] },
      });
    },
  );
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    seen,
    auth: () => auth,
    close: () => server.shutdown(),
  };
}

async function cli(
  args: string[],
  env: Record<string, string>,
  terminal: boolean,
) {
  let stdout = "";
  let stderr = "";
  const io: MainIo = {
    stdout: (t) => stdout += t,
    stderr: (t) => stderr += t,
    stderrIsTerminal: terminal,
  };
  const code = await main(
    args,
    io,
    () => readConfig(new Map(Object.entries(env))),
  );
  return { code, stdout, stderr };
}

Deno.test("`query` shows progress on a terminal, obeys env defaults and writes upstream's files", async () => {
  const prom = fakePrometheus();
  const dir = await Deno.makeTempDir({ prefix: "kepler_query_cli_" });
  try {
    const env = {
      DATAPATH: dir,
      PROM_SERVER: prom.url,
      PROM_QUERY_STEP: "5",
      PROM_THIRDPARTY_METRICS: "up",
      PROM_BEARER_TOKEN: "tok",
    };
    const r = await cli(
      [
        "query",
        "--start-time",
        "2023-11-14T22:13:20Z",
        "--end-time",
        "2023-11-14T22:18:20Z",
        "--benchmark",
        "idle",
        "-o",
        "idle",
        "--id",
        "n1",
        "--spec-from",
        "node_info",
        "--to-csv",
      ],
      env,
      true,
    );
    assertEquals(r.code, 0, r.stderr);
    assertMatch(r.stderr, /query: 3\/3 requests \(100%\), 183 samples/);
    assertMatch(
      r.stdout,
      /^Queried 3 metrics \(3 series, 183 samples\) from 2023-11-14T22:13:20Z to 2023-11-14T22:18:20Z at step 5 s/,
    );
    // Prefix match (not node_kepler_up) plus the third-party metric from the env.
    assertEquals(prom.seen.map((p) => p.get("query")), [
      "kepler_node_info",
      "kepler_node_package_joules_total",
      "up",
    ]);
    assertEquals(prom.seen[0]?.get("step"), "5");
    assertEquals(prom.auth(), "Bearer tok");
    const spec = await Deno.readTextFile(`${dir}/machine_spec/n1.json`);
    assertEquals(
      spec,
      '{"attrs": {"processor": "sapphire_rapids", "cores": -1, "chips": 1, "memory": -1, "frequency": -1}, "members": []}',
    );
    assertMatch(
      r.stdout,
      /^Machine spec from kepler_node_info of instance n1: processor sapphire_rapids, cores -1, chips 1, memory -1, frequency -1 \(-1: not in Kepler's metrics\)$/m,
    );
    assert(!r.stderr.includes("note:"), r.stderr);
    const csv = await Deno.readTextFile(
      `${dir}/idle_csv/kepler_node_package_joules_total.csv`,
    );
    assertEquals(csv.split("\n").slice(0, 2), [
      ",__name__,instance,mode,package,source,timestamp,kepler_node_package_joules_total",
      "0,kepler_node_package_joules_total,n1,dynamic,0,rapl-sysfs,1700000000,0",
    ]);
    // The benchmark file now exists: a second run without a window reads
    // its window from it.
    const again = await cli(
      ["query", "--benchmark", "idle", "-o", "again", "--quiet"],
      env,
      true,
    );
    assertEquals(again.code, 0, again.stderr);
    assertEquals(again.stderr, "");
    assertMatch(
      again.stdout,
      /from 2023-11-14T22:13:20Z to 2023-11-14T22:18:20Z .*\(window from the benchmark file\)/,
    );
    // An explicit window wins over the file and rewrites it (as upstream).
    const before = await Deno.readTextFile(`${dir}/idle.json`);
    const third = await cli(
      [
        "query",
        "--benchmark",
        "idle",
        "-o",
        "third",
        "--quiet",
        "--interval",
        "10",
      ],
      env,
      true,
    );
    assertEquals(third.code, 0, third.stderr);
    // `again` wrote machine_spec/unknown.json (no --id): kept, not replaced.
    assertEquals(
      third.stderr,
      `note: kept the existing machine spec ${dir}/machine_spec/unknown.json (the same as the spec from kepler_node_info of instance n1)\n`,
    );
    assert(
      !third.stdout.includes("window from the benchmark file"),
      third.stdout,
    );
    const after = JSON.parse(await Deno.readTextFile(`${dir}/idle.json`));
    assert(before !== JSON.stringify(after));
    assertEquals(Object.keys(after), ["startTimeUTC", "endTimeUTC"]);
  } finally {
    await prom.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("`query` rejects half a window and bad numbers as usage errors", async () => {
  const env = { DATAPATH: "/nonexistent-kepler-dir" };
  const half = await cli(
    ["query", "--start-time", "2023-11-14T22:13:20Z"],
    env,
    false,
  );
  assertEquals(half.code, 2);
  assertMatch(
    half.stderr,
    /--start-time and --end-time go together: got only --start-time/,
  );
  const step = await cli(["query", "--step", "0"], env, false);
  assertEquals(step.code, 2);
  assertMatch(step.stderr, /--step/);
});

Deno.test("`validate` prints the summary and writes upstream's table", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kepler_validate_cli_" });
  try {
    const series = (pod: string, v: number[]) => ({
      metric: {
        __name__: "kepler_container_bpf_cpu_time_ms_total",
        pod_name: pod,
        container_name: pod,
      },
      values: v.map((x, i) => [1_700_000_000 + 3 * i, String(x)]),
    });
    await Deno.writeTextFile(
      `${dir}/q.json`,
      JSON.stringify({
        kepler_container_bpf_cpu_time_ms_total: [
          series("stress-ng-1", [0, 10, 20]),
          series("coredns", [5, 5, 6]),
        ],
      }),
    );
    const r = await cli(
      ["validate", "-i", "q", "--benchmark", "stress", "-o", "checked"],
      { DATAPATH: dir },
      false,
    );
    assertEquals(r.code, 0, r.stderr);
    assertMatch(r.stdout, /Data: 1 metric, 2 series, 6 samples/);
    assertMatch(
      r.stdout,
      /\n {2}BPFOnly: missing bpf_page_cache_hit\n/,
    );
    assertMatch(r.stdout, new RegExp(`Wrote ${dir}/checked.csv`));
    const table = (await Deno.readTextFile(`${dir}/checked.csv`)).split("\n");
    assertEquals(table[0], ",pod,scenarioID,query,count,>0,total");
    assertEquals(
      table[1],
      "0,stress,,kepler_container_bpf_cpu_time_ms_total,3,2,20",
    );
    const missing = await cli(
      ["validate", "-i", "nope"],
      { DATAPATH: dir },
      false,
    );
    assertEquals(missing.code, 1);
    assert(missing.stderr.includes("nope.json"), missing.stderr);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
