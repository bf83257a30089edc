/**
 * `deno task demo` as a newcomer meets it: a fresh `git clone` of this
 * repository's committed HEAD (no node_modules) run with an empty Deno and
 * npm cache (a temp `DENO_DIR`), then again in the same clone (warm: caches
 * and node_modules in place). Counts the npm packages fetched (tarballs
 * named by Deno's `Download` lines; with `nodeModulesDir: "auto"` Deno
 * installs every package of deno.lock, so deno.lock is what a cold run
 * fetches).
 *
 * Goals (issue 15 item 4): cold ≤ 20 s, warm ≤ 12 s. Most of both is the
 * demo's training (its own figure below), which is CPU-bound: on the shared
 * 2-core machines it varies with their load (the 1-minute load average
 * before the cold run is recorded beside the figures).
 *
 * Needs git and network access to the npm registry. Uncommitted changes are
 * not measured (the clone is of HEAD). Run alone with
 * `deno task bench cold_demo`.
 *
 * @module
 */
import { dirname, join } from "node:path";
import type { BenchFigure, BenchSuite } from "./_types.ts";

const ROOT = dirname(dirname(new URL(import.meta.url).pathname));

interface DemoRun {
  seconds: number;
  /** npm tarballs fetched. */
  packages: string[];
  /** All Download lines (tarballs and package metadata). */
  downloads: number;
  /** The demo's own "trained ... in X s". */
  trainSeconds: number;
}

async function run(
  cmd: string,
  args: string[],
  options: { cwd: string; env?: Record<string, string> },
): Promise<{ seconds: number; stdout: string; stderr: string }> {
  const t0 = performance.now();
  const out = await new Deno.Command(cmd, {
    args,
    cwd: options.cwd,
    env: { NO_COLOR: "1", ...options.env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const seconds = (performance.now() - t0) / 1000;
  const stdout = new TextDecoder().decode(out.stdout);
  const stderr = new TextDecoder().decode(out.stderr);
  if (!out.success) {
    throw new Error(
      `${cmd} ${args.join(" ")} failed (exit ${out.code}): ${stderr.trim()}`,
    );
  }
  return { seconds, stdout, stderr };
}

async function demo(
  clone: string,
  denoDir: string,
  output: string,
): Promise<DemoRun> {
  const r = await run(Deno.execPath(), ["task", "demo", "-o", output], {
    cwd: clone,
    env: { DENO_DIR: denoDir },
  });
  const downloads = r.stderr.split("\n").filter((l) =>
    l.startsWith("Download ")
  );
  const packages = downloads.flatMap((l) => {
    const m = /\/-\/(.+)\.tgz$/.exec(l.trim());
    return m === null ? [] : [m[1]!];
  });
  const train = /trained \d+ models .* in ([\d.]+) s/.exec(r.stdout);
  return {
    seconds: r.seconds,
    packages,
    downloads: downloads.length,
    trainSeconds: Number(train?.[1] ?? NaN),
  };
}

function loadAverage(): number {
  try {
    return Number(Deno.readTextFileSync("/proc/loadavg").split(" ")[0]);
  } catch {
    return NaN;
  }
}

/** The suite. */
export const suite: BenchSuite = {
  title:
    "Cold demo: `deno task demo` from a fresh clone, empty Deno and npm caches, then warm",
  async run(): Promise<BenchFigure[]> {
    const tmp = await Deno.makeTempDir({ prefix: "kepler_cold_demo_" });
    try {
      const clone = join(tmp, "kepler-model");
      await run("git", ["clone", "-q", ROOT, clone], { cwd: tmp });
      const head = (await run("git", ["rev-parse", "--short", "HEAD"], {
        cwd: clone,
      })).stdout.trim();
      const denoDir = join(tmp, "deno_dir");
      const load = loadAverage();
      const cold = await demo(clone, denoDir, join(tmp, "out_cold"));
      const warm = await demo(clone, denoDir, join(tmp, "out_warm"));
      console.log(
        `commit ${head}; ${cold.packages.length} npm packages fetched: ${
          cold.packages.join(" ")
        }`,
      );
      return [
        {
          name: `cold demo (commit ${head}: fresh clone, empty DENO_DIR)`,
          value: cold.seconds,
          unit: "s",
          goal: "≤ 20 s",
          ok: cold.seconds <= 20,
        },
        {
          name: "warm demo (same clone and DENO_DIR)",
          value: warm.seconds,
          unit: "s",
          goal: "≤ 12 s",
          ok: warm.seconds <= 12,
        },
        {
          name: "npm packages fetched by the cold run",
          value: cold.packages.length,
          unit: "packages",
        },
        {
          name: "Download lines of the cold run (tarballs + package metadata)",
          value: cold.downloads,
          unit: "downloads",
        },
        {
          name: "npm packages fetched by the warm run",
          value: warm.packages.length,
          unit: "packages",
        },
        {
          name: "cold − warm (fetch, install, first compile)",
          value: cold.seconds - warm.seconds,
          unit: "s",
        },
        {
          name: "training inside the warm demo (its own figure)",
          value: warm.trainSeconds,
          unit: "s",
        },
        {
          name: "load average (1 min) before the cold run, 2 cores shared",
          value: load,
          unit: "",
        },
      ];
    } finally {
      await Deno.remove(tmp, { recursive: true }).catch(() => {});
    }
  },
};

if (import.meta.main) {
  for (const f of await suite.run()) console.log(f);
}
