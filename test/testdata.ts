/**
 * The one way tests reach their data files: paths under `test/testdata/`,
 * which the repository carries (see `test/testdata/README.md`), so the suite
 * needs nothing beside the clone. Large files are stored gzipped
 * (`<name>.gz`); {@linkcode testdata} hands out a plain copy of them.
 *
 * @module
 */
import { gunzipSync } from "node:zlib";
import { dirname, join } from "node:path";

/** The folder of the test data files. */
export const TESTDATA: string = join(
  dirname(new URL(import.meta.url).pathname),
  "testdata",
);

const plain = new Map<string, string>();
let tempRoot: string | undefined;

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/**
 * The path of `rel` (a file or folder under `test/testdata/`). A file stored
 * gzipped as `<rel>.gz` is decompressed once per process into a temp folder
 * (same relative path, so the same base name), removed at unload.
 *
 * @param rel Path relative to `test/testdata/`, `/`-separated.
 * @returns An absolute path that exists.
 * @throws {Deno.errors.NotFound} When neither `rel` nor `rel.gz` exists.
 *
 * @example
 * ```ts
 * import { ok as assert } from "node:assert/strict";
 * import { testdata } from "./testdata.ts";
 * const idle = testdata(
 *   "kepler-model-server/upstream-head/tests/data/prom_output/idle.json",
 * );
 * assert(idle.endsWith("/idle.json"));
 * assert(Deno.readTextFileSync(idle).startsWith("{"));
 * ```
 */
export function testdata(rel: string): string {
  const path = join(TESTDATA, rel);
  if (exists(path)) return path;
  const cached = plain.get(rel);
  if (cached !== undefined) return cached;
  if (!exists(`${path}.gz`)) {
    throw new Deno.errors.NotFound(
      `Cannot find test data ${rel}: neither ${path} nor ${path}.gz exists`,
    );
  }
  if (tempRoot === undefined) {
    const root = Deno.makeTempDirSync({ prefix: "kepler-testdata-" });
    tempRoot = root;
    globalThis.addEventListener("unload", () => {
      try {
        Deno.removeSync(root, { recursive: true });
      } catch { /* already gone */ }
    });
  }
  const out = join(tempRoot, rel);
  Deno.mkdirSync(dirname(out), { recursive: true });
  Deno.writeFileSync(out, gunzipSync(Deno.readFileSync(`${path}.gz`)));
  plain.set(rel, out);
  return out;
}
