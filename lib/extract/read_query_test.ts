import {
  deepStrictEqual as assertEquals,
  ok as assert,
  throws as assertThrows,
} from "node:assert/strict";
import { resolveMetricAlias } from "../types.ts";
import { parseQuery, queryDataFrom } from "./read_query.ts";
import { IDLE_JSON, PROM_RESPONSE_JSON } from "./_testdata.ts";

Deno.test("`parseQuery()` reads every sample of the real dumps as JSON.parse does", () => {
  for (const path of [IDLE_JSON, PROM_RESPONSE_JSON]) {
    const bytes = Deno.readFileSync(path);
    const q = parseQuery(bytes);
    const raw = JSON.parse(new TextDecoder().decode(bytes)) as Record<
      string,
      { metric: Record<string, string>; values: [number, string][] }[]
    >;
    let samples = 0;
    for (const [metric, series] of Object.entries(raw)) {
      const { name, factor } = resolveMetricAlias(metric);
      const ours = q.metrics.get(name)!;
      assertEquals(ours.length, series.length, metric);
      series.forEach((s, i) => {
        const o = ours[i]!;
        assertEquals(
          Object.keys(o.labels).sort(),
          Object.keys(s.metric).sort(),
        );
        assertEquals([...o.timestamps], s.values.map(([t]) => t));
        assertEquals(
          [...o.values],
          s.values.map(([, v]) => Number(v) * factor),
        );
        samples += s.values.length;
      });
    }
    assert(samples > 1000, `${path}: ${samples} samples`);
  }
});

Deno.test("`parseQuery()` maps the old energy source names to rapl-sysfs", () => {
  const q = parseQuery(Deno.readFileSync(PROM_RESPONSE_JSON));
  const sources = new Set(
    q.metrics.get("kepler_node_package_joules_total")!.map((s) =>
      s.labels.source
    ),
  );
  assertEquals([...sources], ["rapl-sysfs"]);
  const intel = parseQuery(
    '{"m": [{"metric": {"source": "intel_rapl"}, "values": []}]}',
  );
  assertEquals(intel.metrics.get("m")![0]!.labels.source, "rapl-sysfs");
});

Deno.test("`parseQuery()` reads Prometheus' special values, escapes and number forms", () => {
  const q = parseQuery(
    '{"m": [{"values": [[1, "NaN"], [2, "+Inf"], [3, "-Inf"], [4, "1e3"], [5.5, "-0.25"], [6, 7], [7, NaN]],' +
      ' "metric": {"a\\"b": "c\\u00e9", "n": "x"}, "extra": {"k": [1, {"z": null}]}}]}',
  );
  const s = q.metrics.get("m")![0]!;
  assertEquals([...s.timestamps], [1, 2, 3, 4, 5.5, 6, 7]);
  assertEquals([...s.values], [NaN, Infinity, -Infinity, 1000, -0.25, 7, NaN]);
  assertEquals(s.labels, { 'a"b': "cé", n: "x" });
});

Deno.test("`parseQuery()` sorts samples and resolves duplicate timestamps", () => {
  const q = parseQuery(
    '{"m": [{"metric": {}, "values": [[3, "3"], [1, "1"], [2, "2"], [2, "2"], [4, "4"], [4, "5"]]}]}',
  );
  const s = q.metrics.get("m")![0]!;
  assertEquals([...s.timestamps], [1, 2, 3, 4]);
  assertEquals([...s.values], [1, 2, 3, NaN]);
});

Deno.test("`parseQuery()` skips metrics left out by `include` and merges aliased names", () => {
  const q = parseQuery(
    '{"kepler_node_node_info": [{"metric": {}, "values": [[1, "1"]]}], "kepler_node_info": [{"metric": {}, "values": [[2, "1"]]}], "other": [1, 2, {"x": "y"}]}',
    { include: (m) => m === "kepler_node_info" },
  );
  assertEquals([...q.metrics.keys()], ["kepler_node_info"]);
  assertEquals(q.metrics.get("kepler_node_info")!.length, 2);
});

Deno.test("`parseQuery()` names the byte offset of malformed input", () => {
  assertThrows(
    () =>
      parseQuery('{"m": [{"metric": {}, "values": [[1, "2"]', {
        origin: "q.json",
      }),
    {
      name: "SyntaxError",
      message: /^Cannot parse q.json as a query JSON: .* at byte 41/,
    },
  );
  // A wrong shape is the message every reader of query files gives.
  assertThrows(
    () => parseQuery('{"m": {"metric": {}}}', { origin: "q.json" }),
    {
      name: "SyntaxError",
      message:
        /^q.json is not a query JSON: metric m is not a list of series \(/,
    },
  );
  // A file cut after a metric's name says so, not that the shape is wrong.
  assertThrows(() => parseQuery('{"m":', { origin: "q.json" }), {
    name: "SyntaxError",
    message:
      /^Cannot parse q.json as a query JSON: expected the series of metric m, found the end of the file, at byte 5 /,
  });
  assertThrows(() => parseQuery('{"m": [{"metric": {}}]}'), {
    name: "SyntaxError",
    message: /a series of m lacks "metric" or "values"/,
  });
  assertThrows(() => parseQuery("[]"), SyntaxError);
  assertThrows(
    () => parseQuery('{"m": []} x'),
    /unexpected text after the query object/,
  );
});

Deno.test("`queryDataFrom()` converts an in-memory query like `parseQuery()`", () => {
  const text = Deno.readTextFileSync(IDLE_JSON);
  const a = parseQuery(text);
  const b = queryDataFrom(JSON.parse(text));
  assertEquals([...a.metrics.keys()], [...b.metrics.keys()]);
  for (const [name, series] of a.metrics) {
    assertEquals(b.metrics.get(name), series);
  }
});
