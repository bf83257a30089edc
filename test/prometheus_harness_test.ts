import {
  deepStrictEqual as assertEquals,
  ok as assert,
  rejects as assertRejects,
} from "node:assert/strict";
import { existsSync } from "node:fs";
import { requireTool, startPrometheus } from "./_prometheus.ts";

const tools = requireTool(["prometheus", "promtool"]);

Deno.test({
  name: "`startPrometheus()` backfills OpenMetrics and serves it on 127.0.0.1",
  ignore: tools.ignore,
  fn: async () => {
    const t0 = Math.floor(Date.now() / 1000 / 3) * 3 - 3600;
    const lines = ["# TYPE demo counter"];
    for (let i = 0; i < 5; i++) {
      lines.push(`demo_total{a="1"} ${i} ${t0 + 3 * i}`);
    }
    lines.push("# EOF");
    const prom = await startPrometheus({
      openMetrics: lines.join("\n") + "\n",
    });
    try {
      assert(prom.url.startsWith("http://127.0.0.1:"));
      const q = new URLSearchParams({
        query: "demo_total",
        start: String(t0),
        end: String(t0 + 12),
        step: "3",
      });
      const body = await (await fetch(`${prom.url}/api/v1/query_range?${q}`))
        .json();
      assertEquals(body.data.result[0].values, [
        [t0, "0"],
        [t0 + 3, "1"],
        [t0 + 6, "2"],
        [t0 + 9, "3"],
        [t0 + 12, "4"],
      ]);
    } finally {
      await prom.stop();
    }
    assertEquals(prom.running, false);
    assertEquals(existsSync(prom.dataDir), false);
    await prom.stop(); // idempotent
  },
});

Deno.test({
  name:
    "`startPrometheus()` rejects OpenMetrics without # EOF with promtool's message",
  ignore: tools.ignore,
  fn: async () => {
    await assertRejects(
      () => startPrometheus({ openMetrics: "x_total 1 1700000000\n" }),
      /promtool could not backfill.*EOF/s,
    );
  },
});

Deno.test({
  name: "`startPrometheus()` scrapes a target every second",
  ignore: tools.ignore,
  fn: async () => {
    const server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen() {} },
      () =>
        new Response(
          "# TYPE up_demo_total counter\nup_demo_total 1\n",
          { headers: { "content-type": "text/plain; version=0.0.4" } },
        ),
    );
    const target = `127.0.0.1:${server.addr.port}`;
    await using prom = await startPrometheus({
      scrapeTargets: [target],
      scrapeInterval: "1s",
    });
    let found = false;
    for (let i = 0; i < 200 && !found; i++) {
      const body = await (await fetch(
        `${prom.url}/api/v1/query?query=up_demo_total`,
      )).json();
      found = body.data.result.length > 0;
      if (!found) await new Promise((r) => setTimeout(r, 100));
    }
    await server.shutdown();
    assert(found, "the scraped sample never appeared");
  },
});
