/**
 * The dependency direction of CONVENTIONS.md as a checked fact, on the real
 * module graph (`deno info --json`, every import resolved by Deno, dynamic
 * ones included): a stage imports only earlier stages (and the base
 * modules), `export` and `estimate` never import each other, `_x.ts` files
 * are private to their folder (and its subfolders), `lib/` never imports `cli/`, only
 * `lib/pipeline` builds a pipeline folder's paths (issue 16 item 7), and
 * only `cli/main.ts` and `cli/config.ts` touch `Deno.args`, `Deno.exit`
 * and `Deno.env`.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { dirname, join, relative, resolve } from "node:path";

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), "..");

/** Rank of each lib folder; a folder may import folders of lower rank. */
export const STAGE_RANK: Readonly<Record<string, number>> = {
  io: 0,
  http1: 0,
  numeric: 0,
  "types.ts": 0,
  "layout.ts": 0,
  "default_pipelines.ts": 0,
  vocabulary: 0,
  query: 1,
  simulate: 2,
  extract: 3,
  isolate: 4,
  pipeline: 4.5,
  train: 5,
  plot: 6,
  export: 7,
  estimate: 7,
  s3: 7,
  serve: 8,
  calibrate: 9,
};

/**
 * The path builders of `lib/layout.ts` that address a pipeline folder or
 * what is inside it: whoever imports one reads or writes a pipeline
 * folder, which only `lib/pipeline` may do (issue 16 item 1).
 */
export const PIPELINE_FOLDER_BUILDERS: readonly string[] = [
  "pipelineDir",
  "pipelineZip",
  "PIPELINE_FILES",
  "pipelineFile",
  "modelMetadataCsv",
  "preprocessedDir",
  "preprocessedFile",
  "profileFile",
  "groupDir",
  "MODEL_FILES",
  "modelDir",
  "modelZip",
  "modelDictFile",
  "componentModelFile",
  "modelFile",
  "checkpointDir",
  "checkpointFile",
];

/**
 * Modules outside lib/pipeline that still build pipeline-folder paths,
 * while lib/pipeline takes over the reading and writing (issue 16 items 1
 * and 7). This list only shrinks: the test fails on a module missing from
 * it and on an entry that no longer imports a builder.
 */
export const PIPELINE_FOLDER_ALLOWLIST: Readonly<Record<string, string>> = {
  "lib/isolate/isolate_file.ts":
    "isolate ranks below pipeline (4 < 4.5), so it cannot import lib/pipeline: names the folder of the trained background model",
  "lib/isolate/profile.ts":
    "isolate ranks below pipeline: reads and writes <pipeline>/profile/<source>.json itself",
  "lib/s3/push_plan.ts":
    "copies a pipeline folder and its zip byte for byte to object storage; what the files mean stays lib/pipeline's",
  "lib/s3/s3_load.ts":
    "copies a pipeline folder and its zip byte for byte from object storage, file by file (not as a generation)",
};

/** One module of the graph: its path and the modules it imports. */
export interface GraphModule {
  /** Path relative to the repository root (or an npm:/node: specifier). */
  path: string;
  /** Each import: the specifier as written and the path it resolves to. */
  imports: { specifier: string; path: string }[];
}

function isTest(relPath: string): boolean {
  return relPath.endsWith("_test.ts") || relPath.startsWith("test/");
}

async function* walk(dir: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(dir)) {
    const full = join(dir, entry.name);
    if (entry.isDirectory) {
      if (
        ["node_modules", "dist", ".git", "demo_output", "testdata"].includes(
          entry.name,
        )
      ) continue;
      yield* walk(full);
    } else if (entry.name.endsWith(".ts")) yield full;
  }
}

function toPath(specifier: string): string {
  return specifier.startsWith("file://")
    ? relative(ROOT, new URL(specifier).pathname)
    : specifier;
}

/**
 * The module graph from `deno info --json`, rooted at mod.ts and every
 * `.ts` file under lib/, cli/, bench/, test/ and tools/ (one entry module
 * importing them all, since `deno info` takes one root).
 */
