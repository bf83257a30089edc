/**
 * A read-only view of a pipeline's files, from a folder or from the entries
 * of a pipeline zip held in memory, so that one loader reads both. Paths
 * are relative to the pipeline, `/`-separated, and built by the loader from
 * directory listings and the vocabulary only.
 *
 * @module
 */
import { join } from "node:path";
import {
  collectDir,
  entryText,
  safeEntryPath,
  type ZipEntries,
  type ZipLimits,
} from "../io/zip.ts";

/** One entry of a listing. */
export interface SourceEntry {
  /** File or folder name. */
  name: string;
  /** Whether it is a folder. */
  isDirectory: boolean;
}

/** A pipeline's files. */
export interface PipelineSource {
  /** Where it came from (a folder or a URL), for messages. */
  readonly origin: string;
  /** `"dir"` for a folder, `"zip"` for entries in memory. */
  readonly kind: "dir" | "zip";
  /** A path inside the pipeline as a full path or URL, for messages. */
  where(path: string): string;
  /** The entries of a folder (`""` is the top); empty when missing. */
  list(dir: string): Promise<SourceEntry[]>;
  /** A file's bytes, or undefined when missing. */
  read(path: string): Promise<Uint8Array | undefined>;
  /** A file's text, or undefined when missing. */
  readText(path: string): Promise<string | undefined>;
  /** All files below a folder, as zip entries relative to it. */
  collect(dir: string): Promise<ZipEntries>;
  /** Bounds on inflating the model zips it holds. Default: `ZIP_LIMITS`. */
  readonly zipLimits?: ZipLimits;
}

function checkRelative(path: string): void {
  if (path.startsWith("/") || path.split("/").some((s) => s === "..")) {
    throw new RangeError(`Refusing path "${path}": it leaves the pipeline`);
  }
}

/**
 * A pipeline folder on disk. Dot files are hidden from listings, symbolic
 * links are followed, and a missing file or folder reads as undefined or
 * empty. The folder is resolved once, when the source is made: a pipeline
 * published as generations (`<models>/<pipeline>` a link to the current
 * one, see generation.ts) is read from the generation current then, even
 * if a training swaps in a new one while it is read (the previous
 * generation is kept). Messages still name `root`.
 *
 * @param root The pipeline folder, e.g. `<models>/std_v0.7.11`; it need not
 *   exist yet.
 * @returns A source reading the folder's files on each call.
 * @throws {RangeError} when a path given to the source's methods is
 *   absolute or contains `..` (thrown by those methods, not by this call).
 *
 * @example
 * ```ts
 * import { dirSource } from "./pipeline_source.ts";
 * import { deepStrictEqual as assertEquals, rejects as assertRejects } from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await Deno.mkdir(`${dir}/acpi`);
 * await Deno.writeTextFile(`${dir}/metadata.json`, "{}");
 * const source = dirSource(dir);
 * assertEquals(await source.list(""), [{ name: "acpi", isDirectory: true }, { name: "metadata.json", isDirectory: false }]);
 * assertEquals(await source.readText("metadata.json"), "{}");
 * assertEquals(await source.readText("missing.json"), undefined);
 * await assertRejects(() => source.read("../x"), RangeError);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function dirSource(root: string): PipelineSource {
  const pinned = pinnedFolder(root);
  const full = (p: string) => {
    checkRelative(p);
    return p === "" ? pinned : join(pinned, p);
  };
  return {
    origin: root,
    kind: "dir",
    where: (p) => join(root, p),
    async list(dir) {
      const out: SourceEntry[] = [];
      try {
        for await (const e of Deno.readDir(full(dir))) {
          if (e.name.startsWith(".")) continue;
          let isDirectory = e.isDirectory;
          if (e.isSymlink) {
            // follow links (Kubernetes mounts ConfigMaps through them)
            isDirectory = await Deno.stat(join(full(dir), e.name)).then(
              (s) => s.isDirectory,
              () => false,
            );
          }
          out.push({ name: e.name, isDirectory });
        }
      } catch (error) {
        if (
          error instanceof Deno.errors.NotFound ||
          error instanceof Deno.errors.NotADirectory
        ) return [];
        throw error;
      }
      return out.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
    },
    async read(path) {
      try {
        return await Deno.readFile(full(path));
      } catch (error) {
        if (
          error instanceof Deno.errors.NotFound ||
          error instanceof Deno.errors.IsADirectory
        ) return undefined;
        throw error;
      }
    },
    async readText(path) {
      const bytes = await this.read(path);
      return bytes === undefined ? undefined : new TextDecoder().decode(bytes);
    },
    async collect(dir) {
      try {
        return await collectDir(full(dir));
      } catch (error) {
        if (error instanceof Deno.errors.NotFound) return {};
        throw error;
      }
    },
  };
}

/** `root` with its links resolved now (itself when it does not exist). */
function pinnedFolder(root: string): string {
  try {
    return Deno.realPathSync(root);
  } catch {
    return root;
  }
}

