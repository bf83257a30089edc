/**
 * The dependency direction of CONVENTIONS.md as a checked fact: a stage
 * imports only earlier stages (and the base modules), `export` and
 * `estimate` never import each other, `_x.ts` files are private to their
 * folder, `lib/` never imports `cli/`, and only `cli/main.ts` and
 * `cli/config.ts` touch `Deno.args`, `Deno.exit` and `Deno.env`.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { dirname, join, relative, resolve } from "node:path";

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), "..");

/** Rank of each lib folder; a folder may import folders of lower rank. */
export const STAGE_RANK: Readonly<Record<string, number>> = {
  io: 0,
  "types.ts": 0,
  "layout.ts": 0,
  query: 1,
  simulate: 2,
  extract: 3,
  isolate: 4,
  train: 5,
  plot: 6,
  export: 7,
  estimate: 7,
  s3: 7,
  serve: 8,
};

async function* walk(dir: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(dir)) {
    const full = join(dir, entry.name);
    if (entry.isDirectory) {
      if (
        ["node_modules", "dist", ".git", "demo_output"].includes(entry.name)
      ) continue;
      yield* walk(full);
    } else if (entry.name.endsWith(".ts")) yield full;
  }
}

function importsOf(source: string): string[] {
  const out: string[] = [];
  const re =
    /(?:import|export)\s[^'";]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;
  for (const m of source.matchAll(re)) out.push((m[1] ?? m[2]) as string);
  return out;
}

/** The lib folder (or base file) a path under lib/ belongs to. */
function stageOf(relPath: string): string | undefined {
  const parts = relPath.split("/");
  if (parts[0] !== "lib") return undefined;
  return parts.length === 2 ? parts[1] : parts[1];
}

function isTest(relPath: string): boolean {
  return relPath.endsWith("_test.ts");
}

Deno.test("lib/ stages import only earlier stages", async () => {
  const violations: string[] = [];
  for await (const file of walk(join(ROOT, "lib"))) {
    const rel = relative(ROOT, file);
    if (isTest(rel)) continue;
    const from = stageOf(rel);
    if (from === undefined) continue;
    const fromRank = STAGE_RANK[from];
    if (fromRank === undefined) {
      violations.push(
        `${rel}: lib folder "${from}" has no rank in test/layering_test.ts`,
      );
      continue;
    }
    const source = await Deno.readTextFile(file);
    for (const spec of importsOf(source)) {
      if (!spec.startsWith(".")) continue;
      const target = relative(ROOT, resolve(dirname(file), spec));
      if (target.startsWith("cli/")) {
        violations.push(`${rel} imports ${target}: lib must not import cli`);
        continue;
      }
      const to = stageOf(target);
      if (to === undefined || to === from) continue;
      const toRank = STAGE_RANK[to];
      if (toRank === undefined) continue;
      if (toRank > fromRank || (toRank === fromRank && toRank !== 0)) {
        violations.push(
          `${rel} (${from}) imports ${target} (${to}): backward or sideways`,
        );
      }
    }
  }
  assertEquals(violations, []);
});

Deno.test("private _x.ts files are imported only from their own folder", async () => {
  const violations: string[] = [];
  for (const top of ["lib", "cli", "test", "bench"]) {
    for await (const file of walk(join(ROOT, top))) {
      const rel = relative(ROOT, file);
      const source = await Deno.readTextFile(file);
      for (const spec of importsOf(source)) {
        if (!spec.startsWith(".")) continue;
        const target = resolve(dirname(file), spec);
        const base = target.split("/").pop() ?? "";
        if (base.startsWith("_") && dirname(target) !== dirname(file)) {
          violations.push(`${rel} imports private ${relative(ROOT, target)}`);
        }
      }
    }
  }
  assertEquals(violations, []);
});

Deno.test("only cli/main.ts and cli/config.ts read Deno.args, Deno.exit or Deno.env", async () => {
  const violations: string[] = [];
  for (const top of ["lib", "cli"]) {
    for await (const file of walk(join(ROOT, top))) {
      const rel = relative(ROOT, file);
      if (isTest(rel)) continue;
      const source = (await Deno.readTextFile(file))
        .split("\n").filter((l) => !/^\s*(\*|\/\/)/.test(l)).join("\n");
      const uses = [
        ["Deno.args", "cli/main.ts"],
        ["Deno.exit", "cli/main.ts"],
        ["Deno.env", "cli/config.ts"],
      ] as const;
      for (const [api, owner] of uses) {
        if (source.includes(api) && rel !== owner) {
          violations.push(`${rel} uses ${api} (only ${owner} may)`);
        }
      }
    }
  }
  assertEquals(violations, []);
});

Deno.test("mod.ts files only re-export", async () => {
  const violations: string[] = [];
  const files = [join(ROOT, "mod.ts")];
  for await (const file of walk(join(ROOT, "lib"))) {
    if (file.endsWith("/mod.ts")) files.push(file);
  }
  for (const file of files) {
    let source: string;
    try {
      source = await Deno.readTextFile(file);
    } catch {
      continue;
    }
    const code = source.replace(/\/\*[\s\S]*?\*\//g, "").replace(
      /\/\/.*$/gm,
      "",
    );
    const statements = code.split(";").map((s) => s.trim()).filter((s) =>
      s !== ""
    );
    for (const s of statements) {
      if (!/^export\s+(type\s+)?\{[\s\S]*\}\s+from\s+["'][^"']+["']$/.test(s)) {
        violations.push(
          `${relative(ROOT, file)}: "${
            s.slice(0, 60)
          }..." is not a named re-export`,
        );
      }
    }
  }
  assertEquals(violations, []);
});
