/**
 * Why no feature group is valid: too few samples (upstream counts a query
 * only with more than one row) is told apart from missing metrics.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import {
  featureGroupShortfall,
  missingFeatureMetrics,
  validFeatureGroups,
} from "./valid_feature_groups.ts";
import { parseQuery } from "./read_query.ts";

const BPF = [
  "kepler_container_bpf_cpu_time_ms_total",
  "kepler_container_bpf_page_cache_hit_total",
];
const IRQ = ["block", "net_rx", "net_tx"].map((k) =>
  `kepler_container_bpf_${k}_irq_total`
);

function query(
  metrics: readonly string[],
  values: [number, string][],
  origin: string,
) {
  const series = [{ metric: { container_id: "c" }, values }];
  return parseQuery(
    JSON.stringify(Object.fromEntries(metrics.map((m) => [m, series]))),
    { origin },
  );
}

const ONE: [number, string][] = [[3, "1"]];
const TWO: [number, string][] = [[3, "1"], [6, "2"]];

Deno.test("`featureGroupShortfall()` says which groups have their metrics but fewer than 2 samples per series", () => {
  const q = query([...BPF, ...IRQ], ONE, "one.json");
  assertEquals(validFeatureGroups(q), []);
  assertEquals(missingFeatureMetrics(q, "BPFOnly").map((m) => m.tooFew), [
    true,
    true,
  ]);
  assertEquals(
    featureGroupShortfall([q]),
    "feature groups BPFOnly, BPFIRQ, IRQOnly have their metrics but fewer than 2 samples per series in one.json (a rate needs two samples; query a longer window)",
  );
  // two samples, one of them NaN: unusable samples, not too few
  const nan = query(BPF, [[3, "1"], [6, "NaN"]], "nan.json");
  assertEquals(missingFeatureMetrics(nan, "BPFOnly")[0]!.tooFew, undefined);
  assertEquals(featureGroupShortfall([nan]), undefined);
  // missing metrics: no shortfall to tell
  assertEquals(
    featureGroupShortfall([query(BPF.slice(0, 1), ONE, "m")]),
    undefined,
  );
  // a group valid in every query: nothing falls short
  const both = query([...BPF, ...IRQ.slice(1)], TWO, "two.json");
  assertEquals(featureGroupShortfall([both]), undefined);
});

Deno.test("`featureGroupShortfall()` names each query's groups when none is valid in all of them", () => {
  const a = query(BPF, TWO, "a.json");
  const b = query(IRQ, TWO, "b.json");
  assertEquals(
    featureGroupShortfall([a, b]),
    "no feature group is valid in every query (a.json: BPFOnly; b.json: IRQOnly)",
  );
  assertEquals(featureGroupShortfall([a, a]), undefined);
});
