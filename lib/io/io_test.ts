import {
  deepStrictEqual as assertEquals,
  ok as assert,
  rejects as assertRejects,
  throws as assertThrows,
} from "node:assert/strict";
import { linkFileAtomic, replaceDirAtomic, writeFileAtomic } from "./atomic.ts";
import {
  csvPieces,
  formatCsv,
  formatCsvRow,
  parseCsv,
  readCsvFile,
  writeCsvFile,
} from "./csv.ts";
import { readJsonFile, writeJsonFile } from "./json.ts";
import {
  collectDir,
  readZipFile,
  safeEntryPath,
  unzipEntries,
  unzipToDir,
  zipDirToFile,
  zipEntries,
} from "./zip.ts";

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "kepler-io-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function listNames(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) out.push(e.name);
  return out.sort();
}

Deno.test("writeFileAtomic() leaves no temp file and replaces the old content", async () => {
  await withTempDir(async (dir) => {
    await writeFileAtomic(`${dir}/f.txt`, "old");
    await writeFileAtomic(`${dir}/f.txt`, new TextEncoder().encode("new"));
    assertEquals(await Deno.readTextFile(`${dir}/f.txt`), "new");
    assertEquals(await listNames(dir), ["f.txt"]);
  });
});

Deno.test("writeFileAtomic() keeps the old file when the write fails", async () => {
  await withTempDir(async (dir) => {
    await writeFileAtomic(`${dir}/f.txt`, "old");
    // A path whose parent is a file cannot be written.
    await assertRejects(
      () => writeFileAtomic(`${dir}/f.txt/child`, "x"),
      /Cannot write .*f\.txt\/child/,
    );
    assertEquals(await Deno.readTextFile(`${dir}/f.txt`), "old");
    assertEquals(await listNames(dir), ["f.txt"]);
  });
});

Deno.test("writeFileAtomic() writes pieces in order (strings, bytes, pieces larger than its buffer; sync and async), byte-equal to the joined content", async () => {
  await withTempDir(async (dir) => {
    const big = "é".repeat(700_000); // 1.4 MB of UTF-8: more than one flush
    const bytes = new Uint8Array(3_000_000).map((_, i) => 97 + (i % 26));
    function* pieces() {
      yield "start ";
      yield big;
      yield bytes;
      yield new Uint8Array([10]);
      for (let i = 0; i < 1000; i++) yield `${i},`;
    }
    async function* asyncPieces() {
      for (const piece of pieces()) yield piece;
    }
    const want = new TextEncoder().encode(
      "start " + big + new TextDecoder().decode(bytes) + "\n" +
        Array.from({ length: 1000 }, (_, i) => `${i},`).join(""),
    );
    // synchronous content is written with synchronous calls, the rest not
    for (const content of [pieces(), asyncPieces()]) {
      await Deno.remove(`${dir}/p.txt`).catch(() => {});
      await writeFileAtomic(`${dir}/p.txt`, content);
      assertEquals(await Deno.readFile(`${dir}/p.txt`), want);
      assertEquals(await listNames(dir), ["p.txt"]);
    }
  });
});

Deno.test("writeFileAtomic() keeps the old file and no temp file when the pieces fail midway", async () => {
  await withTempDir(async (dir) => {
    await writeFileAtomic(`${dir}/f.txt`, "old");
    function* failing() {
      yield "x".repeat(2_000_000); // flushed to the temp file already
      throw new RangeError("the source broke");
    }
    async function* failingAsync() {
      yield* failing();
    }
    for (const content of [failing, failingAsync]) {
      await assertRejects(
        () => writeFileAtomic(`${dir}/f.txt`, content()),
        /the source broke/,
      );
      assertEquals(await Deno.readTextFile(`${dir}/f.txt`), "old");
      assertEquals(await listNames(dir), ["f.txt"]);
    }
  });
});

Deno.test("writeFileAtomic() names the file when the folder is read-only", async () => {
  if (Deno.uid() === 0) return; // root ignores file modes; covered by the CLI test.
  await withTempDir(async (dir) => {
    await Deno.mkdir(`${dir}/ro`, { mode: 0o555 });
    await assertRejects(
      () => writeFileAtomic(`${dir}/ro/x`, "x"),
      /Cannot write .*ro\/x: permission denied/,
    );
  });
});

