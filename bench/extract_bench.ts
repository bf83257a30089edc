/**
 * Extracting every valid feature group from 1 h × 50 containers at 3 s of
 * simulated Kepler data (lib/simulate's query JSON, what `query` writes):
 * reading the JSON file into columnar series, then `extractFeatureGroups`
 * for all valid groups at node level (rapl-sysfs), in a fresh Deno process
 * so the peak resident memory (VmHWM) belongs to this work alone. Also
 * times the container-level extraction and the min isolation (no goal).
 *
 * Goals (issue 5): read + extract ≤ 1.5 s; peak memory ≤ 4 × the JSON size
 * (counted as the growth of the resident set over the process before the
 * read; the absolute peak is shown too). Cold figures (first run in the
 * process), on a shared 2-core machine: expect ±30 % between runs.
 *
 * Run alone with `deno run -A bench/extract_bench.ts`.
 *
 * @module
 */
import type { BenchFigure, BenchSuite } from "./_types.ts";
import { peakRssMb, runBenchChild } from "./_types.ts";
import { queryJsonBytes, simulate } from "../lib/simulate/mod.ts";
import {
  extractFeatureGroups,
  readQueryFile,
  validFeatureGroups,
} from "../lib/extract/mod.ts";
import { isolateMin } from "../lib/isolate/mod.ts";

interface Measurement {
  jsonMb: number;
  samples: number;
  groups: number;
  rows: number;
  readSeconds: number;
  extractSeconds: number;
  containerSeconds: number;
  isolateSeconds: number;
  baseMb: number;
  peakMb: number;
}

async function measure(path: string): Promise<Measurement> {
  const jsonMb = (await Deno.stat(path)).size / 1e6;
  const baseMb = Deno.memoryUsage().rss / 1e6;
  const t0 = performance.now();
  const query = await readQueryFile(path);
  const t1 = performance.now();
  const groups = validFeatureGroups(query);
  const frames = extractFeatureGroups(query, groups, { source: "rapl-sysfs" });
  const t2 = performance.now();
  const peakMb = peakRssMb();
  let samples = 0;
  for (const series of query.metrics.values()) {
    for (const s of series) samples += s.timestamps.length;
  }
  let rows = 0;
  for (const frame of frames.values()) rows += frame.length;
  const t3 = performance.now();
  const containerFrames = extractFeatureGroups(query, groups, {
    source: "rapl-sysfs",
    level: "container",
  });
  const t4 = performance.now();
  for (const frame of containerFrames.values()) isolateMin(frame);
  const t5 = performance.now();
  return {
    jsonMb,
    samples,
    groups: groups.length,
    rows,
    readSeconds: (t1 - t0) / 1000,
    extractSeconds: (t2 - t1) / 1000,
    containerSeconds: (t4 - t3) / 1000,
    isolateSeconds: (t5 - t4) / 1000,
    baseMb,
    peakMb,
  };
}

function measureInChild(path: string): Promise<Measurement> {
  return runBenchChild<Measurement>(import.meta.url, [path], "extract");
}

async function writeQuery(): Promise<{ path: string; dir: string }> {
  const sim = simulate({
    start: 1_700_000_001,
    duration: 3600,
    step: 3,
    containers: 50,
  });
  const dir = await Deno.makeTempDir({ prefix: "extract_bench_" });
  const path = `${dir}/kepler_query.json`;
  await Deno.writeFile(path, queryJsonBytes(sim));
  return { path, dir };
}

/** The extract benchmark suite. */
export const suite: BenchSuite = {
  title: "extract: every valid feature group, 1 h × 50 containers at 3 s",
  async run(): Promise<BenchFigure[]> {
    const { path, dir } = await writeQuery();
    try {
      const m = await measureInChild(path);
      const total = m.readSeconds + m.extractSeconds;
      const growth = m.peakMb - m.baseMb;
      return [
        { name: "query JSON size", value: m.jsonMb, unit: "MB" },
        {
          name: "samples in the query",
          value: m.samples / 1e6,
          unit: "million",
        },
        {
          name: `valid feature groups extracted`,
          value: m.groups,
          unit: "groups",
        },
        {
          name: "read the JSON into columnar series",
          value: m.readSeconds,
          unit: "s",
        },
        {
          name: `extract ${m.groups} groups at node level (${m.rows} rows)`,
          value: m.extractSeconds,
          unit: "s",
        },
        {
          name: "read + extract",
          value: total,
          unit: "s",
          goal: "≤ 1.5 s",
          ok: total <= 1.5,
        },
        {
          name: "peak memory growth (VmHWM − RSS before the read)",
          value: growth,
          unit: "MB",
          goal: `≤ 4 × JSON = ${(4 * m.jsonMb).toFixed(0)} MB`,
          ok: growth <= 4 * m.jsonMb,
        },
        {
          name: "peak resident memory of the process (VmHWM)",
          value: m.peakMb,
          unit: "MB",
        },
        {
          name: `extract ${m.groups} groups at container level`,
          value: m.containerSeconds,
          unit: "s",
        },
        {
          name: `min isolation of the ${m.groups} container frames`,
          value: m.isolateSeconds,
          unit: "s",
        },
      ];
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
};

if (import.meta.main) {
  if (Deno.args[0] === "--child" && Deno.args[1] !== undefined) {
    console.log(JSON.stringify(await measure(Deno.args[1])));
  } else {
    for (const f of await suite.run()) {
      console.log(
        `${f.name}: ${f.value.toFixed(3)} ${f.unit}${
          f.goal ? ` (goal ${f.goal}: ${f.ok ? "met" : "missed"})` : ""
        }`,
      );
    }
  }
}
