/**
 * The shape of a benchmark suite: `bench/<stage>_bench.ts` exports `suite`,
 * and `bench/main.ts` runs every suite, prints the figures and records them
 * in BENCHMARKS.md with the machine and date.
 *
 * @module
 */

/** One measured figure. */
export interface BenchFigure {
  /** What was measured, e.g. "fit GradientBoostingRegressorTrainer 12k×5". */
  name: string;
  /** The measured value. */
  value: number;
  /** Its unit, e.g. "s", "MB", "req/s". */
  unit: string;
  /** The goal as text, e.g. "≤ 0.3 s". Default: none. */
  goal?: string;
  /** Whether the goal was met (omit when there is no goal). */
  ok?: boolean;
}

/** A suite of related figures. */
export interface BenchSuite {
  /** Title of the section in BENCHMARKS.md. */
  title: string;
  /** Runs the measurements and returns the figures. */
  run(): Promise<BenchFigure[]>;
}

/** Peak resident memory so far, in MB (from Deno.memoryUsage().rss). */
export function rssMb(): number {
  return Deno.memoryUsage().rss / 1e6;
}

/** Times an async function once, in seconds. */
export async function timeIt<T>(
  fn: () => Promise<T> | T,
): Promise<{ seconds: number; result: T }> {
  const t0 = performance.now();
  const result = await fn();
  return { seconds: (performance.now() - t0) / 1000, result };
}

/**
 * Peak resident memory of this process so far, in MB: VmHWM from
 * /proc/self/status on Linux, else the current RSS.
 */
export function peakRssMb(): number {
  try {
    const status = Deno.readTextFileSync("/proc/self/status");
    const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
    if (kb !== undefined) return Number(kb) * 1024 / 1e6;
  } catch { /* not Linux */ }
  return Deno.memoryUsage().rss / 1e6;
}

/**
 * Runs a benchmark module again in a fresh process (`--child` plus `args`,
 * read permission only), so its memory figures are its own, and parses the
 * JSON it prints.
 */
export async function runBenchChild<T>(
  moduleUrl: string,
  args: readonly string[],
  label: string,
): Promise<T> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      new URL(moduleUrl).pathname,
      "--child",
      ...args,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(
      `${label} bench child failed (exit ${out.code}): ${
        new TextDecoder().decode(out.stderr).trim()
      }`,
    );
  }
  return JSON.parse(new TextDecoder().decode(out.stdout)) as T;
}
