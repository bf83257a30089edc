/**
 * The CLI loads only the command it runs (cli/commands/registry.ts): its
 * start-up graph holds no command module, `train`'s holds none of the
 * serving, plotting, S3 or calibration code, and each registered entry
 * loads the definition it lists.
 */
import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import { join, relative } from "node:path";
import { COMMANDS } from "../cli/commands/registry.ts";
import { ROOT } from "./_cli.ts";

interface InfoModule {
  specifier: string;
  dependencies?: {
    isDynamic?: boolean;
    code?: { specifier?: string };
  }[];
}

/** The project files `file` imports statically, transitively (`deno info`). */
async function staticGraph(file: string): Promise<string[]> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", file],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
  const info = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    roots: string[];
    modules: InfoModule[];
  };
  const bySpecifier = new Map(info.modules.map((m) => [m.specifier, m]));
  const seen = new Set<string>([info.roots[0]!]);
  const todo = [info.roots[0]!];
  while (todo.length > 0) {
    const m = bySpecifier.get(todo.pop()!);
    for (const d of m?.dependencies ?? []) {
      const s = d.code?.specifier;
      if (d.isDynamic || s === undefined || seen.has(s)) continue;
      seen.add(s);
      todo.push(s);
    }
  }
  return [...seen].filter((s) => s.startsWith("file:")).map((s) =>
    relative(ROOT, new URL(s).pathname)
  );
}

Deno.test("cli/main.ts starts without loading any command's module", async () => {
  const graph = await staticGraph(join(ROOT, "cli/main.ts"));
  assert(graph.includes("cli/commands/registry.ts"), graph.join(" "));
  const commands = graph.filter((f) =>
    f.startsWith("cli/commands/") && f !== "cli/commands/registry.ts"
  );
  assertEquals(commands, []);
  const lib = graph.filter((f) => f.startsWith("lib/"));
  assert(
    lib.every((f) => !/^lib\/(train|serve|extract|query)\//.test(f)),
    lib.join(" "),
  );
});

Deno.test("train's modules hold none of serve, plot, S3, calibrate or estimate", async () => {
  const graph = await staticGraph(join(ROOT, "cli/commands/train.ts"));
  assert(graph.includes("lib/train/pipeline.ts"), graph.join(" "));
  const foreign = graph.filter((f) =>
    /^lib\/(serve|plot|s3|calibrate|estimate|http1)\//.test(f) ||
    (f.startsWith("cli/commands/") &&
      !/^cli\/commands\/(train|registry|_\w+)\.ts$/.test(f))
  );
  assertEquals(foreign, []);
});

Deno.test("each registered command loads the definition it lists", async () => {
  for (const entry of COMMANDS) {
    const def = await entry.load();
    assertEquals(
      { name: def.name, aliases: def.aliases, summary: def.summary },
      { name: entry.name, aliases: entry.aliases, summary: entry.summary },
    );
    assertEquals(typeof def.run, "function", entry.name);
  }
});
