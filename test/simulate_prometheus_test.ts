/**
 * The simulator against the real Prometheus tools (Debian `prometheus`):
 * its OpenMetrics backfilled with promtool and read back through
 * query_range, its live exposition checked by `promtool check metrics` and
 * scraped by a running Prometheus. Skipped with a message when the tools are
 * missing, unless CI is set.
 */
import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import { requireTool, startPrometheus } from "./_prometheus.ts";
import type { PromSeries } from "../lib/query/format.ts";
import {
  KeplerExporter,
  openMetrics,
  queryResult,
  simulate,
} from "../lib/simulate/mod.ts";

const tools = requireTool(["prometheus", "promtool"]);

function key(labels: Record<string, string>): string {
  return JSON.stringify(Object.entries(labels).sort());
}

/**
 * Lint findings promtool reports on Kepler's own metric names, which the
 * simulator must keep: `_ms`/`_us` are "abbreviated units".
 */
const KEPLER_NAME_LINTS = [
  /^kepler_container_bpf_cpu_time_(ms|us)_total metric names should not contain abbreviated units$/,
];

async function promtoolCheck(text: string): Promise<string[]> {
  const child = new Deno.Command("promtool", {
    args: ["check", "metrics"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(text));
  await writer.close();
  const out = await child.output();
  const report = (new TextDecoder().decode(out.stdout) +
    new TextDecoder().decode(out.stderr)).split("\n").filter((l) => l !== "");
  // Exit 0: clean; 3: lint findings only; anything else (1) is a parse error.
  assert(
    out.code === 0 || out.code === 3,
    `promtool exit ${out.code}: ${report}`,
  );
  return report;
}

Deno.test({
  name:
    "`openMetrics()` backfilled into a real Prometheus reads back the query JSON values",
  ignore: tools.ignore,
  fn: async () => {
    const step = 3;
    const start = Math.floor((Date.now() / 1000 - 3 * 3600) / step) * step;
    const sim = simulate({
      start,
      duration: 600,
      step,
      containers: 3,
      nodes: 2,
      faults: ["reset"],
    });
    const expected = queryResult(sim);
    await using prom = await startPrometheus({ openMetrics: openMetrics(sim) });
    const names = Object.keys(expected);
    const namesBody = await (await fetch(
      `${prom.url}/api/v1/label/__name__/values`,
    )).json();
    assertEquals(namesBody.data, names);
    for (const name of names) {
      const params = new URLSearchParams({
        query: name,
        start: String(sim.metadata.start),
        end: String(sim.metadata.end),
        step: String(step),
      });
      const body = await (await fetch(
        `${prom.url}/api/v1/query_range?${params}`,
      )).json();
      assertEquals(body.status, "success", name);
      const got = new Map<string, PromSeries>(
        (body.data.result as PromSeries[]).map((s) => [key(s.metric), s]),
      );
      assertEquals(got.size, expected[name]!.length, name);
      for (const series of expected[name]!) {
        const back = got.get(key(series.metric));
        assert(back, `${name} ${key(series.metric)} missing`);
        assertEquals(back.values, series.values, name);
      }
    }
  },
});

Deno.test({
  name: "`KeplerExporter` exposition passes `promtool check metrics`",
  ignore: tools.ignore,
  fn: async () => {
    for (const naming of ["v0.7.12", "legacy"] as const) {
      const exporter = new KeplerExporter({
        start: 1_700_000_000,
        containers: 4,
        naming,
        autoAdvance: false,
      });
      exporter.advance(1_700_000_300);
      const report = await promtoolCheck(exporter.exposition());
      const unexpected = report.filter((line) =>
        !KEPLER_NAME_LINTS.some((re) => re.test(line))
      );
      assertEquals(unexpected, [], `${naming}: ${report.join("; ")}`);
    }
  },
});

Deno.test({
  name:
    "`KeplerExporter` scraped by a real Prometheus: exported_instance and rising counters",
  ignore: tools.ignore,
  fn: async () => {
    await using exporter = new KeplerExporter({
      port: 0,
      containers: 2,
      step: 1,
      duration: 60,
    });
    const addr = await exporter.serve();
    const target = `127.0.0.1:${addr.port}`;
    await using prom = await startPrometheus({
      scrapeTargets: [target],
      scrapeInterval: "1s",
    });
    const query = async (q: string) =>
      (await (await fetch(
        `${prom.url}/api/v1/query?${new URLSearchParams({ query: q })}`,
      )).json()).data.result as {
        metric: Record<string, string>;
        value: [number, string];
      }[];
    // Wait for 4 scrapes (the first comes about 5 s after start).
    const idle = 'kepler_node_platform_joules_total{mode="idle"}';
    let count = 0;
    for (let i = 0; i < 300 && count < 4; i++) {
      const r = await query(`count_over_time(${idle}[10s])`);
      count = r.length > 0 ? Number(r[0]!.value[1]) : 0;
      if (count < 4) await new Promise((r) => setTimeout(r, 100));
    }
    assert(count >= 4, `no scraped data; log: ${prom.log().slice(-500)}`);
    const raw = (await (await fetch(
      `${prom.url}/api/v1/query?${new URLSearchParams({
        query: `${idle}[10s]`,
      })}`,
    )).json()).data.result as {
      metric: Record<string, string>;
      values: [number, string][];
    }[];
    const labels = raw[0]!.metric;
    assertEquals(labels.exported_instance, "sim-node-0");
    assertEquals(labels.instance, target);
    assertEquals(labels.job, "kepler");
    const values = raw[0]!.values;
    const [t0, v0] = values[0]!, [t1, v1] = values.at(-1)!;
    const watts = (Number(v1) - Number(v0)) / (t1 - t0);
    assert(watts > 80 && watts < 100, `idle platform ${watts} W`);
  },
});
