/**
 * A small simulated pipeline for the tests that pin a training flag's
 * "off" value to the bytes of the code before it (`--tune none`,
 * `--derived-features none`): 900 s × 5 containers, rapl-sysfs, four
 * trainers, and the SHA-256 of every file whose bytes do not hold the time
 * or the data path.
 *
 * @module
 */
import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import { join, relative } from "node:path";
import { runTask, startServeTask } from "./_cli.ts";
import { parseCsv } from "../lib/io/csv.ts";

/** The trainers of the small pipeline, as a comma list. */
export const SMALL_TRAINERS = [
  "KNeighborsRegressorTrainer",
  "GradientBoostingRegressorTrainer",
  "SGDRegressorTrainer",
  "LinearRegressionTrainer",
].join(",");

/** Files whose bytes hold the time or the data path. */
const VARYING = new Set([
  ".pipeline.zip",
  "metadata.json",
  "train_arguments.json",
]);

async function sha256(path: string): Promise<string> {
  const h = await crypto.subtle.digest("SHA-256", await Deno.readFile(path));
  return Array.from(new Uint8Array(h), (b) => b.toString(16).padStart(2, "0"))
    .join("");
}

/** SHA-256 of every file under `root` but those of {@linkcode VARYING}. */
export async function pipelineHashes(
  root: string,
): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (d: string): Promise<void> => {
    for await (const e of Deno.readDir(d)) {
      const p = join(d, e.name);
      if (e.isDirectory) await walk(p);
      else if (e.isFile && !VARYING.has(relative(root, p))) {
        out[relative(root, p)] = await sha256(p);
      }
    }
  };
  await walk(root);
  return Object.fromEntries(Object.entries(out).sort());
}

/** Runs a deno task with DATAPATH=dir; fails the test unless it exits 0. */
export async function runOk(
  dir: string,
  task: string,
  args: string[],
): Promise<string> {
  const r = await runTask(task, args, { env: { DATAPATH: dir } });
  assertEquals(r.code, 0, `${task} ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

/** A query JSON as `query` writes it: series by metric name. */
export type QueryJson = Record<
  string,
  { metric: Record<string, string>; values: [number, string][] }[]
>;

/**
 * Simulates 10 minutes of one node with 4 containers (200 samples) as
 * `<dir>/q.json` through the simulate task, with `extra` flags; returns the
 * query JSON.
 */
export async function simulatedQuery(
  dir: string,
  extra: string[] = [],
): Promise<QueryJson> {
  await runOk(dir, "simulate", [
    ...["-o", "q", "--duration", "600", "--containers", "4"],
    ...extra,
  ]);
  return JSON.parse(await Deno.readTextFile(join(dir, "q.json")));
}

/**
 * Simulates 900 s × 5 containers and trains pipeline `p` with `extra`;
 * returns train's standard output.
 */
export async function simulateAndTrain(
  dir: string,
  extra: string[],
): Promise<string> {
  await runOk(dir, "simulate", [
    "-o",
    "q",
    "--duration",
    "900",
    "--containers",
    "5",
    "--sources",
    "rapl-sysfs",
    "--start-time",
    "1767225600",
  ]);
  return await runOk(dir, "train", [
    "-i",
    "q",
    "--id",
    "q",
    "-e",
    "rapl-sysfs",
    "-p",
    "p",
    "--abs-trainers",
    SMALL_TRAINERS,
    "--dyn-trainers",
    SMALL_TRAINERS,
    "--quiet",
    ...extra,
  ]);
}

/**
 * Estimates query `q` with pipeline `p`'s model `model` of feature group
 * `group` through the `estimate` task; returns a reader of the columns of
 * its estimation_result.csv, as numbers.
 */
export async function estimateColumns(
  dir: string,
  model: string,
  group: string,
): Promise<(name: string) => number[]> {
  await runOk(dir, "estimate", [
    "-i",
    "q",
    "-p",
    "p",
    "--model-name",
    model,
    "--feature-group",
    group,
  ]);
  const csv = parseCsv(
    await Deno.readTextFile(join(dir, "output", "estimation_result.csv")),
  );
  return (name: string) => {
    const j = csv.header.indexOf(name);
    assert(j >= 0, `no column ${name} in ${csv.header.join(",")}`);
    return csv.rows.map((r) => Number(r[j]));
  };
}

/**
 * Estimates query `q` with pipeline `p`'s rapl-sysfs AbsPower model
 * `<trainer>_0` of `group` through the `estimate` task, then posts the same
 * raw feature rows to `serve`'s `POST /estimate` and checks that both give
 * the same package power (serve clamps at 0). Returns the estimated powers.
 */
export async function assertEstimateMatchesServe(
  dir: string,
  group: string,
  trainer: string,
  features: readonly string[],
): Promise<number[]> {
  const model = `${trainer}_0`;
  const col = await estimateColumns(dir, model, group);
  const rows = col(features[0]!).map((_, i) => features.map((f) => col(f)[i]!));
  const estimated = col("default_package_power");
  const server = await startServeTask("serve", [], { MODEL_PATH: dir });
  try {
    const reply = await fetch(`${server.url}/estimate`, {
      method: "POST",
      body: JSON.stringify({
        metrics: features,
        values: rows,
        output_type: "AbsPower",
        source: "rapl-sysfs",
        pipeline_name: "p",
        trainer_name: trainer,
      }),
    });
    const body = await reply.json();
    assertEquals(reply.status, 200, JSON.stringify(body));
    assertEquals(
      [body.pipeline, body.feature_group, body.model_name],
      ["p", group, model],
    );
    const served: number[] = body.powers.package;
    assertEquals(served.length, estimated.length, JSON.stringify(body));
    for (let i = 0; i < served.length; i++) {
      const want = Math.max(0, estimated[i]!);
      assert(
        Math.abs(served[i]! - want) <= 1e-9 * Math.max(1, want),
        `row ${i}: serve ${served[i]} estimate ${want}`,
      );
    }
  } finally {
    server.child.kill("SIGTERM");
    await server.child.status;
    await server.stderr();
  }
  return estimated;
}
