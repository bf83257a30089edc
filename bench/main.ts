/**
 * `deno task bench`: runs every `bench/*_bench.ts` suite (or those named on
 * the command line), prints the figures and records them in BENCHMARKS.md
 * with the machine and the date. Benchmarks measure; tests never assert on
 * wall time.
 *
 * @module
 */
import { dirname, join } from "node:path";
import type { BenchFigure, BenchSuite } from "./_types.ts";
import { mergeSections } from "./_record.ts";

const HERE = dirname(new URL(import.meta.url).pathname);
const ROOT = dirname(HERE);

async function machine(): Promise<string> {
  let cpu = "unknown CPU";
  try {
    const info = await Deno.readTextFile("/proc/cpuinfo");
    cpu = /model name\s*:\s*(.+)/.exec(info)?.[1]?.trim() ?? cpu;
  } catch { /* not Linux */ }
  const cores = navigator.hardwareConcurrency;
  const mem = Deno.systemMemoryInfo().total / 2 ** 30;
  return `${cpu}, ${cores} cores, ${
    mem.toFixed(0)
  } GiB, ${Deno.build.os}/${Deno.build.arch}, Deno ${Deno.version.deno}`;
}

function row(f: BenchFigure): string {
  const value = f.value >= 100
    ? f.value.toFixed(0)
    : f.value >= 1
    ? f.value.toFixed(2)
    : f.value.toPrecision(3);
  const verdict = f.ok === undefined ? "" : f.ok ? "met" : "**missed**";
  return `| ${f.name} | ${value} ${f.unit} | ${f.goal ?? ""} | ${verdict} |`;
}

async function main(): Promise<void> {
  // `train-sizes` names bench/train_sizes_bench.ts
  const only = Deno.args.map((a) => a.replaceAll("-", "_"));
  const files: string[] = [];
  for await (const e of Deno.readDir(HERE)) {
    if (e.isFile && e.name.endsWith("_bench.ts")) files.push(e.name);
  }
  files.sort();
  const sections: string[] = [];
  const failed: string[] = [];
  for (const file of files) {
    const stem = file.replace(/_bench\.ts$/, "");
    if (only.length > 0 && !only.includes(stem)) continue;
    const mod = await import(join(HERE, file)) as { suite?: BenchSuite };
    if (!mod.suite) continue;
    console.log(`# ${mod.suite.title}`);
    let figures: BenchFigure[];
    try {
      figures = await mod.suite.run();
    } catch (error) {
      // The section recorded before stays as it was (a failed run leaves
      // what was there intact); the run exits non-zero.
      console.error(`bench ${file} failed: ${(error as Error).message}`);
      failed.push(stem);
      continue;
    }
    for (const f of figures) console.log(row(f));
    sections.push(
      [
        `## ${mod.suite.title}`,
        "",
        `Source: \`bench/${file}\``,
        "",
        "| figure | value | goal | |",
        "| --- | --- | --- | --- |",
        ...figures.map(row),
        "",
      ].join("\n"),
    );
  }
  const header = [
    "# Benchmarks",
    "",
    "Written by `deno task bench` (`deno task bench <suite>` runs one suite).",
    "",
    `- Machine: ${await machine()}`,
    `- Date: ${new Date().toISOString().slice(0, 19)}Z`,
    "",
  ];
  const path = join(ROOT, "BENCHMARKS.md");
  // Replace the sections of the suites that ran in place, with the notes
  // written below their tables, and keep the others (./_record.ts). Before,
  // a run of every suite wrote its tables alone and dropped every note.
  let old = "";
  try {
    old = await Deno.readTextFile(path);
  } catch { /* first run */ }
  const body = mergeSections(old, sections);
  const tmp = `${path}.tmp`;
  await Deno.writeTextFile(tmp, [...header, ...body].join("\n"));
  await Deno.rename(tmp, path);
  console.log(`\nrecorded in ${path}`);
  if (failed.length > 0) {
    console.error(
      `bench: ${failed.join(", ")} failed; their sections are as they were`,
    );
    Deno.exitCode = 1;
  }
}

if (import.meta.main) await main();
