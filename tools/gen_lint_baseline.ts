/**
 * Rewrites `tools/lint_baseline.ts` with what is over the limits of
 * `tools/lint_plugin.ts` today. Run it after shortening a listed function
 * or file (the list only shrinks: `tools/lint_plugin_test.ts` fails on a
 * stale entry, and `deno lint` on a new offender):
 *
 *     deno test -R -W tools/gen_lint_baseline.ts
 *
 * (a test because `Deno.lint.runPlugin` only runs under `deno test`; the
 * file is not named `*_test.ts`, so `deno test` alone never runs it).
 *
 * @module
 */
import { dirname, join } from "node:path";
import { overLimits } from "./_over_limits.ts";

const ROOT = dirname(dirname(new URL(import.meta.url).pathname));

/** A record literal as `deno fmt` writes it: `{}` or one entry a line. */
function literal(record: Record<string, number>): string {
  const keys = Object.keys(record).sort();
  if (keys.length === 0) return "{}";
  return `{\n${
    keys.map((k) => `  ${JSON.stringify(k)}: ${record[k]},\n`).join("")
  }}`;
}

Deno.test("write tools/lint_baseline.ts", async () => {
  const over = await overLimits();
  const path = join(ROOT, "tools/lint_baseline.ts");
  const old = await Deno.readTextFile(path);
  const head = old.slice(0, old.indexOf("/** Functions over"));
  await Deno.writeTextFile(
    path,
    `${head}/** Functions over 80 lines, by \`<path>#<name>\`, with their length. */
export const FUNCTION_BASELINE: Readonly<Record<string, number>> = ${
      literal(over.functions)
    };

/** Files over 600 lines, by path, with their length. */
export const FILE_BASELINE: Readonly<Record<string, number>> = ${
      literal(over.files)
    };
`,
  );
  console.log(
    `${Object.keys(over.functions).length} functions, ${
      Object.keys(over.files).length
    } files listed in tools/lint_baseline.ts`,
  );
});