/**
 * The entries of a pipeline zip. Entries that would leave the pipeline
 * (absolute or `..`) make it a `RangeError`; a zip whose files all sit in
 * one top folder (with `metadata.json` in it) is read from inside it.
 * `keep` drops entries the server does not need (e.g. preprocessed data).
 *
 * @param entries The zip's entries: path → bytes.
 * @param origin Where the zip came from (a path or URL), for messages.
 * @param keep Which entries to keep, by path relative to the pipeline
 *   (every entry by default).
 * @returns A source reading the kept entries from memory.
 * @throws {RangeError} when an entry is absolute or contains `..`, and from
 *   the source's methods when a path asked for does.
 *
 * @example
 * ```ts
 * import { zipSource } from "./pipeline_source.ts";
 * import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
 * const bytes = (text: string) => new TextEncoder().encode(text);
 * const source = zipSource(
 *   { "p/metadata.json": bytes("{}"), "p/acpi/a.json": bytes("1"), "p/data/x.csv": bytes("") },
 *   "https://example.com/p.zip",
 *   (path) => !path.startsWith("data/"),
 * );
 * assertEquals(await source.list(""), [{ name: "acpi", isDirectory: true }, { name: "metadata.json", isDirectory: false }]);
 * assertEquals(await source.readText("acpi/a.json"), "1");
 * assertEquals(source.where("acpi/a.json"), "https://example.com/p.zip/acpi/a.json");
 * assertThrows(() => zipSource({ "../evil": bytes("") }, "bad.zip"), RangeError);
 * ```
 */
export function zipSource(
  entries: ZipEntries,
  origin: string,
  keep: (path: string) => boolean = () => true,
): PipelineSource {
  const files = new Map<string, Uint8Array>();
  for (const [name, data] of Object.entries(entries)) {
    safeEntryPath("/pipeline", name); // throws for entries that escape
    const clean = name.replaceAll("\\", "/").replace(/^\.\//, "");
    files.set(clean, data);
  }
  if (!files.has("metadata.json") && files.size > 0) {
    const first = [...files.keys()][0]!;
    const top = first.includes("/")
      ? first.slice(0, first.indexOf("/") + 1)
      : "";
    if (
      top !== "" && [...files.keys()].every((k) => k.startsWith(top)) &&
      files.has(`${top}metadata.json`)
    ) {
      const inner = new Map<string, Uint8Array>();
      for (const [k, v] of files) inner.set(k.slice(top.length), v);
      files.clear();
      for (const [k, v] of inner) files.set(k, v);
    }
  }
  for (const k of [...files.keys()]) if (!keep(k)) files.delete(k);
  const children = new Map<string, Map<string, boolean>>();
  const add = (dir: string, name: string, isDirectory: boolean) => {
    let m = children.get(dir);
    if (m === undefined) children.set(dir, m = new Map());
    if (!m.get(name)) m.set(name, isDirectory);
  };
  for (const path of files.keys()) {
    const parts = path.split("/");
    for (let i = 0; i < parts.length; i++) {
      add(parts.slice(0, i).join("/"), parts[i]!, i < parts.length - 1);
    }
  }
  const asEntries = Object.fromEntries(files);
  return {
    origin,
    kind: "zip",
    where: (p) => `${origin}/${p}`,
    list(dir) {
      checkRelative(dir);
      const m = children.get(dir);
      const out = m === undefined
        ? []
        : [...m].map(([name, isDirectory]) => ({ name, isDirectory }));
      return Promise.resolve(
        out.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
      );
    },
    read(path) {
      checkRelative(path);
      return Promise.resolve(files.get(path));
    },
    readText(path) {
      checkRelative(path);
      return Promise.resolve(entryText(asEntries, path));
    },
    collect(dir) {
      checkRelative(dir);
      const prefix = dir === "" ? "" : `${dir}/`;
      const out: ZipEntries = {};
      for (const [k, v] of files) {
        if (k.startsWith(prefix)) out[k.slice(prefix.length)] = v;
      }
      return Promise.resolve(out);
    },
  };
}
