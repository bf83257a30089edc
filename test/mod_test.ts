/**
 * The root mod.ts re-exports every value that lib/types.ts, lib/layout.ts
 * and each lib/<stage>/mod.ts export (regenerate with tools/gen_mod.ts).
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import * as root from "../mod.ts";
import { ROOT } from "./_cli.ts";

Deno.test("mod.ts re-exports every public value of lib/", async () => {
  const missing: string[] = [];
  const paths = ["lib/types.ts", "lib/layout.ts"];
  for await (const e of Deno.readDir(`${ROOT}/lib`)) {
    if (e.isDirectory) {
      try {
        await Deno.stat(`${ROOT}/lib/${e.name}/mod.ts`);
        paths.push(`lib/${e.name}/mod.ts`);
      } catch { /* a folder without a public API yet */ }
    }
  }
  const owner = new Map<string, string>();
  const clashes: string[] = [];
  for (const path of paths) {
    const mod = await import(`${ROOT}/${path}`);
    for (const name of Object.keys(mod)) {
      if (!(name in root)) missing.push(`${path}: ${name}`);
      // The same name from two modules: the root would re-export only one.
      const first = owner.get(name);
      if (
        first !== undefined &&
        mod[name] !== (root as Record<string, unknown>)[name]
      ) {
        clashes.push(`${name}: ${first} and ${path}`);
      }
      owner.set(name, first ?? path);
    }
  }
  assertEquals(missing, []);
  assertEquals(clashes, []);
});

Deno.test("no two lib/*/mod.ts export a type of the same name (the root could re-export only one)", async () => {
  const owner = new Map<string, string>();
  const clashes: string[] = [];
  for await (const e of Deno.readDir(`${ROOT}/lib`)) {
    if (!e.isDirectory) continue;
    let text: string;
    try {
      text = await Deno.readTextFile(`${ROOT}/lib/${e.name}/mod.ts`);
    } catch {
      continue;
    }
    for (const block of text.matchAll(/export type \{([^}]*)\}/g)) {
      for (const raw of block[1]!.split(",")) {
        const name = raw.trim().split(/\s+as\s+/).pop()!;
        if (name === "") continue;
        const first = owner.get(name);
        if (first !== undefined && first !== e.name) {
          clashes.push(`${name}: lib/${first} and lib/${e.name}`);
        }
        owner.set(name, first ?? e.name);
      }
    }
  }
  // the test can see a type: every stage has some
  assertEquals(
    owner.has("ModelServerOptions") && owner.has("QueryResult"),
    true,
  );
  assertEquals(clashes, []);
});
