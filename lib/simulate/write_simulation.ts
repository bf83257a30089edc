/**
 * `writeSimulation()`: writes a simulation to DATAPATH the way `query` writes
 * real data, plus its companions: the query JSON, the ground-truth CSV, the
 * OpenMetrics text for a Prometheus backfill, the benchmark file, the
 * machine spec and a metadata file (options, seeds, plan, faults, and
 * each node's true coefficients: `nodes[i].model`, what `truePower` takes).
 * Every file is written atomically.
 *
 * @module
 */
import { writeFileAtomic, writeJsonFile } from "../io/mod.ts";
import {
  benchmarkFile,
  machineSpecFile,
  queryFile,
  simulationMetadataFile,
  simulationOpenMetricsFile,
  simulationTruthFile,
  stripExtension,
} from "../layout.ts";
import { formatUtc } from "../query/format.ts";
import { writeMachineSpec } from "../query/machine_spec.ts";
import { formatPythonJson } from "../query/python_json.ts";
import { openMetricsBytes } from "./open_metrics.ts";
import { queryJsonBytes } from "./query_json.ts";
import type { Simulation } from "./simulate.ts";
import { truthCsv } from "./truth_csv.ts";

/** Options of {@linkcode writeSimulation}. */
export interface WriteSimulationOptions {
  /**
   * Name of the benchmark file (`<data>/<benchmark>.json`).
   *
   * @default {undefined} <name>_benchmark
   */
  benchmark?: string;
  /**
   * Machine id of the spec file (`<data>/machine_spec/<id>.json`).
   *
   * @default {undefined} the name
   */
  machineId?: string;
  /**
   * Whether to write the OpenMetrics file (large: about 400 MB for 1 h × 50 containers).
   *
   * @default {false}
   */
  openMetrics?: boolean;
}

/** The paths {@linkcode writeSimulation} wrote. */
export interface WrittenSimulation {
  /** `<data>/<name>.json`. */
  query: string;
  /** `<data>/<name>_truth.csv`. */
  truth: string;
  /** `<data>/<name>.om`, unless disabled. */
  openMetrics?: string;
  /** `<data>/<benchmark>.json`. */
  benchmark: string;
  /** `<data>/machine_spec/<id>.json`. */
  machineSpec: string;
  /** `<data>/<name>_simulation.json`. */
  metadata: string;
}

/**
 * Writes a simulation under `dataPath` as `name` (see the module doc for the
 * files). The benchmark file holds the first and last sample times.
 *
 * @param dataPath The data folder (DATAPATH) to write into; created as
 *   needed.
 * @param name The file stem, e.g. `sim` for `<dataPath>/sim.json`; a
 *   trailing `.json` is dropped.
 * @param sim The simulation to write, e.g. from `simulate`.
 * @param options The benchmark file name, machine id and whether to write
 *   the OpenMetrics file; empty writes `<name>_benchmark.json` and
 *   `machine_spec/<name>.json`, without OpenMetrics.
 * @returns The paths written (`openMetrics` only when it was).
 * @throws {RangeError} when `name` is empty or holds a path separator, or
 *   the benchmark file would be the query JSON.
 *
 * @example
 * ```ts
 * import { simulate, writeSimulation } from "./mod.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const sim = simulate({ start: 1_700_000_001, duration: 30, containers: 1 });
 * const written = await writeSimulation(dir, "sim", sim);
 * assertEquals(written.query, `${dir}/sim.json`);
 * assertEquals(JSON.parse(await Deno.readTextFile(written.benchmark)),
 *   { startTimeUTC: "2023-11-14T22:13:21Z", endTimeUTC: "2023-11-14T22:13:48Z" });
 * assertEquals(JSON.parse(await Deno.readTextFile(written.machineSpec)).members, []);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeSimulation(
  dataPath: string,
  name: string,
  sim: Simulation,
  options: WriteSimulationOptions = {},
): Promise<WrittenSimulation> {
  const stem = stripExtension(name, ".json");
  if (stem === "" || /[/\\]/.test(stem)) {
    throw new RangeError(
      `Cannot write a simulation named "${name}": the name must be a plain file name`,
    );
  }
  const benchmarkName = options.benchmark ?? `${stem}_benchmark`;
  if (benchmarkName === stem) {
    throw new RangeError(
      `Cannot write a simulation named "${name}": the benchmark file would overwrite the query JSON; choose another benchmark name`,
    );
  }
  const written: WrittenSimulation = {
    query: queryFile(dataPath, stem),
    truth: simulationTruthFile(dataPath, stem),
    benchmark: benchmarkFile(dataPath, benchmarkName),
    machineSpec: machineSpecFile(dataPath, options.machineId ?? stem),
    metadata: simulationMetadataFile(dataPath, stem),
  };
  await writeFileAtomic(written.query, queryJsonBytes(sim));
  await writeFileAtomic(written.truth, truthCsv(sim));
  if (options.openMetrics ?? false) {
    written.openMetrics = simulationOpenMetricsFile(dataPath, stem);
    await writeFileAtomic(written.openMetrics, openMetricsBytes(sim));
  }
  await writeFileAtomic(
    written.benchmark,
    formatPythonJson({
      startTimeUTC: formatUtc(sim.metadata.start),
      endTimeUTC: formatUtc(sim.metadata.end),
    }),
  );
  await writeMachineSpec(written.machineSpec, sim.spec);
  await writeJsonFile(written.metadata, {
    metadata: sim.metadata,
    spec: sim.spec,
    plan: sim.plan,
    events: sim.events,
    nodes: sim.nodes.map((node) => ({
      instance: node.instance,
      idle: node.truth.idle,
      model: node.model,
      containers: node.containers,
    })),
  });
  return written;
}
