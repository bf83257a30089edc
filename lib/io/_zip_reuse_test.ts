/**
 * Reusing the deflated bytes of archives inside a folder being zipped
 * (./_zip_reuse.ts): the archive is the one a fresh deflate gives when the
 * inner archive was made by our writer; bytes deflated at another level are
 * taken as they are (which shows they were reused); and an entry that only
 * claims a file's CRC and size is never taken. Python's `zipfile` reads the
 * results in zip_test.ts's way: here our own reader checks each CRC.
 *
 * @module
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { crc32 } from "node:zlib";
import { readZipDirectory } from "./_zip_directory.ts";
import { concatPieces, ZipWriter } from "./_zip_writer.ts";
import { collectDir, unzipEntries, zipDirToFile, zipEntries } from "./zip.ts";

const text = (s: string) => new TextEncoder().encode(s);

/** A model-like JSON text: numbers, repetitive enough to deflate well. */
function modelJson(seed: number): string {
  const v = Array.from({ length: 800 }, (_, i) => Math.sin(seed + i) * 1e4);
  return JSON.stringify({ kind: "gbdt", threshold: v }) + "\n";
}

/** A folder laid out as a pipeline group: Model/, Model.zip, checkpoint/ (in name order, as a pipeline has them: capitals first). */
async function groupFolder(
  innerZip: (files: Record<string, Uint8Array>) => Uint8Array,
) {
  const dir = await Deno.makeTempDir();
  const files = {
    "core.json": text(modelJson(1)),
    "metadata.json": text("{}\n"),
  };
  await Deno.mkdir(`${dir}/Model`);
  await Deno.mkdir(`${dir}/checkpoint`);
  for (const [name, bytes] of Object.entries(files)) {
    await Deno.writeFile(`${dir}/Model/${name}`, bytes);
  }
  await Deno.writeFile(
    `${dir}/checkpoint/Model_core_0.json`,
    files["core.json"],
  );
  await Deno.writeFile(`${dir}/Model.zip`, innerZip(files));
  return dir;
}

function entrySizes(zip: Uint8Array): Record<string, number> {
  return Object.fromEntries(
    readZipDirectory(zip).map((e) => [e.name, e.compressedSize]),
  );
}

Deno.test("zipDirToFile() reusing our own model zip gives the bytes of a fresh deflate", async () => {
  const dir = await groupFolder((files) => zipEntries(files));
  await zipDirToFile(dir, `${dir}.out.zip`);
  const got = await Deno.readFile(`${dir}.out.zip`);
  // zipEntries deflates every entry afresh: no reuse
  assertEquals(got, zipEntries(await collectDir(dir)));
  await Deno.remove(`${dir}.out.zip`);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("zipDirToFile() takes an inner archive's deflated bytes for the model file and its checkpoint", async () => {
  // deflated at level 9: the taken bytes differ from a fresh level-3 deflate
  const level9 = (files: Record<string, Uint8Array>) => {
    const w = new ZipWriter(9);
    const pieces = Object.keys(files).sort().flatMap((n) =>
      w.add(n, files[n]!)
    );
    return concatPieces([...pieces, w.finish()]);
  };
  const dir = await groupFolder(level9);
  const zipPath = `${dir}.out.zip`;
  await zipDirToFile(dir, zipPath);
  const got = await Deno.readFile(zipPath);
  const inner = entrySizes(await Deno.readFile(`${dir}/Model.zip`));
  const fresh = entrySizes(zipEntries(await collectDir(dir)));
  const sizes = entrySizes(got);
  assertEquals(inner["core.json"] !== fresh["Model/core.json"], true);
  assertEquals(sizes["Model/core.json"], inner["core.json"]);
  assertEquals(sizes["checkpoint/Model_core_0.json"], inner["core.json"]);
  // and every entry still reads back as the folder's file, CRC checked
  assertEquals(unzipEntries(got), await collectDir(dir));
  await Deno.remove(zipPath);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("zipDirToFile() never takes an entry that only claims the file's CRC and size", async () => {
  const real = text(modelJson(1));
  // an inner archive whose core.json is other bytes of the same length,
  // its directory and local header patched to claim the real file's CRC-32
  const forged = (files: Record<string, Uint8Array>) => {
    const other = text(modelJson(2).slice(0, real.length).padEnd(real.length));
    const zip = zipEntries({ ...files, "core.json": other });
    const view = new DataView(zip.buffer);
    const want = crc32(real) >>> 0;
    const have = crc32(other) >>> 0;
    for (let at = 0; at + 4 <= zip.length; at++) {
      if (view.getUint32(at, true) === have) view.setUint32(at, want, true);
    }
    const e = readZipDirectory(zip).find((x) => x.name === "core.json")!;
    assertEquals([e.crc, e.size], [want, real.length]);
    return zip;
  };
  const dir = await groupFolder(forged);
  const zipPath = `${dir}.out.zip`;
  await zipDirToFile(dir, zipPath);
  const got = await Deno.readFile(zipPath);
  // Model.zip is stored as it is; every other entry is deflated afresh
  assertEquals(got, zipEntries(await collectDir(dir)));
  await Deno.remove(zipPath);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("zipDirToFile() uses the known bytes of files instead of reading them", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/a.json`, "on disk");
  await Deno.writeTextFile(`${dir}/b.json`, "b");
  const known = new Map([["a.json", text("known")]]);
  await zipDirToFile(dir, `${dir}.zip`, { known });
  const got = unzipEntries(await Deno.readFile(`${dir}.zip`));
  assertEquals(new TextDecoder().decode(got["a.json"]), "known");
  assertEquals(new TextDecoder().decode(got["b.json"]), "b");
  await Deno.remove(`${dir}.zip`);
  await Deno.remove(dir, { recursive: true });
});
