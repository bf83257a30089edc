import {
  deepStrictEqual as assertEquals,
  rejects as assertRejects,
} from "node:assert/strict";
import { join } from "node:path";
import type { ObjectStore } from "./object_store.ts";
import { s3Load } from "./s3_load.ts";

function memoryStore(objects: Record<string, string>): ObjectStore & {
  gets: string[];
} {
  const gets: string[] = [];
  return {
    bucket: "b",
    location: "memory",
    gets,
    putObject: () => Promise.reject(new Error("read only")),
    getObject: (key) => {
      gets.push(key);
      const v = objects[key];
      return v === undefined
        ? Promise.reject(new Error(`no ${key}`))
        : Promise.resolve(new TextEncoder().encode(v));
    },
    listKeys: (prefix) =>
      Promise.resolve(Object.keys(objects).filter((k) => k.startsWith(prefix))),
    close: () => {},
  };
}

Deno.test("`s3Load()` reads upstream's /-prefixed keys, and ours win over them", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const store = memoryStore({
      "/m1/data/kepler_query.json": "upstream",
      "/m1/data/idle.json": "upstream idle",
      "m1/data/idle.json": "ours",
      "/models/p1/metadata.json": "meta",
      "m1/data/": "",
    });
    const loaded = await s3Load(store, {
      dataPath: join(dir, "data"),
      modelPath: join(dir, "models"),
      machineId: "m1",
      pipeline: "p1",
    });
    assertEquals(loaded.map((i) => i.key).sort(), [
      "/m1/data/kepler_query.json",
      "/models/p1/metadata.json",
      "m1/data/idle.json",
    ]);
    assertEquals(await Deno.readTextFile(join(dir, "data/idle.json")), "ours");
    assertEquals(
      await Deno.readTextFile(join(dir, "data/kepler_query.json")),
      "upstream",
    );
    assertEquals(
      await Deno.readTextFile(join(dir, "models/p1/metadata.json")),
      "meta",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("`s3Load()` refuses a key that leaves its folder before writing anything", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const store = memoryStore({
      "m1/data/a.json": "{}",
      "m1/data/../../../escape.txt": "x",
    });
    await assertRejects(
      () => s3Load(store, { dataPath: join(dir, "data"), machineId: "m1" }),
      (e: Error) =>
        e instanceof RangeError &&
        /Refusing object "m1\/data\/\.\.\/\.\.\/\.\.\/escape\.txt"/.test(
          e.message,
        ),
    );
    assertEquals(store.gets, []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("`s3Load()` names the prefixes it searched when nothing is there", async () => {
  await assertRejects(
    () =>
      s3Load(memoryStore({ "m2/data/x.json": "{}", "models/p10/x": "" }), {
        dataPath: "/nonexistent",
        machineId: "m1",
        pipeline: "p1",
      }),
    (e: Error) =>
      e instanceof RangeError &&
      e.message ===
        'Nothing to load: bucket "b" at memory has no object below "m1/data/", "/m1/data/", "models/p1/", "/models/p1/", "models/p1.zip"',
  );
});
