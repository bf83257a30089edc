/**
 * Runs every notebook headless (`jupyter nbconvert --execute`, as
 * test/notebooks_test.ts does) N times in a row while CPU-heavy processes
 * (busy loops) run, and prints how many runs passed. A run passes when
 * nbconvert exits 0 (no "Invalid Signature", no failing cell) and no output
 * was lost: each code cell has at least one output, and exactly one per
 * `await md(...)`, `await show(...)` and `await output(...)` call (a loop's
 * calls count once at least; a cell without such calls needs one output).
 *
 * Usage: deno run --allow-all bench/notebooks_stress.ts [--runs 10] [--hogs 1]
 *        [--notebook 02_train_and_compare]... [--root <repository copy>]
 * Exits 1 when a run failed. Not a `*_bench.ts` suite: it takes minutes and
 * needs Jupyter with the Deno kernel (see notebooks/README.md).
 *
 * @module
 */
import { nbconvertArgs } from "../test/notebook_run.ts";
import { parseArgs } from "node:util";
import { dirname, join } from "node:path";

const REPO = dirname(dirname(new URL(import.meta.url).pathname));
const NOTEBOOKS = [
  "01_collect_and_extract",
  "02_train_and_compare",
  "03_estimate_and_power_curves",
];

interface Cell {
  cell_type: string;
  source: string[] | string;
  outputs?: { output_type: string }[];
}

/** The outputs a code cell must have: one per awaited output call. */
function expectedOutputs(source: string): { min: number; exact: boolean } {
  const calls = [...source.matchAll(/await (md|show|output)\(/g)].length;
  const inLoop = /\bfor \(/.test(source);
  return { min: Math.max(1, calls), exact: calls > 0 && !inLoop };
}

/** Lost outputs of an executed notebook, as "cell N: a of b outputs". */
export function lostOutputs(cells: readonly Cell[]): string[] {
  const lost: string[] = [];
  cells.forEach((cell, i) => {
    if (cell.cell_type !== "code") return;
    const source = Array.isArray(cell.source)
      ? cell.source.join("")
      : cell.source;
    const want = expectedOutputs(source);
    const got = (cell.outputs ?? []).filter((o) =>
      o.output_type === "display_data" || o.output_type === "execute_result"
    ).length;
    if (got < want.min || (want.exact && got !== want.min)) {
      lost.push(`cell ${i}: ${got} of ${want.min} outputs`);
    }
  });
  return lost;
}

async function runOnce(
  root: string,
  name: string,
  dir: string,
): Promise<{ ok: boolean; seconds: number; why: string }> {
  const start = performance.now();
  const out = await new Deno.Command("jupyter", {
    args: nbconvertArgs(join(root, "notebooks", `${name}.ipynb`), dir),
    cwd: join(root, "notebooks"),
    stdout: "piped",
    stderr: "piped",
  }).output();
  const seconds = (performance.now() - start) / 1000;
  const stderr = new TextDecoder().decode(out.stderr);
  if (out.code !== 0) {
    const why = /Invalid Signature/.test(stderr)
      ? "Invalid Signature"
      : stderr.trim().split("\n").slice(-1)[0] ?? `exit ${out.code}`;
    return { ok: false, seconds, why };
  }
  const executed = JSON.parse(
    await Deno.readTextFile(join(dir, `${name}.ipynb`)),
  );
  const errors = (executed.cells as Cell[]).flatMap((c) => c.outputs ?? [])
    .filter((o) => o.output_type === "error").length;
  if (errors > 0) return { ok: false, seconds, why: `${errors} error outputs` };
  const lost = lostOutputs(executed.cells);
  return lost.length === 0
    ? { ok: true, seconds, why: "" }
    : { ok: false, seconds, why: `lost output: ${lost.join("; ")}` };
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      runs: { type: "string", default: "10" },
      hogs: { type: "string", default: "1" },
      notebook: { type: "string", multiple: true },
      root: { type: "string", default: REPO },
    },
  });
  const runs = Number(values.runs);
  const notebooks = values.notebook ?? NOTEBOOKS;
  // CPU hogs: busy loops, each bounded to 1 h in case this script is killed.
  const hogs = Array.from(
    { length: Number(values.hogs) },
    () =>
      new Deno.Command(Deno.execPath(), {
        args: [
          "eval",
          "const end = Date.now() + 3_600_000; while (Date.now() < end) {}",
        ],
        stdout: "null",
        stderr: "null",
      }).spawn(),
  );
  const stopHogs = () => {
    for (const hog of hogs) {
      try {
        hog.kill();
      } catch { /* already exited */ }
    }
  };
  const onInterrupt = () => {
    stopHogs();
    Deno.exit(130);
  };
  Deno.addSignalListener("SIGINT", onInterrupt);
  const dir = await Deno.makeTempDir({ prefix: "kepler-notebooks-stress-" });
  const passed = new Map(notebooks.map((n) => [n, 0]));
  const seconds = new Map(notebooks.map((n) => [n, [] as number[]]));
  try {
    console.log(
      `${runs} runs of ${notebooks.length} notebooks, ${hogs.length} CPU hog(s), ${navigator.hardwareConcurrency} cores`,
    );
    for (let run = 1; run <= runs; run++) {
      for (const name of notebooks) {
        const result = await runOnce(values.root, name, dir);
        seconds.get(name)!.push(result.seconds);
        if (result.ok) passed.set(name, passed.get(name)! + 1);
        console.log(
          `run ${run} ${name}: ${result.ok ? "ok" : "FAILED"} (${
            result.seconds.toFixed(1)
          } s)${result.ok ? "" : ` ${result.why}`}`,
        );
      }
    }
  } finally {
    Deno.removeSignalListener("SIGINT", onInterrupt);
    stopHogs();
    await Promise.all(hogs.map((hog) => hog.status));
    await Deno.remove(dir, { recursive: true });
  }
  console.log("\nnotebook | passed | median s");
  for (const name of notebooks) {
    const s = seconds.get(name)!.sort((a, b) => a - b);
    console.log(
      `${name} | ${passed.get(name)}/${runs} | ${
        s[Math.floor(s.length / 2)]!.toFixed(1)
      }`,
    );
  }
  return [...passed.values()].every((p) => p === runs) ? 0 : 1;
}

if (import.meta.main) Deno.exitCode = await main();