async function moduleGraph(): Promise<GraphModule[]> {
  const roots = [join(ROOT, "mod.ts")];
  for (const top of ["lib", "cli", "bench", "test", "tools"]) {
    for await (const file of walk(join(ROOT, top))) roots.push(file);
  }
  const dir = await Deno.makeTempDir({ prefix: "layering_" });
  try {
    const entry = join(dir, "entry.ts");
    await Deno.writeTextFile(
      entry,
      roots.map((r) => `import "${new URL(`file://${r}`).href}";\n`).join(""),
    );
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["info", "--json", "--config", join(ROOT, "deno.json"), entry],
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!out.success) {
      throw new Error(
        `deno info failed: ${new TextDecoder().decode(out.stderr)}`,
      );
    }
    const graph = JSON.parse(new TextDecoder().decode(out.stdout)) as {
      modules: {
        specifier: string;
        dependencies?: {
          specifier: string;
          code?: { specifier?: string };
          type?: { specifier?: string };
        }[];
      }[];
    };
    return graph.modules
      .filter((m) => m.specifier.startsWith(`file://${ROOT}/`))
      .map((m) => ({
        path: toPath(m.specifier),
        imports: (m.dependencies ?? []).flatMap((d) => {
          const to = d.code?.specifier ?? d.type?.specifier;
          return to === undefined
            ? []
            : [{ specifier: d.specifier, path: toPath(to) }];
        }),
      }));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

let graphPromise: Promise<GraphModule[]> | undefined;
function graph(): Promise<GraphModule[]> {
  return graphPromise ??= moduleGraph();
}

/** The lib folder (or base file) a path under lib/ belongs to. */
function stageOf(relPath: string): string | undefined {
  const parts = relPath.split("/");
  return parts[0] === "lib" ? parts[1] : undefined;
}

/** Backward, sideways and lib → cli imports between lib stages. */
export function stageViolations(modules: readonly GraphModule[]): string[] {
  const violations: string[] = [];
  for (const m of modules) {
    if (isTest(m.path)) continue;
    const from = stageOf(m.path);
    if (from === undefined) continue;
    const fromRank = STAGE_RANK[from];
    if (fromRank === undefined) {
      violations.push(
        `${m.path}: lib folder "${from}" has no rank in test/layering_test.ts`,
      );
      continue;
    }
    for (const { path: target } of m.imports) {
      if (target.startsWith("cli/")) {
        violations.push(`${m.path} imports ${target}: lib must not import cli`);
        continue;
      }
      const to = stageOf(target);
      if (to === undefined || to === from) continue;
      const toRank = STAGE_RANK[to];
      if (toRank === undefined) continue;
      if (toRank > fromRank || (toRank === fromRank && toRank !== 0)) {
        violations.push(
          `${m.path} (${from}) imports ${target} (${to}): backward or sideways`,
        );
      }
    }
  }
  return violations.sort();
}

/**
 * Imports of a `_x.ts` file from outside its folder (its subfolders, such
 * as `test/faults/` for `test/_cli.ts`, are inside).
 */
export function privateViolations(modules: readonly GraphModule[]): string[] {
  const violations: string[] = [];
  for (const m of modules) {
    for (const { path: target } of m.imports) {
      const base = target.split("/").pop() ?? "";
      const home = dirname(target);
      const from = dirname(m.path);
      if (
        base.startsWith("_") && from !== home && !from.startsWith(`${home}/`)
      ) {
        violations.push(`${m.path} imports private ${target}`);
      }
    }
  }
  return violations.sort();
}

/** The names a module imports or re-exports from each specifier. */
const importedNames: Deno.lint.Plugin = {
  name: "layering",
  rules: {
    "imported-names": {
      create(context) {
        const report = (node: Deno.lint.Node, source: string, name: string) =>
          context.report({ node, message: `${source}\t${name}` });
        return {
          ImportDeclaration(node) {
            if (node.importKind === "type") return;
            for (const s of node.specifiers) {
              if (s.type === "ImportSpecifier") {
                if (s.importKind === "type") continue;
                const name = s.imported.type === "Identifier"
                  ? s.imported.name
                  : String(s.imported.value);
                report(node, node.source.value, name);
              } else report(node, node.source.value, "*");
            }
          },
          ExportNamedDeclaration(node) {
            if (!node.source || node.exportKind === "type") return;
            for (const s of node.specifiers) {
              if (s.exportKind === "type") continue;
              const name = s.local.type === "Identifier"
                ? s.local.name
                : String(s.local.value);
              report(node, node.source.value, name);
            }
          },
          ExportAllDeclaration(node) {
            report(node, node.source.value, "*");
          },
          ImportExpression(node) {
            if (node.source.type === "Literal") {
              report(node, String(node.source.value), "*");
            }
          },
        };
      },
    },
  },
};

/** The value names `m` takes from `lib/layout.ts`, by the graph's resolution. */
async function layoutNames(m: GraphModule): Promise<string[]> {
  const layout = new Set(
    m.imports.filter((i) => i.path === "lib/layout.ts").map((i) => i.specifier),
  );
  if (layout.size === 0) return [];
  const file = join(ROOT, m.path);
  const source = await Deno.readTextFile(file);
  return Deno.lint.runPlugin(importedNames, file, source).flatMap((d) => {
    const [spec, name] = d.message.split("\t") as [string, string];
    return layout.has(spec) ? [name] : [];
  });
}

/**
 * Non-test modules outside lib/pipeline that import a pipeline-folder path
 * builder (`*` counts as all of them), with the builders they import. The
 * root mod.ts is generated and only re-exports the public API.
 */
export async function pipelineFolderUsers(
  modules: readonly GraphModule[],
  namesOf: (m: GraphModule) => Promise<string[]> = layoutNames,
): Promise<Record<string, string[]>> {
  const users: Record<string, string[]> = {};
  for (const m of modules) {
    if (isTest(m.path) || m.path === "mod.ts") continue;
    if (m.path.startsWith("lib/pipeline/")) continue;
    const names = (await namesOf(m)).filter((n) =>
      n === "*" || PIPELINE_FOLDER_BUILDERS.includes(n)
    );
    if (names.length > 0) users[m.path] = [...new Set(names)].sort();
  }
  return users;
}

/** Users missing from the allowlist, and allowlist entries no longer users. */
export function pipelineFolderViolations(
  users: Readonly<Record<string, string[]>>,
  allowlist: Readonly<Record<string, string>> = PIPELINE_FOLDER_ALLOWLIST,
): string[] {
  const violations: string[] = [];
  for (const [path, names] of Object.entries(users)) {
    if (!(path in allowlist)) {
      violations.push(
        `${path} builds pipeline-folder paths (${
          names.join(", ")
        }): only lib/pipeline may read or write a pipeline folder`,
      );
    }
  }
  for (const path of Object.keys(allowlist)) {
    if (!(path in users)) {
      violations.push(
        `${path} no longer builds pipeline-folder paths: remove it from PIPELINE_FOLDER_ALLOWLIST`,
      );
    }
  }
  return violations.sort();
}

Deno.test("lib/ stages import only earlier stages", async () => {
  assertEquals(stageViolations(await graph()), []);
});

Deno.test("private _x.ts files are imported only from their own folder and its subfolders", async () => {
  assertEquals(privateViolations(await graph()), []);
});

Deno.test("only lib/pipeline builds the paths of a pipeline folder", async () => {
  const users = await pipelineFolderUsers(await graph());
  assertEquals(pipelineFolderViolations(users), []);
});

Deno.test("the module graph covers every lib, cli, bench and tools module", async () => {
  const paths = new Set((await graph()).map((m) => m.path));
  const missing: string[] = [];
  for (const top of ["lib", "cli", "bench", "tools"]) {
    for await (const file of walk(join(ROOT, top))) {
      const rel = relative(ROOT, file);
      if (!paths.has(rel)) missing.push(rel);
    }
  }
  assertEquals(missing, []);
});

Deno.test("the layering rules fail on a fake graph that breaks them", async () => {
  const fake: GraphModule[] = [
    {
      path: "lib/query/q.ts",
      imports: [{ specifier: "../train/t.ts", path: "lib/train/t.ts" }],
    },
    {
      path: "lib/export/x.ts",
      imports: [
        { specifier: "../estimate/e.ts", path: "lib/estimate/e.ts" },
        { specifier: "../../cli/config.ts", path: "cli/config.ts" },
      ],
    },
    {
      path: "lib/train/t.ts",
      imports: [
        { specifier: "../extract/_power.ts", path: "lib/extract/_power.ts" },
        { specifier: "../layout.ts", path: "lib/layout.ts" },
      ],
    },
    {
      path: "lib/pipeline/p.ts",
      imports: [{ specifier: "../layout.ts", path: "lib/layout.ts" }],
    },
    {
      path: "test/faults/f_test.ts",
      imports: [{ specifier: "../_cli.ts", path: "test/_cli.ts" }],
    },
    {
      path: "lib/train/u.ts",
      imports: [
        {
          specifier: "./trainers/_forest.ts",
          path: "lib/train/trainers/_forest.ts",
        },
      ],
    },
    {
      path: "lib/serve/s.ts",
      imports: [{ specifier: "../layout.ts", path: "lib/layout.ts" }],
    },
    {
      path: "lib/query/q_test.ts",
      imports: [{ specifier: "../serve/s.ts", path: "lib/serve/s.ts" }],
    },
  ];
  assertEquals(stageViolations(fake), [
    "lib/export/x.ts (export) imports lib/estimate/e.ts (estimate): backward or sideways",
    "lib/export/x.ts imports cli/config.ts: lib must not import cli",
    "lib/query/q.ts (query) imports lib/train/t.ts (train): backward or sideways",
  ]);
  assertEquals(privateViolations(fake), [
    "lib/train/t.ts imports private lib/extract/_power.ts",
    "lib/train/u.ts imports private lib/train/trainers/_forest.ts",
  ]);
  const names: Record<string, string[]> = {
    "lib/train/t.ts": ["groupDir", "modelName"],
    "lib/pipeline/p.ts": ["pipelineDir"],
    "lib/serve/s.ts": ["queryFile"],
  };
  const users = await pipelineFolderUsers(
    fake,
    (m) => Promise.resolve(names[m.path] ?? []),
  );
  assertEquals(users, { "lib/train/t.ts": ["groupDir"] });
  assertEquals(pipelineFolderViolations(users, { "lib/serve/s.ts": "" }), [
    "lib/serve/s.ts no longer builds pipeline-folder paths: remove it from PIPELINE_FOLDER_ALLOWLIST",
    "lib/train/t.ts builds pipeline-folder paths (groupDir): only lib/pipeline may read or write a pipeline folder",
  ]);
});

Deno.test("imported names are read from the source's syntax, resolved by the graph", async () => {
  const dir = await Deno.makeTempDir({ prefix: "layering_names_" });
  try {
    const file = join(dir, "a.ts");
    await Deno.writeTextFile(
      file,
      [
        'import { groupDir, modelName as n } from "../layout.ts";',
        'import type { PreprocessedKey } from "../layout.ts";',
        'import { type MODEL_FILES, queryFile } from "../layout.ts";',
        'export { modelZip } from "../layout.ts";',
        'import * as other from "./other.ts";',
        "",
      ].join("\n"),
    );
    const m: GraphModule = {
      path: relative(ROOT, file),
      imports: [
        { specifier: "../layout.ts", path: "lib/layout.ts" },
        { specifier: "./other.ts", path: "lib/x/other.ts" },
      ],
    };
    assertEquals((await layoutNames(m)).sort(), [
      "groupDir",
      "modelName",
      "modelZip",
      "queryFile",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
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
