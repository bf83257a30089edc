/**
 * The public API's shape: deno.json's `exports` has the root and one subpath
 * per stage (plus `./types`), the root `mod.ts` holds a few entry points
 * that are each the very value a subpath exports, and no two subpaths give
 * one name two meanings.
 */
import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import * as root from "../mod.ts";
import { ROOT } from "./_cli.ts";

const STAGES = [
  "query",
  "extract",
  "isolate",
  "train",
  "pipeline",
  "estimate",
  "export",
  "serve",
  "calibrate",
  "simulate",
  "plot",
];

async function exportsMap(): Promise<Record<string, string>> {
  const config = JSON.parse(await Deno.readTextFile(`${ROOT}/deno.json`));
  return config.exports;
}

Deno.test("deno.json exports the root, ./types and one subpath per stage", async () => {
  const map = await exportsMap();
  const expected: Record<string, string> = {
    ".": "./mod.ts",
    "./types": "./lib/types.ts",
  };
  for (const s of STAGES) expected[`./${s}`] = `./lib/${s}/mod.ts`;
  assertEquals(map, expected);
  for (const path of Object.values(map)) {
    assert((await Deno.stat(`${ROOT}/${path}`)).isFile, path);
  }
});

Deno.test("the root mod.ts is a few entry points, each a subpath's own value", async () => {
  const map = await exportsMap();
  const owner = new Map<string, string>();
  const values = new Map<string, unknown>();
  const clashes: string[] = [];
  for (const [subpath, path] of Object.entries(map)) {
    if (subpath === ".") continue;
    const mod = await import(`${ROOT}/${path}`);
    assert(Object.keys(mod).length > 0, `${subpath} exports no value`);
    for (const [name, value] of Object.entries(mod)) {
      const first = owner.get(name);
      if (first !== undefined && values.get(name) !== value) {
        clashes.push(`${name}: ${first} and ${subpath}`);
      }
      owner.set(name, first ?? subpath);
      values.set(name, value);
    }
  }
  assertEquals(clashes, []);
  const names = Object.keys(root);
  // "About 30": enough to run every stage from a notebook, few enough to read.
  assert(names.length >= 20 && names.length <= 40, `${names.length} names`);
  const foreign = names.filter((n) =>
    (root as Record<string, unknown>)[n] !== values.get(n)
  );
  assertEquals(foreign, [], "root names that no subpath exports");
  // Every stage has at least one entry point at the root.
  const stagesAtRoot = new Set(names.map((n) => owner.get(n)));
  for (const s of STAGES.filter((s) => s !== "pipeline")) {
    assert(stagesAtRoot.has(`./${s}`), `no root entry point from ./${s}`);
  }
});

Deno.test("a module outside lib imports a subpath by the package's name", async () => {
  const dir = await Deno.makeTempDir({ dir: ROOT, prefix: ".subpath-" });
  try {
    const file = `${dir}/use.ts`;
    await Deno.writeTextFile(
      file,
      'import { trainPipeline } from "@kepler/model/train";\n' +
        'import { readPipeline } from "@kepler/model/pipeline";\n' +
        'import type { FeatureGroup } from "@kepler/model/types";\n' +
        'const g: FeatureGroup = "BPFOnly";\n' +
        "console.log(typeof trainPipeline, typeof readPipeline, g);\n",
    );
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--no-prompt", "-R", file],
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assertEquals(out.code, 0, stderr);
    assertEquals(
      new TextDecoder().decode(out.stdout).trim(),
      "function function BPFOnly",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
