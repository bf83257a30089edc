/**
 * Runs the benchmarks' scikit-learn scripts (`bench/*.py`) under Debian's
 * `/usr/bin/python3` with python3-sklearn: the benchmarks only, never a
 * dependency of the project.
 *
 * @module
 */
import { dirname, join } from "node:path";

const ROOT = dirname(dirname(new URL(import.meta.url).pathname));
const PYTHON = "/usr/bin/python3";

/**
 * Runs `bench/<script>` with `args`, its output shown; throws when it
 * exits non-zero.
 */
export async function runSklearnScript(
  script: string,
  args: string[],
): Promise<void> {
  const r = await new Deno.Command(PYTHON, {
    args: [join(ROOT, "bench", script), ...args],
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (r.code !== 0) {
    throw new Error(
      `bench/${script} exited ${r.code} (needs Debian's python3-sklearn)`,
    );
  }
}
