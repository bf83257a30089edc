/**
 * OpenMetrics text of a simulation for `promtool tsdb
 * create-blocks-from openmetrics`: families grouped, one series at a time,
 * timestamps in seconds and ascending, `# EOF` at the end. Series carry the
 * scrape labels (`instance`, `job`, `exported_instance`) a real scrape
 * stores, so a backfill reads back like `query` data.
 *
 * Two deliberate differences from Kepler's own exposition: `kepler_node_info`
 * and `kepler_exporter_build_info` are typed `gauge` (an OpenMetrics counter
 * family would rename the sample to `kepler_node_info_total`), and
 * duplicated samples (the `duplicate` fault) are written once.
 *
 * @module
 */
import { metricGroups, scrapedLabels } from "./simulate.ts";
import type { SimulatedNode, Simulation } from "./simulate.ts";
import type { Labels } from "../query/format.ts";

/** The OpenMetrics family of a sample name: counters drop `_total`. */
function familyName(name: string, type: string): string {
  return type === "counter" && name.endsWith("_total")
    ? name.slice(0, -"_total".length)
    : name;
}

function escapeValue(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => c === "\n" ? "\\n" : `\\${c}`);
}

/**
 * Formats a label set as `{a="1",b="2"}` (empty set: empty string), escaping
 * `\`, `"` and newlines as the text formats require.
 *
 * @example
 * ```ts
 * import { formatLabels } from "./open_metrics.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(formatLabels({ a: "1", b: 'say "hi"' }), '{a="1",b="say \\"hi\\""}');
 * assertEquals(formatLabels({}), "");
 * ```
 */
export function formatLabels(labels: Labels): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(labels)) {
    parts.push(`${key}="${escapeValue(value)}"`);
  }
  return parts.length === 0 ? "" : `{${parts.join(",")}}`;
}

/**
 * The OpenMetrics text in pieces (metadata of a family, then one piece per
 * series, then `# EOF\n`), so a writer can encode it without one huge
 * string.
 *
 * @example
 * ```ts
 * import { simulate } from "./mod.ts";
import { openMetricsChunks } from "./open_metrics.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const sim = simulate({ start: 1_700_000_000, duration: 30, containers: 1 });
 * const chunks = [...openMetricsChunks(sim)];
 * assertEquals(chunks.at(-1), "# EOF\n");
 * ```
 */
export function* openMetricsChunks(sim: Simulation): Generator<string> {
  for (const group of metricGroups(sim)) {
    const first = group.series[0]![1];
    const family = familyName(group.name, first.type);
    yield `# HELP ${family} ${first.help}\n# TYPE ${family} ${first.type}\n`;
    for (const [node, series] of group.series) {
      const prefix = group.name +
        formatLabels(scrapedLabels(sim, node, series, { name: false })) + " ";
      const lines: string[] = [];
      let previous = -1;
      for (const k of node.emitted) {
        if (k === previous) continue;
        previous = k;
        lines.push(`${prefix}${series.values[k]} ${node.timestamps[k]}\n`);
      }
      yield lines.join("");
    }
  }
  yield "# EOF\n";
}

/**
 * The whole OpenMetrics text of a simulation (see
 * {@linkcode openMetricsChunks} for large simulations).
 *
 * @param sim The simulation, e.g. from `simulate`.
 * @returns The OpenMetrics exposition of every series and sample (for
 *   `promtool tsdb create-blocks-from openmetrics`), ending with `# EOF`.
 *
 * @example
 * ```ts
 * import { openMetrics, simulate } from "./mod.ts";
 * import { ok as assert } from "node:assert/strict";
 * const text = openMetrics(simulate({ start: 1_700_000_000, duration: 30, containers: 1 }));
 * assert(text.includes("# TYPE kepler_node_package_joules counter\n"));
 * assert(text.includes('kepler_node_info{components_power_source="rapl-sysfs",cpu_architecture="Cascade Lake"'));
 * assert(text.endsWith("# EOF\n"));
 * ```
 */
export function openMetrics(sim: Simulation): string {
  return [...openMetricsChunks(sim)].join("");
}

/**
 * The OpenMetrics text encoded as UTF-8 bytes, written straight into one
 * buffer sized from an upper bound, so a large simulation (about 400 MB for
 * 1 h × 50 containers) never exists as one JS string.
 *
 * @param sim The simulation, e.g. from `simulate`.
 * @returns The UTF-8 bytes of {@linkcode openMetrics}'s text.
 *
 * @example
 * ```ts
 * import { openMetrics, openMetricsBytes, simulate } from "./mod.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const sim = simulate({ start: 1_700_000_000, duration: 30, containers: 1 });
 * assertEquals(new TextDecoder().decode(openMetricsBytes(sim)), openMetrics(sim));
 * ```
 */
export function openMetricsBytes(sim: Simulation): Uint8Array {
  const encoder = new TextEncoder();
  const times = new Map<SimulatedNode, Uint8Array[]>();
  for (const node of sim.nodes) {
    times.set(
      node,
      Array.from(node.timestamps, (t) => encoder.encode(` ${t}\n`)),
    );
  }
  const groups = metricGroups(sim).map((group) => {
    const first = group.series[0]![1];
    const family = familyName(group.name, first.type);
    return {
      meta: encoder.encode(
        `# HELP ${family} ${first.help}\n# TYPE ${family} ${first.type}\n`,
      ),
      series: group.series.map(([node, series]) => ({
        node,
        values: series.values,
        prefix: encoder.encode(
          group.name +
            formatLabels(scrapedLabels(sim, node, series, { name: false })) +
            " ",
        ),
      })),
    };
  });
  // Size bound: a value is at most 24 characters.
  let bound = 6;
  for (const group of groups) {
    bound += group.meta.length;
    for (const s of group.series) {
      const ts = times.get(s.node)!;
      for (const k of s.node.emitted) {
        bound += s.prefix.length + 24 + ts[k]!.length;
      }
    }
  }
  const buffer = new Uint8Array(bound);
  let pos = 0;
  for (const group of groups) {
    buffer.set(group.meta, pos);
    pos += group.meta.length;
    for (const s of group.series) {
      const ts = times.get(s.node)!;
      let previous = -1;
      for (const k of s.node.emitted) {
        if (k === previous) continue; // a duplicated sample is written once
        previous = k;
        buffer.set(s.prefix, pos);
        pos += s.prefix.length;
        const text = String(s.values[k]);
        for (let c = 0; c < text.length; c++) {
          buffer[pos++] = text.charCodeAt(c);
        }
        buffer.set(ts[k]!, pos);
        pos += ts[k]!.length;
      }
    }
  }
  const eof = encoder.encode("# EOF\n");
  buffer.set(eof, pos);
  pos += eof.length;
  return buffer.subarray(0, pos);
}
