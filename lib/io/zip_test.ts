/**
 * The zip writer against independent readers: Python's `zipfile` (CRC
 * checked by `testzip()`, contents compared byte for byte) reads what we
 * write, and our reader reads what Python writes. The Python tests skip
 * with a message when python3 is missing, unless CI is set (then they run
 * and fail).
 *
 * @module
 */
import {
  deepStrictEqual as assertEquals,
  ok as assert,
} from "node:assert/strict";
import { Buffer } from "node:buffer";
import { collectDir, unzipEntries, zipDirToFile, zipEntries } from "./zip.ts";

function env(key: string): string | undefined {
  try {
    return Deno.env.get(key);
  } catch {
    return undefined; // no --allow-env: treat as unset
  }
}

function requirePython(): { ignore: boolean; reason: string } {
  const found = (env("PATH") ?? "/usr/local/bin:/usr/bin:/bin").split(":")
    .some((dir) => {
      try {
        return dir !== "" && Deno.statSync(`${dir}/python3`).isFile;
      } catch {
        return false;
      }
    });
  if (found || (env("CI") ?? "") !== "") return { ignore: false, reason: "" };
  const reason = "skipped: python3 not installed; apt-get install python3";
  console.warn(reason);
  return { ignore: true, reason };
}

const python = requirePython();
const enc = new TextEncoder();

/** A deterministic pseudo-random (incompressible) byte string. */
function noise(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s >>> 24;
  }
  return out;
}

/** Entries that exercise each path of the writer. */
function sampleEntries(): Record<string, Uint8Array> {
  const json = JSON.stringify(
    Array.from({ length: 5000 }, (_, i) => ({ i, v: Math.sin(i) })),
  );
  return {
    "model/weights.json": enc.encode(json), // deflated
    "empty.txt": new Uint8Array(0), // nothing to deflate
    "noise.bin": noise(70_000, 7), // deflate would grow it: stored
    "inner.zip": zipEntries({ "a.txt": enc.encode("a".repeat(1000)) }),
    "café/naïve ✓.txt": enc.encode("utf-8 name"), // name flag bit 11
    "check.txt": enc.encode("123456789"),
  };
}

const toBase64 = (b: Uint8Array) => Buffer.from(b).toString("base64");

/** Runs a Python script with the archive path as argv[1]; returns stdout. */
async function runPython(script: string, zipPath: string): Promise<string> {
  const out = await new Deno.Command("python3", {
    args: ["-c", script, zipPath],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success) {
    throw new Error(
      `python3 failed: ${new TextDecoder().decode(out.stderr)}`,
    );
  }
  return text;
}

const READ_SCRIPT = `
import base64, json, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    bad = z.testzip()
    print(json.dumps({
        "bad": bad,
        "entries": {i.filename: [i.compress_type, i.CRC, i.date_time[:3],
                    base64.b64encode(z.read(i)).decode()] for i in z.infolist()},
    }))
`;

Deno.test(
  {
    name: "zipEntries() archives are read and CRC-checked by Python's zipfile",
    ignore: python.ignore,
  },
  async () => {
    const entries = sampleEntries();
    const dir = await Deno.makeTempDir({ prefix: "kepler-zip-" });
    try {
      await Deno.writeFile(`${dir}/a.zip`, zipEntries(entries));
      const got = JSON.parse(await runPython(READ_SCRIPT, `${dir}/a.zip`)) as {
        bad: string | null;
        entries: Record<string, [number, number, number[], string]>;
      };
      assertEquals(got.bad, null); // every CRC matched
      assertEquals(
        Object.keys(got.entries).sort(),
        Object.keys(entries).sort(),
      );
      for (const [name, data] of Object.entries(entries)) {
        const [method, , date, b64] = got.entries[name]!;
        assertEquals(b64, toBase64(data), name);
        assertEquals(date, [1980, 1, 1], name);
        // only the JSON shrinks: the zip is compressed already, the noise
        // incompressible, the short texts would grow (deflate's overhead)
        const stored = name !== "model/weights.json";
        assertEquals(method, stored ? 0 : 8, name);
      }
      // the standard CRC-32 check value of "123456789" (ISO-HDLC)
      assertEquals(got.entries["check.txt"]![1], 0xcbf43926);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);

const WRITE_SCRIPT = `
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("a/x.json", '{"k": [1, 2, 3]}' * 100)
    z.writestr("b.txt", "stored", compress_type=zipfile.ZIP_STORED)
    z.writestr("é.txt", "utf-8")
`;

Deno.test(
  {
    name: "unzipEntries() reads an archive Python's zipfile wrote",
    ignore: python.ignore,
  },
  async () => {
    const dir = await Deno.makeTempDir({ prefix: "kepler-zip-" });
    try {
      await runPython(WRITE_SCRIPT, `${dir}/p.zip`);
      const got = unzipEntries(await Deno.readFile(`${dir}/p.zip`), "p.zip");
      const text = (b: Uint8Array | undefined) => new TextDecoder().decode(b);
      assertEquals(Object.keys(got).sort(), ["a/x.json", "b.txt", "é.txt"]);
      assertEquals(text(got["a/x.json"]), '{"k": [1, 2, 3]}'.repeat(100));
      assertEquals(text(got["b.txt"]), "stored");
      assertEquals(text(got["é.txt"]), "utf-8");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);

Deno.test("zipEntries() round-trips through our reader, stored and deflated", () => {
  const entries = sampleEntries();
  const zip = zipEntries(entries);
  assertEquals(unzipEntries(zip, "s.zip"), entries);
  // the 70 kB of noise is stored, the 200 kB of JSON shrinks
  const raw = Object.values(entries).reduce((s, b) => s + b.length, 0);
  assert(zip.length < raw - 100_000, `${zip.length} of ${raw}`);
});

Deno.test("zipDirToFile() streams the bytes zipEntries() gives for the folder", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kepler-zip-" });
  try {
    // "a.txt" sorts before "a/..." ('.' < '/'), though a walk visits a/ first
    await Deno.mkdir(`${dir}/src/a`, { recursive: true });
    await Deno.writeTextFile(`${dir}/src/a/b.json`, "[1,2,3]".repeat(50));
    await Deno.writeTextFile(`${dir}/src/a.txt`, "x");
    await Deno.writeFile(`${dir}/src/n.bin`, noise(100_000, 3));
    await zipDirToFile(`${dir}/src`, `${dir}/s.zip`);
    const streamed = await Deno.readFile(`${dir}/s.zip`);
    assertEquals(streamed, zipEntries(await collectDir(`${dir}/src`)));
    assertEquals(
      unzipEntries(streamed, "s.zip"),
      await collectDir(`${dir}/src`),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
