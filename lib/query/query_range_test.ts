import {
  deepStrictEqual as assertEquals,
  ok as assert,
  rejects as assertRejects,
} from "node:assert/strict";
import { PrometheusError } from "./prometheus_error.ts";
import { queryMetrics, type QueryProgress, queryRange } from "./query_range.ts";

/** A fake Prometheus: series `i=0..n-1` of each query, sample value t·(i+1). */
function fakePrometheus(
  options: {
    series?: number;
    maxPoints?: number;
    delayMs?: number;
    failQuery?: string;
  } = {},
) {
  let inFlight = 0;
  const stats = { requests: 0, maxInFlight: 0, maxPoints: 0 };
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    async (req) => {
      const p = new URL(req.url).searchParams;
      const query = p.get("query") ?? "";
      const [start, end, step] = ["start", "end", "step"].map((k) =>
        Number(p.get(k))
      ) as [number, number, number];
      stats.requests++;
      inFlight++;
      stats.maxInFlight = Math.max(stats.maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, options.delayMs ?? 1));
      inFlight--;
      const points = Math.floor((end - start) / step) + 1;
      stats.maxPoints = Math.max(stats.maxPoints, points);
      if (points > (options.maxPoints ?? 11_000)) {
        return Response.json({
          status: "error",
          errorType: "bad_data",
          error:
            "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)",
        }, { status: 400 });
      }
      if (query === options.failQuery) {
        return Response.json({
          status: "error",
          errorType: "execution",
          error: "boom",
        }, { status: 422 });
      }
      const result = [];
      for (let i = (options.series ?? 2) - 1; i >= 0; i--) {
        const values: [number, string][] = [];
        for (let k = 0; k < points; k++) {
          values.push([
            start + k * step,
            String((start + k * step) * (i + 1)),
          ]);
        }
        result.push({ metric: { __name__: query, i: String(i) }, values });
      }
      result.sort((a, b) => a.metric.i < b.metric.i ? -1 : 1);
      return Response.json({
        status: "success",
        data: { resultType: "matrix", result },
      });
    },
  );
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    stats,
    close: () => server.shutdown(),
  };
}

Deno.test("`queryRange()` splits a range over 11,000 points and joins it without gaps or duplicates", async () => {
  const prom = fakePrometheus();
  try {
    const progress: QueryProgress[] = [];
    const series = await queryRange(prom.url, {
      query: "m",
      start: 1000,
      end: 1000 + 30_000,
      step: 1,
    }, {
      onProgress: (p) => progress.push(p),
    });
    assertEquals(prom.stats.requests, 3);
    assert(prom.stats.maxPoints <= 11_000);
    assertEquals(series.map((s) => s.metric.i), ["0", "1"]);
    for (const s of series) {
      assertEquals(s.values.length, 30_001);
      s.values.forEach(([t], k) => assertEquals(t, 1000 + k));
    }
    assertEquals(progress.map((p) => [p.done, p.total]), [[1, 3], [2, 3], [
      3,
      3,
    ]]);
    assertEquals(progress.at(-1)?.samples, 2 * 30_001);
  } finally {
    await prom.close();
  }
});

Deno.test("`queryMetrics()` keeps at most `concurrency` requests in flight", async () => {
  const prom = fakePrometheus({ delayMs: 20 });
  try {
    const metrics = Array.from({ length: 8 }, (_, i) => `m${i}`);
    const result = await queryMetrics(prom.url, {
      metrics,
      start: 0,
      end: 300,
      step: 3,
    }, { concurrency: 3, maxPoints: 50 });
    assertEquals(Object.keys(result), metrics);
    assertEquals(prom.stats.requests, 8 * 3);
    assert(
      prom.stats.maxInFlight <= 3 && prom.stats.maxInFlight >= 2,
      String(prom.stats.maxInFlight),
    );
    assertEquals(result.m7?.[1]?.values.at(-1), [300, "600"]);
  } finally {
    await prom.close();
  }
});

Deno.test("`queryMetrics()` stops at the first failing metric with Prometheus' message", async () => {
  const prom = fakePrometheus({ failQuery: "m2" });
  try {
    await assertRejects(
      () =>
        queryMetrics(prom.url, {
          metrics: ["m0", "m1", "m2", "m3", "m4", "m5"],
          start: 0,
          end: 30,
          step: 3,
        }, { concurrency: 1 }),
      (e: unknown) =>
        e instanceof PrometheusError && e.status === 422 &&
        e.message.includes("rejected query_range m2") &&
        e.message.includes("execution: boom"),
    );
    assertEquals(prom.stats.requests, 3);
  } finally {
    await prom.close();
  }
});

Deno.test("`queryRange()` rejects a bad step before any request", async () => {
  await assertRejects(
    () =>
      queryRange("http://127.0.0.1:1", {
        query: "m",
        start: 0,
        end: 10,
        step: 0,
      }),
    /Invalid query step 0/,
  );
  await assertRejects(
    () =>
      queryRange("http://127.0.0.1:1", {
        query: "m",
        start: 10,
        end: 0,
        step: 3,
      }),
    /end is before the start/,
  );
});

Deno.test("`queryRange()` reads an answer the byte parser declines (a BOM, a repeated key) through the text path, with the same series", async () => {
  // Legal for JSON.parse after TextDecoder (which drops the BOM; the last of
  // repeated keys wins), declined by the byte parser: the text path reads it.
  const bodies = [
    '\ufeff{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"__name__":"m"},"values":[[3,"1.50"],[6,"+Inf"]]}]}}',
    '{"status":"error","status":"success","data":{"resultType":"matrix","result":[{"metric":{"__name__":"m"},"values":[[3,"1.50"],[6,"+Inf"]]}]}}',
  ];
  for (const body of bodies) {
    const server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen() {} },
      () => new Response(body),
    );
    try {
      const series = await queryRange(
        `http://127.0.0.1:${server.addr.port}`,
        { query: "m", start: 3, end: 6, step: 3 },
      );
      assertEquals(series, [{
        metric: { __name__: "m" },
        values: [[3, "1.50"], [6, "+Inf"]],
      }]);
    } finally {
      await server.shutdown();
    }
  }
});
