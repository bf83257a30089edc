/**
 * A small simulated pipeline for the tests that pin a training flag's
 * "off" value to the bytes of the code before it (`--tune none`,
 * `--derived-features none`): 900 s × 5 containers, rapl-sysfs, four
 * trainers, and the SHA-256 of every file whose bytes do not hold the time
 * or the data path.
 *
 * @module
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { join, relative } from "node:path";
import { runTask } from "./_cli.ts";

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
