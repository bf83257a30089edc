/**
 * How a notebook is executed headless: the one nbconvert command line that
 * `test/notebooks_test.ts` and `bench/notebooks_stress.ts` both run, so the
 * stress figures are about the same run the test checks.
 *
 * @module
 */

/**
 * The `jupyter` arguments that execute `notebook` on the Deno kernel and
 * write the executed copy into `outputDir`.
 *
 * @example
 * ```ts
 * import { nbconvertArgs } from "./notebook_run.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const args = nbconvertArgs("n/01.ipynb", "/tmp/out");
 * assertEquals([args[0], args.at(-3), args.at(-1)], ["nbconvert", "--output-dir", "n/01.ipynb"]);
 * ```
 */
export function nbconvertArgs(notebook: string, outputDir: string): string[] {
  return [
    "nbconvert",
    "--to",
    "notebook",
    "--execute",
    "--ExecutePreprocessor.kernel_name=deno",
    "--ExecutePreprocessor.timeout=300",
    "--ExecutePreprocessor.iopub_timeout=60",
    "--output-dir",
    outputDir,
    notebook,
  ];
}
