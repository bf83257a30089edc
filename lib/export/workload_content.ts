/**
 * The "Workload information" of a pipeline page, from `export -i`: one
 * `### <name>` block per input (upstream's `get_workload_content`). For an
 * input `<bench>_kepler_query` (or `<bench>`):
 *
 * - `<data>/<bench>.json` that is a CPE Benchmark CR: its iterations as a
 *   table and its repetition (as upstream);
 * - `<data>/<bench>.json` that is a benchmark window
 *   (`{startTimeUTC, endTimeUTC}`): the window;
 * - `<data>/<bench>.json` that is a Prometheus query (`query` output): a
 *   summary (window, metrics, nodes, pods) instead of upstream's raw dump;
 * - otherwise `<data>/<input>` as text (at most 64 KiB), as upstream.
 *
 * A name that matches no file is a `Deno.errors.NotFound` naming the paths.
 *
 * @module
 */
import { join } from "node:path";
import { readQueryFile } from "../extract/read_query.ts";
import { readTextFile } from "../io/read.ts";
import { benchmarkFile, stripExtension } from "../layout.ts";
import { formatUtc } from "../query/format.ts";
import { markdownTable } from "./markdown_table.ts";

/**
 * Largest text file included as it is (64 KiB).
 *
 * @example
 * ```ts
 * import { MAX_WORKLOAD_TEXT_BYTES } from "./workload_content.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(MAX_WORKLOAD_TEXT_BYTES, 65536);
 * ```
 */
export const MAX_WORKLOAD_TEXT_BYTES = 64 * 1024;

/** Query files larger than this are summarised without parsing them as plain JSON. */
const LARGE_JSON_BYTES = 4 * 1024 * 1024;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * A CPE Benchmark CR's iterations as a markdown table plus its repetition,
 * or undefined when the value is not one.
 *
 * @example
 * ```ts
 * import { cpeBenchmarkContent } from "./workload_content.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const cr = { spec: { repetition: 3, iterationSpec: { iterations: [
 *   { name: "cpu", values: ["1", "2"] }, { name: "mode", values: ["a", "b"] }] } } };
 * assertEquals(cpeBenchmarkContent(cr), "| cpu | mode |\n| --- | --- |\n| 1 | a |\n| 2 | b |\n\nrepetition: 3");
 * ```
 */
export function cpeBenchmarkContent(value: unknown): string | undefined {
  if (!isRecord(value) || !isRecord(value.spec)) return undefined;
  const spec = value.spec;
  const iterations = isRecord(spec.iterationSpec)
    ? spec.iterationSpec.iterations
    : undefined;
  if (!Array.isArray(iterations)) return undefined;
  const names: string[] = [];
  const columns: string[][] = [];
  for (const it of iterations) {
    if (
      !isRecord(it) || typeof it.name !== "string" || !Array.isArray(it.values)
    ) {
      return undefined;
    }
    names.push(it.name);
    columns.push(it.values.map(String));
  }
  const n = Math.max(0, ...columns.map((c) => c.length));
  const rows = Array.from(
    { length: n },
    (_, i) => columns.map((c) => c[i] ?? ""),
  );
  return `${markdownTable(names, rows)}\nrepetition: ${
    String(spec.repetition ?? "")
  }`;
}

async function querySummary(path: string, name: string): Promise<string> {
  const query = await readQueryFile(path);
  let start = Infinity, end = -Infinity;
  const instances = new Set<string>();
  const pods = new Set<string>();
  for (const series of query.metrics.values()) {
    for (const s of series) {
      const n = s.timestamps.length;
      if (n > 0) {
        start = Math.min(start, s.timestamps[0]!);
        end = Math.max(end, s.timestamps[n - 1]!);
      }
      const instance = s.labels.instance;
      if (instance !== undefined) instances.add(instance);
      const pod = s.labels.pod_name;
      if (pod !== undefined && pod !== "") pods.add(pod);
    }
  }
  const lines = [`- query: ${name}`, `- metrics: ${query.metrics.size}`];
  if (Number.isFinite(start)) {
    lines.push(`- window: ${formatUtc(start)} to ${formatUtc(end)}`);
  }
  if (instances.size > 0) {
    lines.push(`- nodes: ${[...instances].sort().join(", ")}`);
  }
  if (pods.size > 0) {
    const list = [...pods].sort();
    lines.push(
      `- pods (${list.length}): ${list.slice(0, 50).join(", ")}${
        list.length > 50 ? ", …" : ""
      }`,
    );
  }
  return lines.join("\n");
}

