/**
 * FAULTS.md against the tests: every row names a test that exists (file and
 * exact name), and every `fault: …` test in test/faults/ has a row, so the
 * table cannot drift from the suite that runs in CI.
 */
import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

/** One reference from a row: a file and, when quoted, a test name. */
interface Ref {
  row: string;
  file: string;
  name?: string;
}

/** The rows' test cells: `path` "name" pairs (or a bare `path`). */
function tableRefs(markdown: string): Ref[] {
  const refs: Ref[] = [];
  let previous: Ref[] = [];
  for (const line of markdown.split("\n")) {
    if (!line.startsWith("| ") || line.startsWith("| ---")) continue;
    const cells = line.slice(1, -1).split(" | ").map((c) => c.trim());
    const [fault, , test] = cells;
    if (fault === "fault" || test === undefined) continue;
    if (/^same\b/.test(test)) {
      refs.push(...previous.map((r) => ({ ...r, row: fault! })));
      continue;
    }
    const found = [...test.matchAll(/`([\w./-]+\.ts)`(?:\s+"([^"]+)")?/g)]
      .map((m) => ({
        row: fault!,
        file: m[1]!,
        ...(m[2] ? { name: m[2] } : {}),
      }));
    assert(found.length > 0, `row "${fault}" names no test file: ${test}`);
    refs.push(...found);
    previous = found;
  }
  return refs;
}

/** Deno.test names in a source file; template parts become wildcards. */
function testNames(source: string): RegExp[] {
  const names: RegExp[] = [];
  const re = /Deno\.test\(\s*(?:\{\s*name:\s*)?(["`])((?:\\.|(?!\1).)*)\1/gs;
  for (const m of source.matchAll(re)) {
    const text = m[2]!;
    const parts = m[1] === "`" ? text.split(/\$\{[^}]*\}/) : [text];
    const escaped = parts.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
    names.push(new RegExp(`^${escaped.join(".+")}$`));
  }
  return names;
}

async function walk(dir: string): Promise<string[]> {
  const files: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    const full = join(dir, e.name);
    if (e.isDirectory) files.push(...await walk(full));
    else if (e.name.endsWith("_test.ts")) files.push(full);
  }
  return files;
}

Deno.test("every row of FAULTS.md names a file that exists and a test in it by its exact name", async () => {
  const refs = tableRefs(await Deno.readTextFile(join(ROOT, "FAULTS.md")));
  assert(refs.length >= 30, `only ${refs.length} references in FAULTS.md`);
  for (const ref of refs) {
    const source = await Deno.readTextFile(join(ROOT, ref.file)).catch(() => {
      throw new Error(`FAULTS.md row "${ref.row}": no file ${ref.file}`);
    });
    if (ref.name === undefined) continue;
    assert(
      testNames(source).some((re) => re.test(ref.name!)),
      `FAULTS.md row "${ref.row}": ${ref.file} has no test "${ref.name}"`,
    );
  }
});

Deno.test("every fault test in test/faults/ has a row in FAULTS.md", async () => {
  const named = tableRefs(await Deno.readTextFile(join(ROOT, "FAULTS.md")))
    .filter((r) => r.file.startsWith("test/faults/") && r.name !== undefined);
  const missing: string[] = [];
  for (const file of await walk(join(ROOT, "test", "faults"))) {
    const rel = file.slice(ROOT.length + 1);
    for (const re of testNames(await Deno.readTextFile(file))) {
      if (!re.source.startsWith("^fault: ")) continue;
      if (!named.some((r) => r.file === rel && re.test(r.name!))) {
        missing.push(`${rel}: ${re.source}`);
      }
    }
  }
  assertEquals(missing, []);
});

Deno.test("the table check catches a renamed test and a template name", () => {
  const source = [
    'Deno.test("fault: a → b", () => {});',
    "Deno.test(`fault: ${x} (the best) → skipped`, () => {});",
  ].join("\n");
  const names = testNames(source);
  assert(names.some((re) => re.test("fault: a → b")));
  assert(!names.some((re) => re.test("fault: a → c")));
  assert(
    names.some((re) => re.test("fault: truncated zip (the best) → skipped")),
  );
  const refs = tableRefs(
    '| x | y | `t/a_test.ts` "fault: a → b"; `t/b_test.ts` |\n| z | w | same test |\n',
  );
  assertEquals(refs.map((r) => [r.row, r.file, r.name ?? null]), [
    ["x", "t/a_test.ts", "fault: a → b"],
    ["x", "t/b_test.ts", null],
    ["z", "t/a_test.ts", "fault: a → b"],
    ["z", "t/b_test.ts", null],
  ]);
});
