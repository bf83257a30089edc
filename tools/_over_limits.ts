/**
 * What is over the limits of `tools/lint_plugin.ts` in the tree, measured
 * with `Deno.lint.runPlugin` (only available under `deno test`).
 *
 * @module
 */
import { dirname, join, relative } from "node:path";
import { createPlugin, isTestPath } from "./lint_plugin.ts";

const ROOT = dirname(dirname(new URL(import.meta.url).pathname));
const SKIP = ["node_modules", "dist", "demo_output", ".git", "testdata"];

async function* tsFiles(dir: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(dir)) {
    if (entry.name.startsWith(".") || SKIP.includes(entry.name)) continue;
    const full = join(dir, entry.name);
    if (entry.isDirectory) yield* tsFiles(full);
    else if (entry.isFile && entry.name.endsWith(".ts")) yield full;
  }
}

/** What is over the limits, in the shape of `tools/lint_baseline.ts`. */
export interface OverLimits {
  /** Functions by `<path>#<name>`, with their length in lines. */
  functions: Record<string, number>;
  /** Files by path, with their length in lines. */
  files: Record<string, number>;
}

/** Lints every non-test `.ts` file under `root` with an empty baseline. */
export async function overLimits(root = ROOT): Promise<OverLimits> {
  const plugin = createPlugin({ functions: {}, files: {} });
  const out: OverLimits = { functions: {}, files: {} };
  const paths: string[] = [];
  for await (const file of tsFiles(root)) paths.push(file);
  paths.sort();
  for (const file of paths) {
    const path = relative(root, file);
    if (isTestPath(path)) continue;
    const text = await Deno.readTextFile(file);
    for (const d of Deno.lint.runPlugin(plugin, file, text)) {
      const fn = /^(?:function|arrow function) (.+) is (\d+) lines/.exec(
        d.message,
      );
      if (fn) {
        const key = `${path}#${fn[1]}`;
        out.functions[key] = Math.max(out.functions[key] ?? 0, Number(fn[2]));
        continue;
      }
      const whole = /^(.+) is (\d+) lines/.exec(d.message);
      if (whole) out.files[path] = Number(whole[2]);
    }
  }
  return out;
}
