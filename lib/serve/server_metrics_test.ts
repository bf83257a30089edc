import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import {
  escapeLabelValue,
  LATENCY_BUCKETS,
  ServerMetrics,
} from "./server_metrics.ts";

Deno.test("ServerMetrics renders cumulative buckets, sums, counts and escaped labels", () => {
  const m = new ServerMetrics();
  for (const s of [0.00005, 0.0007, 0.003, 20]) m.observe("/model", 200, s);
  m.observe("/model", 400, 0.001);
  m.loaded("ok");
  m.loaded("error");
  const text = m.render([{
    labels: { pipeline: 'a"b\\c\nd', source: "acpi" },
    value: 3,
  }], 1);
  const line = (prefix: string) =>
    text.split("\n").find((l) => l.startsWith(prefix + " "))?.split(" ").pop();
  assertEquals(
    line('kepler_model_server_requests_total{route="/model",code="200"}'),
    "4",
  );
  assertEquals(
    line(
      'kepler_model_server_request_duration_seconds_bucket{route="/model",le="0.0001"}',
    ),
    "1",
  );
  assertEquals(
    line(
      'kepler_model_server_request_duration_seconds_bucket{route="/model",le="0.001"}',
    ),
    "3",
  );
  assertEquals(
    line(
      'kepler_model_server_request_duration_seconds_bucket{route="/model",le="10"}',
    ),
    "4",
  );
  assertEquals(
    line(
      'kepler_model_server_request_duration_seconds_bucket{route="/model",le="+Inf"}',
    ),
    "5",
  );
  assertEquals(
    line('kepler_model_server_request_duration_seconds_count{route="/model"}'),
    "5",
  );
  assert(
    text.includes(
      'kepler_model_server_models{pipeline="a\\"b\\\\c\\nd",source="acpi"} 3',
    ),
    text,
  );
  assertEquals(
    line('kepler_model_server_pipeline_loads_total{result="error"}'),
    "1",
  );
  assertEquals(m.requests("/model"), 5);
  assertEquals(LATENCY_BUCKETS.length, 15);
  assertEquals(escapeLabelValue('x"y'), 'x\\"y');
});