Deno.test("linkFileAtomic() replaces a hard-linked file without writing through to its other name", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/model.json`, "new");
    // a generation copy: checkpoint.json hard-linked to the published one
    await Deno.writeTextFile(`${dir}/published.json`, "old");
    await Deno.link(`${dir}/published.json`, `${dir}/checkpoint.json`);
    await linkFileAtomic(`${dir}/model.json`, `${dir}/checkpoint.json`, "new");
    assertEquals(await Deno.readTextFile(`${dir}/checkpoint.json`), "new");
    assertEquals(await Deno.readTextFile(`${dir}/published.json`), "old");
    assertEquals((await Deno.stat(`${dir}/model.json`)).nlink, 2);
    assertEquals(
      [...Deno.readDirSync(dir)].map((e) => e.name).sort(),
      ["checkpoint.json", "model.json", "published.json"],
    );
    // no file to link: the content is written instead, atomically
    await linkFileAtomic(`${dir}/missing.json`, `${dir}/copy.json`, "text");
    assertEquals(await Deno.readTextFile(`${dir}/copy.json`), "text");
  });
});

Deno.test("replaceDirAtomic() keeps the old folder when filling fails", async () => {
  await withTempDir(async (dir) => {
    await replaceDirAtomic(
      `${dir}/p`,
      (tmp) => Deno.writeTextFile(`${tmp}/a`, "1"),
    );
    await assertRejects(
      () =>
        replaceDirAtomic(`${dir}/p`, async (tmp) => {
          await Deno.writeTextFile(`${tmp}/b`, "2");
          throw new Error("boom");
        }),
      /boom/,
    );
    assertEquals(await listNames(`${dir}/p`), ["a"]);
    assertEquals(await listNames(dir), ["p"]);
  });
});

Deno.test("readJsonFile() names the file on bad JSON and on a missing file", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/bad.json`, "{nope");
    await assertRejects(() => readJsonFile(`${dir}/bad.json`), SyntaxError);
    await assertRejects(
      () => readJsonFile(`${dir}/bad.json`),
      /bad\.json as JSON/,
    );
    await assertRejects(
      () => readJsonFile(`${dir}/none.json`),
      /Cannot read .*none\.json: file not found/,
    );
    await writeJsonFile(`${dir}/ok.json`, { a: [1, 2] });
    assertEquals(await readJsonFile(`${dir}/ok.json`), { a: [1, 2] });
  });
});

Deno.test("CSV round-trips quotes, commas, newlines and empty cells", async () => {
  await withTempDir(async (dir) => {
    const rows = [["a,b", 'say "hi"', "line1\nline2", null], [
      1.5,
      -0,
      1e-7,
      true,
    ]];
    await writeCsvFile(`${dir}/t.csv`, ["", "x", "y", "z"], rows);
    const table = await readCsvFile(`${dir}/t.csv`);
    assertEquals(table.header, ["", "x", "y", "z"]);
    assertEquals(table.rows, [["a,b", 'say "hi"', "line1\nline2", ""], [
      "1.5",
      "0",
      "1e-7",
      "true",
    ]]);
  });
});

Deno.test("csvPieces() and formatCsvRow() give formatCsv()'s text, over many pieces", () => {
  const cells = ["", "a,b", 'q"', "x\ny", "\r", " s ", null, 7, -0, 1e21, true];
  const rows = Array.from(
    { length: 10_000 },
    (_, i) => [i, cells[i % cells.length]!, cells[(i * 7) % cells.length]!],
  );
  const header = ["", "a,b", "c"];
  const whole = formatCsv(header, rows);
  const pieces = [...csvPieces(header, rows)];
  assert(pieces.length > 2, `only ${pieces.length} pieces`);
  assertEquals(pieces.join(""), whole);
  assertEquals(
    [header, ...rows].map((r) => formatCsvRow(r) + "\n").join(""),
    whole,
  );
});

Deno.test("parseCsv() rejects ragged rows with the source name", () => {
  assertThrows(
    () => parseCsv("a,b\n1\n", "t.csv"),
    /Cannot parse t\.csv as CSV/,
  );
  assertThrows(() => parseCsv("", "e.csv"), /no header row/);
  assertEquals(formatCsv(["a"], []), "a\n");
});

Deno.test("zipEntries() is deterministic and round-trips through unzip", () => {
  const entries = {
    "b/x.json": new TextEncoder().encode("{}"),
    "a.txt": new Uint8Array([1, 2, 3]),
  };
  const z1 = zipEntries(entries);
  const z2 = zipEntries({
    "a.txt": new Uint8Array([1, 2, 3]),
    "b/x.json": new TextEncoder().encode("{}"),
  });
  assertEquals(z1, z2);
  assertEquals(unzipEntries(z1), entries);
});

Deno.test("unzipEntries() reports a corrupt archive", () => {
  assertThrows(
    () => unzipEntries(new Uint8Array([1, 2, 3, 4]), "m.zip"),
    /Cannot read m\.zip: not a valid zip/,
  );
});

Deno.test("safeEntryPath() refuses entries that escape the folder", () => {
  assertThrows(() => safeEntryPath("/d", "../etc/passwd"), RangeError);
  assertThrows(() => safeEntryPath("/d", "/etc/passwd"), RangeError);
  assertThrows(() => safeEntryPath("/d", "a/../../x"), RangeError);
  assertEquals(safeEntryPath("/d", "a/./b.json"), "/d/a/b.json");
});

Deno.test("zipDirToFile() and unzipToDir() restore a folder tree", async () => {
  await withTempDir(async (dir) => {
    await Deno.mkdir(`${dir}/src/sub`, { recursive: true });
    await Deno.writeTextFile(`${dir}/src/a.json`, "A");
    await Deno.writeTextFile(`${dir}/src/sub/b.json`, "B");
    await zipDirToFile(`${dir}/src`, `${dir}/src.zip`);
    const entries = await readZipFile(`${dir}/src.zip`);
    assertEquals(Object.keys(entries).sort(), ["a.json", "sub/b.json"]);
    await unzipToDir(entries, `${dir}/out`);
    assertEquals(
      await collectDir(`${dir}/out`),
      await collectDir(`${dir}/src`),
    );
    await assertRejects(
      () => unzipToDir({ "../evil": new Uint8Array() }, `${dir}/out`),
      RangeError,
    );
    assertEquals(await listNames(dir), ["out", "src", "src.zip"]);
  });
});
