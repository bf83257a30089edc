import {
  deepStrictEqual as assertEquals,
  rejects as assertRejects,
} from "node:assert/strict";
import { commitTogether, recoverCommit } from "./commit.ts";

async function names(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) out.push(e.name);
  return out.sort();
}

Deno.test("commitTogether() whose second output fails changes nothing and leaves no temp", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kepler-commit-" });
  try {
    await Deno.mkdir(`${dir}/p`);
    await Deno.writeTextFile(`${dir}/p/a.txt`, "old");
    await Deno.writeTextFile(`${dir}/README.md`, "old");
    await assertRejects(
      () =>
        commitTogether(dir, "out", [
          {
            kind: "dir",
            target: `${dir}/p`,
            fill: (tmp) => Deno.writeTextFile(`${tmp}/a.txt`, "new"),
          },
          {
            kind: "file",
            target: `${dir}/README.md`,
            content: () => {
              throw new Error("Cannot write README.md: disk full");
            },
          },
        ]),
      /disk full; nothing was changed$/,
    );
    assertEquals(await Deno.readTextFile(`${dir}/p/a.txt`), "old");
    assertEquals(await Deno.readTextFile(`${dir}/README.md`), "old");
    assertEquals(await names(dir), ["README.md", "p"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("recoverCommit() finishes a commit killed between moving a target aside and renaming its temp in", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kepler-commit-" });
  try {
    // decided (journal), p moved aside as .old, its temp not yet renamed;
    // README.md already replaced
    await Deno.mkdir(`${dir}/.p.0123abcd.old`);
    await Deno.writeTextFile(`${dir}/.p.0123abcd.old/a.txt`, "old");
    await Deno.mkdir(`${dir}/.p.0123abcd.tmp`);
    await Deno.writeTextFile(`${dir}/.p.0123abcd.tmp/a.txt`, "new");
    await Deno.writeTextFile(`${dir}/README.md`, "new");
    await Deno.writeTextFile(`${dir}/.README.md.89abcdef.old`, "old");
    await Deno.writeTextFile(
      `${dir}/.out.journal`,
      JSON.stringify({
        entries: [
          { target: "p", tmp: ".p.0123abcd.tmp", old: ".p.0123abcd.old" },
          {
            target: "README.md",
            tmp: ".README.md.89abcdef.tmp",
            old: ".README.md.89abcdef.old",
          },
        ],
      }),
    );
    const done = await recoverCommit(dir, "out", [dir]);
    assertEquals(done.rolledForward, [`${dir}/p`]);
    assertEquals(await Deno.readTextFile(`${dir}/p/a.txt`), "new");
    assertEquals(await Deno.readTextFile(`${dir}/README.md`), "new");
    assertEquals(await names(dir), ["README.md", "p"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("recoverCommit() without a journal undoes: temps removed, targets as they were", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kepler-commit-" });
  try {
    await Deno.writeTextFile(`${dir}/README.md`, "old");
    await Deno.writeTextFile(`${dir}/.README.md.0123abcd.tmp`, "new");
    await Deno.utime(`${dir}/.README.md.0123abcd.tmp`, 0, 0);
    const done = await recoverCommit(dir, "out", [dir]);
    assertEquals(done.rolledForward, []);
    assertEquals(done.removed, [`${dir}/.README.md.0123abcd.tmp`]);
    assertEquals(await Deno.readTextFile(`${dir}/README.md`), "old");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
