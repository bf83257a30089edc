/**
 * The public API is documented: every symbol reachable from deno.json's
 * `exports` has its `@param`, `@returns`, `@throws`, `@default` and
 * `@example` tags (tools/api_docs.ts), and the checker itself finds each
 * kind of gap in a module written to have them.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { apiDocProblems, exportedEntries } from "../tools/api_docs.ts";
import { ROOT } from "./_cli.ts";

Deno.test("every public symbol of every entry point is fully documented", async () => {
  const problems = await apiDocProblems(await exportedEntries());
  assertEquals(
    problems.map((p) => `${p.where} ${p.symbol}: ${p.missing}`),
    [],
  );
});

Deno.test("the doc checker finds each missing tag", async () => {
  const dir = await Deno.makeTempDir({ dir: ROOT, prefix: ".apidocs-" });
  try {
    await Deno.writeTextFile(
      `${dir}/gaps.ts`,
      `/** @module */
/** Options of f. */
export interface FOptions {
  /**
   * Documented, with a default.
   * @default {1}
   */
  a?: number;
  /** No default tag. */
  b?: number;
  c?: string;
}
/** Adds. */
export function f(x: number, { a }: FOptions = {}): number {
  if (x < 0) throw new RangeError("negative");
  return x + (a ?? 1);
}
/**
 * Complete.
 *
 * @param x A number.
 * @returns Its double.
 * @example
 * \`\`\`ts
 * g(1);
 * \`\`\`
 */
export function g(x: number): number {
  return 2 * x;
}
/**
 * Waits; a promise of nothing needs no @returns.
 *
 * @example
 * \`\`\`ts
 * await h();
 * \`\`\`
 */
export async function h(): Promise<void> {}
export class K {
  /** A field. */
  n = 1;
  m(): void {}
}
`,
    );
    const problems = await apiDocProblems([`${dir}/gaps.ts`]);
    assertEquals(
      problems.map((p) => `${p.symbol}: ${p.missing}`).sort(),
      [
        "FOptions: @default of b",
        "FOptions: @default of c",
        "FOptions: description of c",
        "K: @example",
        "K: description",
        "K: description of m",
        "f: @example",
        "f: @param for a destructured parameter",
        "f: @param x",
        "f: @returns",
        "f: @throws",
      ],
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