async function fileSize(path: string): Promise<number | undefined> {
  try {
    const info = await Deno.stat(path);
    return info.isFile ? info.size : undefined;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

async function contentOf(dataPath: string, input: string): Promise<
  { title: string; body: string }
> {
  const bench = stripExtension(input, ".json").replace("_kepler_query", "");
  const jsonPath = benchmarkFile(dataPath, bench);
  const size = await fileSize(jsonPath);
  if (size !== undefined) {
    if (size > LARGE_JSON_BYTES) {
      return {
        title: bench,
        body: await querySummary(jsonPath, `${bench}.json`),
      };
    }
    const text = await readTextFile(jsonPath);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new SyntaxError(
        `Cannot read workload information ${jsonPath}: not JSON (${
          (error as Error).message
        })`,
        { cause: error },
      );
    }
    const cpe = cpeBenchmarkContent(value);
    if (cpe !== undefined) return { title: bench, body: cpe };
    if (
      isRecord(value) && typeof value.startTimeUTC === "string" &&
      typeof value.endTimeUTC === "string"
    ) {
      return {
        title: bench,
        body: `collected from ${value.startTimeUTC} to ${value.endTimeUTC}`,
      };
    }
    return {
      title: bench,
      body: await querySummary(jsonPath, `${bench}.json`),
    };
  }
  const rawPath = join(dataPath, input);
  const rawSize = await fileSize(rawPath);
  if (rawSize === undefined) {
    throw new Deno.errors.NotFound(
      `Cannot find the workload information of -i ${input}: neither ${jsonPath} nor ${rawPath} exists`,
    );
  }
  if (rawSize > MAX_WORKLOAD_TEXT_BYTES) {
    throw new RangeError(
      `Cannot include ${rawPath} as workload information: it has ${rawSize} bytes, more than ${MAX_WORKLOAD_TEXT_BYTES}`,
    );
  }
  return {
    title: input.split(".")[0] ?? input,
    body: (await readTextFile(rawPath)).trimEnd(),
  };
}

/**
 * The workload information of the inputs, in upstream's block format
 * (empty for no inputs).
 *
 * @param dataPath The data folder (DATAPATH) that holds the inputs' files.
 * @param inputs The `export -i` names, e.g. `stressng_kepler_query`; empty
 *   gives an empty text.
 * @returns One `### <name>` block per input, in the given order.
 * @throws {Deno.errors.NotFound} when an input matches neither
 *   `<data>/<bench>.json` nor `<data>/<input>`.
 * @throws {SyntaxError} when `<data>/<bench>.json` is not JSON.
 * @throws {RangeError} when a text input is larger than
 *   {@linkcode MAX_WORKLOAD_TEXT_BYTES}.
 *
 * @example
 * ```ts
 * import { workloadContent } from "./workload_content.ts";
 * import { ok as assert } from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/stressng.json`,
 *   JSON.stringify({ startTimeUTC: "2024-07-25T21:05:43Z", endTimeUTC: "2024-07-25T22:05:43Z" }));
 * const md = await workloadContent(dir, ["stressng_kepler_query"]);
 * assert(md.includes("### stressng\n\n<-- put workload description here -->\n\n<details>\n\ncollected from 2024-07-25T21:05:43Z"));
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function workloadContent(
  dataPath: string,
  inputs: readonly string[],
): Promise<string> {
  let out = "";
  for (const input of inputs) {
    const { title, body } = await contentOf(dataPath, input);
    out +=
      `\n### ${title}\n\n<-- put workload description here -->\n\n<details>\n\n${body}\n\n</details>\n\n`;
  }
  return out;
}
