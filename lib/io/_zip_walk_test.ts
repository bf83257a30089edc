/**
 * Reading a zipped folder's files (./_zip_walk.ts): bytes as on disk
 * through the reused buffer, a hard link met again answered with the entry
 * written for it (a copy where the entry is the buffer itself), and the
 * archive of a folder with hard links the same bytes as a fresh one.
 *
 * @module
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { WalkReader, type WrittenEntry } from "./_zip_walk.ts";
import { collectDir, zipDirToFile, zipEntries } from "./zip.ts";

const text = (s: string) => new TextEncoder().encode(s);

Deno.test("WalkReader reads files of any size through one buffer", async () => {
  const dir = await Deno.makeTempDir();
  const big = new Uint8Array(300_000).map((_, i) => (i * 7) % 251);
  await Deno.writeFile(`${dir}/big`, big);
  await Deno.writeFile(`${dir}/small`, text("abc"));
  await Deno.writeFile(`${dir}/empty`, new Uint8Array(0));
  const reader = new WalkReader();
  assertEquals(reader.read(`${dir}/small`).data, text("abc"));
  assertEquals(reader.read(`${dir}/big`).data, big);
  assertEquals(reader.read(`${dir}/empty`).data, new Uint8Array(0));
  assertEquals(reader.read(`${dir}/small`).link, undefined);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("WalkReader answers a hard link met again with the entry written, kept apart from the buffer", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeFile(`${dir}/a`, text("model bytes"));
  await Deno.link(`${dir}/a`, `${dir}/b`);
  await Deno.writeFile(`${dir}/c`, text("other bytes"));
  const reader = new WalkReader();
  const first = reader.read(`${dir}/a`);
  assertEquals(first.link?.nlink, 2);
  // stored as it is: the body is the reused buffer
  const entry: WrittenEntry = {
    method: 0,
    crc: 7,
    size: 11,
    body: first.data!,
  };
  reader.written(first, entry);
  reader.read(`${dir}/c`); // overwrites the buffer
  const again = reader.read(`${dir}/b`).again;
  assertEquals(again?.crc, 7);
  assertEquals(again?.body, text("model bytes"));
  // every link met: forgotten, so a third read reads the file
  assertEquals(reader.read(`${dir}/b`).data, text("model bytes"));
  await Deno.remove(dir, { recursive: true });
});

Deno.test("zipDirToFile() of a folder with hard links gives the bytes of a fresh archive", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.mkdir(`${dir}/Model`);
  await Deno.mkdir(`${dir}/checkpoint`);
  const json = JSON.stringify({ w: Array.from({ length: 500 }, Math.sqrt) });
  await Deno.writeTextFile(`${dir}/Model/core.json`, json);
  await Deno.link(`${dir}/Model/core.json`, `${dir}/checkpoint/core_0.json`);
  await Deno.writeTextFile(`${dir}/Model/metadata.json`, "{}");
  await zipDirToFile(dir, `${dir}.zip`);
  assertEquals(
    await Deno.readFile(`${dir}.zip`),
    zipEntries(await collectDir(dir)),
  );
  await Deno.remove(`${dir}.zip`);
  await Deno.remove(dir, { recursive: true });
});
