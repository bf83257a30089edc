import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import { openMetrics, openMetricsBytes, simulate } from "./mod.ts";
import { formatLabels } from "./open_metrics.ts";

Deno.test("`openMetrics()` groups families, writes each series in time order and ends with # EOF", () => {
  const sim = simulate({
    start: 1_700_000_001,
    duration: 60,
    containers: 2,
    faults: ["duplicate", "gap", "irregular"],
  });
  const text = openMetrics(sim);
  assert(text.endsWith("\n# EOF\n"));
  assertEquals(new TextDecoder().decode(openMetricsBytes(sim)), text);
  const seenFamilies = new Set<string>();
  let family = "";
  const lastTime = new Map<string, number>();
  for (const line of text.split("\n").slice(0, -2)) {
    const type = /^# TYPE (\S+) (counter|gauge)$/.exec(line);
    if (type) {
      assert(!seenFamilies.has(type[1]!), `family ${type[1]} appears twice`);
      seenFamilies.add(family = type[1]!);
      continue;
    }
    if (line.startsWith("# HELP ")) continue;
    const sample = /^(\w+)(\{.*\}) (\S+) (\S+)$/.exec(line);
    assert(sample, `not a sample line: ${line}`);
    const [, name, labels, value, time] = sample;
    assert(
      name === family || name === `${family}_total`,
      `${name} in ${family}`,
    );
    assert(Number.isFinite(Number(value)));
    const id = name + labels;
    const t = Number(time);
    assert(t > 1e9 && t < 1e10, `seconds, got ${time}`);
    assert(t > (lastTime.get(id) ?? 0), `${id} not ascending at ${time}`);
    lastTime.set(id, t);
  }
  assert(seenFamilies.has("kepler_node_package_joules"));
  assert(seenFamilies.has("kepler_node_info"));
  assertEquals(
    formatLabels({ a: 'x"y\\z\nw' }),
    '{a="x\\"y\\\\z\\nw"}',
  );
});
